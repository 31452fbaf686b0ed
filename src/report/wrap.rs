//! textwrap's `fill`, as miette calls it, for text of printable ASCII: the same lines,
//! without textwrap's Unicode line segmenter.
//!
//! miette wraps messages with `textwrap::fill(text, Options::new(width)
//! .initial_indent(..).subsequent_indent(..).break_words(true))` and textwrap's default
//! features as miette enables them: words found by the Unicode line-breaking algorithm
//! (UAX #14, through ICU's segmenter), split after hyphens (`HyphenSplitter`), broken when
//! longer than a line, and laid out first-fit. The segmenter was most of a finding's
//! rendering cost, yet on printable ASCII its rules reduce to a few pair rules over 14
//! character classes, written out in [`is_break`]. Everything after it (splitting,
//! breaking, first-fit, indents) follows textwrap 0.16's code step for step, including its
//! quirks, which the differential tests in this module hold to textwrap itself.

/// A line-breaking class of UAX #14, for the characters printable ASCII has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Letters and most symbols (`# & * < = > @ ^ _ \` ~`).
    Al,
    /// Digits.
    Nu,
    /// The space.
    Sp,
    /// `( [ {`
    Op,
    /// `) ]`
    Cp,
    /// `}`
    Cl,
    /// `" '`
    Qu,
    /// `, . : ;`
    Is,
    /// `! ?`
    Ex,
    /// `/`
    Sy,
    /// `$ + \`
    Pr,
    /// `%`
    Po,
    /// `-`
    Hy,
    /// `|`
    Ba,
}

/// The class of each ASCII byte, looked up once per byte (a `match` per byte was most of
/// the scan's cost).
const CLASSES: [Class; 128] = {
    let mut table = [Class::Al; 128];
    let mut byte = 0;
    while byte < 128 {
        table[byte] = class_of(byte as u8);
        byte += 1;
    }
    table
};

const fn class_of(byte: u8) -> Class {
    match byte {
        b' ' => Class::Sp,
        b'0'..=b'9' => Class::Nu,
        b'(' | b'[' | b'{' => Class::Op,
        b')' | b']' => Class::Cp,
        b'}' => Class::Cl,
        b'"' | b'\'' => Class::Qu,
        b',' | b'.' | b':' | b';' => Class::Is,
        b'!' | b'?' => Class::Ex,
        b'/' => Class::Sy,
        b'$' | b'+' | b'\\' => Class::Pr,
        b'%' => Class::Po,
        b'-' => Class::Hy,
        b'|' => Class::Ba,
        _ => Class::Al,
    }
}

fn class(byte: u8) -> Class {
    CLASSES[usize::from(byte & 0x7f)]
}

/// Whether `text` takes this module's path: printable ASCII and line feeds only (no
/// tabs, carriage returns or escapes, whose widths and breaks textwrap treats apart).
pub fn is_plain_ascii(text: &str) -> bool {
    text.bytes()
        .all(|b| b == b'\n' || (b' '..=b'~').contains(&b))
}

/// UAX #14's rules, in their order, between `before` and `after`, for the classes of
/// printable ASCII (rules about other classes never apply), as ICU's segmenter has them:
/// LB25's pairs, not Unicode 15.1's regular expression, and no LB15c.
fn is_break(last_non_space: Option<Class>, before: Class, after: Class) -> bool {
    use Class::*;
    // LB7: no break before spaces. LB13: none before `) ] } ! ? / , . : ;`.
    if matches!(after, Sp | Cl | Cp | Ex | Sy | Is) {
        return false;
    }
    // LB14: OP SP* ×
    if last_non_space == Some(Op) {
        return false;
    }
    // LB18: break after spaces.
    if before == Sp {
        return true;
    }
    // LB19: × QU, QU ×. LB21: × BA, × HY.
    if before == Qu || matches!(after, Qu | Ba | Hy) {
        return false;
    }
    let keeps = match (before, after) {
        // LB23: letters and digits.
        (Al, Nu) | (Nu, Al) => true,
        // LB24: prefixes and postfixes before and after letters.
        (Pr | Po, Al) | (Al, Pr | Po) => true,
        // LB25: numbers, `$(1`, `-1`, `1.5`, `1/2`, `(1)%`.
        (Cl | Cp | Nu, Po | Pr) | (Po | Pr, Op | Nu) | (Hy | Is | Nu | Sy, Nu) => true,
        // LB28: letters. LB29: `.a`. LB30: `a(`, `)a`.
        (Al, Al) | (Is, Al) | (Al | Nu, Op) | (Cp, Al | Nu) => true,
        _ => false,
    };
    !keeps
}

