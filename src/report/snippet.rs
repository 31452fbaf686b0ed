//! The human output's per-finding block, written directly: the same bytes as miette's
//! `GraphicalReportHandler` with the unicode theme, width 100, one context line, no links
//! and no highlighter (the configuration `human.rs` gives it), at a fraction of the cost.
//!
//! miette builds a report per finding through trait objects, styles every piece into a
//! fresh `String`, clones each snippet line, and wraps every message with textwrap's
//! Unicode line segmenter even when it fits on one line. This module follows miette's
//! layout rules (`handlers/graphical.rs` of miette 7.6) and writes into one buffer.
//!
//! The layout rules it reproduces:
//!
//! - **Header**: `warning[code]` in the severity's colour, then a blank line.
//! - **Message**: `  × ` (`⚠` warning, `☞` advice) then the message, wrapped by textwrap
//!   at 98 columns, continuation lines indented `  │ `. Printable ASCII is wrapped by
//!   [`super::wrap`], our copy of textwrap's `fill` with the same breaks; other text that
//!   fits is written as is (trailing spaces trimmed, as textwrap does), and the rest goes
//!   to textwrap itself with miette's options.
//! - **Snippets**: labels sorted by offset, each read with one context line (what
//!   miette's `read_span` returns, computed from the file's line index by
//!   [`super::context`]); overlapping contexts merge into one. Each context: `╭─[name:line:col]` (the primary label's
//!   position, in miette's byte column), the lines with a right-aligned number gutter
//!   as wide as the last line number, tabs expanded to 4 columns, and under each line
//!   its single-line labels: `─` underlines with `┬` (labelled), `▲` (empty span), the
//!   label texts joined by `│` bars, `╰── text`; then `╰────`.
//! - **Help**: `  help: ` then the help, wrapped like the message, indented 8 spaces.
//! - **Colours**: owo-colors' ANSI codes of miette's `ThemeStyles::ansi()`.
//!
//! - **Multi-line labels**: a gutter left of the text, `╭─▶` on the first line, `│`
//!   through, `╰─▶` (`├─▶` with a text) on the last, then `╰── text`.
//!
//! What it does not reproduce, and reports as [`Unsupported`] so the caller renders that
//! finding with miette instead: spans miette cannot read (past the end of the text, or not on character
//! boundaries), and more than 20 labels sharing an offset (miette's unstable sort).

use super::context::{self, Context};
use crate::diagnostic::Severity;
use crate::source::SourceFile;
use std::fmt::Write as _;
use unicode_width::UnicodeWidthChar;

/// miette's wrapping width: the handler's width (100) minus 2.
const WRAP_WIDTH: usize = 98;

/// miette's tab width.
const TAB_WIDTH: usize = 4;

/// Context lines before and after each label.
const CONTEXT_LINES: usize = 1;

/// Up to this many labels, `sort_unstable_by_key` (an insertion sort at that size) keeps
/// labels with equal offsets in their given order, as the stable sort here does.
const STABLE_SORT_LIMIT: usize = 20;

const HBAR: char = '─';
const VBAR: char = '│';
const VBAR_BREAK: char = '·';
const UARROW: char = '▲';
const LTOP: char = '╭';
const LBOT: char = '╰';
const RCROSS: char = '┤';
const LCROSS: char = '├';
const RARROW: char = '▶';
const UNDERBAR: char = '┬';
const UNDERLINE: char = '─';

/// Why a finding is left to miette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsupported(pub &'static str);

/// ANSI style prefixes (owo-colors' output for miette's ANSI theme); `None` is plain.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    error: Option<&'static str>,
    warning: Option<&'static str>,
    advice: Option<&'static str>,
    help: Option<&'static str>,
    link: Option<&'static str>,
    linum: Option<&'static str>,
    highlights: &'static [Option<&'static str>],
}

const RESET: &str = "\x1b[0m";

impl Palette {
    pub fn new(color: bool) -> Palette {
        if color {
            Palette {
                error: Some("\x1b[31m"),
                warning: Some("\x1b[33m"),
                advice: Some("\x1b[36m"),
                help: Some("\x1b[36m"),
                link: Some("\x1b[36;1;4m"),
                linum: Some("\x1b[2m"),
                highlights: &[Some("\x1b[35;1m"), Some("\x1b[33;1m"), Some("\x1b[32;1m")],
            }
        } else {
            Palette {
                error: None,
                warning: None,
                advice: None,
                help: None,
                link: None,
                linum: None,
                highlights: &[None],
            }
        }
    }

