//! What `promgate check` reads of a unit-test file: the same [`file`](super::file) model
//! `promgate test` runs, and what its `rule_files` resolve to on disk. Resolving (the only
//! I/O) happens when the file is loaded; the `ruletest/*` checks only read the result.

use super::file::{self, FileError, TestFile};
use crate::yaml::{Document, Node};
use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

/// The top-level keys of a unit-test file (promtool's `unitTestFile`).
pub const TOP_LEVEL: &[&str] = &[
    "rule_files",
    "evaluation_interval",
    "group_eval_order",
    "tests",
    "fuzzy_compare",
];

/// Keys only a unit-test file has at the top (not a prometheus.yml, not a rule file).
const TEST_ONLY: &[&str] = &["evaluation_interval", "group_eval_order", "fuzzy_compare"];

/// Whether a YAML document is a promtool unit-test file, by its shape: a mapping without
/// `groups:` that has `rule_files:` beside `tests:` or a key only test files have, or a
/// `tests:` list of test groups. Named on the command line (`explicit`), a mapping with
/// `tests:` and no `groups:` is enough.
pub fn is_test_document(document: &Document, explicit: bool) -> bool {
    let Some(entries) = document
        .root
        .as_ref()
        .and_then(|r| r.resolved().as_mapping())
    else {
        return false;
    };
    let has = |key: &str| entries.iter().any(|e| e.key.as_str() == Some(key));
    if has("groups") {
        return false;
    }
    let tests = entries
        .iter()
        .find(|e| e.key.as_str() == Some("tests"))
        .map(|e| e.value.resolved());
    let rule_files = has("rule_files");
    if rule_files && (tests.is_some() || TEST_ONLY.iter().any(|k| has(k))) {
        return true;
    }
    match tests {
        Some(_) if explicit => true,
        Some(tests) => looks_like_test_groups(tests),
        None => false,
    }
}

/// A `tests:` list whose first entry is a mapping of test-group keys, with series or a
/// test case (`name:` alone is too common in other tools' files).
fn looks_like_test_groups(tests: &Node) -> bool {
    let Some(first) = tests.as_sequence().and_then(|items| items.first()) else {
        return false;
    };
    first.resolved().as_mapping().is_some_and(|entries| {
        let keys: Vec<Option<&str>> = entries.iter().map(|e| e.key.as_str()).collect();
        keys.iter()
            .all(|k| k.is_some_and(|k| super::file::TEST_GROUP_KEYS.contains(&k)))
            && keys.iter().any(|k| {
                matches!(
                    k,
                    Some("input_series" | "alert_rule_test" | "promql_expr_test")
                )
            })
    })
}

/// One `rule_files` entry and what it matched.
#[derive(Debug, Clone)]
pub struct RuleFileEntry {
    pub pattern: String,
    pub span: Range<usize>,
    /// The files it matched (sorted), or why it could not be resolved.
    pub matched: Result<Vec<String>, String>,
}

/// The `rule_files` of a test file, resolved relative to its folder.
#[derive(Debug, Clone, Default)]
pub struct ResolvedRules {
    pub entries: Vec<RuleFileEntry>,
    /// The alerting rule names the matched files define; `None` when some entry could
    /// not be resolved or some file could not be read as rules (then nobody knows).
    pub alertnames: Option<BTreeSet<String>>,
}

impl ResolvedRules {
    /// Every matched file, each once, in entry order.
    pub fn files(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.entries
            .iter()
            .filter_map(|e| e.matched.as_ref().ok())
            .flatten()
            .filter(|f| seen.insert(f.as_str()))
            .cloned()
            .collect()
    }
}

/// A unit-test file as `promgate check` sees it.
#[derive(Debug, Clone)]
pub struct CheckedTestFile {
    /// The test file, or the first problem that stops promtool reading it.
    pub file: Result<TestFile, FileError>,
    /// `None` when the file is not on disk (a guide's block, stdin): its relative paths
    /// mean nothing here.
    pub rules: Option<ResolvedRules>,
}

/// Reads a unit-test document; `folder`, when the file is on disk, is where its
/// `rule_files` are resolved (promtool joins relative patterns to the test file's folder).
/// A file promtool refuses still names its rule files (they are linted in the same run).
pub fn read(documents: &[Document], folder: Option<&Path>) -> CheckedTestFile {
    let file = file::from_documents(documents);
    let rules = folder.map(|folder| match &file {
        Ok(tf) => resolve(&tf.rule_files, folder),
        Err(_) => resolve(&loose_rule_files(documents), folder),
    });
    CheckedTestFile { file, rules }
}

