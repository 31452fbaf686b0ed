//! The input-series notation shared by Prometheus' engine tests (`load`) and promtool's
//! unit tests (`input_series`): `metric{a="b"}` and values such as `1+2x10`, `5x3`,
//! `_`, `_x4`, `stale`, `Inf`, `NaN`.

use super::histogram::FloatHistogram;
use super::value::{stale_nan, Labels};
use crate::promql::ast::{Expr, MatchOp};
use crate::promql::text::{parse_duration, parse_number};

/// The most values one series line may expand to: `0+1x100000000` is refused instead
/// of exhausting memory.
pub const MAX_VALUES_PER_SERIES: u64 = 5_000_000;

/// One value of a sequence: `None` is a gap (`_`); a stale marker is the staleness NaN.
pub type SeqValue = Option<f64>;

/// Parses a series description `metric{label="value", ...}` into a label set.
pub fn parse_series_desc(text: &str) -> Result<Labels, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty series description".into());
    }
    if text.replace(' ', "") == "{}" {
        return Ok(Labels::new());
    }
    let parsed = crate::promql::parse(text);
    let Some(Expr::Selector(sel)) = parsed.expr else {
        let why = parsed
            .errors
            .first()
            .map(|e| e.message.clone())
            .unwrap_or_else(|| "not a series selector".into());
        return Err(format!("invalid series description {text:?}: {why}"));
    };
    if !sel.modifiers.is_empty() {
        return Err(format!(
            "invalid series description {text:?}: modifiers are not allowed"
        ));
    }
    let mut labels = Labels::new();
    if let Some(name) = &sel.name {
        labels.set("__name__", &name.name);
    }
    for m in &sel.matchers {
        if m.op != MatchOp::Equal {
            return Err(format!(
                "invalid series description {text:?}: label matchers must use \"=\", found {:?}",
                m.op.as_str()
            ));
        }
        labels.set(&m.name, &m.value);
    }
    Ok(labels)
}

/// Splits `metric{a="b c"} 1 2 3` into the description and the values text.
pub fn split_series_line(line: &str) -> Result<(&str, &str), String> {
    let line = line.trim();
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut in_braces = false;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let c = bytes[i];
        if let Some(q) = quote {
            if c == b'\\' && q != b'`' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
        } else if c == b'"' || c == b'\'' || c == b'`' {
            quote = Some(c);
        } else if c == b'{' {
            in_braces = true;
        } else if c == b'}' {
            in_braces = false;
        } else if !in_braces && (c == b' ' || c == b'\t') {
            return Ok((&line[..i], line[i..].trim()));
        }
        i += 1;
    }
    if quote.is_some() || in_braces {
        return Err(format!("unterminated series description in {line:?}"));
    }
    Ok((line, ""))
}

/// Parses a whole values text (`0+10x5 _ stale 3`).
pub fn parse_values(text: &str) -> Result<Vec<SeqValue>, String> {
    let mut out = Vec::new();
    for item in items(text) {
        parse_item(item, &mut out)?;
    }
    Ok(out)
}

/// One value of a sequence that may hold native histograms.
#[derive(Debug, Clone, PartialEq)]
pub enum SeqPoint {
    Float(f64),
    Histogram(Box<FloatHistogram>),
}

/// Parses a values text that may hold native histograms: `{{...}}`, `{{...}}x3`,
/// `{{a}}+{{b}}x3`, `{{a}}-{{b}}x3`, beside the float forms. `None` is a gap.
pub fn parse_points(text: &str) -> Result<Vec<Option<SeqPoint>>, String> {
    let mut out: Vec<Option<SeqPoint>> = Vec::new();
    for item in items(text) {
        if item.starts_with("{{") {
            parse_histogram_item(item, &mut out)?;
            continue;
        }
        let mut floats = Vec::new();
        parse_item(item, &mut floats)?;
        check_total(out.len() as u64 + floats.len() as u64, item)?;
        out.extend(floats.into_iter().map(|v| v.map(SeqPoint::Float)));
    }
    Ok(out)
}