/// textwrap's break opportunities in a line (`find_words_unicode_break_properties`):
/// the segmenter's, except after `-` (textwrap leaves hyphens to its word splitter), and
/// without the last one (textwrap drops it, whether it is the end of the line or not).
fn break_opportunities(line: &[u8], breaks: &mut Vec<usize>) {
    breaks.clear();
    // The class of the last character that is not a space, for LB14 (`OP SP* ×`).
    let mut last_non_space = None;
    let mut before = line.first().map_or(Class::Sp, |&b| class(b));
    for (index, &byte) in line.iter().enumerate().skip(1) {
        let after = class(byte);
        if before != Class::Sp {
            last_non_space = Some(before);
        }
        if before != Class::Hy && is_break(last_non_space, before, after) {
            breaks.push(index);
        }
        before = after;
    }
    // LB3: the end of the text is always an opportunity.
    if !line.is_empty() && line[line.len() - 1] != b'-' {
        breaks.push(line.len());
    }
    breaks.pop();
}

/// A piece of a line the layout places whole: `line[start..end]` then spaces up to
/// `space_end` (textwrap's `Word` with its `whitespace`; its penalty is always empty on
/// this path, since the hyphen splitter splits only after a `-`).
#[derive(Debug, Clone, Copy)]
struct Fragment {
    start: usize,
    end: usize,
    space_end: usize,
}

impl Fragment {
    fn width(&self) -> usize {
        self.end - self.start
    }

    fn space(&self) -> usize {
        self.space_end - self.end
    }
}

/// A word split after each hyphen between two alphanumerics (`HyphenSplitter`), each
/// piece broken into chunks of `line_width` when wider (`break_words`).
fn push_word(line: &[u8], word: Fragment, line_width: usize, fragments: &mut Vec<Fragment>) {
    let mut piece_start = word.start;
    for hyphen in word.start + 1..word.end.saturating_sub(1) {
        if line[hyphen] == b'-'
            && line[hyphen - 1].is_ascii_alphanumeric()
            && line[hyphen + 1].is_ascii_alphanumeric()
        {
            let piece = Fragment {
                start: piece_start,
                end: hyphen + 1,
                space_end: hyphen + 1,
            };
            push_broken(piece, line_width, fragments);
            piece_start = hyphen + 1;
        }
    }
    let last = Fragment {
        start: piece_start,
        ..word
    };
    push_broken(last, line_width, fragments);
}

/// `Word::break_apart` on ASCII: chunks of `line_width` characters (one at width 0), the
/// spaces after the last.
fn push_broken(piece: Fragment, line_width: usize, fragments: &mut Vec<Fragment>) {
    if piece.width() <= line_width {
        fragments.push(piece);
        return;
    }
    let chunk = line_width.max(1);
    let mut start = piece.start;
    while piece.end - start > chunk {
        fragments.push(Fragment {
            start,
            end: start + chunk,
            space_end: start + chunk,
        });
        start += chunk;
    }
    fragments.push(Fragment { start, ..piece });
}

