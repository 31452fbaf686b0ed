//! Go to definition (a recorded series -> its rule's `record:`) and references (every
//! selector reading a series), across the workspace's rule files and open documents.

use super::convert;
use super::cursor::{self, Node};
use super::workspace::Workspace;
use crate::pipeline::{Loaded, Model};
use crate::source::Span;
use lsp_types::{Location, Position, Url};
use std::path::{Path, PathBuf};

/// A recording rule writing a series.
pub struct Definition {
    pub path: PathBuf,
    pub uri: Url,
    /// The `record:` value's span in its file.
    pub span: Span,
    /// 1-based line of the `record:` value.
    pub line: usize,
    pub group: String,
}

/// Every recording rule, in every known file, whose `record:` is `name`.
pub fn record_definitions(workspace: &Workspace, name: &str) -> Vec<Definition> {
    let mut out = Vec::new();
    for (path, state) in &workspace.files {
        let rule_files = state.units.iter().filter_map(|unit| match &unit.model {
            Some(Model::Rules(rule_file)) => Some((unit, rule_file)),
            _ => None,
        });
        for (loaded, group, rule) in rule_files
            .flat_map(|(unit, rule_file)| rule_file.rules().map(move |(g, r)| (unit, g, r)))
        {
            let Some(record) = &rule.record else {
                continue;
            };
            if record.text() != Some(name) {
                continue;
            }
            let span = record.value_span();
            out.push(Definition {
                path: path.clone(),
                uri: state.uri.clone(),
                line: loaded.file.line_of(span.start),
                span,
                group: group.name().to_string(),
            });
        }
    }
    out
}

/// The series name under the cursor: a metric in an expression or a `record:` value.
pub fn name_at(loaded: &Loaded, offset: usize) -> Option<String> {
    if let Some((view, at)) = cursor::expr_at(loaded, offset) {
        if let Some(Node::Metric(selector, _)) = view.expr.and_then(|e| cursor::node_at(e, at)) {
            return selector.metric_name().map(|(name, _)| name.to_string());
        }
        let word = &view.source[cursor::word_at(view.source, at)];
        return (!word.is_empty()).then(|| word.to_string());
    }
    let rule = cursor::rule_at(loaded, offset)?;
    let record = rule.record.as_ref()?;
    let span = record.value_span();
    (span.start <= offset && offset <= span.end).then(|| record.text().map(str::to_string))?
}

fn prepared<'w>(
    workspace: &'w mut Workspace,
    path: &Path,
    position: Position,
) -> Option<(&'w Workspace, String)> {
    // Every open document's current text counts.
    let paths: Vec<PathBuf> = workspace.files.keys().cloned().collect();
    for other in &paths {
        workspace.refresh(other);
    }
    let workspace: &Workspace = workspace;
    let state = workspace.files.get(path)?;
    let offset = convert::offset(state.source()?, position);
    let name = name_at(state.unit_at(offset)?, offset)?;
    Some((workspace, name))
}

pub fn definition(
    workspace: &mut Workspace,
    path: &Path,
    position: Position,
) -> Option<Vec<Location>> {
    let (workspace, name) = prepared(workspace, path, position)?;
    let locations: Vec<Location> = record_definitions(workspace, &name)
        .into_iter()
        .filter_map(|definition| {
            let file = workspace.files.get(&definition.path)?.source()?;
            Some(Location::new(
                definition.uri,
                convert::range(file, &definition.span),
            ))
        })
        .collect();
    (!locations.is_empty()).then_some(locations)
}

pub fn references(
    workspace: &mut Workspace,
    path: &Path,
    position: Position,
    include_declaration: bool,
) -> Option<Vec<Location>> {
    let (workspace, name) = prepared(workspace, path, position)?;
    let mut locations = Vec::new();
    if include_declaration {
        for definition in record_definitions(workspace, &name) {
            if let Some(loaded) = workspace
                .files
                .get(&definition.path)
                .and_then(|s| s.source())
            {
                locations.push(Location::new(
                    definition.uri,
                    convert::range(loaded, &definition.span),
                ));
            }
        }
    }
    for state in workspace.files.values() {
        for view in state.units.iter().flat_map(cursor::exprs) {
            let Some(expr) = view.expr else {
                continue;
            };
            for (used, span) in crate::promql::analysis::metric_names(expr) {
                if used == name {
                    let file_span = view.map.span_to_file(span);
                    locations.push(Location::new(
                        state.uri.clone(),
                        convert::range(state.source().expect("a unit"), &file_span),
                    ));
                }
            }
        }
    }
    Some(locations)
}
