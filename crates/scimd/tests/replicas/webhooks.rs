//! Webhook delivery across replicas: each event reaches its receiver
//! once, whichever replica holds the webhook's lease.

use super::*;

/// Fast webhook delivery: short ticks, back-off and lease.
const FAST_HOOKS: [&str; 8] = [
    "--webhook-poll-ms",
    "20",
    "--webhook-retry-base-ms",
    "20",
    "--webhook-retry-max-ms",
    "100",
    "--webhook-lease-ms",
    "2000",
];

/// How often each event (`jti`) arrived.
fn arrivals(rx: &Receiver) -> HashMap<String, usize> {
    let mut n = HashMap::new();
    for set in rx.delivered() {
        *n.entry(set["jti"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    n
}

/// The events this replica delivered, from its `/metrics`.
fn delivered_by(s: &Server, hook: &str) -> u64 {
    let text = s.metrics();
    let name = format!("scimd_webhook_delivered_total{{webhook=\"{hook}\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(name.as_str()))
        .map_or(0, |v| v.trim().parse().unwrap())
}

#[test]
fn webhooks_are_delivered_once_across_replicas() {
    if !enabled() {
        return;
    }
    let mut flags = UNLIMITED.to_vec();
    flags.extend_from_slice(&FAST_HOOKS);
    let a = Server::start_on(Some(fresh_postgres()), &flags);
    let b = a.replica(&flags);
    let rx = Receiver::start();
    let out = a.cli_ok(&[
        "webhook",
        "create",
        "--tenant",
        "default",
        "--url",
        &rx.url,
        "--allow-private",
    ]);
    let hook = out.split_whitespace().nth(1).unwrap().to_string();
    let secret = out.lines().last().unwrap().trim().to_string();
    let pending = |s: &Server| {
        let out = s.cli_ok(&["webhook", "list", "--tenant", "default"]);
        let mut lines = out.lines();
        let names: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let row: Vec<&str> = lines.next().unwrap().split('\t').collect();
        let col = names.iter().position(|n| *n == "pending").unwrap();
        row[col].to_string()
    };

    // Writes through both replicas at once, while both run the worker.
    const USERS: usize = 40;
    std::thread::scope(|scope| {
        for w in 0..2 {
            let s = pick(&a, &b, w);
            scope.spawn(move || {
                for i in 0..USERS / 2 {
                    s.create_user(&format!("hook{w}-{i}"));
                }
            });
        }
    });
    assert!(
        wait_for(60, || arrivals(&rx).len() == USERS),
        "{} of {USERS} events arrived",
        arrivals(&rx).len()
    );
    assert!(wait_for(20, || pending(&a) == "0"));
    for r in rx.requests() {
        verify(&r, &secret);
    }
    let twice: Vec<_> = arrivals(&rx).into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    let (by_a, by_b) = (delivered_by(&a, &hook), delivered_by(&b, &hook));
    assert_eq!(by_a + by_b, USERS as u64, "a: {by_a}, b: {by_b}");
    eprintln!("delivered by a: {by_a}, by b: {by_b}");

    // The replica that delivered most dies; the other takes over once the
    // lease expires, from the saved cursor: nothing lost, nothing repeated.
    let (survivor, mut victim) = if by_b > by_a { (a, b) } else { (b, a) };
    victim.kill();
    for i in 0..10 {
        survivor.create_user(&format!("later{i}"));
    }
    assert!(
        wait_for(60, || arrivals(&rx).len() == USERS + 10),
        "{} of {} events arrived",
        arrivals(&rx).len(),
        USERS + 10
    );
    let twice: Vec<_> = arrivals(&rx).into_iter().filter(|(_, n)| *n > 1).collect();
    assert!(twice.is_empty(), "delivered more than once: {twice:?}");
    assert!(wait_for(20, || pending(&survivor) == "0"));
}
