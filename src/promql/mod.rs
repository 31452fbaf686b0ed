//! Our own PromQL front end: lexer, parser (spans on every node), type checker, function
//! table and label analysis, following Prometheus 3.14.
//!
//! ```
//! let result = promgate::promql::parse("sum by (job) (rate(http_requests_total[5m]))");
//! assert!(result.errors.is_empty());
//! let expr = result.expr.unwrap();
//! assert_eq!(expr.span(), 0..44);
//! ```
//!
//! The parser accepts feature-gated syntax (experimental functions, `limitk` and
//! `limit_ratio`, fill modifiers, `anchored`/`smoothed`) as Prometheus does with every
//! feature flag on; the `promql/feature` check reports its use.

pub mod analysis;
pub mod ast;
mod check;
pub mod function_docs;
pub mod functions;
mod lexer;
mod parser;
pub mod regex;
pub mod text;

pub use ast::{Expr, Span, ValueType};
pub use check::matcher_matches_empty;
pub use parser::{grow_stack, MAX_DEPTH};

/// A syntax or type error, in Prometheus' words, at a byte range of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// The outcome of [`parse`]: the expression when the input is valid PromQL, and every
/// error found otherwise (`expr` is `None` whenever `errors` is not empty).
#[derive(Debug, Clone, PartialEq)]
pub struct ParseResult {
    pub expr: Option<Expr>,
    pub errors: Vec<SyntaxError>,
}

impl ParseResult {
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Parses and type-checks one PromQL expression.
pub fn parse(input: &str) -> ParseResult {
    let mut parser = parser::Parser::new(input);
    let expr = parser.parse_input();
    let mut errors = std::mem::take(&mut parser.errors);
    if let (Some(expr), true) = (&expr, errors.is_empty()) {
        // Like Prometheus, types are checked only once the syntax is clean.
        let mut checker = check::Checker::new(input);
        checker.check(expr);
        errors = checker.errors;
    }
    ParseResult {
        expr: if errors.is_empty() { expr } else { None },
        errors,
    }
}

#[cfg(test)]
mod tests;
