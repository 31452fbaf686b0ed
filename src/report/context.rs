//! The lines around a span, as miette's `read_span` returns them for text, computed from
//! the file's line index instead of by miette's byte-by-byte scan.
//!
//! miette's reader (`context_info` in its `source_impls.rs`, 7.6) walks the text byte by
//! byte from the start of whatever it is given, counting line breaks, and the snippet
//! renderer asks it three or four times per finding. What it returns has a closed form in
//! terms of line starts, quirks included; [`read`] computes that form with a few binary
//! searches of [`SourceFile`]'s index, and the tests compare both on every span of texts
//! with every kind of line break.
//!
//! miette's rules, with `S` the span's offset and `L` its length:
//!
//! - **Start**: the `before` lines preceding the line holding `S` (a line break belongs to
//!   the line it ends; the `\n` of a `\r\n` that `S` points at does too), or `S` itself
//!   with no context before.
//! - **End**: counting starts at `B = max(S + L - 1, 0)` (one byte earlier for an empty
//!   span), or at the `\n` when `B` is the `\r` of a `\r\n`; the text ends just after the
//!   `(after + 1)`-th line break after that point, or at the end of the file. With no
//!   context after, it ends one byte after that point.
//! - **Line**: the number of line breaks before the start; **line count**: the number of
//!   line breaks before the end.
//! - **Column** (only without context before, else 0): the bytes between the line's
//!   start and `S`, a `\r` of a `\r\n` excepted, and 0 when context after is asked for and
//!   a line break follows the end point (miette resets it on the first one it reads).

use crate::source::SourceFile;

/// What miette's `read_span` returns: the text `start..end` (its `data()` and `span()`),
/// its 0-based `line` and byte `column`, and the line breaks up to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub column: usize,
    pub line_count: usize,
}

/// miette's `read_span(span, before, after)` on the whole text of `file`; `None` for a
/// span that ends past the text (miette's `OutOfBounds`, or its panic).
pub fn read(
    file: &SourceFile,
    offset: usize,
    len: usize,
    before: usize,
    after: usize,
) -> Option<Context> {
    let bytes = file.text.as_bytes();
    if offset + len > bytes.len() {
        return None;
    }
    if bytes.is_empty() {
        return Some(Context {
            start: 0,
            end: 0,
            line: 0,
            column: 0,
            line_count: 0,
        });
    }
    // Line breaks before the span (`line_of` counts the line starts up to an offset).
    let breaks_before = file.line_of(offset) - 1;
    let line = if before == 0 {
        breaks_before
    } else {
        breaks_before.saturating_sub(before)
    };
    let start = if before == 0 {
        offset
    } else {
        file.line_start(line + 1)
    };

    let last = (offset + len).saturating_sub(1);
    let turn = if bytes[last] == b'\r' && bytes.get(last + 1) == Some(&b'\n') {
        last + 1
    } else {
        last
    };
    // Index (in line starts) of the first line break after `turn`.
    let next_break = file.line_of(turn + 1);
    let end = if after == 0 {
        turn + 1
    } else if next_break + after < file.line_count() {
        file.line_start(next_break + after + 1)
    } else {
        bytes.len()
    };

    let column = if before > 0 || (after > 0 && next_break < file.line_count()) {
        0
    } else {
        let straddles_crlf =
            offset > 0 && bytes[offset - 1] == b'\r' && bytes.get(offset) == Some(&b'\n');
        offset - file.line_start(breaks_before + 1) - usize::from(straddles_crlf)
    };
    Some(Context {
        start,
        end,
        line,
        column,
        line_count: file.line_of(end) - 1,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::{SourceCode, SourceSpan};

    fn miette_read(text: &str, offset: usize, len: usize, before: usize, after: usize) -> Context {
        let contents = text
            .read_span(&SourceSpan::new(offset.into(), len), before, after)
            .expect("in bounds");
        Context {
            start: contents.span().offset(),
            end: contents.span().offset() + contents.span().len(),
            line: contents.line(),
            column: contents.column(),
            line_count: contents.line_count(),
        }
    }

    /// Every span of texts with every kind of line break, empty lines, a last line with
    /// and without a break, multi-byte characters: miette's answer, for 0 to 3 lines of
    /// context before and after.
    #[test]
    fn matches_miette_on_every_span() {
        let breaks = ["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\n\r"];
        let mixed: String = (0..16)
            .map(|i| format!("{}{}", "k".repeat(i % 4), breaks[i % breaks.len()]))
            .collect();
        let texts = [
            "",
            "x",
            "\n",
            "\r",
            "\r\n",
            "\n\n\n",
            "a: 1\nbb: 2\n\nccc: 3\ndddd: 4\ne: 5\nf: 6\ng: 7\nh",
            "a\r\nb\r\n\r\nc\rd\re\r\nf\n\rg\n",
            "é: \"ü\"\n  - ✓ x\n\n\n  y: z\nlast line without break",
            "\r\n\r\nx\r\n",
            mixed.as_str(),
        ];
        let mut checked = 0;
        for text in texts {
            let file = SourceFile::new("t.yml", text);
            for offset in 0..=text.len() {
                for len in 0..=text.len() - offset {
                    for before in 0..=3 {
                        for after in 0..=3 {
                            let expected = miette_read(text, offset, len, before, after);
                            let actual = read(&file, offset, len, before, after);
                            assert_eq!(
                                actual,
                                Some(expected),
                                "{text:?} {offset}+{len} before {before} after {after}"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 60_000, "{checked}");
    }

    #[test]
    fn spans_past_the_end_are_none() {
        let file = SourceFile::new("t.yml", "a: 1\n");
        for (offset, len) in [(6, 0), (5, 1), (4, 2), (99, 1)] {
            assert_eq!(read(&file, offset, len, 1, 1), None, "{offset}+{len}");
        }
    }
}