    fn severity(&self, severity: Severity) -> Option<&'static str> {
        match severity {
            Severity::Error => self.error,
            Severity::Warning => self.warning,
            Severity::Info => self.advice,
        }
    }
}

/// Starts a styled piece; [`end`] closes it.
fn begin(out: &mut String, style: Option<&str>) {
    if let Some(prefix) = style {
        out.push_str(prefix);
    }
}

fn end(out: &mut String, style: Option<&str>) {
    if style.is_some() {
        out.push_str(RESET);
    }
}

fn styled(out: &mut String, style: Option<&str>, text: &str) {
    begin(out, style);
    out.push_str(text);
    end(out, style);
}

fn styled_char(out: &mut String, style: Option<&str>, c: char) {
    begin(out, style);
    out.push(c);
    end(out, style);
}

fn repeat(out: &mut String, c: char, count: usize) {
    out.extend(std::iter::repeat_n(c, count));
}

/// One label as miette receives it: a byte span, its text, and whether it is primary.
#[derive(Debug, Clone, Copy)]
pub struct Label<'a> {
    pub offset: usize,
    pub len: usize,
    pub text: Option<&'a str>,
    pub primary: bool,
}

impl Label<'_> {
    fn end(&self) -> usize {
        self.offset + self.len
    }

    /// miette compares labels by text and span (so identical labels are "the same").
    fn same(&self, other: &Label<'_>) -> bool {
        self.text == other.text && self.offset == other.offset && self.len == other.len
    }
}

/// Where a snippet's lines come from.
pub enum Source<'a> {
    /// A file, read through its line index ([`context::read`], miette's `read_span`).
    File(&'a SourceFile),
    /// One long line's excerpt standing for the whole text: every read gives all of it,
    /// at the token's 0-based line and column in the file (`human::ExcerptSource`).
    Excerpt {
        text: &'a str,
        line: usize,
        column: usize,
    },
}

impl Source<'_> {
    fn text(&self) -> &str {
        match self {
            Source::File(file) => &file.text,
            Source::Excerpt { text, .. } => text,
        }
    }
}

/// One finding's block, as miette's `render_report` writes it.
pub struct Block<'a> {
    /// `warning[code]`, with the fix marker.
    pub header: &'a str,
    pub severity: Severity,
    pub message: &'a str,
    pub help: Option<&'a str>,
    /// The source's name in the snippet header.
    pub name: &'a str,
    /// In miette's order: the primary label, then the secondary ones.
    pub labels: &'a [Label<'a>],
}

