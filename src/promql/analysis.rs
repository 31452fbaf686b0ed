//! Static analysis of a PromQL expression: for any sub-expression, its value type, the
//! selectors it reads, and which labels its result series surely have, may have, or
//! cannot have.
//!
//! The idea follows pint's "source" model: walk the tree bottom-up and track what each
//! operation does to the label set. A selector keeps whatever labels the series carry
//! (an *open* set) and surely has the labels its matchers require; `sum by (a)` *closes*
//! the set to `a`; `without (a)`, `histogram_quantile` (`le`) and most functions remove
//! labels; `on (...)` keeps only the matching labels; `group_left (x)` copies `x` from
//! the other side; `label_replace`/`label_join` add one; `count_values` adds its label;
//! `absent(foo{a="b"})` has exactly `a`; `vector()` has none.
//!
//! Every answer is conservative: `Never` and `Surely` are only given when Prometheus'
//! semantics guarantee them, so checks built on them do not raise false alarms.
//!
//! ```
//! use promgate::promql::{parse, analysis::{analyze, Presence}};
//! let expr = parse("sum by (job) (rate(http_requests_total{code=\"500\"}[5m]))").expr.unwrap();
//! let info = analyze(&expr);
//! assert_eq!(info.labels.presence("job"), Presence::Maybe);
//! assert_eq!(info.labels.presence("code"), Presence::Never);
//! // Where `code` was removed: the `by (job)` clause.
//! assert_eq!(info.labels.reason("code"), Some(4..12));
//! ```

use super::ast::*;
use super::check::matcher_matches_empty;
use rustc_hash::FxHashMap;
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Whether a label is on the result series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presence {
    /// Every result series has the label (with a non-empty value).
    Surely,
    /// Some may, some may not; or we cannot tell.
    Maybe,
    /// No result series has the label.
    Never,
}

/// What is known about the labels of an expression's result.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelInfo {
    /// Labels with a decided presence, with the span that decided it (the matcher, the
    /// `by (...)` clause, the function call, ...).
    known: BTreeMap<String, (Presence, Span)>,
    /// The presence of every label not in `known`: `Maybe` while the result keeps
    /// whatever labels the input series carry, `Never` once the set is closed.
    others: Presence,
    /// Where the set was closed (`by (...)`, `on (...)`, `absent(...)`, a literal).
    closed_at: Option<Span>,
}

impl LabelInfo {
    /// An open set: any label may be present.
    fn open() -> Self {
        LabelInfo {
            known: BTreeMap::new(),
            others: Presence::Maybe,
            closed_at: None,
        }
    }

    /// A closed, empty set (scalars, strings, `vector()`, aggregations without `by`).
    fn closed(at: Span) -> Self {
        LabelInfo {
            known: BTreeMap::new(),
            others: Presence::Never,
            closed_at: Some(at),
        }
    }

    pub fn presence(&self, label: &str) -> Presence {
        self.known
            .get(label)
            .map(|(p, _)| *p)
            .unwrap_or(self.others)
    }

    pub fn surely_has(&self, label: &str) -> bool {
        self.presence(label) == Presence::Surely
    }

    pub fn cannot_have(&self, label: &str) -> bool {
        self.presence(label) == Presence::Never
    }

    /// The span that decided the label's presence: for `Never`, what removed it (or
    /// closed the label set); for `Surely`, what guarantees it.
    pub fn reason(&self, label: &str) -> Option<Span> {
        match self.known.get(label) {
            Some((_, span)) => Some(span.clone()),
            None => self.closed_at.clone(),
        }
    }

    /// True when the result can only carry the labels listed in [`Self::possible`].
    pub fn is_closed(&self) -> bool {
        self.others == Presence::Never
    }

    /// Labels every result series has.
    pub fn surely(&self) -> impl Iterator<Item = &str> {
        self.with(Presence::Surely)
    }

    /// Labels a result series may have (surely or maybe), among the known ones.
    pub fn possible(&self) -> impl Iterator<Item = &str> {
        self.known
            .iter()
            .filter(|(_, (p, _))| *p != Presence::Never)
            .map(|(name, _)| name.as_str())
    }

    /// Labels known to be absent (more are absent when the set is closed).
    pub fn never(&self) -> impl Iterator<Item = &str> {
        self.with(Presence::Never)
    }

    fn with(&self, presence: Presence) -> impl Iterator<Item = &str> {
        self.known
            .iter()
            .filter(move |(_, (p, _))| *p == presence)
            .map(|(name, _)| name.as_str())
    }

    fn set(&mut self, label: &str, presence: Presence, span: Span) {
        self.known.insert(label.to_string(), (presence, span));
    }

    /// Removes `__name__` (most functions and arithmetic drop the metric name).
    fn drop_name(&mut self, span: Span) {
        self.set("__name__", Presence::Never, span);
    }

    /// Keeps only `labels` (`by (...)`, `on (...)`), closing the set at `span`.
    fn keep_only(&self, labels: &[Ident], span: Span) -> LabelInfo {
        let mut out = LabelInfo::closed(span);
        for label in labels {
            let presence = self.presence(&label.name);
            let why = match presence {
                Presence::Never => self.reason(&label.name).unwrap_or(label.span.clone()),
                _ => label.span.clone(),
            };
            out.set(&label.name, presence, why);
        }
        out
    }

    /// Either one or the other (`or`, fill modifiers): a label is surely (never) present
    /// only if it is on both sides.
    fn union(&self, other: &LabelInfo) -> LabelInfo {
        let mut out = LabelInfo {
            known: BTreeMap::new(),
            others: if self.is_closed() && other.is_closed() {
                Presence::Never
            } else {
                Presence::Maybe
            },
            closed_at: self.closed_at.clone().or_else(|| other.closed_at.clone()),
        };
        for name in self.known.keys().chain(other.known.keys()) {
            let (a, b) = (self.presence(name), other.presence(name));
            let presence = if a == b { a } else { Presence::Maybe };
            let why = self
                .reason(name)
                .or_else(|| other.reason(name))
                .unwrap_or(0..0);
            out.set(name, presence, why);
        }
        out
    }
}

/// What the analysis knows about one node of an expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprInfo {
    pub value_type: ValueType,
    /// Labels of the result series as the query's own semantics decide them (for
    /// scalars and strings: a closed, empty set).
    pub labels: LabelInfo,
    /// The labels the result can carry at most, by what the label source knows of the
    /// series the selectors read (the metric catalog); `Unknown` without a source.
    pub bound: Labels,
}

/// Where labels come from beyond the query itself, as in pint's model: what the series
/// a selector reads can carry. The metric catalog is one (with the target labels the
/// Prometheus configuration says every scrape adds).
pub trait LabelSource {
    /// The labels the series `selector` reads can carry; `Unknown` when the source does
    /// not know all of them.
    fn selector_labels(&self, selector: &VectorSelector) -> Labels;
}

/// The label source that knows nothing about any series: the bound then says only what
/// the query's own aggregations, joins and functions limit the result to.
pub struct UnknownSeries;

