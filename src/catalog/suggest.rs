//! "Did you mean" suggestions by edit distance.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

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
    if limit == 0 {
        return Vec::new();
    }
    let mut distance = BoundedOsa::new(name);
    // The best `limit` so far, sorted and unique. Once it is full, a candidate further
    // than its worst cannot enter, so the distance is only computed up to that.
    let mut best: Vec<(usize, &str)> = Vec::new();
    for candidate in candidates.filter(|candidate| *candidate != name) {
        let bound = match best.get(limit - 1) {
            Some(&(worst, _)) => worst.min(max_distance),
            None => max_distance,
        };
        let score = if is_word_extension(name, candidate) {
            candidate.len().abs_diff(name.len())
        } else {
            // Cheap length filter first: the distance is at least the length difference.
            if candidate.len().abs_diff(name.len()) > bound {
                continue;
            }
            match distance.within(candidate, bound) {
                Some(distance) => distance,
                None => continue,
            }
        };
        if let Err(at) = best.binary_search(&(score, candidate)) {
            if at < limit {
                best.insert(at, (score, candidate));
                best.truncate(limit);
            }
        }
    }
    best.into_iter().map(|(_, c)| c).collect()
}

/// Names indexed for [`closest`] when one list is asked about many times (a
/// configuration's thousand job names, against every unknown job of every rule). It
/// gives exactly what [`closest`] over the whole list gives, comparing only the names
/// that can qualify: word extensions of the asked name (found by prefix in the sorted
/// list), and names of a near length whose characters are near enough. Each name's
/// character set is a bit mask; an edit changes at most one character, so the count of
/// characters one name has and the other lacks is a lower bound of their distance, and
/// names of one mask are ruled out together.
///
/// Answers are remembered per asked name: rules ask about the same unknown job again
/// and again (a selector per rule, rules copied between files), and each answer depends
/// only on the name, so which thread asks first changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameIndex {
    /// Sorted and unique.
    names: Vec<String>,
    /// Indexes into `names`, grouped by character mask.
    by_mask: Vec<(u128, Vec<usize>)>,
    answers: Answers,
}

/// Each asked name's suggestions, best first, as indexes into [`NameIndex::names`],
/// with the limit they were asked with (a smaller limit takes a prefix). A cache: not
/// part of the index's value, so equality ignores it.
#[derive(Default)]
struct Answers(RwLock<HashMap<String, Answer>>);

struct Answer {
    limit: usize,
    names: Box<[usize]>,
}

impl Answers {
    /// `read` of the remembered answer for `name`, when it was asked with a limit as
    /// high.
    fn read<T>(&self, name: &str, limit: usize, read: impl FnOnce(&[usize]) -> T) -> Option<T> {
        // A panic elsewhere while the lock was held leaves complete answers only.
        let map = self.0.read().unwrap_or_else(PoisonError::into_inner);
        map.get(name)
            .filter(|answer| answer.limit >= limit)
            .map(|answer| read(&answer.names))
    }

    fn insert(&self, name: &str, answer: Answer) {
        let mut map = self.0.write().unwrap_or_else(PoisonError::into_inner);
        map.insert(name.to_string(), answer);
    }
}

impl Clone for Answers {
    /// A fresh cache: the answers are recomputed on demand.
    fn clone(&self) -> Self {
        Answers::default()
    }
}

impl PartialEq for Answers {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Answers {}

impl std::fmt::Debug for Answers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answers").finish_non_exhaustive()
    }
}

/// One bit per ASCII character, one for every other character: two names whose masks
/// differ in `n` bits differ in at least `n` characters.
fn char_mask(name: &str) -> u128 {
    name.chars()
        .fold(0u128, |mask, c| mask | 1u128 << (u32::from(c).min(127)))
}

impl NameIndex {
    pub fn new(names: &[String]) -> Self {
        let mut sorted = names.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut groups: std::collections::BTreeMap<u128, Vec<usize>> = Default::default();
        for (at, name) in sorted.iter().enumerate() {
            groups.entry(char_mask(name)).or_default().push(at);
        }
        NameIndex {
            names: sorted,
            by_mask: groups.into_iter().collect(),
            answers: Answers::default(),
        }
    }

