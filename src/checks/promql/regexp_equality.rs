//! `promql/regexp-equality`: an equality matcher (`=`, `!=`) whose value is regex text.
//! `=` and `!=` compare the whole value with the literal string, so
//! `route!="^/-/health$"` excludes nothing and `code="5.."` selects nothing: the author
//! meant `!~` / `=~`.
//!
//! Real label values contain dots (versions `1.2.3`, addresses, hostnames), brackets
//! (`[::1]:9090`), plus signs and stars, so only unmistakable regex syntax counts:
//! anchors at both ends or a leading `^`, `.*` / `.+`, a `|` between alternatives, a
//! character-class range (`[0-9]`), regex escapes (`\d+`, `\.`), and status-code
//! patterns (`5..`, `50.`).

use crate::checks::catalog::common::Finding;
use crate::checks::context::ExprContext;
use crate::checks::CheckMeta;
use crate::checks::Emitter;
use crate::diagnostic::Severity;
use crate::fixture;
use crate::promql::ast::{Expr, MatchOp, Matcher, VectorSelector};
use crate::promql::regex::literal_value;
use crate::promql::text::go_quote;

pub static META: CheckMeta = CheckMeta {
    code: "promql/regexp-equality",
    severity: Severity::Warning,
    summary: "An equality matcher (`=`, `!=`) whose value is a regular expression",
    docs: "`=` and `!=` compare a label's value with the literal text: `code=\"5..\"` selects \
only series whose `code` is the three characters `5..`, which no exporter writes, and \
`route!=\"^/-/health$\"` excludes only a route spelled with a caret and a dollar, so it \
excludes nothing. The author meant a regex matcher: `=~` and `!~`.\n\n\
Real label values contain dots (versions such as `1.2.3`, IP addresses, hostnames), brackets \
(`[::1]:9090`), `+` and `*`, so promgate reports only unmistakable regex syntax: a leading \
`^` or anchors at both ends, `.*` or `.+`, a `|` between alternatives, a character-class range \
such as `[0-9]`, regex escapes such as `\\\\d+` or `\\\\.`, and status-code patterns \
(`5..`, `50.`). Literal status classes such as `5xx`, which some exporters do write, are not \
reported, nor are labels that by convention hold a router's or a config's patterns (`route`, \
names containing `pattern` or `regex`): GitLab Workhorse, for one, labels each request with \
the regex of its route, so `route!=\"^/-/health$\"` there compares with a real value.",
    bad: fixture!("promql/regexp-equality/fail.yml"),
    good: fixture!("promql/regexp-equality/pass.yml"),
    enabled_by_default: true,
};

pub fn run(ctx: &ExprContext<'_>, emitter: &mut Emitter<'_>) {
    super::emit(ctx, emitter, find_in(ctx.nodes(), ctx.source));
}

/// The equality matchers of `expr` whose value is regex text.
pub fn find(expr: &Expr, source: &str) -> Vec<Finding> {
    find_in(&expr.nodes(), source)
}

/// [`find`] over an expression's nodes in walk order ([`Expr::nodes`]).
fn find_in(nodes: &[&Expr], source: &str) -> Vec<Finding> {
    let mut findings = Vec::new();
    for node in nodes {
        let selector: &VectorSelector = match node {
            Expr::Selector(s) => s,
            Expr::Matrix(m) => &m.selector,
            _ => continue,
        };
        for m in &selector.matchers {
            // Cheapest test first: almost no value looks like a regex.
            if matches!(m.op, MatchOp::Equal | MatchOp::NotEqual)
                && !m.bare_name
                && looks_like_regex(&m.value)
                && !holds_patterns(&m.name)
            {
                findings.push(finding(m, source));
            }
        }
    }
    findings
}

