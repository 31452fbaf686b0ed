//! Builds the normalised [`Dashboard`] from a JSON object, for the classic model (with
//! legacy rows, collapsed rows and library panels) and for the v2 spec.
//!
//! Lenient on purpose: `null` where an array is expected, numbers where strings are
//! expected and `current: {}` are what real exports contain, and Grafana loads them. A
//! type that Grafana cannot use becomes a [`Problem`] for `dashboard/schema`, never a
//! failure to load the rest.

use super::json::{kind_name, member, range_of, JsonText, Text};
use super::model::*;
use crate::source::{OffsetMap, Span};
use jsonc_parser::ast::{Object, Value};

pub(crate) struct Builder<'j> {
    pub json: JsonText<'j>,
    pub dashboard: Dashboard,
}

impl<'j> Builder<'j> {
    pub fn new(json: JsonText<'j>) -> Self {
        Builder {
            json,
            dashboard: Dashboard::default(),
        }
    }

    pub fn span_of(&self, value: &Value<'_>) -> Span {
        self.json.span(range_of(value))
    }

    fn problem(&mut self, value: &Value<'_>, message: String) {
        let span = self.span_of(value);
        self.dashboard.problems.push(Problem {
            span,
            message,
            help: None,
        });
    }

    /// A string (or a number, which Grafana coerces) as [`Text`].
    pub fn text(&self, value: &Value<'_>) -> Option<Text> {
        match value {
            Value::StringLit(lit) => Some(self.json.text(lit)),
            Value::NumberLit(lit) => {
                let span = self.json.span(lit.range);
                let map = OffsetMap::identity(span.start, lit.value.len());
                Some(Text {
                    value: lit.value.to_string(),
                    span,
                    map,
                })
            }
            _ => None,
        }
    }

    /// An optional text field. `what` names it in the problem when its type is wrong and
    /// Grafana would fail on it; `None` tolerates any type silently.
    pub fn text_field(
        &mut self,
        object: &Object<'_>,
        key: &str,
        what: Option<&str>,
    ) -> Option<Text> {
        let value = member(object, key)?;
        match value {
            Value::NullKeyword(_) => None,
            Value::StringLit(_) | Value::NumberLit(_) => self.text(value),
            Value::BooleanLit(_) if what.is_none() => None,
            other => {
                if let Some(what) = what {
                    let message = format!(
                        "{what} `{key}` must be a string, found {}",
                        kind_name(other)
                    );
                    self.problem(other, message);
                }
                None
            }
        }
    }

