//! A family's labels by name: the part of a `BTreeMap`'s interface the catalog uses,
//! kept as one sorted vector while a family has few labels.
//!
//! A family has a handful of labels, and a catalog thousands of families. A `BTreeMap`
//! gave each family a node with room for eleven labels (632 bytes whatever the number:
//! 3.2 MB of a 5,000-metric catalog, each page of it a page fault) and a pointer chase
//! per question. Past [`SMALL`] labels (only a hostile or generated
//! source has that many on one family) the map becomes a `BTreeMap`, so that adding
//! labels in any order stays O(log n) each.

use super::family::LabelValues;
use std::collections::{btree_map, BTreeMap};
use std::fmt;

/// The most labels kept in a sorted vector: inserting into one moves the entries after
/// the new one, which is cheap for a few dozen.
const SMALL: usize = 64;

#[derive(Clone)]
pub struct LabelMap(Repr);

#[derive(Clone)]
enum Repr {
    /// Sorted by name, each name once; at most [`SMALL`] entries.
    Small(Vec<(String, LabelValues)>),
    Large(BTreeMap<String, LabelValues>),
}

impl Default for LabelMap {
    fn default() -> Self {
        LabelMap(Repr::Small(Vec::new()))
    }
}

impl LabelMap {
    pub fn new() -> Self {
        LabelMap::default()
    }

    /// Sets the values of `name`, returning the values it had.
    pub fn insert(&mut self, name: String, values: LabelValues) -> Option<LabelValues> {
        let entries = match &mut self.0 {
            Repr::Large(map) => return map.insert(name, values),
            Repr::Small(entries) => entries,
        };
        match position(entries, &name) {
            Ok(at) => Some(std::mem::replace(&mut entries[at].1, values)),
            Err(at) if entries.len() < SMALL => {
                entries.insert(at, (name, values));
                None
            }
            Err(_) => {
                let mut map: BTreeMap<String, LabelValues> =
                    std::mem::take(entries).into_iter().collect();
                map.insert(name, values);
                self.0 = Repr::Large(map);
                None
            }
        }
    }

    pub fn get(&self, name: &str) -> Option<&LabelValues> {
        match &self.0 {
            Repr::Small(entries) => position(entries, name).ok().map(|at| &entries[at].1),
            Repr::Large(map) => map.get(name),
        }
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut LabelValues> {
        match &mut self.0 {
            Repr::Small(entries) => match position(entries, name) {
                Ok(at) => Some(&mut entries[at].1),
                Err(_) => None,
            },
            Repr::Large(map) => map.get_mut(name),
        }
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The label names, sorted.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &String> + ExactSizeIterator + Clone {
        self.iter().map(|(name, _)| name)
    }

    /// Each label with its values, sorted by name.
    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.0 {
            Repr::Small(entries) => IterRepr::Small(entries.iter()),
            Repr::Large(map) => IterRepr::Large(map.iter()),
        })
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Small(entries) => entries.len(),
            Repr::Large(map) => map.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn position(entries: &[(String, LabelValues)], name: &str) -> Result<usize, usize> {
    entries.binary_search_by(|(label, _)| label.as_str().cmp(name))
}

impl std::ops::Index<&str> for LabelMap {
    type Output = LabelValues;

    /// # Panics
    /// When the map has no label `name`, as a `BTreeMap` does.
    fn index(&self, name: &str) -> &LabelValues {
        self.get(name).expect("no such label in the map")
    }
}

impl PartialEq for LabelMap {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for LabelMap {}

impl fmt::Debug for LabelMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl FromIterator<(String, LabelValues)> for LabelMap {
    /// As a map collects: the last of equal names wins.
    fn from_iter<I: IntoIterator<Item = (String, LabelValues)>>(items: I) -> Self {
        let mut map = LabelMap::new();
        for (name, values) in items {
            map.insert(name, values);
        }
        map
    }
}

/// The labels of a [`LabelMap`] with their values, sorted by name.
#[derive(Clone)]
pub struct Iter<'m>(IterRepr<'m>);

#[derive(Clone)]
enum IterRepr<'m> {
    Small(std::slice::Iter<'m, (String, LabelValues)>),
    Large(btree_map::Iter<'m, String, LabelValues>),
}

impl<'m> Iterator for Iter<'m> {
    type Item = (&'m String, &'m LabelValues);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Small(entries) => entries.next().map(|(name, values)| (name, values)),
            IterRepr::Large(map) => map.next(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match &self.0 {
            IterRepr::Small(entries) => entries.size_hint(),
            IterRepr::Large(map) => map.size_hint(),
        }
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterRepr::Small(entries) => entries.next_back().map(|(name, values)| (name, values)),
            IterRepr::Large(map) => map.next_back(),
        }
    }
}

impl ExactSizeIterator for Iter<'_> {}

impl<'m> IntoIterator for &'m LabelMap {
    type Item = (&'m String, &'m LabelValues);
    type IntoIter = Iter<'m>;

    fn into_iter(self) -> Iter<'m> {
        self.iter()
    }
}

impl IntoIterator for LabelMap {
    type Item = (String, LabelValues);
    type IntoIter = IntoIter;

