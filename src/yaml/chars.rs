//! saphyr-parser positions count characters; spans in promgate count bytes.

/// Converts character indices of a text into byte offsets.
pub(super) struct CharToByte<'a> {
    text: &'a str,
    /// Byte offset of every `STRIDE`-th character; empty for ASCII text, where
    /// character index and byte offset are the same.
    checkpoints: Vec<usize>,
    char_count: usize,
}

const STRIDE: usize = 64;

impl<'a> CharToByte<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            return CharToByte {
                text,
                checkpoints: Vec::new(),
                char_count: text.len(),
            };
        }
        let mut checkpoints = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut char_count = 0;
        for (i, (byte, _)) in text.char_indices().enumerate() {
            if i % STRIDE == 0 {
                checkpoints.push(byte);
            }
            char_count = i + 1;
        }
        CharToByte {
            text,
            checkpoints,
            char_count,
        }
    }

    /// Byte offset of the character at `index` (the text length past the end).
    pub(super) fn byte(&self, index: usize) -> usize {
        if index >= self.char_count {
            return self.text.len();
        }
        if self.checkpoints.is_empty() {
            return index;
        }
        let start = self.checkpoints[index / STRIDE];
        let skip = index % STRIDE;
        self.text[start..]
            .char_indices()
            .nth(skip)
            .map(|(offset, _)| start + offset)
            .unwrap_or(self.text.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_indices_are_bytes() {
        let map = CharToByte::new("abc");
        assert_eq!(map.byte(0), 0);
        assert_eq!(map.byte(2), 2);
        assert_eq!(map.byte(3), 3);
        assert_eq!(map.byte(10), 3);
    }

    #[test]
    fn multibyte_characters_shift_bytes() {
        let text = "é".repeat(200) + "x";
        let map = CharToByte::new(&text);
        assert_eq!(map.byte(1), 2);
        assert_eq!(map.byte(130), 260);
        assert_eq!(map.byte(200), 400);
        assert_eq!(&text[map.byte(200)..], "x");
        assert_eq!(map.byte(201), text.len());
    }
}
