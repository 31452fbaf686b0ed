//! Strict JSON with positions.
//!
//! `jsonc-parser` gives an AST whose nodes carry byte ranges in the text it parsed. The
//! text may be a whole file or a dashboard embedded in a YAML string; a [`JsonText`] pairs
//! it with the map from its bytes to file bytes, so every span and every decoded string
//! comes back to the exact file byte, JSON escapes included.

use crate::source::{OffsetMap, OffsetMapBuilder, Span};
use jsonc_parser::ast::{Object, StringLit, Value};
use jsonc_parser::{CollectOptions, ParseOptions};

/// A decoded string value with its place in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    pub value: String,
    /// The whole token in the file, quotes included.
    pub span: Span,
    /// Decoded byte -> file byte.
    pub map: OffsetMap,
}

impl Text {
    /// File span of a byte range of the decoded value.
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Span {
        self.map.span_to_file(range)
    }

    /// File span of the decoded value itself (inside the quotes).
    pub fn value_span(&self) -> Span {
        if self.value.is_empty() {
            let inside = (self.span.start + 1).min(self.span.end);
            return inside..inside;
        }
        self.span_of(0..self.value.len())
    }
}

/// A JSON syntax error at a file span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub span: Span,
    pub message: String,
}

/// The text a JSON value was parsed from and how its bytes map to the file.
#[derive(Clone, Copy)]
pub struct JsonText<'a> {
    pub text: &'a str,
    /// `None`: the text is the file itself (offsets shifted by `shift`, e.g. a BOM).
    pub base: Option<&'a OffsetMap>,
    pub shift: usize,
}

impl<'a> JsonText<'a> {
    pub fn file(text: &'a str) -> Self {
        // A UTF-8 byte-order mark is legal in practice; Grafana's exports never carry one,
        // but editors on Windows add it.
        let (text, shift) = match text.strip_prefix('\u{feff}') {
            Some(rest) => (rest, '\u{feff}'.len_utf8()),
            None => (text, 0),
        };
        JsonText {
            text,
            base: None,
            shift,
        }
    }

    pub fn embedded(text: &'a str, base: &'a OffsetMap) -> Self {
        JsonText {
            text,
            base: Some(base),
            shift: 0,
        }
    }

    /// File offset of a byte of this text.
    pub fn to_file(&self, offset: usize) -> usize {
        match self.base {
            None => offset + self.shift,
            Some(map) => map.to_file(offset),
        }
    }

    /// File span of a range of this text.
    pub fn span(&self, range: jsonc_parser::common::Range) -> Span {
        match self.base {
            None => range.start + self.shift..range.end + self.shift,
            Some(map) => map.span_to_file(range.start..range.end),
        }
    }

    /// Parses strictly (no comments, trailing commas or other JSON5 leniency: Grafana's
    /// own loader rejects them).
    pub fn parse(&self) -> Result<Option<Value<'a>>, JsonError> {
        let options = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        match jsonc_parser::parse_to_ast(self.text, &CollectOptions::default(), &options) {
            Ok(result) => Ok(result.value),
            Err(error) => Err(JsonError {
                span: self.span(error.range()),
                message: error.kind().to_string(),
            }),
        }
    }

    /// Decodes a string literal, building the map from every decoded byte to its file byte.
    pub fn text(&self, lit: &StringLit<'_>) -> Text {
        let raw = &self.text[lit.range.start..lit.range.end];
        let (value, map) = decode(raw, lit.range.start, self);
        Text {
            value,
            span: self.span(lit.range),
            map,
        }
    }
}

/// Decodes a quoted JSON string token starting at text offset `start`.
fn decode(raw: &str, start: usize, json: &JsonText<'_>) -> (String, OffsetMap) {
    let inner = raw
        .strip_prefix('"')
        .map(|r| r.strip_suffix('"').unwrap_or(r))
        .unwrap_or(raw);
    let inner_start = start + (raw.len() - raw.trim_start_matches('"').len()).min(1);
    if json.base.is_none() && !inner.contains('\\') {
        // No escape and no enclosing map: the value is the file's bytes, shifted.
        let start = json.to_file(inner_start);
        return (inner.to_string(), OffsetMap::identity(start, inner.len()));
    }
    let mut value = String::with_capacity(inner.len());
    let mut builder = OffsetMapBuilder::new();
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            // The text up to the next escape, copied as it is.
            let end = inner[i..].find('\\').map_or(inner.len(), |at| i + at);
            if json.base.is_none() {
                // Shifted file bytes: one verbatim run (marking each byte would extend it).
                builder.mark(value.len(), json.to_file(inner_start + i));
            } else {
                for k in 0..end - i {
                    builder.mark(value.len() + k, json.to_file(inner_start + i + k));
                }
            }
            value.push_str(&inner[i..end]);
            i = end;
            continue;
        }
        let file = json.to_file(inner_start + i);
        let (decoded, consumed) = decode_escape(&inner[i..]);
        let mut buf = [0u8; 4];
        let encoded = decoded.encode_utf8(&mut buf);
        for k in 0..encoded.len() {
            // An escaped character starts at its backslash; when it takes several bytes
            // the last one points at the escape's last byte, so a span covers it all.
            let target = if k + 1 == encoded.len() && k > 0 {
                json.to_file(inner_start + i + consumed - 1)
            } else {
                file
            };
            builder.mark(value.len() + k, target);
        }
        value.push(decoded);
        i += consumed;
    }
    let end = json.to_file(inner_start + inner.len());
    let map = builder.finish(value.len(), end);
    (value, map)
}

