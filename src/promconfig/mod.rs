//! Prometheus' own configuration file (prometheus.yml): a model with positions, its
//! validation as Prometheus 3.x validates it, and the facts it gives the checks.
//!
//! The model is the positioned YAML tree (`crate::yaml`) read block by block: every
//! block's keys are held to Prometheus' field lists ([`schema`]), every value to its
//! format (durations, sizes, regexes, URLs, label names), and every rule Prometheus
//! enforces after decoding (relabel actions, exclusive auth settings, each service
//! discovery block's required fields) becomes a [`Problem`] at the offending node.
//! While reading, the facts the rule checks need are collected: jobs, their scrape
//! intervals and the label names their targets can carry ([`facts`]).

pub mod facts;
mod http;
mod redact;
pub mod relabel;
pub mod schema;
mod sd;
pub mod sd_schema;
pub mod targets;
pub mod values;
mod walk;

pub use facts::{Facts, JobFacts};
pub use redact::{redact, redact_lines};

use crate::source::Span;
use crate::yaml::{Document, Node, NodeKind};

/// Something Prometheus would refuse, at the node that causes it. Messages never quote
/// the value of a secret field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
}

/// One `rule_files` entry: its pattern, where it is written, and the files it matched
/// (resolved relative to the config file's folder when the config was loaded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleFilesEntry {
    pub pattern: String,
    pub span: Span,
    pub matched: Vec<std::path::PathBuf>,
}

/// A read prometheus.yml.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PromConfig {
    pub problems: Vec<Problem>,
    pub rule_files: Vec<RuleFilesEntry>,
    /// Whether `rule_files` were resolved against the file system (not for a
    /// configuration quoted in a Markdown guide).
    pub rule_files_resolved: bool,
    /// The `scrape_config_files` entries and the files each matched (empty when the
    /// configuration was read without [`Files`]).
    pub scrape_config_files: Vec<RuleFilesEntry>,
    /// The target files of `file_sd_configs` that Prometheus would refuse, each at the
    /// `files:` entry of the configuration that names it.
    pub target_file_problems: Vec<TargetFileProblem>,
    pub facts: Facts,
}

/// A target file of `file_sd_configs` with a problem: Prometheus takes no targets from
/// it (it logs the error and keeps the targets it had).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFileProblem {
    /// The `files:` entry (pattern) in the configuration that matched the file.
    pub span: Span,
    /// The file as shown in messages.
    pub path: String,
    /// Where in the target file (1-based line and column), when the problem is in it.
    pub at: Option<(usize, usize)>,
    pub message: String,
    /// Prometheus takes no target of the file (not only the one target at `at`).
    pub whole_file: bool,
}

/// The files a configuration names (`scrape_config_files`, the `files` of
/// `file_sd_configs`), as the caller reads them: the model never reads the file system
/// itself. Patterns are resolved against a folder, as Prometheus resolves them against
/// the folder of the file that names them.
pub trait Files {
    /// The files `pattern` names relative to `base` (a glob only in the last path
    /// element), sorted.
    fn matching(&self, base: &std::path::Path, pattern: &str) -> Vec<std::path::PathBuf>;
    /// A file's text, or why it cannot be read.
    fn text(&self, path: &std::path::Path) -> Result<String, String>;
}

/// The folder a configuration lives in, and how to read the files it names.
#[derive(Clone, Copy)]
pub struct Included<'a> {
    pub base: &'a std::path::Path,
    pub files: &'a dyn Files,
}

/// Whether a YAML document is shaped like a prometheus.yml: a mapping whose keys are
/// all top-level config keys, one of them a section only a configuration has (a
/// `global:` alone is too common a key to claim a file).
pub fn is_config_document(document: &Document) -> bool {
    let Some(root) = &document.root else {
        return false;
    };
    let Some(entries) = root.as_mapping() else {
        return false;
    };
    let keys: Vec<&str> = entries.iter().filter_map(|e| e.key.as_str()).collect();
    let landmark = keys.iter().any(|key| {
        matches!(
            *key,
            "scrape_configs"
                | "rule_files"
                | "alerting"
                | "remote_write"
                | "remote_read"
                | "scrape_config_files"
        )
    });
    landmark && keys.iter().all(|key| schema::TOP_LEVEL.contains(key))
}

