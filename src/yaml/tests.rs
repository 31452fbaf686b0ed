//! Position matrix and limits of the YAML tree.

use super::scalar::FALLBACKS;
use super::*;
use crate::source::LineCol;

fn parse_one(text: &str) -> (SourceFile, Node) {
    let file = SourceFile::new("test.yml", text);
    let mut documents = parse_documents(&file).expect("valid YAML");
    assert_eq!(documents.len(), 1);
    let root = documents.remove(0).root.expect("a root node");
    (file, root)
}

fn fallbacks() -> usize {
    FALLBACKS.with(|count| count.get())
}

/// Follows keys (and sequence indices written as numbers) from `root`.
fn at<'a>(root: &'a Node, path: &[&str]) -> &'a Node {
    path.iter()
        .fold(root, |node, step| match step.parse::<usize>() {
            Ok(index) => &node.as_sequence().expect("a sequence")[index],
            Err(_) => node.get(step).unwrap_or_else(|| panic!("no key {step}")),
        })
}

/// Asserts that the `nth` occurrence of `token` in the decoded value at `path` maps to
/// the `file_nth` occurrence of `in_file` in the file, and returns its line and column.
fn check_token(
    text: &str,
    path: &[&str],
    token: &str,
    nth: usize,
    in_file: &str,
    file_nth: usize,
) -> LineCol {
    let before = fallbacks();
    let (file, root) = parse_one(text);
    assert_eq!(
        fallbacks(),
        before,
        "a scalar fell back to its start in {text:?}"
    );
    let scalar = at(&root, path).as_scalar().expect("a scalar");
    let (decoded, _) = scalar
        .value
        .match_indices(token)
        .nth(nth)
        .unwrap_or_else(|| panic!("{token:?} not in {:?}", scalar.value));
    let span = scalar.span_of(decoded..decoded + token.len());
    let (expected, _) = text
        .match_indices(in_file)
        .nth(file_nth)
        .unwrap_or_else(|| panic!("{in_file:?} not in the file"));
    assert_eq!(
        span,
        expected..expected + in_file.len(),
        "{token:?} in {:?} ({:?})",
        scalar.value,
        scalar.style
    );
    file.line_col(span.start)
}

#[test]
fn plain_multi_line_scalar() {
    let text = "groups:\n  - expr: rate(foo[5m])\n      >   on(job)\n\n      bar_total\n";
    let lc = check_token(
        text,
        &["groups", "0", "expr"],
        "bar_total",
        0,
        "bar_total",
        0,
    );
    assert_eq!(lc, LineCol { line: 5, column: 7 });
    let (_, root) = parse_one(text);
    assert_eq!(
        at(&root, &["groups", "0", "expr"]).as_str(),
        Some("rate(foo[5m]) >   on(job)\nbar_total")
    );
    check_token(text, &["groups", "0", "expr"], "on(job)", 0, "on(job)", 0);
}

#[test]
fn single_quoted_with_escaped_quote_and_folding() {
    let text = "expr: 'sum(x{a=''b''})\n   +  y_total'\n";
    let lc = check_token(text, &["expr"], "y_total", 0, "y_total", 0);
    assert_eq!(lc, LineCol { line: 2, column: 7 });
    // The decoded quote maps to the two-quote escape.
    check_token(text, &["expr"], "'b'", 0, "''b''", 0);
}

#[test]
fn double_quoted_with_every_escape_kind() {
    let text = concat!(
        "expr: \"up{job=\\\"a\\\"} \\t\\x41\\u00e9\\U0001F600 \\\\ and\n",
        "   é_x == 1 and \\\n",
        "     z_total\"\n"
    );
    let (_, root) = parse_one(text);
    assert_eq!(
        root.get("expr").unwrap().as_str(),
        Some("up{job=\"a\"} \tAé😀 \\ and é_x == 1 and z_total")
    );
    assert_eq!(
        check_token(text, &["expr"], "z_total", 0, "z_total", 0),
        LineCol { line: 3, column: 6 }
    );
    assert_eq!(
        check_token(text, &["expr"], "é_x", 0, "é_x", 0),
        LineCol { line: 2, column: 4 }
    );
    check_token(text, &["expr"], "\"a\"", 0, "\\\"a\\\"", 0);
    check_token(text, &["expr"], "A", 0, "\\x41", 0);
    check_token(text, &["expr"], "é", 0, "\\u00e9", 0);
    check_token(text, &["expr"], "😀", 0, "\\U0001F600", 0);
    check_token(text, &["expr"], "\\", 0, "\\\\", 0);
    check_token(text, &["expr"], "\t", 0, "\\t", 0);
}

