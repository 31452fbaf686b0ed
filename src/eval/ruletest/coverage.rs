//! Which rules the unit tests exercise: every alerting rule tested firing, tested
//! silent, or untested; every recording rule evaluated with data or never; and the
//! series a rule reads that no test provides.

use super::rules::{GroupDef, RuleState};
use crate::rules::RuleKind;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default)]
pub struct RuleCoverage {
    pub file: String,
    pub line: usize,
    pub group: String,
    pub name: String,
    pub kind: Option<RuleKind>,
    /// An `alert_rule_test` expects it to fire.
    pub expected_firing: bool,
    /// An `alert_rule_test` expects it to stay silent.
    pub expected_silent: bool,
    /// It fired during some test.
    pub fired: bool,
    /// Its query returned samples during some test.
    pub had_data: bool,
    /// Metric names its expression reads.
    pub reads: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    TestedFiring,
    TestedSilent,
    Untested,
    EvaluatedWithData,
    NeverWithData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::TestedFiring => "tested firing",
            Status::TestedSilent => "tested silent",
            Status::Untested => "untested",
            Status::EvaluatedWithData => "evaluated with data",
            Status::NeverWithData => "never evaluated with data",
        }
    }

    pub fn covered(self) -> bool {
        matches!(
            self,
            Status::TestedFiring | Status::TestedSilent | Status::EvaluatedWithData
        )
    }
}

impl RuleCoverage {
    pub fn status(&self) -> Status {
        match self.kind {
            Some(RuleKind::Recording) => {
                if self.had_data {
                    Status::EvaluatedWithData
                } else {
                    Status::NeverWithData
                }
            }
            _ => {
                if self.expected_firing {
                    Status::TestedFiring
                } else if self.expected_silent {
                    Status::TestedSilent
                } else {
                    Status::Untested
                }
            }
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct FileCoverage {
    pub rules: Vec<RuleCoverage>,
    /// Metric names the test groups' input series provide.
    pub inputs: BTreeSet<String>,
}

impl FileCoverage {
    pub fn new(groups: &[GroupDef]) -> Self {
        let mut rules = Vec::new();
        for g in groups {
            for r in &g.rules {
                let mut reads: Vec<String> = crate::promql::analysis::metric_names(&r.expr)
                    .into_iter()
                    .map(|(n, _)| n.to_string())
                    .collect();
                reads.sort();
                reads.dedup();
                rules.push(RuleCoverage {
                    file: r.file.clone(),
                    line: r.line,
                    group: g.name.clone(),
                    name: r.name.clone(),
                    kind: Some(r.kind),
                    reads,
                    ..RuleCoverage::default()
                });
            }
        }
        FileCoverage {
            rules,
            inputs: BTreeSet::new(),
        }
    }

    pub fn record_inputs(&mut self, names: impl Iterator<Item = String>) {
        self.inputs.extend(names);
    }

    pub fn record_alert_test(&mut self, alertname: &str, firing: bool) {
        for r in &mut self.rules {
            if r.kind == Some(RuleKind::Alerting) && r.name == alertname {
                if firing {
                    r.expected_firing = true;
                } else {
                    r.expected_silent = true;
                }
            }
        }
    }

    pub fn record_states(&mut self, groups: &[GroupDef], states: &[Vec<RuleState>]) {
        for (g, gs) in groups.iter().zip(states) {
            for (r, s) in g.rules.iter().zip(gs) {
                if let Some(c) = self
                    .rules
                    .iter_mut()
                    .find(|c| c.file == r.file && c.line == r.line)
                {
                    c.had_data |= s.had_data;
                    c.fired |= s.fired;
                }
            }
        }
    }

    /// Merges another test file's coverage of (possibly) the same rules.
    pub fn merge(&mut self, other: &FileCoverage) {
        self.inputs.extend(other.inputs.iter().cloned());
        for o in &other.rules {
            match self
                .rules
                .iter_mut()
                .find(|c| c.file == o.file && c.line == o.line)
            {
                Some(c) => {
                    c.expected_firing |= o.expected_firing;
                    c.expected_silent |= o.expected_silent;
                    c.fired |= o.fired;
                    c.had_data |= o.had_data;
                }
                None => self.rules.push(o.clone()),
            }
        }
        self.rules
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    }

    /// The series each rule reads that no test provides (neither an input series nor
    /// a recording rule's output).
    pub fn missing_series(&self) -> Vec<(&RuleCoverage, Vec<&str>)> {
        let recorded: BTreeSet<&str> = self
            .rules
            .iter()
            .filter(|r| r.kind == Some(RuleKind::Recording))
            .map(|r| r.name.as_str())
            .collect();
        self.rules
            .iter()
            .filter_map(|r| {
                let missing: Vec<&str> = r
                    .reads
                    .iter()
                    .map(String::as_str)
                    .filter(|n| {
                        !self.inputs.contains(*n)
                            && !recorded.contains(n)
                            && !matches!(*n, "ALERTS" | "ALERTS_FOR_STATE")
                    })
                    .collect();
                (!missing.is_empty()).then_some((r, missing))
            })
            .collect()
    }

    /// Covered rules in percent (100 when there are no rules).
    pub fn percent(&self) -> f64 {
        if self.rules.is_empty() {
            return 100.0;
        }
        let covered = self.rules.iter().filter(|r| r.status().covered()).count();
        100.0 * covered as f64 / self.rules.len() as f64
    }
}
