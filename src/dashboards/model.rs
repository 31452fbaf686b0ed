//! The normalised dashboard model: every form Grafana stores (classic, legacy rows, v2
//! elements, library panels from `__elements`) becomes the same dashboard -> panels ->
//! targets tree, with variables and annotations, each node with its file span.

use super::json::Text;
use crate::source::Span;

/// How the dashboard was stored; reported in messages, never used to gate checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// The dashboard object at the top level.
    Classic,
    /// A classic dashboard exported for sharing (`__inputs`, `__requires`, `__elements`).
    Export,
    /// `{"dashboard": {...}, "meta"|"folderUid"|"overwrite"|...}` as the HTTP API uses.
    ApiEnvelope,
    /// `dashboard.grafana.app/v0alpha1|v1...` resource with a classic `spec`.
    ResourceClassic { api_version: String },
    /// `dashboard.grafana.app/v2...` resource with a v2 `spec`.
    ResourceV2 { api_version: String },
    /// The v2 spec itself (`elements` + `layout` at the top level).
    BareV2,
}

impl Shape {
    pub fn describe(&self) -> String {
        match self {
            Shape::Classic => "classic dashboard".into(),
            Shape::Export => "exported dashboard".into(),
            Shape::ApiEnvelope => "HTTP API envelope".into(),
            Shape::ResourceClassic { api_version } | Shape::ResourceV2 { api_version } => {
                format!("{api_version} resource")
            }
            Shape::BareV2 => "v2 dashboard spec".into(),
        }
    }
}

/// A datasource reference as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasourceRef {
    /// `null`, absent-but-explicit, or the legacy `"default"` string.
    Default { span: Span },
    /// A legacy string: a datasource name, a `$variable`, `-- Mixed --`, `${DS_X}`...
    Name(Text),
    /// `{"type": ..., "uid": ...}` (either may be missing); v2 `{group, datasource.name}`.
    Object {
        span: Span,
        uid: Option<Text>,
        plugin: Option<Text>,
    },
}

impl DatasourceRef {
    pub fn span(&self) -> Span {
        match self {
            DatasourceRef::Default { span } | DatasourceRef::Object { span, .. } => span.clone(),
            DatasourceRef::Name(text) => text.span.clone(),
        }
    }

    /// The uid or name the reference selects, when it selects one.
    pub fn key(&self) -> Option<&Text> {
        match self {
            DatasourceRef::Default { .. } => None,
            DatasourceRef::Name(text) => Some(text),
            DatasourceRef::Object { uid, .. } => uid.as_ref(),
        }
    }

    pub fn plugin(&self) -> Option<&str> {
        match self {
            DatasourceRef::Object { plugin, .. } => plugin.as_ref().map(|p| p.value.as_str()),
            _ => None,
        }
    }

    /// `-- Mixed --`: each target names its own datasource.
    pub fn is_mixed(&self) -> bool {
        self.key().is_some_and(|k| k.value == "-- Mixed --")
            || self.plugin() == Some("datasource")
                && self.key().is_some_and(|k| k.value.contains("Mixed"))
    }
}

/// A number as written (ids, `panelId`), with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub value: f64,
    pub raw: String,
    pub span: Span,
}

/// One query of a panel (classic `targets[]`, v2 `data.spec.queries[]`).
#[derive(Debug, Clone, Default)]
pub struct Target {
    pub span: Span,
    pub ref_id: Option<Text>,
    pub expr: Option<Text>,
    pub legend_format: Option<Text>,
    /// `format`: `time_series` (Grafana's default), `table` or `heatmap`.
    pub format: Option<Text>,
    pub datasource: Option<DatasourceRef>,
    pub interval: Option<Text>,
    /// Deprecated fields, present or not.
    pub interval_factor: Option<Span>,
    pub step: Option<Span>,
    /// Reuses another panel's results.
    pub panel_id: Option<Number>,
    pub hide: bool,
    /// v2 `DataQuery.group` or classic target `datasource.type` folded in by the builder.
    pub plugin_hint: Option<String>,
    /// Other target keys that hold text a variable could be used in (`query`, `target`...).
    pub other_strings: Vec<Text>,
}

