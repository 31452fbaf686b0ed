//! The regular reader against saphyr: whatever the reader takes, it must read exactly as
//! the tree built from saphyr's events (values, styles, spans, offset maps), and never
//! take a text saphyr refuses.

use crate::source::SourceFile;
use crate::yaml::{build, Document};

/// The regular reader on `text`.
fn parse(text: &str) -> Option<Vec<Document>> {
    super::parse(&SourceFile::new("test.yml", text))
}

/// `Some(true)` when the reader took `text` and agrees with saphyr, `Some(false)` when
/// it took it and disagrees, `None` when it declined.
fn agrees(text: &str) -> Option<bool> {
    let read = parse(text)?;
    Some(build::parse(text).is_ok_and(|built| built == read))
}

/// The reader's tree against saphyr's, as a unified diff of their debug forms.
fn difference(text: &str) -> String {
    let read = format!("{:#?}", parse(text));
    let built = format!("{:#?}", build::parse(text).ok());
    similar::TextDiff::from_lines(&built, &read)
        .unified_diff()
        .context_radius(4)
        .header("saphyr", "reader")
        .to_string()
}

fn assert_agrees(text: &str) {
    match agrees(text) {
        Some(true) => {}
        Some(false) => panic!(
            "the reader and saphyr differ on:\n{text}\n{}",
            difference(text)
        ),
        None => panic!("declined:\n{text}"),
    }
}

/// Texts in the reader's part of YAML, one feature or edge each.
const TAKEN: &[&str] = &[
    "",
    "# only a comment\n",
    "a: 1\n",
    "a: 1",
    "a: 1\nb:\n",
    "a:\n  - x\n  -\n  - z\n",
    "a:\n- x\n- y\nb: 2\n",
    "- a\n- b: 1\n  c: 2\n-\n  d: 3\n",
    "groups:\n- name: a\n  rules:\n  - alert: X\n    expr: |\n      up == 0\n    for: 5m\n    labels:\n    annotations: {a: b, \"c\": [1, 2]}\n",
    "a: |-\n  one\n    two\n\n  three\n\n\nb: >\n  folded\n  text\n\n  para\nc: >-\n  x\n",
    "a: 'it''s'\nb: \"tab\\there \\\"q\\\" \\u00e9\"\nc: \"plain\"\n",
    "targets: [\"a:9090\", b:9100, 'c']\nlabels: {team: x, tier: 'y'}\nempty: []\nnone: {}\n",
    "nested: [[a, b], {c: d}]\n",
    "a: x # comment\n# full line\nb: y   \n  # deeper under nothing? no: after a key line\n",
    "url: http://example.com:9090/path?x=1#frag\nexpr: sum(rate(x{a=\"b\"}[5m])) by (c) > 0.5\n",
    "\"quoted key\": v\n'single': w\nkey with spaces: z\n",
    "a:\n  b:\n    c:\n      - d\n      - e: f\n        g: |\n          h\n",
    "a: -1\nb: -x\nc: :x\nd: ?y\n",
    "unicode: \"café ☕\"\nplain: naïve text\n",
    "- |\n  block in a sequence\n- >-\n  folded\n  in a sequence\n",
    "key:    # comment after the colon\n  child: 1\n",
    "a: b\n\n\n# trailing comment\n\n",
    "a: >\n  x\n    more indented\n  back\n\n    again\nb: >-\n  x\n\n  y\n",
    "a: x\n    # deeper comment under a scalar\nb: 'y'\n      # and under a quoted one\n",
    "a: multi\n  line plain\n\n  after an empty line\nb:\n  - wrapped item\n    > 0.9\n  - c: d\n      e\n",
    "---\na: 1\n",
    "a: \"multi\n  line\\t \n\n   quoted\"  # c\nb:\n  - 'it''s\n    wrapped '\n  - \"x\n    \"\n",
    "# c\n---\na: 1\n---\nb: 2\n\n# x\n",
    "a: 1\n---\n---\nb: 2\n",
    "---   # c\na: 1\n---\n",
    "a: 1\n--- \n- x\n",
    "---\n# only a comment\n",
    "a: |\n  x\n---\nb: >\n  y\n",
    // Found by the fuzzer: an indentless sequence whose item is a deeper sequence.
    ".s:(:\n  \n-  \n -\n",
    "r:\n- # c\n - x\n - y\n",
];

#[test]
fn the_reader_reads_as_saphyr() {
    for text in TAKEN {
        assert_agrees(text);
    }
}

