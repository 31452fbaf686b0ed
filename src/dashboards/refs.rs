//! Variable references in strings, found the way Grafana finds them: `$name`,
//! `${name}`, `${name.path:format}` and the deprecated `[[name]]` / `[[name:format]]`.

use std::ops::Range;

/// How a reference is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `$name`
    Dollar,
    /// `${name}`, `${name:format}`
    Braced,
    /// `[[name]]` (deprecated)
    Brackets,
}

/// One reference, with its byte range in the string it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRef {
    pub range: Range<usize>,
    pub name: String,
    /// `${__field.labels.x}`: the part after the first dot.
    pub path: Option<String>,
    pub format: Option<String>,
    pub syntax: Syntax,
}

/// Every reference in `text`, left to right.
///
/// The references Grafana's `variableRegex` finds, with `\w` ASCII-only as in JavaScript:
/// `\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}`,
/// matched leftmost-first and without overlap. A hand-written matcher: dashboards hold
/// thousands of templated strings, and a regex with captures cost a quarter of a
/// dashboard run.
pub fn find(text: &str) -> Vec<VarRef> {
    let bytes = text.as_bytes();
    let mut refs = Vec::new();
    let mut i = 0;
    while let Some(found) = next_candidate(bytes, i) {
        match match_at(text, found) {
            Some(reference) => {
                i = reference.range.end;
                refs.push(reference);
            }
            None => i = found + 1,
        }
    }
    refs
}

/// The reference that starts exactly at `offset`, if one does.
pub fn at(text: &str, offset: usize) -> Option<VarRef> {
    match_at(text, offset)
}

/// The first byte at or after `from` that may start a reference (`$` or `[`).
fn next_candidate(bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'$' || b == b'[')
        .map(|at| from + at)
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The end of the run of bytes from `from` that `keep` accepts.
fn run_end(bytes: &[u8], from: usize, keep: impl Fn(u8) -> bool) -> usize {
    from + bytes
        .get(from..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| keep(b)).count())
}

/// The reference that starts at byte `start` of `text`, as the regex above matches it
/// there. Every delimiter is ASCII, so every boundary is a char boundary.
fn match_at(text: &str, start: usize) -> Option<VarRef> {
    let bytes = text.as_bytes();
    let owned = |range: Range<usize>| text[range].to_string();
    match (bytes.get(start)?, bytes.get(start + 1)) {
        // `$name`: the longest run of word characters.
        (b'$', Some(&next)) if is_word(next) => {
            let end = run_end(bytes, start + 1, is_word);
            Some(VarRef {
                range: start..end,
                name: owned(start + 1..end),
                path: None,
                format: None,
                syntax: Syntax::Dollar,
            })
        }
        // `${name}`, `${name.path}`, `${name:format}`, `${name.path:format}`.
        (b'$', Some(b'{')) => {
            let name_start = start + 2;
            let name_end = run_end(bytes, name_start, is_word);
            if name_end == name_start {
                return None;
            }
            let mut at = name_end;
            let mut path = None;
            if bytes.get(at) == Some(&b'.') {
                // A path is the longest run without `:`, `^` or `}`; no shorter run
                // could be followed by `:` or `}`.
                let path_end = run_end(bytes, at + 1, |b| !matches!(b, b':' | b'^' | b'}'));
                if path_end == at + 1 {
                    return None;
                }
                path = Some(owned(at + 1..path_end));
                at = path_end;
            }
            let mut format = None;
            if bytes.get(at) == Some(&b':') {
                // A format runs to the first `}`, and must not be empty.
                let format_end = run_end(bytes, at + 1, |b| b != b'}');
                if format_end == at + 1 {
                    return None;
                }
                format = Some(owned(at + 1..format_end));
                at = format_end;
            }
            if bytes.get(at) != Some(&b'}') {
                return None;
            }
            Some(VarRef {
                range: start..at + 1,
                name: owned(name_start..name_end),
                path,
                format,
                syntax: Syntax::Braced,
            })
        }
        // `[[name]]`, `[[name:format]]`: the name cannot stop before a word character,
        // so the lazy `\w+?` takes the whole run too.
        (b'[', Some(b'[')) => {
            let name_start = start + 2;
            let name_end = run_end(bytes, name_start, is_word);
            if name_end == name_start {
                return None;
            }
            let mut at = name_end;
            let mut format = None;
            if bytes.get(at) == Some(&b':') {
                let format_end = run_end(bytes, at + 1, is_word);
                if format_end == at + 1 {
                    return None;
                }
                format = Some(owned(at + 1..format_end));
                at = format_end;
            }
            if bytes.get(at..at + 2) != Some(b"]]".as_slice()) {
                return None;
            }
            Some(VarRef {
                range: start..at + 2,
                name: owned(name_start..name_end),
                path: None,
                format,
                syntax: Syntax::Brackets,
            })
        }
        _ => None,
    }
}

