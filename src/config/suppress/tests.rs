use super::*;
use crate::yaml::parse_documents;

fn scan(text: &str) -> (SourceFile, Suppressions) {
    let file = SourceFile::new("rules.yml", text);
    let documents = parse_documents(&file).expect("test YAML parses");
    let suppressions = Suppressions::scan(&file, &documents);
    (file, suppressions)
}

/// A diagnostic with `code` on the `nth` occurrence of `needle`.
fn at(file: &SourceFile, code: &'static str, needle: &str) -> Diagnostic {
    let start = file.text.find(needle).expect("needle");
    Diagnostic::new(code, Severity::Error, start..start + needle.len(), "x")
}

const RULES: &str = "\
groups:
  - name: api
    rules:
      # promgate: ignore[alerts/for] the exporter restarts often
      - alert: First
        expr: up == 0
        for: 0s
      - alert: Second
        expr: |
          # promgate: ignore[promql/x] this is a PromQL comment, not YAML
          rate(a_total[1m])
        labels:
          note: \"# promgate: ignore[promql/x] inside a string\"
          other: b # promgate: ignore[labels/x, catalog/*] reason
      - alert: Third   # promgate: ignore[alerts/for]
        expr: vector(1)
        for: 0s
      - record: job:x:sum
        # promgate: ignore[promql/y]
        expr: |
          sum(
            x_total)
";

#[test]
fn a_directive_above_a_rule_covers_the_whole_rule() {
    let (file, mut s) = scan(RULES);
    assert!(s.suppresses(&file, &at(&file, "alerts/for", "0s")));
    assert!(s.suppresses(&file, &at(&file, "alerts/for", "up == 0")));
    // Not the next rule.
    assert!(!s.suppresses(&file, &at(&file, "alerts/for", "rate(")));
}

#[test]
fn hash_inside_block_scalars_and_strings_is_not_a_comment() {
    let (file, mut s) = scan(RULES);
    assert!(!s.suppresses(&file, &at(&file, "promql/x", "rate(a_total")));
    assert!(!s.suppresses(&file, &at(&file, "promql/x", "inside a string")));
}

#[test]
fn trailing_directives_cover_their_line_with_several_codes_and_globs() {
    let (file, mut s) = scan(RULES);
    assert!(s.suppresses(&file, &at(&file, "labels/x", "other: b")));
    assert!(s.suppresses(&file, &at(&file, "catalog/unknown-metric", "other: b")));
    assert!(!s.suppresses(&file, &at(&file, "promql/z", "other: b")));
    // A trailing directive on `- alert:` covers that rule.
    let third_for = file.text.rfind("for: 0s").unwrap();
    let diagnostic = Diagnostic::new("alerts/for", Severity::Error, third_for..third_for + 7, "x");
    assert!(s.suppresses(&file, &diagnostic));
}

#[test]
fn a_directive_above_a_block_entry_covers_its_lines() {
    let (file, mut s) = scan(RULES);
    assert!(s.suppresses(&file, &at(&file, "promql/y", "x_total)")));
    assert!(!s.suppresses(&file, &at(&file, "promql/y", "up == 0")));
}

#[test]
fn file_directives_and_unused_reports() {
    let text = "# promgate: ignore-file[catalog/*, nosuch/code]\n# promgate: ignore\ngroups: [] # promgate: ignore[alerts/required-labels]\n";
    let (file, mut s) = scan(text);
    let anywhere = Diagnostic::new("catalog/unknown-metric", Severity::Error, 60..61, "x");
    assert!(s.suppresses(&file, &anywhere));
    let unused = s.unused(Severity::Info, |_| true);
    let messages: Vec<(usize, &str)> = unused
        .iter()
        .map(|d| (file.line_col(d.span.start).line, d.message.as_str()))
        .collect();
    assert_eq!(unused.len(), 3, "{messages:?}");
    assert!(messages
        .iter()
        .any(|(line, m)| *line == 1 && m.contains("`nosuch/code`, which is no check")));
    assert!(messages
        .iter()
        .any(|(line, m)| *line == 2 && m.contains("names no check")));
    assert!(messages
        .iter()
        .any(|(line, m)| *line == 3 && m.contains("`alerts/required-labels` is unused")));
    // The code span points at the code inside the brackets.
    let alerts_for = unused
        .iter()
        .find(|d| d.message.contains("alerts/required-labels"))
        .unwrap();
    assert_eq!(
        &file.text[alerts_for.span.clone()],
        "alerts/required-labels"
    );
}

#[test]
fn suppressions_for_checks_that_did_not_run_are_not_reported() {
    let (_, s) = scan("groups: [] # promgate: ignore[alerts/required-labels]\n");
    assert!(s.unused(Severity::Info, |_| false).is_empty());
}