/// The fragments of one line, as textwrap's `wrap_single_line_slow_path` builds them.
fn fragments(line: &[u8], line_width: usize, breaks: &mut Vec<usize>) -> Vec<Fragment> {
    break_opportunities(line, breaks);
    let mut fragments = Vec::with_capacity(breaks.len() + 4);
    let mut start = 0;
    for end in breaks.iter().copied().chain(
        // The rest of the line after the last opportunity (textwrap's `start < len`).
        (breaks.last().copied().unwrap_or(0) < line.len()).then_some(line.len()),
    ) {
        let segment = &line[start..end];
        let trimmed = segment.len() - segment.iter().rev().take_while(|&&b| b == b' ').count();
        let word = Fragment {
            start,
            end: start + trimmed,
            space_end: end,
        };
        push_word(line, word, line_width, &mut fragments);
        start = end;
    }
    fragments
}

/// The widths textwrap gives the first and the other lines: the width minus each indent's
/// display width (ANSI escapes count zero).
struct Indents<'a> {
    initial: &'a str,
    rest: &'a str,
    /// The whole width, and the room left by each indent.
    width: usize,
    widths: [usize; 2],
}

/// Appends `textwrap::fill(text, Options::new(width).initial_indent(initial)
/// .subsequent_indent(rest).break_words(true))` to `out`; `text` must be
/// [`is_plain_ascii`].
pub fn fill(out: &mut String, text: &str, initial: &str, rest: &str, width: usize) {
    debug_assert!(is_plain_ascii(text));
    let indents = Indents {
        initial,
        rest,
        width,
        widths: [
            width.saturating_sub(textwrap::core::display_width(initial)),
            width.saturating_sub(textwrap::core::display_width(rest)),
        ],
    };
    let mut lines_written = 0usize;
    let mut breaks = Vec::new();
    for line in text.split('\n') {
        fill_line(out, line, &indents, &mut lines_written, &mut breaks);
    }
}

/// One line of the text (between `\n`s), laid out first-fit (`wrap_first_fit`).
fn fill_line(
    out: &mut String,
    line: &str,
    indents: &Indents<'_>,
    lines_written: &mut usize,
    breaks: &mut Vec<usize>,
) {
    let indent = if *lines_written == 0 {
        indents.initial
    } else {
        indents.rest
    };
    if indent.is_empty() && line.len() < indents.width {
        // textwrap's shortcut: an unindented line shorter than the width is not wrapped.
        write_line(out, "", line.trim_end_matches(' '), lines_written);
        return;
    }
    if !line.is_empty() && line.len() <= indents.widths[0].min(indents.widths[1]) {
        // Every fragment fits on the first line, none is broken: the line as it is,
        // without its trailing spaces (an empty line is left to the layout below, which
        // may write it without its indent).
        write_line(out, indent, line.trim_end_matches(' '), lines_written);
        return;
    }
    let bytes = line.as_bytes();
    let mut fragments = fragments(bytes, indents.widths[1], breaks);
    if !indents.initial.is_empty() {
        // textwrap's empty first word, so that a first word too long for the first line
        // goes to the second.
        fragments.insert(
            0,
            Fragment {
                start: 0,
                end: 0,
                space_end: 0,
            },
        );
    }
    if fragments.is_empty() {
        write_line(out, "", "", lines_written);
        return;
    }
    let mut start = 0;
    let mut width = 0;
    let mut wrapped = 0;
    for (index, fragment) in fragments.iter().enumerate() {
        let line_width = indents.widths[wrapped.min(1)];
        if width + fragment.width() > line_width && index > start {
            write_fragments(out, line, &fragments[start..index], indents, lines_written);
            start = index;
            width = 0;
            wrapped += 1;
        }
        width += fragment.width() + fragment.space();
    }
    write_fragments(out, line, &fragments[start..], indents, lines_written);
}

