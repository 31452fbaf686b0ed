//! Secrets never reach any output: before a configuration's text is kept for reports
//! (whose snippets quote the file), the values of secret fields are overwritten with
//! filler of the same byte length, so every span and line stays where it was.

use super::schema::is_secret_key;
use crate::source::Span;
use crate::yaml::{Document, Node, NodeKind};

/// The text with every secret value overwritten.
pub fn redact(text: &str, documents: &[Document]) -> String {
    let mut spans = Vec::new();
    for root in documents.iter().filter_map(|d| d.root.as_ref()) {
        collect(root, false, &mut spans, 0);
    }
    overwrite(text, &spans)
}

/// The text of a file whose YAML does not parse, with the values of lines that look
/// like `secret_key: value` overwritten.
pub fn redact_lines(text: &str) -> String {
    let mut spans = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let key_start = body.len() - body.trim_start_matches([' ', '\t', '-']).len();
        if let Some((key, rest)) = body[key_start..].split_once(':') {
            let key = key.trim().trim_matches(['"', '\'']);
            if is_secret_key(key) {
                let value_start = key_start + key.len() + 1;
                let value = rest.trim();
                if !value.is_empty() && !value.starts_with('#') {
                    let offset = body[value_start..].find(value).unwrap_or(0) + value_start;
                    spans.push(start + offset..start + offset + value.len());
                }
            }
        }
        start += line.len();
    }
    overwrite(text, &spans)
}

const MAX_DEPTH: usize = 200;

fn collect(node: &Node, secret: bool, spans: &mut Vec<Span>, depth: usize) {
    if depth > MAX_DEPTH {
        return;
    }
    match &node.kind {
        NodeKind::Scalar(scalar) if secret && !scalar.is_null() => spans.push(node.span.clone()),
        NodeKind::Scalar(_) | NodeKind::Alias(_) => {}
        NodeKind::Sequence(items) => {
            for item in items {
                collect(item, secret, spans, depth + 1);
            }
        }
        NodeKind::Mapping(entries) => {
            for entry in entries {
                let key = entry.key.as_str().unwrap_or("");
                // Remote write/read and tracing headers often carry API keys.
                let secret = secret || is_secret_key(key) || key == "headers";
                collect(&entry.value, secret, spans, depth + 1);
            }
        }
    }
}

/// Replaces each character inside `spans` with filler of the same UTF-8 length.
fn overwrite(text: &str, spans: &[Span]) -> String {
    if spans.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut inside = vec![false; text.len()];
    for span in spans {
        for flag in &mut inside[span.start.min(text.len())..span.end.min(text.len())] {
            *flag = true;
        }
    }
    for (at, c) in text.char_indices() {
        if inside[at] && !matches!(c, '\n' | '\r' | '"' | '\'') {
            out.push(match c.len_utf8() {
                1 if c == ' ' => ' ',
                1 => '*',
                2 => '×',
                3 => '∗',
                _ => '𝑥',
            });
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceFile;

    #[test]
    fn secret_values_are_overwritten_in_place() {
        let text = "scrape_configs:\n  - job_name: a\n    basic_auth:\n      username: u\n      password: \"hunter2\"\n    tls_config:\n      key: |\n        -----BEGIN KEY-----\n        abc\n";
        let documents = crate::yaml::parse_documents(&SourceFile::new("p.yml", text)).unwrap();
        let redacted = redact(text, &documents);
        assert_eq!(redacted.len(), text.len());
        assert!(
            !redacted.contains("hunter2")
                && !redacted.contains("BEGIN")
                && !redacted.contains("abc")
        );
        assert!(redacted.contains("username: u") && redacted.contains("password: \"*******\""));
    }

    #[test]
    fn broken_files_are_redacted_line_by_line() {
        let text = "scrape_configs:\n  - bearer_token: s3cret\n    password: 'x y'\n  ] broken\n";
        let redacted = redact_lines(text);
        assert_eq!(redacted.len(), text.len());
        assert!(
            !redacted.contains("s3cret") && !redacted.contains("x y"),
            "{redacted}"
        );
    }
}