    /// [`closest`] over every indexed name.
    pub fn closest(&self, name: &str, limit: usize) -> Vec<&str> {
        let named = |answer: &[usize]| -> Vec<&str> {
            answer
                .iter()
                .take(limit)
                .map(|&at| self.names[at].as_str())
                .collect()
        };
        if let Some(found) = self.answers.read(name, limit, named) {
            return found;
        }
        let answer = self.rank(name, limit);
        let found = named(&answer);
        self.answers.insert(
            name,
            Answer {
                limit,
                names: answer,
            },
        );
        found
    }

    /// What [`closest`] suggests for `name`, as indexes into `names`.
    fn rank(&self, name: &str, limit: usize) -> Box<[usize]> {
        let max_distance = (name.chars().count() / 3).clamp(1, 6);
        let mask = char_mask(name);
        // Marks by position rather than a list to sort and deduplicate: a thousand names
        // are cheaper to scan once than a few hundred strings are to sort.
        let mut candidate = vec![false; self.names.len()];
        for (group_mask, members) in &self.by_mask {
            let missing = (mask & !group_mask).count_ones() as usize;
            let extra = (group_mask & !mask).count_ones() as usize;
            if missing.max(extra) > max_distance {
                continue;
            }
            for &at in members {
                if self.names[at].len().abs_diff(name.len()) <= max_distance {
                    candidate[at] = true;
                }
            }
        }
        // Word extensions qualify whatever their distance: longer names that start
        // with `name_`, and shorter names that `name` extends.
        let prefix = format!("{name}_");
        let from = self.names.partition_point(|n| n.as_str() < prefix.as_str());
        for (at, extension) in self.names.iter().enumerate().skip(from) {
            if !extension.starts_with(&prefix) {
                break;
            }
            candidate[at] = true;
        }
        for (at, _) in name.match_indices('_') {
            if let Ok(found) = self.names.binary_search_by(|n| n.as_str().cmp(&name[..at])) {
                candidate[found] = true;
            }
        }
        let candidates = self
            .names
            .iter()
            .zip(&candidate)
            .filter(|(_, &marked)| marked)
            .map(|(name, _)| name.as_str());
        closest(name, candidates, limit)
            .into_iter()
            .map(|found| self.position(found))
            .collect()
    }

    /// Where an indexed name is in `names` (sorted).
    fn position(&self, name: &str) -> usize {
        self.names
            .binary_search_by(|n| n.as_str().cmp(name))
            .expect("a suggestion is an indexed name")
    }
}

/// The optimal-string-alignment distance (as `strsim::osa_distance`, over chars) from
/// one name to many candidates, giving up on a candidate as soon as a whole row of
/// the table exceeds the bound; the rows are reused.
struct BoundedOsa {
    name: Vec<char>,
    /// The name's bytes when it is ASCII: an ASCII candidate is then compared byte by
    /// byte (the same characters), without decoding it first.
    ascii: Option<Vec<u8>>,
    candidate: Vec<char>,
    rows: [Vec<usize>; 3],
    /// Per ASCII character, for [`count_bound`]; all zero between calls.
    counts: [i32; 128],
}

impl BoundedOsa {
    fn new(name: &str) -> Self {
        BoundedOsa {
            name: name.chars().collect(),
            ascii: name.is_ascii().then(|| name.as_bytes().to_vec()),
            candidate: Vec::new(),
            rows: [Vec::new(), Vec::new(), Vec::new()],
            counts: [0; 128],
        }
    }

    /// The distance to `candidate` when it is at most `max`.
    fn within(&mut self, candidate: &str, max: usize) -> Option<usize> {
        if let Some(name) = self.ascii.as_deref().filter(|_| candidate.is_ascii()) {
            let candidate = candidate.as_bytes();
            // Most candidates that pass the index's filters share few characters with
            // the name: ruled out here for a fraction of the table's cost.
            if count_bound(name, candidate, &mut self.counts) > max {
                return None;
            }
            return osa_within(name, candidate, max, &mut self.rows);
        }
        self.candidate.clear();
        self.candidate.extend(candidate.chars());
        osa_within(&self.name, &self.candidate, max, &mut self.rows)
    }
}

