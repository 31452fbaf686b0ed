//! Go's text conventions that Prometheus' messages and literals follow: `%q` quoting,
//! `%#U`, `%f`, string unquoting, number and duration parsing.

/// Go's `strconv.Quote` (`%q` on a string).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// Go's `%q` on a rune: `'x'`.
pub fn go_quote_rune(c: char) -> String {
    let mut out = String::from("'");
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    match c {
        '\x07' => out.push_str("\\a"),
        '\x08' => out.push_str("\\b"),
        '\x0C' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\x0B' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        c if (c as u32) < 0x20 || c == '\x7F' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if c.is_control() => {
            if (c as u32) < 0x10000 {
                out.push_str(&format!("\\u{:04x}", c as u32));
            } else {
                out.push_str(&format!("\\U{:08x}", c as u32));
            }
        }
        c => out.push(c),
    }
}

/// Go's `%#U`: `U+0063 'c'`.
pub fn go_unicode(c: char) -> String {
    format!("U+{:04X} {}", c as u32, go_quote_rune(c))
}

/// Go's `%f` (six decimals; `+Inf`, `-Inf`, `NaN`).
pub fn go_float_f(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v == f64::INFINITY {
        "+Inf".into()
    } else if v == f64::NEG_INFINITY {
        "-Inf".into()
    } else {
        format!("{v:.6}")
    }
}

