//! Slot-aware variable and macro expansion.
//!
//! Grafana replaces `$var`, `${var:format}`, `[[var]]` and its macros (`$__interval`,
//! `$__rate_interval`, `$__range_s`...) before the query reaches Prometheus. To check the
//! query we do the same, but choose each substitute for the *slot* it sits in: a duration
//! inside `[...]` or after `offset`, a number after `@` or where a value goes, a label name
//! in `by (...)`, an identifier fragment when glued to a metric name. Variables inside
//! quoted label values are left alone (they are values, and checks such as
//! `dashboard/variable-matcher` want to see them). Every byte of the result maps back to
//! the original file byte.

use super::json::Text;
use super::model::Dashboard;
use super::refs::{self, Syntax, VarRef};
use super::scan::string_end;
use crate::source::{OffsetMap, OffsetMapBuilder};
use std::ops::Range;

/// What kind of token a reference stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// `[$__rate_interval]`, `[$x:$y]`, `offset $__interval`.
    Duration,
    /// After `@`, `$__range_s`, a numeric variable where a value goes.
    Number,
    /// In `by (...)`, `without`, `on`, `ignoring`, `group_left/right (...)`, or as a
    /// label name inside a selector.
    LabelName,
    /// Glued to (or forming) a metric name: the name becomes a pattern.
    MetricName,
    /// A whole sub-expression or a function name we cannot type: placed, but unsure.
    Unknown,
}

/// One replaced reference.
#[derive(Debug, Clone)]
pub struct Substitution {
    pub name: String,
    pub syntax: Syntax,
    pub slot: Slot,
    /// Bytes in the expanded source.
    pub source: Range<usize>,
    /// Bytes in the original decoded text.
    pub original: Range<usize>,
}

/// A query ready for the PromQL parser.
#[derive(Debug, Clone)]
pub struct Expanded {
    pub source: String,
    /// Source byte -> file byte.
    pub map: OffsetMap,
    pub substitutions: Vec<Substitution>,
    /// A substitute we could not type with confidence: syntax errors are not reported.
    pub uncertain: bool,
}

impl Expanded {
    /// The substitution covering a source span, if any.
    pub fn substitution_in(&self, span: &Range<usize>) -> Option<&Substitution> {
        self.substitutions
            .iter()
            .find(|s| s.source.start < span.end.max(span.start + 1) && span.start < s.source.end)
    }

    /// Metric names were built from variables: catalog checks must treat them as patterns.
    pub fn has_templated_names(&self) -> bool {
        self.substitutions
            .iter()
            .any(|s| s.slot == Slot::MetricName)
    }