#[test]
fn the_common_shapes_are_taken() {
    // The point of the reader: these must not fall back to saphyr.
    for text in [
        TAKEN[2], TAKEN[5], TAKEN[6], TAKEN[8], TAKEN[9], TAKEN[10], TAKEN[11], TAKEN[14],
        TAKEN[16],
    ] {
        assert_agrees(text);
    }
}

/// Texts the reader must leave to saphyr: outside its part of YAML, or invalid.
#[test]
fn the_rest_is_left_to_saphyr() {
    for text in [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "--- a: 1\n",
        "---# not a comment\n",
        "a: 1\n...\n",
        "%YAML 1.2\n---\na: 1\n",
        "a:\tb\n",
        "a: 1\r\nb: 2\r\n",
        "\u{feff}a: 1\n",
        "a: [1,\n  2]\n",
        "a: |+\n  keep\n\n",
        "a: |2\n   x\n",
        "a: |\n  x",
        "? complex\n: key\n",
        "- - nested\n",
        "a: b: c\n",
        "a: 'unclosed\n",
        "a: \"bad \\q escape\"\n",
        "a: [x, ]\n",
        "a: {x}\n",
        "a: [k: v]\n",
        "a:\n  - x\n  b: y\n",
        "a: 1\n  b: 2\n",
        "  indented: root\n",
        "just a scalar\n",
        "a: @x\n",
        "a: |\n\n  leading empty line\n",
        "a: |\n  x\n  \nb: 1\n",
        // Found by the fuzzer: ` -` before a flow indicator, which saphyr refuses.
        "a: [x -,y]\n",
        "a: {k: x -}\n",
        // Found by the fuzzer: content that starts like a block header, a tag, an anchor.
        "a: |\n  |x\nb: 1\n",
        "a: |\n  !x\nb: 1\n",
        "a: >\n  &x\nb: 1\n",
    ] {
        assert!(parse(text).is_none(), "taken:\n{text}");
    }
}

/// The repository's own YAML fixtures: every one the reader takes must read as saphyr
/// reads it, and most of them must be taken.
#[test]
fn the_fixtures_read_as_saphyr() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut taken = 0;
    let mut seen = 0;
    for folder in ["rules-fixtures", "tests/fixtures", "examples"] {
        for text in yaml_files(&root.join(folder)) {
            seen += 1;
            if parse(&text).is_some() {
                taken += 1;
                assert_agrees(&text);
            }
        }
    }
    assert!(seen > 50, "only {seen} fixtures found");
    assert!(
        taken * 10 >= seen * 7,
        "only {taken} of {seen} fixtures taken"
    );
}

/// Every fixture edited at many places with one of YAML's significant characters: the
/// reader takes an edit only where it reads it exactly as saphyr does.
#[test]
fn edited_fixtures_read_as_saphyr_or_are_declined() {
    const EDITS: &[&str] = &[
        "", " ", "\n", ":", ": ", "-", "- ", "#", " #", "'", "\"", "\\", "[", "]", "{", "}", ",",
        "|", ">", "&", "*", "!", "?", "  ", "\n  ", "\n- ", "x", "\n---\n", "---",
    ];
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut checked = 0;
    for text in yaml_files(&root.join("rules-fixtures"))
        .into_iter()
        .take(40)
    {
        let step = (text.len() / 60).max(1);
        for at in (0..text.len()).step_by(step) {
            if !text.is_char_boundary(at) {
                continue;
            }
            for (n, edit) in EDITS.iter().enumerate() {
                let mut edited = text.clone();
                if edit.is_empty() {
                    let len = text[at..].chars().next().map_or(0, char::len_utf8);
                    edited.replace_range(at..at + len, "");
                } else if n % 2 == 0 {
                    edited.insert_str(at, edit);
                } else {
                    let len = text[at..].chars().next().map_or(0, char::len_utf8);
                    edited.replace_range(at..at + len, edit);
                }
                if let Some(same) = agrees(&edited) {
                    assert!(
                        same,
                        "the reader and saphyr differ on:\n{edited}\n{}",
                        difference(&edited)
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} edited texts were taken");
}

fn yaml_files(folder: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    let mut paths = Vec::new();
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|ext| ext == "yml" || ext == "yaml")
            {
                paths.push(path);
            }
        }
    }
    paths.sort();
    for path in paths {
        if let Ok(text) = std::fs::read_to_string(&path) {
            out.push(text);
        }
    }
    out
}