impl LabelSource for UnknownSeries {
    fn selector_labels(&self, _: &VectorSelector) -> Labels {
        Labels::Unknown
    }
}

/// The one label-flow analysis of an expression: every node's labels, built once,
/// bottom-up in a single pass over the tree, and then only read. Its two views are each
/// built on the first question that needs them (most expressions need neither, many only
/// one): the labels as the query's semantics decide them, and the bound the label source
/// puts on them. Every label question a check asks (`template/label`,
/// `catalog/unknown-label`, `catalog/histogram`, `promql/histogram-le`,
/// `dashboard/legend-label`, the language server's hover and completion) is a lookup here.
pub struct Analysis<'e> {
    root: &'e Expr,
    source: Option<&'e dyn LabelSource>,
    /// Keyed by node address: the tree is borrowed for the analysis' lifetime, so no
    /// node moves.
    labels: OnceCell<FxHashMap<*const Expr, LabelInfo>>,
    bounds: OnceCell<Bounds>,
}

/// The bounds of an analysed tree, each computed when a question first needs it (with
/// the bounds of its subtree): the catalog checks ask about a few nodes (a grouped
/// aggregation's input), rarely the whole tree. Nodes are known by their index in walk
/// order (the tree is borrowed for the analysis' lifetime, so no node moves).
struct Bounds {
    /// Each node's address with its index in walk order, sorted by address.
    index: Vec<(usize, usize)>,
    /// By index: the node's bound, once computed.
    slots: Vec<OnceCell<Slot>>,
}

/// A node's bound as kept: its own, or that of the node at an index that it passes
/// through unchanged (`rate(x[5m])` bounds like `x[5m]`), which is then not copied.
enum Slot {
    Own(Labels),
    Same(usize),
}

/// A node's bound as computed from its children's.
enum Bound<'n> {
    Own(Labels),
    Same(&'n Expr),
}

impl<'e> Analysis<'e> {
    /// The analysis of every node of `root`; `source`, when given, bounds the labels
    /// selectors can return (without one, every bound is `Unknown`).
    pub fn new(root: &'e Expr, source: Option<&'e dyn LabelSource>) -> Analysis<'e> {
        Analysis {
            root,
            source,
            labels: OnceCell::new(),
            bounds: OnceCell::new(),
        }
    }

    /// The analysed expression.
    pub fn expr(&self) -> &'e Expr {
        self.root
    }

    /// The labels of `node`'s result (a node of the analysed tree) as the query's own
    /// semantics decide them.
    ///
    /// # Panics
    /// When `node` is not part of the analysed tree (a programming error).
    pub fn labels(&self, node: &Expr) -> &LabelInfo {
        let all = self.labels.get_or_init(|| {
            bottom_up(
                self.root,
                |node, done: &FxHashMap<*const Expr, LabelInfo>| {
                    labels_of(node, &mut |e| done[&(e as *const Expr)].clone())
                },
            )
        });
        &all[&(node as *const Expr)]
    }

    /// The labels `node`'s result can carry at most, by the label source.
    ///
    /// # Panics
    /// When `node` is not part of the analysed tree (a programming error).
    pub fn bound(&self, node: &Expr) -> &Labels {
        static UNKNOWN: Labels = Labels::Unknown;
        let bounds = self.bounds.get_or_init(|| Bounds::new(self.root));
        match self.source {
            Some(source) => bounds.bound(node, source),
            None => {
                // Still only for a node of the tree, as with a source.
                bounds.at(node);
                &UNKNOWN
            }
        }
    }
}

impl Bounds {
    fn new(root: &Expr) -> Bounds {
        let mut index = Vec::new();
        root.walk(&mut |node| index.push((address(node), index.len())));
        index.sort_unstable();
        let slots = index.iter().map(|_| OnceCell::new()).collect();
        Bounds { index, slots }
    }

    /// The index of a node of the tree.
    ///
    /// # Panics
    /// When `node` is not part of the analysed tree (a programming error).
    fn at(&self, node: &Expr) -> usize {
        let found = self
            .index
            .binary_search_by_key(&address(node), |&(address, _)| address)
            .expect("a node of the analysed tree");
        self.index[found].1
    }

    /// The bound of `node`, computed first if needed with the missing bounds of its
    /// subtree, children before parents, by a work list (trees are as deep as
    /// `MAX_DEPTH`).
    fn bound(&self, node: &Expr, source: &dyn LabelSource) -> &Labels {
        let at = self.at(node);
        if self.slots[at].get().is_none() {
            // Nodes of the subtree whose bound is missing, parents first.
            let mut missing = Vec::new();
            let mut pending = vec![node];
            while let Some(node) = pending.pop() {
                let index = self.at(node);
                if self.slots[index].get().is_none() {
                    missing.push((node, index));
                    pending.extend(node.children());
                }
            }
            for &(node, index) in missing.iter().rev() {
                let slot = match bound_of(node, source, &|child| self.resolved(self.at(child))) {
                    Bound::Own(labels) => Slot::Own(labels),
                    Bound::Same(inner) => Slot::Same(self.at(inner)),
                };
                // Each node is missing once: a tree shares no node.
                let _ = self.slots[index].set(slot);
            }
        }
        self.resolved(at)
    }

    /// The computed bound of the node at `at`, following pass-through links.
    fn resolved(&self, mut at: usize) -> &Labels {
        loop {
            match self.slots[at].get().expect("children are computed first") {
                Slot::Own(labels) => return labels,
                Slot::Same(inner) => at = *inner,
            }
        }
    }
}

/// A node's address: the analysis knows the nodes of its tree by identity.
fn address(node: &Expr) -> usize {
    node as *const Expr as usize
}

/// One value per node of `root`, each computed from its children's (`compute` gets the
/// values done so far). Parents come before their descendants in `walk`'s order:
/// backwards, every node's children are done before it.
fn bottom_up<T>(
    root: &Expr,
    compute: impl Fn(&Expr, &FxHashMap<*const Expr, T>) -> T,
) -> FxHashMap<*const Expr, T> {
    let order = root.nodes();
    let mut done = FxHashMap::with_capacity_and_hasher(order.len(), Default::default());
    for &node in order.iter().rev() {
        let value = compute(node, &done);
        done.insert(node as *const Expr, value);
    }
    done
}

/// Analyses `expr` (any node of a parsed tree) without a label source, and keeps what
/// is known about `expr` itself: the same pass as [`Analysis::new`], where each node
/// hands its labels over to its parent instead of keeping a copy.
pub fn analyze(expr: &Expr) -> ExprInfo {
    let order = expr.nodes();
    // Sized for every node up front: grown from empty, it rehashed twice a rule.
    let mut done: FxHashMap<*const Expr, LabelInfo> =
        FxHashMap::with_capacity_and_hasher(order.len(), Default::default());
    for &node in order.iter().rev() {
        let labels = labels_of(node, &mut |e| {
            done.remove(&(e as *const Expr))
                .expect("children are analysed before their parent")
        });
        done.insert(node as *const Expr, labels);
    }
    ExprInfo {
        value_type: expr.value_type(),
        labels: done
            .remove(&(expr as *const Expr))
            .expect("the root is analysed"),
        bound: Labels::Unknown,
    }
}

