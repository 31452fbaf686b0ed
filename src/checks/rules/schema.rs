//! `rules/schema`: the structure of a rule file, at parity with `promtool check rules`.
//!
//! Walks the YAML tree itself (not the lenient model), so a field of the wrong type, an
//! unknown field or a missing one is reported on the exact key or value.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::rules::dialect::{
    dialects_with, FieldSpec, FieldType, CRD_GROUP_FIELDS, FILE_FIELDS, GROUP_FIELDS, RULE_FIELDS,
};
use crate::rules::duration::parse_duration;
use crate::rules::model::{
    entry_of, groups_root, has_merge_key, is_prometheus_rule, merged_entries, value_of, RuleFile,
    RuleFileKind,
};
use crate::rules::names::{label_name_verdict, metric_name_verdict, NameValidation, NameVerdict};
use crate::rules::{Dialect, RuleOptions};
use crate::source::Span;
use crate::yaml::{Document, Entry, Node, ScalarStyle};
use std::collections::HashMap;

pub static META: CheckMeta = CheckMeta {
    code: "rules/schema",
    severity: Severity::Error,
    summary: "The rule file's structure is invalid: Prometheus would refuse to load it",
    docs: "Checks what `promtool check rules` checks before it looks at PromQL: a top-level \
`groups` list; every group with a non-empty name that is unique in the file; every rule with \
exactly one of `alert` and `record`, and an `expr`; no `for`, `keep_firing_for` or \
`annotations` on recording rules; valid recording-rule, label and annotation names; durations \
(`interval`, `for`, `keep_firing_for`, `query_offset`) written as Prometheus durations (`30s`, \
`5m`, `1h30m`: integer amounts, biggest unit first); an integer `limit`; and no unknown fields \
(with a suggestion for near misses such as `expresion`).\n\n\
Fields that only Thanos Ruler, vmalert or Grafana Mimir understand (`partial_response_strategy`, \
`concurrency`, `source_tenants`, ...) are accepted with `--dialect thanos|vmalert|mimir` and \
reported as unknown otherwise.\n\n\
Prometheus 3 accepts any UTF-8 text as a metric or label name; Prometheus 2 only \
`[a-zA-Z_:][a-zA-Z0-9_:]*` (labels without `:`). A name outside that set is a warning by default \
(it must be quoted in every query and is almost always a typo) and an error with \
`--name-validation legacy`.",
    bad: fixture!("rules/schema/fail.yml"),
    good: fixture!("rules/schema/pass.yml"),
    enabled_by_default: true,
};

/// Reports the structure findings of `file` that apply under `options`.
pub fn run(file: &RuleFile, options: &RuleOptions, out: &mut Vec<Diagnostic>) {
    for finding in &file.structure {
        if let Some(diagnostic) = finding.under(options) {
            out.push(diagnostic);
        }
    }
}

/// When a structure finding applies: the YAML tree is walked once at load time (and then
/// dropped, to keep memory low), before the dialect and name scheme are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// A field only these dialects define: its value is checked when one is selected.
    InDialects(&'static [Dialect]),
    /// The same field is unknown under every other dialect.
    NotInDialects(&'static [Dialect]),
    /// A name valid under UTF-8 only: a warning by default, an error under `legacy`.
    Utf8OnlyName,
    /// Invalid only under `legacy` name validation: an annotation name outside the
    /// legacy set. Prometheus 3 accepts any non-empty UTF-8 annotation name, and
    /// annotations are never matched in a query, so there is nothing to quote.
    LegacyOnly,
}

/// A structure finding and when it applies.
#[derive(Debug, Clone)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    pub when: When,
}

impl Finding {
    /// The diagnostic to report under `options`, if any.
    pub fn under(&self, options: &RuleOptions) -> Option<Diagnostic> {
        let dialect = options.dialect;
        match self.when {
            When::Always => Some(self.diagnostic.clone()),
            When::InDialects(dialects) => {
                dialects.contains(&dialect).then(|| self.diagnostic.clone())
            }
            When::NotInDialects(dialects) => {
                (!dialects.contains(&dialect)).then(|| self.diagnostic.clone())
            }
            When::Utf8OnlyName => {
                let mut diagnostic = self.diagnostic.clone();
                if options.name_validation == NameValidation::Utf8 {
                    diagnostic.severity = Severity::Warning;
                    diagnostic.message.push_str(
                        " (valid only in Prometheus 3: outside the legacy character set, it \
                         must be quoted in every query)",
                    );
                }
                Some(diagnostic)
            }
            When::LegacyOnly => {
                (options.name_validation == NameValidation::Legacy).then(|| self.diagnostic.clone())
            }
        }
    }
}

