//! Recognising Helm / Jinja templates that are not YAML yet.
//!
//! Prometheus annotations are full of `{{ $labels.x }}` inside quoted strings, which is
//! fine YAML. A template *directive* where YAML expects structure (`{{- if ... }}` on
//! its own line, `key: {{ .Values.x }}` unquoted, `{% for %}`) means the file must be
//! rendered before it can be linted.

use crate::source::Span;

/// The first template directive in a structural position, if any.
pub fn find_template_marker(text: &str) -> Option<Span> {
    let mut line_start = 0;
    // Indentation of the line that opened a block scalar (`key: |`) we are inside:
    // its content is text, where `{{ ... }}` is an alert template, not structure.
    let mut block_header_indent: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let start = line_start;
        line_start += line.len();
        let indent = line.len() - line.trim_start_matches(' ').len();
        let blank = line.trim().is_empty();
        match block_header_indent {
            Some(header) if blank || indent > header => continue,
            _ => block_header_indent = None,
        }
        if opens_block_scalar(line) {
            block_header_indent = Some(indent);
        }
        if let Some(offset) = marker_in_line(line) {
            let at = start + offset;
            let span = at..at + directive_len(&text[at..]);
            if !is_prometheus_template(&text[span.clone()]) {
                return Some(span);
            }
        }
    }
    None
}

/// Whether a line ends with a block scalar header (`|`, `>-`, `|2+`, ...), before any
/// comment.
fn opens_block_scalar(line: &str) -> bool {
    let content = match line.find(" #") {
        Some(at) => &line[..at],
        None => line,
    };
    let last_word = content.trim_end().rsplit([' ', '\t']).next().unwrap_or("");
    let mut chars = last_word.chars();
    matches!(chars.next(), Some('|' | '>')) && chars.all(|c| matches!(c, '+' | '-' | '1'..='9'))
}

/// Offset in `line` of a directive that starts a node: at the start of the line's
/// content, after `- `, or right after an unquoted `key:`.
fn marker_in_line(line: &str) -> Option<usize> {
    let mut rest = line.trim_start_matches([' ', '\t']);
    loop {
        if starts_directive(rest) {
            return Some(line.len() - rest.len());
        }
        if let Some(after_dash) = rest.strip_prefix("- ") {
            rest = after_dash.trim_start_matches(' ');
            continue;
        }
        break;
    }
    // `key: {{ ... }}`: the key is plain (no quotes, no comment before the colon).
    let colon = rest.find(": ")?;
    let key = &rest[..colon];
    if key.is_empty() || key.contains(['"', '\'', '#', '{', '[']) {
        return None;
    }
    let value = rest[colon + 1..].trim_start_matches(' ');
    if starts_directive(value) {
        return Some(line.len() - value.len());
    }
    None
}

/// Prometheus' own alert templates (`{{ $labels.job }}`, `{{ $value | humanize }}`)
/// may start a line of a block scalar; they are not Helm or Jinja.
fn is_prometheus_template(directive: &str) -> bool {
    [
        "$labels",
        "$value",
        "$externalLabels",
        "$externalURL",
        "humanize",
    ]
    .iter()
    .any(|word| directive.contains(word))
}

fn starts_directive(s: &str) -> bool {
    s.starts_with("{{") || s.starts_with("{%")
}

/// Length of the directive at the start of `s`, through its closing braces if they are
/// on the same line.
fn directive_len(s: &str) -> usize {
    let line_len = s.find('\n').unwrap_or(s.len());
    let close = if s.starts_with("{%") { "%}" } else { "}}" };
    s[..line_len]
        .find(close)
        .map_or(2, |at| at + close.len())
        .min(line_len.max(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_helm_control_lines() {
        let text = "a: 1\n{{- if .Values.enabled }}\ngroups: []\n";
        let span = find_template_marker(text).unwrap();
        assert_eq!(&text[span], "{{- if .Values.enabled }}");
    }

    #[test]
    fn finds_unquoted_values_and_list_items() {
        let text = "metadata:\n  namespace: {{ .Values.ns }}\n";
        assert_eq!(
            &text[find_template_marker(text).unwrap()],
            "{{ .Values.ns }}"
        );
        let text = "items:\n  - {% for x in y %}\n";
        assert_eq!(
            &text[find_template_marker(text).unwrap()],
            "{% for x in y %}"
        );
    }

    #[test]
    fn ignores_prometheus_templates_in_strings() {
        let text = "annotations:\n  summary: 'Instance {{ $labels.instance }} down'\n  d: \"{{ $value }}\"\n  e: |\n    x {{ $value }}\n";
        assert_eq!(find_template_marker(text), None);
        let text = "description: |\n  {{ $labels.instance }} is down\n";
        assert_eq!(find_template_marker(text), None);
        // Block scalar content is text, whatever the template says.
        let text = "d: >\n  Load is high:\n    {{ range $x := . }}{{ $x }}{{ end }}\nkey: 1\n";
        assert_eq!(find_template_marker(text), None);
        // After the block, structure is structure again.
        let text = "d: |-\n  text\n{{- if .Values.x }}\n";
        assert!(find_template_marker(text).is_some());
    }
}
