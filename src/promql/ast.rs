//! The PromQL syntax tree. Every node carries `span`, a byte range in the parsed input;
//! the parts a diagnostic may point at (a metric name, each matcher's label and value,
//! a function's name, each grouping label, an operator, a modifier) carry their own.

use super::functions::Function;
use std::ops::Range;

pub type Span = Range<usize>;

/// The four PromQL value types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Scalar,
    String,
    Vector,
    Matrix,
}

impl ValueType {
    /// The name Prometheus uses in user-facing messages ("range vector").
    pub fn documented(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::String => "string",
            ValueType::Vector => "instant vector",
            ValueType::Matrix => "range vector",
        }
    }

    /// The internal name (`ValueType.String()` in Go: "vector", "matrix").
    pub fn internal(self) -> &'static str {
        match self {
            ValueType::Scalar => "scalar",
            ValueType::String => "string",
            ValueType::Vector => "vector",
            ValueType::Matrix => "matrix",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Number(NumberLiteral),
    String(StringLiteral),
    /// An instant vector selector: `foo{a="b"} offset 5m`.
    Selector(Box<VectorSelector>),
    /// A range vector selector: `foo{a="b"}[5m] offset 1h`.
    Matrix(Box<MatrixSelector>),
    Subquery(Box<SubqueryExpr>),
    Call(Box<Call>),
    Aggregate(Box<AggregateExpr>),
    Binary(Box<BinaryExpr>),
    Unary(UnaryExpr),
    Paren(ParenExpr),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Number(n) => n.span.clone(),
            Expr::String(n) => n.span.clone(),
            Expr::Selector(n) => n.span.clone(),
            Expr::Matrix(n) => n.span.clone(),
            Expr::Subquery(n) => n.span.clone(),
            Expr::Call(n) => n.span.clone(),
            Expr::Aggregate(n) => n.span.clone(),
            Expr::Binary(n) => n.span.clone(),
            Expr::Unary(n) => n.span.clone(),
            Expr::Paren(n) => n.span.clone(),
        }
    }

    /// The value type as Prometheus computes it (`Expr.Type()`). An unknown function's
    /// call is typed as an instant vector (the parse reported it already).
    pub fn value_type(&self) -> ValueType {
        match self {
            Expr::Number(_) => ValueType::Scalar,
            Expr::String(_) => ValueType::String,
            Expr::Selector(_) | Expr::Aggregate(_) => ValueType::Vector,
            Expr::Matrix(_) | Expr::Subquery(_) => ValueType::Matrix,
            Expr::Call(c) => c
                .function
                .map(|f| f.return_type)
                .unwrap_or(ValueType::Vector),
            Expr::Binary(b) => b.value_type,
            // A loop, not recursion: thousands of signs or parentheses may nest.
            Expr::Unary(_) | Expr::Paren(_) => self.unwrap_signs().value_type(),
        }
    }

    /// The operand under any unary signs and parentheses.
    fn unwrap_signs(&self) -> &Expr {
        let mut e = self;
        loop {
            match e {
                Expr::Unary(u) => e = &u.expr,
                Expr::Paren(p) => e = &p.expr,
                _ => return e,
            }
        }
    }

    /// The type of a binary operation with these sides.
    pub fn binary_type(lhs: &Expr, rhs: &Expr) -> ValueType {
        if lhs.value_type() == ValueType::Scalar && rhs.value_type() == ValueType::Scalar {
            ValueType::Scalar
        } else {
            ValueType::Vector
        }
    }

    /// The direct sub-expressions, in source order.
    pub fn children(&self) -> impl Iterator<Item = &Expr> {
        // No allocation: every check walks every expression.
        let (nodes, args): ([Option<&Expr>; 2], &[Expr]) = match self {
            Expr::Number(_) | Expr::String(_) | Expr::Selector(_) | Expr::Matrix(_) => {
                ([None, None], &[])
            }
            Expr::Subquery(s) => ([Some(&s.expr), None], &[]),
            Expr::Call(c) => ([None, None], &c.args),
            Expr::Aggregate(a) => ([a.param.as_deref(), Some(&a.expr)], &[]),
            Expr::Binary(b) => ([Some(&b.lhs), Some(&b.rhs)], &[]),
            Expr::Unary(u) => ([Some(&u.expr), None], &[]),
            Expr::Paren(p) => ([Some(&p.expr), None], &[]),
        };
        nodes.into_iter().flatten().chain(args)
    }

    /// Calls `visit` on this node and every node below it, parents first.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        // A loop, not recursion: trees are as deep as `MAX_DEPTH`. Every check walks
        // every expression, so the walk goes straight down to each node's first child
        // and keeps only the later siblings on a list: a chain of single children
        // (parentheses, unary minus, most calls) allocates nothing.
        let mut later: Vec<&'a Expr> = Vec::new();
        let mut next = Some(self);
        while let Some(expr) = next.take().or_else(|| later.pop()) {
            visit(expr);
            next = match expr {
                Expr::Number(_) | Expr::String(_) | Expr::Selector(_) | Expr::Matrix(_) => None,
                Expr::Subquery(s) => Some(&s.expr),
                Expr::Call(c) => c.args.split_first().map(|(first, rest)| {
                    later.extend(rest.iter().rev());
                    first
                }),
                Expr::Aggregate(a) => match a.param.as_deref() {
                    Some(param) => {
                        later.push(&a.expr);
                        Some(param)
                    }
                    None => Some(&a.expr),
                },
                Expr::Binary(b) => {
                    later.push(&b.rhs);
                    Some(&b.lhs)
                }
                Expr::Unary(u) => Some(&u.expr),
                Expr::Paren(p) => Some(&p.expr),
            };
        }
    }

    /// Every node of the tree in [`Expr::walk`]'s order (parents first, children in
    /// source order): one walk that several checks can share by looping over it.
    pub fn nodes(&self) -> Vec<&Expr> {
        let mut nodes = Vec::with_capacity(16);
        self.walk(&mut |node| nodes.push(node));
        nodes
    }

    /// The expression with any parentheses around it removed.
    pub fn unparen(&self) -> &Expr {
        let mut e = self;
        while let Expr::Paren(p) = e {
            e = &p.expr;
        }
        e
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NumberLiteral {
    pub value: f64,
    /// Written as a duration (`5m`), value in seconds.
    pub duration: bool,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringLiteral {
    /// The unquoted value.
    pub value: String,
    /// The literal including its quotes.
    pub span: Span,
}

/// A name with where it is written (metric names, grouping labels, matching labels).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub name: String,
    /// For a quoted name (`"foo.bar"`), the span includes the quotes.
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Regex | MatchOp::NotRegex)
    }

    pub fn is_negative(self) -> bool {
        matches!(self, MatchOp::NotEqual | MatchOp::NotRegex)
    }
}