#[test]
fn double_quoted_newline_escape_and_folded_break() {
    let text = "a:\n  b: \"x\\n  y\n\n    zz\"\n";
    let (_, root) = parse_one(text);
    assert_eq!(at(&root, &["a", "b"]).as_str(), Some("x\n  y\nzz"));
    assert_eq!(
        check_token(text, &["a", "b"], "zz", 0, "zz", 0),
        LineCol { line: 4, column: 5 }
    );
}

#[test]
fn quoted_scalars_continued_at_the_parent_indentation_are_accepted() {
    // Invalid by the letter of the spec, accepted by Prometheus (libyaml never checks);
    // VictoriaMetrics ships its alerts this way.
    let text = concat!(
        "groups:\n",
        "  - name: g\n",
        "    rules:\n",
        "      - alert: A\n",
        "        annotations:\n",
        "          description: \"first line\n",
        "          second_token line.\"\n",
        "          summary: 'x\n",
        "          y_token'\n",
        "        expr: up == 0\n",
    );
    let lc = check_token(
        text,
        &["groups", "0", "rules", "0", "annotations", "description"],
        "second_token",
        0,
        "second_token",
        0,
    );
    assert_eq!(
        lc,
        LineCol {
            line: 7,
            column: 11
        }
    );
    check_token(
        text,
        &["groups", "0", "rules", "0", "annotations", "summary"],
        "y_token",
        0,
        "y_token",
        0,
    );
    let (_, root) = parse_one(text);
    let rule = at(&root, &["groups", "0", "rules", "0"]);
    assert_eq!(
        at(rule, &["annotations", "description"]).as_str(),
        Some("first line second_token line.")
    );
    let expr = rule.get("expr").unwrap();
    assert_eq!(&text[expr.span.clone()], "up == 0");
}

#[test]
fn literal_block() {
    let text = "- alert: A\n  expr: |\n    sum by (job) (\n      rate(http_requests_totl[5m])\n    )\n  for: 5m\n";
    let lc = check_token(
        text,
        &["0", "expr"],
        "http_requests_totl",
        0,
        "http_requests_totl",
        0,
    );
    assert_eq!(
        lc,
        LineCol {
            line: 4,
            column: 12
        }
    );
    let (_, root) = parse_one(text);
    let expr = at(&root, &["0", "expr"]);
    assert_eq!(
        expr.as_str(),
        Some("sum by (job) (\n  rate(http_requests_totl[5m])\n)\n")
    );
    // The node covers the content lines, not the trailing break.
    assert_eq!(
        &text[expr.span.clone()],
        "sum by (job) (\n      rate(http_requests_totl[5m])\n    )"
    );
}

#[test]
fn literal_block_chomping_variants() {
    for header in ["|", "|-", "|+"] {
        let text = format!("a: {header}\n\n\n  first\n\n  x_total\n\n\nb: 1\n");
        let lc = check_token(&text, &["a"], "x_total", 0, "x_total", 0);
        assert_eq!(lc, LineCol { line: 6, column: 3 }, "{header}");
        let (_, root) = parse_one(&text);
        let expected = match header {
            "|" => "\n\nfirst\n\nx_total\n",
            "|-" => "\n\nfirst\n\nx_total",
            _ => "\n\nfirst\n\nx_total\n\n\n",
        };
        assert_eq!(root.get("a").unwrap().as_str(), Some(expected), "{header}");
    }
}

#[test]
fn literal_block_with_indentation_indicator() {
    let text = "a:\n  b: |2-\n       spaced\n     y_total\nc: 1\n";
    let (_, root) = parse_one(text);
    assert_eq!(at(&root, &["a", "b"]).as_str(), Some("   spaced\n y_total"));
    assert_eq!(
        check_token(text, &["a", "b"], "y_total", 0, "y_total", 0),
        LineCol { line: 4, column: 6 }
    );
    check_token(text, &["a", "b"], "spaced", 0, "spaced", 0);
}

