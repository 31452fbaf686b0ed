//! One relabel rule: read, validated as `model/relabel` validates it, and its effect on
//! the set of label names a target or series can carry.

use super::values::{decode_base64, label_name_error};
use super::Reader;
use crate::source::Span;
use crate::yaml::Node;

const DEFAULT_REGEX: &str = "(.*)";
const DEFAULT_SEPARATOR: &str = ";";
const DEFAULT_REPLACEMENT: &str = "$1";

/// Every relabel action Prometheus 3.x knows.
pub const ACTIONS: &[&str] = &[
    "replace",
    "keep",
    "drop",
    "keepequal",
    "dropequal",
    "hashmod",
    "labelmap",
    "labeldrop",
    "labelkeep",
    "lowercase",
    "uppercase",
];

/// A relabel rule's fields, with defaults applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relabel {
    pub action: String,
    pub source_labels: Option<Vec<String>>,
    pub target_label: String,
    pub regex: String,
    /// `regex`, compiled once when read (it had to compile to be valid).
    pub compiled: Compiled,
    pub replacement: String,
    pub separator: String,
    pub modulus: u64,
    pub span: Span,
}

/// A compiled relabel regex, anchored as Prometheus anchors it; two are equal when
/// their patterns are.
#[derive(Debug, Clone)]
pub struct Compiled(pub std::sync::Arc<regex::Regex>);

impl PartialEq for Compiled {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for Compiled {}

/// Reads and validates one relabel rule; `empty` is Prometheus' message for a null one.
pub(super) fn read(reader: &mut Reader, node: &Node, empty: &str) -> Option<Relabel> {
    if node.is_null() {
        reader.problem(node.span.clone(), empty);
        return None;
    }
    if !reader.fields(node, "relabel.plain", super::schema::RELABEL) {
        return None;
    }
    let default_regex = reader
        .relabel_regex(DEFAULT_REGEX)
        .expect("the default relabel regex compiles");
    let mut rule = Relabel {
        action: "replace".to_string(),
        source_labels: None,
        target_label: String::new(),
        regex: DEFAULT_REGEX.to_string(),
        compiled: Compiled(default_regex),
        replacement: DEFAULT_REPLACEMENT.to_string(),
        separator: DEFAULT_SEPARATOR.to_string(),
        modulus: 0,
        span: node.span.clone(),
    };
    for entry in node.entries() {
        let value = &entry.value;
        match entry.key.as_str().unwrap_or("") {
            "action" => {
                let text = if value.is_null() {
                    ""
                } else {
                    value.as_str().unwrap_or("")
                };
                let lower = text.to_ascii_lowercase();
                if text.is_empty() {
                    reader.problem(value.span.clone(), "relabel action cannot be empty");
                    return None;
                }
                if !ACTIONS.contains(&lower.as_str()) {
                    reader.problem(
                        value.span.clone(),
                        format!("unknown relabel action {text:?}"),
                    );
                    return None;
                }
                rule.action = lower;
            }
            "source_labels" => {
                let mut names = Vec::new();
                for item in value.items() {
                    let bytes = reader.bytes(item)?;
                    if let Some(message) = label_name_error(&bytes) {
                        reader.problem(item.span.clone(), message);
                        return None;
                    }
                    names.push(String::from_utf8_lossy(&bytes).into_owned());
                }
                rule.source_labels = Some(names);
            }
            "target_label" => rule.target_label = reader.text(value)?,
            "regex" => {
                let pattern = reader.text(value)?;
                match reader.relabel_regex(&pattern) {
                    Ok(compiled) => rule.compiled = Compiled(compiled),
                    Err(detail) => {
                        let last = detail.lines().last().unwrap_or("").trim().to_string();
                        reader.problem(value.span.clone(), format!("error parsing regexp: {last}"));
                        return None;
                    }
                }
                rule.regex = pattern;
            }
            "replacement" => rule.replacement = reader.text(value)?,
            "separator" => rule.separator = reader.text(value)?,
            "modulus" => rule.modulus = reader.unsigned(value)?,
            _ => {}
        }
    }
    if let Some(message) = validate(&rule) {
        reader.problem(node.span.clone(), message);
        return None;
    }
    Some(rule)
}

/// `relabel.Config.Validate`, message for message.
fn validate(rule: &Relabel) -> Option<String> {
    let action = rule.action.as_str();
    if rule.modulus == 0 && action == "hashmod" {
        return Some("relabel configuration for hashmod requires non-zero modulus".into());
    }
    let needs_target = matches!(
        action,
        "replace" | "hashmod" | "lowercase" | "uppercase" | "keepequal" | "dropequal"
    );
    if needs_target && rule.target_label.is_empty() {
        return Some(format!(
            "relabel configuration for {action} action requires 'target_label' value"
        ));
    }
    if matches!(action, "lowercase" | "uppercase") && rule.replacement != DEFAULT_REPLACEMENT {
        return Some(format!("'replacement' can not be set for {action} action"));
    }
    if action == "labelmap" && rule.replacement.is_empty() {
        return Some(format!(
            "{:?} is invalid 'replacement' for {action} action",
            rule.replacement
        ));
    }
    if matches!(action, "keepequal" | "dropequal")
        && (rule.regex != DEFAULT_REGEX
            || rule.modulus != 0
            || rule.separator != DEFAULT_SEPARATOR
            || rule.replacement != DEFAULT_REPLACEMENT)
    {
        return Some(format!(
            "{action} action requires only 'source_labels' and `target_label`, and no other fields"
        ));
    }
    if matches!(action, "labeldrop" | "labelkeep")
        && (rule.source_labels.is_some()
            || !rule.target_label.is_empty()
            || rule.modulus != 0
            || rule.separator != DEFAULT_SEPARATOR
            || rule.replacement != DEFAULT_REPLACEMENT)
    {
        return Some(format!(
            "{action} action requires only 'regex', and no other fields"
        ));
    }
    None
}

/// `!!binary` replacement text that is not base64: Go's YAML decoder refuses the file.
pub(super) fn binary_error(text: &str) -> Option<&'static str> {
    decode_base64(text)
        .is_none()
        .then_some("!!binary value contains invalid base64 data")
}

/// The label names a set can hold after a relabel rule, or `None` when the rule makes
/// the set unknowable (a `labelmap` over names we cannot list, a templated target).
pub fn apply(rule: &Relabel, names: &mut Names) {
    match rule.action.as_str() {
        "replace" | "hashmod" | "lowercase" | "uppercase" => {
            if rule.target_label.contains('$') {
                names.open = Some("a relabel rule writes a templated target_label".into());
            } else {
                names.set.insert(rule.target_label.clone());
            }
        }
        "labelmap" => {
            let re = &rule.compiled.0;
            if names.open_sources {
                names.open = Some(
                    "a labelmap rule over service-discovery labels promgate cannot list".into(),
                );
                return;
            }
            let mapped: Vec<String> = names
                .set
                .iter()
                .filter(|name| re.is_match(name))
                .map(|name| re.replace(name, rule.replacement.as_str()).into_owned())
                .collect();
            names.set.extend(mapped);
        }
        "labeldrop" => names.set.retain(|name| !rule.compiled.0.is_match(name)),
        "labelkeep" => names.set.retain(|name| rule.compiled.0.is_match(name)),
        _ => {}
    }
}

/// Label names during relabeling.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub set: std::collections::BTreeSet<String>,
    /// Service discovery adds meta labels promgate cannot list.
    pub open_sources: bool,
    /// Why the set is unknowable, once it is.
    pub open: Option<String>,
}
