//! The rule-file model: groups and rules with every field's key span and value node.
//!
//! Building the model is lenient: a field of the wrong type is left out here and
//! reported by `rules/schema`, which walks the YAML tree itself. The model is what the
//! other checks read.

use crate::source::Span;
use crate::yaml::{Document, Entry, Node, Scalar};

/// How the rules are wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleFileKind {
    /// A top-level `groups:` list.
    Plain,
    /// A Kubernetes `PrometheusRule` object, rules under `spec.groups`.
    PrometheusRule,
}

/// Where a document's groups live, found without judging anything else.
#[derive(Debug, Clone, Copy)]
pub struct GroupsRoot<'a> {
    pub kind: RuleFileKind,
    /// The mapping that should hold `groups` (the document root, or `spec`).
    pub holder: &'a Node,
    /// The `groups` value, if the key is there.
    pub groups: Option<&'a Node>,
}

/// Whether a document is a Kubernetes `PrometheusRule`.
pub fn is_prometheus_rule(root: &Node) -> bool {
    root.get("kind").and_then(Node::as_str) == Some("PrometheusRule")
}

/// Finds the groups of a rule document: `groups` at the top, or `spec.groups` of a
/// `PrometheusRule`. `None` when the document is neither.
pub fn groups_root(root: &Node) -> Option<GroupsRoot<'_>> {
    root.as_mapping()?;
    if is_prometheus_rule(root) {
        let spec = root.get("spec")?;
        return Some(GroupsRoot {
            kind: RuleFileKind::PrometheusRule,
            holder: spec,
            groups: spec.get("groups"),
        });
    }
    Some(GroupsRoot {
        kind: RuleFileKind::Plain,
        holder: root,
        groups: root.get("groups"),
    })
}

/// Whether a document looks like a rule file: a `groups:` list at the top, or a
/// `PrometheusRule`.
pub fn is_rule_document(document: &Document) -> bool {
    let Some(root) = &document.root else {
        return false;
    };
    if is_prometheus_rule(root) {
        return true;
    }
    root.get("groups")
        .is_some_and(|g| g.as_sequence().is_some() || g.is_null())
}

/// The entries of a mapping with YAML merge keys (`<<: *anchor`) expanded the way Go's
/// yaml.v3 does: explicit keys win over merged ones, earlier merged mappings over later.
pub fn merged_entries(node: &Node) -> Vec<&Entry> {
    let mut out: Vec<&Entry> = Vec::new();
    let mut budget = crate::yaml::AliasBudget::default();
    collect_merged(node, &mut out, &mut budget, 0);
    out
}

fn collect_merged<'a>(
    node: &'a Node,
    out: &mut Vec<&'a Entry>,
    budget: &mut crate::yaml::AliasBudget,
    depth: usize,
) {
    let Some(entries) = node.as_mapping() else {
        return;
    };
    let mut merged: Vec<&'a Entry> = Vec::new();
    for entry in entries {
        if entry.key.as_str() == Some("<<") && depth < 16 {
            let Some(value) = budget.follow(&entry.value) else {
                continue;
            };
            match &value.kind {
                crate::yaml::NodeKind::Sequence(items) => {
                    for item in items {
                        if let Some(item) = budget.follow(item) {
                            collect_merged(item, &mut merged, budget, depth + 1);
                        }
                    }
                }
                _ => collect_merged(value, &mut merged, budget, depth + 1),
            }
        } else {
            out.push(entry);
        }
    }
    for entry in merged {
        let key = entry.key.as_str();
        if !out.iter().any(|e| e.key.as_str() == key) {
            out.push(entry);
        }
    }
}

/// The entry for `key`, merge keys included.
pub fn entry_of<'a>(node: &'a Node, key: &str) -> Option<&'a Entry> {
    if let Some(entry) = node.get_entry(key) {
        return Some(entry);
    }
    node.get_entry("<<")?;
    merged_entries(node)
        .into_iter()
        .find(|e| e.key.as_str() == Some(key))
}

/// The value for `key`, merge keys included.
pub fn value_of<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    entry_of(node, key).map(|e| e.value.resolved())
}

/// A field of a group or rule: its key and value as written.
#[derive(Debug, Clone)]
pub struct Field {
    pub key_span: Span,
    pub value: Node,
}

impl Field {
    fn from_entry(entry: &Entry) -> Field {
        Field {
            key_span: entry.key.span.clone(),
            value: entry.value.resolved().clone(),
        }
    }

    pub fn scalar(&self) -> Option<&Scalar> {
        self.value.as_scalar()
    }

    /// The decoded text of a scalar value (null reads as empty, as in Go).
    pub fn text(&self) -> Option<&str> {
        let scalar = self.scalar()?;
        Some(if scalar.is_null() { "" } else { &scalar.value })
    }

    pub fn value_span(&self) -> Span {
        self.value.span.clone()
    }

    /// From the key to the end of the value.
    pub fn span(&self) -> Span {
        self.key_span.start..self.value.span.end.max(self.key_span.end)
    }
}

/// One label or annotation.
#[derive(Debug, Clone)]
pub struct Pair {
    pub key: String,
    pub key_span: Span,
    pub value: Node,
}

impl Pair {
    pub fn scalar(&self) -> Option<&Scalar> {
        self.value.as_scalar()
    }

