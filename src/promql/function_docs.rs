//! One-line documentation of every PromQL function, for editors (hover, completion),
//! in our words after Prometheus' function reference.

use super::functions::Function;

/// The function's signature: `rate(range vector) -> instant vector`; an optional
/// argument is in brackets, a repeated one ends with `...`.
pub fn signature(function: &Function) -> String {
    let types = function.arg_types;
    let mut args: Vec<String> = types.iter().map(|t| t.documented().to_string()).collect();
    match function.variadic {
        0 => {}
        -1 => {
            if let Some(last) = args.last_mut() {
                last.push_str(", ...");
            }
        }
        _ => {
            if let Some(last) = args.last_mut() {
                *last = format!("[{last}]");
            }
        }
    }
    format!(
        "{}({}) -> {}",
        function.name,
        args.join(", "),
        function.return_type.documented()
    )
}

/// What the function computes, in one sentence.
pub fn docs(name: &str) -> Option<&'static str> {
    Some(match name {
        "abs" => "The absolute value of every sample.",
        "absent" => "1 with the selector's equality labels when the vector has no element, nothing otherwise: alert on a missing series.",
        "absent_over_time" => "1 when the range vector has no sample at all over the window, nothing otherwise.",
        "acos" | "acosh" | "asin" | "asinh" | "atan" | "atanh" | "cos" | "cosh" | "sin" | "sinh" | "tan" | "tanh" => {
            "The trigonometric function of every sample (in radians)."
        }
        "avg_over_time" => "The average of each series' samples over the window.",
        "ceil" => "Every sample rounded up to the nearest integer.",
        "changes" => "How many times each series' value changed over the window.",
        "clamp" => "Every sample clamped to the range [min, max].",
        "clamp_max" => "Every sample clamped to at most the given maximum.",
        "clamp_min" => "Every sample clamped to at least the given minimum.",
        "count_over_time" => "The number of samples of each series over the window.",
        "day_of_month" => "The day of the month (1-31) of each timestamp, in UTC (default: now).",
        "day_of_week" => "The day of the week (0 = Sunday) of each timestamp, in UTC (default: now).",
        "day_of_year" => "The day of the year (1-366) of each timestamp, in UTC (default: now).",
        "days_in_month" => "The number of days in the month of each timestamp, in UTC (default: now).",
        "deg" => "Radians converted to degrees.",
        "delta" => "The difference between the first and last value of each gauge over the window, extrapolated to its edges.",
        "deriv" => "The per-second derivative of each gauge over the window, by simple linear regression.",
        "double_exponential_smoothing" => "Each gauge smoothed over the window with a smoothing and a trend factor.",
        "end" => "The evaluation's end time, in seconds since the epoch.",
        "exp" => "The exponential function of every sample.",
        "first_over_time" => "The first sample of each series in the window.",
        "floor" => "Every sample rounded down to the nearest integer.",
        "histogram_avg" => "The arithmetic average of the observations of each native histogram.",
        "histogram_count" => "The count of observations of each native histogram.",
        "histogram_fraction" => "The estimated fraction of observations between a lower and an upper bound.",
        "histogram_quantile" => "The φ-quantile (0 ≤ φ ≤ 1) from the buckets of a classic (`le` label) or native histogram.",
        "histogram_quantiles" => "Several quantiles of each histogram at once, in a label.",
        "histogram_stddev" => "The estimated standard deviation of the observations of each native histogram.",
        "histogram_stdvar" => "The estimated standard variance of the observations of each native histogram.",
        "histogram_sum" => "The sum of observations of each native histogram.",
        "hour" => "The hour of the day (0-23) of each timestamp, in UTC (default: now).",
        "idelta" => "The difference between the last two samples of each gauge in the window.",
        "increase" => "The increase of each counter over the window, corrected for resets and extrapolated to its edges.",
        "info" => "Adds the labels of info metrics (`target_info` by default) to each series.",
        "irate" => "The per-second rate of each counter from the last two samples in the window: for fast-moving graphs.",
        "label_join" => "Joins the values of source labels with a separator into a destination label.",
        "label_replace" => "Sets a destination label from a regex match on a source label's value.",
        "last_over_time" => "The most recent sample of each series in the window.",
        "ln" => "The natural logarithm of every sample.",
        "log10" => "The decimal logarithm of every sample.",
        "log2" => "The binary logarithm of every sample.",
        "mad_over_time" => "The median absolute deviation of each series' samples over the window.",
        "max_of" | "min_of" => "The element-wise maximum or minimum of its arguments.",
        "max_over_time" => "The maximum of each series' samples over the window.",
        "min_over_time" => "The minimum of each series' samples over the window.",
        "minute" => "The minute of the hour (0-59) of each timestamp, in UTC (default: now).",
        "month" => "The month (1-12) of each timestamp, in UTC (default: now).",
        "pi" => "The number π.",
        "predict_linear" => "The value of each gauge the given number of seconds from now, by simple linear regression over the window.",
        "present_over_time" => "1 for every series that has any sample in the window.",
        "quantile_over_time" => "The φ-quantile (0 ≤ φ ≤ 1) of each series' samples over the window.",
        "rad" => "Degrees converted to radians.",
        "range" => "The evaluation range's length, in seconds.",
        "rate" => "The per-second average rate of increase of each counter over the window, corrected for resets: use it on counters, for alerts and slow graphs.",
        "resets" => "The number of counter resets of each series over the window.",
        "round" => "Every sample rounded to the nearest integer, or to the nearest multiple of the given number.",
        "scalar" => "The single element's value as a scalar; NaN unless the vector has exactly one element.",
        "sgn" => "The sign of every sample: 1, -1 or 0.",
        "sort" | "sort_desc" => "The elements sorted by value, ascending (`sort`) or descending (`sort_desc`); for instant queries only.",
        "sort_by_label" | "sort_by_label_desc" => "The elements sorted by the values of the given labels.",
        "sqrt" => "The square root of every sample.",
        "start" => "The evaluation's start time, in seconds since the epoch.",
        "start_timestamp" => "The start (created) timestamp of each series.",
        "stddev_over_time" => "The population standard deviation of each series' samples over the window.",
        "stdvar_over_time" => "The population standard variance of each series' samples over the window.",
        "step" => "The evaluation step, in seconds.",
        "sum_over_time" => "The sum of each series' samples over the window.",
        "time" => "The evaluation time, in seconds since the epoch.",
        "timestamp" => "The timestamp of each sample, in seconds since the epoch.",
        "ts_of_first_over_time" | "ts_of_last_over_time" | "ts_of_max_over_time" | "ts_of_min_over_time" => {
            "The timestamp of the first, last, maximum or minimum sample of each series in the window."
        }
        "vector" => "The scalar as a vector with one element and no labels.",
        "year" => "The year of each timestamp, in UTC (default: now).",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::functions::{lookup, FUNCTIONS};

    #[test]
    fn every_function_has_docs() {
        let missing: Vec<&str> = FUNCTIONS
            .iter()
            .map(|f| f.name)
            .filter(|name| docs(name).is_none())
            .collect();
        assert!(missing.is_empty(), "functions without docs: {missing:?}");
    }

    #[test]
    fn signatures_show_optional_and_repeated_arguments() {
        assert_eq!(
            signature(lookup("rate").unwrap()),
            "rate(range vector) -> instant vector"
        );
        assert_eq!(
            signature(lookup("round").unwrap()),
            "round(instant vector, [scalar]) -> instant vector"
        );
        assert_eq!(
            signature(lookup("label_join").unwrap()),
            "label_join(instant vector, string, string, string, ...) -> instant vector"
        );
    }
}
