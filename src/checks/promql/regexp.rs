//! `promql/regexp`: regex matchers that say less than they seem: a literal written as a
//! regex, anchors PromQL adds anyway, a wildcard that matches every series.

use crate::checks::catalog::common::Finding;
use crate::checks::context::ExprContext;
use crate::checks::CheckMeta;
use crate::checks::Emitter;
use crate::diagnostic::Severity;
use crate::fix::{Applicability, DecodedFix};
use crate::fixture;
use crate::promql::ast::{Expr, MatchOp, Matcher, VectorSelector};
use crate::promql::regex::literal_value;
use crate::promql::{matcher_matches_empty, text::go_quote};
use crate::source::Span;

pub static META: CheckMeta = CheckMeta {
    code: "promql/regexp",
    severity: Severity::Warning,
    summary: "A regex matcher that is a literal, has redundant anchors, or matches everything",
    docs: "PromQL regex matchers are fully anchored: `job=~\"api\"` means `^(?:api)$`. So:\n\n\
- a regex without any special character is an equality test written the slow way: \
`job=~\"api\"` is `job=\"api\"` (and `!~` is `!=`);\n\
- `^` at the start and `$` at the end add nothing: `job=~\"^api$\"` is `job=~\"api\"`;\n\
- `=~\".*\"` matches every value, including a missing label, so it filters nothing and can be \
removed; `!~\".*\"` matches no series at all.\n\n\
`=~\".+\"` (the label is present) is meaningful and not reported, nor are matchers in the label \
selector of `info()`.",
    bad: fixture!("promql/regexp/fail.yml"),
    good: fixture!("promql/regexp/pass.yml"),
    enabled_by_default: true,
};

pub fn find(expr: &Expr, source: &str) -> Vec<Finding> {
    find_in(&expr.nodes(), source)
}

/// [`find`] over an expression's nodes in walk order ([`Expr::nodes`]).
fn find_in(nodes: &[&Expr], source: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    // One pass: parents come first, so an `info()` call is met before its selector.
    let mut info_selectors = Vec::new();
    for node in nodes {
        let selector: &VectorSelector = match node {
            Expr::Call(c) if c.name == "info" => {
                if let Some(Expr::Selector(s)) = c.args.get(1) {
                    info_selectors.push(s.span.clone());
                }
                continue;
            }
            Expr::Selector(s) => s,
            Expr::Matrix(m) => &m.selector,
            _ => continue,
        };
        if info_selectors.contains(&selector.span) {
            continue;
        }
        for m in &selector.matchers {
            if m.op.is_regex() {
                check_matcher(selector, m, source, &mut findings);
            }
        }
    }
    findings
}

fn check_matcher(selector: &VectorSelector, m: &Matcher, source: &str, out: &mut Vec<Finding>) {
    let written = source.get(m.span.clone()).unwrap_or_default();
    let name = source.get(m.name_span.clone()).unwrap_or(&m.name);
    if m.value == ".*" {
        if m.op == MatchOp::NotRegex {
            out.push(
                Finding::new(
                    m.span.clone(),
                    format!("`{written}` matches no series: every value matches `.*`"),
                )
                .help("remove the selector or fix the matcher"),
            );
        } else if selector_has_other_filter(selector, m) {
            let mut finding = Finding::new(
                m.span.clone(),
                format!("`{written}` matches every series, with or without the label: it filters nothing"),
            )
            .help("remove the matcher");
            if let Some(range) = removal_range(selector, m, source) {
                // Matching every value, a missing label included, it selects nothing away.
                finding = finding.fix(
                    DecodedFix::new(format!("Remove `{written}`"), Applicability::Safe)
                        .edit(range, ""),
                );
            }
            out.push(finding);
        }
        return;
    }
    if let Some(literal) = literal_value(&m.value) {
        let op = if m.op == MatchOp::Regex { "=" } else { "!=" };
        let fixed = format!("{name}{op}{}", go_quote(&literal));
        // A fully anchored regex without special characters matches exactly its text.
        let fix = DecodedFix::new(
            format!("Replace `{}` with `{op}`", m.op.as_str()),
            Applicability::Safe,
        )
        .edit(m.span.clone(), fixed.clone());
        out.push(
            Finding::new(
                m.span.clone(),
                format!("`{written}` is a regex matcher on a literal value"),
            )
            .help(format!("use `{op}`: `{fixed}`"))
            .fix(fix),
        );
        return;
    }
    if has_flags(&m.value) {
        return;
    }
    let leading = m.value.starts_with('^');
    let trailing = m.value.ends_with('$') && !ends_escaped(&m.value);
    if leading || trailing {
        let mut stripped = m.value.as_str();
        if leading {
            stripped = &stripped[1..];
        }
        if trailing {
            stripped = &stripped[..stripped.len() - 1];
        }
        let anchors = match (leading, trailing) {
            (true, true) => "`^` and `$` anchors are",
            (true, false) => "`^` anchor is",
            _ => "`$` anchor is",
        };
        let value = go_quote(stripped);
        // Inside the implicit `^(?:...)$`, a leading `^` and a trailing `$` (without
        // flags that change their meaning) match nothing more or less.
        let fix = DecodedFix::new("Remove the redundant anchors", Applicability::Safe)
            .edit(m.value_span.clone(), value.clone());
        out.push(
            Finding::new(
                m.value_span.clone(),
                format!("the {anchors} redundant: PromQL regexes are always fully anchored"),
            )
            .help(format!("write `{name}{}{value}`", m.op.as_str()))
            .fix(fix),
        );
    }
}