/// A child node's bound, already done.
type Child<'n> = dyn Fn(&Expr) -> &'n Labels + 'n;

/// A child node's result labels, already analysed, handed over to its parent (each node
/// has one parent, which asks once).
type ChildLabels<'n> = dyn FnMut(&Expr) -> LabelInfo + 'n;

/// Every selector the expression reads, in source order, including those inside range
/// selectors and the label selector of `info()`.
pub fn selectors(expr: &Expr) -> Vec<&VectorSelector> {
    let mut out = Vec::new();
    expr.walk(&mut |e| match e {
        Expr::Selector(s) => out.push(&**s),
        Expr::Matrix(m) => out.push(&m.selector),
        _ => {}
    });
    out
}

/// The metric names the expression reads, with their spans.
pub fn metric_names(expr: &Expr) -> Vec<(&str, Span)> {
    selectors(expr)
        .into_iter()
        .filter_map(|s| s.metric_name())
        .collect()
}

fn selector_labels(s: &VectorSelector) -> LabelInfo {
    let mut info = LabelInfo::open();
    if let Some(name) = &s.name {
        info.set("__name__", Presence::Surely, name.span.clone());
    }
    for m in &s.matchers {
        let presence = if !matcher_matches_empty(m) {
            Presence::Surely
        } else if only_matches_empty(m) {
            Presence::Never
        } else {
            continue;
        };
        // Several matchers on one label: "never" wins, then "surely".
        if info.presence(&m.name) != Presence::Never {
            info.set(&m.name, presence, m.span.clone());
        }
    }
    info
}

/// `a=""`, `a!~".+"`: the matcher only accepts series without the label.
fn only_matches_empty(m: &Matcher) -> bool {
    match m.op {
        MatchOp::Equal => m.value.is_empty(),
        MatchOp::NotRegex => matches!(m.value.as_str(), ".+" | ".+?" | "(.+)"),
        _ => false,
    }
}

fn labels_of(expr: &Expr, labels: &mut ChildLabels<'_>) -> LabelInfo {
    match expr {
        Expr::Number(_) | Expr::String(_) => LabelInfo::closed(expr.span()),
        Expr::Selector(s) => selector_labels(s),
        Expr::Matrix(m) => selector_labels(&m.selector),
        Expr::Subquery(s) => labels(&s.expr),
        Expr::Paren(p) => labels(&p.expr),
        Expr::Unary(u) => {
            let mut info = labels(&u.expr);
            if u.op == UnaryOp::Neg && u.expr.value_type() == ValueType::Vector {
                info.drop_name(u.op_span.clone());
            }
            info
        }
        Expr::Call(c) => call_labels(c, labels),
        Expr::Aggregate(a) => aggregate_labels(a, labels),
        Expr::Binary(b) => binary_labels(b, labels),
    }
}

/// Functions that keep the metric name; every other function returning a vector drops it.
const KEEP_NAME: &[&str] = &[
    "sort",
    "sort_desc",
    "sort_by_label",
    "sort_by_label_desc",
    "label_replace",
    "label_join",
    "last_over_time",
    "first_over_time",
    "info",
];

/// Functions whose effect on the metric name we do not pin down.
const UNSURE_NAME: &[&str] = &["timestamp"];

fn call_labels(c: &Call, labels: &mut ChildLabels<'_>) -> LabelInfo {
    let span = c.span.clone();
    let Some(f) = c.function else {
        return LabelInfo::open();
    };
    if f.return_type != ValueType::Vector {
        return LabelInfo::closed(span);
    }
    match f.name {
        "absent" | "absent_over_time" => return absent_labels(c),
        "vector" => return LabelInfo::closed(span),
        _ => {}
    }
    // The labels come from the first vector or range-vector argument.
    let source = c
        .args
        .iter()
        .find(|a| matches!(a.value_type(), ValueType::Vector | ValueType::Matrix));
    let mut info = source.map_or_else(LabelInfo::open, labels);
    if UNSURE_NAME.contains(&f.name) {
        info.set("__name__", Presence::Maybe, span.clone());
    } else if !KEEP_NAME.contains(&f.name) {
        info.drop_name(span.clone());
    }
    match f.name {
        "histogram_quantile" | "histogram_fraction" | "histogram_quantiles" => {
            info.set("le", Presence::Never, span.clone());
            if f.name == "histogram_quantiles" {
                if let Some(Expr::String(label)) = c.args.get(1).map(Expr::unparen) {
                    info.set(&label.value, Presence::Surely, label.span.clone());
                }
            }
        }
        "label_replace" => label_replace(&mut info, c),
        "label_join" => label_join(&mut info, c),
        "info" => {
            // Adds the data labels of matching info metrics: anything may appear.
            info.others = Presence::Maybe;
            info.closed_at = None;
        }
        _ => {}
    }
    info
}

fn string_arg(c: &Call, i: usize) -> Option<&StringLiteral> {
    match c.args.get(i).map(Expr::unparen) {
        Some(Expr::String(s)) => Some(s),
        _ => None,
    }
}

fn label_replace(info: &mut LabelInfo, c: &Call) {
    let (Some(dst), Some(replacement), Some(regex)) =
        (string_arg(c, 1), string_arg(c, 2), string_arg(c, 4))
    else {
        return;
    };
    // A constant, non-empty replacement with a regex that matches any value always
    // writes the label; otherwise it may or may not (an empty result deletes it).
    let always = !replacement.value.is_empty()
        && !replacement.value.contains('$')
        && matches!(regex.value.as_str(), "" | ".*" | "(.*)");
    let presence = if always {
        Presence::Surely
    } else {
        Presence::Maybe
    };
    info.set(&dst.value, presence, c.span.clone());
}

fn label_join(info: &mut LabelInfo, c: &Call) {
    let (Some(dst), Some(separator)) = (string_arg(c, 1), string_arg(c, 2)) else {
        return;
    };
    let sources: Vec<&str> = (3..c.args.len())
        .filter_map(|i| string_arg(c, i).map(|s| s.value.as_str()))
        .collect();
    let non_empty = (sources.len() >= 2 && !separator.value.is_empty())
        || sources.iter().any(|s| info.surely_has(s));
    let presence = if non_empty {
        Presence::Surely
    } else {
        Presence::Maybe
    };
    info.set(&dst.value, presence, c.span.clone());
}

/// `absent(foo{a="b", c=~"x"})` returns one series with exactly the labels of its
/// equality matchers (`a="b"`), or nothing.
fn absent_labels(c: &Call) -> LabelInfo {
    let mut info = LabelInfo::closed(c.span.clone());
    let selector = match c.args.first().map(Expr::unparen) {
        Some(Expr::Selector(s)) => Some(&**s),
        Some(Expr::Matrix(m)) => Some(&m.selector),
        _ => None,
    };
    let Some(selector) = selector else {
        return info;
    };
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for m in &selector.matchers {
        if m.op == MatchOp::Equal && m.name != "__name__" {
            *seen.entry(m.name.as_str()).or_default() += 1;
        }
    }
    for m in &selector.matchers {
        // A label with two equality matchers is dropped by Prometheus.
        if m.op == MatchOp::Equal && m.name != "__name__" && seen[m.name.as_str()] == 1 {
            let presence = if m.value.is_empty() {
                Presence::Never
            } else {
                Presence::Surely
            };
            info.set(&m.name, presence, m.span.clone());
        }
    }
    info
}

