//! Series Prometheus writes itself: per-target scrape series and the alert series.

use super::family::{MetricFamily, MetricType, Origin};

/// `(name, help)` of the gauges every scrape writes. They carry the target labels only.
const SCRAPE_SERIES: [(&str, &str); 8] = [
    (
        "up",
        "1 if the target was scraped successfully, 0 otherwise.",
    ),
    ("scrape_duration_seconds", "Duration of the scrape."),
    (
        "scrape_samples_scraped",
        "Number of samples the target exposed.",
    ),
    (
        "scrape_samples_post_metric_relabeling",
        "Number of samples remaining after metric relabeling.",
    ),
    (
        "scrape_series_added",
        "Approximate number of new series in this scrape.",
    ),
    // The next three exist with --enable-feature=extra-scrape-metrics.
    ("scrape_timeout_seconds", "The configured scrape timeout."),
    (
        "scrape_sample_limit",
        "The configured sample limit, 0 if none.",
    ),
    (
        "scrape_body_size_bytes",
        "Uncompressed size of the last scrape response.",
    ),
];

pub fn families() -> Vec<MetricFamily> {
    let mut families: Vec<MetricFamily> = SCRAPE_SERIES
        .iter()
        .map(|(name, help)| {
            let mut family = MetricFamily::new(*name, MetricType::Gauge);
            family.help = Some(help.to_string());
            family.labels_complete = true;
            family.origin = Origin::BuiltIn;
            family
        })
        .collect();
    // Alert series carry `alertname`, the alert's own labels and the labels of the
    // series that fired it: open-ended, so label checks stay silent on them.
    for (name, help, state_label) in [
        (
            "ALERTS",
            "Active alerts: 1 per pending or firing alert.",
            true,
        ),
        (
            "ALERTS_FOR_STATE",
            "Timestamp an alert became active, for restoring `for` state.",
            false,
        ),
    ] {
        let mut family = MetricFamily::new(name, MetricType::Gauge);
        family.help = Some(help.to_string());
        family.labels.insert("alertname".into(), None);
        if state_label {
            family.labels.insert(
                "alertstate".into(),
                Some(["firing", "pending"].map(String::from).into()),
            );
        }
        family.origin = Origin::BuiltIn;
        families.push(family);
    }
    families
}