/// The `rule_files` entries that are strings, from a file that does not read as a whole.
fn loose_rule_files(documents: &[Document]) -> Vec<(String, Range<usize>)> {
    let Some(root) = documents.first().and_then(|d| d.root.as_ref()) else {
        return Vec::new();
    };
    let Some(items) = root
        .resolved()
        .get("rule_files")
        .and_then(|node| node.resolved().as_sequence())
    else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let scalar = item.resolved().as_scalar()?;
            Some((scalar.value.clone(), item.span.clone()))
        })
        .collect()
}

/// Globs each `rule_files` entry as `promgate test` does and reads the alerting rule
/// names of the files found.
pub fn resolve(rule_files: &[(String, Range<usize>)], folder: &Path) -> ResolvedRules {
    let entries: Vec<RuleFileEntry> = rule_files
        .iter()
        .map(|(pattern, span)| RuleFileEntry {
            pattern: pattern.clone(),
            span: span.clone(),
            matched: super::glob(folder, pattern),
        })
        .collect();
    let mut resolved = ResolvedRules {
        entries,
        alertnames: None,
    };
    if resolved
        .entries
        .iter()
        .any(|e| e.matched.as_ref().map_or(true, Vec::is_empty))
    {
        return resolved;
    }
    let mut names = BTreeSet::new();
    for path in resolved.files() {
        match alertnames_of(Path::new(&path)) {
            Some(found) => names.extend(found),
            None => return resolved,
        }
    }
    resolved.alertnames = Some(names);
    resolved
}

/// The names of a rule file's alerting rules; `None` when it cannot be read as YAML.
fn alertnames_of(path: &Path) -> Option<Vec<String>> {
    let text = crate::discover::read_regular_text(path).ok()?;
    let source = crate::source::SourceFile::new(path.display().to_string(), text);
    let documents = crate::yaml::parse_documents(&source).ok()?;
    let rules = crate::rules::RuleFile::from_documents(documents);
    Some(
        rules
            .rules()
            .filter(|(_, rule)| rule.kind() == Some(crate::rules::RuleKind::Alerting))
            .filter_map(|(_, rule)| rule.name().map(str::to_string))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn document(text: &str) -> Vec<Document> {
        crate::yaml::parse_documents(&SourceFile::new("t.yml", text)).unwrap()
    }

    #[test]
    fn test_files_are_recognised_by_shape() {
        let yes = [
            "rule_files: [a.yml]\ntests: []\n",
            "rule_files: [a.yml]\nevaluation_interval: 1m\n",
            "tests:\n  - interval: 1m\n    input_series: []\n",
        ];
        for text in yes {
            assert!(is_test_document(&document(text)[0], false), "{text}");
        }
        let no = [
            "groups: []\ntests: []\n",
            "rule_files: [a.yml]\n",
            "tests:\n  enabled: true\n",
            "tests:\n  - name: x\n    image: busybox\n",
            "tests:\n  - name: x\n",
            "- a\n",
        ];
        for text in no {
            assert!(!is_test_document(&document(text)[0], false), "{text}");
        }
        // Named on the command line, `tests:` is enough.
        assert!(is_test_document(
            &document("tests:\n  enabled: true\n")[0],
            true
        ));
    }

    #[test]
    fn rule_files_resolve_relative_to_the_folder_and_give_alertnames() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("r.yml"),
            "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n      - record: r\n        expr: up\n",
        )
        .unwrap();
        let docs = document("rule_files: [r.yml, '*.yml']\ntests: []\n");
        let checked = read(&docs, Some(dir.path()));
        let rules = checked.rules.unwrap();
        assert_eq!(rules.files().len(), 1);
        assert_eq!(
            rules.alertnames,
            Some(["A".to_string()].into_iter().collect())
        );
        let docs = document("rule_files: [r.yml, missing.yml]\ntests: []\n");
        let rules = read(&docs, Some(dir.path())).rules.unwrap();
        assert_eq!(rules.entries[1].matched, Ok(Vec::new()));
        assert_eq!(rules.alertnames, None);
        // Not on disk: nothing is resolved.
        assert!(read(&docs, None).rules.is_none());
        // A file promtool refuses still names its rule files.
        let docs = document("rule_files: [r.yml]\ntests: []\nbogus: 1\n");
        let checked = read(&docs, Some(dir.path()));
        assert!(checked.file.is_err());
        assert_eq!(checked.rules.unwrap().files().len(), 1);
    }
}
