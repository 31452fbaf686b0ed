//! `rules/duplicate`: two rules in one file with the same name and the same labels.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::promql::analysis::LabelValues;
use crate::rules::{Rule, RuleFile, RuleKind};
use crate::source::Span;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

pub static META: CheckMeta = CheckMeta {
    code: "rules/duplicate",
    severity: Severity::Warning,
    summary: "Two rules in the same file have the same name and labels",
    docs: "Two rules with the same `alert` or `record` name and the same labels (the group's \
labels overridden by the rule's own) produce the same series: a recording rule's output flaps \
between two expressions, an alert fires twice or hides the other. This is the \
`duplicate-rules` lint of `promtool check rules`, with one refinement: a matcher that survives \
the query (`x{component=\"cpu\"} > on (component) ...`, `{type=\"web\"}` under \
`sum without (instance)`, `{code=~\"5..\"}` under `sum by (code)`) constrains that label on \
every output series, so two rules whose queries give a label disjoint values (`cpu` and \
`disk`, `2..` and `5..`, `=\"iowait\"` and `!=\"iowait\"`) write different series and are \
not duplicates. Like promtool, \
each set of copies is reported once (on the first copy, pointing at the others).\n\n\
Give each rule a distinct label (for example a different `severity`), or remove the copy.",
    bad: fixture!("rules/duplicate/fail.yml"),
    good: fixture!("rules/duplicate/pass.yml"),
    enabled_by_default: true,
};

/// The identity of a rule's output as promtool compares it: document, kind, name and
/// merged labels. Documents are separate rule files once deployed (one file per
/// PrometheusRule object).
type RuleKey = (usize, bool, String, BTreeMap<String, String>);

/// One rule of a set that shares a [`RuleKey`].
struct Copy<'a> {
    span: Span,
    rule: &'a Rule,
    group: &'a crate::rules::Group,
}

/// Copies that write the same series: the first definition, then its copies.
struct DuplicateSet<'a> {
    /// What the first definition's query tells of its output series.
    output: Output,
    copies: Vec<Copy<'a>>,
}

/// Reports each set of rules that write the same series once, on its first copy,
/// pointing at the original and at every further copy. This is what promtool's
/// `duplicate-rules` lint counts ("N duplicate rule(s) found": one per repeated name
/// and label set); a finding per copy made a generated file with a dozen copies of
/// one alert read like a dozen problems.
pub fn run(file: &RuleFile, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    for (key, copies) in same_name_and_labels(file) {
        for set in duplicate_sets(&key, copies) {
            report(&mut emitter, &key, &set);
        }
    }
}

/// The rules of the file grouped by [`RuleKey`], keys in order of first appearance;
/// only keys with more than one rule.
fn same_name_and_labels(file: &RuleFile) -> Vec<(RuleKey, Vec<Copy<'_>>)> {
    let shared = shared_hashes(file);
    if shared.is_empty() {
        // No two rules share a key hash: no copies, and no second pass to find them.
        return Vec::new();
    }
    // Each key once, in order of first appearance, with the index of its rules. Only
    // rules whose hash another rule shares get a key: the others cannot be copies.
    let mut keyed: Vec<(RuleKey, Vec<Copy<'_>>)> = Vec::new();
    let mut index_of: FxHashMap<RuleKey, usize> = FxHashMap::default();
    let mut labels = Vec::new();
    for (group, rule) in file.rules() {
        let Some(hash) = key_hash(group, rule, &mut labels) else {
            continue;
        };
        if shared.binary_search(&hash).is_err() {
            continue;
        }
        let (Some(kind), Some(name)) = (rule.kind(), rule.name()) else {
            continue;
        };
        let key = (
            group.document,
            kind == RuleKind::Alerting,
            name.to_string(),
            merged_labels(&group.labels, rule),
        );
        let copy = Copy {
            span: rule.name_span(),
            rule,
            group,
        };
        match index_of.get(&key) {
            Some(&index) => keyed[index].1.push(copy),
            None => {
                index_of.insert(key.clone(), keyed.len());
                keyed.push((key, vec![copy]));
            }
        }
    }
    keyed.retain(|(_, copies)| copies.len() > 1);
    keyed
}

/// The hashes of [`RuleKey`]s that more than one rule has, sorted. Hashing borrows
/// the rule's name and labels: a file of 590,000 distinct rules costs 8 bytes a rule
/// here, where a key per rule (name and label map copied) cost hundreds.
fn shared_hashes(file: &RuleFile) -> Vec<u64> {
    let mut labels = Vec::new();
    let mut hashes: Vec<u64> = file
        .rules()
        .filter_map(|(group, rule)| key_hash(group, rule, &mut labels))
        .collect();
    hashes.sort_unstable();
    let mut shared = Vec::new();
    for run in hashes.chunk_by(|a, b| a == b) {
        if run.len() > 1 {
            shared.push(run[0]);
        }
    }
    shared
}

/// A hash of the rule's [`RuleKey`] (equal keys, equal hashes), computed from borrowed
/// text; `labels` is scratch space, reused from rule to rule. `None` for a rule
/// without a kind or a name, which has no key.
fn key_hash<'a>(
    group: &'a crate::rules::Group,
    rule: &'a Rule,
    labels: &mut Vec<(&'a str, &'a str)>,
) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let (kind, name) = (rule.kind()?, rule.name()?);
    // The merged labels as `merged_labels` builds them: a rule's label overrides the
    // group's, and the map's order is the names' order.
    labels.clear();
    for pair in group.labels.iter().chain(&rule.labels) {
        if let Some(text) = pair.text() {
            labels.push((&pair.key, text));
        }
    }
    // Stable: of two pairs with one name, the later (the rule's) is kept below.
    labels.sort_by(|a, b| a.0.cmp(b.0));
    let mut hasher = rustc_hash::FxHasher::default();
    (group.document, kind == RuleKind::Alerting, name).hash(&mut hasher);
    for (at, (key, value)) in labels.iter().enumerate() {
        let overridden = labels.get(at + 1).is_some_and(|next| next.0 == *key);
        if !overridden {
            (key, value).hash(&mut hasher);
        }
    }
    Some(hasher.finish())
}