/// One output line: the indent, then the fragments without the last one's spaces.
fn write_fragments(
    out: &mut String,
    line: &str,
    fragments: &[Fragment],
    indents: &Indents<'_>,
    lines_written: &mut usize,
) {
    let indent = if *lines_written == 0 {
        indents.initial
    } else {
        indents.rest
    };
    let (first, last) = (fragments[0], fragments[fragments.len() - 1]);
    write_line(out, indent, &line[first.start..last.end], lines_written);
}

fn write_line(out: &mut String, indent: &str, text: &str, lines_written: &mut usize) {
    if *lines_written > 0 {
        out.push('\n');
    }
    out.push_str(indent);
    out.push_str(text);
    *lines_written += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// textwrap's words of a line: (word, trailing spaces).
    fn textwrap_words(line: &str) -> Vec<(String, String)> {
        textwrap::WordSeparator::UnicodeBreakProperties
            .find_words(line)
            .map(|word| (word.word.to_string(), word.whitespace.to_string()))
            .collect()
    }

    fn our_words(line: &str) -> Vec<(String, String)> {
        let mut breaks = Vec::new();
        break_opportunities(line.as_bytes(), &mut breaks);
        let mut ends = breaks.clone();
        if ends.last().copied().unwrap_or(0) < line.len() {
            ends.push(line.len());
        }
        let mut start = 0;
        ends.into_iter()
            .map(|end| {
                let segment = &line[start..end];
                start = end;
                let word = segment.trim_end_matches(' ');
                (word.to_string(), segment[word.len()..].to_string())
            })
            .collect()
    }

    /// Every string of up to four characters over one character of each class (and a
    /// second letter, digit and opener): the segmenter's words, exactly.
    #[test]
    fn words_match_textwrap_on_every_short_string_of_the_classes() {
        let alphabet = b" a1([)}\",!/$%-|Z9{.";
        let mut strings = vec![String::new()];
        let mut checked = 0;
        for _ in 0..4 {
            let mut longer = Vec::new();
            for s in &strings {
                for &c in alphabet {
                    let t = format!("{s}{}", c as char);
                    assert_eq!(our_words(&t), textwrap_words(&t), "{t:?}");
                    checked += 1;
                    longer.push(t);
                }
            }
            strings = longer;
        }
        assert!(checked > 130_000, "{checked}");
    }

    /// Every pair of printable ASCII characters, alone and between letters, digits and
    /// spaces: each character's class is the segmenter's.
    #[test]
    fn words_match_textwrap_on_every_pair_of_printable_ascii() {
        let printable: Vec<char> = (b' '..=b'~').map(char::from).collect();
        for &a in &printable {
            for &b in &printable {
                for (before, after) in [("", ""), ("x", "y"), ("1", "2"), (" ", " "), ("(", "1")] {
                    let t = format!("{before}{a}{b}{after}");
                    assert_eq!(our_words(&t), textwrap_words(&t), "{t:?}");
                }
            }
        }
    }

    /// A small deterministic generator (xorshift), so the cases are the same every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    /// Text made of words, hyphenated words, numbers, punctuation, code in backticks,
    /// runs of spaces, long words and line feeds, as messages are.
    fn generated_text(rng: &mut Rng, max_len: usize) -> String {
        const PIECES: &[&str] = &[
            "label",
            "the",
            "a",
            "sum",
            "by",
            "(job)",
            "`instance`",
            "rate(x[5m])",
            "e.g.",
            "(...)",
            "non-empty",
            "up-to-date",
            "-",
            "--",
            "a-",
            "-b",
            "1.5",
            "$1",
            "50%",
            "10m",
            "\"quoted\"",
            "'q'",
            ",",
            ".",
            ":",
            ";",
            "!",
            "?",
            "/",
            "a/b",
            "{{ $labels.job }}",
            "x|y",
            "+1",
            "-1",
            "(1)%",
            "$(2)",
            "#",
            "&&",
            "<=",
            "==",
            "~",
            "^",
            "@",
            "\\",
            "_",
            "http_requests_total",
            "9",
            ")",
            "(",
            "]",
            "[",
            "}",
            "{",
        ];
        let target = rng.below(max_len + 1);
        let mut text = String::new();
        while text.len() < target {
            match rng.below(12) {
                0 => text.push_str(&" ".repeat(1 + rng.below(4))),
                1 if rng.below(4) == 0 => text.push('\n'),
                2 => {
                    let letters = ["m", "-", "x1", "ab-cd"][rng.below(4)];
                    text.push_str(&letters.repeat(1 + rng.below(60)));
                }
                3 => {
                    let c = (b' ' + rng.below(95) as u8) as char;
                    text.push(c);
                }
                _ => {
                    text.push_str(PIECES[rng.below(PIECES.len())]);
                    if rng.below(3) > 0 {
                        text.push(' ');
                    }
                }
            }
        }
        text
    }

    fn textwrap_fill(text: &str, initial: &str, rest: &str, width: usize) -> String {
        let options = textwrap::Options::new(width)
            .initial_indent(initial)
            .subsequent_indent(rest)
            .break_words(true);
        textwrap::fill(text, options)
    }

    fn our_fill(text: &str, initial: &str, rest: &str, width: usize) -> String {
        let mut out = String::new();
        fill(&mut out, text, initial, rest, width);
        out
    }

    /// The renderer's indents (message and help, colour off and on) and other widths:
    /// the same lines as textwrap on thousands of generated texts.
    #[test]
    fn fill_matches_textwrap_on_generated_ascii_text() {
        let indents = [
            ("  ⚠ ", "  │ "),
            ("  \u{1b}[33m⚠\u{1b}[0m ", "  \u{1b}[33m│\u{1b}[0m "),
            ("  help: ", "        "),
            ("  \u{1b}[36m  help: \u{1b}[0m", "        "),
            ("", ""),
            ("", "    "),
            ("> ", ""),
        ];
        let widths = [98, 20, 9, 5, 4, 1, 0];
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut cases = 0;
        for round in 0..6_000 {
            let text = generated_text(&mut rng, if round % 3 == 0 { 400 } else { 120 });
            let (initial, rest) = indents[round % indents.len()];
            for width in [widths[round % widths.len()], 98] {
                assert_eq!(
                    our_fill(&text, initial, rest, width),
                    textwrap_fill(&text, initial, rest, width),
                    "{text:?} width {width} indents {initial:?} {rest:?}"
                );
                cases += 1;
            }
        }
        assert_eq!(cases, 12_000);
    }

    /// Edges: empty text and lines, spaces only, a trailing hyphen (textwrap then drops
    /// the line's other last opportunity), words exactly as wide as a line.
    #[test]
    fn fill_matches_textwrap_on_edges() {
        let long = "w".repeat(94);
        let longer = "w".repeat(95);
        let texts = [
            "",
            "\n",
            "\n\n",
            " ",
            "   \n  ",
            "foo bar-",
            "foo bar- baz-",
            "a -b --c d-- -",
            long.as_str(),
            longer.as_str(),
            "x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x",
            "trailing   ",
            "   leading",
            "the alert's query never returns the label `instance` (`by (le, route)` removes it): this expands to an empty string",
        ];
        for text in texts {
            for (initial, rest) in [("  ⚠ ", "  │ "), ("  help: ", "        "), ("", "")] {
                for width in [98, 10, 3, 0] {
                    assert_eq!(
                        our_fill(text, initial, rest, width),
                        textwrap_fill(text, initial, rest, width),
                        "{text:?} width {width} indents {initial:?} {rest:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn plain_ascii_excludes_controls_and_non_ascii() {
        assert!(is_plain_ascii("a b\n~"));
        assert!(!is_plain_ascii("a\tb"));
        assert!(!is_plain_ascii("a\r\n"));
        assert!(!is_plain_ascii("\u{1b}[1m"));
        assert!(!is_plain_ascii("é"));
        assert!(!is_plain_ascii("a\u{7f}"));
    }
}
