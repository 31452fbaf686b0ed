//! What a check finds: a code, a severity, a message, where, and how to fix it.

use crate::fix::Fix;
use crate::source::Span;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary place in the same file that helps explain the finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One finding in one file. Spans are byte ranges in that file's text; the report stage
/// turns them into lines and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The check's code, `category/name`, as in the registry.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// How to fix it, in one or two sentences; may hold a corrected query.
    pub help: Option<String>,
    /// The exact token the finding is about.
    pub span: Span,
    pub labels: Vec<Label>,
    /// Where in the file's model the finding sits (`group`, `rule`, `dashboard`,
    /// `panel`, `refId`), for messages and for baseline identity.
    pub context: Vec<(&'static str, String)>,
    /// The edits that resolve the finding, when the answer is mechanical.
    pub fix: Option<Fix>,
}

impl Diagnostic {
    pub fn new(
        code: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            help: None,
            span,
            labels: Vec::new(),
            context: Vec::new(),
            fix: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Attaches a fix; `None` (an edit that could not be written) leaves none.
    pub fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }

    pub fn set_fix(&mut self, fix: Option<Fix>) -> &mut Self {
        self.fix = fix;
        self
    }

    pub fn with_context(mut self, key: &'static str, value: impl Into<String>) -> Self {
        self.context.push((key, value.into()));
        self
    }

    /// Stores the finding's text and lists at their exact lengths. A finding lives until
    /// the whole report is written, and what built it left slack: `format!` reserves
    /// twice its literal text, a first `push` reserves four entries. On 100,000 rules
    /// (78,782 findings) the slack was about a third of the findings' memory.
    pub fn compact(&mut self) {
        compact_string(&mut self.message);
        if let Some(help) = &mut self.help {
            compact_string(help);
        }
        compact_vec(&mut self.labels);
        for label in &mut self.labels {
            compact_string(&mut label.message);
        }
        compact_vec(&mut self.context);
        for (_, value) in &mut self.context {
            compact_string(value);
        }
    }
}

/// A copy, not `shrink_to_fit`: mimalloc leaves a block where it is when the new size is
/// at least half the old one, so shrinking in place frees nothing for these sizes.
fn compact_string(text: &mut String) {
    if text.capacity() > text.len() {
        *text = text.as_str().to_owned();
    }
}

fn compact_vec<T>(items: &mut Vec<T>) {
    if items.capacity() > items.len() {
        let mut exact = Vec::with_capacity(items.len());
        exact.append(items);
        *items = exact;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_keeps_the_content_and_drops_the_slack() {
        let name = "job";
        let mut diagnostic = Diagnostic::new(
            "template/label",
            Severity::Warning,
            3..6,
            format!("the label `{name}` is never returned by this query"),
        )
        .with_help(format!("keep `{name}` in the result"))
        .with_label(1..2, "removed here")
        .with_context("group", "api")
        .with_context("rule", "Down");
        let before = diagnostic.clone();
        assert!(diagnostic.message.capacity() > diagnostic.message.len());
        assert!(diagnostic.context.capacity() > diagnostic.context.len());
        diagnostic.compact();
        assert_eq!(diagnostic, before);
        assert_eq!(diagnostic.message.capacity(), diagnostic.message.len());
        let help = diagnostic.help.as_ref().expect("help");
        assert_eq!(help.capacity(), help.len());
        assert_eq!(diagnostic.labels.capacity(), 1);
        assert_eq!(diagnostic.context.capacity(), 2);
    }
}