fn aggregate_labels(a: &AggregateExpr, labels: &mut ChildLabels<'_>) -> LabelInfo {
    let input = labels(&a.expr);
    if a.op.selects_series() {
        // topk, bottomk, limitk, limit_ratio return input series unchanged.
        return input;
    }
    let mut info = match &a.grouping {
        None => LabelInfo::closed(a.span.clone()),
        Some(g) if !g.without => input.keep_only(&g.labels, g.span.clone()),
        Some(g) => {
            let mut info = input;
            for label in &g.labels {
                info.set(&label.name, Presence::Never, g.span.clone());
            }
            info.drop_name(a.op_span.clone());
            info
        }
    };
    if a.op == AggregateOp::CountValues {
        if let Some(Expr::String(label)) = a.param.as_deref().map(Expr::unparen) {
            info.set(&label.value, Presence::Surely, label.span.clone());
        }
    }
    info
}

fn binary_labels(b: &BinaryExpr, labels_of: &mut ChildLabels<'_>) -> LabelInfo {
    let (lt, rt) = (b.lhs.value_type(), b.rhs.value_type());
    if lt == ValueType::Scalar && rt == ValueType::Scalar {
        return LabelInfo::closed(b.span.clone());
    }
    let drops_name = !b.op.is_set() && (!b.op.is_comparison() || b.return_bool.is_some());
    if lt != ValueType::Vector || rt != ValueType::Vector {
        let mut info = if lt == ValueType::Vector {
            labels_of(&b.lhs)
        } else {
            labels_of(&b.rhs)
        };
        if drops_name {
            info.drop_name(b.op_span.clone());
        }
        return info;
    }
    let (lhs, rhs) = (labels_of(&b.lhs), labels_of(&b.rhs));
    match b.op {
        BinaryOp::And | BinaryOp::Unless => return lhs,
        BinaryOp::Or => return lhs.union(&rhs),
        _ => {}
    }
    // group_right makes the right side the "many" side whose labels the result keeps.
    let (many, one) = match &b.group {
        Some(g) if g.side == GroupSide::Right => (rhs, lhs),
        _ => (lhs, rhs),
    };
    let mut info = match (&b.matching, &b.group) {
        (Some(m), None) if m.on => many.keep_only(&m.labels, m.span.clone()),
        (Some(m), None) => {
            let mut info = many;
            for label in &m.labels {
                info.set(&label.name, Presence::Never, m.span.clone());
            }
            info
        }
        _ => many,
    };
    if let Some(g) = &b.group {
        for label in &g.labels {
            let presence = one.presence(&label.name);
            info.set(&label.name, presence, label.span.clone());
        }
    }
    if drops_name {
        info.drop_name(b.op_span.clone());
    }
    if !b.fill.is_empty() {
        // Filled series come from one side only: either side's labels may show. The
        // side that fills is the "one" side (the left one under `group_right`).
        info = info.union(&one);
    }
    info
}

/// The labels a value can carry: exact names plus dynamic-name prefixes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSet {
    pub names: BTreeSet<String>,
    pub prefixes: BTreeSet<String>,
}

impl LabelSet {
    pub fn can_carry(&self, label: &str) -> bool {
        self.names.contains(label) || self.prefixes.iter().any(|p| label.starts_with(p.as_str()))
    }

