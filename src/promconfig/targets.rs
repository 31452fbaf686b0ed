//! The target files of file service discovery (`file_sd_configs: [{files: [...]}]`): JSON
//! or YAML lists of target groups, each with `targets` (host:port strings) and `labels`.
//! Read as Prometheus' `discovery/file` reads them: by the file's extension, `.json`
//! with Go's JSON decoder (unknown fields refused), `.yml`/`.yaml` strictly; a `null`
//! group is refused; label names and values must be valid. A file with any problem
//! gives Prometheus no targets at all (it logs the error and keeps what it had), so
//! callers treat it as unknown. Every group also gets `__meta_filepath`.
//!
//! Parsing only: the pipeline reads the files and hands their text here.

use super::values::{go_quote, label_name_error, label_value_error};
use super::{walk, Problem, Reader};
use crate::dashboards::json::{kind_name, range_of, JsonText};
use crate::source::{SourceFile, Span};
use jsonc_parser::ast::Value;
use jsonc_parser::common::Ranged;

/// The label file service discovery adds to every target group: the file's path.
pub const FILEPATH_LABEL: &str = "__meta_filepath";

/// One target group of a file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetGroup {
    /// Each target's text and its span in the file.
    pub targets: Vec<(String, Span)>,
    /// The group's label names (`__meta_filepath` not included).
    pub labels: Vec<String>,
}

/// A read target file: its groups, and what makes Prometheus refuse it (positions in
/// the target file itself).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetFile {
    pub groups: Vec<TargetGroup>,
    pub problems: Vec<Problem>,
}

