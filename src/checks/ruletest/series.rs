//! `ruletest/series`: an `input_series` entry promtool cannot load.

use crate::checks::{CheckMeta, Emitter};
use crate::diagnostic::{Diagnostic, Severity};
use crate::eval::ruletest::file::{InputSeries, TestFile};
use crate::eval::series::{check_points, parse_series_desc, split_series_line};
use crate::fixture;
use crate::source::Span;

pub static META: CheckMeta = CheckMeta {
    code: "ruletest/series",
    severity: Severity::Error,
    summary: "An input series of a unit test is not valid series notation",
    docs: "Each `input_series` entry of a unit test is a series (`metric{label=\"value\"}`, \
labels matched with `=` only, no range or offset) and its values in the expanding notation: \
`a` a sample, `a+bxn` / `a-bxn` n+1 samples starting at `a` and growing or shrinking by `b`, \
`axn` `a` repeated, `_` a missing sample (`_xn` n of them), `stale` a staleness marker, and \
native histograms `{{schema:0 sum:5 count:4 buckets:[1 2 1]}}` (also `{{...}}x3` and \
`{{...}}+{{...}}x3`). promtool cannot load a test group whose series or values do not \
parse: that group fails before any rule is evaluated.\n\n\
promgate parses every entry as promtool does and points at the exact item that is wrong.\n\n\
Fix: correct the item; a step needs a repetition (`0+10x5`, not `0+10`).",
    bad: fixture!("ruletest/series/fail.yml"),
    good: fixture!("ruletest/series/pass.yml"),
    enabled_by_default: true,
};

pub fn run(file: &TestFile, out: &mut Vec<Diagnostic>) {
    let mut emitter = Emitter::new(&META, out);
    for group in &file.tests {
        for series in &group.input_series {
            check_series(series, &mut emitter);
        }
    }
}

fn check_series(series: &InputSeries, emitter: &mut Emitter<'_>) {
    let text = series.series.as_str();
    let whole = series.span.clone();
    let map = series.series_map.as_ref();
    let at = |range: std::ops::Range<usize>| -> Span {
        map.map_or_else(|| whole.clone(), |map| map.span_to_file(range))
    };
    let (desc, inline_values) = match split_series_line(text) {
        Ok(split) => split,
        Err(message) => {
            let open = unclosed(text);
            emitter.report(at(open..open + 1), format!("input series: {message}"));
            return;
        }
    };
    let desc_start = offset_in(text, desc);
    if let Err(message) = parse_series_desc(desc) {
        // The parser's error or the matcher names the exact token.
        let token = super::series_desc_token(desc);
        let span = at(desc_start + token.start..desc_start + token.end);
        let span = if desc.is_empty() { whole.clone() } else { span };
        emitter.report(span, format!("input series: {message}"));
        return;
    }
    // Values written after the series (`up 1 2 3`) are read as promtool's `load` does.
    if !inline_values.is_empty() {
        let start = offset_in(text, inline_values);
        if let Err((range, message)) = check_points(inline_values) {
            let span = at(start + range.start..start + range.end);
            emitter.report(span, format!("input series {text:?}: {message}"));
            return;
        }
    }
    if let (Some(values_map), Err((range, message))) =
        (series.values_map.as_ref(), check_points(&series.values))
    {
        emitter
            .report(
                values_map.span_to_file(range),
                format!("input series {text:?}: values: {message}"),
            )
            .help = Some(help_for(&message).into());
    }
}

/// Where the quote or `{` that is never closed opens (what `split_series_line` refuses).
fn unclosed(text: &str) -> usize {
    let lead = text.len() - text.trim_start().len();
    let bytes = text.as_bytes();
    let (mut brace, mut quote): (Option<usize>, Option<(usize, u8)>) = (None, None);
    let mut i = lead;
    while i < bytes.len() {
        let c = bytes[i];
        match quote {
            Some((_, q)) if c == b'\\' && q != b'`' => i += 1,
            Some((_, q)) if c == q => quote = None,
            Some(_) => {}
            None if matches!(c, b'"' | b'\'' | b'`') => quote = Some((i, c)),
            None if c == b'{' => brace = Some(i),
            None if c == b'}' => brace = None,
            None => {}
        }
        i += 1;
    }
    quote.map(|(at, _)| at).or(brace).unwrap_or(lead)
}

/// Where `part` (a slice of `whole`) starts in it.
fn offset_in(whole: &str, part: &str) -> usize {
    (part.as_ptr() as usize)
        .checked_sub(whole.as_ptr() as usize)
        .filter(|&at| at <= whole.len())
        .unwrap_or(0)
}

fn help_for(message: &str) -> &'static str {
    if message.contains("a step needs a repetition") {
        "write how many times the step repeats: `0+10x5` is 0 10 20 30 40 50"
    } else if message.contains("histogram") {
        "native histograms are written `{{schema:0 sum:5 count:4 buckets:[1 2 1]}}`"
    } else {
        "values are numbers, `a+bxn`, `a-bxn`, `axn`, `_`, `_xn`, `stale` or `{{...}}` histograms"
    }
}