/// Writes the block to `out`, or leaves `out` unchanged and says why miette must.
pub fn render(
    block: &Block<'_>,
    source: &Source<'_>,
    palette: &Palette,
    out: &mut String,
) -> Result<(), Unsupported> {
    let start = out.len();
    let result = render_inner(block, source, palette, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn render_inner(
    block: &Block<'_>,
    source: &Source<'_>,
    palette: &Palette,
    out: &mut String,
) -> Result<(), Unsupported> {
    let severity = palette.severity(block.severity);
    styled(out, severity, block.header);
    out.push_str("\n\n");

    let icon = match block.severity {
        Severity::Error => "×",
        Severity::Warning => "⚠",
        Severity::Info => "☞",
    };
    let mut initial = String::from("  ");
    styled(&mut initial, severity, icon);
    initial.push(' ');
    let mut rest = String::from("  ");
    begin(&mut rest, severity);
    rest.push(VBAR);
    end(&mut rest, severity);
    rest.push(' ');
    wrap(out, block.message, &initial, &rest);
    out.push('\n');

    render_snippets(block, source, palette, out)?;

    if let Some(help) = block.help {
        let mut initial = String::new();
        styled(&mut initial, palette.help, "  help: ");
        wrap(out, help, &initial, "        ");
        out.push('\n');
    }
    Ok(())
}

/// textwrap's `fill` with miette's options: printable ASCII through our own copy of it
/// ([`super::wrap`]); otherwise a line that fits is the indent and the line without
/// trailing spaces, and anything else is textwrap's.
fn wrap(out: &mut String, text: &str, initial: &str, rest: &str) {
    if super::wrap::is_plain_ascii(text) {
        super::wrap::fill(out, text, initial, rest, WRAP_WIDTH);
        return;
    }
    let initial_width = textwrap::core::display_width(initial);
    let rest_width = textwrap::core::display_width(rest);
    let room = WRAP_WIDTH
        .saturating_sub(initial_width)
        .min(WRAP_WIDTH.saturating_sub(rest_width));
    let fits = |line: &str| {
        // Control characters (and ANSI escapes) are left to textwrap.
        !line.chars().any(char::is_control)
            && textwrap::core::display_width(line.trim_end_matches(' ')) <= room
    };
    if text.split('\n').all(fits) {
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(if i == 0 { initial } else { rest });
            out.push_str(line.trim_end_matches(' '));
        }
    } else {
        let options = textwrap::Options::new(WRAP_WIDTH)
            .initial_indent(initial)
            .subsequent_indent(rest)
            .break_words(true);
        out.push_str(&textwrap::fill(text, options));
    }
}

/// What miette's `read_span` returns for a span with `lines` of context each side.
fn read(
    source: &Source<'_>,
    offset: usize,
    len: usize,
    lines: usize,
) -> Result<Context, Unsupported> {
    let unreadable = Unsupported("a span the source cannot read");
    match *source {
        Source::File(file) => context::read(file, offset, len, lines, lines).ok_or(unreadable),
        Source::Excerpt { text, line, column } if offset + len <= text.len() => Ok(Context {
            start: 0,
            end: text.len(),
            line,
            column,
            line_count: 0,
        }),
        Source::Excerpt { .. } => Err(unreadable),
    }
}

fn render_snippets(
    block: &Block<'_>,
    source: &Source<'_>,
    palette: &Palette,
    out: &mut String,
) -> Result<(), Unsupported> {
    let mut labels: Vec<Label<'_>> = block.labels.to_vec();
    labels.sort_by_key(|label| label.offset);
    if labels.len() > STABLE_SORT_LIMIT
        && labels
            .windows(2)
            .any(|pair| pair[0].offset == pair[1].offset)
    {
        return Err(Unsupported("many labels sharing an offset"));
    }

    // Contexts: (offset, len) of each snippet, merged where their lines overlap.
    let mut contexts: Vec<(usize, usize, Context)> = Vec::with_capacity(labels.len());
    for right in &labels {
        let right_read = read(source, right.offset, right.len, CONTEXT_LINES)?;
        if let Some(&(left_offset, left_len, left_read)) = contexts.last() {
            if left_read.line + left_read.line_count >= right_read.line {
                let new_end = (left_offset + left_len).max(right.end());
                if let Ok(merged) = read(source, left_offset, new_end - left_offset, CONTEXT_LINES)
                {
                    contexts.pop();
                    contexts.push((left_offset, new_end - left_offset, merged));
                    continue;
                }
            }
        }
        contexts.push((right.offset, right.len, right_read));
    }
    for (offset, len, _) in contexts {
        render_context(block.name, source, palette, offset, len, &labels, out)?;
    }
    Ok(())
}

/// A line of a snippet, as miette splits it.
#[derive(Debug)]
struct Line<'a> {
    number: usize,
    /// Byte offset in the source and length, line break included.
    offset: usize,
    length: usize,
    /// The text without its line break (`\n` or `\r\n`; a lone `\r` stays).
    text: &'a str,
}

impl Line<'_> {
    fn end(&self) -> usize {
        self.offset + self.length
    }

    fn span_line_only(&self, label: &Label<'_>) -> bool {
        label.offset >= self.offset && label.end() <= self.end()
    }

    fn span_applies(&self, label: &Label<'_>) -> bool {
        let span_len = label.len.max(1);
        (label.offset >= self.offset && label.offset < self.end())
            || (label.offset < self.offset && label.offset + span_len > self.end())
            || (label.offset + span_len > self.offset && label.offset + span_len <= self.end())
    }

    fn span_flyby(&self, label: &Label<'_>) -> bool {
        label.offset < self.offset && label.end() > self.end()
    }

    fn span_starts(&self, label: &Label<'_>) -> bool {
        label.offset >= self.offset
    }

    fn span_ends(&self, label: &Label<'_>) -> bool {
        label.end() >= self.offset && label.end() <= self.end()
    }

    fn span_applies_gutter(&self, label: &Label<'_>) -> bool {
        let span_len = label.len.max(1);
        self.span_applies(label)
            && !((label.offset >= self.offset && label.offset < self.end())
                && (label.offset + span_len > self.offset && label.offset + span_len <= self.end()))
    }
}

