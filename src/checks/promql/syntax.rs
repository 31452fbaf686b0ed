//! `promql/syntax`: the expression is not valid PromQL for Prometheus 3.14.
//!
//! The parser (`crate::promql::parse`) runs once per expression when a file is loaded;
//! this check turns its errors into diagnostics at the exact file position. Loaders of
//! rule files and dashboards call [`diagnostics`] with the parse result and the offset
//! map of the text they parsed.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::fixture;
use crate::promql::ParseResult;
use crate::source::OffsetMap;

pub static META: CheckMeta = CheckMeta {
    code: "promql/syntax",
    severity: Severity::Error,
    summary: "The expression is not valid PromQL",
    docs: "Prometheus refuses to load a rule file whose expression does not parse, and a \
dashboard panel with such a query shows an error instead of data. promgate parses every \
expression with its own front end, which follows Prometheus 3.14's grammar and type rules \
and reports Prometheus' own message at the exact token: unbalanced parentheses, unknown \
functions, a range vector where an instant vector is needed (`rate(x)` instead of \
`rate(x[5m])`), comparisons between scalars without `bool`, invalid regular expressions, \
durations that are zero or out of range, and so on.\n\nFix the expression; the message \
names what Prometheus expected.",
    bad: fixture!("promql/syntax/fail.yml"),
    good: fixture!("promql/syntax/pass.yml"),
    enabled_by_default: true,
};

/// Reports every error of `result`; `map` carries offsets in the parsed text to the file.
pub fn report(result: &ParseResult, map: &OffsetMap, emitter: &mut Emitter<'_>) {
    for error in &result.errors {
        let span = map.span_to_file(error.span.clone());
        let diagnostic = emitter.report(span, format!("PromQL: {}", error.message));
        if let Some(help) = help_for(&error.message) {
            diagnostic.help = Some(help.to_string());
        }
    }
}

/// The diagnostics of `result`, for callers without an emitter at hand.
pub fn diagnostics(result: &ParseResult, map: &OffsetMap) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    report(result, map, &mut Emitter::new(&META, &mut out));
    out
}

/// A fix for the most common mistakes (the message alone says what is wrong).
fn help_for(message: &str) -> Option<&'static str> {
    if message.starts_with("expected type range vector in call to function") {
        Some("this function reads a range of samples: add a range selector, e.g. `[5m]`")
    } else if message.starts_with("unknown function with name") {
        Some("check the spelling against https://prometheus.io/docs/prometheus/latest/querying/functions/")
    } else if message == "unclosed left parenthesis" {
        Some("add the missing `)`")
    } else if message == "comparisons between scalars must use BOOL modifier" {
        Some("write `bool` after the operator, e.g. `1 > bool 0`")
    } else if message == "vector selector must contain at least one non-empty matcher" {
        Some("add a metric name or a matcher that cannot match the empty string, e.g. `{job=\"api\"}`")
    } else if message.starts_with("expected type instant vector in call to function")
        && message.ends_with("got range vector")
    {
        Some("wrap the range selector in a function such as `rate(...)` or `max_over_time(...)`, or drop the range")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    #[test]
    fn maps_errors_to_file_positions() {
        // The expression sits at byte 10 of its file.
        let result = parse("rate(http_requests_total)");
        let map = OffsetMap::identity(10, 25);
        let found = diagnostics(&result, &map);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].code, "promql/syntax");
        assert_eq!(found[0].span, 15..34);
        assert_eq!(
            found[0].message,
            "PromQL: expected type range vector in call to function \"rate\", got instant vector"
        );
        assert!(found[0].help.as_deref().unwrap().contains("[5m]"));
    }
}
