//! The reader against saphyr's event stream: on every text it accepts, the same tree,
//! the same streamed entries and the same errors.

use super::super::tree::{both_readings, parse_events, Node, Written};
use super::super::LoadError;

/// What a read gives, written out: the root, each streamed entry, or the error; `None`
/// when the reader declined.
fn outcome<'t>(
    read: impl FnOnce(&mut Written) -> Option<Result<Option<Node<'t>>, LoadError>>,
) -> Option<String> {
    let mut written = Written::default();
    let result = read(&mut written)?;
    assert_eq!(written.forgotten, 0, "an answer after forgetting");
    Some(format!("{result:?}\n{}", written.entries.join("\n")))
}

/// Whether the reader declined `text`; panics when it read it otherwise than saphyr.
fn same_as_saphyr(text: &str) -> bool {
    let Some(fast) = outcome(|on_entry| super::parse_streaming(text, "metrics", on_entry)) else {
        return false;
    };
    let full = outcome(|on_entry| Some(parse_events("t.yml", text, "metrics", on_entry)))
        .expect("saphyr always answers");
    assert_eq!(fast, full, "text:\n{text}");
    true
}

const SEEDS: &[&str] = &[
    "version: 1\ntarget_labels: [cluster]\nmetrics:\n  http_requests_total: {type: counter, help: Requests., labels: [method, route, status, service]}\n  node_memory_MemTotal_bytes: {type: gauge, help: Memory., labels: []}\n  ns01_subsystem1_metric_1: {type: gauge, help: Generated metric 1., unit: seconds, labels: [route, status, code]}\n",
    "# promgate metric catalog; format: docs/catalog.md\nversion: 1\ncomplete: false\ntarget_labels: [cluster, \"a b\"]\nscrape_interval: 15s\njobs:\n  api: {scrape_interval: 30s}\n  node: {}\nmetrics:\n  a:\n    type: gauge\n  b_total:\n    type: counter\n    help: \"Requests: all of them.\"\n    labels: []\n    label_values:\n      code: [\"200\", \"500\"]\n  \"c:d\":\n    type: histogram\n    native_histogram: unknown\n",
    "metrics: {}\n",
    "metrics:\n  # a comment\n  a: {type: gauge}\n# another\n  stop: {type: counter}\n  c: {type: gauge}\n",
    "version: 1\n\nmetrics:\n\n  a: {type: gauge, labels: [x, y], label_values: {x: [p, q]}}\n  \n  b: {type: summary}\nversion: 2\n",
    "metrics: {a: {type: gauge}, stop: {type: counter}}\n",
    "complete: true\nmetrics: [a, b]\n",
];

/// Tricky characters to insert.
const PALETTE: &[u8] = b" :#-\"\\{}[],\n\n\n.?&*!|>'%@`\tab1_ ";

#[test]
fn seeds_read_like_saphyr() {
    for seed in SEEDS {
        assert!(same_as_saphyr(seed), "declined:\n{seed}");
    }
}

/// Thousands of small edits of the seeds: wherever the reader accepts, it must agree.
#[test]
fn edited_seeds_read_like_saphyr_or_are_declined() {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    let mut accepted = 0;
    for round in 0..20_000 {
        let mut text = SEEDS[round % SEEDS.len()].as_bytes().to_vec();
        for _ in 0..1 + next(3) {
            let at = next(text.len() + 1);
            match next(4) {
                0 if at < text.len() => {
                    text.remove(at);
                }
                1 => {
                    let line_start = text[..at]
                        .iter()
                        .rposition(|&b| b == b'\n')
                        .map_or(0, |i| i + 1);
                    text.insert(line_start, b' ');
                }
                _ => text.insert(at, PALETTE[next(PALETTE.len())]),
            }
        }
        let text = String::from_utf8(text).expect("ASCII edits");
        accepted += usize::from(same_as_saphyr(&text));
        // Declined or not, the loader's entry point answers as saphyr does.
        let (loaded, saphyr) = both_readings(&text);
        assert_eq!(loaded, saphyr, "text:\n{text}");
    }
    // The edits must leave much of the subset for the comparison to mean anything.
    assert!(accepted > 2500, "only {accepted} edited texts were read");
}

/// The reader hands entries over as it reads, then may decline further on: the entries
/// are forgotten and saphyr's reading is the answer, its entries once each.
#[test]
fn a_late_decline_leaves_the_entries_to_saphyr() {
    for text in [
        "metrics:\n  a: {type: gauge}\n  b: {type: counter}\n  c: &x {type: gauge}\n",
        "metrics:\n  a: {type: gauge}\n  stop: {type: counter}\n  c: *x\n",
        "metrics:\n  a: {type: gauge}\n  stop: {type: counter}\n  c: {type: gauge}\nz: 'q'\n",
        "metrics: {a: {type: gauge}, b: {type: x}}\nother: [1,\n 2]\n",
    ] {
        let mut written = Written::default();
        assert!(
            super::parse_streaming(text, "metrics", &mut written).is_none(),
            "{text}"
        );
        assert!(
            !written.entries.is_empty(),
            "nothing handed over before declining: {text}"
        );
        let (loaded, saphyr) = both_readings(text);
        assert_eq!(loaded, saphyr, "{text}");
    }
}

/// A refused entry is the answer only when the rest of the text is read too: the same
/// error saphyr gives.
#[test]
fn a_refused_entry_is_answered_after_the_whole_text() {
    let text = "metrics:\n  a: {type: gauge}\n  stop: {type: counter}\n  c: {type: gauge}\n";
    let mut written = Written::default();
    let read = super::parse_streaming(text, "metrics", &mut written).expect("in the subset");
    assert_eq!(read.unwrap_err().line, 3);
    assert_eq!(written.entries.len(), 1, "no entry after the refused one");
    let (loaded, saphyr) = both_readings(text);
    assert_eq!(loaded, saphyr);
}

#[test]
fn declines_what_it_does_not_read() {
    for text in [
        "",
        "# only a comment\n",
        "a: b\n  c\n",
        "a: b # comment\n",
        "a:\n- x\n",
        "a:\n",
        "---\na: b\n",
        "a: [x,\n  y]\n",
        "a: \"x\\ty\"\n",
        "a:\tb\n",
        "a: b\r\n",
        "a: é\n",
        "{\"a\": 1}\n",
        "a: &x b\n",
        "a: -1\n",
        "a: [x, ]\n",
        // Found by the `catalog_reader` fuzz target: saphyr refuses the last `-`.
        "n: [r - - -, r]\n",
        "a: {b: c -d}\n",
    ] {
        assert!(!same_as_saphyr(text), "read:\n{text}");
    }
}

/// A word starting with `-` inside a plain scalar is read in block context (saphyr
/// reads it as part of the scalar there), and left to saphyr inside a flow collection.
#[test]
fn a_dash_word_is_read_in_block_context_only() {
    assert!(same_as_saphyr("help: a - b -c\n"));
    assert!(same_as_saphyr(
        "metrics:\n  a: {type: gauge}\nhelp: x - y\n"
    ));
    assert!(!same_as_saphyr(
        "metrics:\n  a: {type: gauge, help: x - y}\n"
    ));
}

/// Regression (issue 12): the plain-scalar byte classes became a lookup table; it holds
/// exactly the classes the reader accepted before, for every byte.
#[test]
fn the_plain_byte_table_keeps_the_byte_classes() {
    for byte in 0..=255u8 {
        let start = byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'/');
        let inside =
            byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'/' | b'-' | b'+');
        assert_eq!(super::plain_start(byte), start, "{byte}");
        assert_eq!(super::plain_char(byte), inside, "{byte}");
    }
}