/// The source range that removes matcher `m` and one comma beside it, or the whole
/// `{...}` when it is the only matcher after a metric name.
fn removal_range(selector: &VectorSelector, m: &Matcher, source: &str) -> Option<Span> {
    let index = selector
        .matchers
        .iter()
        .position(|other| std::ptr::eq(other, m))?;
    if let Some(previous) = index.checked_sub(1).map(|i| &selector.matchers[i]) {
        return Some(previous.span.end..m.span.end);
    }
    if let Some(next) = selector.matchers.get(1) {
        return Some(m.span.start..next.span.start);
    }
    // The only matcher: drop the braces too (`up{job=~".*"}` -> `up`).
    let open = source[..m.span.start].trim_end();
    let close_from =
        m.span.end + (source[m.span.end..].len() - source[m.span.end..].trim_start().len());
    let after = source[close_from..]
        .strip_prefix(',')
        .unwrap_or(&source[close_from..]);
    let after = after.trim_start();
    if !open.ends_with('{') || !after.starts_with('}') || selector.name.is_none() {
        return None;
    }
    let end = source.len() - after.len() + 1;
    Some(open.len() - 1..end)
}

/// Does the selector select something without `m` (a name or a non-empty matcher)?
fn selector_has_other_filter(selector: &VectorSelector, m: &Matcher) -> bool {
    selector.name.is_some()
        || selector
            .matchers
            .iter()
            .any(|other| !std::ptr::eq(other, m) && !matcher_matches_empty(other))
}

/// Inline flags (`(?m)`) can change what `^` and `$` mean.
fn has_flags(value: &str) -> bool {
    value.contains("(?")
}

fn ends_escaped(value: &str) -> bool {
    let body = &value[..value.len() - 1];
    let backslashes = body.chars().rev().take_while(|c| *c == '\\').count();
    backslashes % 2 == 1
}

/// Rule expressions only: in dashboards `=~"$var"` is the idiom for multi-value
/// variables, and after expansion it reads as a literal or `.*`.
pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    if !matches!(
        ctx.origin,
        crate::checks::context::ExprOrigin::DashboardQuery { .. }
    ) {
        super::emit(ctx, emitter, find_in(ctx.nodes(), ctx.source));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    fn run(q: &str) -> Vec<(String, String)> {
        find(&parse(q).expr.unwrap(), q)
            .into_iter()
            .map(|f| (q[f.span].to_string(), f.help.unwrap_or_default()))
            .collect()
    }

    #[test]
    fn literal_regexes() {
        assert_eq!(
            run(r#"up{job=~"api"}"#),
            [("job=~\"api\"".into(), "use `=`: `job=\"api\"`".into())]
        );
        assert_eq!(
            run(r#"up{job!~"api\\.v1"}"#)[0].1,
            "use `!=`: `job!=\"api.v1\"`"
        );
    }

    #[test]
    fn anchors() {
        assert_eq!(
            run(r#"up{job=~"^api.*$"}"#),
            [("\"^api.*$\"".into(), "write `job=~\"api.*\"`".into())]
        );
        assert!(run(r#"up{job=~"api.*\\$"}"#).is_empty());
        assert!(run(r#"up{job=~"(?m)^api.*"}"#).is_empty());
    }

    #[test]
    fn wildcards() {
        assert_eq!(run(r#"up{job=~".*"}"#)[0].1, "remove the matcher");
        assert_eq!(
            run(r#"up{job!~".*"}"#)[0].1,
            "remove the selector or fix the matcher"
        );
        assert!(run(r#"up{job=~".+"}"#).is_empty());
        assert!(run(r#"up{job=~"api|web"}"#).is_empty());
        assert!(run(r#"info(up, {k8s_cluster_name=~".*"})"#).is_empty());
    }
}
