//! Every scalar style and JSON strings: an edit on the decoded text, applied to the
//! file, must parse back to exactly the edited value, or be refused.

use super::*;
use crate::dashboards::json::JsonText;
use crate::source::SourceFile;
use crate::yaml::{parse_documents, Scalar, ScalarStyle};

/// The scalar under key `expr` in the first document.
fn expr_scalar(text: &str) -> Scalar {
    let file = SourceFile::new("t.yml", text);
    let documents = parse_documents(&file).expect("valid YAML");
    let root = documents[0].root.as_ref().expect("a document");
    root.get("expr")
        .and_then(|node| node.as_scalar())
        .expect("an expr scalar")
        .clone()
}

/// Replaces the first `needle` in the decoded `expr` by `replacement`, then checks the
/// patched file parses back to the expected value and keeps its style. Returns the
/// patched file.
fn edit_yaml(text: &str, needle: &str, replacement: &str) -> Option<String> {
    let scalar = expr_scalar(text);
    let start = scalar.value.find(needle).expect("needle in value");
    let range = start..start + needle.len();
    let edit = decoded_edit(text, &scalar.map, &scalar.value, range.clone(), replacement)?;
    let mut patched = text.to_string();
    patched.replace_range(edit.span.clone(), &edit.replacement);
    let reparsed = expr_scalar(&patched);
    let mut expected = scalar.value.clone();
    expected.replace_range(range, replacement);
    assert_eq!(reparsed.value, expected, "patched file:\n{patched}");
    assert_eq!(reparsed.style, scalar.style, "style kept:\n{patched}");
    Some(patched)
}

#[test]
fn plain_scalars_take_plain_text() {
    let patched = edit_yaml("expr: up{job=~\"api\"} > 0 # note\n", "=~", "=").unwrap();
    assert_eq!(patched, "expr: up{job=\"api\"} > 0 # note\n");
}

#[test]
fn plain_scalars_refuse_text_that_needs_quotes() {
    assert!(edit_yaml("expr: up > 0\n", " > 0", " # x").is_none());
    assert!(edit_yaml("expr: up > 0\n", "up", "a: b").is_none());
    assert!(edit_yaml("expr: up > 0\n", "up", "*x").is_none());
    assert!(edit_yaml("expr: up > 0\n", "up > 0", "true").is_none());
    assert!(edit_yaml("expr: up > 0\n", "up", "a\nb").is_none());
}

#[test]
fn plain_scalars_in_flow_collections_refuse_flow_indicators() {
    let text = "x: [a]\nexpr: {y: 1}\n";
    // `expr` holds a mapping here; the plain scalar check is about the line prefix.
    assert_eq!(
        plain_at(text, text.find('y').unwrap()),
        Some(Encoding::Plain { flow: true })
    );
    assert!(!plain_value_is_safe("sum by (a, le) (x)", true));
    assert!(plain_value_is_safe("sum by (a, le) (x)", false));
}

#[test]
fn multi_line_plain_scalars_edit_within_a_line() {
    let text = "expr: sum by (route)\n  (rate(x[5m]))\nfor: 5m\n";
    let patched = edit_yaml(text, "[5m]", "[10m]").unwrap();
    assert_eq!(patched, "expr: sum by (route)\n  (rate(x[10m]))\nfor: 5m\n");
    // The folded space between the lines cannot be edited in place.
    assert!(edit_yaml(text, ") (", ")(").is_none());
    // A blank at the start of a continuation line would be folded away.
    assert!(edit_yaml(text, "(rate", " (rate").is_none());
}

#[test]
fn single_quoted_scalars_double_their_quotes() {
    let text = "expr: 'up{job=~\"a\"} or vector(0)'\n";
    let patched = edit_yaml(text, "=~\"a\"", "='it''s'").unwrap();
    assert_eq!(patched, "expr: 'up{job=''it''''s''} or vector(0)'\n");
    let patched = edit_yaml("expr: 'a{x=''y''}'\n", "'y'", "'z'").unwrap();
    assert_eq!(patched, "expr: 'a{x=''z''}'\n");
    assert!(edit_yaml(text, "up", "a\nb").is_none());
}

#[test]
fn double_quoted_scalars_escape() {
    let text = "expr: \"up{job=~\\\"api\\\"} > 0\"\n";
    let patched = edit_yaml(text, "=~\"api\"", "=\"a\\b\"").unwrap();
    assert_eq!(patched, "expr: \"up{job=\\\"a\\\\b\\\"} > 0\"\n");
    // A line break becomes `\n`.
    let patched = edit_yaml(text, " > 0", "\n> 0").unwrap();
    assert!(patched.contains("\\n> 0"), "{patched}");
}