/// Walks the YAML documents of a rule file and returns every structure finding.
pub fn collect(documents: &[Document]) -> Vec<Finding> {
    let mut diagnostics = Vec::new();
    let mut checker = Checker {
        emitter: Emitter::new(&META, &mut diagnostics),
        whens: Vec::new(),
        when: When::Always,
        group_names: HashMap::new(),
    };
    let has_crd = documents.iter().any(|d| {
        d.root
            .as_ref()
            .is_some_and(|r| is_prometheus_rule(r.resolved()))
    });
    for document in documents {
        let Some(root) = &document.root else { continue };
        let root = root.resolved();
        // In a Kubernetes manifest, other objects (ConfigMaps, ...) are not ours to judge.
        if has_crd && !is_prometheus_rule(root) && root.get("kind").is_some() {
            continue;
        }
        // Each document is its own rule file once deployed (a PrometheusRule becomes
        // one file per object), so group names need only be unique per document.
        checker.group_names.clear();
        checker.document(root);
    }
    let whens = std::mem::take(&mut checker.whens);
    drop(checker);
    diagnostics
        .into_iter()
        .zip(whens)
        .map(|(diagnostic, when)| Finding { diagnostic, when })
        .collect()
}

struct Checker<'a> {
    emitter: Emitter<'a>,
    /// When each reported diagnostic applies, in report order.
    whens: Vec<When>,
    /// The condition of what is reported now.
    when: When,
    /// Group names seen in this document, with the span of their value.
    group_names: HashMap<String, Span>,
}

/// Where a field sits, for messages: "group", "rule", "rule file".
#[derive(Clone, Copy)]
struct Place {
    what: &'static str,
    fields: &'static [FieldSpec],
    crd: bool,
}