#[test]
fn folded_block_with_more_indented_lines() {
    for header in [">", ">-", ">+"] {
        let text = format!("c: {header}\n  fold\n  ed\n\n  para\n    more\n  x_total\nd: x\n");
        let lc = check_token(&text, &["c"], "x_total", 0, "x_total", 0);
        assert_eq!(lc, LineCol { line: 7, column: 3 }, "{header}");
        check_token(&text, &["c"], "ed", 0, "ed", 0);
        check_token(&text, &["c"], "more", 0, "more", 0);
    }
    let (_, root) = parse_one("c: >-\n  fold\n  ed\n\n  para\n    more\n  x_total\n");
    assert_eq!(
        root.get("c").unwrap().as_str(),
        Some("fold ed\npara\n  more\nx_total")
    );
}

#[test]
fn block_scalar_at_end_of_file_without_newline() {
    let text = "a: |\n  x\n  y_total";
    let (_, root) = parse_one(text);
    assert_eq!(root.get("a").unwrap().as_str(), Some("x\ny_total\n"));
    check_token(text, &["a"], "y_total", 0, "y_total", 0);
}

#[test]
fn crlf_files_map_every_style() {
    let text = "a: |\r\n  x\r\n  lit_total\r\nb: >\r\n  f\r\n  fold_total\r\nc: \"q\r\n  dq_total\"\r\nd: 'p\r\n\r\n  sq_total'\r\ne: plain\r\n  pl_total\r\n";
    for (key, token) in [
        ("a", "lit_total"),
        ("b", "fold_total"),
        ("c", "dq_total"),
        ("d", "sq_total"),
        ("e", "pl_total"),
    ] {
        check_token(text, &[key], token, 0, token, 0);
    }
    let (_, root) = parse_one(text);
    assert_eq!(root.get("a").unwrap().as_str(), Some("x\nlit_total\n"));
    assert_eq!(root.get("b").unwrap().as_str(), Some("f fold_total\n"));
    assert_eq!(root.get("d").unwrap().as_str(), Some("p\nsq_total"));
}

#[test]
fn non_ascii_before_the_token_and_repeated_tokens() {
    let text = "name: \"é😀\"\nexpr: |\n  foo_total / ignoring(é) foo_total\n";
    let (file, root) = parse_one(text);
    let expr = root.get("expr").unwrap().as_scalar().unwrap();
    let second = expr.value.rfind("foo_total").unwrap();
    let span = expr.span_of(second..second + 9);
    assert_eq!(&text[span.clone()], "foo_total");
    assert_eq!(
        file.line_col(span.start),
        LineCol {
            line: 3,
            column: 27
        }
    );
    check_token(text, &["expr"], "foo_total", 1, "foo_total", 1);
}

#[test]
fn node_spans_cover_values_and_keys() {
    let text = "a: &anchor\n  k: \"v\\n\"   # c\nb: [1, {x: y}]\nc: *anchor\n";
    let (_, root) = parse_one(text);
    let a = root.get_entry("a").unwrap();
    assert_eq!(&text[a.key.span.clone()], "a");
    assert_eq!(&text[a.value.span.clone()], "k: \"v\\n\"");
    assert_eq!(&text[root.get("b").unwrap().span.clone()], "[1, {x: y}]");
    let c = root.get("c").unwrap();
    assert!(c.is_alias());
    assert_eq!(&text[c.span.clone()], "*anchor");
    assert_eq!(c.get("k").and_then(Node::as_str), Some("v\n"));
    assert_eq!(c.kind_name(), "mapping");
}

#[test]
fn multi_document_files() {
    let file = SourceFile::new("m.yml", "a: 1\n---\nb: 2\n---\n# only a comment\n");
    let documents = parse_documents(&file).unwrap();
    assert_eq!(documents.len(), 3);
    assert_eq!(
        documents[1]
            .root
            .as_ref()
            .unwrap()
            .get("b")
            .unwrap()
            .as_str(),
        Some("2")
    );
    assert!(documents[2].root.is_none() || documents[2].root.as_ref().unwrap().is_null());
}

#[test]
fn empty_and_comment_only_files_have_no_documents() {
    for text in ["", "# nothing\n", "\n\n"] {
        let file = SourceFile::new("e.yml", text);
        assert!(parse_documents(&file).unwrap().is_empty(), "{text:?}");
    }
}

#[test]
fn errors_carry_byte_spans_after_non_ascii_text() {
    let text = "é: 😀\nb: \"unterminated\n";
    let file = SourceFile::new("err.yml", text);
    let error = parse_documents(&file).unwrap_err();
    assert!(error.span.end <= text.len());
    assert!(text.is_char_boundary(error.span.start));
    assert_eq!(file.line_col(error.span.start).line, 2);
}