#[test]
fn double_quoted_edits_never_start_inside_an_escape() {
    let text = "expr: \"a{b=\\\"\\u00e9\\\"}\"\n";
    let patched = edit_yaml(text, "é", "e").unwrap();
    assert_eq!(patched, "expr: \"a{b=\\\"e\\\"}\"\n");
    let patched = edit_yaml(text, "\"é\"", "\"x\"").unwrap();
    assert_eq!(patched, "expr: \"a{b=\\\"x\\\"}\"\n");
}

#[test]
fn multi_line_double_quoted_scalars_keep_their_folding() {
    let text = "expr: \"sum(rate(x[5m]))\n  > 0\"\n";
    let patched = edit_yaml(text, "[5m]", "[1m]").unwrap();
    assert_eq!(patched, "expr: \"sum(rate(x[1m]))\n  > 0\"\n");
    // A blank at the start of a continuation line would be folded away.
    assert!(edit_yaml(text, ">", " >").is_none());
}

#[test]
fn literal_blocks_indent_new_lines_and_keep_comments_around() {
    let text = "# before\nexpr: |  # header comment\n  sum by (route) (\n    rate(x[5m])\n  )\nfor: 5m # after\n";
    let patched = edit_yaml(text, "by (route)", "by (route, le)").unwrap();
    assert!(patched.contains("  sum by (route, le) (\n"), "{patched}");
    assert!(patched.contains("# before") && patched.contains("# header comment"));
    let patched = edit_yaml(text, "rate(x[5m])", "rate(\n  x[5m]\n)").unwrap();
    // New lines are indented relative to the block: `  x` sits two past its indentation.
    assert!(
        patched.contains("\n    rate(\n    x[5m]\n  )\n  )\n"),
        "{patched}"
    );
}

#[test]
fn literal_blocks_with_chomping_and_explicit_indentation() {
    for header in ["|-", "|+", "|2", "|2-"] {
        let text = format!("expr: {header}\n  up{{a=~\"b\"}}\n  > 0\n\nfor: 1m\n");
        let patched = edit_yaml(&text, "=~", "=").unwrap();
        assert!(patched.contains("  up{a=\"b\"}\n"), "{header}: {patched}");
    }
    // A line break added at the end would change what chomping keeps.
    assert!(edit_yaml("expr: |\n  up\nfor: 1m\n", "up", "up\n").is_none());
    // A first line starting with a blank would change the detected indentation.
    assert!(edit_yaml("expr: |\n  up\n  > 0\n", "up", " up").is_none());
}

#[test]
fn literal_blocks_with_crlf_line_endings() {
    let text = "expr: |\r\n  sum(rate(x[5m]))\r\n  > 0\r\nfor: 1m\r\n";
    let patched = edit_yaml(text, "[5m]", "[1m]").unwrap();
    assert_eq!(
        patched,
        "expr: |\r\n  sum(rate(x[1m]))\r\n  > 0\r\nfor: 1m\r\n"
    );
    // A new line break written as `\n` would mix line endings: refused.
    assert!(edit_yaml(text, "> 0", "\n> 0").is_none());
    assert!(edit_yaml(text, "rate(", "rate(\n").is_none());
}

#[test]
fn folded_blocks_edit_within_lines_only() {
    let text = "expr: >-\n  sum(rate(x[5m]))\n  > 0\nfor: 1m\n";
    let patched = edit_yaml(text, "[5m]", "[1m]").unwrap();
    assert_eq!(patched, "expr: >-\n  sum(rate(x[1m]))\n  > 0\nfor: 1m\n");
    // A line break in a folded block would fold into a space.
    assert!(edit_yaml(text, "> 0", "\n> 0").is_none());
    // A line that started more indented or became blank changes the folding.
    assert!(edit_yaml(text, "> 0", " > 0").is_none());
    assert!(edit_yaml(text, "> 0", "").is_none());
    // The fold between two lines is not a place to edit.
    assert!(edit_yaml(text, ") >", ")>").is_none());
}

#[test]
fn deeper_indentation_in_sequences() {
    let text = "groups:\n  - rules:\n      - expr: |\n          a{x=~\"y\"}\n";
    let file = SourceFile::new("t.yml", text);
    let documents = parse_documents(&file).unwrap();
    let rule = documents[0]
        .root
        .as_ref()
        .unwrap()
        .get("groups")
        .unwrap()
        .items()
        .next()
        .unwrap()
        .get("rules")
        .unwrap()
        .items()
        .next()
        .unwrap()
        .clone();
    let scalar = rule.get("expr").unwrap().as_scalar().unwrap().clone();
    assert_eq!(scalar.style, ScalarStyle::Literal);
    assert_eq!(
        Encoding::detect(text, &scalar.map, &scalar.value),
        Some(Encoding::Literal { indent: 10 })
    );
    let at = scalar.value.find("=~").unwrap();
    let edit = decoded_edit(text, &scalar.map, &scalar.value, at..at + 2, "=").unwrap();
    assert_eq!(&text[edit.span.clone()], "=~");
}

