//! A loaded file and the maps that carry positions from decoded values back into it.
//!
//! Every diagnostic ends as a byte span in a [`SourceFile`]. Code that lives inside a
//! YAML scalar or a JSON string is parsed from its *decoded* text; an [`OffsetMap`]
//! turns a byte offset in that decoded text into a byte offset in the file, so a
//! PromQL span becomes a file position in one call whatever the quoting style.

mod offset_map;

pub use offset_map::{OffsetMap, OffsetMapBuilder};

use std::ops::Range;
use std::sync::OnceLock;

/// A byte range in a file's text.
pub type Span = Range<usize>;

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// One file's text with an index of its line starts.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user named it (or as discovery found it), used in every output.
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// Whether the text is ASCII, where a character column is a byte column.
    ascii: bool,
    /// Whether a line ends with a lone `\r` (old Mac files).
    lone_cr: bool,
    /// `chars_before[k]`: characters that start before byte `k * CHECKPOINT_BYTES`, so a
    /// column is a lookup plus a count over at most one checkpoint's bytes, however long
    /// the line (a minified dashboard is one line of megabytes). Built on the first
    /// column asked of a non-ASCII file: most files are ASCII or have no finding.
    chars_before: OnceLock<Vec<u32>>,
}

/// Bytes between character-count checkpoints: 8 bytes of index per 256 of text at most.
const CHECKPOINT_BYTES: usize = 256;

/// UTF-8 continuation bytes (`10xxxxxx`) never start a character.
fn is_char_start(byte: u8) -> bool {
    (byte as i8) >= -0x40
}

