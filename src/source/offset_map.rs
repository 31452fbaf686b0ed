//! Decoded-text offset -> file offset.
//!
//! A decoded value is a sequence of *runs*. In a verbatim run, decoded bytes and file
//! bytes advance together (plain text). A replaced run is decoded text that stands for a
//! different piece of the file (an escape such as `\"` or `\u00e9`, a folded line break
//! that became a space, a CRLF that became `\n`): every byte of it maps to the start of
//! that piece, and a span ending inside it ends after the whole piece.

use std::ops::Range;

/// One run. A YAML tree holds one map per scalar, so runs are kept small: offsets as
/// `u32` (files are far below 4 GiB; promgate refuses files over 16 MiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Run {
    decoded: u32,
    file: u32,
    /// [`VERBATIM`] for a verbatim run; otherwise a replaced run whose file text is this
    /// many bytes long.
    replaced_len: u32,
}

const VERBATIM: u32 = u32::MAX;

fn small(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX - 1)
}

impl Run {
    fn new(decoded: usize, file: usize, replaced_len: Option<usize>) -> Run {
        Run {
            decoded: small(decoded),
            file: small(file),
            replaced_len: replaced_len.map_or(VERBATIM, small),
        }
    }

    fn decoded(&self) -> usize {
        self.decoded as usize
    }

    fn file(&self) -> usize {
        self.file as usize
    }

    fn replaced_len(&self) -> Option<usize> {
        (self.replaced_len != VERBATIM).then_some(self.replaced_len as usize)
    }
}

/// Maps byte offsets in a decoded string to byte offsets in the file it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// Runs sorted by `decoded`. Empty for an identity map (a value copied verbatim,
    /// the common case), which then needs no allocation.
    runs: Box<[Run]>,
    /// Length of the decoded text, so offsets at its end map to `file_end`.
    decoded_len: usize,
    /// File offset just past the encoded value, where the decoded end maps.
    file_end: usize,
}

impl OffsetMap {
    /// The map of a value copied verbatim from `file_start` (a plain scalar, a raw slice).
    pub fn identity(file_start: usize, len: usize) -> Self {
        OffsetMap {
            runs: Box::new([]),
            decoded_len: len,
            file_end: file_start + len,
        }
    }

    /// The map used when the exact correspondence is unknown: every decoded byte maps
    /// to `file.start`, and any span covers the whole of `file`.
    pub fn collapsed(file: Range<usize>, decoded_len: usize) -> Self {
        OffsetMap {
            runs: Box::new([Run::new(
                0,
                file.start,
                Some(file.end.saturating_sub(file.start)),
            )]),
            decoded_len,
            file_end: file.end.max(file.start),
        }
    }

    /// The run holding `decoded` (< `decoded_len`); an identity map's single run.
    fn run_at(&self, decoded: usize) -> Option<Run> {
        if self.runs.is_empty() {
            let start = self.file_end - self.decoded_len;
            return Some(Run::new(0, start, None));
        }
        self.run_index(decoded).map(|index| self.runs[index])
    }