/// One label matcher inside braces.
#[derive(Debug, Clone, PartialEq)]
pub struct Matcher {
    pub name: String,
    pub name_span: Span,
    pub op: MatchOp,
    /// Empty (at the value's start) for a bare quoted metric name `{"foo"}`.
    pub op_span: Span,
    pub value: String,
    /// The value literal including its quotes.
    pub value_span: Span,
    /// A bare quoted metric name inside braces, `{"foo"}`: `__name__="foo"`.
    pub bare_name: bool,
    pub span: Span,
}

/// `offset <duration>`.
#[derive(Debug, Clone, PartialEq)]
pub struct Offset {
    pub keyword_span: Span,
    pub duration: DurationExpr,
    /// From the keyword to the end of the duration.
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AtValue {
    /// Seconds since the epoch.
    Timestamp(f64),
    Start,
    End,
}

/// `@ <timestamp>`, `@ start()`, `@ end()`.
#[derive(Debug, Clone, PartialEq)]
pub struct At {
    pub keyword_span: Span,
    pub value: AtValue,
    pub span: Span,
}

/// The modifiers written after a selector or subquery.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Modifiers {
    pub offset: Option<Offset>,
    pub at: Option<At>,
    /// `anchored` (experimental: `--enable-feature=promql-extended-range-selectors`).
    pub anchored: Option<Span>,
    /// `smoothed` (experimental, same flag).
    pub smoothed: Option<Span>,
}