impl<'a> Checker<'a> {
    fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.whens.push(self.when);
        self.emitter.report(span, message)
    }

    /// Runs `body` with its findings applying only `when`.
    fn under(&mut self, when: When, body: impl FnOnce(&mut Self)) {
        let saved = std::mem::replace(&mut self.when, when);
        body(self);
        self.when = saved;
    }

    fn document(&mut self, root: &Node) {
        let Some(found) = groups_root(root) else {
            self.report(
                root.span.clone(),
                format!(
                    "a rule file must be a mapping with a `groups` list, found a {}",
                    root.kind_name()
                ),
            )
            .help = Some("start the file with `groups:` and list the rule groups under it".into());
            return;
        };
        let crd = found.kind == RuleFileKind::PrometheusRule;
        if crd {
            if found.holder.as_mapping().is_none() {
                let span = root
                    .get_entry("spec")
                    .map(|e| e.key.span.clone())
                    .unwrap_or(root.span.clone());
                self.report(
                    span,
                    "`spec` of a PrometheusRule must be a mapping with a `groups` list",
                );
                return;
            }
        } else {
            self.fields(
                found.holder,
                Place {
                    what: "rule file",
                    fields: FILE_FIELDS,
                    crd: false,
                },
            );
        }
        self.duplicate_keys(found.holder);
        let Some(groups) = found.groups else {
            let span = first_key_span(found.holder);
            let where_ = if crd {
                "`spec` of the PrometheusRule"
            } else {
                "the rule file"
            };
            self.report(
                span,
                format!("missing `groups`: {where_} has no `groups` list"),
            )
            .help = Some("list the rule groups under a `groups:` key".into());
            return;
        };
        if groups.is_null() {
            return;
        }
        let Some(items) = groups.as_sequence() else {
            // In a plain file the field check has said so already.
            if crd {
                self.wrong_type(groups, "`groups`", "a list of groups");
            }
            return;
        };
        for group in items {
            self.group(group.resolved(), crd);
        }
    }

    fn wrong_type(&mut self, node: &Node, what: &str, expected: &str) {
        let found = node.kind_name();
        self.report(
            node.span.clone(),
            format!("{what} must be {expected}, found a {found}"),
        );
    }

    fn group(&mut self, group: &Node, crd: bool) {
        if group.as_mapping().is_none() {
            self.wrong_type(group, "a group", "a mapping with `name` and `rules`");
            return;
        }
        self.duplicate_keys(group);
        self.fields(
            group,
            Place {
                what: "group",
                fields: GROUP_FIELDS,
                crd,
            },
        );
        self.group_name(group);
        if let Some(labels) = value_of(group, "labels") {
            self.label_names(labels, "label");
        }
        if let Some(rules) = value_of(group, "rules") {
            if let Some(items) = rules.as_sequence() {
                for rule in items {
                    self.rule(rule.resolved());
                }
            }
        }
    }

    fn group_name(&mut self, group: &Node) {
        let entry = entry_of(group, "name");
        let name = entry
            .and_then(|e| e.value.as_scalar())
            .filter(|s| !s.is_null());
        match name {
            Some(name) if !name.value.is_empty() => {
                let span = entry.map(|e| e.value.span.clone()).unwrap_or_default();
                if let Some(first) = self.group_names.get(&name.value).cloned() {
                    self.report(
                        span,
                        format!("groupname: \"{}\" is repeated in the same file", name.value),
                    )
                    .with_label_mut(first, "first defined here")
                    .help = Some(
                        "group names must be unique within a file: rename one of the groups".into(),
                    );
                } else {
                    self.group_names.insert(name.value.clone(), span);
                }
            }
            _ if entry.is_some_and(|e| e.value.as_scalar().is_none()) => {}
            _ => {
                let span = entry
                    .map(|e| e.key.span.clone())
                    .unwrap_or_else(|| first_key_span(group));
                self.report(span, "Groupname must not be empty").help =
                    Some("give the group a `name:` that is unique in the file".into());
            }
        }
    }

    fn rule(&mut self, rule: &Node) {
        if rule.as_mapping().is_none() {
            self.wrong_type(
                rule,
                "a rule",
                "a mapping with `alert` or `record` and `expr`",
            );
            return;
        }
        self.duplicate_keys(rule);
        self.fields(
            rule,
            Place {
                what: "rule",
                fields: RULE_FIELDS,
                crd: false,
            },
        );
        let text_of = |key: &str| -> Option<(&Entry, String)> {
            let entry = entry_of(rule, key)?;
            let scalar = entry.value.as_scalar()?;
            let text = if scalar.is_null() {
                String::new()
            } else {
                scalar.value.clone()
            };
            Some((entry, text))
        };
        let alert = text_of("alert").filter(|(_, t)| !t.is_empty());
        let record = text_of("record").filter(|(_, t)| !t.is_empty());
        match (&alert, &record) {
            (Some((alert_entry, _)), Some((record_entry, _))) => {
                self.report(
                    record_entry.key.span.clone(),
                    "only one of 'record' and 'alert' must be set",
                )
                .with_label_mut(alert_entry.key.span.clone(), "`alert` is set here too")
                .help = Some("a rule either records a series (`record`) or fires an alert (`alert`): split it into two rules".into());
            }
            // A non-scalar `alert`/`record` is already a type error.
            (None, None)
                if value_of(rule, "alert").is_none_or(|n| n.as_scalar().is_some())
                    && value_of(rule, "record").is_none_or(|n| n.as_scalar().is_some()) =>
            {
                self.report(first_key_span(rule), "one of 'record' or 'alert' must be set")
                    .help = Some("add `alert: <AlertName>` for an alerting rule or `record: <metric_name>` for a recording rule".into());
            }
            _ => {}
        }
        self.expr_present(rule);
        if let (None, Some((record_entry, name))) = (&alert, &record) {
            self.recording_rule(rule, record_entry, name);
        }
        if let Some(labels) = value_of(rule, "labels") {
            self.label_names(labels, "label");
        }
        if let Some(annotations) = value_of(rule, "annotations") {
            self.label_names(annotations, "annotation");
        }
    }

    fn has_misspelt(&self, rule: &Node, field: &str) -> bool {
        rule.entries().any(|e| {
            e.key
                .as_str()
                .is_some_and(|k| k != field && closest_field(k, RULE_FIELDS) == Some(field))
        })
    }

    fn expr_present(&mut self, rule: &Node) {
        match entry_of(rule, "expr") {
            // A misspelt `expr` is reported as such, with the fix.
            None if self.has_misspelt(rule, "expr") => {}
            None => {
                self.report(first_key_span(rule), "field 'expr' must be set in rule")
                    .help =
                    Some("add the PromQL expression the rule evaluates: `expr: <query>`".into());
            }
            Some(entry) => {
                let Some(scalar) = entry.value.as_scalar() else {
                    return;
                };
                if scalar.is_null() || scalar.value.trim().is_empty() {
                    self.report(entry.key.span.clone(), "field 'expr' must be set in rule")
                        .help = Some(
                        "the expression is empty: write the PromQL query the rule evaluates".into(),
                    );
                }
            }
        }
    }

    fn recording_rule(&mut self, rule: &Node, record: &Entry, name: &str) {
        let value_span = record.value.span.clone();
        if name.contains(['{', '}']) {
            self.report(
                value_span.clone(),
                format!("braces present in the recording rule name; should it be in expr?: {name}"),
            )
            .help = Some("a recording rule name is a metric name: move label matchers into `expr` and labels into `labels`".into());
        } else {
            match metric_name_verdict(name) {
                NameVerdict::Valid => {}
                verdict => {
                    let d = self.name_problem(
                        value_span,
                        verdict,
                        format!("invalid recording rule name: {name}"),
                    );
                    d.help = Some(
                        "recording rule names should match [a-zA-Z_:][a-zA-Z0-9_:]*, by convention level:metric:operations, e.g. job:http_requests:rate5m".into(),
                    );
                }
            }
        }
        for (key, what) in [("for", "for"), ("keep_firing_for", "keep_firing_for")] {
            if let Some(entry) = entry_of(rule, key) {
                let non_zero = entry
                    .value
                    .as_scalar()
                    .filter(|s| !s.is_null())
                    .is_some_and(|s| parse_duration(&s.value).map(|ms| ms != 0).unwrap_or(false));
                if non_zero {
                    self.report(
                        entry.key.span.clone(),
                        format!("invalid field '{what}' in recording rule"),
                    )
                    .help = Some(format!(
                        "`{what}` only applies to alerting rules: remove it"
                    ));
                }
            }
        }
        if let Some(entry) = entry_of(rule, "annotations") {
            if entry.value.as_mapping().is_some_and(|m| !m.is_empty()) {
                self.report(
                    entry.key.span.clone(),
                    "invalid field 'annotations' in recording rule",
                )
                .help = Some(
                    "annotations only apply to alerting rules: remove them, or use labels".into(),
                );
            }
        }
    }

    /// Reports an invalid name; one valid under UTF-8 only is a warning by default and an
    /// error under the legacy scheme (see [`Finding::under`]).
    fn name_problem(
        &mut self,
        span: Span,
        verdict: NameVerdict,
        message: String,
    ) -> &mut Diagnostic {
        let annotation = message.starts_with("invalid annotation name");
        let when = match verdict {
            NameVerdict::Utf8Only if annotation => When::LegacyOnly,
            NameVerdict::Utf8Only => When::Utf8OnlyName,
            _ => When::Always,
        };
        self.whens.push(when);
        self.emitter.report(span, message)
    }

    fn label_names(&mut self, mapping: &Node, what: &'static str) {
        if has_merge_key(mapping) {
            for entry in merged_entries(mapping) {
                self.label_name(entry, what);
            }
        } else {
            // No list to build: most label mappings merge nothing.
            for entry in mapping.entries() {
                self.label_name(entry, what);
            }
        }
    }

    fn label_name(&mut self, entry: &Entry, what: &'static str) {
        let Some(name) = entry.key.as_str() else {
            return;
        };
        let verdict = if what == "label" && name == "__name__" {
            NameVerdict::Invalid
        } else {
            label_name_verdict(name)
        };
        if verdict == NameVerdict::Valid {
            return;
        }
        let d = self.name_problem(
            entry.key.span.clone(),
            verdict,
            format!("invalid {what} name: {name}"),
        );
        d.help = Some(match (what, name) {
            ("label", "__name__") => {
                "`__name__` holds the metric name and cannot be set as a label: remove it".into()
            }
            _ if name.is_empty() => format!("give the {what} a name"),
            _ => format!(
                "{what} names should match [a-zA-Z_][a-zA-Z0-9_]*: try `{}`",
                legacy_spelling(name)
            ),
        });
    }

    fn duplicate_keys(&mut self, mapping: &Node) {
        let pairs: Vec<(Span, Span, String)> = mapping
            .duplicate_keys()
            .into_iter()
            .map(|(first, again)| {
                (
                    first.key.span.clone(),
                    again.key.span.clone(),
                    again.key.as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        for (first, again, key) in pairs {
            self.report(again, format!("mapping key \"{key}\" already defined"))
                .with_label_mut(first, "first defined here")
                .help = Some("Prometheus refuses repeated keys: keep one of them".into());
        }
    }

    fn fields(&mut self, mapping: &Node, place: Place) {
        for entry in mapping.entries() {
            let Some(key) = entry.key.as_str() else {
                continue;
            };
            if key == "<<" {
                self.merge_key(entry, place);
                continue;
            }
            let spec = place.fields.iter().find(|f| f.name == key);
            match spec {
                Some(spec) if spec.dialects.is_empty() => self.field_type(entry, spec, place),
                Some(spec) if place.crd && CRD_GROUP_FIELDS.contains(&key) => {
                    self.field_type(entry, spec, place)
                }
                Some(spec) => {
                    self.under(When::InDialects(spec.dialects), |c| {
                        c.field_type(entry, spec, place)
                    });
                    self.under(When::NotInDialects(spec.dialects), |c| {
                        c.unknown_field(mapping, entry, key, place)
                    });
                }
                None => self.unknown_field(mapping, entry, key, place),
            }
        }
    }

    /// A merge key must name a mapping (or a list of them); its fields are checked where
    /// the anchor is defined.
    fn merge_key(&mut self, entry: &Entry, place: Place) {
        let value = entry.value.resolved();
        let ok = value.as_mapping().is_some()
            || value
                .as_sequence()
                .is_some_and(|items| items.iter().all(|i| i.as_mapping().is_some()));
        if !ok {
            self.wrong_type(
                value,
                &format!("a merge key (`<<`) in a {}", place.what),
                "a mapping",
            );
        }
    }

    fn unknown_field(&mut self, mapping: &Node, entry: &Entry, key: &str, place: Place) {
        let owners = dialects_with(place.fields, key);
        let mut fix = None;
        let help = if let Some(owner) = owners.first() {
            format!(
                "`{key}` is a {} field: run with `--dialect {}` to accept it, or remove it",
                owner.product(),
                owner.as_str()
            )
        } else if let Some(suggestion) = closest_field(key, place.fields) {
            fix = rename_key(mapping, entry, suggestion);
            format!("did you mean `{suggestion}`?")
        } else if place.what == "rule" {
            "rules have `alert` or `record`, `expr`, `for`, `keep_firing_for`, `labels` and `annotations`; put custom keys under `labels` or `annotations`".to_string()
        } else {
            let known: Vec<&str> = place
                .fields
                .iter()
                .filter(|f| f.dialects.is_empty())
                .map(|f| f.name)
                .collect();
            format!("a {} has these fields: {}", place.what, known.join(", "))
        };
        let diagnostic = self.report(
            entry.key.span.clone(),
            format!("unknown field `{key}` in {}", place.what),
        );
        diagnostic.help = Some(help);
        diagnostic.fix = fix;
    }

    fn field_type(&mut self, entry: &Entry, spec: &FieldSpec, place: Place) {
        let value = entry.value.resolved();
        let key = spec.name;
        if value.is_null() {
            return;
        }
        // Only a finding's message needs the field's name quoted: building it for every
        // field read cost 640 instructions a field (2% of a run on 10,000 rules).
        let what = || format!("`{key}`");
        match spec.ty {
            FieldType::String => {
                if value.as_scalar().is_none() {
                    self.wrong_type(value, &what(), "a string");
                }
            }
            FieldType::Duration => self.duration(entry, value, key),
            FieldType::Int => self.int(value, key),
            FieldType::Bool => {
                let ok = value.as_scalar().is_some_and(|s| {
                    s.style == ScalarStyle::Plain
                        && matches!(
                            s.value.to_ascii_lowercase().as_str(),
                            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
                        )
                });
                if !ok {
                    self.report(
                        value.span.clone(),
                        format!("{} must be true or false", what()),
                    );
                }
            }
            FieldType::StringMap => match value.as_mapping() {
                None => self.wrong_type(value, &what(), "a mapping of names to values"),
                Some(entries) => {
                    for e in entries {
                        let v = e.value.resolved();
                        if v.as_scalar().is_none() {
                            let name = e.key.as_str().unwrap_or("?").to_string();
                            self.wrong_type(
                                v,
                                &format!("the value of `{name}` in {}", what()),
                                "a string",
                            );
                        }
                    }
                }
            },
            FieldType::StringList => match value.as_sequence() {
                None => self.wrong_type(value, &what(), "a list of strings"),
                Some(items) => {
                    for item in items {
                        if item.as_scalar().is_none() {
                            self.wrong_type(item, &format!("an item of {}", what()), "a string");
                        }
                    }
                }
            },
            FieldType::Sequence => {
                if value.as_sequence().is_none() {
                    let expected = if place.what == "group" {
                        "a list of rules"
                    } else {
                        "a list of groups"
                    };
                    self.wrong_type(value, &what(), expected);
                }
            }
            FieldType::PartialResponseStrategy => {
                let ok = value
                    .as_str()
                    .is_some_and(|s| matches!(s.to_ascii_lowercase().as_str(), "warn" | "abort"));
                if !ok {
                    self.report(
                        value.span.clone(),
                        format!("{} must be `warn` or `abort`", what()),
                    );
                }
            }
        }
    }

    fn duration(&mut self, entry: &Entry, value: &Node, key: &str) {
        let Some(scalar) = value.as_scalar() else {
            self.wrong_type(value, &format!("`{key}`"), "a duration such as `5m`");
            return;
        };
        if let Err(message) = parse_duration(&scalar.value) {
            let _ = entry;
            self.report(value.span.clone(), format!("invalid `{key}`: {message}"))
                .help = Some(duration_help(&scalar.value));
        }
    }

    fn int(&mut self, value: &Node, key: &str) {
        let Some(scalar) = value.as_scalar() else {
            self.wrong_type(value, &format!("`{key}`"), "an integer");
            return;
        };
        let text = scalar.value.trim();
        let is_int = scalar.style == ScalarStyle::Plain && parse_yaml_int(text).is_some();
        if !is_int {
            self.report(
                value.span.clone(),
                format!(
                    "`{key}` must be an integer, found {}",
                    quote_found(scalar.style, text)
                ),
            )
            .help = Some(format!(
                "write a whole number without quotes, e.g. `{key}: 10`"
            ));
            return;
        }
        if key == "limit" && parse_yaml_int(text).is_some_and(|n| n < 0) {
            let d = self.report(value.span.clone(), "a negative `limit` means no limit");
            d.severity = Severity::Warning;
            d.help = Some(
                "use `limit: 0` (or leave it out) for no limit, or a positive number of series"
                    .into(),
            );
        }
    }
}

/// Extension so a label can be added in the middle of a `report(...)` chain.
trait WithLabelMut {
    fn with_label_mut(&mut self, span: Span, message: &str) -> &mut Self;
}

impl WithLabelMut for Diagnostic {
    fn with_label_mut(&mut self, span: Span, message: &str) -> &mut Self {
        self.labels.push(crate::diagnostic::Label {
            span,
            message: message.to_string(),
        });
        self
    }
}

fn first_key_span(mapping: &Node) -> Span {
    mapping
        .as_mapping()
        .and_then(|entries| entries.first())
        .map(|e| e.key.span.clone())
        .unwrap_or_else(|| mapping.span.start..mapping.span.start)
}

fn quote_found(style: ScalarStyle, text: &str) -> String {
    if style.is_quoted() {
        format!("the string \"{text}\"")
    } else {
        format!("`{text}`")
    }
}

/// YAML integers as Go's yaml.v3 reads them into an int (decimal, `0x`, `0o`, `0b`,
/// signs, `_` separators; a float with no fractional part also decodes).
fn parse_yaml_int(text: &str) -> Option<i64> {
    let cleaned = text.replace('_', "");
    let (negative, digits) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.strip_prefix('+').unwrap_or(&cleaned)),
    };
    let value = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if let Some(bin) = digits.strip_prefix("0b") {
        i64::from_str_radix(bin, 2).ok()?
    } else if let Ok(n) = digits.parse::<i64>() {
        n
    } else {
        let float: f64 = digits.parse().ok()?;
        if float.fract() != 0.0 || !float.is_finite() || float.abs() > i64::MAX as f64 {
            return None;
        }
        float as i64
    };
    Some(if negative { -value } else { value })
}