    fn run_index(&self, decoded: usize) -> Option<usize> {
        match self.runs.binary_search_by_key(&decoded, Run::decoded) {
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
        let Some(run) = self.run_at(decoded) else {
            return self.runs.first().map(Run::file).unwrap_or(self.file_end);
        };
        match run.replaced_len() {
            None => run.file() + (decoded - run.decoded()),
            Some(_) => run.file(),
        }
    }

    /// File offset just past the file text of the decoded byte at `decoded`.
    fn to_file_after(&self, decoded: usize) -> usize {
        if decoded >= self.decoded_len {
            return self.file_end;
        }
        let Some(run) = self.run_at(decoded) else {
            return self.file_end;
        };
        match run.replaced_len() {
            None => run.file() + (decoded - run.decoded()) + 1,
            Some(len) => run.file() + len,
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
        let identity;
        let runs: &[Run] = if self.runs.is_empty() {
            identity = [Run::new(0, self.file_end - self.decoded_len, None)];
            &identity
        } else {
            &self.runs
        };
        let runs = runs
            .iter()
            .map(|run| {
                let file = to_file(run.file());
                let replaced_len = run
                    .replaced_len()
                    .map(|len| to_file(run.file() + len).saturating_sub(file));
                Run::new(run.decoded(), file, replaced_len)
            })
            .collect();
        OffsetMap {
            runs,
            decoded_len: self.decoded_len,
            file_end: to_file(self.file_end),
        }
    }

    /// The decoded offset whose text holds the file offset `file` (the inverse of
    /// [`Self::to_file`], for an editor's cursor); `None` outside the value.
    pub fn to_decoded(&self, file: usize) -> Option<usize> {
        if file < self.to_file(0) || file > self.file_end {
            return None;
        }
        // `to_file` never decreases: find the last decoded offset at or before `file`.
        let (mut low, mut high) = (0, self.decoded_len);
        while low < high {
            let middle = (low + high).div_ceil(2);
            if self.to_file(middle) <= file {
                low = middle;
            } else {
                high = middle - 1;
            }
        }
        Some(low)
    }

    /// File offset just past the encoded value.
    pub fn file_end(&self) -> usize {
        self.file_end
    }

    /// Where the verbatim run holding `decoded` ends (the decoded offset of the next run,
    /// or the end of the text); `None` when `decoded` is in a replaced run, before the
    /// first run, or past the end.
    fn verbatim_end(&self, decoded: usize) -> Option<usize> {
        if decoded >= self.decoded_len {
            return None;
        }
        if self.runs.is_empty() {
            return Some(self.decoded_len);
        }
        let index = self.run_index(decoded)?;
        if self.runs[index].replaced_len().is_some() {
            return None;
        }
        Some(
            self.runs
                .get(index + 1)
                .map_or(self.decoded_len, Run::decoded),
        )
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
        self.push(Run::new(decoded, file, None));
    }

    /// Declares that the decoded text starting at `decoded` (up to the next call) stands
    /// for the `file_len` file bytes at `file`: an escape, a folded line break.
    pub fn mark_replaced(&mut self, decoded: usize, file: usize, file_len: usize) {
        self.push(Run::new(decoded, file, Some(file_len)));
    }

    /// Declares that the decoded bytes from `decoded` on are a copy of `source`'s decoded
    /// bytes `range`. The result is that of marking every byte with `source.to_file`, but
    /// a verbatim run of `source` takes one mark instead of one per byte; elsewhere
    /// (escapes, offsets outside `source`'s runs) each byte is still marked on its own.
    pub fn mark_copy(&mut self, decoded: usize, source: &OffsetMap, range: Range<usize>) {
        let mut k = range.start;
        while k < range.end {
            self.mark(decoded + (k - range.start), source.to_file(k));
            k = match source.verbatim_end(k) {
                Some(end) => end.min(range.end),
                None => k + 1,
            };
        }
    }

    fn push(&mut self, run: Run) {
        match self.runs.last_mut() {
            // A later mark at the same decoded offset replaces the earlier one.
            Some(last) if last.decoded == run.decoded => *last = run,
            // A verbatim run that continues the previous verbatim run adds nothing.
            Some(last)
                if last.replaced_len().is_none()
                    && run.replaced_len().is_none()
                    && run.decoded >= last.decoded
                    && last.file() + (run.decoded() - last.decoded()) == run.file() => {}
            _ => self.runs.push(run),
        }
    }

    pub fn finish(self, decoded_len: usize, file_end: usize) -> OffsetMap {
        let mut runs = self.runs;
        if runs.is_empty() {
            runs.push(Run::new(0, file_end, None));
        }
        // A single verbatim run that ends at `file_end` is an identity map.
        let identity = matches!(
            runs[..],
            [run] if run.decoded == 0
                && run.replaced_len().is_none()
                && run.file() + decoded_len == file_end
        );
        OffsetMap {
            runs: if identity {
                Box::new([])
            } else {
                runs.into_boxed_slice()
            },
            decoded_len,
            file_end,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `mark_copy` equals marking byte by byte, over a map with verbatim and replaced
    /// runs, from every start to every end.
    #[test]
    fn mark_copy_equals_marking_each_byte() {
        let mut source = OffsetMapBuilder::new();
        source.mark(0, 100);
        source.mark_replaced(3, 103, 2);
        source.mark(4, 105);
        source.mark_replaced(8, 109, 6);
        source.mark(9, 115);
        let source = source.finish(12, 118);
        let identity = OffsetMap::identity(40, 7);
        for map in [&source, &identity] {
            let len = map.decoded_len() + 2;
            for start in 0..len {
                for end in start..=len {
                    let mut copied = OffsetMapBuilder::new();
                    let mut marked = OffsetMapBuilder::new();
                    copied.mark(0, 7);
                    marked.mark(0, 7);
                    copied.mark_copy(5, map, start..end);
                    for k in start..end {
                        marked.mark(5 + (k - start), map.to_file(k));
                    }
                    let total = 5 + (end - start);
                    assert_eq!(
                        copied.finish(total, 500),
                        marked.finish(total, 500),
                        "{start}..{end}"
                    );
                }
            }
        }
    }

    #[test]
    fn identity_shifts_by_start() {
        let map = OffsetMap::identity(10, 5);
        assert_eq!(map.to_file(0), 10);
        assert_eq!(map.to_file(4), 14);
        assert_eq!(map.to_file(5), 15);
        assert_eq!(map.span_to_file(1..3), 11..13);
    }

    #[test]
    fn to_decoded_inverts_to_file() {
        // File text: "a\"b" at offset 0 (with quotes); decoded: a"b
        let mut builder = OffsetMapBuilder::new();
        builder.mark(0, 1);
        builder.mark_replaced(1, 2, 2);
        builder.mark(2, 4);
        let map = builder.finish(3, 5);
        assert_eq!(map.to_decoded(0), None);
        assert_eq!(map.to_decoded(1), Some(0));
        assert_eq!(map.to_decoded(2), Some(1));
        assert_eq!(map.to_decoded(3), Some(1));
        assert_eq!(map.to_decoded(4), Some(2));
        assert_eq!(map.to_decoded(5), Some(3));
        assert_eq!(map.to_decoded(6), None);
        assert_eq!(OffsetMap::identity(10, 5).to_decoded(12), Some(2));
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
