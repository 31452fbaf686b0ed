//! Rendering test results: human text (with a diff of expected and actual), JSON,
//! JUnit XML, and the coverage table.

use super::coverage::FileCoverage;
use super::{Failure, FileReport};
use serde_json::{json, Value as Json};

/// Prometheus' short duration (`model.Duration.String()`): `1h5m`, `30s`, `0s`.
pub fn short_duration(ms: i64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = ms;
    if rest < 0 {
        out.push('-');
        rest = -rest;
    }
    // Years and weeks only when exact, as Prometheus prints 90d rather than 12w6d.
    for (unit, size, exact) in [
        ("y", 31_536_000_000, true),
        ("w", 604_800_000, true),
        ("d", 86_400_000, false),
        ("h", 3_600_000, false),
        ("m", 60_000, false),
        ("s", 1000, false),
        ("ms", 1, false),
    ] {
        if (exact && rest % size != 0) || rest < size {
            continue;
        }
        out.push_str(&format!("{}{unit}", rest / size));
        rest %= size;
    }
    out
}

/// A unified-style diff of two lists of lines: `-` expected only, `+` actual only.
pub fn diff(expected: &[String], actual: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    // Longest common subsequence; the lists are short.
    let (n, m) = (expected.len(), actual.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if expected[i] == actual[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            out.push(format!("  {}", expected[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(format!("- {}", expected[i]));
            i += 1;
        } else {
            out.push(format!("+ {}", actual[j]));
            j += 1;
        }
    }
    out
}

fn failure_text(path: &str, f: &Failure) -> String {
    let mut s = if f.line > 0 {
        format!("    {path}:{}: {}\n", f.line, f.message)
    } else {
        format!("    {path}: {}\n", f.message)
    };
    for r in &f.rules {
        s.push_str(&format!("      rule: {r}\n"));
    }
    if !f.expected.is_empty() || !f.actual.is_empty() {
        s.push_str(&format!(
            "      --- expected ({})\n      +++ actual ({})\n",
            f.expected.len(),
            f.actual.len()
        ));
        for line in diff(&f.expected, &f.actual) {
            s.push_str(&format!("      {line}\n"));
        }
    }
    s
}

pub fn human(reports: &[FileReport]) -> String {
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for r in reports {
        out.push_str(&format!("Unit testing {}\n", r.path));
        if let Some(e) = &r.error {
            out.push_str("  FAILED (the file could not be tested)\n");
            out.push_str(&failure_text(&r.path, e));
            failed += 1;
            continue;
        }
        for g in &r.groups {
            if g.failures.is_empty() {
                passed += 1;
                out.push_str(&format!("  SUCCESS {} ({}:{})\n", g.name, r.path, g.line));
            } else {
                failed += 1;
                out.push_str(&format!("  FAILED  {} ({}:{})\n", g.name, r.path, g.line));
                for f in &g.failures {
                    out.push_str(&failure_text(&r.path, f));
                }
            }
        }
    }
    out.push_str(&format!(
        "\n{} test group{}: {passed} passed, {failed} failed\n",
        passed + failed,
        if passed + failed == 1 { "" } else { "s" }
    ));
    out
}

fn failure_json(f: &Failure) -> Json {
    json!({
        "line": f.line,
        "message": f.message,
        "expected": f.expected,
        "actual": f.actual,
        "rules": f.rules,
    })
}

pub fn json(reports: &[FileReport], coverage: Option<&FileCoverage>) -> Json {
    let files: Vec<Json> = reports
        .iter()
        .map(|r| {
            json!({
                "path": r.path,
                "passed": r.passed(),
                "error": r.error.as_ref().map(failure_json),
                "rule_files": r.rule_files,
                "tests": r.groups.iter().map(|g| json!({
                    "name": g.name,
                    "line": g.line,
                    "passed": g.failures.is_empty(),
                    "failures": g.failures.iter().map(failure_json).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let groups = reports.iter().map(|r| r.groups.len()).sum::<usize>();
    let failed_groups = reports
        .iter()
        .map(|r| r.groups.iter().filter(|g| !g.failures.is_empty()).count())
        .sum::<usize>();
    let mut out = json!({
        "version": 1,
        "files": files,
        "summary": {
            "files": reports.len(),
            "failed_files": reports.iter().filter(|r| !r.passed()).count(),
            "tests": groups,
            "failed_tests": failed_groups,
        },
    });
    if let Some(c) = coverage {
        out["coverage"] = coverage_json(c);
    }
    out
}

fn coverage_json(c: &FileCoverage) -> Json {
    json!({
        "percent": (c.percent() * 10.0).round() / 10.0,
        "rules": c.rules.iter().map(|r| json!({
            "file": r.file,
            "line": r.line,
            "group": r.group,
            "name": r.name,
            "kind": match r.kind { Some(crate::rules::RuleKind::Recording) => "recording", _ => "alerting" },
            "status": r.status().as_str(),
            "fired": r.fired,
        })).collect::<Vec<_>>(),
        "missing_series": c.missing_series().iter().map(|(r, names)| json!({
            "file": r.file,
            "line": r.line,
            "rule": r.name,
            "series": names,
        })).collect::<Vec<_>>(),
    })
}

pub fn coverage_table(c: &FileCoverage) -> String {
    let mut out = String::from("\nCoverage\n");
    let rows: Vec<(String, String, String, String)> = c
        .rules
        .iter()
        .map(|r| {
            (
                format!("{}:{}", r.file, r.line),
                match r.kind {
                    Some(crate::rules::RuleKind::Recording) => "record".into(),
                    _ => "alert".into(),
                },
                r.name.clone(),
                r.status().as_str().to_string(),
            )
        })
        .collect();
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(4).max(4);
    let w2 = rows.iter().map(|r| r.2.len()).max().unwrap_or(4).max(4);
    out.push_str(&format!(
        "  {:<w0$}  {:<6}  {:<w2$}  status\n",
        "rule", "kind", "name"
    ));
    for (a, b, n, s) in &rows {
        out.push_str(&format!("  {a:<w0$}  {b:<6}  {n:<w2$}  {s}\n"));
    }
    let missing = c.missing_series();
    if !missing.is_empty() {
        out.push_str("\n  Series read by rules that no test provides:\n");
        for (r, names) in missing {
            out.push_str(&format!(
                "    {}:{} {}: {}\n",
                r.file,
                r.line,
                r.name,
                names.join(", ")
            ));
        }
    }
    let covered = c.rules.iter().filter(|r| r.status().covered()).count();
    out.push_str(&format!(
        "\n  {covered} of {} rules covered ({:.1}%)\n",
        c.rules.len(),
        c.percent()
    ));
    out
}

/// JUnit XML: one test suite per file, one test case per test group.
pub fn junit(reports: &[FileReport]) -> String {
    use crate::report::xml::escape_attribute as esc;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    for r in reports {
        let failures = r.groups.iter().filter(|g| !g.failures.is_empty()).count()
            + usize::from(r.error.is_some());
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
            esc(&r.path),
            r.groups.len()
        ));
        if let Some(e) = &r.error {
            out.push_str(&format!(
                "    <testcase name=\"{}\"><failure message=\"{}\"></failure></testcase>\n",
                esc(&r.path),
                esc(&failure_text(&r.path, e))
            ));
        }
        for g in &r.groups {
            out.push_str(&format!("    <testcase name=\"{}\">", esc(&g.name)));
            for f in &g.failures {
                out.push_str(&format!(
                    "<failure message=\"{}\"></failure>",
                    esc(&failure_text(&r.path, f))
                ));
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_diffs() {
        assert_eq!(short_duration(90_000), "1m30s");
        assert_eq!(short_duration(3_600_000), "1h");
        assert_eq!(short_duration(36_000_000_000), "416d16h");
        assert_eq!(short_duration(1_209_600_000), "2w");
        let d = diff(&["a".into(), "b".into()], &["b".into(), "c".into()]);
        assert_eq!(d, vec!["- a", "  b", "+ c"]);
    }
}
