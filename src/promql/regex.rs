//! Label-matcher regexes as Prometheus treats them: Go RE2 syntax, fully anchored
//! (`^(?s:<pattern>)$`).
//!
//! Validation uses `regex-syntax` (Rust's regex grammar, close to RE2). Known
//! divergences, handled here so valid Prometheus regexes are not rejected:
//! - Go reads a `{` that does not start a valid repetition (`{n}`, `{n,}`, `{n,m}`) as a
//!   literal; Rust rejects it. We escape such braces before validating.
//! - Go accepts `\Q...\E` literal quoting; Rust does not. We quote the inner text.
//!
//! Go rejects what Rust accepts in three ways, checked before Rust's parser
//! ([`go_only_errors`]), so a regex Prometheus would refuse to load is an error here too:
//! - a repetition operator applied to a repetition (`a**`, `a++`, `a*+`, `a{2}{3}`,
//!   `a???`): Go's "invalid nested repetition operator";
//! - a repetition count above 1000 (`a{1001}`, `a{1,1001}`): "invalid repeat count";
//! - nesting: Go allows 1000 levels of groups, Rust's default is 250 (raised to match).
//!
//! Remaining divergences: Rust accepts `x{,n}` (Go reads it literally, both accept);
//! Go refuses programs over its size budget (`((a{1000}){1000}){1000}`, "expression
//! too large"), which is not modelled.

use regex_syntax::ParserBuilder;