    pub(crate) fn of<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        LabelSet {
            names: names.into_iter().map(str::to_string).collect(),
            prefixes: BTreeSet::new(),
        }
    }

    pub(crate) fn union(mut self, other: &LabelSet) -> Self {
        self.names.extend(other.names.iter().cloned());
        self.prefixes.extend(other.prefixes.iter().cloned());
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Labels {
    /// The result can carry these labels and no others. Shared: a label source hands
    /// out one set per metric family, and nodes that keep their input's labels keep it.
    Known(Arc<LabelSet>),
    /// The catalog cannot tell.
    Unknown,
}

impl Labels {
    /// `Known(set)`, for a set of its own.
    pub fn known_set(set: LabelSet) -> Labels {
        Labels::Known(Arc::new(set))
    }

    pub fn known(&self) -> Option<&LabelSet> {
        match self {
            Labels::Known(set) => Some(set.as_ref()),
            Labels::Unknown => None,
        }
    }

    /// `Some(false)` only when the value surely cannot carry `label`.
    pub fn can_carry(&self, label: &str) -> Option<bool> {
        self.known().map(|set| set.can_carry(label))
    }

    pub(crate) fn map(self, f: impl FnOnce(LabelSet) -> LabelSet) -> Labels {
        match self {
            Labels::Known(set) => Labels::known_set(f(Arc::unwrap_or_clone(set))),
            Labels::Unknown => Labels::Unknown,
        }
    }
}

/// Functions whose result keeps the labels of their (single) vector or matrix argument,
/// sorted (searched by bisection: every call node of every bound asks).
const KEEPS_LABELS: &[&str] = &[
    "abs",
    "acos",
    "acosh",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "avg_over_time",
    "ceil",
    "changes",
    "clamp",
    "clamp_max",
    "clamp_min",
    "cos",
    "cosh",
    "count_over_time",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "days_in_month",
    "deg",
    "delta",
    "deriv",
    "double_exponential_smoothing",
    "exp",
    "first_over_time",
    "floor",
    "histogram_avg",
    "histogram_count",
    "histogram_stddev",
    "histogram_stdvar",
    "histogram_sum",
    "holt_winters",
    "hour",
    "idelta",
    "increase",
    "irate",
    "last_over_time",
    "ln",
    "log10",
    "log2",
    "mad_over_time",
    "max_over_time",
    "min_over_time",
    "minute",
    "month",
    "predict_linear",
    "present_over_time",
    "quantile_over_time",
    "rad",
    "rate",
    "resets",
    "round",
    "sgn",
    "sin",
    "sinh",
    "sort",
    "sort_by_label",
    "sort_by_label_desc",
    "sort_desc",
    "sqrt",
    "stddev_over_time",
    "stdvar_over_time",
    "sum_over_time",
    "tan",
    "tanh",
    "timestamp",
    "ts_of_first_over_time",
    "ts_of_last_over_time",
    "ts_of_max_over_time",
    "ts_of_min_over_time",
    "year",
];

/// The labels `expr`'s result can carry at most, from its children's bounds and, for
/// selectors, the label source. `Unknown` wherever the source cannot be sure.
fn bound_of<'e>(expr: &'e Expr, source: &dyn LabelSource, child: &Child<'_>) -> Bound<'e> {
    let own = Bound::Own;
    match expr {
        Expr::Number(_) | Expr::String(_) => own(Labels::known_set(LabelSet::default())),
        Expr::Selector(selector) => own(source.selector_labels(selector)),
        Expr::Matrix(matrix) => own(source.selector_labels(&matrix.selector)),
        Expr::Subquery(subquery) => Bound::Same(&subquery.expr),
        Expr::Paren(paren) => Bound::Same(&paren.expr),
        Expr::Unary(unary) => Bound::Same(&unary.expr),
        Expr::Call(call) => call_bound(call, child),
        Expr::Aggregate(aggregate) => aggregate_bound(aggregate, child),
        Expr::Binary(binary) => binary_bound(binary, child),
    }
}

fn aggregate_bound<'e>(aggregate: &'e AggregateExpr, child: &Child<'_>) -> Bound<'e> {
    // `topk` and the like keep some input series as they are.
    if aggregate.op.selects_series() {
        return Bound::Same(&aggregate.expr);
    }
    let input = child(&aggregate.expr).clone();
    let grouped = match &aggregate.grouping {
        None => Labels::known_set(LabelSet::default()),
        Some(grouping) if grouping.without => input.map(|mut set| {
            for label in &grouping.labels {
                set.names.remove(&label.name);
            }
            set
        }),
        // `by` keeps at most the listed labels (only those the input has).
        Some(grouping) => {
            let listed = LabelSet::of(grouping.labels.iter().map(|l| l.name.as_str()));
            match input {
                Labels::Known(set) => Labels::known_set(LabelSet {
                    names: listed
                        .names
                        .into_iter()
                        .filter(|l| set.can_carry(l))
                        .collect(),
                    prefixes: BTreeSet::new(),
                }),
                Labels::Unknown => Labels::known_set(listed),
            }
        }
    };
    Bound::Own(if aggregate.op == AggregateOp::CountValues {
        match aggregate.param.as_deref().map(Expr::unparen) {
            Some(Expr::String(label)) => grouped.map(|mut set| {
                set.names.insert(label.value.clone());
                set
            }),
            _ => Labels::Unknown,
        }
    } else {
        grouped
    })
}

fn string_value(args: &[Expr], index: usize) -> Option<&str> {
    match args.get(index).map(Expr::unparen) {
        Some(Expr::String(s)) => Some(&s.value),
        _ => None,
    }
}

fn call_bound<'e>(call: &'e Call, child: &Child<'_>) -> Bound<'e> {
    let name = call.name.as_str();
    let vector = call
        .args
        .iter()
        .find(|a| matches!(a.value_type(), ValueType::Vector | ValueType::Matrix));
    if KEEPS_LABELS.binary_search(&name).is_ok() {
        return match vector {
            Some(arg) => Bound::Same(arg),
            None => Bound::Own(Labels::Unknown),
        };
    }
    let vector_arg = || vector.map(|a| child(a).clone()).unwrap_or(Labels::Unknown);
    Bound::Own(match name {
        "label_replace" | "label_join" => match string_value(&call.args, 1) {
            Some(dst) => vector_arg().map(|mut set| {
                set.names.insert(dst.to_string());
                set
            }),
            None => Labels::Unknown,
        },
        "histogram_quantile" | "histogram_fraction" => vector_arg().map(|mut set| {
            set.names.remove("le");
            set
        }),
        // `absent` carries the labels of the selector's equality matchers.
        "absent" | "absent_over_time" => {
            let selector = match call.args.first().map(Expr::unparen) {
                Some(Expr::Selector(s)) => Some(&**s),
                Some(Expr::Matrix(m)) => Some(&m.selector),
                _ => None,
            };
            Labels::known_set(LabelSet::of(
                selector
                    .into_iter()
                    .flat_map(|s| s.matchers.iter())
                    .filter(|m| m.op == MatchOp::Equal && m.name != "__name__")
                    .map(|m| m.name.as_str()),
            ))
        }
        "vector" | "time" | "pi" | "scalar" => Labels::known_set(LabelSet::default()),
        _ => Labels::Unknown,
    })
}

fn binary_bound<'e>(binary: &'e BinaryExpr, child: &Child<'_>) -> Bound<'e> {
    let (lhs_scalar, rhs_scalar) = (
        binary.lhs.value_type() == ValueType::Scalar,
        binary.rhs.value_type() == ValueType::Scalar,
    );
    if lhs_scalar && rhs_scalar {
        return Bound::Own(Labels::known_set(LabelSet::default()));
    }
    if lhs_scalar {
        return Bound::Same(&binary.rhs);
    }
    if rhs_scalar {
        return Bound::Same(&binary.lhs);
    }
    match binary.op {
        BinaryOp::And | BinaryOp::Unless => return Bound::Same(&binary.lhs),
        BinaryOp::Or => {}
        _ if binary.group.is_none() && binary.matching.is_none() => {
            return Bound::Same(&binary.lhs)
        }
        _ => {}
    }
    Bound::Own(vector_binary_bound(binary, child))
}

/// The bound of a binary operation between two vectors that changes the labels:
/// `or`, and matching with `on`/`ignoring`/`group_*`.
fn vector_binary_bound(binary: &BinaryExpr, child: &Child<'_>) -> Labels {
    let bound = |e: &Expr| child(e).clone();
    let lhs = bound(&binary.lhs);
    let rhs = || bound(&binary.rhs);
    if binary.op == BinaryOp::Or {
        return match (lhs, rhs()) {
            (Labels::Known(a), Labels::Known(b)) => {
                Labels::known_set(Arc::unwrap_or_clone(a).union(&b))
            }
            _ => Labels::Unknown,
        };
    }
    match &binary.group {
        Some(group) => {
            // Many-to-one: the "many" side's labels plus the listed ones.
            let (many, one) = match group.side {
                GroupSide::Left => (lhs, rhs()),
                GroupSide::Right => (rhs(), lhs),
            };
            match many {
                Labels::Known(set) => {
                    let mut set = Arc::unwrap_or_clone(set);
                    for label in &group.labels {
                        // A listed label the "one" side cannot carry is not added.
                        if one.can_carry(&label.name) != Some(false) {
                            set.names.insert(label.name.clone());
                        }
                    }
                    Labels::known_set(set)
                }
                Labels::Unknown => Labels::Unknown,
            }
        }
        None => match &binary.matching {
            // One-to-one `on (...)` keeps only the listed labels.
            Some(matching) if matching.on => {
                let listed = LabelSet::of(matching.labels.iter().map(|l| l.name.as_str()));
                match lhs {
                    Labels::Known(set) => Labels::known_set(LabelSet {
                        names: listed
                            .names
                            .into_iter()
                            .filter(|l| set.can_carry(l))
                            .collect(),
                        prefixes: BTreeSet::new(),
                    }),
                    Labels::Unknown => Labels::known_set(listed),
                }
            }
            Some(matching) => lhs.map(|mut set| {
                for label in &matching.labels {
                    set.names.remove(&label.name);
                }
                set
            }),
            None => lhs,
        },
    }
}

/// What every result series surely has as a label's value: exactly one known value
/// (`{a="x"}`), or a value a regex matches (`{code=~"5.."}`, a regex that does not
/// match the empty string, so the label is surely there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelValues {
    Exactly(String),
    Matching(String),
    /// `{a!="x"}`: the label, if present, is not `x`.
    Excluding(String),
    /// `{a!~"r"}`: the label's value (empty when absent) does not match `r`.
    NotMatching(String),
}