#[test]
fn insertions_land_between_the_right_bytes() {
    let text = "expr: \"sum by (route) (x)\"\n";
    let scalar = expr_scalar(text);
    let at = scalar.value.find("route").unwrap() + "route".len();
    let edit = decoded_edit(text, &scalar.map, &scalar.value, at..at, ", le").unwrap();
    let mut patched = text.to_string();
    patched.replace_range(edit.span, &edit.replacement);
    assert_eq!(patched, "expr: \"sum by (route, le) (x)\"\n");
}

fn json_string(text: &str) -> crate::dashboards::json::Text {
    let json = JsonText::file(text);
    let value = json.parse().unwrap().unwrap();
    let lit = value.as_object().unwrap().properties[0]
        .value
        .as_string_lit()
        .unwrap();
    json.text(lit)
}

fn edit_json(text: &str, needle: &str, replacement: &str) -> Option<String> {
    let string = json_string(text);
    let start = string.value.find(needle).expect("needle");
    let range = start..start + needle.len();
    let edit = decoded_edit(text, &string.map, &string.value, range.clone(), replacement)?;
    let mut patched = text.to_string();
    patched.replace_range(edit.span, &edit.replacement);
    let mut expected = string.value.clone();
    expected.replace_range(range, replacement);
    assert_eq!(json_string(&patched).value, expected, "{patched}");
    Some(patched)
}