impl Modifiers {
    pub fn is_empty(&self) -> bool {
        self.offset.is_none()
            && self.at.is_none()
            && self.anchored.is_none()
            && self.smoothed.is_none()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct VectorSelector {
    /// The metric name written before the braces (`foo` in `foo{a="b"}`).
    pub name: Option<Ident>,
    pub matchers: Vec<Matcher>,
    /// `{` to `}` when braces are written.
    pub braces: Option<Span>,
    pub modifiers: Modifiers,
    /// Name through braces and modifiers.
    pub span: Span,
}

impl VectorSelector {
    /// The metric name this selector reads: the written name, else an `__name__="x"`
    /// matcher (incl. a bare quoted name `{"x"}`). Returns the name and its span.
    pub fn metric_name(&self) -> Option<(&str, Span)> {
        if let Some(name) = &self.name {
            return Some((&name.name, name.span.clone()));
        }
        self.matchers
            .iter()
            .find(|m| m.name == "__name__" && m.op == MatchOp::Equal)
            .map(|m| (m.value.as_str(), m.value_span.clone()))
    }

    /// The selector without modifiers: name through closing brace.
    pub fn base_span(&self) -> Span {
        let start = self.span.start;
        let end = match (&self.braces, &self.name) {
            (Some(b), _) => b.end,
            (None, Some(n)) => n.span.end,
            (None, None) => self.span.end,
        };
        start..end
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MatrixSelector {
    /// The selector before the brackets (its own `modifiers` are empty: modifiers
    /// after the range live in this node's `modifiers`).
    pub selector: VectorSelector,
    pub range: DurationExpr,
    /// `[` to `]`.
    pub brackets: Span,
    pub modifiers: Modifiers,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubqueryExpr {
    pub expr: Box<Expr>,
    pub range: DurationExpr,
    pub step: Option<DurationExpr>,
    /// `[` to `]`.
    pub brackets: Span,
    pub modifiers: Modifiers,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub name: String,
    pub name_span: Span,
    /// `None` for an unknown function (reported as a syntax error).
    pub function: Option<&'static Function>,
    pub args: Vec<Expr>,
    /// `(` to `)`.
    pub parens: Span,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AggregateOp {
    Sum,
    Avg,
    Count,
    Min,
    Max,
    Group,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    CountValues,
    Quantile,
    Limitk,
    LimitRatio,
}

impl AggregateOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AggregateOp::Sum => "sum",
            AggregateOp::Avg => "avg",
            AggregateOp::Count => "count",
            AggregateOp::Min => "min",
            AggregateOp::Max => "max",
            AggregateOp::Group => "group",
            AggregateOp::Stddev => "stddev",
            AggregateOp::Stdvar => "stdvar",
            AggregateOp::Topk => "topk",
            AggregateOp::Bottomk => "bottomk",
            AggregateOp::CountValues => "count_values",
            AggregateOp::Quantile => "quantile",
            AggregateOp::Limitk => "limitk",
            AggregateOp::LimitRatio => "limit_ratio",
        }
    }

    /// Takes a parameter before the vector (`topk(5, x)`).
    pub fn has_param(self) -> bool {
        matches!(
            self,
            AggregateOp::Topk
                | AggregateOp::Bottomk
                | AggregateOp::CountValues
                | AggregateOp::Quantile
                | AggregateOp::Limitk
                | AggregateOp::LimitRatio
        )
    }

    /// Needs `--enable-feature=promql-experimental-functions`.
    pub fn is_experimental(self) -> bool {
        matches!(self, AggregateOp::Limitk | AggregateOp::LimitRatio)
    }

    /// Keeps the input series' labels (selects series rather than combining them).
    pub fn selects_series(self) -> bool {
        matches!(
            self,
            AggregateOp::Topk
                | AggregateOp::Bottomk
                | AggregateOp::Limitk
                | AggregateOp::LimitRatio
        )
    }
}

/// `by (a, b)` or `without (a, b)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping {
    pub without: bool,
    pub keyword_span: Span,
    pub labels: Vec<Ident>,
    /// Keyword to closing parenthesis.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AggregateExpr {
    pub op: AggregateOp,
    pub op_span: Span,
    pub grouping: Option<Grouping>,
    pub param: Option<Box<Expr>>,
    pub expr: Box<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Atan2,
    Eql,
    Neq,
    Lte,
    Lss,
    Gte,
    Gtr,
    /// `</`: trim the upper part of native histograms.
    TrimUpper,
    /// `>/`: trim the lower part of native histograms.
    TrimLower,
    And,
    Or,
    Unless,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Pow => "^",
            BinaryOp::Atan2 => "atan2",
            BinaryOp::Eql => "==",
            BinaryOp::Neq => "!=",
            BinaryOp::Lte => "<=",
            BinaryOp::Lss => "<",
            BinaryOp::Gte => ">=",
            BinaryOp::Gtr => ">",
            BinaryOp::TrimUpper => "</",
            BinaryOp::TrimLower => ">/",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Unless => "unless",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eql
                | BinaryOp::Neq
                | BinaryOp::Lte
                | BinaryOp::Lss
                | BinaryOp::Gte
                | BinaryOp::Gtr
        )
    }