    /// The value's text (null reads as empty).
    pub fn text(&self) -> Option<&str> {
        let scalar = self.scalar()?;
        Some(if scalar.is_null() { "" } else { &scalar.value })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Alerting,
    Recording,
}

#[derive(Debug, Clone)]
pub struct Rule {
    /// 1-based position in its group, as promtool counts.
    pub index: usize,
    /// The rule's mapping.
    pub span: Span,
    pub alert: Option<Field>,
    pub record: Option<Field>,
    pub expr: Option<Field>,
    /// Boxed: rare, and a 590,000-rule file holds 590,000 rules (each `Field` is
    /// 104 bytes inline).
    pub for_: Option<Box<Field>>,
    pub keep_firing_for: Option<Box<Field>>,
    pub labels: Vec<Pair>,
    pub labels_key: Option<Span>,
    pub annotations: Vec<Pair>,
    pub annotations_key: Option<Span>,
}

impl Rule {
    /// Alerting when `alert` is set (non-empty), recording when only `record` is.
    pub fn kind(&self) -> Option<RuleKind> {
        let set = |f: &Option<Field>| {
            f.as_ref()
                .and_then(Field::text)
                .is_some_and(|t| !t.is_empty())
        };
        match (set(&self.alert), set(&self.record)) {
            (true, _) => Some(RuleKind::Alerting),
            (false, true) => Some(RuleKind::Recording),
            (false, false) => None,
        }
    }

    /// The alert or record name (alert first, as promtool prints it).
    pub fn name(&self) -> Option<&str> {
        fn non_empty(f: &Option<Field>) -> Option<&str> {
            f.as_ref().and_then(Field::text).filter(|t| !t.is_empty())
        }
        non_empty(&self.alert).or_else(|| non_empty(&self.record))
    }

    /// The key of the name field, for diagnostics about the rule as a whole.
    pub fn name_span(&self) -> Span {
        self.alert
            .as_ref()
            .or(self.record.as_ref())
            .map(Field::value_span)
            .unwrap_or_else(|| self.span.start..self.span.start)
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    /// Index of the YAML document the group is in.
    pub document: usize,
    /// The group's mapping.
    pub span: Span,
    pub name: Option<Field>,
    pub interval: Option<Field>,
    pub query_offset: Option<Field>,
    pub limit: Option<Field>,
    pub labels: Vec<Pair>,
    pub rules: Vec<Rule>,
}

impl Group {
    pub fn name(&self) -> &str {
        self.name.as_ref().and_then(Field::text).unwrap_or("")
    }
}

/// A rule file: the groups found in its YAML documents, and what `rules/schema` found
/// wrong with their structure. The YAML tree itself is not kept: it is several times
/// bigger than the model, and every check but the structure check reads the model.
#[derive(Debug, Clone)]
pub struct RuleFile {
    pub kind: RuleFileKind,
    pub groups: Vec<Group>,
    /// Structure findings, before the dialect and name scheme are applied.
    pub structure: Vec<crate::checks::rules::schema::Finding>,
}

impl RuleFile {
    /// Builds the model of every document that holds rule groups.
    pub fn from_documents(documents: Vec<Document>) -> RuleFile {
        let mut kind = RuleFileKind::Plain;
        let mut groups = Vec::new();
        for (index, document) in documents.iter().enumerate() {
            let Some(root) = &document.root else { continue };
            let Some(found) = groups_root(root.resolved()) else {
                continue;
            };
            if found.kind == RuleFileKind::PrometheusRule {
                kind = RuleFileKind::PrometheusRule;
            }
            for group in found.groups.into_iter().flat_map(Node::items) {
                let group = group.resolved();
                if group.as_mapping().is_some() {
                    groups.push(build_group(index, group));
                }
            }
        }
        let structure = crate::checks::rules::schema::collect(&documents);
        RuleFile {
            kind,
            groups,
            structure,
        }
    }

    pub fn rules(&self) -> impl Iterator<Item = (&Group, &Rule)> {
        self.groups
            .iter()
            .flat_map(|g| g.rules.iter().map(move |r| (g, r)))
    }
}

fn field(node: &Node, key: &str) -> Option<Field> {
    entry_of(node, key).map(Field::from_entry)
}

/// The scalar-valued entries of a mapping field (non-scalar values kept as nodes).
fn pairs(node: &Node, key: &str) -> (Vec<Pair>, Option<Span>) {
    let Some(entry) = entry_of(node, key) else {
        return (Vec::new(), None);
    };
    let pairs = merged_entries(entry.value.resolved())
        .into_iter()
        .filter_map(|e| {
            Some(Pair {
                key: e.key.as_str()?.to_string(),
                key_span: e.key.span.clone(),
                value: e.value.resolved().clone(),
            })
        })
        .collect();
    (pairs, Some(entry.key.span.clone()))
}

fn build_group(document: usize, node: &Node) -> Group {
    let mut rules = value_of(node, "rules")
        .into_iter()
        .flat_map(Node::items)
        .map(Node::resolved)
        .filter(|r| r.as_mapping().is_some())
        .enumerate()
        .map(|(i, r)| build_rule(i + 1, r))
        .collect::<Vec<_>>();
    // No growth slack: a group may hold hundreds of thousands of rules.
    rules.shrink_to_fit();
    Group {
        document,
        span: node.span.clone(),
        name: field(node, "name"),
        interval: field(node, "interval"),
        query_offset: field(node, "query_offset"),
        limit: field(node, "limit"),
        labels: pairs(node, "labels").0,
        rules,
    }
}

fn build_rule(index: usize, node: &Node) -> Rule {
    let (labels, labels_key) = pairs(node, "labels");
    let (annotations, annotations_key) = pairs(node, "annotations");
    let expr = field(node, "expr");
    Rule {
        index,
        span: node.span.clone(),
        alert: field(node, "alert"),
        record: field(node, "record"),
        expr,
        for_: field(node, "for").map(Box::new),
        keep_firing_for: field(node, "keep_firing_for").map(Box::new),
        labels,
        labels_key,
        annotations,
        annotations_key,
    }
}