/// Splits rules of one name and label set into the sets that really write the same
/// series. Matchers that survive the query (`x{component="cpu"} > on (component)
/// ...`, `{type="web"}` under `sum without (instance)`) constrain a label on every
/// output series; two rules whose outputs give such a label disjoint values, or where
/// one surely has a label the other can never carry, write different series. A rule
/// joins the first set whose original it cannot be told apart from.
fn duplicate_sets<'a>(key: &RuleKey, copies: Vec<Copy<'a>>) -> Vec<DuplicateSet<'a>> {
    let mut sets: Vec<DuplicateSet<'a>> = Vec::new();
    for copy in copies {
        let output = query_output(copy.rule, &key.3);
        match sets.iter_mut().find(|set| !set.output.differs(&output)) {
            Some(set) => set.copies.push(copy),
            None => sets.push(DuplicateSet {
                output,
                copies: vec![copy],
            }),
        }
    }
    sets.retain(|set| set.copies.len() > 1);
    sets
}

/// What the label-flow analysis knows of a rule's output series, for the labels its
/// static labels do not overwrite (those are part of the key already).
#[derive(Default)]
struct Output {
    /// Labels whose values the query pins down (`{component="cpu"}`).
    values: BTreeMap<String, LabelValues>,
    /// Presence of every label (which ones it can never carry: aggregated or matched
    /// away).
    labels: Option<crate::promql::analysis::LabelInfo>,
}

impl Output {
    /// Whether the two outputs surely are different series: a label both constrain to
    /// disjoint values, or one that one side surely has and the other never carries.
    fn differs(&self, other: &Output) -> bool {
        let disjoint = self.values.iter().any(|(name, values)| {
            other
                .values
                .get(name)
                .is_some_and(|theirs| theirs.disjoint(values))
        });
        disjoint || self.has_what_lacks(other) || other.has_what_lacks(self)
    }

    /// A label this output surely carries (a value pinned down by `=` or `=~`) that
    /// `other` never carries.
    fn has_what_lacks(&self, other: &Output) -> bool {
        let Some(labels) = &other.labels else {
            return false;
        };
        self.values.iter().any(|(name, values)| {
            matches!(values, LabelValues::Exactly(_) | LabelValues::Matching(_))
                && labels.cannot_have(name)
        })
    }
}

/// The output of a rule's query; a query that does not parse tells nothing.
fn query_output(rule: &Rule, static_labels: &BTreeMap<String, String>) -> Output {
    let Some(text) = rule.expr.as_ref().and_then(|field| field.text()) else {
        return Output::default();
    };
    let Some(expr) = crate::promql::parse(text).expr else {
        return Output::default();
    };
    let mut values = crate::promql::analysis::label_value_constraints(&expr);
    values.retain(|name, _| !static_labels.contains_key(name));
    Output {
        values,
        labels: Some(crate::promql::analysis::analyze(&expr).labels),
    }
}

