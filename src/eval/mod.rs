//! Our own PromQL engine: instant and range evaluation of the AST our front end
//! (`crate::promql`) parses, over an in-memory [`storage::Storage`], following Prometheus
//! 3.14's semantics (5m lookback, staleness markers, left-open range selectors, `offset`
//! and `@`, subqueries, vector matching, delayed name removal, Prometheus' extrapolation
//! for `rate`/`increase`/`delta`, its errors and annotations).
//!
//! ```
//! use promgate::eval::{engine::Engine, storage::Storage, value::{Labels, Value}};
//! let mut store = Storage::new();
//! store.append(Labels::from_pairs([("__name__", "up"), ("job", "api")]), [(0, 1.0)]);
//! let expr = promgate::promql::parse("up * 2").expr.unwrap();
//! let result = Engine::default().instant(&store, &expr, 60_000).unwrap();
//! let Value::Vector(v) = result.value else { panic!() };
//! assert_eq!(v[0].value, 2.0);
//! ```
//!
//! `promqltest` reads Prometheus' engine-test scripts (also the input-series notation of
//! `promgate test`) and runs them against this engine.

mod aggregate;
mod binary;
pub mod engine;
mod functions;
pub mod histogram;
mod native;
mod native_range;
pub mod promqltest;
pub mod ruletest;
pub mod series;
pub mod storage;
pub mod value;

#[cfg(test)]
mod tests;