/// A native histogram item read but not expanded: its first value, the step it grows or
/// shrinks by (`true`: `+`), and how many times it repeats (`x<n>`).
type HistogramRun = (FloatHistogram, Option<(bool, FloatHistogram)>, Option<u64>);

fn histogram_run(item: &str) -> Result<HistogramRun, String> {
    let close = item
        .find("}}")
        .ok_or_else(|| format!("unterminated native histogram {item:?}"))?;
    let start = FloatHistogram::parse(&item[..close + 2])?;
    let rest = &item[close + 2..];
    if rest.is_empty() {
        return Ok((start, None, None));
    }
    let (step, count) = if let Some(n) = rest.strip_prefix('x') {
        (None, n)
    } else {
        let sign = rest.as_bytes()[0];
        let body = rest[1..]
            .strip_prefix("{{")
            .filter(|_| sign == b'+' || sign == b'-')
            .ok_or_else(|| format!("invalid series value {item:?}"))?;
        let end = body
            .find("}}")
            .ok_or_else(|| format!("unterminated native histogram {item:?}"))?;
        let step = FloatHistogram::parse(&format!("{{{{{}}}}}", &body[..end]))?;
        let n = body[end + 2..]
            .strip_prefix('x')
            .ok_or_else(|| format!("invalid series value {item:?}: a step needs a repetition"))?;
        (Some((sign == b'+', step)), n)
    };
    Ok((start, step, Some(parse_repeat(count, item)?)))
}

fn parse_histogram_item(item: &str, out: &mut Vec<Option<SeqPoint>>) -> Result<(), String> {
    let (start, step, count) = histogram_run(item)?;
    let Some(n) = count else {
        out.push(Some(SeqPoint::Histogram(Box::new(start))));
        return Ok(());
    };
    let n = cap_repeat(n, item)?;
    check_total(out.len() as u64 + n + 1, item)?;
    let mut h = start;
    for _ in 0..=n {
        out.push(Some(SeqPoint::Histogram(Box::new(h.clone()))));
        h = match &step {
            None => h,
            Some((true, s)) => h.add(s)?,
            Some((false, s)) => h.sub(s)?,
        };
    }
    Ok(())
}

/// Checks the notation of a values text without expanding it (`promgate check` on a
/// unit-test file): the byte range of the first item that is not valid, and why. Sizes
/// are not limited here: promtool loads any size.
pub fn check_points(text: &str) -> Result<(), (std::ops::Range<usize>, String)> {
    for item in items(text) {
        let start = item.as_ptr() as usize - text.as_ptr() as usize;
        let valid = if item.starts_with("{{") {
            histogram_run(item).map(|_| ())
        } else {
            float_run(item).map(|_| ())
        };
        valid.map_err(|message| (start..start + item.len(), message))?;
    }
    Ok(())
}

/// Whitespace-separated items; a native histogram `{{...}}` (with spaces inside) and
/// its repetition suffix stay one item.
fn items(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let end = if rest.starts_with("{{") {
            // `{{a}}+{{b}}x3` is one item too: end at the first whitespace after the
            // last `}}` of the run.
            match histogram_item_end(rest) {
                Some(close) => {
                    let after = &rest[close + 2..];
                    close + 2 + after.find(char::is_whitespace).unwrap_or(after.len())
                }
                None => rest.len(),
            }
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        out.push(&rest[..end]);
        rest = rest[end..].trim_start();
    }
    out
}

/// Where the `}}` that closes a histogram item's last literal is (`{{a}}+{{b}}x3`).
fn histogram_item_end(text: &str) -> Option<usize> {
    let first = text.find("}}")?;
    let after = &text[first + 2..];
    if let Some(step) = after
        .strip_prefix('+')
        .or_else(|| after.strip_prefix('-'))
        .filter(|s| s.starts_with("{{"))
    {
        let offset = text.len() - step.len();
        return step.find("}}").map(|c| offset + c);
    }
    Some(first)
}

