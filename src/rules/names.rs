//! Metric and label name validation under Prometheus' two schemes.

use clap::ValueEnum;

/// Which names are valid: Prometheus 3 accepts any UTF-8 text (`Utf8`), Prometheus 2 only
/// the legacy character set (`Legacy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum NameValidation {
    #[default]
    Utf8,
    Legacy,
}

/// `[a-zA-Z_:][a-zA-Z0-9_:]*`
pub fn is_legacy_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b':' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

/// `[a-zA-Z_][a-zA-Z0-9_]*`
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// How a name fares: valid everywhere, valid only under UTF-8, or invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameVerdict {
    Valid,
    /// Valid in Prometheus 3 but outside the legacy set: needs quoting in every query.
    Utf8Only,
    Invalid,
}

pub fn metric_name_verdict(name: &str) -> NameVerdict {
    if name.is_empty() {
        NameVerdict::Invalid
    } else if is_legacy_metric_name(name) {
        NameVerdict::Valid
    } else {
        NameVerdict::Utf8Only
    }
}

pub fn label_name_verdict(name: &str) -> NameVerdict {
    if name.is_empty() {
        NameVerdict::Invalid
    } else if is_legacy_label_name(name) {
        NameVerdict::Valid
    } else {
        NameVerdict::Utf8Only
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_sets() {
        assert!(is_legacy_metric_name("job:http_requests:rate5m"));
        assert!(!is_legacy_metric_name("1bad"));
        assert!(!is_legacy_metric_name("a-b"));
        assert!(is_legacy_label_name("_x9"));
        assert!(!is_legacy_label_name("a:b"));
        assert_eq!(label_name_verdict("ins-tance"), NameVerdict::Utf8Only);
        assert_eq!(label_name_verdict(""), NameVerdict::Invalid);
        assert_eq!(metric_name_verdict("a.b"), NameVerdict::Utf8Only);
    }
}