fn report(emitter: &mut Emitter<'_>, key: &RuleKey, set: &DuplicateSet<'_>) {
    let (is_alert, name, labels) = (key.1, &key.2, &key.3);
    let what = if is_alert {
        "alerting rule"
    } else {
        "recording rule"
    };
    let first_copy = &set.copies[1];
    let times = match set.copies.len() {
        2 => String::new(),
        n => format!(" ({n} definitions)"),
    };
    let diagnostic = emitter.report(
        first_copy.span.clone(),
        format!(
            "duplicate {what} \"{name}\" with labels {}{times}",
            show_labels(labels)
        ),
    );
    diagnostic.labels.push(crate::diagnostic::Label {
        span: set.copies[0].span.clone(),
        message: "the first one is here".to_string(),
    });
    for further in &set.copies[2..] {
        diagnostic.labels.push(crate::diagnostic::Label {
            span: further.span.clone(),
            message: "another copy".to_string(),
        });
    }
    diagnostic.help = Some(if is_alert {
        "give the alerts different labels (e.g. `severity`) or names, or remove the copy".into()
    } else {
        "two recording rules writing the same series make it flap between their results: remove one, or give them different labels".into()
    });
    diagnostic
        .context
        .push(("group", first_copy.group.name().to_string()));
}

fn merged_labels(group_labels: &[crate::rules::Pair], rule: &Rule) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    for pair in group_labels.iter().chain(&rule.labels) {
        if let Some(text) = pair.text() {
            labels.insert(pair.key.clone(), text.to_string());
        }
    }
    labels
}

fn show_labels(labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    fn findings(text: &str) -> Vec<(usize, String, usize)> {
        let file = SourceFile::new("r.yml", text);
        let rules = crate::rules::load(&file).expect("fixture parses");
        let mut out = Vec::new();
        run(&rules, &mut out);
        out.iter()
            .map(|d| {
                (
                    file.line_col(d.span.start).line,
                    d.message.clone(),
                    d.labels.len(),
                )
            })
            .collect()
    }

    #[test]
    fn a_set_of_copies_is_reported_once_on_the_first_copy() {
        let text = "groups:\n  - name: g\n    rules:\n      - record: r\n        expr: a\n      - record: r\n        expr: b\n      - record: r\n        expr: c\n";
        assert_eq!(
            findings(text),
            [(
                6,
                "duplicate recording rule \"r\" with labels {} (3 definitions)".to_string(),
                2
            )]
        );
    }

    fn rule_file(text: &str) -> RuleFile {
        crate::rules::load(&SourceFile::new("r.yml", text)).expect("fixture parses")
    }

    #[test]
    fn thousands_of_distinct_rules_keep_no_keys() {
        // A key per rule (its name and label map copied) cost hundreds of bytes a
        // rule; only rules that share a key hash with another get a key now.
        let mut text = String::from("groups:\n  - name: g\n    labels: {team: a}\n    rules:\n");
        for index in 0..5_000 {
            text.push_str(&format!(
                "      - {{record: r{index}, expr: up, labels: {{i: v{index}}}}}\n"
            ));
        }
        let file = rule_file(&text);
        assert!(shared_hashes(&file).is_empty());
        assert!(same_name_and_labels(&file).is_empty());
        text.push_str("      - {record: r7, expr: down, labels: {i: v7}}\n");
        let file = rule_file(&text);
        assert_eq!(shared_hashes(&file).len(), 1);
        let keyed = same_name_and_labels(&file);
        assert_eq!(keyed.len(), 1);
        assert_eq!(keyed[0].0 .2, "r7");
        assert_eq!(keyed[0].1.len(), 2);
    }

    #[test]
    fn equal_merged_labels_hash_alike_whatever_their_order_and_origin() {
        // The group's `severity` is overridden by the rule's: both rules' merged
        // labels are {severity="page", team="a"}, written in other orders and places.
        let text = "groups:\n  - name: g\n    labels: {severity: low, team: a}\n    rules:\n      - alert: A\n        expr: up == 0\n        labels: {severity: page}\n  - name: h\n    rules:\n      - alert: A\n        expr: up == 1\n        labels: {team: a, severity: page}\n      - alert: A\n        expr: up == 2\n        labels: {team: a, severity: low}\n";
        assert_eq!(
            findings(text),
            [(
                10,
                "duplicate alerting rule \"A\" with labels {severity=\"page\", team=\"a\"}"
                    .to_string(),
                1
            )]
        );
    }

    #[test]
    fn matchers_that_survive_the_query_split_the_output() {
        let text = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: x{component=\"cpu\"} > on (component) group_left y{component=\"cpu\"}\n      - alert: A\n        expr: x{component=\"disk\"} > on (component) group_left y{component=\"disk\"}\n      - alert: A\n        expr: sum(x{component=\"disk\"}) > 1\n      - alert: A\n        expr: x{component=\"cpu\"} > 2\n";
        // The third rule aggregates `component` away: its series never carry it, the
        // first two's always do. The fourth fixes `cpu` again: a copy of the first.
        let found = findings(text);
        assert_eq!(
            found,
            [(
                10,
                "duplicate alerting rule \"A\" with labels {}".to_string(),
                1
            )]
        );
    }
}