/// The `n` of `x<n>`: a whole number.
fn parse_repeat(text: &str, item: &str) -> Result<u64, String> {
    text.parse().map_err(|_| {
        format!(
            "invalid repetition in series values: {item:?} (expected a whole number after \"x\")"
        )
    })
}

/// Refuses a repetition that would expand past [`MAX_VALUES_PER_SERIES`].
fn cap_repeat(n: u64, item: &str) -> Result<u64, String> {
    if n >= MAX_VALUES_PER_SERIES {
        return Err(format!(
            "series value {item:?} expands to {n} samples; at most {MAX_VALUES_PER_SERIES} are allowed per series"
        ));
    }
    Ok(n)
}

/// A float item read but not expanded.
enum FloatRun {
    /// `_` (one gap) or `_x<n>` (`n` gaps).
    Gaps(u64),
    Stale,
    /// `a`, `axn`, `a+bxn`, `a-bxn`: a start, a step and a repetition.
    Values {
        start: f64,
        step: f64,
        repeat: Option<u64>,
    },
}

fn float_run(item: &str) -> Result<FloatRun, String> {
    if item.starts_with("{{") {
        return Err(format!(
            "native histogram values are not supported yet: {item:?}"
        ));
    }
    if let Some(rest) = item.strip_prefix('_') {
        if rest.is_empty() {
            return Ok(FloatRun::Gaps(1));
        }
        let Some(count) = rest.strip_prefix('x') else {
            return Err(format!("invalid series value {item:?}"));
        };
        return Ok(FloatRun::Gaps(parse_repeat(count, item)?));
    }
    if item == "stale" {
        return Ok(FloatRun::Stale);
    }
    // `a`, `axn`, `a+bxn`, `a-bxn`.
    let (body, count) = match item.rfind('x') {
        Some(i)
            if i + 1 < item.len()
                && item[i + 1..].bytes().all(|b| b.is_ascii_digit())
                && !item[..i].is_empty() =>
        {
            (&item[..i], Some(parse_repeat(&item[i + 1..], item)?))
        }
        _ => (item, None),
    };
    let (start, step) = split_start_step(body).ok_or_else(|| {
        format!("invalid series value {item:?}: expected a number, \"_\" or \"stale\"")
    })?;
    let start = parse_value(start).map_err(|e| format!("invalid series value {item:?}: {e}"))?;
    let step = match step {
        Some(s) => Some(parse_value(s).map_err(|e| format!("invalid series value {item:?}: {e}"))?),
        None => None,
    };
    if count.is_none() && step.is_some() {
        return Err(format!(
            "invalid series value {item:?}: a step needs a repetition (\"x<n>\")"
        ));
    }
    Ok(FloatRun::Values {
        start,
        step: step.unwrap_or(0.0),
        repeat: count,
    })
}

fn parse_item(item: &str, out: &mut Vec<SeqValue>) -> Result<(), String> {
    match float_run(item)? {
        FloatRun::Gaps(n) => {
            let n = cap_repeat(n, item)?;
            check_total(out.len() as u64 + n, item)?;
            out.extend(std::iter::repeat_n(None, n as usize));
        }
        FloatRun::Stale => out.push(Some(stale_nan())),
        FloatRun::Values {
            start,
            repeat: None,
            ..
        } => out.push(Some(start)),
        FloatRun::Values {
            start,
            step,
            repeat: Some(n),
        } => {
            let n = cap_repeat(n, item)?;
            check_total(out.len() as u64 + n + 1, item)?;
            let mut v = start;
            for _ in 0..=n {
                out.push(Some(v));
                v += step;
            }
        }
    }
    Ok(())
}

fn check_total(total: u64, item: &str) -> Result<(), String> {
    if total > MAX_VALUES_PER_SERIES {
        return Err(format!(
            "series value {item:?} expands the series to {total} samples; at most {MAX_VALUES_PER_SERIES} are allowed per series"
        ));
    }
    Ok(())
}