fn character_checkpoints(bytes: &[u8]) -> Vec<u32> {
    let mut checkpoints = Vec::with_capacity(bytes.len() / CHECKPOINT_BYTES + 1);
    let mut count = 0u32;
    checkpoints.push(0);
    for chunk in bytes.chunks(CHECKPOINT_BYTES) {
        count += chunk.iter().filter(|&&b| is_char_start(b)).count() as u32;
        checkpoints.push(count);
    }
    checkpoints
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        // A line ends at LF, CRLF, or a lone CR (old Mac files; YAML counts it too).
        let bytes = text.as_bytes();
        let mut lone_cr = false;
        let line_starts = std::iter::once(0)
            .chain(
                memchr::memchr2_iter(b'\n', b'\r', bytes).filter_map(|i| match bytes[i] {
                    b'\r' if bytes.get(i + 1) == Some(&b'\n') => None,
                    b'\r' => {
                        lone_cr = true;
                        Some(i + 1)
                    }
                    _ => Some(i + 1),
                }),
            )
            .collect();
        SourceFile {
            path: path.into(),
            ascii: text.is_ascii(),
            lone_cr,
            text,
            line_starts,
            chars_before: OnceLock::new(),
        }
    }

    /// The byte offset where each line starts (a line ends at LF, CRLF or a lone CR).
    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }

    /// This file with every lone `\r` written as `\n`, when it has any: the same bytes at
    /// the same offsets and the same lines, for code that splits lines at `\n` only (the
    /// human output's snippets, as miette does) and must agree with [`Self::line_col`].
    pub fn with_lone_cr_as_lf(&self) -> Option<SourceFile> {
        if !self.lone_cr {
            return None;
        }
        let bytes = self.text.as_bytes();
        let mut text = self.text.clone().into_bytes();
        for i in memchr::memchr_iter(b'\r', bytes) {
            if bytes.get(i + 1) != Some(&b'\n') {
                text[i] = b'\n';
            }
        }
        let text = String::from_utf8(text).expect("one ASCII byte replaced by another");
        Some(SourceFile::new(self.path.clone(), text))
    }

    /// Characters that start before byte `offset` (a character boundary): O(1) from the
    /// nearest checkpoint, then at most `CHECKPOINT_BYTES` bytes counted.
    fn chars_before(&self, offset: usize) -> usize {
        if self.ascii {
            return offset;
        }
        let checkpoints = self
            .chars_before
            .get_or_init(|| character_checkpoints(self.text.as_bytes()));
        let checkpoint = offset / CHECKPOINT_BYTES;
        let from = checkpoint * CHECKPOINT_BYTES;
        let counted = self.text.as_bytes()[from..offset]
            .iter()
            .filter(|&&b| is_char_start(b))
            .count();
        checkpoints[checkpoint] as usize + counted
    }

    /// Line and character column of a byte offset (clamped to the text, snapped back to
    /// a character boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line_index = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let column = self.chars_before(offset) - self.chars_before(line_start) + 1;
        LineCol {
            line: line_index + 1,
            column,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_starts[line - 1];
        let end = self
            .line_starts
            .get(line)
            .map(|next| next - 1)
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches('\r')
    }

    /// The 1-based line holding a byte offset (clamped to the text); a line break
    /// belongs to the line it ends.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts[line - 1]
    }

    /// A byte offset as an editor counts it (the Language Server Protocol): 0-based
    /// line and 0-based column in UTF-16 code units.
    pub fn utf16_position(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line).min(offset);
        let column = self.text[start..offset].encode_utf16().count();
        (line - 1, column)
    }

    /// The byte offset of an editor position (0-based line, UTF-16 column), clamped:
    /// a line past the end gives the end of the text, a column past the line's end
    /// gives the line's end, a column inside a surrogate pair the character's start.
    /// The second value says whether clamping was needed.
    pub fn offset_of_utf16(&self, line: usize, column: usize) -> (usize, bool) {
        if line >= self.line_count() {
            return (self.text.len(), true);
        }
        let start = self.line_starts[line];
        let end = start + self.line_text(line + 1).len();
        let mut units = 0;
        for (index, c) in self.text[start..end].char_indices() {
            if units >= column {
                return (start + index, false);
            }
            if units + c.len_utf16() > column {
                return (start + index, true);
            }
            units += c.len_utf16();
        }
        (end, units < column)
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let file = SourceFile::new("a.yml", "a: 1\nb: \"é x\"\n");
        let x = file.text.find('x').unwrap();
        assert_eq!(file.line_col(x), LineCol { line: 2, column: 7 });
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_text(2), "b: \"é x\"");
    }

    #[test]
    fn lone_carriage_returns_end_lines_like_yaml() {
        let file = SourceFile::new("a.yml", "a: 1\rb: 2\r\nc: x\n");
        let x = file.text.find('x').unwrap();
        assert_eq!(file.line_col(x), LineCol { line: 3, column: 4 });
        assert_eq!(file.line_text(1), "a: 1");
        assert_eq!(file.line_text(2), "b: 2");
    }

    #[test]
    fn line_of_puts_a_line_break_on_the_line_it_ends() {
        let file = SourceFile::new("a.yml", "ab\r\ncd\ref\n");
        let lines: Vec<usize> = (0..=file.text.len() + 1).map(|o| file.line_of(o)).collect();
        assert_eq!(lines, [1, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4]);
        for offset in 0..=file.text.len() {
            assert_eq!(file.line_of(offset), file.line_col(offset).line);
        }
    }

    /// Regression (issue 16): columns on a megabyte line were counted from the line's
    /// start on every call. The index must give what counting gives, at every offset.
    #[test]
    fn checkpointed_columns_equal_counted_columns() {
        let line: String = (0..3_000)
            .map(|i| ["a", "é", "✓", "😀", "\t"][i % 5])
            .collect();
        let text = format!("x\n{line}\r\n{line}");
        let file = SourceFile::new("a.json", text.as_str());
        for offset in 0..=text.len() {
            let expected = file.floor_char_boundary(offset);
            let line_start = file.line_start(file.line_of(expected).max(1));
            let line_start = if expected < line_start {
                file.line_start(file.line_of(expected) - 1)
            } else {
                line_start
            };
            let counted = text[line_start.min(expected)..expected].chars().count() + 1;
            assert_eq!(file.line_col(offset).column, counted, "offset {offset}");
        }
    }

    /// ASCII text takes the byte offset as the column count: the same columns and lines
    /// as counting, with every kind of line break.
    #[test]
    fn ascii_columns_equal_counted_columns() {
        let text = "a: 1\rb: [x, y]\r\n\tc: z\n\n  d: 'e'\r\r\nf";
        let file = SourceFile::new("a.yml", text);
        let mut line = 1;
        let mut line_start = 0;
        for (offset, byte) in text.bytes().enumerate() {
            let at = file.line_col(offset);
            assert_eq!(
                (at.line, at.column),
                (line, offset - line_start + 1),
                "{offset}"
            );
            let ends_line =
                byte == b'\n' || (byte == b'\r' && text.as_bytes().get(offset + 1) != Some(&b'\n'));
            if ends_line {
                line += 1;
                line_start = offset + 1;
            }
        }
        assert_eq!(file.line_count(), 7);
    }

    #[test]
    fn editor_positions_count_utf16_code_units() {
        // `é` is one UTF-16 unit, `𝄞` two; the token after them starts at unit 9.
        let file = SourceFile::new("a.yml", "a: 1\nb: é𝄞 foo\n");
        let foo = file.text.find("foo").unwrap();
        assert_eq!(file.utf16_position(foo), (1, 7));
        assert_eq!(file.offset_of_utf16(1, 7), (foo, false));
        assert_eq!(file.offset_of_utf16(1, 99), (foo + 3, true));
        assert_eq!(file.offset_of_utf16(9, 0), (file.text.len(), true));
        // Inside the surrogate pair: snapped back to the character's start.
        let clef = file.text.find('𝄞').unwrap();
        assert_eq!(file.offset_of_utf16(1, 5), (clef, true));
        assert_eq!(file.offset_of_utf16(1, 4), (clef, false));
    }

    #[test]
    fn offset_at_end_of_text_is_after_last_line() {
        let file = SourceFile::new("a.yml", "ab");
        assert_eq!(file.line_col(2), LineCol { line: 1, column: 3 });
        assert_eq!(file.line_col(99), LineCol { line: 1, column: 3 });
    }
}