/// A lower bound of the distance between two ASCII strings: how many characters one
/// has more of than the other, the larger count (a deletion or a substitution removes
/// at most one character `a` has in excess, an insertion or a transposition none, and
/// the same holds the other way). `counts` is all zero before and after.
fn count_bound(a: &[u8], b: &[u8], counts: &mut [i32; 128]) -> usize {
    for &c in a {
        counts[usize::from(c)] += 1;
    }
    for &c in b {
        counts[usize::from(c)] -= 1;
    }
    let (mut more, mut fewer) = (0, 0);
    for &c in a.iter().chain(b) {
        // Each character is counted at its first occurrence, then its slot cleared.
        let n = std::mem::take(&mut counts[usize::from(c)]);
        more += n.max(0);
        fewer += (-n).max(0);
    }
    more.max(fewer).unsigned_abs() as usize
}

/// The distance from `a` to `b` when it is at most `max`, in `rows` (grown as needed).
fn osa_within<T: PartialEq>(
    a: &[T],
    b: &[T],
    max: usize,
    rows: &mut [Vec<usize>; 3],
) -> Option<usize> {
    // Names compared for suggestions mostly share a long prefix (`svc1234` against
    // `svc123`): the table only needs the part where they differ.
    let (a, b) = without_common_ends(a, b);
    if a.is_empty() || b.is_empty() {
        let distance = a.len().max(b.len());
        return (distance <= max).then_some(distance);
    }
    let width = b.len() + 1;
    let [before, previous, current] = rows;
    // Rows only grow; every cell of `before` and `current` read below is written
    // first, so only the first row needs values.
    for row in [&mut *before, &mut *previous, &mut *current] {
        if row.len() < width {
            row.resize(width, 0);
        }
    }
    for (j, cell) in previous[..width].iter_mut().enumerate() {
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

/// `a` and `b` without the characters they start and end with in common, which leaves
/// their distance as it is (as for Levenshtein: an optimal alignment can pair the shared
/// first and last characters; a unit test checks it against strsim on every short string
/// of a small alphabet).
fn without_common_ends<'s, T: PartialEq>(a: &'s [T], b: &'s [T]) -> (&'s [T], &'s [T]) {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (a, b) = (&a[prefix..], &b[prefix..]);
    let suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    (&a[..a.len() - suffix], &b[..b.len() - suffix])
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

    /// Every string of up to five characters over a small alphabet (with a shared
    /// character to strip, a transposable pair and a multi-byte one), against every
    /// other: stripping the common ends never changes the distance.
    #[test]
    fn bounded_distance_agrees_with_strsim_on_every_short_string() {
        let mut words = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..5 {
            last = last
                .iter()
                .flat_map(|w| ['a', 'b', 'é'].map(|c| format!("{w}{c}")))
                .collect();
            words.extend(last.iter().cloned());
        }
        for a in &words {
            let mut bounded = BoundedOsa::new(a);
            for b in &words {
                let exact = strsim::osa_distance(a, b);
                for max in [0, 1, 2, exact, 6] {
                    let expected = (exact <= max).then_some(exact);
                    assert_eq!(bounded.within(b, max), expected, "{a:?} {b:?} {max}");
                }
            }
        }
    }

    #[test]
    fn the_count_bound_is_a_lower_bound() {
        let words = [
            "", "a", "ab", "ba", "aab", "abc", "svc1234", "svc123", "svc567",
        ];
        let mut counts = [0; 128];
        for a in words {
            for b in words {
                let bound = count_bound(a.as_bytes(), b.as_bytes(), &mut counts);
                assert!(bound <= strsim::osa_distance(a, b), "{a:?} {b:?}");
                assert_eq!(counts, [0; 128]);
            }
        }
        assert_eq!(count_bound(b"svc1234", b"svc567", &mut counts), 4);
        assert_eq!(count_bound(b"ab", b"ba", &mut counts), 0);
    }

    /// [`closest`] as first written: every qualifying candidate scored, sorted, cut.
    fn every_candidate_scored<'a>(
        name: &str,
        candidates: &[&'a str],
        limit: usize,
    ) -> Vec<&'a str> {
        let max_distance = (name.chars().count() / 3).clamp(1, 6);
        let mut scored: Vec<(usize, &str)> = candidates
            .iter()
            .copied()
            .filter(|candidate| *candidate != name)
            .filter_map(|candidate| {
                if is_word_extension(name, candidate) {
                    return Some((candidate.len().abs_diff(name.len()), candidate));
                }
                if candidate.len().abs_diff(name.len()) > max_distance {
                    return None;
                }
                let distance = strsim::osa_distance(name, candidate);
                (distance <= max_distance).then_some((distance, candidate))
            })
            .collect();
        scored.sort();
        scored.dedup();
        scored.into_iter().take(limit).map(|(_, c)| c).collect()
    }

    /// Keeping only the best `limit` while scoring gives what scoring everything gives,
    /// whatever the candidates' order, with duplicates.
    #[test]
    fn closest_keeps_what_scoring_every_candidate_keeps() {
        let mut names: Vec<String> = (0..400).map(|i| format!("svc{i}")).collect();
        names.extend(
            [
                "status",
                "status_code",
                "statu",
                "stat",
                "http_requests",
                "http",
                "api",
            ]
            .map(String::from),
        );
        let forward: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut backward = forward.clone();
        backward.reverse();
        let mut doubled = forward.clone();
        doubled.extend(backward.iter().copied());
        let asked = [
            "svc12", "svc1234", "svc3999", "sv12", "status", "statsu", "http", "x", "",
        ];
        for name in asked {
            for list in [&forward, &backward, &doubled] {
                for limit in [0, 1, 2, 3, 10, usize::MAX] {
                    assert_eq!(
                        closest(name, list.iter().copied(), limit),
                        every_candidate_scored(name, list, limit),
                        "{name:?} {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_index_suggests_what_the_whole_list_suggests() {
        let mut names: Vec<String> = (0..300).map(|i| format!("svc{i}")).collect();
        names.extend(
            [
                "status",
                "status_code",
                "statu",
                "http_requests",
                "http",
                "node_exporter",
                "pumpflix-api",
                "pumpflix_api_v2",
                "é_api",
                "api",
            ]
            .map(String::from),
        );
        let index = NameIndex::new(&names);
        let asked = [
            "svc12",
            "svc1234",
            "sv12",
            "worker12",
            "status",
            "statsu",
            "http",
            "node",
            "pumpflix-apii",
            "pumpflix_api",
            "é_apii",
            "api",
            "",
            "a_b_c",
            "status_code_x",
        ];
        // Each name is asked with a growing and then a shrinking limit, so remembered
        // answers are both extended and cut.
        for name in asked {
            for limit in [1, 3, 2, 1] {
                assert_eq!(
                    index.closest(name, limit),
                    closest(name, names.iter().map(String::as_str), limit),
                    "{name:?} {limit}"
                );
            }
        }
        assert_eq!(index.closest("svc12", 3).len(), 3);
    }

    /// The job names of scripts/bench-promconfig.sh and the values its rules ask about.
    #[test]
    fn the_index_agrees_on_the_benchmark_jobs() {
        let names: Vec<String> = (0..1000).map(|i| format!("svc{i}")).collect();
        let index = NameIndex::new(&names);
        let asked = (0..4000)
            .step_by(7)
            .map(|n| format!("svc{n}"))
            .chain((0..1000).step_by(13).map(|n| format!("worker{n}")));
        // Twice: computed, then remembered.
        for name in asked.clone().chain(asked) {
            assert_eq!(
                index.closest(&name, 3),
                closest(&name, names.iter().map(String::as_str), 3),
                "{name}"
            );
        }
    }

    /// A copy or a comparison of indexes is not disturbed by what either was asked.
    #[test]
    fn remembered_answers_are_not_part_of_the_index() {
        let names: Vec<String> = ["node", "pumpflix-api"].map(String::from).to_vec();
        let asked = NameIndex::new(&names);
        assert_eq!(asked.closest("pumpflix-apii", 3), ["pumpflix-api"]);
        assert_eq!(asked, NameIndex::new(&names));
        assert_eq!(asked.clone().closest("nod", 1), ["node"]);
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
