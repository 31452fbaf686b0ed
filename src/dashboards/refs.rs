//! Variable references in strings, found the way Grafana finds them: `$name`,
//! `${name}`, `${name.path:format}` and the deprecated `[[name]]` / `[[name:format]]`.

use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

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

// Grafana's `variableRegex`, with `\w` spelled out because JavaScript's is ASCII-only.
static VARIABLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\$([A-Za-z0-9_]+)|\[\[([A-Za-z0-9_]+?)(?::([A-Za-z0-9_]+))?\]\]|\$\{([A-Za-z0-9_]+)(?:\.([^:^\}]+))?(?::([^\}]+))?\}",
    )
    .expect("valid regex")
});

/// Every reference in `text`, left to right.
pub fn find(text: &str) -> Vec<VarRef> {
    if !text.contains('$') && !text.contains("[[") {
        return Vec::new();
    }
    VARIABLE.captures_iter(text).map(from_captures).collect()
}

/// The reference that starts exactly at `offset`, if one does.
pub fn at(text: &str, offset: usize) -> Option<VarRef> {
    let captures = VARIABLE.captures_at(text, offset)?;
    if captures.get(0)?.start() != offset {
        return None;
    }
    Some(from_captures(captures))
}

fn from_captures(captures: regex::Captures<'_>) -> VarRef {
    let whole = captures.get(0).expect("group 0");
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
        range: whole.range(),
        name,
        path,
        format,
        syntax,
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

    #[test]
    fn at_is_anchored() {
        assert_eq!(at("x $a", 0), None);
        assert_eq!(at("x $a", 2).map(|r| r.name), Some("a".into()));
        assert_eq!(at("[[[a]]]", 0), None);
        assert_eq!(at("[[[a]]]", 1).map(|r| r.name), Some("a".into()));
    }
}