/// Splits `a+b` / `a-b` at the sign that starts the step (not an exponent's sign).
fn split_start_step(body: &str) -> Option<(&str, Option<&str>)> {
    let bytes = body.as_bytes();
    for i in 1..bytes.len() {
        if (bytes[i] == b'+' || bytes[i] == b'-') && !matches!(bytes[i - 1], b'e' | b'E') {
            let (a, b) = (&body[..i], &body[i..]);
            if a.is_empty() || b.len() < 2 {
                return None;
            }
            return Some((a, Some(b)));
        }
    }
    if body.is_empty() {
        None
    } else {
        Some((body, None))
    }
}

fn parse_value(text: &str) -> Result<f64, String> {
    let (sign, unsigned) = match text.as_bytes().first() {
        Some(b'+') => (1.0, &text[1..]),
        Some(b'-') => (-1.0, &text[1..]),
        _ => (1.0, text),
    };
    if unsigned.is_empty() {
        return Err("empty number".into());
    }
    match parse_number(unsigned) {
        Ok(v) => Ok(sign * v),
        Err(e) => match parse_duration(unsigned) {
            Ok(v) => Ok(sign * v),
            Err(_) => Err(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::value::is_stale;

    #[test]
    fn expands_like_prometheus() {
        let v = parse_values("1+2x3 _ 5x2 _x2 stale -1-1x1 Inf").unwrap();
        assert_eq!(&v[..4], &[Some(1.0), Some(3.0), Some(5.0), Some(7.0)]);
        assert_eq!(v[4], None);
        assert_eq!(&v[5..8], &[Some(5.0), Some(5.0), Some(5.0)]);
        assert_eq!(&v[8..10], &[None, None]);
        assert!(is_stale(v[10].unwrap()));
        assert_eq!(&v[11..13], &[Some(-1.0), Some(-2.0)]);
        assert_eq!(v[13], Some(f64::INFINITY));
    }

    #[test]
    fn notation_is_checked_at_the_item_without_expanding() {
        assert_eq!(
            check_points("0+1x100000000 _x3 stale {{count:1}}x2"),
            Ok(())
        );
        let (at, message) = check_points("1 2  3+1 4").unwrap_err();
        assert_eq!(at, 5..8);
        assert!(message.contains("a step needs a repetition"), "{message}");
        let (at, _) = check_points("{{count:1}} {{count:1}}+{{bogus}}x2").unwrap_err();
        assert_eq!(at, 12..35);
        assert_eq!(check_points("_y").unwrap_err().0, 0..2);
    }

    #[test]
    fn refuses_huge_expansions_and_garbage() {
        assert!(parse_values("0+1x100000000")
            .unwrap_err()
            .contains("at most"));
        assert!(parse_values("abc").is_err());
        assert!(parse_values("1+x3").is_err());
    }

    #[test]
    fn histogram_items_expand() {
        let v = parse_points(
            "1 {{schema:0 sum:1 count:1 buckets:[1]}}+{{schema:0 sum:2 count:2 buckets:[2]}}x2 _ {{count:3 sum:3}}x1",
        )
        .unwrap();
        assert_eq!(v.len(), 7);
        assert_eq!(v[0], Some(SeqPoint::Float(1.0)));
        let Some(SeqPoint::Histogram(h)) = &v[3] else {
            panic!("expected a histogram, got {:?}", v[3]);
        };
        assert_eq!((h.count, h.sum), (5.0, 5.0));
        assert_eq!(h.positive, vec![(0, 5.0)]);
        assert_eq!(v[4], None);
        assert!(matches!(&v[6], Some(SeqPoint::Histogram(h)) if h.count == 3.0));
        assert!(parse_points("{{schema:0}}*{{schema:0}}x2").is_err());
    }

    #[test]
    fn series_lines_split_and_parse() {
        let (desc, values) = split_series_line(r#"up{job="a b", x="}"}  1 2"#).unwrap();
        assert_eq!(values, "1 2");
        let labels = parse_series_desc(desc).unwrap();
        assert_eq!(labels.value("job"), "a b");
        assert_eq!(labels.value("__name__"), "up");
        assert!(parse_series_desc(r#"up{job=~"a"}"#).is_err());
    }
}