/// Labels whose values are, by convention, a router's or a config's patterns: their
/// literal value may well be regex text. GitLab Workhorse labels each request with the
/// regex of the route that served it (`route="^/api/v4/jobs/request\\z"`), so
/// `route!="^/-/health$"` there compares with a real value and is right.
fn holds_patterns(label: &str) -> bool {
    // Compared without lowercasing a copy: this runs on every equality matcher.
    let contains = |word: &str| {
        label
            .as_bytes()
            .windows(word.len())
            .any(|window| window.eq_ignore_ascii_case(word.as_bytes()))
    };
    label.eq_ignore_ascii_case("route") || ["pattern", "regex", "route_"].into_iter().any(contains)
}

fn finding(m: &Matcher, source: &str) -> Finding {
    let written = source.get(m.span.clone()).unwrap_or_default();
    let name = source.get(m.name_span.clone()).unwrap_or(&m.name);
    let (regex_op, effect) = match m.op {
        MatchOp::Equal => ("=~", "selects only series whose value is that exact text"),
        _ => ("!~", "excludes only series whose value is that exact text"),
    };
    Finding::new(
        m.span.clone(),
        format!(
            "`{written}` compares with the literal text {}: `{}` does not read regexes, so it {effect}",
            go_quote(&m.value),
            m.op.as_str()
        ),
    )
    .help(fix(name, m.op, regex_op, &m.value))
}

/// The matcher meant: without its anchors (PromQL anchors every regex), and as an
/// equality again when what is left is a literal (`"^/-/health$"` -> `"/-/health"`).
fn fix(name: &str, op: MatchOp, regex_op: &str, value: &str) -> String {
    let mut body = value.strip_prefix('^').unwrap_or(value);
    if body.ends_with('$') && !body.ends_with("\\$") {
        body = &body[..body.len() - 1];
    }
    match literal_value(body) {
        Some(literal) if body != value => format!(
            "drop the anchors: `{name}{}{}`",
            op.as_str(),
            go_quote(&literal)
        ),
        _ => format!(
            "use the regex matcher: `{name}{regex_op}{}`",
            go_quote(body)
        ),
    }
}

/// Whether a label value is unmistakably regex text (see the module docs), and a valid
/// regex at that.
pub fn looks_like_regex(value: &str) -> bool {
    // Every signal below needs one of these bytes; most values (`job="api"`) have none,
    // and this runs on every equality matcher.
    if !value
        .bytes()
        .any(|b| matches!(b, b'^' | b'.' | b'|' | b'[' | b'\\'))
    {
        return false;
    }
    regex_signals(value)
}

/// Whether `value` reads as regex text, by its signals and Rust's regex parser.
fn regex_signals(value: &str) -> bool {
    let signals = anchored(value)
        || value.contains(".*")
        || value.contains(".+")
        || alternation(value)
        || class_range(value)
        || regex_escape(value)
        || status_pattern(value);
    signals && regex_syntax::Parser::new().parse(value).is_ok()
}

/// `^...` (a caret starts no real value), or `...$` together with `^`.
fn anchored(value: &str) -> bool {
    value.len() > 1 && value.starts_with('^')
}

/// `a|b` with words on both sides of every bar.
fn alternation(value: &str) -> bool {
    let trimmed = value
        .trim_start_matches(['^', '('])
        .trim_end_matches(['$', ')']);
    trimmed.contains('|') && trimmed.split('|').all(|part| !part.is_empty())
}

