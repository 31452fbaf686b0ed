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
use rustc_hash::FxHashMap;

/// A matcher regex compiled as Prometheus anchors it (`^(?s:<pattern>)$`), remembered
/// for the run; `None` when the engine cannot read it (callers then stay silent).
pub fn compiled(pattern: &str) -> Option<regex::Regex> {
    static COMPILED: Memo<Option<regex::Regex>> = Memo::new();
    // `Regex` clones share the compiled program.
    COMPILED.get(pattern, |pattern| {
        regex::Regex::new(&format!("^(?s:{pattern})$")).ok()
    })
}

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

/// Answers about patterns, remembered for the run. A run meets the same matcher regex
/// many times (`status_code=~"5.."` in hundreds of rules), and the parser, the label
/// analysis and several checks each ask about it. An answer is a pure function of the
/// pattern, so sharing it between threads cannot change any output.
struct Memo<T> {
    answers: std::sync::LazyLock<std::sync::Mutex<FxHashMap<Box<str>, T>>>,
}

/// A long-running process (the language server) meets ever new patterns: past this
/// many, the memo starts over instead of growing.
const MEMO_LIMIT: usize = 4096;

impl<T: Clone> Memo<T> {
    const fn new() -> Self {
        Memo {
            answers: std::sync::LazyLock::new(Default::default),
        }
    }

    /// The remembered answer for `pattern`, or `compute`'s (computed outside the lock,
    /// so threads never wait for one another's regex work).
    fn get(&self, pattern: &str, compute: impl FnOnce(&str) -> T) -> T {
        let lock = || self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(answer) = lock().get(pattern) {
            return answer.clone();
        }
        let answer = compute(pattern);
        let mut answers = lock();
        if answers.len() >= MEMO_LIMIT {
            answers.clear();
        }
        answers.insert(pattern.into(), answer.clone());
        answer
    }
}

/// Checks a matcher regex; the error reads like Go's `regexp` errors.
pub fn validate(pattern: &str) -> Result<(), String> {
    if trivially_valid(pattern) {
        return Ok(());
    }
    static VALIDATED: Memo<Result<(), String>> = Memo::new();
    VALIDATED.get(pattern, validate_uncached)
}

/// Longest pattern [`trivially_valid`] answers for: far below any size limit of Go's
/// or Rust's parser.
const TRIVIAL_MAX_LEN: usize = 1000;

/// Whether `pattern` is alternatives of literal characters and `.`, each at most once
/// repeated by `*`, `+` or `?` (greedy or lazy): what most matcher regexes are (`5..`,
/// `ns3.*`, `GET|POST`). Go and Rust accept every such pattern, so no parser needs to
/// see it: parsing costs ~20,000 instructions a pattern, and a corpus has thousands of
/// distinct ones. Anything else (groups, classes, escapes, counts, a repetition without
/// an argument or of a repetition) is left to the parsers.
fn trivially_valid(pattern: &str) -> bool {
    let bytes = pattern.as_bytes();
    if bytes.len() > TRIVIAL_MAX_LEN {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'|' {
            i += 1;
            continue;
        }
        if !trivial_atom(bytes[i]) {
            return false;
        }
        i += 1;
        if matches!(bytes.get(i), Some(b'*' | b'+' | b'?')) {
            i += 1;
            // The lazy form; a third operator is Go's nested repetition error.
            i += usize::from(bytes.get(i) == Some(&b'?'));
        }
    }
    true
}

/// A byte that is one literal character (or `.`) in RE2 and Rust syntax alike.
fn trivial_atom(byte: u8) -> bool {
    const PUNCTUATION: &[u8] = b"._-:/ ,=@%!'\"<>~&;";
    byte.is_ascii_alphanumeric() || PUNCTUATION.contains(&byte)
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
    static MATCHES_EMPTY: Memo<bool> = Memo::new();
    MATCHES_EMPTY.get(pattern, matches_empty_uncached)
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

    /// The shortcut answers only for patterns both parsers accept: every string of up to
    /// five characters over the bytes that matter (atoms, operators, alternation, and a
    /// few the shortcut must leave to the parsers).
    #[test]
    fn trivially_valid_patterns_are_valid() {
        let alphabet = [b'a', b'.', b'*', b'+', b'?', b'|', b'(', b'{', b'\\', b'['];
        let mut trivial = 0;
        for len in 0..=5u32 {
            for mut n in 0..alphabet.len().pow(len) {
                let mut pattern = String::new();
                for _ in 0..len {
                    pattern.push(char::from(alphabet[n % alphabet.len()]));
                    n /= alphabet.len();
                }
                if trivially_valid(&pattern) {
                    trivial += 1;
                    assert_eq!(validate_uncached(&pattern), Ok(()), "{pattern:?}");
                }
            }
        }
        assert!(trivial > 1000, "{trivial}");
        let shortcut = [
            "5..",
            "ns3.*",
            "GET|POST",
            "a*?b+?c??",
            "",
            "|",
            "api-v1/x:y",
        ];
        for pattern in shortcut {
            assert!(trivially_valid(pattern), "{pattern:?}");
        }
        for pattern in ["a**", "*a", "a|+", "a???", "(a)", "a{2}", r"\d", "[a]", "é"] {
            assert!(!trivially_valid(pattern), "{pattern:?}");
        }
    }

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
