//! The fuzz targets' entry points. `fuzz/` (cargo-fuzz, its own workspace) has one
//! three-line file per target calling [`run`]; `tests/fuzz_regressions.rs` replays
//! every saved crash (`fuzz/regressions/<target>/`) through the same function, so a
//! crash found once stays fixed.
//!
//! Adding a target: a line in [`TARGETS`] (a function from bytes, asserting what must
//! hold), `fuzz/fuzz_targets/<name>.rs` and its `[[bin]]` in `fuzz/Cargo.toml`; a test
//! fails until all three exist.

#[doc(hidden)]
pub mod generate;
mod lsp_session;
mod targets;

use lsp_session::lsp_session;
use targets::*;

/// A fuzz target: its name (as in `cargo fuzz run <name>`) and what it does.
pub struct Target {
    pub name: &'static str,
    pub run: fn(&[u8]),
    pub what: &'static str,
}

pub const TARGETS: &[Target] = &[
    Target {
        name: "promql",
        run: |data| promql(&lossy(data)),
        what: "bytes as a PromQL expression: parse, check, analyse, lint as a rule",
    },
    Target {
        name: "promql_structured",
        run: promql_structured,
        what: "generated PromQL: long chains, deep nesting, many matchers, Go-invalid regexes",
    },
    Target {
        name: "rules",
        run: |data| lint("fuzz.yml", data.to_vec(), data.len() % 2 == 1),
        what: "bytes as a rule file through the whole pipeline and every renderer",
    },
    Target {
        name: "rules_structured",
        run: rules_structured,
        what: "generated rule files: 100k rules, recording chains and cycles, deep templates, CRLF, BOM",
    },
    Target {
        name: "dashboard",
        run: |data| lint("fuzz.json", data.to_vec(), false),
        what: "bytes as a dashboard through the whole pipeline and every renderer",
    },
    Target {
        name: "dashboard_structured",
        run: dashboard_structured,
        what: "generated dashboards: 100k panels, minified to one line, deep JSON",
    },
    Target {
        name: "template",
        run: |data| template(&lossy(data)),
        what: "bytes as an alert template (Go text/template)",
    },
    Target {
        name: "template_structured",
        run: template_structured,
        what: "generated templates: 12,000 nested controls and parentheses",
    },
    Target {
        name: "catalog",
        run: |data| catalog_text(&lossy(data)),
        what: "bytes as a metric catalog in any format; what loads is written and read back",
    },
    Target {
        name: "catalog_structured",
        run: catalog_structured,
        what: "generated catalogs: exposition text, catalog files, metadata API JSON",
    },
    Target {
        name: "catalog_reader",
        run: |data| catalog_reader(&lossy(data)),
        what: "bytes as a catalog file: the loader's reading (the one-pass regular reader, saphyr after it declines) equals saphyr's alone",
    },
    Target {
        name: "yaml_reader",
        run: |data| yaml_reader(&lossy(data)),
        what: "bytes as YAML: the regular reader takes it exactly as saphyr reads it, or declines",
    },
    Target {
        name: "config",
        run: |data| config(&lossy(data)),
        what: "bytes as .promgate.yml",
    },
    Target {
        name: "promqltest",
        run: |data| promqltest(&lossy(data)),
        what: "bytes as a promqltest script (load/eval), run against the PromQL engine",
    },
    Target {
        name: "ruletest_file",
        run: |data| ruletest_file(&lossy(data)),
        what: "bytes as a `promgate test` unit-test file",
    },
    Target {
        name: "eval_structured",
        run: eval_structured,
        what: "generated PromQL evaluated by the engine, instant and range",
    },
    Target {
        name: "promconfig_structured",
        run: promconfig_structured,
        what: "generated prometheus.yml (up to 10,000 jobs, relabel rules, SD blocks, secrets) validated, its facts derived, and rule files checked against them",
    },
    Target {
        name: "lsp",
        run: lsp_session,
        what: "a generated editor session played into `promgate lsp`: opens, changes with ranges beyond the end, hover, completion, code actions, malformed frames, exit",
    },
    Target {
        name: "baseline",
        run: |data| baseline(&lossy(data)),
        what: "bytes as a baseline file",
    },
];

/// Runs the target `name` on `data`. Panics (the fuzzer's signal) on any crash or
/// broken invariant, and on an unknown name.
pub fn run(name: &str, data: &[u8]) {
    let target = TARGETS
        .iter()
        .find(|target| target.name == name)
        .unwrap_or_else(|| panic!("no fuzz target named {name}"));
    (target.run)(data);
}
