//! SARIF 2.1.0, the format GitHub code scanning and many editors read.
//!
//! One run; `tool.driver.rules` lists every check in the registry (plus any code a
//! result uses that the registry does not know, such as parse errors), so rule ids
//! are stable across runs and GitHub can match alerts between commits. Columns count
//! Unicode code points, as everywhere in promgate, and the run says so.

use super::identity::fingerprints;
use super::{ReportedDiagnostic, RunReport};
use crate::checks::{self, CheckMeta};
use crate::diagnostic::Severity;
use crate::source::LineCol;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// The SARIF schema this renderer targets.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Renders the whole report as one pretty-printed SARIF log, newline-terminated.
pub fn render(report: &RunReport) -> String {
    let mut text = serde_json::to_string_pretty(&to_value(report)).expect("JSON values serialize");
    text.push('\n');
    text
}

/// The SARIF log as a JSON value, listing every registered check.
pub fn to_value(report: &RunReport) -> Value {
    to_value_with_rules(report, &checks::all())
}

/// The SARIF log with `registered` as the known checks (tests pin the list).
pub fn to_value_with_rules(report: &RunReport, registered: &[&'static CheckMeta]) -> Value {
    let rule_index = RuleIndex::new(report, registered);
    let prints = fingerprints(report);
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .zip(prints)
        .map(|(reported, print)| result(reported, &rule_index, &print))
        .collect();
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "promgate",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rule_index.descriptors(),
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// Every rule the run can reference, with its position in `rules`.
struct RuleIndex {
    codes: Vec<(&'static str, Option<&'static CheckMeta>)>,
    positions: BTreeMap<&'static str, usize>,
}

impl RuleIndex {
    fn new(report: &RunReport, registered: &[&'static CheckMeta]) -> Self {
        let mut codes: Vec<(&'static str, Option<&'static CheckMeta>)> = registered
            .iter()
            .map(|meta| (meta.code, Some(*meta)))
            .collect();
        for reported in &report.diagnostics {
            let code = reported.diagnostic.code;
            if !codes.iter().any(|(known, _)| *known == code) {
                codes.push((code, None));
            }
        }
        codes.sort_by_key(|(code, _)| *code);
        let positions = codes
            .iter()
            .enumerate()
            .map(|(index, (code, _))| (*code, index))
            .collect();
        RuleIndex { codes, positions }
    }

    fn position(&self, code: &str) -> usize {
        self.positions[code]
    }

    fn descriptors(&self) -> Vec<Value> {
        self.codes
            .iter()
            .map(|(code, meta)| descriptor(code, *meta))
            .collect()
    }
}

fn descriptor(code: &str, meta: Option<&CheckMeta>) -> Value {
    let Some(meta) = meta else {
        return json!({
            "id": code,
            "shortDescription": { "text": code },
        });
    };
    json!({
        "id": meta.code,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": meta.summary },
        "help": { "text": meta.docs, "markdown": meta.docs },
        "defaultConfiguration": {
            "enabled": meta.enabled_by_default,
            "level": level(meta.severity),
        },
        "properties": { "tags": [category(meta.code)] },
    })
}

fn category(code: &str) -> &str {
    code.split('/').next().unwrap_or(code)
}

/// SARIF has `note` where promgate says `info`.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(reported: &ReportedDiagnostic, rules: &RuleIndex, print: &str) -> Value {
    let diagnostic = &reported.diagnostic;
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    let mut value = json!({
        "ruleId": diagnostic.code,
        "ruleIndex": rules.position(diagnostic.code),
        "level": level(diagnostic.severity),
        "message": { "text": text },
        "locations": [location(reported, reported.start, reported.end, None)],
        "partialFingerprints": { "promgate/v1": print },
    });
    let related: Vec<Value> = diagnostic
        .labels
        .iter()
        .enumerate()
        .map(|(id, label)| {
            let start = reported.file.line_col(label.span.start);
            let end = reported.file.line_col(label.span.end);
            let mut related = location(reported, start, end, Some(&label.message));
            related["id"] = json!(id);
            related
        })
        .collect();
    if !related.is_empty() {
        value["relatedLocations"] = Value::Array(related);
    }
    if let Some(fix) = &diagnostic.fix {
        value["fixes"] = json!([sarif_fix(reported, fix)]);
    }
    value
}

/// A SARIF `fix`: the edits as replacements of regions of the result's file. Whether it
/// is safe goes in the description, which SARIF has no field for.
fn sarif_fix(reported: &ReportedDiagnostic, fix: &crate::fix::Fix) -> Value {
    let location = location(reported, reported.start, reported.end, None);
    let artifact = location["physicalLocation"]["artifactLocation"].clone();
    let replacements: Vec<Value> = fix
        .edits
        .iter()
        .map(|edit| {
            let start = reported.file.line_col(edit.span.start);
            let end = reported.file.line_col(edit.span.end);
            json!({
                "deletedRegion": {
                    "startLine": start.line,
                    "startColumn": start.column,
                    "endLine": end.line,
                    "endColumn": end.column,
                },
                "insertedContent": { "text": edit.replacement },
            })
        })
        .collect();
    json!({
        "description": { "text": format!("{} ({})", fix.title, fix.applicability.as_str()) },
        "artifactChanges": [{ "artifactLocation": artifact, "replacements": replacements }],
    })
}

fn location(
    reported: &ReportedDiagnostic,
    start: LineCol,
    end: LineCol,
    message: Option<&str>,
) -> Value {
    let mut artifact = json!({ "uri": path_to_uri(reported.path()) });
    if !is_absolute(reported.path()) {
        artifact["uriBaseId"] = json!("%SRCROOT%");
    }
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            }
        }
    });
    if let Some(message) = message {
        location["message"] = json!({ "text": message });
    }
    location
}

fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (bytes.len() > 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

/// A path as a URI reference: forward slashes, percent-encoded where a URI needs it,
/// `file://` for absolute paths, relative paths left relative to the source root.
pub fn path_to_uri(path: &str) -> String {
    let slashed = path.replace('\\', "/");
    let slashed = slashed.strip_prefix("./").unwrap_or(&slashed);
    if slashed.starts_with('/') {
        format!("file://{}", percent_encode(slashed))
    } else if is_absolute(slashed) {
        // A drive letter: `C:/x` keeps its colon, which is part of the path.
        let (drive, rest) = slashed.split_at(2);
        format!("file:///{drive}{}", percent_encode(rest))
    } else {
        percent_encode(slashed)
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=@".contains(&byte);
        if keep {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::test_support::sample_report;

    #[test]
    fn results_point_at_the_token_with_code_point_columns() {
        let log = to_value(&sample_report());
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let first = &run["results"][1];
        assert_eq!(first["ruleId"], "catalog/unknown-metric");
        let region = &first["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], 6);
        assert_eq!(region["startColumn"], 20);
        assert_eq!(region["endColumn"], 38);
        let index = first["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][index]["id"], first["ruleId"]);
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            path_to_uri("rules/we,ird:é.yml"),
            "rules/we,ird%3A%C3%A9.yml"
        );
        assert_eq!(path_to_uri("./a b.yml"), "a%20b.yml");
        assert_eq!(path_to_uri("/abs/x.yml"), "file:///abs/x.yml");
        assert_eq!(path_to_uri("C:\\x\\y.yml"), "file:///C:/x/y.yml");
    }

    #[test]
    fn valid_against_the_sarif_2_1_0_schema() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/sarif/sarif-schema-2.1.0.json");
        let schema_text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("the SARIF schema must exist at {}: {e}", path.display()));
        let schema: Value = serde_json::from_str(&schema_text).unwrap();
        let validator = jsonschema::validator_for(&schema).unwrap();
        let log = to_value(&sample_report());
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "SARIF schema errors: {errors:#?}");
        // A broken log must fail, or the check above proves nothing.
        let mut broken = log.clone();
        broken["runs"][0]["results"][0]["level"] = json!("fatal");
        assert!(!validator.is_valid(&broken));
    }

    #[test]
    fn snapshot() {
        // Pinned to no registered checks, so adding a check elsewhere does not move it.
        let log = to_value_with_rules(&sample_report(), &[]);
        insta::assert_snapshot!(serde_json::to_string_pretty(&log).unwrap());
    }
}
