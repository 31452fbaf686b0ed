//! `--format json`: the stable machine contract.
//!
//! `{"version":1,"diagnostics":[{"code","severity","message","help","path","line",
//! "column","end_line","end_column"}],"summary":{"files","errors","warnings","infos"}}`,
//! lines and columns 1-based (columns count characters), sorted by path, line, column.
//! A finding with a fix also has `"fix": {"title","applicability","edits":[{"line",
//! "column","end_line","end_column","start_offset","end_offset","replacement"}]}`.
//! Fields are only ever added, never renamed or removed, within a version.

use super::{ReportedDiagnostic, RunReport};
use serde::Serialize;
use std::io::Write as _;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    diagnostics: JsonDiagnostics<'a>,
    summary: JsonSummary,
}

/// The findings, each turned into its JSON shape only as it is written, so no second
/// copy of every finding is built first.
struct JsonDiagnostics<'a>(&'a [ReportedDiagnostic]);

impl Serialize for JsonDiagnostics<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(diagnostic))
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    help: Option<&'a str>,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// Only when the finding has a fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

/// A fix for tools: each edit's file range as lines and columns (1-based, columns in
/// characters, the end exclusive) and as byte offsets, and its replacement text.
#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    start_offset: usize,
    end_offset: usize,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
}

/// The report as pretty-printed JSON, ending with a newline.
pub fn render(report: &RunReport) -> String {
    let mut out = Vec::new();
    write(report, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// [`render`], written to `out` as it is serialized rather than built whole in memory.
pub fn write(report: &RunReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let json = JsonReport {
        version: 1,
        diagnostics: JsonDiagnostics(&report.diagnostics),
        summary: JsonSummary {
            files: report.summary.files,
            errors: report.summary.errors,
            warnings: report.summary.warnings,
            infos: report.summary.infos,
        },
    };
    // serde_json writes token by token: buffer, or a line-buffered stdout makes a
    // system call per line.
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &json)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

fn diagnostic(reported: &ReportedDiagnostic) -> JsonDiagnostic<'_> {
    JsonDiagnostic {
        code: reported.diagnostic.code,
        severity: reported.diagnostic.severity.as_str(),
        message: &reported.diagnostic.message,
        help: reported.diagnostic.help.as_deref(),
        path: reported.path(),
        line: reported.start.line,
        column: reported.start.column,
        end_line: reported.end.line,
        end_column: reported.end.column,
        fix: reported.diagnostic.fix.as_ref().map(|fix| JsonFix {
            title: &fix.title,
            applicability: fix.applicability.as_str(),
            edits: fix
                .edits
                .iter()
                .map(|edit| {
                    let start = reported.file.line_col(edit.span.start);
                    let end = reported.file.line_col(edit.span.end);
                    JsonEdit {
                        line: start.line,
                        column: start.column,
                        end_line: end.line,
                        end_column: end.column,
                        start_offset: edit.span.start,
                        end_offset: edit.span.end,
                        replacement: &edit.replacement,
                    }
                })
                .collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn follows_the_contract() {
        let value: serde_json::Value = serde_json::from_str(&render(&sample_report())).unwrap();
        assert_eq!(value["version"], 1);
        let first = value["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "catalog/unknown-metric")
            .unwrap();
        let mut keys: Vec<&str> = first
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "code",
                "column",
                "end_column",
                "end_line",
                "help",
                "line",
                "message",
                "path",
                "severity"
            ]
        );
        assert_eq!(first["path"], "rules/alerts.yml");
        assert_eq!(first["line"], 6);
        assert_eq!(first["column"], 20);
        assert_eq!(first["end_column"], 38);
        let summary = value["summary"].as_object().unwrap();
        let mut keys: Vec<&str> = summary.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["errors", "files", "infos", "warnings"]);
    }
}