/// Splits a context's text into lines as miette's `get_lines` does.
fn split_lines(text: &str, first_line: usize, start_offset: usize) -> Vec<Line<'_>> {
    let mut lines = Vec::with_capacity(4);
    let mut line = first_line;
    let mut offset = start_offset;
    let mut line_offset = offset;
    let mut line_text_start = 0usize;
    let mut line_text_end = 0usize;
    let bytes = text.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        let char_len = utf8_len(bytes[i]);
        let byte = bytes[i];
        i += char_len;
        offset += char_len;
        let mut at_end_of_file = false;
        let mut newline = false;
        match byte {
            b'\r' => {
                if bytes.get(i) == Some(&b'\n') {
                    i += 1;
                    offset += 1;
                    line += 1;
                    newline = true;
                } else {
                    line_text_end = i;
                }
                at_end_of_file = i >= bytes.len();
            }
            b'\n' => {
                at_end_of_file = i >= bytes.len();
                line += 1;
                newline = true;
            }
            _ => line_text_end = i,
        }
        if i >= bytes.len() && !at_end_of_file {
            line += 1;
        }
        if newline || i >= bytes.len() {
            lines.push(Line {
                number: line,
                offset: line_offset,
                length: offset - line_offset,
                text: &text[line_text_start..line_text_end.max(line_text_start)],
            });
            line_offset = offset;
            line_text_start = i;
            line_text_end = i;
        }
    }
    lines
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// The display width of each character of a snippet line, as miette counts it: tabs to
/// the next multiple of 4, ANSI escapes (`ESC` to `m`) zero, others their Unicode width.
struct VisualWidths {
    column: usize,
    escaped: bool,
}

impl VisualWidths {
    fn new() -> Self {
        VisualWidths {
            column: 0,
            escaped: false,
        }
    }

    fn next(&mut self, c: char) -> usize {
        let width = match (self.escaped, c) {
            (false, '\t') => TAB_WIDTH - self.column % TAB_WIDTH,
            (false, '\x1b') => {
                self.escaped = true;
                0
            }
            (false, c) => c.width().unwrap_or(0),
            (true, 'm') => {
                self.escaped = false;
                0
            }
            (true, _) => 0,
        };
        self.column += width;
        width
    }
}

/// A line's text with its tabs expanded to the next multiple of 4 columns.
fn write_expanded(out: &mut String, text: &str) {
    if !text.contains('\t') {
        // Only tabs are rewritten; everything else is copied as it is.
        out.push_str(text);
        return;
    }
    let mut widths = VisualWidths::new();
    for c in text.chars() {
        let width = widths.next(c);
        if c == '\t' {
            repeat(out, ' ', width);
        } else {
            out.push(c);
        }
    }
}

fn visual_width(text: &str) -> usize {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        // Printable ASCII: one column a character.
        return text.len();
    }
    let mut widths = VisualWidths::new();
    text.chars().map(|c| widths.next(c)).sum()
}

/// The visual column of a byte offset on a line (miette's `visual_offset`).
fn visual_offset(line: &Line<'_>, offset: usize, start: bool) -> usize {
    let mut index = offset - line.offset;
    while index <= line.text.len() && !line.text.is_char_boundary(index) {
        if start {
            index -= 1;
        } else {
            index += 1;
        }
    }
    let width = visual_width(&line.text[..index.min(line.text.len())]);
    if index > line.text.len() {
        width + 1
    } else {
        width
    }
}

