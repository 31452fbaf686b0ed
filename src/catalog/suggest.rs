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
    // One set of buffers for every candidate: a job list of thousands is compared
    // against each unknown value.
    let mut distance = BoundedOsa::new(name);
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
            distance
                .within(candidate, max_distance)
                .map(|distance| (distance, candidate))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(limit).map(|(_, c)| c).collect()
}

/// The optimal-string-alignment distance (as `strsim::osa_distance`, over chars) from
/// one name to many candidates, giving up on a candidate as soon as a whole row of
/// the table exceeds the bound; the rows are reused.
struct BoundedOsa {
    name: Vec<char>,
    candidate: Vec<char>,
    rows: [Vec<usize>; 3],
}

impl BoundedOsa {
    fn new(name: &str) -> Self {
        BoundedOsa {
            name: name.chars().collect(),
            candidate: Vec::new(),
            rows: [Vec::new(), Vec::new(), Vec::new()],
        }
    }

    /// The distance to `candidate` when it is at most `max`.
    fn within(&mut self, candidate: &str, max: usize) -> Option<usize> {
        self.candidate.clear();
        self.candidate.extend(candidate.chars());
        let (a, b) = (&self.name, &self.candidate);
        let width = b.len() + 1;
        let [before, previous, current] = &mut self.rows;
        for row in [&mut *before, &mut *previous, &mut *current] {
            row.clear();
            row.resize(width, 0);
        }
        for (j, cell) in previous.iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            current[0] = i;
            let mut row_min = i;
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut cell = (previous[j] + 1)
                    .min(current[j - 1] + 1)
                    .min(previous[j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    cell = cell.min(before[j - 2] + 1);
                }
                current[j] = cell;
                row_min = row_min.min(cell);
            }
            if row_min > max {
                return None;
            }
            std::mem::swap(before, previous);
            std::mem::swap(previous, current);
        }
        let distance = previous[b.len()];
        (distance <= max).then_some(distance)
    }
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
    fn bounded_distance_agrees_with_strsim() {
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "acb",
            "status",
            "statsu",
            "status_code",
            "svc12",
            "svc1234",
            "pumpflix-api",
            "pumpflix-apii",
            "ca",
            "abcdef",
            "éa",
            "aé",
        ];
        for a in words {
            let mut bounded = BoundedOsa::new(a);
            for b in words {
                let exact = strsim::osa_distance(a, b);
                for max in 0..8 {
                    let expected = (exact <= max).then_some(exact);
                    assert_eq!(bounded.within(b, max), expected, "{a:?} {b:?} {max}");
                }
            }
        }
    }

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
