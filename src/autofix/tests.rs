//! The fixing loop on texts in memory.

use super::*;
use crate::fix::Edit;
use crate::report::ReportedDiagnostic;
use crate::source::SourceFile;

fn diagnostic(
    file: &Arc<SourceFile>,
    needle: &str,
    replacement: &str,
    safe: bool,
) -> ReportedDiagnostic {
    let start = file.text.find(needle).unwrap();
    let fix = Fix::new(
        format!("Replace `{needle}`"),
        if safe {
            Applicability::Safe
        } else {
            Applicability::Unsafe
        },
        vec![Edit::new(start..start + needle.len(), replacement)],
    );
    let diagnostic = Diagnostic::new(
        "promql/regexp",
        crate::diagnostic::Severity::Warning,
        start..start + needle.len(),
        "m",
    )
    .with_fix(fix);
    ReportedDiagnostic::new(file.clone(), diagnostic)
}

/// A lint that reports `=~` (safe fix) and `bad` (unsafe fix) in the overlay's text or
/// the given one.
fn fake_lint(path: &str, text: &str) -> impl FnMut(&Options) -> Result<Linted, String> {
    let (path, text) = (path.to_string(), text.to_string());
    move |options: &Options| {
        let current = options
            .overlay
            .as_ref()
            .and_then(|o| o.get(&path).cloned())
            .unwrap_or_else(|| text.clone());
        let file = Arc::new(SourceFile::new(path.clone(), current.clone()));
        let mut found = Vec::new();
        if current.contains("=~") {
            found.push(diagnostic(&file, "=~", "=", true));
        }
        if current.contains("bad") {
            found.push(diagnostic(&file, "bad", "good", false));
        }
        Ok(Linted {
            report: RunReport::new(1, found),
            io_errors: Vec::new(),
            hidden: 0,
        })
    }
}

#[test]
fn rounds_repeat_until_nothing_applies() {
    let text = "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: a{x=~\"1\"} or a{y=~\"2\"} or bad\n";
    let mut lint = fake_lint("r.yml", text);
    let run = fix_loop(&Options::default(), false, &mut lint).unwrap();
    assert!(run.converged);
    assert_eq!(run.applied(), 2, "one `=~` per round");
    assert_eq!(run.files.len(), 1);
    assert!(run.files[0]
        .fixed
        .contains("a{x=\"1\"} or a{y=\"2\"} or bad"));
    assert_eq!(fixable_counts(&run.last.report), (0, 1));

    let mut lint = fake_lint("r.yml", text);
    let run = fix_loop(&Options::default(), true, &mut lint).unwrap();
    assert!(run.files[0].fixed.contains("or good"));
    assert_eq!(run.applied_by_code()["promql/regexp"], 3);
}

#[test]
fn a_fix_that_breaks_parsing_is_dropped_and_reported() {
    let text = "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: up{a=~\"1\"}\n";
    let mut lint = |options: &Options| {
        let current = options
            .overlay
            .as_ref()
            .and_then(|o| o.get("r.yml").cloned())
            .unwrap_or_else(|| text.to_string());
        let file = Arc::new(SourceFile::new("r.yml", current.clone()));
        let mut found = Vec::new();
        if current.contains("=~") {
            // A broken fix: it removes the closing brace.
            found.push(diagnostic(&file, "=~\"1\"}", "=\"1\"", true));
        }
        Ok(Linted {
            report: RunReport::new(1, found),
            io_errors: Vec::new(),
            hidden: 0,
        })
    };
    let run = fix_loop(&Options::default(), false, &mut lint).unwrap();
    assert!(run.files.is_empty(), "nothing changed: {:?}", run.files);
    assert_eq!(run.rejected.len(), 1);
    assert_eq!(run.rejected[0].line, 5);
}
