//! Type checking after a clean parse, as Prometheus' `checkAST`: the same rules, the same
//! order (children before the node's own rules), the same words and byte ranges.

use super::ast::*;
use super::lexer::is_space;
use super::regex;
use super::text::go_quote;
use super::SyntaxError;

pub(crate) struct Checker<'a> {
    input: &'a str,
    pub(crate) errors: Vec<SyntaxError>,
}

impl<'a> Checker<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        Checker {
            input,
            errors: Vec::new(),
        }
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            span,
            message: message.into(),
        });
    }

    fn expect_type(&mut self, expr: &Expr, want: ValueType, context: &str) {
        let got = self.check(expr);
        if got != want {
            self.error(
                expr.span(),
                format!(
                    "expected type {} in {context}, got {}",
                    want.documented(),
                    got.documented()
                ),
            );
        }
    }

    /// Checks `expr` and returns its type.
    pub(crate) fn check(&mut self, expr: &Expr) -> ValueType {
        super::parser::grow_stack(|| self.check_node(expr))
    }

    fn check_node(&mut self, expr: &Expr) -> ValueType {
        // Signs and parentheses take their operand's type, found on the way down: asking
        // `value_type` at each of 10,000 nested levels would walk them 10,000 times.
        let ty = match expr {
            Expr::Paren(_) | Expr::Unary(_) => ValueType::Scalar,
            _ => expr.value_type(),
        };
        match expr {
            Expr::Aggregate(a) => {
                self.expect_type(&a.expr, ValueType::Vector, "aggregation expression");
                if let Some(param) = &a.param {
                    let want = if a.op == AggregateOp::CountValues {
                        ValueType::String
                    } else {
                        ValueType::Scalar
                    };
                    self.expect_type(param, want, "aggregation parameter");
                }
            }
            Expr::Binary(b) => self.check_binary(b),
            Expr::Call(c) => self.check_call(c),
            Expr::Paren(p) => return self.check(&p.expr),
            Expr::Unary(u) => {
                let inner = self.check(&u.expr);
                if inner != ValueType::Scalar && inner != ValueType::Vector {
                    self.error(
                        u.span.clone(),
                        format!(
                            "unary expression only allowed on expressions of type scalar or instant vector, got {}",
                            go_quote(inner.documented())
                        ),
                    );
                }
                return inner;
            }
            Expr::Subquery(s) => {
                let inner = self.check(&s.expr);
                if inner != ValueType::Vector {
                    self.error(
                        s.span.clone(),
                        format!(
                            "subquery is only allowed on instant vector, got {} instead",
                            inner.internal()
                        ),
                    );
                }
            }
            Expr::Matrix(m) => self.check_selector(&m.selector, m.selector.span.clone(), false),
            Expr::Selector(s) => self.check_selector(s, s.span.clone(), false),
            Expr::Number(_) | Expr::String(_) => {}
        }
        ty
    }

    fn check_selector(&mut self, s: &VectorSelector, span: Span, bypass_empty: bool) {
        if let Some(name) = &s.name {
            if let Some(m) = s.matchers.iter().find(|m| m.name == "__name__") {
                self.error(
                    span,
                    format!(
                        "metric name must not be set twice: {} or {}",
                        go_quote(&name.name),
                        go_quote(&m.value)
                    ),
                );
            }
            return;
        }
        if bypass_empty {
            return;
        }
        if !s.matchers.iter().any(|m| !matcher_matches_empty(m)) {
            self.error(
                span,
                "vector selector must contain at least one non-empty matcher",
            );
        }
    }

    /// Prometheus' operator range: from the first non-space after the left operand to
    /// the last non-space before the right one (its end excludes that last byte).
    fn op_range(&self, b: &BinaryExpr) -> Span {
        let bytes = self.input.as_bytes();
        let mut start = b.lhs.span().end;
        while start < bytes.len() && is_space(bytes[start] as char) {
            start += 1;
        }
        let mut end = b.rhs.span().start.saturating_sub(1);
        while end > start && is_space(bytes[end] as char) {
            end -= 1;
        }
        start..end
    }

    fn check_binary(&mut self, b: &BinaryExpr) {
        let lt = self.check(&b.lhs);
        let rt = self.check(&b.rhs);
        if b.return_bool.is_some() && !b.op.is_comparison() {
            self.error(
                self.op_range(b),
                "bool modifier can only be used on comparison operators",
            );
        }
        if b.op.is_comparison()
            && b.return_bool.is_none()
            && lt == ValueType::Scalar
            && rt == ValueType::Scalar
        {
            self.error(
                self.op_range(b),
                "comparisons between scalars must use BOOL modifier",
            );
        }
        if let (Some(matching), Some(group)) = (&b.matching, &b.group) {
            if matching.on {
                for l1 in &matching.labels {
                    if group.labels.iter().any(|l2| l2.name == l1.name) {
                        self.error(
                            self.op_range(b),
                            format!(
                                "label {} must not occur in ON and GROUP clause at once",
                                go_quote(&l1.name)
                            ),
                        );
                    }
                }
            }
        }
        for (side, ty) in [(&b.lhs, lt), (&b.rhs, rt)] {
            if ty != ValueType::Scalar && ty != ValueType::Vector {
                self.error(
                    side.span(),
                    "binary expression must contain only scalar and instant vector types",
                );
            }
        }
        if lt != ValueType::Vector || rt != ValueType::Vector {
            if b.matching.as_ref().is_some_and(|m| !m.labels.is_empty()) {
                self.error(
                    b.span.clone(),
                    "vector matching only allowed between instant vectors",
                );
            }
            if !b.fill.is_empty() {
                self.error(
                    b.span.clone(),
                    "filling in missing series only allowed between instant vectors",
                );
            }
        } else if b.op.is_set() {
            if b.group.is_some() {
                self.error(
                    b.span.clone(),
                    format!(
                        "no grouping allowed for {} operation",
                        go_quote(b.op.as_str())
                    ),
                );
                self.error(b.span.clone(), "set operations must always be many-to-many");
            }
            if !b.fill.is_empty() {
                self.error(
                    b.span.clone(),
                    "filling in missing series not allowed for set operators",
                );
            }
        }
        if (lt == ValueType::Scalar || rt == ValueType::Scalar) && b.op.is_set() {
            self.error(
                b.span.clone(),
                format!(
                    "set operator {} not allowed in binary scalar expression",
                    go_quote(b.op.as_str())
                ),
            );
        }
    }

    fn check_call(&mut self, c: &Call) {
        let Some(f) = c.function else {
            // Unknown function: reported by the parser; still check the arguments.
            for arg in &c.args {
                self.check(arg);
            }
            return;
        };
        let nargs = f.arg_types.len();
        let got = c.args.len();
        if f.variadic == 0 {
            if nargs != got {
                self.error(
                    c.span.clone(),
                    format!(
                        "expected {nargs} argument(s) in call to {}, got {got}",
                        go_quote(f.name)
                    ),
                );
            }
        } else {
            let min = nargs - 1;
            if min > got {
                self.error(
                    c.span.clone(),
                    format!(
                        "expected at least {min} argument(s) in call to {}, got {got}",
                        go_quote(f.name)
                    ),
                );
            } else if f.variadic > 0 && min + (f.variadic as usize) < got {
                self.error(
                    c.span.clone(),
                    format!(
                        "expected at most {} argument(s) in call to {}, got {got}",
                        min + f.variadic as usize,
                        go_quote(f.name)
                    ),
                );
            }
        }
        let mut info_selector = None;
        if f.name == "info" && got > 1 {
            let arg = &c.args[1];
            let ty = arg.value_type();
            if ty != ValueType::Vector {
                self.error(
                    c.span.clone(),
                    format!(
                        "expected type {} in call to function {}, got {}",
                        ValueType::Vector.documented(),
                        go_quote(f.name),
                        ty.documented()
                    ),
                );
            }
            match arg {
                Expr::Selector(vs) if vs.name.is_some() => self.error(
                    arg.span(),
                    "expected label selectors only, got vector selector instead",
                ),
                Expr::Selector(vs) => info_selector = Some(vs),
                _ => self.error(arg.span(), "expected label selectors only"),
            }
        }
        for (i, arg) in c.args.iter().enumerate() {
            let index = if i >= nargs {
                if f.variadic == 0 {
                    break;
                }
                nargs - 1
            } else {
                i
            };
            let got = match (info_selector, arg) {
                // info()'s label selector may match anything (bypasses the empty check).
                (Some(vs), Expr::Selector(arg_vs)) if std::ptr::eq(vs, arg_vs) => {
                    self.check_selector(vs, vs.span.clone(), true);
                    ValueType::Vector
                }
                _ => self.check(arg),
            };
            let want = f.arg_types[index];
            if got != want {
                self.error(
                    arg.span(),
                    format!(
                        "expected type {} in call to function {}, got {}",
                        want.documented(),
                        go_quote(f.name),
                        got.documented()
                    ),
                );
            }
        }
    }
}

/// Does the matcher accept a series without the label (an empty value)?
pub fn matcher_matches_empty(m: &Matcher) -> bool {
    match m.op {
        MatchOp::Equal => m.value.is_empty(),
        MatchOp::NotEqual => !m.value.is_empty(),
        MatchOp::Regex => regex::matches_empty(&m.value),
        MatchOp::NotRegex => !regex::matches_empty(&m.value),
    }
}
