//! Label-matcher regexes as Prometheus treats them: Go RE2 syntax, fully anchored
//! (`^(?s:<pattern>)$`).
//!
//! Validation uses `regex-syntax` (Rust's regex grammar, close to RE2). Known
//! divergences, handled here so valid Prometheus regexes are not rejected:
//! - Go reads a `{` that does not start a valid repetition (`{n}`, `{n,}`, `{n,m}`) as a
//!   literal; Rust rejects it. We escape such braces before validating.
//! - Go accepts `\Q...\E` literal quoting; Rust does not. We quote the inner text.
//!
//! Remaining divergences: Rust accepts `x{,n}` (Go reads it literally, both accept) and
//! repetition counts above 1000 (Go rejects `x{1001}`). Neither makes us reject a
//! regex that Prometheus accepts.

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

/// Checks a matcher regex; the error reads like Go's `regexp` errors.
pub fn validate(pattern: &str) -> Result<(), String> {
    let anchored = format!("^(?s:{})$", to_rust_syntax(pattern));
    ParserBuilder::new()
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