/// One escape at the start of `s` (which starts with a backslash): the character and the
/// number of bytes it takes. The parser already validated the escape.
fn decode_escape(s: &str) -> (char, usize) {
    let b = s.as_bytes();
    match b.get(1) {
        Some(b'n') => ('\n', 2),
        Some(b't') => ('\t', 2),
        Some(b'r') => ('\r', 2),
        Some(b'b') => ('\u{8}', 2),
        Some(b'f') => ('\u{c}', 2),
        Some(b'u') => {
            let hi = hex4(s.get(2..6));
            if (0xd800..0xdc00).contains(&hi) && s.get(6..8) == Some("\\u") {
                let lo = hex4(s.get(8..12));
                if (0xdc00..0xe000).contains(&lo) {
                    let code = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                    return (char::from_u32(code).unwrap_or('\u{fffd}'), 12);
                }
            }
            (char::from_u32(hi).unwrap_or('\u{fffd}'), 6.min(s.len()))
        }
        Some(&other) if other.is_ascii() => (other as char, 2),
        _ => ('\\', 1),
    }
}

fn hex4(s: Option<&str>) -> u32 {
    s.and_then(|h| u32::from_str_radix(h, 16).ok())
        .unwrap_or(0xfffd)
}

/// What a JSON value is, in words for messages.
pub fn kind_name(value: &Value<'_>) -> &'static str {
    match value {
        Value::StringLit(_) => "a string",
        Value::NumberLit(_) => "a number",
        Value::BooleanLit(_) => "a boolean",
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::NullKeyword(_) => "null",
    }
}

/// The range of any JSON value.
pub fn range_of(value: &Value<'_>) -> jsonc_parser::common::Range {
    match value {
        Value::StringLit(v) => v.range,
        Value::NumberLit(v) => v.range,
        Value::BooleanLit(v) => v.range,
        Value::Object(v) => v.range,
        Value::Array(v) => v.range,
        Value::NullKeyword(v) => v.range,
    }
}

/// Looks up a member of an object by key.
pub fn member<'o, 'a>(object: &'o Object<'a>, key: &str) -> Option<&'o Value<'a>> {
    object.get(key).map(|prop| &prop.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_string(text: &str) -> Text {
        let json = JsonText::file(text);
        let value = json.parse().unwrap().unwrap();
        let object = value.as_object().unwrap();
        let lit = object.properties[0].value.as_string_lit().unwrap();
        json.text(lit)
    }

    #[test]
    fn escapes_map_to_exact_file_bytes() {
        let text = r#"{"expr": "a{b=\"\u00e9\"}\n c"}"#;
        let t = first_string(text);
        assert_eq!(t.value, "a{b=\"é\"}\n c");
        let c = t.value.find('c').unwrap();
        assert_eq!(&text[t.map.to_file(c)..t.map.to_file(c) + 1], "c");
        let quote = t.value.find('"').unwrap();
        // A one-byte escaped character starts at its backslash.
        assert_eq!(
            t.span_of(quote..quote + 1).start,
            text.find("\\\"").unwrap()
        );
        let e = t.value.find('é').unwrap();
        let span = t.span_of(e..e + 'é'.len_utf8());
        assert_eq!(&text[span], "\\u00e9");
        assert_eq!(&text[t.value_span()], r#"a{b=\"\u00e9\"}\n c"#);
    }

    #[test]
    fn surrogate_pairs_decode() {
        let t = first_string(r#"{"a": "x\ud83d\ude00y"}"#);
        assert_eq!(t.value, "x😀y");
        let y = t.value.find('y').unwrap();
        assert_eq!(
            t.map.to_file(y),
            r#"{"a": "x\ud83d\ude00y"}"#.find('y').unwrap()
        );
    }

    #[test]
    fn strict_errors_have_positions() {
        let json = JsonText::file("{\n  \"a\": 1,\n}");
        let error = json.parse().unwrap_err();
        assert_eq!(error.span.start, 10);
    }

    #[test]
    fn embedded_text_maps_through_base() {
        // The JSON `{"e": "x"}` sits at file offset 100, shifted by a YAML scalar map.
        let inner = r#"{"e": "x\ty"}"#;
        let base = OffsetMap::identity(100, inner.len());
        let json = JsonText::embedded(inner, &base);
        let value = json.parse().unwrap().unwrap();
        let lit = value.as_object().unwrap().properties[0]
            .value
            .as_string_lit()
            .unwrap();
        let t = json.text(lit);
        assert_eq!(t.map.to_file(2), 100 + inner.find('y').unwrap());
        assert_eq!(t.span.start, 106);
    }
}