fn render_context(
    name: &str,
    source: &Source<'_>,
    palette: &Palette,
    context_offset: usize,
    context_len: usize,
    labels: &[Label<'_>],
    out: &mut String,
) -> Result<(), Unsupported> {
    let contents = read(source, context_offset, context_len, CONTEXT_LINES)?;
    let text = source
        .text()
        .get(contents.start..contents.end)
        .ok_or(Unsupported("a context that is not whole characters"))?;
    let lines = split_lines(text, contents.line, contents.start);

    let context_end = context_offset + context_len;
    let mut in_context = labels
        .iter()
        .filter(|label| context_offset <= label.offset && label.end() <= context_end);
    let primary = in_context
        .clone()
        .find(|label| label.primary)
        .or_else(|| in_context.next());

    // Columns of gutter for labels spanning lines: the most active on any one line.
    let max_gutter = lines
        .iter()
        .map(|line| {
            labels
                .iter()
                .filter(|label| !line.span_line_only(label) && line.span_applies_gutter(label))
                .count()
        })
        .max()
        .unwrap_or(0);

    let linum_width = decimal_width(lines.last().map(|line| line.number).unwrap_or(0));

    // `╭─[name:line:col]` at the primary label's start.
    let (line, column) = match primary {
        Some(label) => {
            let at = read(source, label.offset, label.len, 0)?;
            (at.line, at.column)
        }
        None => (contents.line, contents.column),
    };
    repeat(out, ' ', linum_width + 2);
    out.push(LTOP);
    out.push(HBAR);
    out.push('[');
    begin(out, palette.link);
    let _ = write!(out, "{}:{}:{}", name, line + 1, column + 1);
    end(out, palette.link);
    out.push_str("]\n");

    let snippet = Snippet {
        labels,
        highlights: palette.highlights,
        max_gutter,
        linum_width,
    };
    for line in &lines {
        out.push(' ');
        begin(out, palette.linum);
        let _ = write!(out, "{:>width$}", line.number, width = linum_width);
        end(out, palette.linum);
        out.push(' ');
        out.push(VBAR);
        out.push(' ');
        snippet.line_gutter(out, line);
        write_expanded(out, line.text);
        out.push('\n');

        let applicable = labels
            .iter()
            .enumerate()
            .filter(|(_, label)| line.span_applies(label));
        let single_line: Vec<(usize, &Label<'_>)> = applicable
            .clone()
            .filter(|(_, label)| line.span_line_only(label))
            .collect();
        if !single_line.is_empty() {
            no_linum(out, linum_width);
            snippet.highlight_gutter(out, line, Mode::Single);
            snippet.underlines(out, line, &single_line);
        }
        for (index, label) in applicable.filter(|(_, label)| !line.span_line_only(label)) {
            if label.text.is_some() && line.span_ends(label) && !line.span_starts(label) {
                snippet.multi_line_end(out, line, index, label);
            }
        }
    }
    repeat(out, ' ', linum_width + 2);
    out.push(LBOT);
    repeat(out, HBAR, 4);
    out.push('\n');
    Ok(())
}

fn decimal_width(mut n: usize) -> usize {
    let mut width = 1;
    while n >= 10 {
        n /= 10;
        width += 1;
    }
    width
}

fn no_linum(out: &mut String, width: usize) {
    repeat(out, ' ', width + 2);
    out.push(VBAR_BREAK);
    out.push(' ');
}

/// One context's rendering state: every label (in offset order), the gutter width.
struct Snippet<'s, 'a> {
    labels: &'s [Label<'a>],
    highlights: &'static [Option<&'static str>],
    /// Columns of the gutter of labels spanning lines (0: no gutter at all).
    max_gutter: usize,
    linum_width: usize,
}

