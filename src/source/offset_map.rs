//! Decoded-text offset -> file offset.
//!
//! A decoded value is a sequence of *runs*. In a verbatim run, decoded bytes and file
//! bytes advance together (plain text). A replaced run is decoded text that stands for a
//! different piece of the file (an escape such as `\"` or `\u00e9`, a folded line break
//! that became a space, a CRLF that became `\n`): every byte of it maps to the start of
//! that piece, and a span ending inside it ends after the whole piece.

use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    decoded: usize,
    file: usize,
    /// `None` for a verbatim run; `Some(len)` for a replaced run whose file text is
    /// `len` bytes long.
    replaced_len: Option<usize>,
}

/// Maps byte offsets in a decoded string to byte offsets in the file it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Runs sorted by `decoded`.
    runs: Vec<Run>,
    /// Length of the decoded text, so offsets at its end map to `file_end`.
    decoded_len: usize,
    /// File offset just past the encoded value, where the decoded end maps.
    file_end: usize,
}

impl OffsetMap {
    /// The map of a value copied verbatim from `file_start` (a plain scalar, a raw slice).
    pub fn identity(file_start: usize, len: usize) -> Self {
        OffsetMap {
            runs: vec![Run {
                decoded: 0,
                file: file_start,
                replaced_len: None,
            }],
            decoded_len: len,
            file_end: file_start + len,
        }
    }

    /// The map used when the exact correspondence is unknown: every decoded byte maps
    /// to `file.start`, and any span covers the whole of `file`.
    pub fn collapsed(file: Range<usize>, decoded_len: usize) -> Self {
        OffsetMap {
            runs: vec![Run {
                decoded: 0,
                file: file.start,
                replaced_len: Some(file.end.saturating_sub(file.start)),
            }],
            decoded_len,
            file_end: file.end.max(file.start),
        }
    }

    fn run_index(&self, decoded: usize) -> Option<usize> {
        match self.runs.binary_search_by_key(&decoded, |run| run.decoded) {
            Ok(i) => Some(i),
            Err(0) => None,
            Err(i) => Some(i - 1),
        }
    }

    /// File offset of the decoded byte at `decoded`.
    pub fn to_file(&self, decoded: usize) -> usize {
        if decoded >= self.decoded_len {
            return self.file_end;
        }
        let Some(index) = self.run_index(decoded) else {
            return self.runs.first().map(|r| r.file).unwrap_or(self.file_end);
        };
        let run = self.runs[index];
        match run.replaced_len {
            None => run.file + (decoded - run.decoded),
            Some(_) => run.file,
        }
    }

    /// File offset just past the file text of the decoded byte at `decoded`.
    fn to_file_after(&self, decoded: usize) -> usize {
        if decoded >= self.decoded_len {
            return self.file_end;
        }
        let Some(index) = self.run_index(decoded) else {
            return self.file_end;
        };
        let run = self.runs[index];
        match run.replaced_len {
            None => run.file + (decoded - run.decoded) + 1,
            Some(len) => run.file + len,
        }
    }

    /// File span of a decoded span. The end maps through the last byte it covers, so a
    /// span ending right before an escape does not swallow it, and a span ending on an
    /// escape covers all of it.
    pub fn span_to_file(&self, decoded: Range<usize>) -> Range<usize> {
        let start = self.to_file(decoded.start);
        let end = if decoded.end > decoded.start {
            self.to_file_after(decoded.end - 1)
        } else {
            start
        };
        start..end.max(start)
    }

    pub fn decoded_len(&self) -> usize {
        self.decoded_len
    }

    /// The same map over a file whose offsets `to_file` translates (for text that was
    /// parsed from a patched copy of the file). Runs must not straddle a place where
    /// the translation is not a plain shift.
    pub fn remap_file(&self, to_file: &dyn Fn(usize) -> usize) -> OffsetMap {
        let runs = self
            .runs
            .iter()
            .map(|run| {
                let file = to_file(run.file);
                Run {
                    decoded: run.decoded,
                    file,
                    replaced_len: run
                        .replaced_len
                        .map(|len| to_file(run.file + len).saturating_sub(file)),
                }
            })
            .collect();
        OffsetMap {
            runs,
            decoded_len: self.decoded_len,
            file_end: to_file(self.file_end),
        }
    }

