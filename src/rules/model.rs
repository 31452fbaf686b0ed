//! The rule-file model: groups and rules with every field's key span and value node.
//!
//! Building the model is lenient: a field of the wrong type is left out here and
//! reported by `rules/schema`, which walks the YAML tree itself. The model is what the
//! other checks read.

use crate::source::Span;
use crate::yaml::{Document, Entry, Node, NodeKind, Scalar};

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
    let mut out: Vec<&Entry> = Vec::with_capacity(node.as_mapping().map_or(0, <[Entry]>::len));
    let mut budget = crate::yaml::AliasBudget::default();
    collect_merged(node, &mut out, &mut budget, 0);
    out
}

/// Whether the mapping itself writes a merge key (`<<`): without one, [`merged_entries`]
/// is its own entries, in order, and callers can read them without building the list.
pub fn has_merge_key(node: &Node) -> bool {
    node.entries().any(is_merge_key)
}

fn is_merge_key(entry: &Entry) -> bool {
    entry.key.as_str() == Some("<<")
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
        if is_merge_key(entry) && depth < 16 {
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
    /// Boxed, like the rare fields below: a rule has one of `alert` and `record`, and
    /// each `Field` is 104 bytes inline; a 590,000-rule file holds 590,000 rules.
    pub alert: Option<Box<Field>>,
    pub record: Option<Box<Field>>,
    pub expr: Option<Field>,
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
        let set = |f: &Option<Box<Field>>| {
            f.as_deref()
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
        fn non_empty(f: &Option<Box<Field>>) -> Option<&str> {
            f.as_deref().and_then(Field::text).filter(|t| !t.is_empty())
        }
        non_empty(&self.alert).or_else(|| non_empty(&self.record))
    }

    /// The key of the name field, for diagnostics about the rule as a whole.
    pub fn name_span(&self) -> Span {
        self.alert
            .as_deref()
            .or(self.record.as_deref())
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
    ///
    /// The tree is taken apart as the model is built: each value is moved out of its
    /// node rather than cloned, and each rule's node is dropped once its rule is built,
    /// so the tree and the model never both hold a large file's rules (590,000 rules
    /// peaked at 1.3 GB with both alive). Values reached through an alias or a merge
    /// key live in an anchor's shared node and are cloned, as before.
    pub fn from_documents(documents: Vec<Document>) -> RuleFile {
        // `rules/schema` reads the whole tree: it runs before the tree is taken apart.
        let structure = crate::checks::rules::schema::collect(&documents);
        let mut kind = RuleFileKind::Plain;
        let mut groups = Vec::new();
        for (index, document) in documents.into_iter().enumerate() {
            let Some(mut root) = document.root else {
                continue;
            };
            own(&mut root);
            let Some(found) = groups_root(&root) else {
                continue;
            };
            let found_kind = found.kind;
            if found_kind == RuleFileKind::PrometheusRule {
                kind = RuleFileKind::PrometheusRule;
            }
            let Some(groups_node) = groups_node_mut(&mut root, found_kind) else {
                continue;
            };
            own(groups_node);
            for mut group in take_items(groups_node) {
                own(&mut group);
                if group.as_mapping().is_some() {
                    groups.push(build_group(index, &mut group));
                }
            }
        }
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

/// Replaces an alias by a copy of the node its anchor names, so that what follows can
/// take values out of it (an anchor's node is shared and cannot give them up).
fn own(node: &mut Node) {
    if node.is_alias() {
        *node = node.resolved().clone();
    }
}

/// An empty node left where a value was moved out.
fn taken() -> Node {
    Node {
        span: 0..0,
        kind: NodeKind::Sequence(Vec::new()),
    }
}

/// The node's resolved value: moved out, or cloned from an alias's anchor.
fn take_resolved(node: &mut Node) -> Node {
    if node.is_alias() {
        return node.resolved().clone();
    }
    let mut value = std::mem::replace(node, taken());
    // The YAML scanner grows a scalar's text as it reads it: a moved text would keep
    // that slack for as long as the model lives (a clone was sized exactly).
    if let NodeKind::Scalar(scalar) = &mut value.kind {
        crate::yaml::trim_slack(&mut scalar.value);
    }
    value
}

/// The items of a sequence node, moved out (none for any other node).
fn take_items(node: &mut Node) -> Vec<Node> {
    match &mut node.kind {
        NodeKind::Sequence(items) => std::mem::take(items),
        _ => Vec::new(),
    }
}

/// The node that holds the groups, as [`groups_root`] finds it, to take them out.
fn groups_node_mut(root: &mut Node, kind: RuleFileKind) -> Option<&mut Node> {
    let holder = match kind {
        RuleFileKind::Plain => root,
        RuleFileKind::PrometheusRule => {
            let spec = first_value_mut(root, "spec")?;
            own(spec);
            spec
        }
    };
    first_value_mut(holder, "groups")
}

/// The value of the first entry written with `key` in the mapping itself (what
/// [`Node::get`] finds when the node is not an alias).
fn first_value_mut<'a>(node: &'a mut Node, key: &str) -> Option<&'a mut Node> {
    match &mut node.kind {
        NodeKind::Mapping(entries) => entries
            .iter_mut()
            .find(|entry| entry.key.as_str() == Some(key))
            .map(|entry| &mut entry.value),
        _ => None,
    }
}

/// The index of `entry` among the entries written in `node` itself; `None` when it
/// comes from a merge key.
fn own_index(node: &Node, entry: &Entry) -> Option<usize> {
    match &node.kind {
        NodeKind::Mapping(entries) => entries.iter().position(|e| std::ptr::eq(e, entry)),
        _ => None,
    }
}

/// The own entry at `index` of a mapping node.
fn own_entry(node: &mut Node, index: usize) -> &mut Entry {
    match &mut node.kind {
        NodeKind::Mapping(entries) => &mut entries[index],
        _ => unreachable!("own_index found the entry in this mapping"),
    }
}

/// Where the entry for `key` is: an own entry to take from, or (merged in) a copy.
enum Located<T> {
    Own(usize),
    Copied(T),
}

/// The field for `key` ([`entry_of`]'s entry), its value moved out of the node.
fn field(node: &mut Node, key: &str) -> Option<Field> {
    let located = {
        let entry = entry_of(node, key)?;
        match own_index(node, entry) {
            Some(index) => Located::Own(index),
            None => Located::Copied(Field::from_entry(entry)),
        }
    };
    Some(match located {
        Located::Own(index) => {
            let entry = own_entry(node, index);
            Field {
                key_span: entry.key.span.clone(),
                value: take_resolved(&mut entry.value),
            }
        }
        Located::Copied(field) => field,
    })
}

/// The scalar-valued entries of a mapping field (non-scalar values kept as nodes),
/// moved out of the node.
fn pairs(node: &mut Node, key: &str) -> (Vec<Pair>, Option<Span>) {
    let Some(Field { key_span, value }) = field(node, key) else {
        return (Vec::new(), None);
    };
    (pairs_of(value), Some(key_span))
}

/// The pairs of a mapping value, merge keys expanded ([`merged_entries`]).
fn pairs_of(mut value: Node) -> Vec<Pair> {
    if !has_merge_key(&value) {
        // The common case: the own entries, in order, each moved out.
        return match &mut value.kind {
            NodeKind::Mapping(entries) => entries
                .iter_mut()
                .filter(|entry| entry.key.as_str().is_some())
                .map(take_pair)
                .collect(),
            _ => Vec::new(),
        };
    }
    let plan: Vec<Located<Pair>> = merged_entries(&value)
        .into_iter()
        .filter_map(|entry| {
            let key = entry.key.as_str()?;
            Some(match own_index(&value, entry) {
                Some(index) => Located::Own(index),
                None => Located::Copied(Pair {
                    key: key.to_string(),
                    key_span: entry.key.span.clone(),
                    value: entry.value.resolved().clone(),
                }),
            })
        })
        .collect();
    plan.into_iter()
        .map(|located| match located {
            Located::Own(index) => take_pair(own_entry(&mut value, index)),
            Located::Copied(pair) => pair,
        })
        .collect()
}

/// A pair moved out of an own entry whose key is a scalar.
fn take_pair(entry: &mut Entry) -> Pair {
    let key = match &mut entry.key.kind {
        NodeKind::Scalar(scalar) => {
            let mut key = std::mem::take(&mut scalar.value);
            crate::yaml::trim_slack(&mut key);
            key
        }
        _ => entry.key.as_str().unwrap_or_default().to_string(),
    };
    Pair {
        key,
        key_span: entry.key.span.clone(),
        value: take_resolved(&mut entry.value),
    }
}

fn build_group(document: usize, node: &mut Node) -> Group {
    let items = field(node, "rules")
        .map(|field| field.value)
        .map(|mut value| take_items(&mut value))
        .unwrap_or_default();
    // Sized exactly: a group may hold hundreds of thousands of rules, and growing by
    // doubling would hold the old and the new buffer at once.
    let count = items.iter().filter(|r| r.as_mapping().is_some()).count();
    let mut rules = Vec::with_capacity(count);
    for mut item in items {
        own(&mut item);
        if item.as_mapping().is_some() {
            rules.push(build_rule(rules.len() + 1, &mut item));
        }
        // The rule's node (its keys, what the model does not keep) is dropped here.
    }
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

fn build_rule(index: usize, node: &mut Node) -> Rule {
    let (labels, labels_key) = pairs(node, "labels");
    let (annotations, annotations_key) = pairs(node, "annotations");
    Rule {
        index,
        span: node.span.clone(),
        alert: field(node, "alert").map(Box::new),
        record: field(node, "record").map(Box::new),
        expr: field(node, "expr"),
        for_: field(node, "for").map(Box::new),
        keep_firing_for: field(node, "keep_firing_for").map(Box::new),
        labels,
        labels_key,
        annotations,
        annotations_key,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;
    use crate::yaml::has_no_freeable_slack;

    fn load(text: &str) -> RuleFile {
        crate::rules::load(&SourceFile::new("r.yml", text)).expect("parses")
    }

    #[test]
    fn a_rule_stays_small() {
        // A rule file may hold hundreds of thousands of rules, all alive while it is
        // checked: 448 bytes a rule with `alert` and `record` inline, 256 boxed.
        assert!(
            std::mem::size_of::<Rule>() <= 256,
            "{}",
            std::mem::size_of::<Rule>()
        );
    }

    #[test]
    fn values_behind_aliases_and_merge_keys_are_copied_not_taken() {
        // The first rule is an anchor: the alias below reads the anchor's own copy, so
        // taking the first rule's values apart must leave the second whole. The
        // labels merge an anchored mapping, overridden by the rule's own `severity`.
        let text = "groups:\n  - name: g\n    labels: &common {team: a, severity: low}\n    rules:\n      - &r {record: r, expr: up, labels: {x: y}}\n      - *r\n      - alert: A\n        expr: up == 0\n        labels:\n          <<: *common\n          severity: high\n";
        let file = load(text);
        let group = &file.groups[0];
        assert_eq!(group.name(), "g");
        assert_eq!(group.labels.len(), 2);
        let texts = |rule: &Rule| {
            (
                rule.index,
                rule.name().map(str::to_string),
                rule.expr.as_ref().and_then(Field::text).map(str::to_string),
                rule.labels
                    .iter()
                    .map(|pair| format!("{}={}", pair.key, pair.text().unwrap_or("?")))
                    .collect::<Vec<_>>(),
            )
        };
        let rules: Vec<_> = group.rules.iter().map(texts).collect();
        let up = Some("up".to_string());
        assert_eq!(
            rules[0],
            (1, Some("r".into()), up.clone(), vec!["x=y".into()])
        );
        assert_eq!(rules[1], rules[0].clone().with_index(2));
        assert_eq!(
            rules[2],
            (
                3,
                Some("A".into()),
                Some("up == 0".into()),
                vec!["severity=high".to_string(), "team=a".to_string()]
            )
        );
        // Spans still point into the file.
        let alert = group.rules[2].alert.as_ref().expect("alert");
        assert_eq!(&text[alert.value_span()], "A");
        assert_eq!(&text[alert.key_span.clone()], "alert");
    }

    trait WithIndex {
        fn with_index(self, index: usize) -> Self;
    }

    impl<A, B, C> WithIndex for (usize, A, B, C) {
        fn with_index(self, index: usize) -> Self {
            (index, self.1, self.2, self.3)
        }
    }

    #[test]
    fn pairs_without_merge_keys_keep_every_scalar_key_in_order() {
        let file = load("groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up\n        labels: {b: '1', a: 2, b: three, [x]: y, ? {k: v} : z, '<': w}\n");
        let labels: Vec<(&str, Option<&str>)> = file.groups[0].rules[0]
            .labels
            .iter()
            .map(|pair| (pair.key.as_str(), pair.text()))
            .collect();
        assert_eq!(
            labels,
            [
                ("b", Some("1")),
                ("a", Some("2")),
                ("b", Some("three")),
                ("<", Some("w"))
            ]
        );
    }

    #[test]
    fn moved_texts_carry_no_growth_slack() {
        let file = load("groups:\n  - name: g\n    rules:\n      - record: a_rather_long_recording_rule_name\n        expr: sum by (job) (rate(some_counter_total[5m]))\n        labels: {team: platform}\n");
        let rule = &file.groups[0].rules[0];
        let record = rule
            .record
            .as_ref()
            .expect("record")
            .scalar()
            .expect("scalar");
        assert!(has_no_freeable_slack(
            &record.value,
            record.value.capacity()
        ));
        let expr = rule.expr.as_ref().expect("expr").scalar().expect("scalar");
        assert!(has_no_freeable_slack(&expr.value, expr.value.capacity()));
        let pair = &rule.labels[0];
        assert!(has_no_freeable_slack(&pair.key, pair.key.capacity()));
    }
}
