//! promgate: a linter for Prometheus rule files and Grafana dashboards.
//!
//! The pipeline, one module per stage:
//! `discover` (walk paths, classify files) -> `rules` / `dashboards` / `catalog`
//! (parse into models with positions; `promql` parses every expression) -> `checks`
//! (pure functions over the models) -> `report` (render diagnostics).

pub mod autofix;
pub mod catalog;
pub mod checks;
pub mod cli;
pub mod config;
pub mod dashboards;
pub mod diagnostic;
pub mod discover;
pub mod eval;
pub mod fix;
pub mod fuzzing;
pub mod markdown;
pub mod pipeline;
pub mod promconfig;
pub mod promql;
pub mod report;
pub mod rules;
pub mod source;
pub mod yaml;
