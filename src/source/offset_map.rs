//! Decoded-text offset -> file offset.
//!
//! A decoded value is a sequence of *runs*: stretches where decoded bytes and file bytes
//! advance together (plain text), separated by places where they do not (an escape such
//! as `\"`, a folded line break, block-scalar indentation that was stripped). The map
//! stores the start of every run; inside a run the mapping is a plain shift.

/// Maps byte offsets in a decoded string to byte offsets in the file it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// `(decoded_start, file_start)` of each run, sorted by `decoded_start`.
    runs: Vec<(usize, usize)>,
    /// Length of the decoded text, so offsets at its end map to the end of the last run.
    decoded_len: usize,
    /// File offset just past the encoded value, where the decoded end maps.
    file_end: usize,
}

impl OffsetMap {
    /// The map of a value copied verbatim from `file_start` (a plain scalar, a raw slice).
    pub fn identity(file_start: usize, len: usize) -> Self {
        OffsetMap {
            runs: vec![(0, file_start)],
            decoded_len: len,
            file_end: file_start + len,
        }
    }

    /// File offset of the decoded byte at `decoded`.
    pub fn to_file(&self, decoded: usize) -> usize {
        if decoded >= self.decoded_len {
            return self.file_end;
        }
        let index = match self.runs.binary_search_by_key(&decoded, |run| run.0) {
            Ok(i) => i,
            Err(0) => return self.runs.first().map(|r| r.1).unwrap_or(self.file_end),
            Err(i) => i - 1,
        };
        let (run_decoded, run_file) = self.runs[index];
        run_file + (decoded - run_decoded)
    }

    /// File span of a decoded span. The end maps through the last byte it covers, so a
    /// span ending right before an escape does not swallow it.
    pub fn span_to_file(&self, decoded: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let start = self.to_file(decoded.start);
        let end = if decoded.end > decoded.start {
            self.to_file(decoded.end - 1) + 1
        } else {
            start
        };
        start..end.max(start)
    }

    pub fn decoded_len(&self) -> usize {
        self.decoded_len
    }
}

/// Builds an [`OffsetMap`] while a decoder writes the decoded text.
#[derive(Debug, Default)]
pub struct OffsetMapBuilder {
    runs: Vec<(usize, usize)>,
}

impl OffsetMapBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Declares that decoded byte `decoded` comes from file byte `file`, and that the
    /// bytes after it advance together until the next call.
    pub fn mark(&mut self, decoded: usize, file: usize) {
        match self.runs.last_mut() {
            // A later mark at the same decoded offset replaces the earlier one.
            Some(last) if last.0 == decoded => last.1 = file,
            Some(last) if last.1 + (decoded - last.0) == file => {}
            _ => self.runs.push((decoded, file)),
        }
    }

    pub fn finish(self, decoded_len: usize, file_end: usize) -> OffsetMap {
        let mut runs = self.runs;
        if runs.is_empty() {
            runs.push((0, file_end));
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
}
