//! Prometheus durations (`model.ParseDuration`): `1y2w3d4h5m6s7ms`, units from biggest to
//! smallest, integers only, no sign; `"0"` needs no unit.

/// Parses a Prometheus duration into milliseconds, or returns Prometheus' error message.
pub fn parse_duration(text: &str) -> Result<u64, String> {
    match text {
        "0" => return Ok(0),
        "" => return Err("empty duration string".to_string()),
        _ => {}
    }
    let invalid = || format!("not a valid duration string: {}", quote(text));
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut last_unit_pos = 0;
    let mut total_ns: u128 = 0;
    while i < bytes.len() {
        let digits_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits_start {
            return Err(invalid());
        }
        let value: u64 = text[digits_start..i].parse().map_err(|_| invalid())?;
        let unit_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == unit_start {
            return Err(invalid());
        }
        let unit = &text[unit_start..i];
        let Some((pos, mult_ns)) = unit_info(unit) else {
            return Err(format!(
                "unknown unit {} in duration {}",
                quote(unit),
                quote(text)
            ));
        };
        if pos <= last_unit_pos {
            return Err(invalid());
        }
        last_unit_pos = pos;
        if u128::from(value) > (1u128 << 63) / u128::from(mult_ns) {
            return Err("duration out of range".to_string());
        }
        total_ns += u128::from(value) * u128::from(mult_ns);
        if total_ns > (1u128 << 63) - 1 {
            return Err("duration out of range".to_string());
        }
    }
    Ok((total_ns / 1_000_000) as u64)
}

fn unit_info(unit: &str) -> Option<(u8, u64)> {
    const MS: u64 = 1_000_000;
    Some(match unit {
        "y" => (1, 365 * 24 * 3600 * 1000 * MS),
        "w" => (2, 7 * 24 * 3600 * 1000 * MS),
        "d" => (3, 24 * 3600 * 1000 * MS),
        "h" => (4, 3600 * 1000 * MS),
        "m" => (5, 60 * 1000 * MS),
        "s" => (6, 1000 * MS),
        "ms" => (7, MS),
        _ => return None,
    })
}

fn quote(text: &str) -> String {
    format!("{text:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_durations() {
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("1d"), Ok(86_400_000));
        assert_eq!(parse_duration("100ms"), Ok(100));
        assert_eq!(parse_duration("0s"), Ok(0));
        assert_eq!(parse_duration("1y"), Ok(365 * 86_400_000));
    }

    #[test]
    fn invalid_durations_in_prometheus_words() {
        assert_eq!(
            parse_duration("5"),
            Err("not a valid duration string: \"5\"".into())
        );
        assert_eq!(
            parse_duration("5min"),
            Err("unknown unit \"min\" in duration \"5min\"".into())
        );
        assert_eq!(
            parse_duration("30m1h"),
            Err("not a valid duration string: \"30m1h\"".into())
        );
        assert_eq!(
            parse_duration("1.5h"),
            Err("unknown unit \".\" in duration \"1.5h\"".into())
        );
        assert_eq!(
            parse_duration("-5m"),
            Err("not a valid duration string: \"-5m\"".into())
        );
        assert_eq!(parse_duration(""), Err("empty duration string".into()));
        assert_eq!(parse_duration("300y"), Err("duration out of range".into()));
    }
}
