//! The v2 dashboard spec (`elements` + `layout`, `kind`/`spec` pairs everywhere) mapped
//! onto the same model as the classic one.

use super::build::Builder;
use super::json::{kind_name, member, Text};
use super::model::*;
use jsonc_parser::ast::{Object, Value};

impl Builder<'_> {
    pub fn v2(&mut self, spec: &Object<'_>, root: &Value<'_>) {
        self.dashboard.span = self.span_of(root);
        self.dashboard.title = self.text_field(spec, "title", Some("dashboard"));
        self.dashboard.description = self.text_field(spec, "description", None);
        self.dashboard.editable = self.flag(spec, "editable");
        let variables = self.array(spec, "variables", "dashboard");
        for variable in variables {
            self.v2_variable(variable);
        }
        let annotations = self.array(spec, "annotations", "dashboard");
        for annotation in annotations {
            self.v2_annotation(annotation);
        }
        // Elements in layout order first (rows and tabs nest), then any the layout does not
        // place, so every query is linted once.
        let mut order = Vec::new();
        if let Some(layout) = member(spec, "layout") {
            layout_elements(layout, &mut order);
        }
        match member(spec, "elements") {
            Some(Value::Object(elements)) => {
                for prop in &elements.properties {
                    let name = prop.name.as_str();
                    if !order.iter().any(|o| o == name) {
                        order.push(name.to_string());
                    }
                }
                for name in &order {
                    if let Some(element) = member(elements, name) {
                        self.v2_element(name, element);
                    }
                }
            }
            None | Some(Value::NullKeyword(_)) => {}
            Some(other) => {
                let message = format!("`elements` must be an object, found {}", kind_name(other));
                self.dashboard.problems.push(Problem {
                    span: self.span_of(other),
                    message,
                    help: None,
                });
            }
        }
        for (index, variable) in self
            .array(spec, "variables", "dashboard")
            .iter()
            .enumerate()
        {
            self.collect_strings(variable, Some(index));
        }
        for prop in &spec.properties {
            if prop.name.as_str() != "variables" {
                self.collect_strings(&prop.value, None);
            }
        }
    }

    fn v2_element(&mut self, name: &str, element: &Value<'_>) {
        let Value::Object(element_object) = element else {
            let message = format!(
                "element `{name}` must be an object, found {}",
                kind_name(element)
            );
            self.dashboard.problems.push(Problem {
                span: self.span_of(element),
                message,
                help: None,
            });
            return;
        };
        let kind = element_object
            .get_string("kind")
            .map(|k| k.value.to_string());
        let Some(Value::Object(spec)) = member(element_object, "spec") else {
            return;
        };
        let mut panel = Panel {
            span: self.span_of(element),
            id: self.number(spec, "id"),
            title: self.text_field(spec, "title", Some("panel")),
            description: self.text_field(spec, "description", None),
            element: Some(name.to_string()),
            ..Panel::default()
        };
        if kind.as_deref() == Some("LibraryPanel") {
            let label = self.text_field(spec, "title", None);
            panel.unresolved_library = label.clone();
            self.dashboard.skipped.push(Skipped {
                span: label.map(|l| l.span).unwrap_or(panel.span.clone()),
                message: "library panel not linted: its queries live in Grafana's library, not in this file".into(),
            });
            self.dashboard.panels.push(panel);
            return;
        }
        if let Some(Value::Object(viz)) = member(spec, "vizConfig") {
            // v2beta1: `{kind: "VizConfig", group: "timeseries"}`; v2alpha1: `{kind: "timeseries"}`.
            panel.kind = self
                .text_field(viz, "group", None)
                .or_else(|| self.text_field(viz, "kind", None));
            if let Some(Value::Object(viz_spec)) = member(viz, "spec") {
                if let Some(Value::Object(field_config)) = member(viz_spec, "fieldConfig") {
                    if let Some(Value::Object(defaults)) = member(field_config, "defaults") {
                        panel.unit = self
                            .text_field(defaults, "unit", None)
                            .filter(|u| !u.value.is_empty());
                    }
                }
            }
        }
        if let Some(Value::Object(data)) = member(spec, "data") {
            if let Some(Value::Object(data_spec)) = member(data, "spec") {
                for query in self.array(data_spec, "queries", "panel data") {
                    if let Some(target) = self.v2_query(query) {
                        panel.targets.push(target);
                    }
                }
            }
        }
        self.dashboard.panels.push(panel);
    }

    /// A `PanelQuery`: `{kind, spec: {refId, hidden, query: DataQuery, datasource?}}`.
    fn v2_query(&mut self, value: &Value<'_>) -> Option<Target> {
        let Value::Object(query) = value else {
            return None;
        };
        let Some(Value::Object(spec)) = member(query, "spec") else {
            return None;
        };
        let mut target = Target {
            span: self.span_of(value),
            ref_id: self.text_field(spec, "refId", Some("query")),
            hide: self.flag(spec, "hidden").is_some_and(|(h, _)| h),
            datasource: self.datasource(spec, "datasource"),
            ..Target::default()
        };
        let Some(Value::Object(data_query)) = member(spec, "query") else {
            return Some(target);
        };
        let (plugin, datasource) = self.data_query_source(data_query);
        target.plugin_hint = plugin;
        if datasource.is_some() {
            target.datasource = datasource;
        }
        if let Some(Value::Object(payload)) = member(data_query, "spec") {
            target.expr = self.text_field(payload, "expr", Some("query"));
            target.legend_format = self.text_field(payload, "legendFormat", Some("query"));
            target.format = self.text_field(payload, "format", None);
            target.interval = self.text_field(payload, "interval", None);
            target.interval_factor = payload
                .get("intervalFactor")
                .map(|p| self.json.span(p.range));
            target.step = payload.get("step").map(|p| self.json.span(p.range));
        }
        Some(target)
    }

    /// Plugin id and datasource of a `DataQuery` (`{kind: "DataQuery", group, datasource:
    /// {name}}` in v2beta1; `{kind: "<plugin>"}` in v2alpha1).
    fn data_query_source(
        &mut self,
        data_query: &Object<'_>,
    ) -> (Option<String>, Option<DatasourceRef>) {
        let kind = data_query.get_string("kind").map(|k| k.value.to_string());
        let group = data_query.get_string("group").map(|g| g.value.to_string());
        let plugin = group.or(kind.filter(|k| k != "DataQuery"));
        let datasource = match member(data_query, "datasource") {
            Some(Value::Object(ds)) => {
                let uid = self
                    .text_field(ds, "name", None)
                    .or_else(|| self.text_field(ds, "uid", None));
                let plugin_text = data_query.get_string("group").map(|g| self.json.text(g));
                Some(DatasourceRef::Object {
                    span: self.span_of(member(data_query, "datasource").expect("matched")),
                    uid,
                    plugin: plugin_text,
                })
            }
            _ => None,
        };
        (plugin, datasource)
    }

    fn v2_variable(&mut self, value: &Value<'_>) {
        let span = self.span_of(value);
        let Value::Object(object) = value else {
            self.dashboard.variables.push(Variable {
                span,
                ..Variable::default()
            });
            return;
        };
        let kind = object
            .get_string("kind")
            .map(|k| k.value.to_string())
            .unwrap_or_default();
        let Some(Value::Object(spec)) = member(object, "spec") else {
            return;
        };
        let mut variable = Variable {
            span: span.clone(),
            name: self.text_field(spec, "name", Some("variable")),
            kind: v2_variable_kind(&kind).to_string(),
            regex: self.text_field(spec, "regex", None),
            all_value: self.text_field(spec, "allValue", None).map(|t| t.value),
            ..Variable::default()
        };
        variable.query = match member(spec, "query") {
            Some(Value::Object(data_query)) => {
                let (plugin, datasource) = self.data_query_source(data_query);
                variable.datasource = datasource.or_else(|| {
                    plugin.map(|p| DatasourceRef::Object {
                        span: span.clone(),
                        uid: None,
                        plugin: Some(Text {
                            value: p,
                            span: span.clone(),
                            map: crate::source::OffsetMap::identity(span.start, 0),
                        }),
                    })
                });
                match member(data_query, "spec") {
                    Some(Value::Object(payload)) => self
                        .text_field(payload, "__legacyStringValue", None)
                        .or_else(|| self.text_field(payload, "query", None))
                        .or_else(|| self.text_field(payload, "expr", None)),
                    _ => None,
                }
            }
            _ => self.text_field(spec, "query", None),
        };
        if variable.kind == "datasource" {
            variable.query = self.text_field(spec, "pluginId", None);
        }
        if let Some((multi, flag_span)) = self.flag(spec, "multi") {
            variable.multi = multi;
            if multi {
                variable.multi_span = Some(flag_span);
            }
        }
        if let Some((all, flag_span)) = self.flag(spec, "includeAll") {
            variable.include_all = all;
            if all && variable.multi_span.is_none() {
                variable.multi_span = Some(flag_span);
            }
        }
        if let Some(Value::Object(current)) = member(spec, "current") {
            variable.current = super::build::values_of(member(current, "value"));
        }
        self.dashboard.variables.push(variable);
    }

    fn v2_annotation(&mut self, value: &Value<'_>) {
        let Value::Object(object) = value else { return };
        let Some(Value::Object(spec)) = member(object, "spec") else {
            return;
        };
        let mut annotation = Annotation {
            span: self.span_of(value),
            name: self.text_field(spec, "name", None),
            datasource: self.datasource(spec, "datasource"),
            enabled: self.flag(spec, "enable").map(|(e, _)| e).unwrap_or(true),
            builtin: self.flag(spec, "builtIn").is_some_and(|(b, _)| b),
            ..Annotation::default()
        };
        if let Some(Value::Object(data_query)) = member(spec, "query") {
            let (_, datasource) = self.data_query_source(data_query);
            if datasource.is_some() {
                annotation.datasource = datasource;
            } else if let Some(group) = data_query
                .get_string("group")
                .or(data_query.get_string("kind"))
            {
                let plugin = self.json.text(group);
                annotation.datasource = Some(DatasourceRef::Object {
                    span: plugin.span.clone(),
                    uid: None,
                    plugin: Some(plugin),
                });
            }
            if let Some(Value::Object(payload)) = member(data_query, "spec") {
                annotation.expr = self.text_field(payload, "expr", Some("annotation"));
            }
        }
        self.dashboard.annotations.push(annotation);
    }
}

fn v2_variable_kind(kind: &str) -> &str {
    match kind {
        "QueryVariable" => "query",
        "CustomVariable" => "custom",
        "IntervalVariable" => "interval",
        "DatasourceVariable" => "datasource",
        "ConstantVariable" => "constant",
        "TextVariable" => "textbox",
        "AdhocVariable" => "adhoc",
        "GroupByVariable" => "groupby",
        "SwitchVariable" => "switch",
        other => other,
    }
}

/// Element names in the order a (possibly nested) layout places them.
fn layout_elements(layout: &Value<'_>, out: &mut Vec<String>) {
    match layout {
        Value::Object(object) => {
            if object
                .get_string("kind")
                .is_some_and(|k| k.value == "ElementReference")
            {
                if let Some(name) = object.get_string("name") {
                    out.push(name.value.to_string());
                }
                return;
            }
            for prop in &object.properties {
                layout_elements(&prop.value, out);
            }
        }
        Value::Array(array) => {
            for element in &array.elements {
                layout_elements(element, out);
            }
        }
        _ => {}
    }
}
