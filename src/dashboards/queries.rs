//! The PromQL queries of a dashboard, found and expanded once at load: panel targets,
//! query-variable queries and annotation queries.

use super::datasource::{self, Language};
use super::expand::{self, Expanded};
use super::json::Text;
use super::model::Dashboard;
use super::scan::{self, Scan};
use crate::promql::ParseResult;

/// Where a query lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Target { panel: usize, target: usize },
    Variable { index: usize },
    Annotation { index: usize },
}

/// One PromQL query, expanded for the parser.
#[derive(Debug, Clone)]
pub struct Query {
    pub site: Site,
    pub language: Language,
    pub expanded: Expanded,
    /// The expanded text parsed once, at load.
    pub parsed: ParseResult,
    /// The expanded text's brackets, matchers and strings, read once at load for every
    /// check that looks at the query's tokens.
    pub scan: Scan,
}

impl Query {
    fn new(site: Site, language: Language, expanded: Expanded) -> Query {
        let parsed = crate::promql::parse(&expanded.source);
        let scan = scan::scan(&expanded.source);
        Query {
            site,
            language,
            expanded,
            parsed,
            scan,
        }
    }

    /// The original text the query was expanded from.
    pub fn text<'d>(&self, dashboard: &'d Dashboard) -> &'d Text {
        match self.site {
            Site::Target { panel, target } => dashboard.panels[panel].targets[target]
                .expr
                .as_ref()
                .expect("a target query has an expr"),
            Site::Variable { index } => dashboard.variables[index]
                .query
                .as_ref()
                .expect("a variable query has text"),
            Site::Annotation { index } => dashboard.annotations[index]
                .expr
                .as_ref()
                .expect("an annotation query has an expr"),
        }
    }
}

/// Every PromQL query of a dashboard, in model order.
pub fn find(dashboard: &Dashboard) -> Vec<Query> {
    let mut queries = Vec::new();
    for (p, panel) in dashboard.panels.iter().enumerate() {
        for (t, target) in panel.targets.iter().enumerate() {
            let Some(expr) = &target.expr else { continue };
            if expr.value.trim().is_empty() {
                continue;
            }
            let language = datasource::target_language(dashboard, Some(panel), target);
            if language.is_promql() {
                let expanded = expand::expand(expr, 0..expr.value.len(), dashboard);
                let site = Site::Target {
                    panel: p,
                    target: t,
                };
                queries.push(Query::new(site, language, expanded));
            }
        }
    }
    for (index, variable) in dashboard.variables.iter().enumerate() {
        if variable.kind != "query" {
            continue;
        }
        let Some(query) = &variable.query else {
            continue;
        };
        let language = match &variable.datasource {
            Some(reference) => datasource::of_ref(dashboard, reference),
            None => Language::LikelyPromQL,
        };
        if !language.is_promql() {
            continue;
        }
        if let Some(range) = expand::variable_query_promql(&query.value) {
            let expanded = expand::expand(query, range, dashboard);
            queries.push(Query::new(Site::Variable { index }, language, expanded));
        }
    }
    for (index, annotation) in dashboard.annotations.iter().enumerate() {
        let Some(expr) = &annotation.expr else {
            continue;
        };
        if expr.value.trim().is_empty() || annotation.builtin {
            continue;
        }
        let language = match &annotation.datasource {
            Some(reference) => datasource::of_ref(dashboard, reference),
            None => Language::LikelyPromQL,
        };
        if language.is_promql() {
            let expanded = expand::expand(expr, 0..expr.value.len(), dashboard);
            queries.push(Query::new(Site::Annotation { index }, language, expanded));
        }
    }
    queries
}