impl LabelValues {
    /// Whether no value can satisfy both: two different values; a value the regex does
    /// not match; two regexes whose literal prefixes diverge (`2..` and `5..`).
    /// Conservative: `false` when unsure.
    pub fn disjoint(&self, other: &LabelValues) -> bool {
        match (self, other) {
            (LabelValues::Exactly(a), LabelValues::Exactly(b)) => a != b,
            (LabelValues::Exactly(value), LabelValues::Matching(pattern))
            | (LabelValues::Matching(pattern), LabelValues::Exactly(value)) => {
                regex::Regex::new(&format!("^(?:{pattern})$"))
                    .is_ok_and(|regex| !regex.is_match(value))
            }
            (LabelValues::Matching(a), LabelValues::Matching(b)) => {
                let (a, b) = (literal_prefix(a), literal_prefix(b));
                !a.is_empty() && !b.is_empty() && !a.starts_with(b) && !b.starts_with(a)
            }
            (LabelValues::Exactly(value), LabelValues::Excluding(excluded))
            | (LabelValues::Excluding(excluded), LabelValues::Exactly(value)) => value == excluded,
            (LabelValues::Exactly(value), LabelValues::NotMatching(pattern))
            | (LabelValues::NotMatching(pattern), LabelValues::Exactly(value)) => {
                regex::Regex::new(&format!("^(?:{pattern})$"))
                    .is_ok_and(|regex| regex.is_match(value))
            }
            _ => false,
        }
    }
}

/// The text every match of a regex starts with (`5..` -> `5`, `api-.*` -> `api-`);
/// empty when a top-level alternation or an early meta character leaves it open.
fn literal_prefix(pattern: &str) -> &str {
    let pattern = pattern.strip_prefix('^').unwrap_or(pattern);
    if pattern.contains('|') {
        return "";
    }
    let end = pattern
        .find(|c: char| ".[]()*+?{}|^$\\".contains(c))
        .unwrap_or(pattern.len());
    // A quantifier right after the prefix may make its last character optional.
    match pattern[end..].chars().next() {
        Some('*' | '?' | '{') => {
            let last = pattern[..end].chars().last().map_or(0, char::len_utf8);
            &pattern[..end - last]
        }
        _ => &pattern[..end],
    }
}

/// For each label whose value every result series surely constrains, that constraint:
/// `{a="x"}` and `{code=~"5.."}` matchers, as far as aggregations, joins and functions
/// keep the label. Two rules whose results carry disjoint values of a label write
/// different series, however alike their names and static labels
/// (`x{component="cpu"}` vs `x{component="disk"}`). The metric name is left out (a
/// rule's output name is its `record`). Conservative: a label is listed only when
/// Prometheus' semantics guarantee the constraint on every result series.
pub fn label_value_constraints(expr: &Expr) -> BTreeMap<String, LabelValues> {
    super::parser::grow_stack(|| constraints(expr))
}

type Constraints = BTreeMap<String, LabelValues>;

fn constraints(expr: &Expr) -> Constraints {
    match expr {
        Expr::Number(_) | Expr::String(_) => BTreeMap::new(),
        Expr::Selector(s) => selector_constraints(s, true),
        Expr::Matrix(m) => selector_constraints(&m.selector, true),
        Expr::Subquery(s) => constraints(&s.expr),
        Expr::Paren(p) => constraints(&p.expr),
        Expr::Unary(u) => constraints(&u.expr),
        Expr::Call(c) => call_constraints(c),
        Expr::Aggregate(a) => aggregate_constraints(a),
        Expr::Binary(b) => binary_constraints(b),
    }
}

/// `{a="x"}` fixes `a`; `{a=~"r"}` (when `r` does not match the empty string),
/// `{a!="x"}` and `{a!~"r"}` constrain it. A label with several matchers keeps its
/// equality, or none.
fn selector_constraints(s: &VectorSelector, with_regexes: bool) -> Constraints {
    let mut found: BTreeMap<String, Vec<LabelValues>> = BTreeMap::new();
    for m in &s.matchers {
        if m.name == "__name__" || m.value.is_empty() {
            continue;
        }
        let values = match m.op {
            MatchOp::Equal => LabelValues::Exactly(m.value.clone()),
            _ if !with_regexes => continue,
            MatchOp::Regex if !matcher_matches_empty(m) => LabelValues::Matching(m.value.clone()),
            MatchOp::NotEqual => LabelValues::Excluding(m.value.clone()),
            MatchOp::NotRegex => LabelValues::NotMatching(m.value.clone()),
            _ => continue,
        };
        found.entry(m.name.clone()).or_default().push(values);
    }
    found
        .into_iter()
        .filter_map(|(name, values)| {
            let exact: Vec<&LabelValues> = values
                .iter()
                .filter(|v| matches!(v, LabelValues::Exactly(_)))
                .collect();
            let chosen = match (exact.as_slice(), values.as_slice()) {
                ([one], _) => (*one).clone(),
                ([], [only]) => only.clone(),
                _ => return None,
            };
            Some((name, chosen))
        })
        .collect()
}

fn call_constraints(c: &Call) -> Constraints {
    let Some(f) = c.function else {
        return BTreeMap::new();
    };
    if f.return_type != ValueType::Vector {
        return BTreeMap::new();
    }
    match f.name {
        "absent" | "absent_over_time" => {
            // The one output series has exactly the selector's equality labels.
            return match c.args.first().map(Expr::unparen) {
                Some(Expr::Selector(s)) => selector_constraints(s, false),
                Some(Expr::Matrix(m)) => selector_constraints(&m.selector, false),
                _ => BTreeMap::new(),
            };
        }
        "vector" => return BTreeMap::new(),
        _ => {}
    }
    let source = c
        .args
        .iter()
        .find(|a| matches!(a.value_type(), ValueType::Vector | ValueType::Matrix));
    let mut found = source.map(constraints).unwrap_or_default();
    match f.name {
        "histogram_quantile" | "histogram_fraction" | "histogram_quantiles" => {
            found.remove("le");
        }
        "label_replace" | "label_join" => {
            if let Some(dst) = string_arg(c, 1) {
                found.remove(&dst.value);
                // A constant replacement over any value writes that value everywhere.
                let constant = string_arg(c, 2)
                    .filter(|r| !r.value.is_empty() && !r.value.contains('$'))
                    .filter(|_| f.name == "label_replace")
                    .filter(|_| {
                        string_arg(c, 4)
                            .is_some_and(|r| matches!(r.value.as_str(), "" | ".*" | "(.*)"))
                    });
                if let Some(value) = constant {
                    found.insert(dst.value.clone(), LabelValues::Exactly(value.value.clone()));
                }
            }
        }
        // Info metrics' data labels may overwrite any label.
        "info" => found.clear(),
        _ => {}
    }
    found
}