#[test]
fn deep_block_nesting_is_an_error_not_a_stack_overflow() {
    let text = "- ".repeat(10_000) + "x\n";
    let file = SourceFile::new("deep.yml", text);
    let error = parse_documents(&file).unwrap_err();
    assert!(
        error.message.contains("nested more than 1000 levels"),
        "{}",
        error.message
    );
    assert_eq!(file.line_col(error.span.start).column, 2 * MAX_DEPTH + 1);
}

#[test]
fn deep_flow_nesting_is_an_error() {
    let text = "[".repeat(10_000) + &"]".repeat(10_000);
    let file = SourceFile::new("deep.yml", text);
    let error = parse_documents(&file).unwrap_err();
    assert!(
        error.message.contains("nested more than"),
        "{}",
        error.message
    );
}

#[test]
fn nesting_just_under_the_limit_parses_and_drops() {
    let text = "- ".repeat(MAX_DEPTH - 1) + "x\n";
    let file = SourceFile::new("deep.yml", text);
    let documents = parse_documents(&file).unwrap();
    assert_eq!(documents.len(), 1);
}

#[test]
fn alias_bomb_stays_small() {
    let mut text = String::from("a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for level in 1..=9 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 9].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    let file = SourceFile::new("bomb.yml", text);
    let documents = parse_documents(&file).unwrap();
    let root = documents[0].root.as_ref().unwrap();
    let top = root.get("a9").unwrap();
    assert_eq!(top.items().count(), 9);
    assert!(top.items().all(Node::is_alias));
    // Following aliases is budgeted.
    let mut budget = AliasBudget::new(3);
    let mut node = top.items().next().unwrap();
    let mut followed = 0;
    while let Some(next) = budget.follow(node) {
        match next.items().next() {
            Some(child) if child.is_alias() => {
                node = child;
                followed += 1;
            }
            _ => break,
        }
    }
    assert_eq!(followed, 3);
}

#[test]
fn duplicate_keys_are_listed() {
    let (_, root) = parse_one("a: 1\nb: 2\na: 3\n");
    let duplicates = root.duplicate_keys();
    assert_eq!(duplicates.len(), 1);
    assert_eq!(duplicates[0].1.value.as_str(), Some("3"));
}

/// Small mappings are searched by comparison, large ones by hashing: both find the same
/// pairs in the same order, whatever the size and the repeats.
#[test]
fn duplicate_keys_by_comparison_and_by_hashing_agree() {
    for size in 1..=40 {
        for alphabet in [1, 2, 3, 7, 40] {
            let keys: Vec<usize> = (0..size).map(|i| (i * 7 + size) % alphabet).collect();
            let text: String = keys.iter().map(|k| format!("k{k}: 0\n")).collect();
            let distinct = keys.iter().collect::<std::collections::HashSet<_>>().len();
            let (_, root) = parse_one(&text);
            let entries = root.as_mapping().expect("a mapping");
            let spans = |pairs: Vec<(&Entry, &Entry)>| -> Vec<(Span, Span)> {
                pairs
                    .into_iter()
                    .map(|(first, again)| (first.key.span.clone(), again.key.span.clone()))
                    .collect()
            };
            let small = spans(duplicate_keys_small(entries));
            assert_eq!(small, spans(duplicate_keys_hashed(entries)), "{text}");
            assert_eq!(small, spans(root.duplicate_keys()));
            assert_eq!(small.len(), size - distinct, "{text}");
        }
    }
}

/// Every scalar of every real-world rule file maps exactly (no fallback to the start).
#[test]
#[ignore = "ci: needs ../shared; run by .ci/run"]
fn corpus_scalars_map_exactly() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/rules");
    assert!(
        corpus.is_dir(),
        "the rule corpus is missing at {}: this test needs ../shared beside the repository",
        corpus.display()
    );
    let mut files = 0;
    let mut stack = vec![corpus];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            if !is_yaml {
                continue;
            }
            let before = fallbacks();
            let file = SourceFile::new(path.display().to_string(), text);
            if parse_documents(&file).is_ok() {
                files += 1;
                assert_eq!(
                    fallbacks(),
                    before,
                    "inexact scalar map in {}",
                    path.display()
                );
            }
        }
    }
    assert!(files > 450, "only {files} corpus files parsed");
}