impl Snippet<'_, '_> {
    /// The label's colour: the theme's highlights in turn, by offset order.
    fn style(&self, index: usize) -> Option<&'static str> {
        self.highlights[index % self.highlights.len()]
    }

    /// The gutter on a source line: `╭─▶` where a multi-line label starts, `├─▶`/`╰─▶`
    /// where it ends, `│` while it passes.
    fn line_gutter(&self, out: &mut String, line: &Line<'_>) {
        if self.max_gutter == 0 {
            return;
        }
        let mut gutter = String::new();
        let mut arrow = false;
        let applicable = self
            .labels
            .iter()
            .enumerate()
            .filter(|(_, label)| line.span_applies_gutter(label));
        for (i, (index, label)) in applicable.enumerate() {
            let style = self.style(index);
            let corner = if line.span_starts(label) {
                Some(LTOP)
            } else if line.span_ends(label) {
                Some(if label.text.is_some() { LCROSS } else { LBOT })
            } else {
                None
            };
            if let Some(corner) = corner {
                styled_char(&mut gutter, style, corner);
                begin(&mut gutter, style);
                repeat(&mut gutter, HBAR, self.max_gutter.saturating_sub(i));
                end(&mut gutter, style);
                styled_char(&mut gutter, style, RARROW);
                arrow = true;
                break;
            } else if line.span_flyby(label) {
                styled_char(&mut gutter, style, VBAR);
            } else {
                gutter.push(' ');
            }
        }
        out.push_str(&gutter);
        // miette counts the gutter's characters, escape sequences included.
        let spaces =
            if arrow { 1 } else { 3 } + self.max_gutter.saturating_sub(gutter.chars().count());
        repeat(out, ' ', spaces);
    }

    /// The gutter on the rows under a line (underlines, label texts).
    fn highlight_gutter(&self, out: &mut String, line: &Line<'_>, mode: Mode) {
        if self.max_gutter == 0 {
            return;
        }
        let mut columns = 0usize;
        let applicable = self
            .labels
            .iter()
            .enumerate()
            .filter(|(_, label)| line.span_applies_gutter(label));
        for (i, (index, label)) in applicable.enumerate() {
            let style = self.style(index);
            if !line.span_line_only(label) && line.span_ends(label) {
                let width = self.max_gutter.saturating_sub(i) + 2;
                match mode {
                    Mode::Rest => repeat(out, ' ', width),
                    Mode::Single | Mode::First => {
                        styled_char(out, style, LBOT);
                        begin(out, style);
                        let bars = if matches!(mode, Mode::First) {
                            width - 1
                        } else {
                            width
                        };
                        repeat(out, HBAR, bars);
                        end(out, style);
                    }
                }
                columns += width + 1;
                break;
            }
            styled_char(out, style, VBAR);
            columns += 1;
        }
        repeat(out, ' ', (self.max_gutter + 3).saturating_sub(columns));
    }

    /// The rows after the last line of a labelled multi-line span: `╰── text`.
    fn multi_line_end(&self, out: &mut String, line: &Line<'_>, index: usize, label: &Label<'_>) {
        let Some(text) = label.text else { return };
        let style = self.style(index);
        let mut parts = text.split('\n');
        let first = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        no_linum(out, self.linum_width);
        let (mode, corner) = if rest.is_empty() {
            (Mode::Single, HBAR)
        } else {
            (Mode::First, RCROSS)
        };
        self.highlight_gutter(out, line, mode);
        styled_char(out, style, corner);
        out.push(' ');
        styled(out, style, first);
        out.push('\n');
        for part in rest {
            no_linum(out, self.linum_width);
            self.highlight_gutter(out, line, Mode::Rest);
            styled_char(out, style, VBAR);
            out.push(' ');
            styled(out, style, part);
            out.push('\n');
        }
    }

    /// The underline row under a line, then one row per label text, last label first.
    fn underlines(&self, out: &mut String, line: &Line<'_>, single_line: &[(usize, &Label<'_>)]) {
        let style_of = |index: usize| self.style(index);
        let mut highest = 0usize;
        let mut vbar_offsets = Vec::with_capacity(single_line.len());
        for &(index, label) in single_line {
            let style = style_of(index);
            let start = visual_offset(line, label.offset, true).max(highest);
            let end = if label.len == 0 {
                start + 1
            } else {
                visual_offset(line, label.end(), false).max(start + 1)
            };
            let vbar_offset = (start + end) / 2;
            begin(out, style);
            repeat(out, ' ', start.saturating_sub(highest));
            repeat(out, UNDERLINE, vbar_offset - start);
            out.push(if label.len == 0 {
                UARROW
            } else if label.text.is_some() {
                UNDERBAR
            } else {
                UNDERLINE
            });
            repeat(out, UNDERLINE, end - vbar_offset - 1);
            end_style(out, style);
            highest = highest.max(end);
            vbar_offsets.push((index, *label, vbar_offset));
        }
        out.push('\n');

        for &(index, label) in single_line.iter().rev() {
            let Some(text) = label.text else { continue };
            let style = style_of(index);
            let parts: Vec<&str> = text.split('\n').collect();
            for (part_index, part) in parts.iter().enumerate() {
                let mode = if parts.len() == 1 {
                    Mode::Single
                } else if part_index == 0 {
                    Mode::First
                } else {
                    Mode::Rest
                };
                no_linum(out, self.linum_width);
                self.highlight_gutter(out, line, Mode::Single);
                let mut current = 1usize;
                for &(other_index, other, vbar_offset) in &vbar_offsets {
                    while current < vbar_offset + 1 {
                        out.push(' ');
                        current += 1;
                    }
                    if !other.same(label) {
                        styled(out, style_of(other_index), "│");
                        current += 1;
                    } else {
                        begin(out, style);
                        match mode {
                            Mode::Single => {
                                out.push(LBOT);
                                out.push(HBAR);
                                out.push(HBAR);
                            }
                            Mode::First => {
                                out.push(LBOT);
                                out.push(HBAR);
                                out.push(RCROSS);
                            }
                            Mode::Rest => {
                                out.push_str("  ");
                                out.push(VBAR);
                            }
                        }
                        out.push(' ');
                        styled(out, style, part);
                        end_style(out, style);
                        out.push('\n');
                        break;
                    }
                }
            }
        }
    }
}

fn end_style(out: &mut String, style: Option<&str>) {
    end(out, style);
}

#[derive(Clone, Copy)]
enum Mode {
    Single,
    First,
    Rest,
}