/// `[0-9]`, `[a-z]`, `[^/]`: a bracket with a range or a negation.
fn class_range(value: &str) -> bool {
    let bytes = value.as_bytes();
    let mut open = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'[' => open = Some(i),
            b']' => {
                if let Some(start) = open.take() {
                    let inner = &value[start + 1..i];
                    let range = inner.len() >= 3
                        && inner.as_bytes().windows(3).any(|w| {
                            w[1] == b'-'
                                && w[0].is_ascii_alphanumeric()
                                && w[2].is_ascii_alphanumeric()
                        });
                    if range || (inner.len() > 1 && inner.starts_with('^')) {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    false
}

/// `\.`, `\d+`, `\w*`, `\s+`: escapes that only a regex writes (a Windows path has `\d`
/// but not `\d+`).
fn regex_escape(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.windows(2).enumerate().any(|(i, w)| {
        w[0] == b'\\'
            && match w[1] {
                b'.' => true,
                b'd' | b'w' | b's' => {
                    matches!(bytes.get(i + 2), Some(b'+' | b'*' | b'{' | b'?'))
                }
                _ => false,
            }
    })
}

/// `5..`, `50.`, `4..|5..`: an HTTP or gRPC status class written with dots.
fn status_pattern(value: &str) -> bool {
    let b = value.as_bytes();
    b.len() == 3 && b[0].is_ascii_digit() && b[2] == b'.' && (b[1] == b'.' || b[1].is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    fn found(q: &str) -> Vec<String> {
        find(&parse(q).expr.unwrap(), q)
            .into_iter()
            .map(|f| q[f.span].to_string())
            .collect()
    }

    #[test]
    fn regex_text_in_equality_matchers_is_found() {
        assert_eq!(
            found(r#"x{path!="^/-/health$", code="5..", handler=~"^/api.*"}"#),
            [r#"path!="^/-/health$""#, r#"code="5..""#]
        );
        assert_eq!(found(r#"x{code="4..|5.."}"#), [r#"code="4..|5..""#]);
        assert_eq!(found(r#"x{job="api|web"}"#), [r#"job="api|web""#]);
        assert_eq!(found(r#"x{pod="web-.*"}"#), [r#"pod="web-.*""#]);
        assert_eq!(
            found(r#"x{code="[45][0-9][0-9]"}"#),
            [r#"code="[45][0-9][0-9]""#]
        );
        assert_eq!(found(r#"x{host="db\\d+"}"#), [r#"host="db\\d+""#]);
    }

    #[test]
    fn literal_values_that_look_a_little_like_regexes_are_not() {
        for value in [
            "1.2.3",
            "10.0.0.1:9100",
            "api.example.com",
            "[::1]:9090",
            "5xx",
            "C:\\\\data",
            "*",
            "a+b",
            "",
            "^",
            "v1.2",
            "2.0",
            "|",
            "a|",
            "US$",
        ] {
            let q = format!("x{{v=\"{value}\"}}");
            assert!(found(&q).is_empty(), "{value}");
        }
    }

    #[test]
    fn labels_that_hold_patterns_are_left_alone() {
        assert!(found(r#"x{route!="^/-/health$", url_pattern="^/a/.*"}"#).is_empty());
    }

    #[test]
    fn pattern_labels_are_known_whatever_their_case() {
        // The lowercased copy this replaced, as the reference.
        let reference = |label: &str| {
            let label = label.to_ascii_lowercase();
            label == "route"
                || ["pattern", "regex", "route_"]
                    .iter()
                    .any(|word| label.contains(word))
        };
        for label in [
            "route",
            "ROUTE",
            "Route",
            "routes",
            "route_name",
            "http_ROUTE_id",
            "URL_Pattern",
            "path_regex",
            "rege",
            "patter",
            "job",
            "",
            "r",
            "rout",
            "RÖUTE",
            "routé_",
            "x_regeX",
        ] {
            assert_eq!(holds_patterns(label), reference(label), "{label}");
        }
    }

    #[test]
    fn values_without_regex_bytes_are_literals() {
        // Each signal needs `^`, `.`, `|`, `[` or `\`; the shortcut agrees on values with
        // and without them.
        for value in [
            "api", "svc0", "5..", "^/a", "a|b", "[0-9]", "db\\d+", "web-.*", "x.y",
        ] {
            assert_eq!(looks_like_regex(value), regex_signals(value), "{value}");
        }
    }

    #[test]
    fn invalid_regexes_are_left_alone() {
        assert!(found(r#"x{v="^(unclosed"}"#).is_empty());
    }
}