    pub fn is_set(self) -> bool {
        matches!(self, BinaryOp::And | BinaryOp::Or | BinaryOp::Unless)
    }

    /// Binding power: `or` 1, `and`/`unless` 2, comparisons and trims 3, `+ -` 4,
    /// `* / % atan2` 5, `^` 6 (right-associative).
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And | BinaryOp::Unless => 2,
            BinaryOp::Eql
            | BinaryOp::Neq
            | BinaryOp::Lte
            | BinaryOp::Lss
            | BinaryOp::Gte
            | BinaryOp::Gtr
            | BinaryOp::TrimUpper
            | BinaryOp::TrimLower => 3,
            BinaryOp::Add | BinaryOp::Sub => 4,
            BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod | BinaryOp::Atan2 => 5,
            BinaryOp::Pow => 6,
        }
    }
}

/// `on (a)` or `ignoring (a)`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorMatching {
    /// `on` (true) or `ignoring` (false).
    pub on: bool,
    pub keyword_span: Span,
    pub labels: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupSide {
    Left,
    Right,
}

/// `group_left (a)` / `group_right (a)`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupModifier {
    pub side: GroupSide,
    pub keyword_span: Span,
    /// The labels copied from the "one" side; empty when none are listed.
    pub labels: Vec<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FillSide {
    Both,
    Left,
    Right,
}

