//! `scimd replay --profile P --base-url U --token T`: runs the documented
//! request sequences of an IdP against any SCIM server (see `crate::replay`).
//! The last line is `N passed, M failed`; the exit status fails when M > 0.
//! `--custom` adds the profile's custom-attribute scenarios, which need the
//! extension they name defined on the tenant (`auto` runs them where it is).

use crate::cli::{name, ReplayArgs};
use crate::output::outln;
use crate::replay::{scenario, Runner, Tally};

pub fn run(args: &ReplayArgs) -> Result<(), String> {
    let scenarios = match &args.scenario {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            vec![scenario::parse(&text)?]
        }
        None => scenario::built_in(&name(&args.profile), args.custom)?,
    };
    let token = match (&args.token, &args.token_file) {
        (Some(t), _) => t.clone(),
        (None, Some(f)) => crate::config::read_secret("bearer token", f)?,
        (None, None) => return Err("give --token or --token-file".into()),
    };
    let mut total = Tally::default();
    let mut out = std::io::stdout();
    for s in &scenarios {
        outln!("# {} — {}", s.profile, s.description);
        let mut runner = Runner::new(&args.base_url, &token);
        let t = runner.run(s, &mut out);
        total.passed += t.passed;
        total.failed += t.failed;
        total.skipped += t.skipped;
    }
    if total.skipped > 0 {
        outln!(
            "{} custom-attribute scenario(s) skipped: define the extension shown, or pass --custom to require them",
            total.skipped
        );
    }
    outln!("{} passed, {} failed", total.passed, total.failed);
    if total.failed > 0 {
        return Err(format!("{} replay checks failed", total.failed));
    }
    Ok(())
}
