//! A small token-level reading of an (expanded) PromQL query: range brackets with the
//! function call they sit in, and label matchers with their quoted values. String
//! literals and comments are skipped exactly, so nothing inside them is misread.

use std::ops::Range;

/// A `[...]` range or subquery, with the innermost function call around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bracket {
    /// Bytes inside the brackets.
    pub inside: Range<usize>,
    pub call: Option<String>,
}

/// `label op "value"` inside a selector's braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatcherString {
    pub label: Range<usize>,
    pub op: String,
    /// Bytes inside the quotes.
    pub value: Range<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub brackets: Vec<Bracket>,
    pub matchers: Vec<MatcherString>,
    /// Every string literal, quotes included.
    pub strings: Vec<Range<usize>>,
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// Offset past the string literal at `start`.
pub fn string_end(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == b'\\' && quote != b'`' {
            i += 2;
            continue;
        }
        if bytes[i] == quote {
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

pub fn scan(source: &str) -> Scan {
    let bytes = source.as_bytes();
    let mut out = Scan::default();
    let mut calls: Vec<Option<String>> = Vec::new();
    let mut open_brackets: Vec<usize> = Vec::new();
    let mut braces = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' | b'`' => {
                let end = string_end(bytes, i);
                out.strings.push(i..end);
                if braces > 0 {
                    if let Some(matcher) = matcher_before(source, i, end) {
                        out.matchers.push(matcher);
                    }
                }
                i = end;
                continue;
            }
            b'#' => {
                i = source[i..].find('\n').map(|n| i + n).unwrap_or(bytes.len());
                continue;
            }
            b'(' => {
                let before = source[..i].trim_end();
                let start = before
                    .bytes()
                    .rposition(|b| !is_ident(b))
                    .map(|p| p + 1)
                    .unwrap_or(0);
                let word = &before[start..];
                calls.push((!word.is_empty()).then(|| word.to_string()));
            }
            b')' => {
                calls.pop();
            }
            b'{' => braces += 1,
            b'}' => braces = braces.saturating_sub(1),
            b'[' => open_brackets.push(i + 1),
            b']' => {
                if let Some(start) = open_brackets.pop() {
                    let call = calls.last().cloned().flatten();
                    out.brackets.push(Bracket {
                        inside: start..i,
                        call,
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// The matcher whose quoted value spans `quote_start..quote_end`, if the text before it
/// reads `label op`.
fn matcher_before(source: &str, quote_start: usize, quote_end: usize) -> Option<MatcherString> {
    let before = source[..quote_start].trim_end();
    let op = ["!=", "=~", "!~", "="]
        .into_iter()
        .find(|op| before.ends_with(op))?;
    let before_op = before[..before.len() - op.len()].trim_end();
    let start = before_op
        .bytes()
        .rposition(|b| !is_ident(b))
        .map(|p| p + 1)
        .unwrap_or(0);
    if start == before_op.len() {
        return None;
    }
    // `==` is a comparison, not a matcher.
    if op == "=" && before_op.ends_with('=') {
        return None;
    }
    Some(MatcherString {
        label: start..before_op.len(),
        op: op.to_string(),
        value: quote_start + 1..quote_end.saturating_sub(1).max(quote_start + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_know_their_call() {
        let s = scan(r#"max_over_time(rate(x{a="[("}[1m])[1h:5m])"#);
        let calls: Vec<_> = s.brackets.iter().map(|b| b.call.clone()).collect();
        assert_eq!(
            calls,
            vec![Some("rate".into()), Some("max_over_time".into())]
        );
    }

    #[test]
    fn matchers_with_values() {
        let src = r#"up{job="$job", instance=~"$i"} == 1"#;
        let s = scan(src);
        assert_eq!(s.matchers.len(), 2);
        assert_eq!(&src[s.matchers[0].label.clone()], "job");
        assert_eq!(s.matchers[0].op, "=");
        assert_eq!(&src[s.matchers[0].value.clone()], "$job");
        assert_eq!(s.matchers[1].op, "=~");
    }
}
