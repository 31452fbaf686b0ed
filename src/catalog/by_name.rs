//! The catalog's families, found by name.
//!
//! A hash table of the families themselves, hashed by their own `name`: a map from a
//! copy of the name to the family held every name twice (5,000 more allocations on a
//! 5,000-metric catalog), and every lookup that found a family compared the key's copy
//! and then read the family's own name, two places in memory where one does. Every
//! selector of every expression looks a name up here, in a catalog too large for the
//! caches.

use super::family::MetricFamily;
use hashbrown::hash_table::{Entry, HashTable};
use std::hash::BuildHasher;

/// Families by name; at most one per name.
#[derive(Clone, Default)]
pub(super) struct FamiliesByName {
    table: HashTable<MetricFamily>,
}

fn hash(name: &str) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(name)
}

fn hash_of(family: &MetricFamily) -> u64 {
    hash(&family.name)
}

impl FamiliesByName {
    pub fn get(&self, name: &str) -> Option<&MetricFamily> {
        self.table.find(hash(name), |family| family.name == name)
    }

    /// Puts `family` in place of the family of its name, if any.
    pub fn replace(&mut self, family: MetricFamily) {
        self.put(family, |existing, family| *existing = family);
    }

    /// Adds `family`, or merges it into the family of its name.
    pub fn insert_or_merge(&mut self, family: MetricFamily) {
        self.put(family, MetricFamily::merge);
    }

    /// Adds `family`, or hands it to `onto` with the family of its name.
    fn put(&mut self, family: MetricFamily, onto: impl FnOnce(&mut MetricFamily, MetricFamily)) {
        match self
            .table
            .entry(hash_of(&family), |f| f.name == family.name, hash_of)
        {
            Entry::Occupied(mut occupied) => onto(occupied.get_mut(), family),
            Entry::Vacant(vacant) => {
                vacant.insert(family);
            }
        }
    }

    /// Every family, in no particular order.
    pub fn values(&self) -> impl Iterator<Item = &MetricFamily> {
        self.table.iter()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut MetricFamily> {
        self.table.iter_mut()
    }

    pub fn into_values(self) -> impl Iterator<Item = MetricFamily> {
        self.table.into_iter()
    }

    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl std::fmt::Debug for FamiliesByName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.values().map(|family| family.name.as_str()).collect();
        names.sort_unstable();
        f.debug_set().entries(names).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MetricType;

    fn family(name: &str, help: &str) -> MetricFamily {
        let mut family = MetricFamily::new(name, MetricType::Gauge);
        family.help = Some(help.to_string());
        family
    }

    #[test]
    fn finds_each_family_by_its_name() {
        let mut families = FamiliesByName::default();
        for index in 0..1_000 {
            families.insert_or_merge(family(&format!("metric_{index}"), "first"));
        }
        assert_eq!(families.len(), 1_000);
        for index in 0..1_000 {
            let name = format!("metric_{index}");
            assert_eq!(
                families.get(&name).map(|f| f.name.as_str()),
                Some(name.as_str())
            );
        }
        assert!(families.get("metric_1000").is_none());
        assert!(families.get("").is_none());
    }

    #[test]
    fn a_second_family_of_a_name_merges_or_replaces() {
        let mut families = FamiliesByName::default();
        families.insert_or_merge(family("up", "first"));
        families.insert_or_merge(family("up", "second"));
        assert_eq!(families.len(), 1);
        // Merging keeps the help text already known.
        assert_eq!(families.get("up").unwrap().help.as_deref(), Some("first"));
        families.replace(family("up", "third"));
        assert_eq!(families.len(), 1);
        assert_eq!(families.get("up").unwrap().help.as_deref(), Some("third"));
        for family in families.values_mut() {
            family.help = None;
        }
        assert_eq!(families.values().next().unwrap().help, None);
    }
}