    /// Grouping labels came from variables: label-flow answers are unsure.
    pub fn has_templated_labels(&self) -> bool {
        self.substitutions.iter().any(|s| s.slot == Slot::LabelName)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Paren {
    Grouping,
    Other,
}

/// Expands the references in `text[range]` (the whole value for a target `expr`; the
/// PromQL argument for a query variable).
pub fn expand(text: &Text, range: Range<usize>, dashboard: &Dashboard) -> Expanded {
    let input = &text.value[range.clone()];
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len() + 16);
    let mut builder = OffsetMapBuilder::new();
    let mut substitutions = Vec::new();
    let mut uncertain = false;
    let mut parens: Vec<Paren> = Vec::new();
    let mut bracket_depth = 0usize;
    let mut brace_depth = 0usize;
    let mut i = 0;
    let copy = |out: &mut String, builder: &mut OffsetMapBuilder, from: usize, to: usize| {
        builder.mark_copy(out.len(), &text.map, range.start + from..range.start + to);
        out.push_str(&input[from..to]);
    };
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'"' | b'\'' | b'`' => {
                let end = string_end(bytes, i);
                copy(&mut out, &mut builder, i, end);
                i = end;
                continue;
            }
            b'#' => {
                // A PromQL comment runs to the end of the line.
                let end = input[i..].find('\n').map(|n| i + n).unwrap_or(bytes.len());
                copy(&mut out, &mut builder, i, end);
                i = end;
                continue;
            }
            b'$' | b'[' => {
                if let Some(reference) = refs::at(input, i) {
                    let slot = slot_of(input, &reference, bracket_depth, brace_depth, &parens);
                    let (value, unsure) = substitute(&reference, slot, input, dashboard);
                    uncertain |= unsure;
                    let start = out.len();
                    let (a, b_) = (reference.range.start, reference.range.end);
                    for k in 0..value.len() {
                        // The last byte maps to the reference's last byte, so a span
                        // over the substitute covers the whole reference.
                        let original = if k + 1 == value.len() {
                            b_ - 1
                        } else {
                            (a + k).min(b_ - 1)
                        };
                        builder.mark(start + k, text.map.to_file(range.start + original));
                    }
                    out.push_str(&value);
                    substitutions.push(Substitution {
                        name: reference.name.clone(),
                        syntax: reference.syntax,
                        slot,
                        source: start..out.len(),
                        original: range.start + a..range.start + b_,
                    });
                    i = b_;
                    continue;
                }
                if b == b'[' {
                    bracket_depth += 1;
                }
            }
            b']' => bracket_depth = bracket_depth.saturating_sub(1),
            b'{' => brace_depth += 1,
            b'}' => brace_depth = brace_depth.saturating_sub(1),
            b'(' => parens.push(if is_grouping_keyword(previous_word(input, i)) {
                Paren::Grouping
            } else {
                Paren::Other
            }),
            b')' => {
                parens.pop();
            }
            _ => {}
        }
        // Up to the next byte the arms above act on, the text is copied as it is, in one
        // step (those bytes are ASCII, so the end is a character boundary).
        let end = bytes[i + 1..]
            .iter()
            .position(|&b| acts_on(b))
            .map_or(bytes.len(), |n| i + 1 + n);
        copy(&mut out, &mut builder, i, end);
        i = end;
    }
    let file_end = text.map.to_file(range.end);
    let map = builder.finish(out.len(), file_end);
    Expanded {
        source: out,
        map,
        substitutions,
        uncertain,
    }
}

/// The bytes [`expand`]'s loop treats specially; every other byte is copied as it is.
fn acts_on(b: u8) -> bool {
    matches!(
        b,
        b'"' | b'\'' | b'`' | b'#' | b'$' | b'[' | b']' | b'{' | b'}' | b'(' | b')'
    )
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

/// The identifier right before `offset`, skipping white space.
fn previous_word(input: &str, offset: usize) -> &str {
    let before = input[..offset].trim_end();
    let start = before
        .bytes()
        .rposition(|b| !is_ident_byte(b))
        .map(|p| p + 1)
        .unwrap_or(0);
    &before[start..]
}

fn is_grouping_keyword(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "by" | "without" | "on" | "ignoring" | "group_left" | "group_right"
    )
}

fn slot_of(
    input: &str,
    reference: &VarRef,
    brackets: usize,
    braces: usize,
    parens: &[Paren],
) -> Slot {
    let bytes = input.as_bytes();
    let start = reference.range.start;
    let end = reference.range.end;
    let glued_before = start > 0 && is_ident_byte(bytes[start - 1]);
    let glued_after = end < bytes.len() && is_ident_byte(bytes[end]);
    if brackets > 0 {
        // `[${__range_s}s]`: a number glued to a unit.
        let unit_after = end < bytes.len() && bytes[end].is_ascii_alphabetic();
        return if unit_after {
            Slot::Number
        } else {
            Slot::Duration
        };
    }
    let before = input[..start].trim_end();
    let word = previous_word(input, start);
    if word.eq_ignore_ascii_case("offset")
        || before.ends_with('-')
            && previous_word(input, before.len() - 1).eq_ignore_ascii_case("offset")
    {
        return Slot::Duration;
    }
    if before.ends_with('@') {
        return Slot::Number;
    }
    if braces > 0 {
        return Slot::LabelName;
    }
    if parens.last() == Some(&Paren::Grouping) {
        return Slot::LabelName;
    }
    let next = input[end..].trim_start().bytes().next();
    if glued_before || glued_after || next == Some(b'{') {
        return Slot::MetricName;
    }
    if next == Some(b'(') {
        return Slot::Unknown;
    }
    Slot::Number
}