fn aggregate_constraints(a: &AggregateExpr) -> Constraints {
    let mut found = constraints(&a.expr);
    if a.op.selects_series() {
        return found;
    }
    match &a.grouping {
        None => found.clear(),
        Some(g) if !g.without => found.retain(|name, _| g.labels.iter().any(|l| &l.name == name)),
        Some(g) => found.retain(|name, _| g.labels.iter().all(|l| &l.name != name)),
    }
    if a.op == AggregateOp::CountValues {
        if let Some(Expr::String(label)) = a.param.as_deref().map(Expr::unparen) {
            found.remove(&label.value);
        }
    }
    found
}

fn binary_constraints(b: &BinaryExpr) -> Constraints {
    let (lt, rt) = (b.lhs.value_type(), b.rhs.value_type());
    if lt != ValueType::Vector && rt != ValueType::Vector {
        return BTreeMap::new();
    }
    if lt != ValueType::Vector || rt != ValueType::Vector {
        return constraints(if lt == ValueType::Vector {
            &b.lhs
        } else {
            &b.rhs
        });
    }
    let (lhs, rhs) = (constraints(&b.lhs), constraints(&b.rhs));
    match b.op {
        BinaryOp::And | BinaryOp::Unless => return lhs,
        BinaryOp::Or => return common_constraints(&lhs, &rhs),
        _ => {}
    }
    let right_is_many = b.group.as_ref().is_some_and(|g| g.side == GroupSide::Right);
    let (mut found, one) = if right_is_many {
        (rhs, lhs)
    } else {
        (lhs, rhs)
    };
    match (&b.matching, &b.group) {
        (Some(m), None) if m.on => found.retain(|name, _| m.labels.iter().any(|l| &l.name == name)),
        (Some(m), None) => found.retain(|name, _| m.labels.iter().all(|l| &l.name != name)),
        _ => {}
    }
    if let Some(g) = &b.group {
        // `group_left (x)` copies `x` from the "one" side.
        for label in &g.labels {
            match one.get(&label.name) {
                Some(values) => found.insert(label.name.clone(), values.clone()),
                None => found.remove(&label.name),
            };
        }
    }
    if !b.fill.is_empty() {
        let other = if right_is_many {
            constraints(&b.lhs)
        } else {
            constraints(&b.rhs)
        };
        found = common_constraints(&found, &other);
    }
    found
}

