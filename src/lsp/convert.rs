//! promgate's diagnostics and spans as LSP values: ranges in UTF-16 code units.

use crate::diagnostic::Severity;
use crate::report::ReportedDiagnostic;
use crate::source::{SourceFile, Span};
use lsp_types::{
    CodeDescription, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, Url,
};

/// Where the checks' documentation pages live: `<base><code>.md` is
/// `docs/checks/<code>.md` of the repository. `initializationOptions.docsBaseUrl`
/// overrides it (for a fork or a mirror).
pub const DOCS_BASE_URL: &str = "https://github.com/promgate/promgate/blob/main/docs/checks/";

/// The `source` of every diagnostic the server publishes.
pub const SOURCE: &str = "promgate";

pub fn position(file: &SourceFile, offset: usize) -> Position {
    let (line, character) = file.utf16_position(offset);
    Position::new(line as u32, character as u32)
}

pub fn range(file: &SourceFile, span: &Span) -> Range {
    Range::new(position(file, span.start), position(file, span.end))
}

/// The byte offset of an editor position in `file` (clamped to the text).
pub fn offset(file: &SourceFile, position: Position) -> usize {
    file.offset_of_utf16(position.line as usize, position.character as usize)
        .0
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
    }
}

/// A check's documentation page.
pub fn docs_url(docs_base: &str, code: &str) -> Option<Url> {
    Url::parse(&format!("{docs_base}{code}.md")).ok()
}

/// One finding as the editor shows it: the message with the help after it, the
/// check's code, severity and documentation link, secondary labels as related places.
pub fn diagnostic(
    reported: &ReportedDiagnostic,
    uri: &Url,
    docs_base: &str,
) -> lsp_types::Diagnostic {
    let file = &reported.file;
    let found = &reported.diagnostic;
    let mut message = found.message.clone();
    if let Some(help) = &found.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related: Vec<DiagnosticRelatedInformation> = found
        .labels
        .iter()
        .map(|label| DiagnosticRelatedInformation {
            location: Location::new(uri.clone(), range(file, &label.span)),
            message: label.message.clone(),
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(file, &found.span),
        severity: Some(severity(found.severity)),
        code: Some(NumberOrString::String(found.code.to_string())),
        code_description: docs_url(docs_base, found.code).map(|href| CodeDescription { href }),
        source: Some(SOURCE.to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: None,
    }
}
