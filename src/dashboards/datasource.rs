//! Which query language a target speaks, decided from its datasource: target -> panel
//! (unless `-- Mixed --`) -> dashboard default, and through a datasource variable to its
//! plugin id. Never from the panel type.

use super::model::{Dashboard, DatasourceRef, Panel, Target};
use super::refs;

/// The language of a query, as far as the dashboard tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Language {
    /// A Prometheus (or Prometheus-compatible) datasource.
    PromQL,
    /// Probably Prometheus: nothing names the datasource (the default one) or it is a
    /// name we cannot resolve, and the query has an `expr`.
    LikelyPromQL,
    /// Something else: Loki, server-side expressions, `-- Grafana --`, `-- Dashboard --`...
    Other(String),
}

impl Language {
    pub fn is_promql(&self) -> bool {
        matches!(self, Language::PromQL | Language::LikelyPromQL)
    }
}

/// Plugin ids whose query language is PromQL.
pub fn is_prometheus_plugin(plugin: &str) -> bool {
    matches!(
        plugin,
        "prometheus" | "grafana-amazonprometheus-datasource" | "grafana-azureprometheus-datasource"
    )
}

/// The language of a target of a panel.
pub fn target_language(dashboard: &Dashboard, panel: Option<&Panel>, target: &Target) -> Language {
    if let Some(plugin) = &target.plugin_hint {
        return of_plugin(plugin);
    }
    let panel_ref = panel.and_then(|p| p.datasource.as_ref());
    let reference = match &target.datasource {
        Some(DatasourceRef::Default { .. }) | None => panel_ref.filter(|p| !p.is_mixed()),
        Some(own) => Some(own),
    };
    match reference {
        Some(reference) => of_ref(dashboard, reference),
        None => Language::LikelyPromQL,
    }
}

/// The language a datasource reference selects.
pub fn of_ref(dashboard: &Dashboard, reference: &DatasourceRef) -> Language {
    if let Some(plugin) = reference.plugin() {
        // `{"type": "datasource", "uid": "-- Dashboard --"}` and friends.
        if plugin != "datasource" || reference.key().is_none() {
            return of_plugin(plugin);
        }
    }
    let Some(key) = reference.key() else {
        return Language::LikelyPromQL;
    };
    of_name(dashboard, &key.value)
}

fn of_name(dashboard: &Dashboard, name: &str) -> Language {
    match name {
        "-- Grafana --" | "grafana" => return Language::Other("grafana".into()),
        "-- Dashboard --" => return Language::Other("dashboard".into()),
        "-- Mixed --" => return Language::Other("mixed".into()),
        "__expr__" => return Language::Other("__expr__".into()),
        _ => {}
    }
    let found = refs::find(name);
    if let [reference] = found.as_slice() {
        if reference.range.len() == name.len() {
            if let Some(variable) = dashboard.variable(&reference.name) {
                if variable.kind == "datasource" {
                    return match variable.query.as_ref() {
                        Some(plugin) => of_plugin(&plugin.value),
                        None => Language::LikelyPromQL,
                    };
                }
            }
            if let Some(input) = dashboard
                .inputs
                .iter()
                .find(|i| i.name.value == reference.name)
            {
                if let Some(plugin) = &input.plugin {
                    return of_plugin(plugin);
                }
            }
            return Language::LikelyPromQL;
        }
    }
    // A plain datasource name: only its wording hints at the plugin.
    let lower = name.to_ascii_lowercase();
    for other in [
        "loki",
        "elasticsearch",
        "influx",
        "graphite",
        "tempo",
        "mysql",
        "postgres",
        "cloudwatch",
    ] {
        if lower.contains(other) {
            return Language::Other(other.into());
        }
    }
    Language::LikelyPromQL
}

/// The language of a plugin id.
pub fn of_plugin(plugin: &str) -> Language {
    if is_prometheus_plugin(plugin) {
        Language::PromQL
    } else {
        Language::Other(plugin.to_string())
    }
}
