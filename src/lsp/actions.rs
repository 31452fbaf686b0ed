//! Code actions: a check's fix as a quick fix, and suppress a finding with a `# promgate: ignore[CODE]` comment (YAML
//! files), for its rule or for the whole file.

use super::convert;
use super::cursor;
use super::workspace::Workspace;
use super::Published;
use crate::discover::FileKind;
use crate::fix::{Applicability, Fix};
use crate::source::SourceFile;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, NumberOrString, Position,
    Range, TextEdit, WorkspaceEdit,
};
use std::collections::HashMap;
use std::path::Path;

pub fn code_actions(
    workspace: &mut Workspace,
    path: &Path,
    params: &CodeActionParams,
    published: &[Published],
) -> Vec<CodeActionOrCommand> {
    let Some(state) = workspace.loaded(path) else {
        return Vec::new();
    };
    let yaml = FileKind::from_extension(path) != Some(FileKind::Json);
    let uri = params.text_document.uri.clone();
    let mut actions = Vec::new();
    for published in published {
        if !overlaps(&published.lsp.range, &params.range) || !requested(params, published) {
            continue;
        }
        if let Some((fix, file)) = &published.fix {
            actions.push(quick_fix(fix, file, &uri, &published.lsp));
        }
        if !yaml {
            continue;
        }
        let code = published.code;
        let Some(loaded) = state.unit_at(published.span.start) else {
            continue;
        };
        let file = &loaded.file;
        // Above the rule: the directive covers the whole rule whatever line the finding
        // is on (a comment inside `expr: |` would be PromQL, not YAML).
        if let Some(rule) = cursor::rule_at(loaded, published.span.start) {
            let line = file.line_of(rule.span.start);
            let text = file.line_text(line);
            let indent: String = text.chars().take_while(|c| *c == ' ').collect();
            let insert = Position::new((line - 1) as u32, 0);
            actions.push(action(
                format!("Suppress {code} for this rule"),
                &uri,
                TextEdit::new(
                    Range::new(insert, insert),
                    format!("{indent}# promgate: ignore[{code}]\n"),
                ),
                &published.lsp,
            ));
        }
        let top = Position::new(0, 0);
        actions.push(action(
            format!("Suppress {code} in this file"),
            &uri,
            TextEdit::new(
                Range::new(top, top),
                format!("# promgate: ignore-file[{code}]\n"),
            ),
            &published.lsp,
        ));
    }
    actions
}

/// A check's fix (the `--fix` edits) as a quick fix; safe ones are preferred.
fn quick_fix(
    fix: &Fix,
    file: &SourceFile,
    uri: &lsp_types::Url,
    diagnostic: &lsp_types::Diagnostic,
) -> CodeActionOrCommand {
    let edits = fix
        .edits
        .iter()
        .map(|edit| TextEdit::new(convert::range(file, &edit.span), edit.replacement.clone()))
        .collect();
    let title = match fix.applicability {
        Applicability::Safe => fix.title.clone(),
        Applicability::Unsafe => format!("{} (may change what the rule does)", fix.title),
    };
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), edits)])),
            ..WorkspaceEdit::default()
        }),
        is_preferred: Some(fix.applicability == Applicability::Safe),
        ..CodeAction::default()
    })
}

fn action(
    title: String,
    uri: &lsp_types::Url,
    edit: TextEdit,
    diagnostic: &lsp_types::Diagnostic,
) -> CodeActionOrCommand {
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
            ..WorkspaceEdit::default()
        }),
        ..CodeAction::default()
    })
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// Whether the client asked about this diagnostic (by code) or about the range only.
fn requested(params: &CodeActionParams, published: &Published) -> bool {
    let asked = &params.context.diagnostics;
    asked.is_empty()
        || asked.iter().any(|d| {
            d.code == Some(NumberOrString::String(published.code.to_string()))
                && d.range == published.lsp.range
        })
}
