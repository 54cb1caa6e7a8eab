//! `scimd import --tenant T FILE`: loads local accounts (not managed by any
//! connection) from CSV or JSON, with a progress bar on stderr (redrawn in
//! place on a terminal). Every row is accounted for: created, skipped (its
//! userName is taken; counted in one summary line) or failed (with its row
//! number and reason). A fatal error stops the import with
//! the row it stopped at; re-running it skips what was already imported.
//!
//! - CSV: a header with any of `userName,email,givenName,familyName,
//!   externalId,active,authProvider,displayName`.
//! - JSON: an array of SCIM User representations, or one per line.

use crate::cli::ImportArgs;
use crate::output::outln;
use scim_service::admin_users::Imported;
use scim_service::Operator;
use serde_json::{json, Map, Value};
use std::io::{IsTerminal, Write};

/// One row to import: its number (1-based, data rows) and a SCIM body, or why it is unreadable.
type Row = (usize, Result<(Value, Option<String>), String>);

fn csv_rows(text: &str) -> Result<Vec<Row>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .clone();
    if !headers.iter().any(|h| h.eq_ignore_ascii_case("userName")) {
        return Err("the CSV header needs a userName column".into());
    }
    Ok(reader
        .records()
        .enumerate()
        .map(|(i, rec)| {
            let row = rec.map_err(|e| e.to_string()).and_then(|rec| {
                let mut fields = Map::new();
                for (h, v) in headers.iter().zip(rec.iter()) {
                    if !v.is_empty() {
                        fields.insert(h.to_ascii_lowercase(), Value::String(v.to_string()));
                    }
                }
                csv_user(&fields)
            });
            (i + 1, row)
        })
        .collect())
}

fn csv_user(f: &Map<String, Value>) -> Result<(Value, Option<String>), String> {
    let get = |k: &str| f.get(k).and_then(Value::as_str).map(str::to_string);
    let user_name = get("username").ok_or("userName is empty")?;
    let mut body = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
    });
    if let Some(e) = get("email") {
        body["emails"] = json!([{"value": e, "type": "work", "primary": true}]);
    }
    if get("givenname").is_some() || get("familyname").is_some() {
        body["name"] = json!({"givenName": get("givenname"), "familyName": get("familyname")});
    }
    if let Some(x) = get("externalid") {
        body["externalId"] = json!(x);
    }
    if let Some(d) = get("displayname") {
        body["displayName"] = json!(d);
    }
    if let Some(a) = get("active") {
        let active = match a.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" => false,
            _ => return Err(format!("active must be true or false, not {a:?}")),
        };
        body["active"] = json!(active);
    }
    Ok((body, get("authprovider")))
}

fn json_rows(text: &str) -> Result<Vec<Row>, String> {
    let trimmed = text.trim_start();
    let items: Vec<Result<Value, String>> = if trimmed.starts_with('[') {
        match serde_json::from_str::<Vec<Value>>(trimmed) {
            Ok(v) => v.into_iter().map(Ok).collect(),
            Err(e) => return Err(format!("the JSON array is malformed: {e}")),
        }
    } else {
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).map_err(|e| format!("malformed JSON: {e}")))
            .collect()
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let row = v.and_then(|v| {
                if !v.is_object() {
                    return Err("each entry must be a JSON object".to_string());
                }
                let provider = v
                    .get("authProvider")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let mut body = v;
                if let Some(m) = body.as_object_mut() {
                    m.remove("authProvider");
                    m.remove("id");
                }
                Ok((body, provider))
            });
            (i + 1, row)
        })
        .collect())
}

/// The progress bar on stderr: on a terminal one line, redrawn in place
/// (a failed row's message is printed above it, and the bar drawn again);
/// otherwise a line every tenth of the way. Skipped rows (already
/// imported) are not listed one by one: [`Progress::summary`] counts them.
struct Progress<W: Write> {
    out: W,
    total: usize,
    tty: bool,
    last: usize,
    /// The bar as last drawn (on a terminal).
    line: String,
    /// The first skipped rows, for the summary.
    skipped: Vec<usize>,
    skipped_count: usize,
}

/// How many skipped rows the summary names.
const SKIPS_NAMED: usize = 5;

impl<W: Write> Progress<W> {
    fn new(out: W, total: usize, tty: bool) -> Progress<W> {
        Progress {
            out,
            total,
            tty,
            last: 0,
            line: String::new(),
            skipped: Vec::new(),
            skipped_count: 0,
        }
    }

    fn show(&mut self, done: usize, created: usize, skipped: usize, failed: usize) {
        let step = (self.total / 100).max(1);
        if done != self.total && done < self.last + step {
            return;
        }
        self.last = done;
        let width = 30;
        let filled = (done * width).checked_div(self.total).unwrap_or(width);
        let bar = format!("{}{}", "#".repeat(filled), ".".repeat(width - filled));
        let line = format!(
            "[{bar}] {done}/{} created {created} skipped {skipped} failed {failed}",
            self.total
        );
        if self.tty {
            // Back to the line's start, the line, and the rest of the old one erased.
            let _ = write!(self.out, "\r{line}\x1b[K");
            if done == self.total {
                let _ = writeln!(self.out);
            }
            let _ = self.out.flush();
            self.line = line;
        } else if done == self.total || done.is_multiple_of(step * 10) {
            let _ = writeln!(self.out, "{line}");
        }
    }

