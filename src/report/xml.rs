//! Small helpers for the XML formats (checkstyle, JUnit) on top of quick-xml.

use quick_xml::events::attributes::Attribute;
use quick_xml::name::QName;
use std::borrow::Cow;

/// XML 1.0 forbids most control characters even when escaped; they become U+FFFD.
fn allowed(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
        c => c,
    }
}

/// Escapes an attribute value, keeping line breaks and tabs as character references so
/// parsers do not normalise them to spaces.
pub fn escape_attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars().map(allowed) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// Text content with forbidden control characters replaced; quick-xml escapes the rest.
pub fn clean_text(value: &str) -> String {
    value.chars().map(allowed).collect()
}

/// An attribute whose value is escaped by [`escape_attribute`].
pub fn attribute<'a>(name: &'a str, value: &str) -> Attribute<'a> {
    Attribute {
        key: QName(name.as_bytes()),
        value: Cow::Owned(escape_attribute(value).into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_keep_newlines_and_drop_control_characters() {
        assert_eq!(
            escape_attribute("a<b & \"c\"\nd\u{7}"),
            "a&lt;b &amp; &quot;c&quot;&#10;d\u{fffd}"
        );
    }
}