impl TargetFile {
    /// Prometheus takes a file's targets only when the whole file reads.
    pub fn is_valid(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Reads a target file by its extension (`.json`, otherwise YAML: the `files` patterns
/// only admit `.json`, `.yml` and `.yaml`).
pub fn read(file: &SourceFile) -> TargetFile {
    let json = std::path::Path::new(&file.path)
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if json {
        read_json(&file.text)
    } else {
        read_yaml(file)
    }
}

fn read_yaml(file: &SourceFile) -> TargetFile {
    let mut out = TargetFile::default();
    let documents = match crate::yaml::parse_documents(file) {
        Ok(documents) => documents,
        Err(error) => {
            out.problems.push(Problem {
                span: error.span,
                message: format!("yaml: {}", error.message),
            });
            return out;
        }
    };
    let Some(root) = documents.first().and_then(|d| d.root.as_ref()) else {
        return out;
    };
    let mut reader = Reader::default();
    for item in reader.list(root, "nil target group item found") {
        if !reader.fields(item, "targetgroup.Group", &["targets", "labels"]) {
            continue;
        }
        let mut group = TargetGroup::default();
        if let Some(targets) = item.get("targets") {
            for target in reader.list(targets, "empty target") {
                if let Some(text) = reader.text(target) {
                    group.targets.push((text, target.span.clone()));
                }
            }
        }
        if let Some(labels) = item.get("labels") {
            group.labels = walk::labels(&mut reader, labels)
                .into_iter()
                .map(|(name, _)| name)
                .collect();
        }
        out.groups.push(group);
    }
    out.problems = reader.problems;
    out
}

fn read_json(text: &str) -> TargetFile {
    let mut out = TargetFile::default();
    let json = JsonText::file(text);
    let root = match json.parse() {
        Ok(Some(root)) => root,
        Ok(None) => {
            out.problems.push(Problem {
                span: text.len()..text.len(),
                message: "unexpected end of JSON input".into(),
            });
            return out;
        }
        Err(error) => {
            out.problems.push(Problem {
                span: error.span,
                message: format!("invalid JSON: {}", error.message),
            });
            return out;
        }
    };
    let mut problem = |range: jsonc_parser::common::Range, message: String| {
        out.problems.push(Problem {
            span: json.span(range),
            message,
        });
    };
    let Value::Array(array) = &root else {
        problem(
            range_of(&root),
            format!(
                "json: cannot unmarshal {} into a list of target groups",
                kind_name(&root)
            ),
        );
        return out;
    };
    let mut groups = Vec::new();
    for element in &array.elements {
        let object = match element {
            Value::Object(object) => object,
            Value::NullKeyword(null) => {
                problem(null.range, "nil target group item found".into());
                continue;
            }
            other => {
                problem(
                    range_of(other),
                    format!(
                        "json: cannot unmarshal {} into a target group",
                        kind_name(other)
                    ),
                );
                continue;
            }
        };
        let mut group = TargetGroup::default();
        for prop in &object.properties {
            let name = prop.name.as_str();
            match (name, &prop.value) {
                (_, Value::NullKeyword(_)) if name == "targets" || name == "labels" => {}
                ("targets", Value::Array(targets)) => {
                    for target in &targets.elements {
                        match target {
                            Value::StringLit(lit) => {
                                let decoded = json.text(lit);
                                group.targets.push((decoded.value, decoded.span));
                            }
                            other => problem(
                                range_of(other),
                                format!(
                                    "json: cannot unmarshal {} into a target (a string)",
                                    kind_name(other)
                                ),
                            ),
                        }
                    }
                }
                ("labels", Value::Object(labels)) => {
                    for label in &labels.properties {
                        let label_name = label.name.as_str();
                        if let Some(message) = label_name_error(label_name.as_bytes()) {
                            problem(label.name.range(), message);
                            continue;
                        }
                        match &label.value {
                            Value::StringLit(lit) => {
                                let value = json.text(lit).value;
                                if let Some(message) = label_value_error(value.as_bytes()) {
                                    problem(lit.range, message);
                                    continue;
                                }
                                group.labels.push(label_name.to_string());
                            }
                            other => problem(
                                range_of(other),
                                format!(
                                    "json: cannot unmarshal {} into a label value (a string)",
                                    kind_name(other)
                                ),
                            ),
                        }
                    }
                }
                ("targets" | "labels", other) => problem(
                    range_of(other),
                    format!(
                        "json: cannot unmarshal {} into the `{name}` of a target group",
                        kind_name(other)
                    ),
                ),
                _ => problem(
                    prop.name.range(),
                    format!("json: unknown field {}", go_quote(name.as_bytes())),
                ),
            }
        }
        groups.push(group);
    }
    out.groups = groups;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(path: &str, text: &str) -> TargetFile {
        read(&SourceFile::new(path, text))
    }

    fn problems(path: &str, text: &str) -> Vec<String> {
        read_text(path, text)
            .problems
            .iter()
            .map(|p| format!("{} @ {}", p.message, &text[p.span.clone()]))
            .collect()
    }

    #[test]
    fn json_groups_with_targets_and_labels() {
        let text = r#"[{"targets": ["a:9100", "b:9100"], "labels": {"team": "x", "env": "prod"}}, {"targets": []}]"#;
        let file = read_text("targets/a.json", text);
        assert!(file.is_valid());
        assert_eq!(file.groups.len(), 2);
        assert_eq!(file.groups[0].labels, ["team", "env"]);
        let (target, span) = &file.groups[0].targets[1];
        assert_eq!(target, "b:9100");
        assert_eq!(&text[span.clone()], r#""b:9100""#);
    }

    #[test]
    fn yaml_groups_with_targets_and_labels() {
        let text = "- targets: ['a:1']\n  labels:\n    team: x\n- labels: {zone: eu}\n";
        let file = read_text("t.yml", text);
        assert!(file.is_valid(), "{:?}", file.problems);
        assert_eq!(file.groups[0].labels, ["team"]);
        assert_eq!(file.groups[1].labels, ["zone"]);
        assert_eq!(&text[file.groups[0].targets[0].1.clone()], "'a:1'");
        assert!(read_text("empty.yaml", "").is_valid());
    }

    #[test]
    fn json_problems_at_their_place() {
        assert_eq!(
            problems("t.json", r#"[{"targets": ["a:1"], "lables": {}}]"#),
            [r#"json: unknown field "lables" @ "lables""#]
        );
        assert_eq!(
            problems("t.json", r#"[null, {"labels": {"a": 1}}]"#),
            [
                "nil target group item found @ null",
                "json: cannot unmarshal a number into a label value (a string) @ 1"
            ]
        );
        assert_eq!(
            problems("t.json", r#"{"targets": []}"#),
            [r#"json: cannot unmarshal an object into a list of target groups @ {"targets": []}"#]
        );
        assert_eq!(
            problems("t.json", r#"[{"labels": {"": "x"}}]"#),
            [r#""" is not a valid label name @ """#]
        );
        let broken = problems("t.json", "[{\"targets\": [\"a:1\",]}]");
        assert_eq!(broken.len(), 1);
        assert!(broken[0].starts_with("invalid JSON"), "{broken:?}");
        assert_eq!(
            problems("t.json", "  "),
            ["unexpected end of JSON input @ "]
        );
    }

    #[test]
    fn yaml_problems_at_their_place() {
        assert_eq!(
            problems("t.yml", "- targets: [a:1]\n  label: {a: b}\n"),
            ["field label not found in type targetgroup.Group @ label"]
        );
        assert_eq!(
            problems("t.yaml", "- ~\n"),
            ["nil target group item found @ ~"]
        );
        assert_eq!(problems("t.yml", "- [a\n").len(), 1);
    }
}
