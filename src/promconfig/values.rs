//! Prometheus' scalar formats: durations (`model.ParseDuration`), byte sizes
//! (`units.ParseBase2Bytes`), label names and values, URLs, `!!binary` scalars.

/// Seconds (as milliseconds, to keep `1m30s500ms` exact) of a Prometheus duration:
/// `[0-9]+` followed by units from `y w d h m s ms`, largest first, each at most once.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    let invalid = || format!("not a valid duration string: {text:?}");
    if text == "0" {
        return Ok(0);
    }
    if text.is_empty() {
        return Err("empty duration string".to_string());
    }
    const UNITS: [(&str, u64); 7] = [
        ("y", 365 * 24 * 3_600_000),
        ("w", 7 * 24 * 3_600_000),
        ("d", 24 * 3_600_000),
        ("h", 3_600_000),
        ("m", 60_000),
        ("s", 1_000),
        ("ms", 1),
    ];
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut next_unit = 0;
    let mut total: u64 = 0;
    while at < bytes.len() {
        let digits_start = at;
        while at < bytes.len() && bytes[at].is_ascii_digit() {
            at += 1;
        }
        if at == digits_start {
            return Err(invalid());
        }
        let number: u64 = text[digits_start..at].parse().map_err(|_| invalid())?;
        let unit_start = at;
        while at < bytes.len() && bytes[at].is_ascii_alphabetic() {
            at += 1;
        }
        let unit = &text[unit_start..at];
        let index = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == unit)
            .map(|i| i + next_unit)
            .ok_or_else(invalid)?;
        next_unit = index + 1;
        total = number
            .checked_mul(UNITS[index].1)
            .and_then(|ms| total.checked_add(ms))
            .ok_or_else(invalid)?;
    }
    Ok(total)
}

/// Bytes of a base-2 size such as `100MB`, `1KiB`, `0` (Prometheus' `units.Base2Bytes`).
pub fn parse_size(text: &str) -> Result<u64, String> {
    if text == "0" {
        return Ok(0);
    }
    let digits_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits_end);
    let factor: u64 = match unit {
        "B" => 1,
        "KB" | "KiB" => 1 << 10,
        "MB" | "MiB" => 1 << 20,
        "GB" | "GiB" => 1 << 30,
        "TB" | "TiB" => 1 << 40,
        "PB" | "PiB" => 1 << 50,
        "EB" | "EiB" => 1 << 60,
        // Go's message, with its two spaces: the unit is empty.
        _ => return Err(format!("units: unknown unit {unit} in {text}")),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("units: invalid size {text:?}"))?;
    Ok((value * factor as f64) as u64)
}

/// A label name as Prometheus 3 accepts it (UTF-8 validation: any non-empty valid text).
pub fn label_name_error(name: &[u8]) -> Option<String> {
    match std::str::from_utf8(name) {
        Ok(text) if !text.is_empty() => None,
        _ => Some(format!("{} is not a valid label name", go_quote(name))),
    }
}

/// A label value: any valid UTF-8.
pub fn label_value_error(value: &[u8]) -> Option<String> {
    match std::str::from_utf8(value) {
        Ok(_) => None,
        Err(_) => Some(format!("{} is not a valid label value", go_quote(value))),
    }
}

/// A legacy label name (`[a-zA-Z_][a-zA-Z0-9_]*`), what relabel target labels need.
pub fn is_legacy_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Go's `%q` of bytes: invalid UTF-8 bytes as `\xff`.
pub fn go_quote(bytes: &[u8]) -> String {
    let mut out = String::from("\"");
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

/// Decodes a `!!binary` scalar (standard base64, whitespace ignored).
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() % 4 != 0 {
        return None;
    }
    let value = |b: u8| -> Option<u32> {
        Some(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(digits.len() / 4 * 3);
    for (index, quad) in digits.chunks(4).enumerate() {
        let last = index == digits.len() / 4 - 1;
        let padding = quad.iter().rev().take_while(|&&b| b == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut bits = 0u32;
        for &b in &quad[..4 - padding] {
            bits = (bits << 6) | value(b)?;
        }
        bits <<= 6 * padding as u32;
        let decoded = [(bits >> 16) as u8, (bits >> 8) as u8, bits as u8];
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

/// A parsed `scheme://host[:port]/path` URL, as much as the checks need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url<'a> {
    pub scheme: &'a str,
    pub host: &'a str,
}

/// Splits a URL the way Go's `url.Parse` does for the shapes configs use; `Err` for
/// text Go refuses (a space, a bad port, a missing scheme separator is not an error:
/// Go reads it as a path).
pub fn parse_url(text: &str) -> Result<Url<'_>, String> {
    if text.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!("parse {text:?}: invalid character in URL"));
    }
    let Some((scheme, rest)) = text.split_once("://") else {
        return Ok(Url {
            scheme: "",
            host: "",
        });
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if !host_port.ends_with(']') => {
            if !port.chars().all(|c| c.is_ascii_digit()) {
                return Err(format!(
                    "parse {text:?}: invalid port {:?} after host",
                    format!(":{port}")
                ));
            }
            host
        }
        _ => host_port,
    };
    Ok(Url { scheme, host })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_prometheus() {
        assert_eq!(parse_duration("1m30s"), Ok(90_000));
        assert_eq!(parse_duration("15s"), Ok(15_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("1d2h"), Ok(26 * 3_600_000));
        assert!(parse_duration("-1h").unwrap_err().contains("\"-1h\""));
        assert!(parse_duration("30s1m").is_err());
        assert!(parse_duration("1.5s").is_err());
        assert!(parse_duration("10").is_err());
    }

    #[test]
    fn sizes_need_a_unit() {
        assert_eq!(parse_size("1KB"), Ok(1024));
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(
            parse_size("100").unwrap_err(),
            "units: unknown unit  in 100"
        );
    }

    #[test]
    fn binary_scalars_decode() {
        assert_eq!(decode_base64("/w=="), Some(vec![0xff]));
        assert_eq!(decode_base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("/w==$1"), None);
        assert_eq!(go_quote(&[0xff]), "\"\\xff\"");
    }

    #[test]
    fn urls_split_into_scheme_and_host() {
        let url = parse_url("https://user@example.com:8080/x").unwrap();
        assert_eq!((url.scheme, url.host), ("https", "example.com"));
        assert_eq!(parse_url("example.com").unwrap().scheme, "");
        assert!(parse_url("http://a:b/").is_err());
    }
}
