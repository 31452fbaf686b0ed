//! "Did you mean" suggestions by edit distance.

/// The candidates within a small edit distance of `name` (about a third of its
/// length), or that extend it by a `_` word (`status` -> `status_code`), best first;
/// ties sorted by name so output is deterministic.
pub fn closest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
    limit: usize,
) -> Vec<&'a str> {
    let max_distance = (name.chars().count() / 3).clamp(1, 6);
    let mut scored: Vec<(usize, &str)> = candidates
        .filter(|candidate| *candidate != name)
        .filter_map(|candidate| {
            if is_word_extension(name, candidate) {
                return Some((candidate.len().abs_diff(name.len()), candidate));
            }
            // Cheap length filter first: the distance is at least the length difference.
            if candidate.len().abs_diff(name.len()) > max_distance {
                return None;
            }
            let distance = strsim::osa_distance(name, candidate);
            (distance <= max_distance).then_some((distance, candidate))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// `status_code` extends `status`; `http_requests` extends `http` only when
/// the shorter name has at least two words' worth of letters.
fn is_word_extension(name: &str, candidate: &str) -> bool {
    let (short, long) = if name.len() < candidate.len() {
        (name, candidate)
    } else {
        (candidate, name)
    };
    short.len() >= 4 && long.starts_with(short) && long.as_bytes().get(short.len()) == Some(&b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_nearest_first() {
        let names = ["status_code", "status_class", "method", "route"];
        assert_eq!(
            closest("status", names.iter().copied(), 2),
            ["status_code", "status_class"]
        );
        assert_eq!(closest("methd", names.iter().copied(), 2), ["method"]);
        assert_eq!(closest("rout", names.iter().copied(), 3), ["route"]);
    }
}