/// Reads a config's documents (Prometheus reads the first; an empty file is a valid,
/// empty config).
pub fn read(documents: &[Document]) -> PromConfig {
    read_with(documents, None)
}

/// [`read`], following the files the configuration names (`scrape_config_files`, file
/// service discovery's target files) through `included`. Without it, jobs from
/// `scrape_config_files` are unknown and file-SD jobs' target labels are open.
pub fn read_with(documents: &[Document], included: Option<Included<'_>>) -> PromConfig {
    let mut reader = Reader::default();
    let mut config = PromConfig::default();
    if let Some(root) = documents.first().and_then(|d| d.root.as_ref()) {
        walk::config(&mut reader, root, &mut config, included);
    }
    reader.problems.sort_by_key(|p| (p.span.start, p.span.end));
    config.problems = reader.problems;
    config.facts.finish();
    config
}

/// Reads values and collects problems. Every accessor returns `None` after reporting.
#[derive(Default)]
pub(crate) struct Reader {
    pub problems: Vec<Problem>,
    /// Relabel regexes by pattern, compiled or refused: a configuration repeats a few
    /// patterns in every job (a thousand jobs, one `([^:]+):.*` each), and compiling one
    /// costs far more than reading the rest of its job.
    relabel_regexes:
        std::collections::HashMap<String, Result<std::sync::Arc<regex::Regex>, String>>,
}

impl Reader {
    /// A relabel `regex`, anchored as Prometheus anchors it, or the compiler's message.
    /// Shared: a configuration repeats its relabel rules job after job, and cloning a
    /// compiled regex sets up a new match cache each time.
    pub fn relabel_regex(&mut self, pattern: &str) -> Result<std::sync::Arc<regex::Regex>, String> {
        if let Some(compiled) = self.relabel_regexes.get(pattern) {
            return compiled.clone();
        }
        let compiled = regex::Regex::new(&format!("^(?s:{pattern})$"))
            .map(std::sync::Arc::new)
            .map_err(|error| error.to_string());
        self.relabel_regexes
            .insert(pattern.to_string(), compiled.clone());
        compiled
    }

    pub fn problem(&mut self, span: Span, message: impl Into<String>) {
        self.problems.push(Problem {
            span,
            message: message.into(),
        });
    }

    /// Checks that `node` is a mapping with only `allowed` keys, each once. `false`
    /// when it is not a mapping at all.
    pub fn fields(&mut self, node: &Node, type_name: &str, allowed: &[&str]) -> bool {
        let Some(entries) = node.as_mapping() else {
            if !node.is_null() {
                self.problem(
                    node.span.clone(),
                    format!("cannot unmarshal {} into {type_name}", node.kind_name()),
                );
            }
            return false;
        };
        // By index in `allowed`: one small allocation per mapping instead of a set
        // node per key (this runs on every mapping of a configuration).
        let mut seen = vec![false; allowed.len()];
        for entry in entries {
            let key = entry.key.as_str().unwrap_or("");
            let Some(at) = allowed.iter().position(|name| *name == key) else {
                self.problem(
                    entry.key.span.clone(),
                    format!("field {key} not found in type {type_name}"),
                );
                continue;
            };
            if std::mem::replace(&mut seen[at], true) {
                self.problem(
                    entry.key.span.clone(),
                    format!("field {key} already set in type {type_name}"),
                );
            }
        }
        true
    }

    /// A scalar's bytes (`!!binary` scalars decoded).
    pub fn bytes(&mut self, node: &Node) -> Option<Vec<u8>> {
        let Some(scalar) = node.as_scalar() else {
            self.problem(
                node.span.clone(),
                format!("cannot unmarshal {} into string", node.kind_name()),
            );
            return None;
        };
        if scalar.tag.as_ref().is_some_and(|t| t.suffix == "binary") {
            return match values::decode_base64(&scalar.value) {
                Some(bytes) => Some(bytes),
                None => {
                    let message = relabel::binary_error(&scalar.value).unwrap_or("");
                    self.problem(node.span.clone(), message);
                    None
                }
            };
        }
        Some(scalar.value.clone().into_bytes())
    }