/// A small deterministic generator (no dependency needed for a test).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % bound.max(1)
    }
}

/// Lines of unique `tN` tokens (with some empty lines and, for block scalars, some
/// more-indented lines), as `(line_indent_extra, words)`.
fn random_lines(rng: &mut Lcg, counter: &mut usize, block: bool) -> Vec<(usize, Vec<String>)> {
    let mut lines = Vec::new();
    let count = 1 + rng.next(4);
    for i in 0..count {
        if i > 0 && rng.next(4) == 0 {
            lines.push((0, Vec::new()));
        }
        let extra = if block && i > 0 && rng.next(4) == 0 {
            1 + rng.next(3)
        } else {
            0
        };
        let words = (0..1 + rng.next(3))
            .map(|_| {
                *counter += 1;
                format!("t{counter}x")
            })
            .collect();
        lines.push((extra, words));
    }
    lines
}

fn join_words(rng: &mut Lcg, words: &[String]) -> String {
    let mut out = String::new();
    for (i, word) in words.iter().enumerate() {
        if i > 0 {
            out.push_str(&" ".repeat(1 + rng.next(2)));
        }
        out.push_str(word);
    }
    out
}

/// One `key: value` document with a random scalar style; returns the text.
fn random_document(rng: &mut Lcg, counter: &mut usize) -> String {
    let nl = if rng.next(4) == 0 { "\r\n" } else { "\n" };
    let depth = rng.next(3);
    let mut text = String::new();
    let mut indent = 0;
    for level in 0..depth {
        if rng.next(2) == 0 {
            text.push_str(&format!("{}k{level}:{nl}", " ".repeat(indent)));
            indent += 2;
        } else {
            text.push_str(&format!("{}- k{level}:{nl}", " ".repeat(indent)));
            indent += 4;
        }
    }
    let pad = " ".repeat(indent);
    let cont = " ".repeat(indent + 2);
    text.push_str(&format!("{pad}value: "));
    match rng.next(5) {
        0 => {
            let lines = random_lines(rng, counter, false);
            let body: Vec<String> = lines
                .iter()
                .map(|(_, words)| join_words(rng, words))
                .collect();
            text.push_str(&body.join(&format!("{nl}{cont}")));
        }
        1 => {
            let lines = random_lines(rng, counter, false);
            let body: Vec<String> = lines
                .iter()
                .map(|(_, words)| {
                    let mut line = join_words(rng, words);
                    if !line.is_empty() && rng.next(3) == 0 {
                        line.push_str(" it''s");
                    }
                    line
                })
                .collect();
            text.push('\'');
            text.push_str(&body.join(&format!("{nl}{cont}")));
            text.push('\'');
        }
        2 => {
            const ESCAPES: &[&str] = &[
                "\\t",
                "\\\"",
                "\\n",
                "\\\\",
                "\\x41",
                "\\u00e9",
                "\\U0001F600",
                "\\/",
            ];
            let lines = random_lines(rng, counter, false);
            let body: Vec<String> = lines
                .iter()
                .map(|(_, words)| {
                    let mut line = join_words(rng, words);
                    if !line.is_empty() && rng.next(2) == 0 {
                        line.push(' ');
                        line.push_str(ESCAPES[rng.next(ESCAPES.len())]);
                    }
                    if !line.is_empty() && rng.next(4) == 0 {
                        line.push_str(" \\");
                    }
                    line
                })
                .collect();
            text.push('"');
            text.push_str(&body.join(&format!("{nl}{cont}")));
            text.push('"');
        }
        style => {
            let indicator = if style == 3 { "|" } else { ">" };
            let chomp = ["", "-", "+"][rng.next(3)];
            let explicit = rng.next(3) == 0;
            let content_indent = indent + 2;
            let header = if explicit {
                format!("{indicator}2{chomp}")
            } else {
                format!("{indicator}{chomp}")
            };
            text.push_str(&header);
            text.push_str(nl);
            if rng.next(4) == 0 {
                text.push_str(nl);
            }
            let lines = random_lines(rng, counter, true);
            for (extra, words) in &lines {
                if words.is_empty() {
                    text.push_str(nl);
                    continue;
                }
                text.push_str(&" ".repeat(content_indent + extra));
                text.push_str(&join_words(rng, words));
                text.push_str(nl);
            }
            if rng.next(3) == 0 {
                text.push_str(nl);
            }
        }
    }
    text.push_str(nl);
    text.push_str(&format!("{pad}after: 1{nl}"));
    text
}