#[test]
fn json_strings_escape_and_skip_over_escapes() {
    let text = r#"{"expr": "rate(x{a=\"$v\", b=\"\u00e9\"}[5m])\n"}"#;
    let patched = edit_json(text, "a=\"$v\"", "a=~\"$v\"").unwrap();
    assert_eq!(
        patched,
        r#"{"expr": "rate(x{a=~\"$v\", b=\"\u00e9\"}[5m])\n"}"#
    );
    let patched = edit_json(text, "[5m]", "[$__rate_interval]").unwrap();
    assert!(patched.ends_with(r#"[$__rate_interval])\n"}"#), "{patched}");
    let patched = edit_json(text, "é", "\"\\\t").unwrap();
    assert!(patched.contains(r#"b=\"\"\\\t\""#), "{patched}");
    let patched = edit_json(r#"{"a": "x\ud83d\ude00y"}"#, "😀", "z").unwrap();
    assert_eq!(patched, r#"{"a": "xzy"}"#);
}

#[test]
fn json_inside_a_quoted_yaml_string_is_refused() {
    let text = r#"data: "{\"expr\": \"up\"}""#;
    // Decoded JSON text `up` sits after `\"` in the file: two layers of escapes.
    let at = text.find("up").unwrap();
    let map = OffsetMap::identity(at, 2);
    assert_eq!(Encoding::detect(text, &map, "up"), None);
}

#[test]
fn fragment_decoding_round_trips_every_style() {
    let samples = ["a'b", "x\"y\\z", "tab\there", "é😀", "line\nbreak"];
    for encoding in [
        Encoding::Plain { flow: false },
        Encoding::SingleQuoted,
        Encoding::DoubleQuoted,
        Encoding::Literal { indent: 4 },
        Encoding::Folded { indent: 2 },
    ] {
        for sample in samples {
            if let Some(encoded) = encode(sample, encoding) {
                assert_eq!(decode_fragment(&encoded, encoding).as_deref(), Some(sample));
            } else {
                assert!(sample.contains('\n'), "{encoding:?} refused {sample:?}");
            }
        }
    }
}

/// Every edit, in every style: either refused, or the patched file parses back to exactly
/// the edited value in the same style. A small deterministic generator walks many ranges
/// and awkward replacements (quotes, backslashes, line breaks, blanks, `#`, `: `).
#[test]
fn every_edit_is_exact_or_refused() {
    let files = [
        "expr: up{job=~\"api\"} > 0 # c\n",
        "expr: sum by (a)\n  (rate(x[5m]))\nfor: 1m\n",
        "expr: 'a{x=''y''} or b'\n",
        "expr: \"a{b=\\\"\\u00e9\\\"}\\tc\"\n",
        "expr: \"sum(x)\n  > 0\"\n",
        "expr: |\n  sum by (a) (\n    rate(x[5m])\n  )\nfor: 1m\n",
        "expr: |-\n  a\n\n  b\n",
        "expr: |+\n  a\n  b\n\nfor: 1m\n",
        "expr: >\n  sum(x)\n  > 0\n\n  or y\n",
        "expr: >-\n  a b\n    c\n  d\n",
        "- x: [a]\n  expr: up\n",
        "expr: |\r\n  a\r\n  b\r\n",
        "expr: &anchor !!str \"x\\ny z\"\n",
        "expr: # comment\n  plain continued\n  here\n",
        "expr: |2 # header comment\n    more indented\n  base\n",
        "{expr: sum by (a) (x), for: 1m}\n",
        "expr: 'multi\n  line ''q''\n\n  para'\n",
    ];
    let replacements = [
        "", "x", "=", " ", "a b", "'", "\"", "\\", "\n", "a\nb", "#", " #x", ": ", "-", "é", "\t",
        "x ", " x", "{a, b}",
    ];
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound.max(1) as u64) as usize
    };
    let mut accepted = 0;
    for text in files {
        let file = SourceFile::new("t.yml", text);
        let documents = parse_documents(&file).expect("valid YAML");
        let root = documents[0].root.as_ref().unwrap();
        let node = root
            .get("expr")
            .or_else(|| root.items().next().and_then(|item| item.get("expr")))
            .unwrap();
        let scalar = node.as_scalar().unwrap().clone();
        let len = scalar.value.len();
        for _ in 0..400 {
            let mut start = next(len + 1);
            let mut end = start + next(len + 1 - start);
            while !scalar.value.is_char_boundary(start) {
                start -= 1;
            }
            while !scalar.value.is_char_boundary(end) {
                end -= 1;
            }
            let end = end.max(start);
            let replacement = replacements[next(replacements.len())];
            let Some(edit) =
                decoded_edit(text, &scalar.map, &scalar.value, start..end, replacement)
            else {
                continue;
            };
            let mut patched = text.to_string();
            patched.replace_range(edit.span.clone(), &edit.replacement);
            let reparsed_file = SourceFile::new("t.yml", patched.clone());
            let reparsed = parse_documents(&reparsed_file).unwrap_or_else(|e| {
                panic!("{text:?} {start}..{end} {replacement:?}: {e}\n{patched}")
            });
            let root = reparsed[0].root.as_ref().unwrap();
            let node = root
                .get("expr")
                .or_else(|| root.items().next().and_then(|item| item.get("expr")))
                .unwrap_or_else(|| panic!("no expr after edit:\n{patched}"));
            let new = node.as_scalar().unwrap();
            let mut expected = scalar.value.clone();
            expected.replace_range(start..end, replacement);
            assert_eq!(
                new.value, expected,
                "{text:?} {start}..{end} -> {replacement:?}\npatched: {patched:?}"
            );
            assert_eq!(new.style, scalar.style, "{patched:?}");
            accepted += 1;
        }
    }
    assert!(
        accepted > 300,
        "the generator exercised too few edits: {accepted}"
    );
}

/// The same for JSON strings: every accepted edit parses back to exactly the edited value.
#[test]
fn every_json_edit_is_exact_or_refused() {
    let texts = [
        r#"{"expr": "rate(x{a=\"$v\", b=\"\u00e9\"}[5m])\n"}"#,
        r#"{"expr": "x\ud83d\ude00y\\z\/w\t"}"#,
        "\u{feff}{\"expr\": \"plain text\"}",
    ];
    let replacements = ["", "x", "\"", "\\", "\n", "\u{1}", "😀", "a\"b\\c", "/"];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % bound.max(1) as u64) as usize
    };
    let mut accepted = 0;
    for text in texts {
        let string = json_string(text);
        let len = string.value.len();
        for _ in 0..400 {
            let mut start = next(len + 1);
            let mut end = start + next(len + 1 - start);
            while !string.value.is_char_boundary(start) {
                start -= 1;
            }
            while !string.value.is_char_boundary(end) {
                end -= 1;
            }
            let end = end.max(start);
            let replacement = replacements[next(replacements.len())];
            let Some(edit) =
                decoded_edit(text, &string.map, &string.value, start..end, replacement)
            else {
                continue;
            };
            let mut patched = text.to_string();
            patched.replace_range(edit.span, &edit.replacement);
            let mut expected = string.value.clone();
            expected.replace_range(start..end, replacement);
            assert_eq!(
                json_string(&patched).value,
                expected,
                "{text} {start}..{end}: {patched}"
            );
            accepted += 1;
        }
    }
    assert!(accepted > 300, "too few edits exercised: {accepted}");
}