    /// A scalar as text (`!!binary` that is not UTF-8 is a problem).
    pub fn text(&mut self, node: &Node) -> Option<String> {
        let bytes = self.bytes(node)?;
        match String::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                self.problem(node.span.clone(), "invalid UTF-8 in string");
                None
            }
        }
    }

    /// A scalar as text, null as empty.
    pub fn optional_text(&mut self, node: &Node) -> Option<String> {
        if node.is_null() {
            return Some(String::new());
        }
        self.text(node)
    }

    pub fn unsigned(&mut self, node: &Node) -> Option<u64> {
        let text = node.as_str().unwrap_or("");
        match text.parse::<u64>() {
            Ok(value) => Some(value),
            Err(_) => {
                self.problem(
                    node.span.clone(),
                    format!("cannot unmarshal {} into uint", describe(node)),
                );
                None
            }
        }
    }

    pub fn boolean(&mut self, node: &Node) -> Option<bool> {
        match node.as_str() {
            Some("true" | "True" | "TRUE") => Some(true),
            Some("false" | "False" | "FALSE") => Some(false),
            _ => {
                self.problem(
                    node.span.clone(),
                    format!("cannot unmarshal {} into bool", describe(node)),
                );
                None
            }
        }
    }

    /// A duration in milliseconds.
    pub fn duration(&mut self, node: &Node) -> Option<u64> {
        let text = node.as_str().unwrap_or("");
        match values::parse_duration(text) {
            Ok(ms) => Some(ms),
            Err(message) => {
                self.problem(node.span.clone(), message);
                None
            }
        }
    }

    pub fn size(&mut self, node: &Node) -> Option<u64> {
        let text = node.as_str().unwrap_or("");
        match values::parse_size(text) {
            Ok(bytes) => Some(bytes),
            Err(message) => {
                self.problem(node.span.clone(), message);
                None
            }
        }
    }

    /// Each item of a list that must not hold null items.
    pub fn list<'n>(&mut self, node: &'n Node, empty_item: &str) -> Vec<&'n Node> {
        if node.is_null() {
            return Vec::new();
        }
        if node.as_sequence().is_none() {
            self.problem(
                node.span.clone(),
                format!("cannot unmarshal {} into a list", node.kind_name()),
            );
            return Vec::new();
        }
        let mut items = Vec::new();
        for item in node.items() {
            if item.is_null() {
                self.problem(item.span.clone(), empty_item);
            } else {
                items.push(item);
            }
        }
        items
    }
}

/// A node for a type error message; never its value, which may be a secret.
fn describe(node: &Node) -> &'static str {
    match &node.resolved().kind {
        NodeKind::Scalar(_) => "!!str",
        NodeKind::Sequence(_) => "!!seq",
        NodeKind::Mapping(_) => "!!map",
        NodeKind::Alias(_) => "alias",
    }
}

#[cfg(test)]
mod tests;

/// Resolves each `rule_files` pattern against `base` (the config file's folder), as
/// Prometheus does: a glob only in the last path element. Reads the folders; called
/// by the loader, never by a check.
pub fn resolve_rule_files(config: &mut PromConfig, base: &std::path::Path) {
    config.rule_files_resolved = true;
    for entry in &mut config.rule_files {
        entry.matched = expand(base, &entry.pattern);
    }
}

/// The files a rule-file pattern names, sorted.
pub fn expand(base: &std::path::Path, pattern: &str) -> Vec<std::path::PathBuf> {
    let path = std::path::Path::new(pattern);
    let full = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    let has_glob = pattern.contains(['*', '?', '[']);
    if !has_glob {
        return if full.is_file() {
            vec![full]
        } else {
            Vec::new()
        };
    }
    let (Some(dir), Some(name)) = (full.parent(), full.file_name()) else {
        return Vec::new();
    };
    let Ok(glob) = globset::GlobBuilder::new(&name.to_string_lossy())
        .literal_separator(true)
        .build()
    else {
        return Vec::new();
    };
    let matcher = glob.compile_matcher();
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<std::path::PathBuf> = listing
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| matcher.is_match(e.file_name()))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}