    /// File offset just past the encoded value.
    pub fn file_end(&self) -> usize {
        self.file_end
    }
}

/// Builds an [`OffsetMap`] while a decoder writes the decoded text.
#[derive(Debug, Clone, Default)]
pub struct OffsetMapBuilder {
    runs: Vec<Run>,
}

impl OffsetMapBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares that decoded byte `decoded` comes from file byte `file`, and that the
    /// bytes after it advance together until the next call.
    pub fn mark(&mut self, decoded: usize, file: usize) {
        self.push(Run {
            decoded,
            file,
            replaced_len: None,
        });
    }

    /// Declares that the decoded text starting at `decoded` (up to the next call) stands
    /// for the `file_len` file bytes at `file`: an escape, a folded line break.
    pub fn mark_replaced(&mut self, decoded: usize, file: usize, file_len: usize) {
        self.push(Run {
            decoded,
            file,
            replaced_len: Some(file_len),
        });
    }

    fn push(&mut self, run: Run) {
        match self.runs.last_mut() {
            // A later mark at the same decoded offset replaces the earlier one.
            Some(last) if last.decoded == run.decoded => *last = run,
            // A verbatim run that continues the previous verbatim run adds nothing.
            Some(last)
                if last.replaced_len.is_none()
                    && run.replaced_len.is_none()
                    && run.decoded >= last.decoded
                    && last.file + (run.decoded - last.decoded) == run.file => {}
            _ => self.runs.push(run),
        }
    }

    pub fn finish(self, decoded_len: usize, file_end: usize) -> OffsetMap {
        let mut runs = self.runs;
        if runs.is_empty() {
            runs.push(Run {
                decoded: 0,
                file: file_end,
                replaced_len: None,
            });
        }
        OffsetMap {
            runs,
            decoded_len,
            file_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_shifts_by_start() {
        let map = OffsetMap::identity(10, 5);
        assert_eq!(map.to_file(0), 10);
        assert_eq!(map.to_file(4), 14);
        assert_eq!(map.to_file(5), 15);
        assert_eq!(map.span_to_file(1..3), 11..13);
    }

    #[test]
    fn escapes_break_runs() {
        // File text: "a\"b" at offset 0 (with quotes); decoded: a"b
        let mut builder = OffsetMapBuilder::new();
        builder.mark(0, 1); // a
        builder.mark(1, 2); // \" -> "
        builder.mark(2, 4); // b
        let map = builder.finish(3, 5);
        assert_eq!(map.to_file(0), 1);
        assert_eq!(map.to_file(1), 2);
        assert_eq!(map.to_file(2), 4);
        assert_eq!(map.span_to_file(2..3), 4..5);
        assert_eq!(map.span_to_file(0..1), 1..2);
    }

    #[test]
    fn replaced_runs_cover_the_whole_escape() {
        // File text: "x\u00e9y" (quotes at 0 and 10); decoded: xéy (é is 2 bytes).
        let mut builder = OffsetMapBuilder::new();
        builder.mark(0, 1);
        builder.mark_replaced(1, 2, 6);
        builder.mark(3, 8);
        let map = builder.finish(4, 9);
        assert_eq!(map.to_file(1), 2);
        assert_eq!(map.to_file(2), 2);
        assert_eq!(map.to_file(3), 8);
        assert_eq!(map.span_to_file(1..3), 2..8);
        assert_eq!(map.span_to_file(0..4), 1..9);
    }

    #[test]
    fn collapsed_maps_everything_to_the_start() {
        let map = OffsetMap::collapsed(5..20, 7);
        assert_eq!(map.to_file(0), 5);
        assert_eq!(map.to_file(6), 5);
        assert_eq!(map.span_to_file(2..4), 5..20);
    }
}