    fn into_iter(self) -> IntoIter {
        IntoIter(match self.0 {
            Repr::Small(entries) => IntoIterRepr::Small(entries.into_iter()),
            Repr::Large(map) => IntoIterRepr::Large(map.into_iter()),
        })
    }
}

/// The labels of a [`LabelMap`] with their values, sorted by name, taken out of it.
pub struct IntoIter(IntoIterRepr);

enum IntoIterRepr {
    Small(std::vec::IntoIter<(String, LabelValues)>),
    Large(btree_map::IntoIter<String, LabelValues>),
}

impl Iterator for IntoIter {
    type Item = (String, LabelValues);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IntoIterRepr::Small(entries) => entries.next(),
            IntoIterRepr::Large(map) => map.next(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Applies the same inserts to a `LabelMap` and a `BTreeMap` and holds every answer
    /// of the first to the second's.
    fn same_as_btree_map(inserts: &[(String, LabelValues)]) {
        let mut map = LabelMap::new();
        let mut oracle = BTreeMap::new();
        for (name, values) in inserts {
            assert_eq!(
                map.insert(name.clone(), values.clone()),
                oracle.insert(name.clone(), values.clone()),
                "insert {name}"
            );
            assert_eq!(map.len(), oracle.len());
        }
        assert!(map.iter().eq(oracle.iter()));
        assert!(map.iter().rev().eq(oracle.iter().rev()));
        assert!(map.keys().eq(oracle.keys()));
        assert_eq!(map.iter().len(), oracle.len());
        for (name, values) in &oracle {
            assert_eq!(map.get(name), Some(values));
            assert!(map.contains_key(name));
        }
        assert_eq!(map.get("absent"), None);
        assert!(map.clone().into_iter().eq(oracle.clone()));
        assert_eq!(map, inserts.iter().cloned().collect::<LabelMap>());
        assert_eq!(format!("{map:?}"), format!("{oracle:?}"));
    }

    fn named(names: impl Iterator<Item = usize>) -> Vec<(String, LabelValues)> {
        names
            .map(|i| {
                let values = (i % 3 == 0).then(|| BTreeSet::from([format!("v{i}")]));
                (format!("label_{i:05}"), values)
            })
            .collect()
    }

    #[test]
    fn answers_as_a_btree_map_small_and_large() {
        same_as_btree_map(&[]);
        same_as_btree_map(&named([3, 1, 2, 1, 3].into_iter()));
        // Past the small form, in every order, with names repeated.
        same_as_btree_map(&named(0..200));
        same_as_btree_map(&named((0..200).rev()));
        same_as_btree_map(&named((0..300).map(|i| (i * 7919) % 150)));
        same_as_btree_map(&named((0..SMALL).chain(0..SMALL)));
    }

    #[test]
    fn a_vector_until_more_than_small_labels() {
        let mut map: LabelMap = named(0..SMALL).into_iter().collect();
        assert!(matches!(&map.0, Repr::Small(entries) if entries.len() == SMALL));
        // Replacing values keeps the form; one more name changes it.
        map.insert("label_00000".into(), None);
        assert!(matches!(map.0, Repr::Small(_)));
        map.insert("label_99999".into(), None);
        assert!(matches!(&map.0, Repr::Large(all) if all.len() == SMALL + 1));
    }

    #[test]
    fn values_change_in_place() {
        let mut map: LabelMap = named(0..3).into_iter().collect();
        *map.get_mut("label_00001").unwrap() = Some(BTreeSet::from(["x".to_string()]));
        assert_eq!(
            map.get("label_00001"),
            Some(&Some(BTreeSet::from(["x".to_string()])))
        );
        assert!(map.get_mut("absent").is_none());
        let mut large: LabelMap = named(0..100).into_iter().collect();
        *large.get_mut("label_00099").unwrap() = None;
        assert_eq!(large.get("label_00099"), Some(&None));
    }

    #[test]
    fn equal_whatever_the_form() {
        // The same labels, one map grown past the small form and back to the same set
        // by replacing values: equal as maps.
        let small: LabelMap = named(0..10).into_iter().collect();
        let mut other = LabelMap::new();
        for (name, values) in named((0..10).rev()) {
            other.insert(name, values);
        }
        assert_eq!(small, other);
        let large: LabelMap = named(0..100).into_iter().collect();
        assert_ne!(small, large);
    }

    #[test]
    fn many_labels_in_reverse_order_stay_fast() {
        // Quadratic insertion into a vector would take minutes here.
        let map: LabelMap = named((0..100_000).rev()).into_iter().collect();
        assert_eq!(map.len(), 100_000);
        assert_eq!(map.keys().next().map(String::as_str), Some("label_00000"));
    }
}