/// The value of a string literal token (quotes included), as Prometheus' `strutil.Unquote`.
/// The lexer has already rejected malformed escapes. Bytes that are not UTF-8 (`\xFF`)
/// become U+FFFD, since a Rust `String` cannot hold them.
pub fn unquote(token: &str) -> String {
    let quote = token.as_bytes()[0];
    let body = &token[1..token.len() - 1];
    if quote == b'`' || !body.contains('\\') {
        return body.to_string();
    }
    let mut bytes: Vec<u8> = Vec::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some(e) = chars.next() else { break };
        let simple = match e {
            'a' => Some(7u8),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(11),
            '\\' => Some(b'\\'),
            '\'' => Some(b'\''),
            '"' => Some(b'"'),
            _ => None,
        };
        if let Some(b) = simple {
            bytes.push(b);
            continue;
        }
        let (count, radix, single_byte) = match e {
            'x' => (2, 16, true),
            'u' => (4, 16, false),
            'U' => (8, 16, false),
            _ => (2, 8, true), // octal: `e` is the first of three digits
        };
        let mut value: u32 = if e.is_digit(8) && radix == 8 {
            e.to_digit(8).unwrap_or(0)
        } else {
            0
        };
        for _ in 0..count {
            if let Some(d) = chars.next().and_then(|d| d.to_digit(radix)) {
                value = value * radix + d;
            }
        }
        if single_byte {
            bytes.push(value as u8);
        } else {
            let c = char::from_u32(value).unwrap_or('\u{FFFD}');
            let mut buf = [0u8; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// The value of a number token as Prometheus' `parser.number`: Go's `ParseInt(s, 0, 64)`
/// (so `0755` is octal and `0x1F` hex), else `ParseFloat`.
pub fn parse_number(text: &str) -> Result<f64, String> {
    if let Some(v) = parse_go_int(text) {
        return Ok(v as f64);
    }
    let lower = text.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "+inf" | "infinity" => return Ok(f64::INFINITY),
        "nan" => return Ok(f64::NAN),
        _ => {}
    }
    let cleaned: String = text.chars().filter(|c| *c != '_').collect();
    if lower.starts_with("0x") {
        // Hex integers too large for int64 (hex floats never get past the lexer).
        if let Ok(v) = u128::from_str_radix(&cleaned[2..], 16) {
            return Ok(v as f64);
        }
    }
    match cleaned.parse::<f64>() {
        Ok(v) if v.is_infinite() => Err(format!(
            "strconv.ParseFloat: parsing {}: value out of range",
            go_quote(text)
        )),
        Ok(v) => Ok(v),
        Err(_) => Err(format!(
            "strconv.ParseFloat: parsing {}: invalid syntax",
            go_quote(text)
        )),
    }
}

fn parse_go_int(text: &str) -> Option<i64> {
    let (radix, digits) =
        if let Some(rest) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
            (16, rest)
        } else if let Some(rest) = text.strip_prefix("0o").or_else(|| text.strip_prefix("0O")) {
            (8, rest)
        } else if let Some(rest) = text.strip_prefix("0b").or_else(|| text.strip_prefix("0B")) {
            (2, rest)
        } else if text.len() > 1 && text.starts_with('0') {
            (8, &text[1..])
        } else {
            (10, text)
        };
    // Underscores only between digits (or right after a base prefix).
    let digits = digits
        .strip_prefix('_')
        .filter(|_| radix != 10)
        .unwrap_or(digits);
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
    {
        return None;
    }
    let cleaned: String = digits.chars().filter(|c| *c != '_').collect();
    i64::from_str_radix(&cleaned, radix).ok()
}

/// Prometheus' `model.ParseDuration`: units y, w, d, h, m, s, ms from largest to
/// smallest, each at most once. Returns seconds.
pub fn parse_duration(text: &str) -> Result<f64, String> {
    if text == "0" {
        return Ok(0.0);
    }
    if text.is_empty() {
        return Err("empty duration string".into());
    }
    let invalid = || format!("not a valid duration string: {}", go_quote(text));
    const UNITS: [(&str, u64, u32); 7] = [
        ("y", 365 * 24 * 3_600_000_000_000, 1),
        ("w", 7 * 24 * 3_600_000_000_000, 2),
        ("d", 24 * 3_600_000_000_000, 3),
        ("h", 3_600_000_000_000, 4),
        ("m", 60_000_000_000, 5),
        ("s", 1_000_000_000, 6),
        ("ms", 1_000_000, 7),
    ];
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut total: u64 = 0;
    let mut last_unit = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            return Err(invalid());
        }
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let value: u64 = text[start..i].parse().map_err(|_| invalid())?;
        let unit_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_digit() {
            i += 1;
        }
        if unit_start == i {
            return Err(invalid());
        }
        let unit = &text[unit_start..i];
        let Some(&(_, mult, position)) = UNITS.iter().find(|(name, _, _)| *name == unit) else {
            return Err(format!(
                "unknown unit {} in duration {}",
                go_quote(unit),
                go_quote(text)
            ));
        };
        if position <= last_unit {
            return Err(invalid());
        }
        last_unit = position;
        if value > (1u64 << 63) / mult {
            return Err("duration out of range".into());
        }
        total += value * mult;
        if total > (1u64 << 63) - 1 {
            return Err("duration out of range".into());
        }
    }
    Ok(total as f64 / 1e9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_go() {
        assert_eq!(parse_number("0755"), Ok(493.0));
        assert_eq!(parse_number("0xc"), Ok(12.0));
        assert_eq!(parse_number("1_000"), Ok(1000.0));
        assert_eq!(parse_number("0x1_2_34"), Ok(4660.0));
        assert_eq!(parse_number("1e1_2"), Ok(1e12));
        assert_eq!(parse_number("08"), Ok(8.0));
        assert_eq!(parse_number("5."), Ok(5.0));
        assert!(parse_number("Inf").unwrap().is_infinite());
        assert!(parse_number("NaN").unwrap().is_nan());
        assert!(parse_number(&"9".repeat(309))
            .unwrap_err()
            .ends_with("value out of range"));
    }

    #[test]
    fn durations_follow_prometheus() {
        assert_eq!(parse_duration("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration("1m30ms"), Ok(60.03));
        assert_eq!(
            parse_duration("5m1h"),
            Err("not a valid duration string: \"5m1h\"".into())
        );
        assert_eq!(
            parse_duration("5y1hs"),
            Err("unknown unit \"hs\" in duration \"5y1hs\"".into())
        );
    }

    #[test]
    fn strings_unquote_like_go() {
        assert_eq!(unquote(r#""a\"b""#), "a\"b");
        assert_eq!(unquote(r"'a\'b'"), "a'b");
        assert_eq!(unquote(r"`a\d`"), r"a\d");
        assert_eq!(unquote(r#""\u263a\x41\101""#), "☺AA");
    }

    #[test]
    fn quoting_matches_go() {
        assert_eq!(go_quote("a\"b\n"), r#""a\"b\n""#);
        assert_eq!(go_quote_rune('\''), r"'\''");
        assert_eq!(go_unicode('c'), "U+0063 'c'");
        assert_eq!(go_float_f(f64::INFINITY), "+Inf");
    }
}
