//! `scimd replay --profile P --base-url U --token T`: runs the documented
//! request sequences of an IdP against any SCIM server (see `crate::replay`).
//! The last line is `N passed, M failed`; the exit status fails when M > 0.

use crate::cli::ReplayArgs;
use crate::replay::{scenario, Runner, Tally};

pub fn run(args: &ReplayArgs) -> Result<(), String> {
    let scenarios = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            vec![scenario::parse(&text)?]
        }
        None => scenario::built_in(&args.profile)?,
    };
    let mut total = Tally::default();
    let mut out = std::io::stdout();
    for s in &scenarios {
        println!("# {} — {}", s.profile, s.description);
        let mut runner = Runner::new(&args.base_url, &args.token);
        let t = runner.run(s, &mut out);
        total.passed += t.passed;
        total.failed += t.failed;
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        return Err(format!("{} replay checks failed", total.failed));
    }
    Ok(())
}