/// A panel wherever it lived.
#[derive(Debug, Clone, Default)]
pub struct Panel {
    pub span: Span,
    pub id: Option<Number>,
    pub title: Option<Text>,
    pub description: Option<Text>,
    pub kind: Option<Text>,
    pub datasource: Option<DatasourceRef>,
    pub targets: Vec<Target>,
    /// `fieldConfig.defaults.unit`.
    pub unit: Option<Text>,
    /// Legacy graph `yaxes[].format` units.
    pub legacy_units: Vec<Text>,
    /// Units set by overrides: the panel mixes units, so unit checks stay silent.
    pub has_unit_overrides: bool,
    pub repeat: Option<Text>,
    /// Variables this panel is repeated over (its own `repeat`, its row's): each copy
    /// sees one value of them.
    pub repeat_scope: Vec<String>,
    /// A row panel (holds no queries of its own).
    pub is_row: bool,
    /// The body lives in a library the file does not include.
    pub unresolved_library: Option<Text>,
    /// v2 element name.
    pub element: Option<String>,
}

/// A template variable (`templating.list[]`, v2 `variables[]`).
#[derive(Debug, Clone, Default)]
pub struct Variable {
    pub span: Span,
    pub name: Option<Text>,
    /// `query`, `custom`, `interval`, `datasource`, `constant`, `textbox`, `adhoc`, ...
    pub kind: String,
    /// The query text (query variables), values (custom), plugin id (datasource)...
    pub query: Option<Text>,
    pub datasource: Option<DatasourceRef>,
    pub regex: Option<Text>,
    pub multi: bool,
    pub include_all: bool,
    /// The multi/includeAll flags' spans, for labels.
    pub multi_span: Option<Span>,
    pub current: Vec<String>,
    pub options: Vec<String>,
    pub all_value: Option<String>,
}

impl Variable {
    pub fn name(&self) -> Option<&str> {
        self.name.as_ref().map(|n| n.value.as_str())
    }

    /// Several values can be substituted at once: `label="$var"` breaks.
    pub fn is_multi_valued(&self) -> bool {
        self.multi || self.include_all
    }

    /// The value the variable most likely has when a query runs.
    pub fn sample_value(&self) -> Option<&str> {
        self.current
            .iter()
            .chain(self.options.iter())
            .map(String::as_str)
            .find(|v| !v.is_empty() && *v != "$__all")
    }
}

/// An annotation query (`annotations.list[]`).
#[derive(Debug, Clone, Default)]
pub struct Annotation {
    pub span: Span,
    pub name: Option<Text>,
    pub datasource: Option<DatasourceRef>,
    pub expr: Option<Text>,
    pub enabled: bool,
    /// The built-in "Annotations & Alerts" entry.
    pub builtin: bool,
}

/// An `__inputs` entry of an export.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: Text,
    pub kind: Option<String>,
    pub plugin: Option<String>,
}

/// A structural problem: the schema check reports these.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

/// Something not linted, for an info.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub span: Span,
    pub message: String,
}

/// One dashboard.
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    pub shape: Option<Shape>,
    pub span: Span,
    pub title: Option<Text>,
    pub uid: Option<Text>,
    pub description: Option<Text>,
    pub editable: Option<(bool, Span)>,
    pub panels: Vec<Panel>,
    pub variables: Vec<Variable>,
    pub annotations: Vec<Annotation>,
    pub inputs: Vec<Input>,
    /// Every string anywhere in the dashboard that may hold variable references, with the
    /// index of the variable it belongs to when it sits in a variable's definition.
    pub strings: Vec<(Text, Option<usize>)>,
    /// Values of every `repeat` key (panels and rows repeat over a variable by name).
    pub repeats: Vec<String>,
    /// A link passes the variables on (`includeVars`, `$__all_variables`): a variable
    /// may serve the linked dashboard.
    pub passes_variables_on: bool,
    pub problems: Vec<Problem>,
    pub skipped: Vec<Skipped>,
    /// `ConfigMap` data key the dashboard came from.
    pub embedded_in: Option<String>,
}

impl Dashboard {
    pub fn title(&self) -> &str {
        self.title.as_ref().map(|t| t.value.as_str()).unwrap_or("")
    }

    pub fn variable(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name() == Some(name))
    }

    /// Every panel that can carry queries (rows excluded).
    pub fn query_panels(&self) -> impl Iterator<Item = &Panel> {
        self.panels.iter().filter(|p| !p.is_row)
    }
}