/// Constraints both sides put on a label, identically.
fn common_constraints(a: &Constraints, b: &Constraints) -> Constraints {
    a.iter()
        .filter(|(name, values)| b.get(*name) == Some(*values))
        .map(|(name, values)| (name.clone(), values.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::promql::parse;

    fn fixed(q: &str) -> Vec<(String, String)> {
        let expr = parse(q).expr.unwrap();
        label_value_constraints(&expr)
            .into_iter()
            .map(|(name, values)| match values {
                LabelValues::Exactly(v) => (name, v),
                LabelValues::Matching(r) => (name, format!("=~{r}")),
                LabelValues::Excluding(v) => (name, format!("!={v}")),
                LabelValues::NotMatching(r) => (name, format!("!~{r}")),
            })
            .collect()
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn label_values_follow_matchers_through_the_tree() {
        assert_eq!(
            fixed(
                r#"a{component="disk_iops"} > on(component) group_left b{component="disk_iops"}"#
            ),
            pairs(&[("component", "disk_iops")])
        );
        assert_eq!(
            fixed(r#"sum without (instance) (rate(x{type="web", instance="a"}[5m]))"#),
            pairs(&[("type", "web")])
        );
        assert_eq!(
            fixed(r#"sum by (job) (x{type="web", job="a"})"#),
            pairs(&[("job", "a")])
        );
        assert_eq!(fixed(r#"sum(x{type="web"})"#), pairs(&[]));
        assert_eq!(
            fixed(r#"x{type=~"web.*"} > 1"#),
            pairs(&[("type", "=~web.*")])
        );
        assert_eq!(fixed(r#"x{type=~".*"} > 1"#), pairs(&[]));
        assert_eq!(fixed(r#"x{a="1"} or y{a="2"}"#), pairs(&[]));
        assert_eq!(
            fixed(r#"x{a="1"} or y{a="1", b="2"}"#),
            pairs(&[("a", "1")])
        );
        assert_eq!(fixed(r#"x{a="1"} / ignoring (a) y"#), pairs(&[]));
        assert_eq!(
            fixed(r#"label_replace(x{a="1", b="2"}, "a", "$1", "b", "(.*)")"#),
            pairs(&[("b", "2")])
        );
        assert_eq!(
            fixed(r#"label_replace(x, "team", "sre", "", "")"#),
            pairs(&[("team", "sre")])
        );
        assert_eq!(fixed(r#"x{a="1", a="2"}"#), pairs(&[]));
        assert_eq!(
            fixed(r#"absent(x{job="api", code=~"5.."})"#),
            pairs(&[("job", "api")])
        );
    }

    #[test]
    fn disjoint_label_values() {
        let exactly = |v: &str| LabelValues::Exactly(v.to_string());
        let matching = |r: &str| LabelValues::Matching(r.to_string());
        assert!(exactly("a").disjoint(&exactly("b")));
        assert!(!exactly("a").disjoint(&exactly("a")));
        assert!(matching("2..").disjoint(&matching("5..")));
        assert!(matching("5..").disjoint(&exactly("404")));
        assert!(!matching("5..").disjoint(&exactly("503")));
        assert!(!matching("5..").disjoint(&matching("50.")));
        assert!(!matching("2..|5..").disjoint(&matching("3..")));
        assert!(!matching("a*b").disjoint(&matching("b")));
        assert!(!matching(".+").disjoint(&matching("x")));
        let excluding = |v: &str| LabelValues::Excluding(v.to_string());
        let not_matching = |r: &str| LabelValues::NotMatching(r.to_string());
        assert!(exactly("iowait").disjoint(&excluding("iowait")));
        assert!(!exactly("idle").disjoint(&excluding("iowait")));
        assert!(exactly("503").disjoint(&not_matching("5..")));
        assert!(!exactly("404").disjoint(&not_matching("5..")));
        assert!(!excluding("a").disjoint(&excluding("b")));
    }

    fn info(q: &str) -> LabelInfo {
        let expr = parse(q)
            .expr
            .unwrap_or_else(|| panic!("{q} does not parse"));
        analyze(&expr).labels
    }

    #[test]
    fn selectors_are_open_with_required_labels() {
        let l = info(r#"up{job="api", instance=~".+", env=""}"#);
        assert_eq!(l.presence("job"), Presence::Surely);
        assert_eq!(l.presence("instance"), Presence::Surely);
        assert_eq!(l.presence("env"), Presence::Never);
        assert_eq!(l.presence("pod"), Presence::Maybe);
        assert_eq!(l.presence("__name__"), Presence::Surely);
    }

    #[test]
    fn aggregations_close_or_remove() {
        let l = info(r#"sum by (job) (up{job="a"})"#);
        assert_eq!(l.presence("job"), Presence::Surely);
        assert_eq!(l.presence("instance"), Presence::Never);
        assert_eq!(l.reason("instance"), Some(4..12));
        let l = info("sum without (instance) (up)");
        assert_eq!(l.presence("instance"), Presence::Never);
        assert_eq!(l.presence("job"), Presence::Maybe);
        assert_eq!(l.presence("__name__"), Presence::Never);
        let l = info("sum(up)");
        assert!(l.is_closed());
        let l = info("topk(3, up)");
        assert_eq!(l.presence("__name__"), Presence::Surely);
        let l = info(r#"count_values("version", build_info)"#);
        assert_eq!(l.presence("version"), Presence::Surely);
    }

    #[test]
    fn histogram_quantile_drops_le() {
        let l = info("histogram_quantile(0.9, sum by (le, job) (rate(x_bucket[5m])))");
        assert_eq!(l.presence("le"), Presence::Never);
        assert_eq!(l.presence("job"), Presence::Maybe);
        assert_eq!(l.presence("__name__"), Presence::Never);
        assert_eq!(l.presence("pod"), Presence::Never);
    }

    #[test]
    fn functions_and_absent() {
        let l = info(r#"absent(up{job="api", instance=~"x"})"#);
        assert_eq!(l.presence("job"), Presence::Surely);
        assert_eq!(l.presence("instance"), Presence::Never);
        assert!(l.is_closed());
        assert!(info("vector(1)").is_closed());
        let l = info(r#"label_replace(up, "host", "$1", "instance", "(.*):.*")"#);
        assert_eq!(l.presence("host"), Presence::Maybe);
        let l = info(r#"label_replace(up, "team", "sre", "", "")"#);
        assert_eq!(l.presence("team"), Presence::Surely);
        let l = info(r#"label_join(up, "x", "-", "a", "b")"#);
        assert_eq!(l.presence("x"), Presence::Surely);
        let l = info("rate(http_requests_total[5m])");
        assert_eq!(l.presence("__name__"), Presence::Never);
        assert_eq!(l.presence("job"), Presence::Maybe);
    }

    #[test]
    fn binary_operators_and_matching() {
        let l = info(r#"up{job="a"} > 0"#);
        assert_eq!(l.presence("__name__"), Presence::Surely);
        assert_eq!(l.presence("job"), Presence::Surely);
        let l = info("a / on (job) b");
        assert_eq!(l.presence("instance"), Presence::Never);
        let l = info(r#"a * on (job) group_left (team) b{team="x"}"#);
        assert_eq!(l.presence("team"), Presence::Surely);
        assert_eq!(l.presence("instance"), Presence::Maybe);
        let l = info(r#"sum by (a) (x) or sum by (b) (y)"#);
        assert_eq!(l.presence("a"), Presence::Maybe);
        assert_eq!(l.presence("c"), Presence::Never);
        let l = info("a / ignoring (pod) b");
        assert_eq!(l.presence("pod"), Presence::Never);
        assert_eq!(l.presence("__name__"), Presence::Never);
    }

    #[test]
    fn selectors_are_listed_in_order() {
        let expr = parse("rate(a[5m]) / on (job) b + c offset 5m")
            .expr
            .unwrap();
        let names: Vec<&str> = metric_names(&expr).into_iter().map(|n| n.0).collect();
        assert_eq!(names, ["a", "b", "c"]);
        let expr = parse(r#"{"my.metric", a="b"}"#).expr.unwrap();
        assert_eq!(metric_names(&expr), [("my.metric", 1..12)]);
    }
}

#[cfg(test)]
mod bound_tests {
    use super::*;

    /// Knows `x` (labels `a`, `le`) and `y` (label `b`); nothing else.
    struct Source;

    impl LabelSource for Source {
        fn selector_labels(&self, selector: &VectorSelector) -> Labels {
            match selector.metric_name().map(|(name, _)| name) {
                Some("x") => Labels::known_set(LabelSet::of(["a", "le"])),
                Some("y") => Labels::known_set(LabelSet::of(["b"])),
                _ => Labels::Unknown,
            }
        }
    }

    fn nodes(expr: &Expr) -> Vec<&Expr> {
        let mut nodes = Vec::new();
        expr.walk(&mut |node| nodes.push(node));
        nodes
    }

    /// Regression (issue 12): bounds were computed for every node at once, copying the
    /// label set at every node that passes it through. They are now computed for the
    /// subtree a question needs and shared by pass-through nodes: whichever node is
    /// asked first, every node's bound is the same.
    #[test]
    fn bounds_do_not_depend_on_the_order_of_questions() {
        for query in [
            "sum by (a, b) (rate(x[5m])) / on (a) group_left (b) max by (a, b) (y)",
            "histogram_quantile(0.9, sum without (a) (rate(x[5m]) * 2)) or -(y)",
            "topk(3, label_replace(abs(x), \"c\", \"$1\", \"a\", \"(.*)\")) and y",
            "count_values(\"v\", y) unless on (b) (x > 1)",
            "max_over_time(rate(x[5m])[30m:1m]) - ignoring (le) y",
        ] {
            let parsed = crate::promql::parse(query);
            let expr = parsed
                .expr
                .unwrap_or_else(|| panic!("{query}: {:?}", parsed.errors));
            let root_first = Analysis::new(&expr, Some(&Source));
            let leaves_first = Analysis::new(&expr, Some(&Source));
            let all = nodes(&expr);
            let asked: Vec<Labels> = all
                .iter()
                .map(|node| root_first.bound(node).clone())
                .collect();
            let reversed: Vec<Labels> = all
                .iter()
                .rev()
                .map(|node| leaves_first.bound(node).clone())
                .collect();
            let reversed: Vec<Labels> = reversed.into_iter().rev().collect();
            assert_eq!(asked, reversed, "{query}");
        }
    }

    #[test]
    fn functions_keeping_labels_are_sorted_for_bisection() {
        assert!(KEEPS_LABELS.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn pass_through_nodes_bound_like_their_input() {
        let query = "sum by (a) (rate(x[5m])) + on (a) (abs(-(y)) > 1)";
        let expr = crate::promql::parse(query).expr.expect("parses");
        let analysis = Analysis::new(&expr, Some(&Source));
        let Expr::Binary(binary) = &expr else {
            panic!("a binary expression")
        };
        assert_eq!(
            analysis.bound(&binary.lhs),
            &Labels::known_set(LabelSet::of(["a"]))
        );
        assert_eq!(
            analysis.bound(&binary.rhs),
            &Labels::known_set(LabelSet::of(["b"]))
        );
        assert_eq!(
            analysis.bound(&expr),
            &Labels::known_set(LabelSet::of(["a"]))
        );
        // Without a source every bound is unknown.
        assert_eq!(
            Analysis::new(&expr, None).bound(&binary.rhs),
            &Labels::Unknown
        );
    }
}