    /// A message about one row, above the bar.
    fn note(&mut self, message: &str) {
        if self.tty && !self.line.is_empty() {
            let _ = write!(self.out, "\r\x1b[K{message}\n{}\x1b[K", self.line);
        } else {
            let _ = writeln!(self.out, "{message}");
        }
    }

    fn skip(&mut self, row: usize) {
        self.skipped_count += 1;
        if self.skipped.len() < SKIPS_NAMED {
            self.skipped.push(row);
        }
    }

    /// One line for the skipped rows, if any.
    fn summary(&mut self) {
        if self.skipped_count == 0 {
            return;
        }
        let rows: Vec<String> = self.skipped.iter().map(usize::to_string).collect();
        let more = if self.skipped_count > self.skipped.len() {
            ", …"
        } else {
            ""
        };
        let _ = writeln!(
            self.out,
            "{} rows skipped: their userName is taken (an account imported before, or provisioned): rows {}{more}",
            self.skipped_count,
            rows.join(", ")
        );
    }
}

pub async fn run(op: &Operator, args: &ImportArgs) -> Result<(), String> {
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let is_json = args
        .file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("jsonl"))
        || text.trim_start().starts_with(['[', '{']);
    let rows = if is_json {
        json_rows(&text)?
    } else {
        csv_rows(&text)?
    };
    let tenant = op
        .tenant(&args.tenant)
        .await
        .map_err(|e| e.detail().to_string())?;
    let mut progress = Progress::new(
        std::io::stderr(),
        rows.len(),
        std::io::stderr().is_terminal(),
    );
    let (mut created, mut skipped, mut failed) = (0, 0, 0);
    let total = rows.len();
    for (done, (n, row)) in rows.into_iter().enumerate() {
        let outcome = match row {
            Err(why) => Err(why),
            Ok((body, provider)) => {
                let provider = provider.or_else(|| args.auth_provider.clone());
                match tenant.import_user(&body, provider.as_deref()).await {
                    Ok(o) => Ok(o),
                    Err(e) if e.status() >= 500 => {
                        return Err(format!(
                            "stopped at row {n} of {total}: {}; rows before it were processed ({created} created, {skipped} skipped, {failed} failed); re-running skips accounts already imported",
                            e.detail()
                        ));
                    }
                    Err(e) => Err(e.detail().to_string()),
                }
            }
        };
        match outcome {
            Ok(Imported::Created(_)) => created += 1,
            Ok(Imported::Skipped(_)) => {
                skipped += 1;
                progress.skip(n);
            }
            Err(why) => {
                failed += 1;
                progress.note(&format!("row {n}: failed: {why}"));
            }
        }
        progress.show(done + 1, created, skipped, failed);
    }
    progress.summary();
    outln!("imported {total} rows: {created} created, {skipped} skipped, {failed} failed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a progress bar over `outcomes` (`c`reated, `s`kipped, `f`ailed)
    /// and returns what it wrote.
    fn run(outcomes: &str, tty: bool) -> String {
        let mut p = Progress::new(Vec::new(), outcomes.len(), tty);
        let (mut c, mut s, mut f) = (0, 0, 0);
        for (i, o) in outcomes.chars().enumerate() {
            match o {
                'c' => c += 1,
                's' => {
                    s += 1;
                    p.skip(i + 1);
                }
                _ => {
                    f += 1;
                    p.note(&format!("row {}: failed: bad", i + 1));
                }
            }
            p.show(i + 1, c, s, f);
        }
        p.summary();
        String::from_utf8(p.out).unwrap()
    }

    #[test]
    fn one_bar_redrawn_on_a_terminal_and_skips_summarised() {
        let out = run(&"s".repeat(300), true);
        // One bar, redrawn with \r: one line ends it, one line summarises.
        assert_eq!(out.lines().count(), 2, "{out:?}");
        assert!(out.contains("\r[") && out.contains("300/300"), "{out:?}");
        assert!(out.ends_with("300 rows skipped: their userName is taken (an account imported before, or provisioned): rows 1, 2, 3, 4, 5, …\n"), "{out:?}");
        // A failure is printed above the bar, which is drawn again.
        let out = run("cfc", true);
        assert!(out.contains("\r\x1b[Krow 2: failed: bad\n[#"), "{out:?}");
        assert!(!out.contains("skipped:"), "{out:?}");
        // Not a terminal: plain lines, no control characters.
        let out = run(&"c".repeat(50), false);
        assert!(!out.contains('\r') && !out.contains('\x1b'), "{out:?}");
        assert!(out.lines().count() <= 11, "{out:?}");
    }
}