/// `fill(v)`, `fill_left(v)`, `fill_right(v)` (experimental binop fill modifiers).
#[derive(Debug, Clone, PartialEq)]
pub struct FillModifier {
    pub side: FillSide,
    pub keyword_span: Span,
    pub value: f64,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BinaryExpr {
    pub op: BinaryOp,
    pub op_span: Span,
    pub lhs: Box<Expr>,
    pub rhs: Box<Expr>,
    /// The `bool` keyword.
    pub return_bool: Option<Span>,
    pub matching: Option<VectorMatching>,
    pub group: Option<GroupModifier>,
    pub fill: Vec<FillModifier>,
    pub span: Span,
    /// Scalar when both sides are, else instant vector: computed once when the node is
    /// built, so asking a chain of 10,000 operators its type does not walk the chain.
    pub value_type: ValueType,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnaryExpr {
    pub op: UnaryOp,
    pub op_span: Span,
    pub expr: Box<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParenExpr {
    pub expr: Box<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DurationOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

/// A duration expression inside `[...]` or after `offset` (Prometheus 3.14 turns these
/// on by default): `5m`, `5m + 1m`, `step()`, `max_of(step(), 5s)`, `-(1^2)`.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationExpr {
    /// A number or duration literal, in seconds (a leading sign folded in).
    Literal {
        value: f64,
        duration: bool,
        span: Span,
    },
    Step {
        span: Span,
    },
    Range {
        span: Span,
    },
    MinOf {
        args: Box<(DurationExpr, DurationExpr)>,
        span: Span,
    },
    MaxOf {
        args: Box<(DurationExpr, DurationExpr)>,
        span: Span,
    },
    Neg {
        expr: Box<DurationExpr>,
        span: Span,
    },
    Binary {
        op: DurationOp,
        op_span: Span,
        lhs: Box<DurationExpr>,
        rhs: Box<DurationExpr>,
        span: Span,
    },
    Paren {
        expr: Box<DurationExpr>,
        span: Span,
    },
}

impl DurationExpr {
    pub fn span(&self) -> Span {
        match self {
            DurationExpr::Literal { span, .. }
            | DurationExpr::Step { span }
            | DurationExpr::Range { span }
            | DurationExpr::MinOf { span, .. }
            | DurationExpr::MaxOf { span, .. }
            | DurationExpr::Neg { span, .. }
            | DurationExpr::Binary { span, .. }
            | DurationExpr::Paren { span, .. } => span.clone(),
        }
    }

    /// The value in seconds when it does not depend on the query's step or range.
    pub fn constant_seconds(&self) -> Option<f64> {
        match self {
            DurationExpr::Literal { value, .. } => Some(*value),
            DurationExpr::Step { .. } | DurationExpr::Range { .. } => None,
            DurationExpr::MinOf { args, .. } => {
                Some(args.0.constant_seconds()?.min(args.1.constant_seconds()?))
            }
            DurationExpr::MaxOf { args, .. } => {
                Some(args.0.constant_seconds()?.max(args.1.constant_seconds()?))
            }
            DurationExpr::Neg { expr, .. } => Some(-expr.constant_seconds()?),
            DurationExpr::Paren { expr, .. } => expr.constant_seconds(),
            DurationExpr::Binary { op, lhs, rhs, .. } => {
                let (l, r) = (lhs.constant_seconds()?, rhs.constant_seconds()?);
                Some(match op {
                    DurationOp::Add => l + r,
                    DurationOp::Sub => l - r,
                    DurationOp::Mul => l * r,
                    DurationOp::Div => l / r,
                    DurationOp::Mod => l % r,
                    DurationOp::Pow => l.powf(r),
                })
            }
        }
    }

    /// Uses `step()`/`range()`/`min_of`/`max_of` or arithmetic (not a plain literal).
    pub fn is_expression(&self) -> bool {
        !matches!(self, DurationExpr::Literal { .. })
    }
}

// Dropping a tree recurses once per level, and operator chains are thousands of levels
// deep: a worker thread's stack would overflow. Each node that holds sub-expressions
// hands them to a work list instead, so every drop inside the loop is shallow.

fn placeholder() -> Expr {
    Expr::Number(NumberLiteral {
        value: 0.0,
        duration: false,
        span: 0..0,
    })
}

fn has_children(expr: &Expr) -> bool {
    !matches!(
        expr,
        Expr::Number(_) | Expr::String(_) | Expr::Selector(_) | Expr::Matrix(_)
    )
}

/// Moves `slot`'s expression to `pending` when it has sub-expressions of its own.
fn defer(slot: &mut Expr, pending: &mut Vec<Expr>) {
    if has_children(slot) {
        pending.push(std::mem::replace(slot, placeholder()));
    }
}

fn take_children(expr: &mut Expr, pending: &mut Vec<Expr>) {
    match expr {
        Expr::Binary(b) => {
            defer(&mut b.lhs, pending);
            defer(&mut b.rhs, pending);
        }
        Expr::Unary(u) => defer(&mut u.expr, pending),
        Expr::Paren(p) => defer(&mut p.expr, pending),
        Expr::Subquery(s) => defer(&mut s.expr, pending),
        Expr::Aggregate(a) => {
            defer(&mut a.expr, pending);
            if let Some(param) = &mut a.param {
                defer(param, pending);
            }
        }
        Expr::Call(c) => c.args.iter_mut().for_each(|arg| defer(arg, pending)),
        Expr::Number(_) | Expr::String(_) | Expr::Selector(_) | Expr::Matrix(_) => {}
    }
}

fn drop_deferred(mut pending: Vec<Expr>) {
    while let Some(mut expr) = pending.pop() {
        take_children(&mut expr, &mut pending);
    }
}

macro_rules! drop_children_iteratively {
    ($node:ty, |$this:ident, $pending:ident| $take:expr) => {
        impl Drop for $node {
            fn drop(&mut self) {
                let $this = self;
                let mut $pending = Vec::new();
                $take;
                drop_deferred($pending);
            }
        }
    };
}

drop_children_iteratively!(BinaryExpr, |this, pending| {
    defer(&mut this.lhs, &mut pending);
    defer(&mut this.rhs, &mut pending);
});
drop_children_iteratively!(UnaryExpr, |this, pending| defer(
    &mut this.expr,
    &mut pending
));
drop_children_iteratively!(ParenExpr, |this, pending| defer(
    &mut this.expr,
    &mut pending
));
drop_children_iteratively!(SubqueryExpr, |this, pending| defer(
    &mut this.expr,
    &mut pending
));
drop_children_iteratively!(AggregateExpr, |this, pending| {
    defer(&mut this.expr, &mut pending);
    if let Some(param) = &mut this.param {
        defer(param, &mut pending);
    }
});
drop_children_iteratively!(Call, |this, pending| this
    .args
    .iter_mut()
    .for_each(|arg| defer(arg, &mut pending)));