fn duration_help(text: &str) -> String {
    let trimmed = text.trim();
    if !trimmed.is_empty() && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return format!("add a unit: `{trimmed}s` or `{trimmed}m` (units: ms, s, m, h, d, w, y)");
    }
    for (long, short) in [
        ("minutes", "m"),
        ("minute", "m"),
        ("mins", "m"),
        ("min", "m"),
        ("seconds", "s"),
        ("second", "s"),
        ("secs", "s"),
        ("sec", "s"),
        ("hours", "h"),
        ("hour", "h"),
        ("hr", "h"),
        ("days", "d"),
        ("day", "d"),
    ] {
        if let Some(number) = trimmed.strip_suffix(long) {
            let number = number.trim();
            if !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) {
                return format!("write `{number}{short}`");
            }
        }
    }
    "durations are integers with units, biggest unit first: `30s`, `5m`, `1h30m` (units: ms, s, m, h, d, w, y)".into()
}

/// Renames a misspelt key to the field it is closest to (unsafe: a guess), when the
/// mapping does not have that field already and the key is written without escapes (its
/// text in the file is its value, in any quoting style; a field name needs no quoting).
fn rename_key(mapping: &Node, entry: &Entry, field: &'static str) -> Option<crate::fix::Fix> {
    if mapping.get(field).is_some() {
        return None;
    }
    let scalar = entry.key.as_scalar()?;
    let span = scalar.span_of(0..scalar.value.len());
    if span.len() != scalar.value.len() || entry.key.is_alias() {
        return None;
    }
    crate::fix::Fix::new(
        format!("Rename `{}` to `{field}`", scalar.value),
        crate::fix::Applicability::Unsafe,
        vec![crate::fix::Edit::new(span, field)],
    )
}