/// Variables Grafana defines itself (`$__interval`, `$__from`, `${__field.labels.x}`...),
/// and `$timeFilter` of SQL/Influx datasources.
pub fn is_global(name: &str) -> bool {
    name.starts_with("__") || name == "timeFilter"
}

/// `$1` in a `label_replace` replacement, `$0`: regex groups, never variables (Grafana
/// finds no variable by that name and leaves the text as it is).
pub fn is_regex_group(name: &str) -> bool {
    name.bytes().all(|b| b.is_ascii_digit())
}

/// `${DS_PROMETHEUS}`-style placeholders that an import replaces.
pub fn is_export_input(name: &str) -> bool {
    name.starts_with("DS_") || name.starts_with("VAR_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_syntax() {
        let refs = find("a $job ${x:csv} [[old]] ${__field.labels.pod} $1");
        let names: Vec<_> = refs.iter().map(|r| (r.name.as_str(), r.syntax)).collect();
        assert_eq!(
            names,
            vec![
                ("job", Syntax::Dollar),
                ("x", Syntax::Braced),
                ("old", Syntax::Brackets),
                ("__field", Syntax::Braced),
                ("1", Syntax::Dollar),
            ]
        );
        assert_eq!(refs[1].format.as_deref(), Some("csv"));
        assert_eq!(refs[3].path.as_deref(), Some("labels.pod"));
        assert_eq!(&"a $job"[refs[0].range.clone()], "$job");
    }

    /// Grafana's regex, the definition the hand-written matcher follows.
    fn by_regex(text: &str) -> Vec<VarRef> {
        static REGEX: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            regex::Regex::new(
            r"\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+?)(?::([A-Za-z0-9_]+))?\]\]|\$\{([A-Za-z0-9_]+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}",
        )
            .expect("valid regex")
        });
        REGEX
            .captures_iter(text)
            .map(|captures| {
                let text = |i: usize| captures.get(i).map(|m| m.as_str().to_string());
                let (name, path, format, syntax) = if let Some(name) = text(1) {
                    (name, None, None, Syntax::Dollar)
                } else if let Some(name) = text(2) {
                    (name, None, text(3), Syntax::Brackets)
                } else {
                    (
                        text(4).unwrap_or_default(),
                        text(5),
                        text(6),
                        Syntax::Braced,
                    )
                };
                VarRef {
                    range: captures.get(0).expect("group 0").range(),
                    name,
                    path,
                    format,
                    syntax,
                }
            })
            .collect()
    }

    #[test]
    fn the_matcher_finds_what_grafanas_regex_finds() {
        let cases = [
            "",
            "$",
            "$$a",
            "${",
            "${}",
            "${a",
            "${a}",
            "${a.}",
            "${a.b}",
            "${a.b:}",
            "${a:}",
            "${a:b}",
            "${a.b:c}",
            "${a.b^c}",
            "${a.b.c:d:e}",
            "${a.b}}",
            "${a:b{c}",
            "${a-b}",
            "${é}",
            "${a.é:ü}",
            "[[",
            "[[]]",
            "[[a]",
            "[[a]]",
            "[[a:]]",
            "[[a:b]]",
            "[[a:b-c]]",
            "[[a:b]",
            "[[[a]]]",
            "[[a]]]]",
            "$a$b",
            "$a${b}[[c]]",
            "x$é$a",
            "$__rate_interval",
            "${__field.labels.pod}",
            "a $job ${x:csv} [[old]] ${__field.labels.pod} $1",
            "${a\n.b}",
            "${a.b\n:c\n}",
            "[[a:b:c]]",
            "$[[a]]",
            "[$a]",
            "${${a}}",
            "$${a}",
        ];
        for case in cases {
            assert_eq!(find(case), by_regex(case), "{case:?}");
        }
        // Every string of up to four symbols from an alphabet of the delimiters.
        let alphabet = ['$', '{', '}', '[', ']', ':', '.', '^', 'a', '-', 'é'];
        let mut strings = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = strings
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            for text in &longer {
                assert_eq!(find(text), by_regex(text), "{text:?}");
                for offset in 0..=text.len() {
                    if text.is_char_boundary(offset) {
                        let expected = by_regex(&text[offset..])
                            .into_iter()
                            .next()
                            .filter(|r| r.range.start == 0);
                        let found = at(text, offset).map(|r| VarRef {
                            range: r.range.start - offset..r.range.end - offset,
                            ..r
                        });
                        assert_eq!(found, expected, "{text:?} at {offset}");
                    }
                }
            }
            strings = longer;
        }
    }

    #[test]
    fn at_is_anchored() {
        assert_eq!(at("x $a", 0), None);
        assert_eq!(at("x $a", 2).map(|r| r.name), Some("a".into()));
        assert_eq!(at("[[[a]]]", 0), None);
        assert_eq!(at("[[[a]]]", 1).map(|r| r.name), Some("a".into()));
    }
}