/// Rewrites the Go-only syntax above into equivalent Rust syntax.
fn to_rust_syntax(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut i = 0;
    let mut in_class = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            if chars[i + 1] == 'Q' && !in_class {
                let mut j = i + 2;
                let mut quoted = String::new();
                while j < chars.len() {
                    if chars[j] == '\\' && chars.get(j + 1) == Some(&'E') {
                        j += 2;
                        break;
                    }
                    quoted.push(chars[j]);
                    j += 1;
                }
                out.push_str(&regex_syntax::escape(&quoted));
                i = j;
                continue;
            }
            out.push(c);
            out.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if in_class {
            if c == ']' {
                in_class = false;
            }
            out.push(c);
            i += 1;
            continue;
        }
        match c {
            '[' => {
                in_class = true;
                out.push(c);
                // `[]a]` and `[^]a]`: a leading `]` is a literal.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i + 1) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            '{' => match repetition_len(&chars[i..]) {
                Some(len) => {
                    out.extend(&chars[i..i + len]);
                    i += len;
                    continue;
                }
                None => out.push_str("\\{"),
            },
            '}' => out.push_str("\\}"),
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Length of a Go repetition `{n}`, `{n,}` or `{n,m}` at the start of `chars`.
fn repetition_len(chars: &[char]) -> Option<usize> {
    let mut i = 1;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < chars.len() && chars[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    if !digits(&mut i) {
        return None;
    }
    if chars.get(i) == Some(&',') {
        i += 1;
        digits(&mut i);
    }
    (chars.get(i) == Some(&'}')).then_some(i + 1)
}

/// Go's largest repetition count (`regexp/syntax`: `{1000}` is the most).
const MAX_REPEAT: u32 = 1000;

/// Go's deepest nesting of groups (`regexp/syntax` `maxHeight`).
const MAX_NESTING: u32 = 1000;

/// The errors Go's `regexp/syntax` gives that Rust's parser does not: stacked
/// repetition operators and counts above 1000. Worded as Go words them.
fn go_only_errors(pattern: &str) -> Result<(), String> {
    let chars: Vec<char> = pattern.chars().collect();
    let text = |range: std::ops::Range<usize>| chars[range].iter().collect::<String>();
    // Where the repetition operator just before the current position began, if the
    // previous item was one.
    let mut last_repeat: Option<usize> = None;
    let mut i = 0;
    while i < chars.len() {
        let op_len = match chars[i] {
            '*' | '+' | '?' => Some(1),
            '{' => repetition_len(&chars[i..]),
            _ => None,
        };
        let Some(mut op_len) = op_len else {
            last_repeat = None;
            i += skip_item(&chars, i);
            continue;
        };
        if chars[i] == '{' {
            let counts = text(i + 1..i + op_len - 1);
            let too_big = counts
                .split(',')
                .any(|n| !n.is_empty() && n.parse::<u32>().map_or(true, |n| n > MAX_REPEAT));
            if too_big {
                return Err(format!(
                    "error parsing regexp: invalid repeat count: `{}`",
                    text(i..i + op_len)
                ));
            }
        }
        if chars.get(i + op_len) == Some(&'?') {
            op_len += 1; // non-greedy marker, part of the same operator
        }
        if let Some(start) = last_repeat {
            return Err(format!(
                "error parsing regexp: invalid nested repetition operator: `{}`",
                text(start..i + op_len)
            ));
        }
        last_repeat = Some(i);
        i += op_len;
    }
    Ok(())
}

/// Length of the item at `i` that is not a repetition operator: an escape (`\d`,
/// `\Q...\E`), a bracketed class, or one character.
fn skip_item(chars: &[char], i: usize) -> usize {
    match chars[i] {
        '\\' if chars.get(i + 1) == Some(&'Q') => {
            let mut j = i + 2;
            while j < chars.len() && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E')) {
                j += 1;
            }
            (j + 2).min(chars.len()) - i
        }
        '\\' => 2.min(chars.len() - i),
        '[' => {
            let mut j = i + 1;
            if chars.get(j) == Some(&'^') {
                j += 1;
            }
            if chars.get(j) == Some(&']') {
                j += 1; // a leading `]` is a literal
            }
            while j < chars.len() && chars[j] != ']' {
                // `[:alpha:]` holds no `]` before its end; escapes may hide one.
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            (j + 1).min(chars.len()) - i
        }
        _ => 1,
    }
}

/// Checks a matcher regex; the error reads like Go's `regexp` errors.
pub fn validate(pattern: &str) -> Result<(), String> {
    thread_local! {
        static VALIDATED: Memo<Result<(), String>> = Memo::default();
    }
    VALIDATED.with(|memo| memo.get_or(pattern, || validate_uncached(pattern)))
}

/// Results of a pure function of a pattern, per thread: a rule file repeats the same few
/// patterns (`code=~"5.."`) in hundreds of expressions, and the language server lints
/// the same file again on every change; parsing each costs more than the rest of the
/// matcher's checks. Bounded: emptied when full.
struct Memo<T>(std::cell::RefCell<std::collections::HashMap<String, T>>);

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo(Default::default())
    }
}

impl<T: Clone> Memo<T> {
    const MAX_ENTRIES: usize = 4096;

    fn get_or(&self, pattern: &str, compute: impl FnOnce() -> T) -> T {
        if let Some(found) = self.0.borrow().get(pattern) {
            return found.clone();
        }
        let value = compute();
        let mut map = self.0.borrow_mut();
        if map.len() >= Self::MAX_ENTRIES {
            map.clear();
        }
        map.insert(pattern.to_string(), value.clone());
        value
    }
}

fn validate_uncached(pattern: &str) -> Result<(), String> {
    go_only_errors(pattern)?;
    let anchored = format!("^(?s:{})$", to_rust_syntax(pattern));
    ParserBuilder::new()
        .nest_limit(MAX_NESTING + 2)
        .build()
        .parse(&anchored)
        .map(|_| ())
        .map_err(|e| {
            let detail = match &e {
                regex_syntax::Error::Parse(p) => p.kind().to_string(),
                regex_syntax::Error::Translate(t) => t.kind().to_string(),
                other => other.to_string(),
            };
            format!("error parsing regexp: {detail}: `{pattern}`")
        })
}

/// Does the anchored regex match the empty string? (Used for "at least one non-empty
/// matcher".) An invalid regex answers `false`; it was reported already.
pub fn matches_empty(pattern: &str) -> bool {
    thread_local! {
        static EMPTY: Memo<bool> = Memo::default();
    }
    EMPTY.with(|memo| memo.get_or(pattern, || matches_empty_uncached(pattern)))
}

fn matches_empty_uncached(pattern: &str) -> bool {
    // Every selector's matchers ask this, so it must be cheap: compiling the regex costs
    // far more than parsing it. Without assertions (`^`, `$`, `\b`), a regex matches the
    // empty string exactly when its shortest match is empty, which the parse tells.
    let Ok(hir) = ParserBuilder::new().build().parse(&to_rust_syntax(pattern)) else {
        return false;
    };
    let properties = hir.properties();
    if properties.look_set().is_empty() {
        return properties.minimum_len() == Some(0);
    }
    matches_empty_compiled(pattern)
}

/// [`matches_empty`] by running the compiled, anchored regex on "".
fn matches_empty_compiled(pattern: &str) -> bool {
    regex::Regex::new(&format!("^(?s:{})$", to_rust_syntax(pattern)))
        .map(|re| re.is_match(""))
        .unwrap_or(false)
}

/// The pattern's literal value when it has no regex meta characters at all, e.g.
/// `foo` or `foo\.bar` (the latter unescaped to `foo.bar`).
pub fn literal_value(pattern: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let next = chars.next()?;
                if next.is_ascii_alphanumeric() {
                    return None;
                }
                out.push(next);
            }
            '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' => {
                return None
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_literal_braces_are_accepted() {
        assert!(validate("a{").is_ok());
        assert!(validate("{foo}").is_ok());
        assert!(validate("a{2,3}").is_ok());
        assert!(validate(r"\Q.*\E").is_ok());
        assert!(validate("[]a]").is_ok());
    }

    /// Regression (issue 16): Go refuses these, so Prometheus refuses to load the rule.
    #[test]
    fn what_go_rejects_is_rejected() {
        for (pattern, message) in [
            ("a**", "invalid nested repetition operator: `**`"),
            ("a++", "invalid nested repetition operator: `++`"),
            ("a*+", "invalid nested repetition operator: `*+`"),
            ("a{2}{3}", "invalid nested repetition operator: `{2}{3}`"),
            ("a*?+", "invalid nested repetition operator: `*?+`"),
            ("a???", "invalid nested repetition operator: `???`"),
            ("a{1001}", "invalid repeat count: `{1001}`"),
            ("a{1,1001}", "invalid repeat count: `{1,1001}`"),
            ("(a{99999999999})", "invalid repeat count: `{99999999999}`"),
        ] {
            let error = validate(pattern).unwrap_err();
            assert_eq!(
                error,
                format!("error parsing regexp: {message}"),
                "{pattern}"
            );
        }
        for pattern in [
            "a*?",
            "a??",
            "a+?b*",
            "(a*)*",
            "a{1000}",
            "a{2}b{3}",
            "[*+]+",
            "\\*+",
            "a{,5}*",
            "\\Q**\\E+",
            "[]*]*",
            "(?i)a*",
            "x{2,}?",
            "a|*",
        ] {
            if pattern == "a|*" {
                assert!(validate(pattern).is_err(), "missing argument: {pattern}");
                continue;
            }
            assert_eq!(validate(pattern), Ok(()), "{pattern}");
        }
        // Go nests groups 1000 deep; Rust's default stopped at 250.
        let deep = format!("{}a{}", "(".repeat(900), ")".repeat(900));
        assert_eq!(validate(&deep), Ok(()));
    }

    #[test]
    fn invalid_regexes_are_rejected() {
        let err = validate("(").unwrap_err();
        assert!(err.starts_with("error parsing regexp: "), "{err}");
        assert!(validate("a{2,1}").is_err());
    }

    #[test]
    fn empty_matching() {
        assert!(matches_empty(".*"));
        assert!(!matches_empty(".+"));
        assert!(matches_empty("a|"));
        assert!(!matches_empty("[a-z]"));
        assert!(matches_empty("(foo)?"));
        assert!(!matches_empty("\\b"));
        assert!(matches_empty("^$"));
        assert!(!matches_empty("(?:)+x"));
        assert!(!matches_empty("("));
    }

    #[test]
    fn empty_matching_agrees_with_the_compiled_regex() {
        let patterns = [
            ".*",
            ".+",
            "a|",
            "",
            "a*",
            "a+",
            "(a|b)*",
            "x?y?",
            "[^a]*",
            "\\s*",
            "\\d+",
            "a{0}",
            "a{0,2}",
            "a{1,}",
            "(?i)foo",
            "foo|bar|",
            "\\b",
            "^",
            "$",
            "^a?$",
            "\\Bx?",
            "(?m)^$",
            "a{",
            "\\Qa.b\\E",
            "[]a]*",
            "5..",
            "(.*)-(.*)",
            "(?s).",
        ];
        for pattern in patterns {
            assert_eq!(
                matches_empty(pattern),
                matches_empty_compiled(pattern),
                "pattern {pattern:?}"
            );
        }
    }

    #[test]
    fn literals() {
        assert_eq!(literal_value("foo"), Some("foo".into()));
        assert_eq!(literal_value(r"foo\.bar"), Some("foo.bar".into()));
        assert_eq!(literal_value("foo.*"), None);
        assert_eq!(literal_value(r"\d"), None);
    }
}