    /// The elements of an optional array field; `null` is an empty array.
    pub fn array<'v, 'a>(
        &mut self,
        object: &'v Object<'a>,
        key: &str,
        what: &str,
    ) -> &'v [Value<'a>] {
        match member(object, key) {
            None | Some(Value::NullKeyword(_)) => &[],
            Some(Value::Array(array)) => &array.elements,
            Some(other) => {
                let message = format!(
                    "{what} `{key}` must be an array, found {}",
                    kind_name(other)
                );
                self.problem(other, message);
                &[]
            }
        }
    }

    pub fn number(&self, object: &Object<'_>, key: &str) -> Option<Number> {
        let value = member(object, key)?;
        let text = match value {
            Value::NumberLit(lit) => lit.value.to_string(),
            Value::StringLit(lit) => lit.value.to_string(),
            _ => return None,
        };
        Some(Number {
            value: text.trim().parse().ok()?,
            raw: text,
            span: self.span_of(value),
        })
    }

    pub fn flag(&self, object: &Object<'_>, key: &str) -> Option<(bool, Span)> {
        let value = member(object, key)?;
        let flag = match value {
            Value::BooleanLit(b) => b.value,
            Value::StringLit(s) => s.value == "true",
            Value::NumberLit(n) => n.value != "0",
            _ => return None,
        };
        Some((flag, self.span_of(value)))
    }

    pub fn datasource(&mut self, object: &Object<'_>, key: &str) -> Option<DatasourceRef> {
        let value = member(object, key)?;
        self.datasource_value(value)
    }

    fn datasource_value(&mut self, value: &Value<'_>) -> Option<DatasourceRef> {
        match value {
            Value::NullKeyword(_) => Some(DatasourceRef::Default {
                span: self.span_of(value),
            }),
            Value::StringLit(lit) => {
                let text = self.json.text(lit);
                if text.value.is_empty() || text.value == "default" {
                    Some(DatasourceRef::Default { span: text.span })
                } else {
                    Some(DatasourceRef::Name(text))
                }
            }
            Value::Object(object) => {
                let uid = self.text_field(object, "uid", None);
                let plugin = self.text_field(object, "type", None);
                Some(DatasourceRef::Object {
                    span: self.span_of(value),
                    uid: uid.filter(|u| !u.value.is_empty()),
                    plugin: plugin.filter(|p| !p.value.is_empty()),
                })
            }
            other => {
                let message = format!(
                    "`datasource` must be a name, an object `{{\"type\", \"uid\"}}` or null, found {}",
                    kind_name(other)
                );
                self.problem(other, message);
                None
            }
        }
    }

    /// Records every string under `value` that may reference a variable.
    pub fn collect_strings(&mut self, value: &Value<'_>, owner: Option<usize>) {
        match value {
            Value::StringLit(lit) => {
                if lit.value.contains("__all_variables") || lit.value.contains("__url_variables") {
                    self.dashboard.passes_variables_on = true;
                }
                if lit.value.contains('$') || lit.value.contains("[[") {
                    let text = self.json.text(lit);
                    self.dashboard.strings.push((text, owner));
                }
            }
            Value::Array(array) => {
                for element in &array.elements {
                    self.collect_strings(element, owner);
                }
            }
            Value::Object(object) => {
                for prop in &object.properties {
                    match (prop.name.as_str(), &prop.value) {
                        ("repeat", Value::StringLit(repeat)) => {
                            self.dashboard.repeats.push(repeat.value.to_string());
                        }
                        ("includeVars", Value::BooleanLit(b)) if b.value => {
                            self.dashboard.passes_variables_on = true;
                        }
                        _ => {}
                    }
                    self.collect_strings(&prop.value, owner);
                }
            }
            _ => {}
        }
    }

    // ---------------------------------------------------------------- classic model

    pub fn classic(&mut self, object: &Object<'_>, root: &Value<'_>) {
        self.dashboard.span = self.span_of(root);
        self.header(object);
        self.inputs(object);
        let library = library_models(object);
        if let Some(templating) = member(object, "templating") {
            match templating {
                Value::Object(templating) => {
                    let list = self.array(templating, "list", "templating");
                    for element in list {
                        self.classic_variable(element);
                    }
                }
                Value::NullKeyword(_) => {}
                other => {
                    let message =
                        format!("`templating` must be an object, found {}", kind_name(other));
                    self.problem(other, message);
                }
            }
        }
        if let Some(Value::Object(annotations)) = member(object, "annotations") {
            let list = self.array(annotations, "list", "annotations");
            for element in list {
                self.classic_annotation(element);
            }
        }
        let panels = self.array(object, "panels", "dashboard");
        self.classic_panels(panels, &library, None);
        let rows = self.array(object, "rows", "dashboard");
        for row in rows {
            let Value::Object(row_object) = row else {
                let message = format!("a row must be an object, found {}", kind_name(row));
                self.problem(row, message);
                continue;
            };
            if is_repeat_clone(row_object) {
                continue;
            }
            let panels = self.array(row_object, "panels", "row");
            let repeat = row_object.get_string("repeat").map(|r| r.value.to_string());
            self.classic_panels(
                panels,
                &library,
                repeat.as_deref().filter(|r| !r.is_empty()),
            );
        }
        self.collect_dashboard_strings(object);
    }

    fn header(&mut self, object: &Object<'_>) {
        self.dashboard.title = self.text_field(object, "title", Some("dashboard"));
        self.dashboard.uid = self.text_field(object, "uid", None);
        self.dashboard.description = self.text_field(object, "description", None);
        self.dashboard.editable = self.flag(object, "editable");
    }

    fn inputs(&mut self, object: &Object<'_>) {
        let inputs = self.array(object, "__inputs", "export");
        for input in inputs {
            let Value::Object(input) = input else {
                continue;
            };
            let Some(name) = self.text_field(input, "name", None) else {
                continue;
            };
            let kind = self.text_field(input, "type", None).map(|t| t.value);
            let plugin = self.text_field(input, "pluginId", None).map(|t| t.value);
            self.dashboard.inputs.push(Input { name, kind, plugin });
        }
    }

    fn collect_dashboard_strings(&mut self, object: &Object<'_>) {
        // Variable definitions are tagged with their index so a variable's own fields do
        // not count as a use of it.
        let mut variable_index = 0;
        for prop in &object.properties {
            if prop.name.as_str() == "templating" {
                if let Value::Object(templating) = &prop.value {
                    for inner in &templating.properties {
                        match (&inner.value, inner.name.as_str()) {
                            (Value::Array(list), "list") => {
                                for element in &list.elements {
                                    self.collect_strings(element, Some(variable_index));
                                    variable_index += 1;
                                }
                            }
                            (value, _) => self.collect_strings(value, None),
                        }
                    }
                    continue;
                }
            }
            self.collect_strings(&prop.value, None);
        }
    }

    /// Panels of one level; `row_repeat` is the variable the enclosing row repeats over.
    fn classic_panels(
        &mut self,
        panels: &[Value<'_>],
        library: &[(String, &Value<'_>)],
        row_repeat: Option<&str>,
    ) {
        // In the grid layout, an expanded row's panels follow it at the same level.
        let mut current_row: Option<String> = row_repeat.map(str::to_string);
        for value in panels {
            let Value::Object(object) = value else {
                let message = format!("a panel must be an object, found {}", kind_name(value));
                self.problem(value, message);
                continue;
            };
            if is_repeat_clone(object) {
                continue;
            }
            let children = self.array(object, "panels", "row panel");
            let mut panel = self.classic_panel(object, value, library);
            if panel.is_row && row_repeat.is_none() {
                current_row = panel.repeat.as_ref().map(|r| r.value.clone());
            }
            panel
                .repeat_scope
                .extend(panel.repeat.as_ref().map(|r| r.value.clone()));
            if !panel.is_row {
                panel.repeat_scope.extend(current_row.clone());
            }
            let own_repeat = panel.repeat.as_ref().map(|r| r.value.clone());
            self.dashboard.panels.push(panel);
            self.classic_panels(children, library, own_repeat.as_deref().or(row_repeat));
        }
    }

    fn classic_panel(
        &mut self,
        object: &Object<'_>,
        value: &Value<'_>,
        library: &[(String, &Value<'_>)],
    ) -> Panel {
        let mut panel = Panel {
            span: self.span_of(value),
            id: self.number(object, "id"),
            title: self.text_field(object, "title", Some("panel")),
            description: self.text_field(object, "description", None),
            kind: self.text_field(object, "type", Some("panel")),
            datasource: self.datasource(object, "datasource"),
            repeat: self
                .text_field(object, "repeat", None)
                .filter(|r| !r.value.is_empty()),
            ..Panel::default()
        };
        panel.is_row = panel.kind.as_ref().is_some_and(|k| k.value == "row");
        self.units(object, &mut panel);
        let targets = self.array(object, "targets", "panel");
        for target in targets {
            if let Some(target) = self.classic_target(target) {
                panel.targets.push(target);
            }
        }
        if let Some(Value::Object(reference)) = member(object, "libraryPanel") {
            if panel.targets.is_empty() {
                self.library_panel(reference, &mut panel, library);
            }
        }
        panel
    }

    fn library_panel(
        &mut self,
        reference: &Object<'_>,
        panel: &mut Panel,
        library: &[(String, &Value<'_>)],
    ) {
        let uid = self.text_field(reference, "uid", None);
        let name = self.text_field(reference, "name", None);
        let found = uid
            .as_ref()
            .and_then(|uid| library.iter().find(|(u, _)| *u == uid.value));
        let Some((_, model)) = found else {
            let label = name.or(uid);
            panel.unresolved_library = label.clone();
            let span = label.map(|l| l.span).unwrap_or(panel.span.clone());
            self.dashboard.skipped.push(Skipped {
                span,
                message: "library panel not linted: its queries live in Grafana's library, not in this file".into(),
            });
            return;
        };
        let Value::Object(model_object) = model else {
            return;
        };
        // The body comes from `__elements`; what the dashboard sets on the reference wins.
        let body = self.classic_panel(model_object, model, &[]);
        panel.targets = body.targets;
        panel.datasource = panel.datasource.take().or(body.datasource);
        panel.kind = panel.kind.take().or(body.kind);
        panel.title = panel.title.take().or(body.title);
        panel.unit = panel.unit.take().or(body.unit);
        panel.legacy_units.extend(body.legacy_units);
        panel.has_unit_overrides |= body.has_unit_overrides;
    }

    fn units(&mut self, object: &Object<'_>, panel: &mut Panel) {
        if let Some(Value::Object(field_config)) = member(object, "fieldConfig") {
            if let Some(Value::Object(defaults)) = member(field_config, "defaults") {
                panel.unit = self
                    .text_field(defaults, "unit", None)
                    .filter(|u| !u.value.is_empty());
            }
            if let Some(Value::Array(overrides)) = member(field_config, "overrides") {
                panel.has_unit_overrides = overrides.elements.iter().any(|o| {
                    let Value::Object(o) = o else { return false };
                    let Some(Value::Array(properties)) = member(o, "properties") else { return false };
                    properties.elements.iter().any(|p| {
                        matches!(p, Value::Object(p) if p.get_string("id").is_some_and(|id| id.value == "unit"))
                    })
                });
            }
        }
        if let Some(Value::Array(yaxes)) = member(object, "yaxes") {
            for axis in &yaxes.elements {
                if let Value::Object(axis) = axis {
                    if let Some(format) = self.text_field(axis, "format", None) {
                        panel.legacy_units.push(format);
                    }
                }
            }
        }
        // Legacy singlestat/gauge keep it in `format`.
        if panel.unit.is_none() {
            if let Some(format) = self.text_field(object, "format", None) {
                panel.legacy_units.push(format);
            }
        }
    }

    fn classic_target(&mut self, value: &Value<'_>) -> Option<Target> {
        let Value::Object(object) = value else {
            let message = format!("a target must be an object, found {}", kind_name(value));
            self.problem(value, message);
            return None;
        };
        let mut target = Target {
            span: self.span_of(value),
            ref_id: self.text_field(object, "refId", Some("target")),
            expr: self.text_field(object, "expr", Some("target")),
            legend_format: self.text_field(object, "legendFormat", Some("target")),
            format: self.text_field(object, "format", None),
            datasource: self.datasource(object, "datasource"),
            interval: self.text_field(object, "interval", None),
            interval_factor: member(object, "intervalFactor").map(|v| self.span_of(v)),
            step: member(object, "step").map(|v| self.span_of(v)),
            panel_id: self.number(object, "panelId"),
            hide: self.flag(object, "hide").is_some_and(|(h, _)| h),
            ..Target::default()
        };
        target.interval_factor = object
            .get("intervalFactor")
            .map(|prop| self.json.span(prop.range));
        target.step = object.get("step").map(|prop| self.json.span(prop.range));
        target.plugin_hint = target
            .datasource
            .as_ref()
            .and_then(|d| d.plugin().map(str::to_string));
        for key in ["query", "target", "rawSql", "expression"] {
            if let Some(text) = self.text_field(object, key, None) {
                target.other_strings.push(text);
            }
        }
        Some(target)
    }

    fn classic_variable(&mut self, value: &Value<'_>) {
        let Value::Object(object) = value else {
            let message = format!("a variable must be an object, found {}", kind_name(value));
            self.problem(value, message);
            self.dashboard.variables.push(Variable {
                span: self.span_of(value),
                ..Variable::default()
            });
            return;
        };
        let mut variable = Variable {
            span: self.span_of(value),
            name: self.text_field(object, "name", Some("variable")),
            kind: self
                .text_field(object, "type", None)
                .map(|t| t.value)
                .unwrap_or_default(),
            datasource: self.datasource(object, "datasource"),
            regex: self.text_field(object, "regex", None),
            all_value: self.text_field(object, "allValue", None).map(|t| t.value),
            ..Variable::default()
        };
        variable.query = match member(object, "query") {
            Some(Value::Object(query)) => self.text_field(query, "query", None),
            _ => self.text_field(object, "query", None),
        };
        if let Some((multi, span)) = self.flag(object, "multi") {
            variable.multi = multi;
            if multi {
                variable.multi_span = Some(span);
            }
        }
        if let Some((all, span)) = self.flag(object, "includeAll") {
            variable.include_all = all;
            if all && variable.multi_span.is_none() {
                variable.multi_span = Some(span);
            }
        }
        if let Some(Value::Object(current)) = member(object, "current") {
            variable.current = values_of(member(current, "value"));
        }
        if let Some(Value::Array(options)) = member(object, "options") {
            for option in &options.elements {
                if let Value::Object(option) = option {
                    variable.options.extend(values_of(member(option, "value")));
                }
            }
        }
        self.dashboard.variables.push(variable);
    }

    fn classic_annotation(&mut self, value: &Value<'_>) {
        let Value::Object(object) = value else { return };
        let mut annotation = Annotation {
            span: self.span_of(value),
            name: self.text_field(object, "name", None),
            datasource: self.datasource(object, "datasource"),
            expr: self.text_field(object, "expr", Some("annotation")),
            enabled: self.flag(object, "enable").map(|(e, _)| e).unwrap_or(true),
            builtin: self.flag(object, "builtIn").is_some_and(|(b, _)| b),
        };
        if annotation.expr.is_none() {
            if let Some(Value::Object(target)) = member(object, "target") {
                annotation.expr = self.text_field(target, "expr", None);
            }
        }
        self.dashboard.annotations.push(annotation);
    }
}

/// `current.value` / `options[].value` as a list of strings.
pub(crate) fn values_of(value: Option<&Value<'_>>) -> Vec<String> {
    match value {
        Some(Value::StringLit(s)) => vec![s.value.to_string()],
        Some(Value::NumberLit(n)) => vec![n.value.to_string()],
        Some(Value::Array(items)) => items
            .elements
            .iter()
            .filter_map(|v| match v {
                Value::StringLit(s) => Some(s.value.to_string()),
                Value::NumberLit(n) => Some(n.value.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Clones Grafana made of a repeated panel or row when the dashboard was saved.
fn is_repeat_clone(object: &Object<'_>) -> bool {
    object
        .get("repeatPanelId")
        .is_some_and(|p| !matches!(p.value, Value::NullKeyword(_)))
        || object
            .get("repeatRowId")
            .is_some_and(|p| !matches!(p.value, Value::NullKeyword(_)))
}

/// `__elements` of an export: library panel uid -> its model.
fn library_models<'o, 'a>(object: &'o Object<'a>) -> Vec<(String, &'o Value<'a>)> {
    let Some(Value::Object(elements)) = member(object, "__elements") else {
        return Vec::new();
    };
    elements
        .properties
        .iter()
        .filter_map(|prop| {
            let Value::Object(element) = &prop.value else {
                return None;
            };
            let model = member(element, "model")?;
            let uid = element
                .get_string("uid")
                .map(|u| u.value.to_string())
                .unwrap_or_else(|| prop.name.as_str().to_string());
            Some((uid, model))
        })
        .collect()
}
