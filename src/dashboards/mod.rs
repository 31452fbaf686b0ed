//! Grafana dashboards: JSON parsed with positions, every storage shape recognised by its
//! structure (never by `schemaVersion`), normalised into one model, and the slot-aware
//! variable expansion that turns a templated query into PromQL our parser can check.

mod build;
pub mod configmap;
pub mod datasource;
pub mod expand;
pub mod json;
pub mod model;
pub mod queries;
pub mod refs;
pub mod scan;
mod v2;

pub use json::{JsonError, JsonText, Text};
pub use model::*;

use crate::source::{OffsetMap, SourceFile, Span};
use build::Builder;
use json::member;
use jsonc_parser::ast::{Object, Value};

/// What loading a JSON text produced.
#[derive(Debug, Default)]
pub struct Loaded {
    pub dashboards: Vec<Dashboard>,
    /// File-level problems: JSON syntax errors, a document that is no dashboard.
    pub problems: Vec<Problem>,
    /// The text looked like a dashboard (even a broken one); discovery uses this to tell a
    /// dashboard from other JSON.
    pub recognised: bool,
}

/// A file's dashboards, each with its PromQL queries found, expanded and parsed once.
#[derive(Debug, Default)]
pub struct DashboardFile {
    pub dashboards: Vec<(Dashboard, Vec<queries::Query>)>,
    /// File-level problems (invalid JSON, no dashboard): `dashboard/schema`.
    pub problems: Vec<Problem>,
}

impl DashboardFile {
    pub fn new(loaded: Loaded) -> DashboardFile {
        DashboardFile {
            dashboards: loaded
                .dashboards
                .into_iter()
                .map(|dashboard| {
                    let queries = queries::find(&dashboard);
                    (dashboard, queries)
                })
                .collect(),
            problems: loaded.problems,
        }
    }
}

/// Loads a `.json` file.
pub fn load_file(file: &SourceFile) -> Loaded {
    load(JsonText::file(&file.text), file.text.len())
}

/// Loads a dashboard embedded in another file (a ConfigMap's `data` value): `text` is the
/// decoded string, `map` its decoded byte -> file byte map.
pub fn load_embedded(text: &str, map: &OffsetMap, key: &str) -> Loaded {
    let mut loaded = load(JsonText::embedded(text, map), map.to_file(text.len()));
    for dashboard in &mut loaded.dashboards {
        dashboard.embedded_in = Some(key.to_string());
    }
    loaded
}

fn load(json: JsonText<'_>, end: usize) -> Loaded {
    let mut loaded = Loaded::default();
    let root = match json.parse() {
        Ok(Some(root)) => root,
        Ok(None) => {
            loaded.problems.push(Problem {
                span: 0..end,
                message: "empty file: expected a Grafana dashboard".into(),
                help: None,
            });
            return loaded;
        }
        Err(error) => {
            loaded.recognised = true;
            loaded.problems.push(Problem {
                span: error.span.clone(),
                message: format!("invalid JSON: {}", error.message),
                help: Some("Grafana cannot import a file that is not strict JSON (no comments, no trailing commas)".into()),
            });
            return loaded;
        }
    };
    let Value::Object(object) = &root else {
        loaded.problems.push(Problem {
            span: json.span(json::range_of(&root)),
            message: format!(
                "expected a Grafana dashboard object, found {}",
                json::kind_name(&root)
            ),
            help: None,
        });
        return loaded;
    };
    let Some((shape, body)) = detect(object, &root) else {
        loaded.problems.push(Problem {
            span: json.span(object.range),
            message: "not a Grafana dashboard: no `panels`, `rows`, `templating`, `elements` or `dashboard` key".into(),
            help: Some("a dashboard is the JSON model Grafana shows under \"Dashboard settings > JSON Model\"".into()),
        });
        return loaded;
    };
    loaded.recognised = true;
    let mut builder = Builder::new(json);
    let Value::Object(body_object) = body else {
        return loaded;
    };
    if matches!(shape, Shape::ResourceV2 { .. }) || is_v2(body_object) {
        builder.v2(body_object, body);
    } else {
        builder.classic(body_object, body);
    }
    builder.dashboard.shape = Some(shape);
    loaded.dashboards.push(builder.dashboard);
    loaded
}

const CLASSIC_KEYS: &[&str] = &["panels", "rows", "templating", "schemaVersion"];

fn is_classic(object: &Object<'_>) -> bool {
    CLASSIC_KEYS.iter().any(|key| object.get(key).is_some())
}

fn is_v2(object: &Object<'_>) -> bool {
    object.get("elements").is_some() && object.get("layout").is_some()
}

/// Recognises the storage shape and returns the dashboard body.
fn detect<'v, 'a>(object: &'v Object<'a>, root: &'v Value<'a>) -> Option<(Shape, &'v Value<'a>)> {
    if let (Some(api_version), Some(spec @ Value::Object(spec_object))) =
        (object.get_string("apiVersion"), member(object, "spec"))
    {
        let api_version = api_version.value.to_string();
        let version = api_version.rsplit('/').next().unwrap_or("");
        let is_dashboard_api = api_version.starts_with("dashboard.grafana.app/")
            || object
                .get_string("kind")
                .is_some_and(|k| k.value == "Dashboard");
        if is_dashboard_api {
            if is_v2(spec_object) || version.starts_with("v2") || version.starts_with("v3") {
                return Some((Shape::ResourceV2 { api_version }, spec));
            }
            return Some((Shape::ResourceClassic { api_version }, spec));
        }
    }
    if let Some(body @ Value::Object(inner)) = member(object, "dashboard") {
        if is_classic(inner) || is_v2(inner) || inner.get("title").is_some() {
            return Some((Shape::ApiEnvelope, body));
        }
    }
    if is_v2(object) {
        return Some((Shape::BareV2, root));
    }
    if is_classic(object) {
        let export = ["__inputs", "__requires", "__elements"]
            .iter()
            .any(|key| object.get(key).is_some());
        return Some((
            if export {
                Shape::Export
            } else {
                Shape::Classic
            },
            root,
        ));
    }
    None
}

/// Where a finding about a dashboard sits, for diagnostics' context.
pub fn context_of(
    dashboard: &Dashboard,
    panel: Option<&Panel>,
    target: Option<&Target>,
) -> Vec<(&'static str, String)> {
    let mut context = vec![("dashboard", dashboard.title().to_string())];
    if let Some(panel) = panel {
        let title = panel
            .title
            .as_ref()
            .map(|t| t.value.clone())
            .unwrap_or_default();
        context.push(("panel", title));
    }
    if let Some(ref_id) = target.and_then(|t| t.ref_id.as_ref()) {
        context.push(("refId", ref_id.value.clone()));
    }
    context
}

/// A span for a whole node when nothing finer exists.
pub fn first_line(span: &Span) -> Span {
    span.start..span.start + 1
}