/// The Prometheus field closest to a misspelt one, if close enough to be a typo.
fn closest_field(key: &str, fields: &[FieldSpec]) -> Option<&'static str> {
    let lower = key.to_ascii_lowercase();
    fields
        .iter()
        .filter(|f| f.dialects.is_empty())
        .map(|f| {
            (
                f.name,
                strsim::jaro_winkler(&lower, f.name),
                strsim::levenshtein(&lower, f.name),
            )
        })
        .filter(|(name, jw, lev)| *jw >= 0.85 || *lev <= 2.min(name.len() / 2))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(name, _, _)| name)
}

/// A legacy-scheme spelling of a name: invalid characters become `_`.
fn legacy_spelling(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_get_a_suggestion() {
        assert_eq!(closest_field("expresion", RULE_FIELDS), Some("expr"));
        assert_eq!(
            closest_field("annotation", RULE_FIELDS),
            Some("annotations")
        );
        assert_eq!(closest_field("lables", RULE_FIELDS), Some("labels"));
        assert_eq!(closest_field("intervall", GROUP_FIELDS), Some("interval"));
        assert_eq!(closest_field("severity", RULE_FIELDS), None);
    }

    #[test]
    fn yaml_ints() {
        assert_eq!(parse_yaml_int("10"), Some(10));
        assert_eq!(parse_yaml_int("-3"), Some(-3));
        assert_eq!(parse_yaml_int("0x10"), Some(16));
        assert_eq!(parse_yaml_int("5.0"), Some(5));
        assert_eq!(parse_yaml_int("5.5"), None);
        assert_eq!(parse_yaml_int("ten"), None);
    }

    /// The field type messages, each built only when it is reported: every kind of
    /// field type names its field the same way.
    #[test]
    fn field_type_messages_name_the_field() {
        let text = "groups:\n  - name: [g]\n    debug: maybe\n    headers: [a, {b: c}]\n    \
                    params: {p: [x]}\n    partial_response_strategy: never\n    rules: 5\n";
        let file = crate::source::SourceFile::new("t.yml", text);
        let documents = crate::yaml::parse_documents(&file).expect("valid YAML");
        let messages: Vec<String> = collect(&documents)
            .into_iter()
            .map(|finding| finding.diagnostic.message)
            .collect();
        for expected in [
            "`name` must be a string, found a sequence",
            "`debug` must be true or false",
            "an item of `headers` must be a string, found a mapping",
            "the value of `p` in `params` must be a string, found a sequence",
            "`partial_response_strategy` must be `warn` or `abort`",
            "`rules` must be a list of rules, found a string",
        ] {
            assert!(
                messages.iter().any(|m| m == expected),
                "{expected:?} not in {messages:#?}"
            );
        }
    }

    #[test]
    fn duration_hints() {
        assert!(duration_help("5").contains("`5s`"));
        assert!(duration_help("5min").contains("`5m`"));
    }
}