/// Random scalars of every style: every token of every decoded value maps to the
/// same token in the file, and no map falls back to the scalar start.
#[test]
fn random_scalars_map_every_token_exactly() {
    let mut rng = Lcg(0x5eed);
    let mut counter = 0;
    let mut parsed = 0;
    let mut tokens_checked = 0;
    let mut styles = std::collections::HashSet::new();
    for _ in 0..3000 {
        let text = random_document(&mut rng, &mut counter);
        let file = SourceFile::new("r.yml", text.clone());
        let before = fallbacks();
        let Ok(documents) = parse_documents(&file) else {
            continue;
        };
        parsed += 1;
        assert_eq!(fallbacks(), before, "fallback in {text:?}");
        let mut stack: Vec<&Node> = documents.iter().filter_map(|d| d.root.as_ref()).collect();
        while let Some(node) = stack.pop() {
            match &node.kind {
                NodeKind::Mapping(entries) => {
                    stack.extend(entries.iter().flat_map(|e| [&e.key, &e.value]));
                }
                NodeKind::Sequence(items) => stack.extend(items.iter()),
                NodeKind::Alias(_) => {}
                NodeKind::Scalar(scalar) => {
                    styles.insert(format!("{:?}", scalar.style));
                    for (decoded, token) in scalar
                        .value
                        .match_indices('t')
                        .filter_map(|(i, _)| {
                            let end = scalar.value[i..].find('x')? + i + 1;
                            let token = &scalar.value[i..end];
                            token[1..token.len() - 1]
                                .bytes()
                                .all(|b| b.is_ascii_digit())
                                .then_some((i, token))
                        })
                        .filter(|(_, token)| token.len() > 2)
                    {
                        let span = scalar.span_of(decoded..decoded + token.len());
                        let expected = text.find(token).expect("token in file");
                        assert_eq!(span.start, expected, "{token} in {text:?}");
                        assert_eq!(&text[span], token);
                        tokens_checked += 1;
                    }
                }
            }
        }
    }
    assert!(
        parsed > 2500,
        "only {parsed} of 3000 generated documents parsed"
    );
    assert!(
        tokens_checked > 10_000,
        "only {tokens_checked} tokens checked"
    );
    assert_eq!(styles.len(), 5, "{styles:?}");
}

#[test]
fn lone_carriage_return_files_map_tokens() {
    let text = "a: |\r  x\r  lit_total\rb: \"q\r  dq_total\"\rc: 1\r";
    check_token(text, &["a"], "lit_total", 0, "lit_total", 0);
    let lc = check_token(text, &["b"], "dq_total", 0, "dq_total", 0);
    assert_eq!(lc, LineCol { line: 5, column: 3 });
}

/// Chomping picks one of three endings of the same content; each kept line feed maps to
/// a line break of the file (or, for a block ending the file without one, to its end).
#[test]
fn block_chomping_maps_every_kept_line_feed_to_a_break() {
    for header in ["|", "|-", "|+", ">", ">-", ">+"] {
        for tail in ["\n\n\nb: 1\n", "\n", "", "\n\n"] {
            let text = format!("a: {header}\n  one\n  two{tail}");
            let before = fallbacks();
            let (_, root) = parse_one(&text);
            assert_eq!(fallbacks(), before, "fell back in {text:?}");
            let scalar = root.get("a").unwrap().as_scalar().unwrap();
            for (at, _) in scalar.value.match_indices('\n') {
                let span = scalar.span_of(at..at + 1);
                let file = &text[span.clone()];
                assert!(
                    file == "\n" || (file.is_empty() && span.start == text.len()),
                    "{header} {tail:?}: line feed {at} of {:?} maps to {file:?}",
                    scalar.value
                );
            }
        }
    }
}

