//! Rule-file dialects: the fields Thanos, vmalert and Mimir add to Prometheus' format.

use clap::ValueEnum;

/// Which rule evaluator the files are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Dialect {
    #[default]
    Prometheus,
    Thanos,
    Vmalert,
    Mimir,
}

impl Dialect {
    pub fn as_str(self) -> &'static str {
        match self {
            Dialect::Prometheus => "prometheus",
            Dialect::Thanos => "thanos",
            Dialect::Vmalert => "vmalert",
            Dialect::Mimir => "mimir",
        }
    }

    /// The product name used in messages.
    pub fn product(self) -> &'static str {
        match self {
            Dialect::Prometheus => "Prometheus",
            Dialect::Thanos => "Thanos Ruler",
            Dialect::Vmalert => "vmalert",
            Dialect::Mimir => "Grafana Mimir",
        }
    }
}

/// What a field's value must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Any scalar, read as text.
    String,
    /// A Prometheus duration (`5m`, `1h30m`, `0`).
    Duration,
    /// An integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// A mapping of scalars to scalars (labels, annotations, params).
    StringMap,
    /// A sequence of scalars.
    StringList,
    /// A sequence of groups or rules (validated on its own).
    Sequence,
    /// Thanos' `warn` / `abort`.
    PartialResponseStrategy,
}

/// A field a group or rule may have, and which dialects know it (empty: all).
#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub ty: FieldType,
    pub dialects: &'static [Dialect],
}

impl FieldSpec {
    pub fn allowed_in(&self, dialect: Dialect) -> bool {
        self.dialects.is_empty() || self.dialects.contains(&dialect)
    }
}

const fn field(name: &'static str, ty: FieldType) -> FieldSpec {
    FieldSpec {
        name,
        ty,
        dialects: &[],
    }
}

const fn only(name: &'static str, ty: FieldType, dialects: &'static [Dialect]) -> FieldSpec {
    FieldSpec { name, ty, dialects }
}

use Dialect::{Mimir, Thanos, Vmalert};
use FieldType::*;

/// Top-level fields of a plain rule file.
pub const FILE_FIELDS: &[FieldSpec] = &[
    field("groups", Sequence),
    only("namespace", String, &[Mimir]),
];

/// Fields of a rule group.
pub const GROUP_FIELDS: &[FieldSpec] = &[
    field("name", String),
    field("interval", Duration),
    field("query_offset", Duration),
    field("limit", Int),
    field("labels", StringMap),
    field("rules", Sequence),
    only(
        "partial_response_strategy",
        PartialResponseStrategy,
        &[Thanos],
    ),
    only("concurrency", Int, &[Vmalert]),
    only("type", String, &[Vmalert]),
    only("eval_offset", Duration, &[Vmalert]),
    only("eval_delay", Duration, &[Vmalert]),
    only("eval_alignment", Bool, &[Vmalert]),
    only("params", StringMap, &[Vmalert]),
    only("headers", StringList, &[Vmalert]),
    only("notifier_headers", StringList, &[Vmalert]),
    only("tenant", String, &[Vmalert]),
    only("debug", Bool, &[Vmalert]),
    only("source_tenants", StringList, &[Mimir]),
    only("evaluation_delay", Duration, &[Mimir]),
    only("align_evaluation_time_on_interval", Bool, &[Mimir]),
];

/// Fields of a rule.
pub const RULE_FIELDS: &[FieldSpec] = &[
    field("record", String),
    field("alert", String),
    field("expr", String),
    field("for", Duration),
    field("keep_firing_for", Duration),
    field("labels", StringMap),
    field("annotations", StringMap),
    only("debug", Bool, &[Vmalert]),
    only("update_entries_limit", Int, &[Vmalert]),
];

/// Group fields the prometheus-operator `PrometheusRule` CRD knows beyond Prometheus'
/// own (it carries Thanos Ruler's strategy whatever the dialect).
pub const CRD_GROUP_FIELDS: &[&str] = &["partial_response_strategy"];

/// The dialects that define a field of this table, for "this is a vmalert field" hints.
pub fn dialects_with(fields: &[FieldSpec], name: &str) -> Vec<Dialect> {
    fields
        .iter()
        .filter(|f| f.name == name)
        .flat_map(|f| f.dialects.iter().copied())
        .collect()
}