/// The text for a reference in a slot, and whether it is a guess.
fn substitute(
    reference: &VarRef,
    slot: Slot,
    input: &str,
    dashboard: &Dashboard,
) -> (String, bool) {
    let name = reference.name.as_str();
    let format = reference.format.as_deref();
    match slot {
        Slot::Duration => (duration_of(name, dashboard), false),
        Slot::Number => number_of(name, format, dashboard),
        Slot::LabelName => (identifier(name), false),
        Slot::MetricName => (identifier(name), false),
        Slot::Unknown => {
            // `$agg(...)`: a function or aggregation chosen by a variable.
            let value = dashboard
                .variable(name)
                .and_then(|v| v.sample_value())
                .filter(|v| !v.is_empty() && v.bytes().all(is_ident_byte));
            match value {
                Some(value) => (value.to_string(), false),
                None => {
                    let _ = input;
                    (identifier(name), true)
                }
            }
        }
    }
}

fn duration_of(name: &str, dashboard: &Dashboard) -> String {
    match name {
        "__rate_interval" => return "4m".into(),
        "__interval" | "__auto" => return "1m".into(),
        "__range" => return "1h".into(),
        _ if name.starts_with("__auto_interval") => return "1m".into(),
        _ => {}
    }
    dashboard
        .variable(name)
        .and_then(|v| v.sample_value())
        .filter(|v| is_duration(v))
        .map(str::to_string)
        .unwrap_or_else(|| "1m".into())
}

fn number_of(name: &str, format: Option<&str>, dashboard: &Dashboard) -> (String, bool) {
    let global = match name {
        "__interval_ms" => Some("60000"),
        "__rate_interval_ms" => Some("240000"),
        "__range_s" => Some("3600"),
        "__range_ms" => Some("3600000"),
        "__from" | "__to" => Some(if format.is_some_and(|f| f.contains("seconds")) {
            "1594671549"
        } else {
            "1594671549254"
        }),
        _ => None,
    };
    if let Some(global) = global {
        return (global.to_string(), false);
    }
    if refs::is_global(name) {
        // `$__interval` where a number goes: Grafana inserts `1m` text; not ours to guess.
        return ("1".into(), true);
    }
    match dashboard.variable(name).and_then(|v| v.sample_value()) {
        Some(value) if value.trim().parse::<f64>().is_ok() => (value.trim().to_string(), false),
        Some(value)
            if !value.is_empty()
                && value.bytes().all(is_ident_byte)
                && !value.as_bytes()[0].is_ascii_digit() =>
        {
            // A variable holding a metric name used on its own.
            (value.to_string(), false)
        }
        _ => ("1".into(), true),
    }
}

/// A PromQL identifier standing for a variable.
fn identifier(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() || id.as_bytes()[0].is_ascii_digit() {
        id.insert(0, '_');
    }
    id
}

/// A Prometheus duration literal (`5m`, `1h30m`, `500ms`).
pub fn is_duration(text: &str) -> bool {
    let mut rest = text;
    let mut any = false;
    for unit in ["y", "w", "d", "h", "m", "s", "ms"] {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            continue;
        }
        if rest[digits..].starts_with(unit) && !(unit == "m" && rest[digits..].starts_with("ms")) {
            rest = &rest[digits + unit.len()..];
            any = true;
        }
    }
    any && rest.is_empty()
}