/// Sequences and mappings are built at their exact size, scalar texts without slack
/// that shrinking would free (`trim_slack`): a tree lives until its model is built, and
/// spare capacity would be memory held for nothing (the scanner's slack in scalar texts
/// was 300 MB of a 590,000-rule file's peak).
#[test]
fn nodes_have_no_spare_capacity() {
    fn check(node: &Node) {
        match &node.kind {
            NodeKind::Sequence(items) => {
                assert_eq!(items.capacity(), items.len());
                items.iter().for_each(check);
            }
            NodeKind::Mapping(entries) => {
                assert_eq!(entries.capacity(), entries.len());
                for entry in entries {
                    check(&entry.key);
                    check(&entry.value);
                }
            }
            NodeKind::Scalar(scalar) => {
                let value = &scalar.value;
                assert!(
                    super::has_no_freeable_slack(value, value.capacity()),
                    "{scalar:?}"
                );
            }
            NodeKind::Alias(_) => {}
        }
    }
    let mut text = String::from("groups:\n");
    for group in 0..3 {
        text.push_str(&format!("  - name: g{group}\n    rules:\n"));
        for rule in 0..(group * 7 + 1) {
            text.push_str(&format!(
                "      - record: r{rule}\n        expr: up\n        labels: {{a: b, c: [1, 2, 3]}}\n"
            ));
        }
    }
    text.push_str("flow: [[], {}, [a, [b, {c: d}]]]\n");
    text.push_str("quoted: [\"a\\tb\", 'it''s', \"\", plain text]\n");
    text.push_str("block: |\n  line one\n  line two\nfolded: >-\n  folded\n  text\n");
    let (_, root) = parse_one(&text);
    check(&root);
    assert_eq!(at(&root, &["groups", "2", "rules"]).items().count(), 15);
    assert_eq!(
        at(&root, &["groups", "2", "rules", "14", "record"]).as_str(),
        Some("r14")
    );
}

/// A block scalar whose header line ends with a lone `\r` (found by the `promql` fuzz
/// target: an explicit key `? >` after a comment). The header's line ends at the `\r`;
/// the node must cover its content and never end before it starts.
#[test]
fn block_scalar_header_ended_by_a_lone_carriage_return() {
    for text in [
        "groups:\n- >\n >u\r?\n >",
        "groups: []\r? #c\n  >\n\n\n  >>\r\r? u\r",
        "a: >\r  folded_total\r  more\rb: 1\n",
        "? >\r  key_total\r: v\n",
    ] {
        let file = SourceFile::new("cr.yml", text);
        let Ok(documents) = crate::yaml::parse_documents(&file) else {
            continue;
        };
        for document in &documents {
            let mut pending: Vec<&Node> = document.root.iter().collect();
            while let Some(node) = pending.pop() {
                assert!(
                    node.span.start <= node.span.end && node.span.end <= text.len(),
                    "{text:?}: node span {:?}",
                    node.span
                );
                for entry in node.entries() {
                    pending.push(&entry.key);
                    pending.push(&entry.value);
                }
                pending.extend(node.items());
            }
        }
    }
    let text = "a: >\r  folded_total\r  more\rb: 1\n";
    check_token(text, &["a"], "folded_total", 0, "folded_total", 0);
}

/// `trim_slack` frees a buffer at least half spare and leaves a fuller one, whose
/// shrink mimalloc would answer with the same block.
#[test]
fn trim_slack_shrinks_only_half_empty_buffers() {
    let mut half = String::with_capacity(64);
    half.push_str(&"x".repeat(32));
    super::trim_slack(&mut half);
    assert_eq!((half.len(), half.capacity()), (32, 32));
    let mut fuller = String::with_capacity(64);
    fuller.push_str(&"x".repeat(33));
    super::trim_slack(&mut fuller);
    assert_eq!((fuller.len(), fuller.capacity()), (33, 64));
    let mut empty = String::with_capacity(8);
    super::trim_slack(&mut empty);
    assert_eq!(empty.capacity(), 0);
}

/// The word-at-a-time line-break test agrees with `memchr2` on every length up to and
/// past its `memchr2` cutoff, with a break (or a byte next to one in value) anywhere.
#[test]
fn line_break_test_agrees_with_memchr() {
    let fillers = [b'a', b'\t', 0x0b, 0x0c, 0x0e, 0x8a, 0x8d, 0xff, 0x00];
    for len in 0..80 {
        for filler in fillers {
            let plain = vec![filler; len];
            assert!(!super::scalar::has_line_break(&plain), "{len} {filler}");
            for at in 0..len {
                for special in [b'\n', b'\r', 0x09, 0x0b, 0x8a] {
                    let mut bytes = plain.clone();
                    bytes[at] = special;
                    assert_eq!(
                        super::scalar::has_line_break(&bytes),
                        memchr::memchr2(b'\n', b'\r', &bytes).is_some(),
                        "{bytes:?}"
                    );
                }
            }
        }
    }
}
