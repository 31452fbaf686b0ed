//! The check registry: every check's code, default severity, summary and docs, and the
//! function that runs it.
//!
//! Checks live one per file under a folder per category (`checks/rules/`,
//! `checks/promql/`, ...). Each category's `mod.rs` lists its checks in `CHECKS`; this
//! module concatenates them. A check never reads files or prints: it gets a model and
//! pushes [`Diagnostic`]s through an [`Emitter`].

pub mod alerts;
pub mod catalog;
pub mod context;
pub mod dashboard;
pub mod docs;
pub mod fix_docs;
pub mod input;
pub mod prometheus;
pub mod promgate;
pub mod promql;
pub mod rules;
pub mod ruletest;
pub mod template;
pub mod yaml;

use crate::diagnostic::{Diagnostic, Severity};
use crate::source::Span;

/// A fixture file shown in a check's docs. The text is compiled in from
/// `rules-fixtures/`, so every docs example is a fixture the test suite runs.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// Path relative to the repository root, e.g. `rules-fixtures/promql/regexp/fail.yml`.
    pub path: &'static str,
    pub text: &'static str,
}

/// Declares an [`Example`] from a path under `rules-fixtures/`.
#[macro_export]
macro_rules! fixture {
    ($path:literal) => {
        $crate::checks::Example {
            path: concat!("rules-fixtures/", $path),
            text: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/rules-fixtures/",
                $path
            )),
        }
    };
}

/// Everything the registry knows about a check, except how to run it.
#[derive(Debug, Clone, Copy)]
pub struct CheckMeta {
    /// `category/name`: the same string in output, config, suppressions, docs and SARIF.
    pub code: &'static str,
    pub severity: Severity,
    /// One line, shown by `promgate explain` and in SARIF rule descriptions.
    pub summary: &'static str,
    /// Why it matters and what to do, in Markdown.
    pub docs: &'static str,
    /// An input the check reports.
    pub bad: Example,
    /// The same input fixed: the check stays silent.
    pub good: Example,
    /// Opinionated checks are off unless the config turns them on.
    pub enabled_by_default: bool,
}

/// Collects the diagnostics of one check, stamping them with its code and severity.
pub struct Emitter<'a> {
    meta: &'static CheckMeta,
    out: &'a mut Vec<Diagnostic>,
}

impl<'a> Emitter<'a> {
    pub fn new(meta: &'static CheckMeta, out: &'a mut Vec<Diagnostic>) -> Self {
        Emitter { meta, out }
    }

    /// Reports a finding at `span` (file bytes) and returns it for help, labels, context.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.out.push(Diagnostic::new(
            self.meta.code,
            self.meta.severity,
            span,
            message,
        ));
        self.out.last_mut().expect("just pushed")
    }

    pub fn meta(&self) -> &'static CheckMeta {
        self.meta
    }
}

/// Every check promgate has, in a stable order.
pub fn all() -> Vec<&'static CheckMeta> {
    let categories: &[&[&'static CheckMeta]] = &[
        input::CHECKS,
        yaml::CHECKS,
        rules::CHECKS,
        promql::CHECKS,
        alerts::CHECKS,
        template::CHECKS,
        catalog::CHECKS,
        prometheus::CHECKS,
        ruletest::CHECKS,
        dashboard::CHECKS,
        promgate::CHECKS,
    ];
    categories.iter().flat_map(|c| c.iter().copied()).collect()
}

/// Looks a check up by its code.
pub fn find(code: &str) -> Option<&'static CheckMeta> {
    all().into_iter().find(|meta| meta.code == code)
}