/// The PromQL argument of a query variable's query: `label_values(<q>, label)`,
/// `query_result(<q>)`, `label_names(<q>)`; `None` for `metrics(regex)`, a bare
/// `label_values(label)` or a non-function query.
pub fn variable_query_promql(query: &str) -> Option<Range<usize>> {
    let trimmed_start = query.len() - query.trim_start().len();
    let body = query.trim();
    let open = body.find('(')?;
    let function = body[..open].trim();
    if !body.ends_with(')') {
        return None;
    }
    let inner_start = trimmed_start + open + 1;
    let inner_end = trimmed_start + body.len() - 1;
    let inner = &query[inner_start..inner_end];
    let range = match function {
        "query_result" => inner_start..inner_end,
        "label_values" => {
            let comma = last_top_level_comma(inner)?;
            inner_start..inner_start + comma
        }
        "label_names" if !inner.trim().is_empty() => inner_start..inner_end,
        _ => return None,
    };
    let piece = &query[range.clone()];
    let lead = piece.len() - piece.trim_start().len();
    let trail = piece.len() - piece.trim_end().len();
    let range = range.start + lead..range.end - trail;
    (!range.is_empty()).then_some(range)
}

fn last_top_level_comma(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0i32;
    let mut last = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' | b'`' => {
                i = string_end(bytes, i);
                continue;
            }
            b'(' | b'{' | b'[' => depth += 1,
            b')' | b'}' | b']' => depth -= 1,
            b',' if depth == 0 => last = Some(i),
            _ => {}
        }
        i += 1;
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::OffsetMap;

    fn text(value: &str) -> Text {
        // As if the value sat in the file at offset 1000 with no escapes.
        Text {
            value: value.into(),
            span: 999..1001 + value.len(),
            map: OffsetMap::identity(1000, value.len()),
        }
    }

    fn run(value: &str) -> Expanded {
        let t = text(value);
        expand(&t, 0..value.len(), &Dashboard::default())
    }

    #[test]
    fn durations_in_ranges_and_offsets() {
        let e = run(r#"rate(x{job=~"$job"}[$__rate_interval]) offset $__interval"#);
        assert_eq!(e.source, r#"rate(x{job=~"$job"}[4m]) offset 1m"#);
        assert!(!e.uncertain);
        assert_eq!(e.substitutions.len(), 2);
        assert_eq!(e.substitutions[0].slot, Slot::Duration);
    }

    #[test]
    fn subquery_and_numbers() {
        let e = run("max_over_time(x[$interval:$resolution]) @ ${__to:date:seconds} / $__range_s");
        assert_eq!(e.source, "max_over_time(x[1m:1m]) @ 1594671549 / 3600");
    }

    #[test]
    fn grouping_labels_and_metric_fragments() {
        let e = run("sum by (${group:csv}) (vault_route_${mount}_sum{a=\"b\"})");
        assert_eq!(e.source, "sum by (group) (vault_route_mount_sum{a=\"b\"})");
        assert!(e.has_templated_labels() && e.has_templated_names());
    }

    #[test]
    fn deprecated_brackets() {
        let e = run("rate(x[[[interval]]])");
        assert_eq!(e.source, "rate(x[1m])");
    }

    #[test]
    fn spans_map_back_to_the_variable() {
        let e = run("rate(x[$__interval])");
        let sub = &e.substitutions[0];
        let file = e.map.span_to_file(sub.source.clone());
        assert_eq!(file, 1000 + 7..1000 + 7 + "$__interval".len());
        // After the substitute, offsets continue in step with the original.
        let close = e.source.find(']').unwrap();
        assert_eq!(e.map.to_file(close), 1000 + "rate(x[$__interval".len());
    }

    #[test]
    fn variable_queries() {
        let q = "label_values(up{job=\"a\"}, instance)";
        assert_eq!(&q[variable_query_promql(q).unwrap()], "up{job=\"a\"}");
        let q = "query_result(sum(x) by (y))";
        assert_eq!(&q[variable_query_promql(q).unwrap()], "sum(x) by (y)");
        assert_eq!(variable_query_promql("label_values(job)"), None);
        assert_eq!(variable_query_promql("metrics(up.*)"), None);
        assert_eq!(variable_query_promql("a,b,c"), None);
    }

    #[test]
    fn durations() {
        assert!(is_duration("5m") && is_duration("1h30m") && is_duration("500ms"));
        assert!(!is_duration("auto") && !is_duration("5") && !is_duration(""));
    }
}
