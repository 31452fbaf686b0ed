//! A hand-written Pratt parser for Prometheus 3.14's PromQL grammar
//! (`promql/parser/generated_parser.y`), building the span-carrying AST of [`super::ast`].
//!
//! Errors follow Prometheus: the same words and the same byte ranges. A grammar error
//! (an unexpected token) stops the parse, as Prometheus' parser effectively does;
//! errors found while building nodes (unknown function, bad regex, range on a
//! non-selector, division by zero in a duration, ...) are collected and parsing goes on,
//! so independent mistakes are all reported.

use super::ast::*;
use super::functions;
use super::lexer::{describe, Lexer, Token, TokenKind};
use super::regex;
use super::text::{go_float_f, go_quote, parse_duration, parse_number, unquote};
use super::SyntaxError;

/// Deepest nesting of parentheses, calls and operators we parse, and deepest tree we
/// build (a chain of 10,000 `+` is 10,000 levels deep). Prometheus has no limit: its
/// yacc parser keeps its stack on the heap and Go stacks grow (promtool 2.42 checks
/// 100,000 nested parentheses, unary signs or `^` terms; a 20,000-term `+` chain takes
/// it a second, the time growing with the square of the length). Every pass over the
/// tree here runs on a growing stack or a work list, so the limit only bounds the work
/// of checks that look up a node's ancestors; it is far above what anyone writes, and
/// past it the expression is a clean `promql/syntax` finding, never a crash.
pub const MAX_DEPTH: u32 = 10_000;

/// Runs `f` with enough stack: recursion depth is bounded by [`MAX_DEPTH`], but debug
/// builds use large frames and worker threads have small stacks, so grow on demand.
pub fn grow_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(128 * 1024, 2 * 1024 * 1024, f)
}

/// A grammar error was recorded; unwind to the top.
#[derive(Debug)]
pub(crate) struct Abort;

type PResult<T> = Result<T, Abort>;

/// An expression and the depth of its tree, so deep trees are refused before any
/// recursive pass (type checking, analysis, drop) walks them.
struct Node {
    expr: Expr,
    depth: u32,
}

/// Where a duration expression sits, for Prometheus' "unexpected ... in <context>,
/// expected <what>" messages.
#[derive(Clone, Copy)]
struct DurationContext {
    context: &'static str,
    expected: &'static str,
}

const RANGE_CONTEXT: DurationContext = DurationContext {
    context: "subquery or range selector",
    expected: "number, duration, step(), or range()",
};
const STEP_CONTEXT: DurationContext = DurationContext {
    context: "subquery selector",
    expected: "number, duration, step(), range(), or \"]\"",
};
const OFFSET_CONTEXT: DurationContext = DurationContext {
    context: "offset",
    expected: "number, duration, step(), or range()",
};

pub(crate) struct Parser<'a> {
    input: &'a str,
    lexer: Lexer<'a>,
    tok: Token,
    lookahead: Option<Token>,
    pub(crate) errors: Vec<SyntaxError>,
    recursion: u32,
}

fn binary_op(kind: TokenKind) -> Option<BinaryOp> {
    use TokenKind as T;
    Some(match kind {
        T::Add => BinaryOp::Add,
        T::Sub => BinaryOp::Sub,
        T::Mul => BinaryOp::Mul,
        T::Div => BinaryOp::Div,
        T::Mod => BinaryOp::Mod,
        T::Pow => BinaryOp::Pow,
        T::Atan2 => BinaryOp::Atan2,
        T::Eqlc => BinaryOp::Eql,
        T::Neq => BinaryOp::Neq,
        T::Lte => BinaryOp::Lte,
        T::Lss => BinaryOp::Lss,
        T::Gte => BinaryOp::Gte,
        T::Gtr => BinaryOp::Gtr,
        T::TrimUpper => BinaryOp::TrimUpper,
        T::TrimLower => BinaryOp::TrimLower,
        T::And => BinaryOp::And,
        T::Or => BinaryOp::Or,
        T::Unless => BinaryOp::Unless,
        _ => return None,
    })
}

fn aggregate_op(kind: TokenKind) -> Option<AggregateOp> {
    use TokenKind as T;
    Some(match kind {
        T::Sum => AggregateOp::Sum,
        T::Avg => AggregateOp::Avg,
        T::Count => AggregateOp::Count,
        T::Min => AggregateOp::Min,
        T::Max => AggregateOp::Max,
        T::Group => AggregateOp::Group,
        T::Stddev => AggregateOp::Stddev,
        T::Stdvar => AggregateOp::Stdvar,
        T::Topk => AggregateOp::Topk,
        T::Bottomk => AggregateOp::Bottomk,
        T::CountValues => AggregateOp::CountValues,
        T::Quantile => AggregateOp::Quantile,
        T::Limitk => AggregateOp::Limitk,
        T::LimitRatio => AggregateOp::LimitRatio,
        _ => return None,
    })
}

fn match_op(kind: TokenKind) -> Option<MatchOp> {
    match kind {
        TokenKind::Eql => Some(MatchOp::Equal),
        TokenKind::Neq => Some(MatchOp::NotEqual),
        TokenKind::EqlRegex => Some(MatchOp::Regex),
        TokenKind::NeqRegex => Some(MatchOp::NotRegex),
        _ => None,
    }
}

/// Prometheus' bound on a literal duration: it must fit int64 nanoseconds.
/// (Written as two comparisons so NaN passes, as in Go.)
#[allow(clippy::manual_range_contains)]
fn duration_out_of_range(seconds: f64) -> bool {
    seconds > 9_223_372_036.854_775 || seconds < -9_223_372_036.854_776
}

impl<'a> Parser<'a> {
    pub(crate) fn new(input: &'a str) -> Self {
        let mut lexer = Lexer::new(input);
        let tok = lexer.next_token();
        Parser {
            input,
            lexer,
            tok,
            lookahead: None,
            errors: Vec::new(),
            recursion: 0,
        }
    }

    /// Parses the whole input as one expression.
    pub(crate) fn parse_input(&mut self) -> Option<Expr> {
        if self.tok.kind == TokenKind::Eof {
            self.error(0..0, "no expression found in input");
            return None;
        }
        let node = self.parse_expr(0).ok()?;
        if self.tok.kind != TokenKind::Eof {
            let _ = self.unexpected("", "");
            return None;
        }
        Some(node.expr)
    }

    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors.push(SyntaxError {
            span,
            message: message.into(),
        });
    }

    fn text(&self, span: Span) -> &'a str {
        &self.input[span]
    }

    fn advance(&mut self) -> Token {
        let current = self.tok;
        self.tok = match self.lookahead.take() {
            Some(t) => t,
            None => self.lexer.next_token(),
        };
        current
    }

    fn peek2(&mut self) -> Token {
        if self.lookahead.is_none() {
            self.lookahead = Some(self.lexer.next_token());
        }
        self.lookahead.expect("just filled")
    }

    /// Records "unexpected <token> in <context>, expected <expected>" at the current
    /// token, or the lexer's message if the current token is a lexical error.
    fn unexpected(&mut self, context: &str, expected: &str) -> Abort {
        let tok = self.tok;
        if tok.kind == TokenKind::Error {
            let message = self.lexer.error.clone().unwrap_or_default();
            self.error(tok.start..self.input.len(), message);
            return Abort;
        }
        let mut message = format!("unexpected {}", describe(&tok, self.input));
        if !context.is_empty() {
            message.push_str(" in ");
            message.push_str(context);
        }
        if !expected.is_empty() {
            message.push_str(", expected ");
            message.push_str(expected);
        }
        self.error(tok.span(), message);
        Abort
    }

    fn expect(&mut self, kind: TokenKind, context: &str, expected: &str) -> PResult<Token> {
        if self.tok.kind == kind {
            Ok(self.advance())
        } else {
            Err(self.unexpected(context, expected))
        }
    }

    fn enter(&mut self, at: usize) -> PResult<()> {
        self.recursion += 1;
        if self.recursion > MAX_DEPTH {
            self.error(
                at..at,
                format!("expression nesting exceeds the maximum depth of {MAX_DEPTH}"),
            );
            return Err(Abort);
        }
        Ok(())
    }

    fn depth_ok(&mut self, depth: u32, span: Span) -> PResult<u32> {
        if depth > MAX_DEPTH {
            self.error(
                span,
                format!("expression is too deeply nested (more than {MAX_DEPTH} levels)"),
            );
            return Err(Abort);
        }
        Ok(depth)
    }

    fn parse_expr(&mut self, min_prec: u8) -> PResult<Node> {
        self.enter(self.tok.start)?;
        let result = grow_stack(|| self.parse_expr_inner(min_prec));
        self.recursion -= 1;
        result
    }

    fn parse_expr_inner(&mut self, min_prec: u8) -> PResult<Node> {
        let mut lhs = self.parse_unary()?;
        loop {
            match self.tok.kind {
                TokenKind::LeftBracket => lhs = self.parse_range_or_subquery(lhs)?,
                TokenKind::Offset => lhs = self.parse_offset(lhs)?,
                TokenKind::At => lhs = self.parse_at(lhs)?,
                TokenKind::Anchored | TokenKind::Smoothed => lhs = self.parse_extended(lhs),
                kind => {
                    let Some(op) = binary_op(kind) else { break };
                    let prec = op.precedence();
                    if prec < min_prec {
                        break;
                    }
                    let op_tok = self.advance();
                    let mut binary = BinaryExpr {
                        op,
                        op_span: op_tok.span(),
                        lhs: Box::new(Expr::Number(NumberLiteral {
                            value: 0.0,
                            duration: false,
                            span: 0..0,
                        })),
                        rhs: Box::new(Expr::Number(NumberLiteral {
                            value: 0.0,
                            duration: false,
                            span: 0..0,
                        })),
                        return_bool: None,
                        matching: None,
                        group: None,
                        fill: Vec::new(),
                        span: 0..0,
                        value_type: ValueType::Vector,
                    };
                    self.parse_binary_modifiers(&mut binary)?;
                    let next_min = if op == BinaryOp::Pow { prec } else { prec + 1 };
                    let rhs = self.parse_expr(next_min)?;
                    let span = lhs.expr.span().start..rhs.expr.span().end;
                    let depth = self.depth_ok(1 + lhs.depth.max(rhs.depth), span.clone())?;
                    binary.span = span;
                    binary.value_type = Expr::binary_type(&lhs.expr, &rhs.expr);
                    binary.lhs = Box::new(lhs.expr);
                    binary.rhs = Box::new(rhs.expr);
                    lhs = Node {
                        expr: Expr::Binary(Box::new(binary)),
                        depth,
                    };
                }
            }
        }
        Ok(lhs)
    }

    fn parse_unary(&mut self) -> PResult<Node> {
        let op = match self.tok.kind {
            TokenKind::Add => UnaryOp::Pos,
            TokenKind::Sub => UnaryOp::Neg,
            _ => return self.parse_primary(),
        };
        let op_tok = self.advance();
        // `unary_op expr %prec MUL`: only `^` and postfix modifiers bind tighter.
        let operand = self.parse_expr(BinaryOp::Pow.precedence())?;
        let span = op_tok.start..operand.expr.span().end;
        if let Expr::Number(mut n) = operand.expr {
            if op == UnaryOp::Neg {
                n.value = -n.value;
            }
            n.span = span;
            return Ok(Node {
                expr: Expr::Number(n),
                depth: operand.depth,
            });
        }
        let depth = self.depth_ok(operand.depth + 1, span.clone())?;
        Ok(Node {
            expr: Expr::Unary(UnaryExpr {
                op,
                op_span: op_tok.span(),
                expr: Box::new(operand.expr),
                span,
            }),
            depth,
        })
    }

    fn parse_primary(&mut self) -> PResult<Node> {
        use TokenKind as T;
        let tok = self.tok;
        let leaf = |expr| Ok(Node { expr, depth: 1 });
        match tok.kind {
            T::Number | T::Duration => {
                self.advance();
                let value = self.literal_value(tok);
                leaf(Expr::Number(NumberLiteral {
                    value,
                    duration: tok.kind == T::Duration,
                    span: tok.span(),
                }))
            }
            T::String => {
                self.advance();
                leaf(Expr::String(StringLiteral {
                    value: unquote(self.text(tok.span())),
                    span: tok.span(),
                }))
            }
            T::LeftParen => {
                self.advance();
                let inner = self.parse_expr(0)?;
                let close = self.expect(T::RightParen, "", "")?;
                let span = tok.start..close.end;
                let depth = self.depth_ok(inner.depth + 1, span.clone())?;
                Ok(Node {
                    expr: Expr::Paren(ParenExpr {
                        expr: Box::new(inner.expr),
                        span,
                    }),
                    depth,
                })
            }
            T::LeftBrace => {
                let selector = self.parse_selector(None)?;
                leaf(Expr::Selector(Box::new(selector)))
            }
            T::Identifier | T::Start | T::End | T::Step | T::Range | T::MaxOf | T::MinOf
                if self.peek2().kind == T::LeftParen =>
            {
                self.parse_call()
            }
            kind if aggregate_op(kind).is_some()
                && matches!(self.peek2().kind, T::LeftParen | T::By | T::Without) =>
            {
                self.parse_aggregate()
            }
            kind if kind.is_metric_identifier() => {
                self.advance();
                let name = Ident {
                    name: self.text(tok.span()).to_string(),
                    span: tok.span(),
                };
                let selector = self.parse_selector(Some(name))?;
                leaf(Expr::Selector(Box::new(selector)))
            }
            _ => Err(self.unexpected("", "")),
        }
    }

    /// The value of a number or duration token; a bad one is reported and reads as 0.
    fn literal_value(&mut self, tok: Token) -> f64 {
        let text = self.text(tok.span());
        let parsed = if tok.kind == TokenKind::Duration {
            parse_duration(text)
        } else {
            parse_number(text).map_err(|e| format!("error parsing number: {e}"))
        };
        match parsed {
            Ok(v) => v,
            Err(message) => {
                self.error(tok.span(), message);
                0.0
            }
        }
    }

    fn parse_selector(&mut self, name: Option<Ident>) -> PResult<VectorSelector> {
        let start = name
            .as_ref()
            .map(|n| n.span.start)
            .unwrap_or(self.tok.start);
        let mut end = name.as_ref().map(|n| n.span.end).unwrap_or(start);
        let mut matchers = Vec::new();
        let mut braces = None;
        if self.tok.kind == TokenKind::LeftBrace {
            let (list, span) = self.parse_matchers()?;
            matchers = list;
            end = span.end;
            braces = Some(span);
        }
        Ok(VectorSelector {
            name,
            matchers,
            braces,
            modifiers: Modifiers::default(),
            span: start..end,
        })
    }

    fn parse_matchers(&mut self) -> PResult<(Vec<Matcher>, Span)> {
        const CONTEXT: &str = "label matching";
        let open = self.advance();
        let mut matchers = Vec::new();
        loop {
            let tok = self.tok;
            match tok.kind {
                TokenKind::RightBrace => {
                    self.advance();
                    // Parsed expressions live for a whole run with a catalog: keep the
                    // usual one or two matchers without growth slack.
                    matchers.shrink_to_fit();
                    return Ok((matchers, open.start..tok.end));
                }
                TokenKind::Identifier | TokenKind::String => {
                    self.advance();
                    let quoted = tok.kind == TokenKind::String;
                    let raw = self.text(tok.span());
                    let name = if quoted {
                        unquote(raw)
                    } else {
                        raw.to_string()
                    };
                    match match_op(self.tok.kind) {
                        Some(op) => {
                            let op_tok = self.advance();
                            let value_tok = self.expect(TokenKind::String, CONTEXT, "string")?;
                            let value = unquote(self.text(value_tok.span()));
                            let span = tok.start..value_tok.end;
                            if op.is_regex() {
                                if let Err(message) = regex::validate(&value) {
                                    self.error(span.clone(), message);
                                }
                            }
                            matchers.push(Matcher {
                                name,
                                name_span: tok.span(),
                                op,
                                op_span: op_tok.span(),
                                value,
                                value_span: value_tok.span(),
                                bare_name: false,
                                span,
                            });
                        }
                        None if quoted => matchers.push(Matcher {
                            name: "__name__".to_string(),
                            name_span: tok.span(),
                            op: MatchOp::Equal,
                            op_span: tok.start..tok.start,
                            value: name,
                            value_span: tok.span(),
                            bare_name: true,
                            span: tok.span(),
                        }),
                        None => return Err(self.unexpected(CONTEXT, "label matching operator")),
                    }
                }
                _ => return Err(self.unexpected(CONTEXT, "identifier or \"}\"")),
            }
            match self.tok.kind {
                TokenKind::Comma => {
                    self.advance();
                }
                TokenKind::RightBrace => {}
                _ => return Err(self.unexpected(CONTEXT, "\",\" or \"}\"")),
            }
        }
    }

    /// `(` args `)` of a call or aggregation; returns the args and the parentheses' span.
    fn parse_call_body(&mut self) -> PResult<(Vec<Node>, Span)> {
        let open = self.expect(TokenKind::LeftParen, "", "")?;
        let mut args = Vec::new();
        if self.tok.kind == TokenKind::RightParen {
            let close = self.advance();
            return Ok((args, open.start..close.end));
        }
        loop {
            args.push(self.parse_expr(0)?);
            match self.tok.kind {
                TokenKind::Comma => {
                    let comma = self.advance();
                    if self.tok.kind == TokenKind::RightParen {
                        self.error(
                            comma.span(),
                            "trailing commas not allowed in function call args",
                        );
                        let close = self.advance();
                        return Ok((args, open.start..close.end));
                    }
                }
                TokenKind::RightParen => {
                    let close = self.advance();
                    return Ok((args, open.start..close.end));
                }
                _ => return Err(self.unexpected("", "")),
            }
        }
    }

    fn parse_call(&mut self) -> PResult<Node> {
        let name_tok = self.advance();
        let name = self.text(name_tok.span()).to_string();
        let function = functions::lookup(&name);
        if function.is_none() {
            self.error(
                name_tok.span(),
                format!("unknown function with name {}", go_quote(&name)),
            );
        }
        let (args, parens) = self.parse_call_body()?;
        let span = name_tok.start..parens.end;
        let depth = 1 + args.iter().map(|a| a.depth).max().unwrap_or(0);
        let depth = self.depth_ok(depth, span.clone())?;
        Ok(Node {
            expr: Expr::Call(Box::new(Call {
                name,
                name_span: name_tok.span(),
                function,
                args: args.into_iter().map(|a| a.expr).collect(),
                parens,
                span,
            })),
            depth,
        })
    }

    fn parse_aggregate(&mut self) -> PResult<Node> {
        let op_tok = self.advance();
        let op = aggregate_op(op_tok.kind).expect("checked by caller");
        let mut grouping = None;
        if matches!(self.tok.kind, TokenKind::By | TokenKind::Without) {
            grouping = Some(self.parse_grouping()?);
        }
        let (args, parens) = self.parse_call_body()?;
        let mut end = parens.end;
        if grouping.is_none() && matches!(self.tok.kind, TokenKind::By | TokenKind::Without) {
            let g = self.parse_grouping()?;
            end = g.span.end;
            grouping = Some(g);
        }
        let span = op_tok.start..end;
        let depth = 1 + args.iter().map(|a| a.depth).max().unwrap_or(0);
        let depth = self.depth_ok(depth, span.clone())?;
        let mut args: Vec<Expr> = args.into_iter().map(|a| a.expr).collect();
        let wanted = if op.has_param() { 2 } else { 1 };
        if args.is_empty() {
            self.error(
                span.clone(),
                "no arguments for aggregate expression provided",
            );
        } else if args.len() != wanted {
            self.error(
                span.clone(),
                format!(
                    "wrong number of arguments for aggregate expression provided, expected {wanted}, got {}",
                    args.len()
                ),
            );
        }
        if args.len() != wanted {
            // Reported above; keep a well-formed node, the result is discarded anyway.
            args.resize_with(wanted, || {
                Expr::Number(NumberLiteral {
                    value: 0.0,
                    duration: false,
                    span: span.clone(),
                })
            });
        }
        let expr = Box::new(args.pop().expect("resized"));
        let param = args.pop().map(Box::new);
        Ok(Node {
            expr: Expr::Aggregate(Box::new(AggregateExpr {
                op,
                op_span: op_tok.span(),
                grouping,
                param,
                expr,
                span,
            })),
            depth,
        })
    }

    fn parse_grouping(&mut self) -> PResult<Grouping> {
        let keyword = self.advance();
        let (labels, list_span) = self.parse_label_list()?;
        Ok(Grouping {
            without: keyword.kind == TokenKind::Without,
            keyword_span: keyword.span(),
            labels,
            span: keyword.start..list_span.end,
        })
    }

    /// `(a, "b", c,)` after `by`, `without`, `on`, `ignoring`, `group_left`, ...
    fn parse_label_list(&mut self) -> PResult<(Vec<Ident>, Span)> {
        const CONTEXT: &str = "grouping opts";
        let open = self.expect(TokenKind::LeftParen, CONTEXT, "\"(\"")?;
        let mut labels = Vec::new();
        loop {
            let tok = self.tok;
            if tok.kind == TokenKind::RightParen {
                self.advance();
                return Ok((labels, open.start..tok.end));
            }
            let name = if tok.kind == TokenKind::String {
                let name = unquote(self.text(tok.span()));
                if name.is_empty() {
                    self.error(
                        tok.span(),
                        format!("invalid label name for grouping: {}", go_quote(&name)),
                    );
                }
                name
            } else if tok.kind.is_label() {
                self.text(tok.span()).to_string()
            } else {
                return Err(self.unexpected(CONTEXT, "label"));
            };
            self.advance();
            labels.push(Ident {
                name,
                span: tok.span(),
            });
            match self.tok.kind {
                TokenKind::Comma => {
                    self.advance();
                }
                TokenKind::RightParen => {}
                _ => return Err(self.unexpected(CONTEXT, "\",\" or \")\"")),
            }
        }
    }

    fn parse_binary_modifiers(&mut self, binary: &mut BinaryExpr) -> PResult<()> {
        if self.tok.kind == TokenKind::Bool {
            binary.return_bool = Some(self.advance().span());
        }
        if matches!(self.tok.kind, TokenKind::On | TokenKind::Ignoring) {
            let keyword = self.advance();
            let (labels, list) = self.parse_label_list()?;
            binary.matching = Some(VectorMatching {
                on: keyword.kind == TokenKind::On,
                keyword_span: keyword.span(),
                labels,
                span: keyword.start..list.end,
            });
            if matches!(self.tok.kind, TokenKind::GroupLeft | TokenKind::GroupRight) {
                let keyword = self.advance();
                let mut labels = Vec::new();
                let mut end = keyword.end;
                if self.tok.kind == TokenKind::LeftParen {
                    let (list, span) = self.parse_label_list()?;
                    labels = list;
                    end = span.end;
                }
                binary.group = Some(GroupModifier {
                    side: if keyword.kind == TokenKind::GroupLeft {
                        GroupSide::Left
                    } else {
                        GroupSide::Right
                    },
                    keyword_span: keyword.span(),
                    labels,
                    span: keyword.start..end,
                });
            }
        }
        let side = |kind| match kind {
            TokenKind::Fill => Some(FillSide::Both),
            TokenKind::FillLeft => Some(FillSide::Left),
            TokenKind::FillRight => Some(FillSide::Right),
            _ => None,
        };
        if let Some(first) = side(self.tok.kind) {
            binary.fill.push(self.parse_fill(first)?);
            let second = side(self.tok.kind);
            if matches!(
                (first, second),
                (FillSide::Left, Some(FillSide::Right)) | (FillSide::Right, Some(FillSide::Left))
            ) {
                binary.fill.push(self.parse_fill(second.expect("matched"))?);
            }
        }
        Ok(())
    }

    /// `fill(v)`, `fill_left(-v)`, ...: a number or duration literal with an optional sign.
    fn parse_fill(&mut self, side: FillSide) -> PResult<FillModifier> {
        let keyword = self.advance();
        self.expect(TokenKind::LeftParen, "", "")?;
        let negative = match self.tok.kind {
            TokenKind::Sub => {
                self.advance();
                true
            }
            TokenKind::Add => {
                self.advance();
                false
            }
            _ => false,
        };
        if !matches!(self.tok.kind, TokenKind::Number | TokenKind::Duration) {
            return Err(self.unexpected("", ""));
        }
        let literal = self.advance();
        let value = self.literal_value(literal);
        let close = self.expect(TokenKind::RightParen, "", "")?;
        Ok(FillModifier {
            side,
            keyword_span: keyword.span(),
            value: if negative { -value } else { value },
            span: keyword.start..close.end,
        })
    }

    fn parse_range_or_subquery(&mut self, lhs: Node) -> PResult<Node> {
        let open = self.advance();
        let range = self.parse_positive_duration(RANGE_CONTEXT)?;
        match self.tok.kind {
            TokenKind::RightBracket => {
                let close = self.advance();
                Ok(self.make_matrix(lhs, range, open.start..close.end))
            }
            TokenKind::Colon => {
                self.advance();
                let step = if self.tok.kind == TokenKind::RightBracket {
                    None
                } else {
                    let step = self.parse_positive_duration(STEP_CONTEXT)?;
                    if self.tok.kind != TokenKind::RightBracket {
                        return Err(self.unexpected("subquery selector", "\"]\""));
                    }
                    Some(step)
                };
                let close = self.advance();
                let span = lhs.expr.span().start..close.end;
                let depth = self.depth_ok(lhs.depth + 1, span.clone())?;
                Ok(Node {
                    expr: Expr::Subquery(Box::new(SubqueryExpr {
                        expr: Box::new(lhs.expr),
                        range,
                        step,
                        brackets: open.start..close.end,
                        modifiers: Modifiers::default(),
                        span,
                    })),
                    depth,
                })
            }
            _ => Err(self.unexpected("subquery or range", "\":\" or \"]\"")),
        }
    }

    fn make_matrix(&mut self, lhs: Node, range: DurationExpr, brackets: Span) -> Node {
        let Expr::Selector(mut selector) = lhs.expr else {
            self.error(brackets, "ranges only allowed for vector selectors");
            return lhs;
        };
        if selector
            .modifiers
            .offset
            .as_ref()
            .is_some_and(offset_is_set)
        {
            self.error(brackets.clone(), "no offset modifiers allowed before range");
        } else if selector.modifiers.at.is_some() {
            self.error(brackets.clone(), "no @ modifiers allowed before range");
        }
        let modifiers = std::mem::take(&mut selector.modifiers);
        selector.span = selector.base_span();
        let span = selector.span.start..brackets.end;
        Node {
            expr: Expr::Matrix(Box::new(MatrixSelector {
                selector: *selector,
                range,
                brackets,
                modifiers: Modifiers {
                    offset: None,
                    at: None,
                    ..modifiers
                },
                span,
            })),
            depth: 1,
        }
    }

    fn parse_positive_duration(&mut self, ctx: DurationContext) -> PResult<DurationExpr> {
        let expr = self.parse_duration(0, ctx)?;
        if let DurationExpr::Literal { value, span, .. } = &expr {
            if *value <= 0.0 {
                self.error(span.clone(), "duration must be greater than 0");
            }
        }
        Ok(expr)
    }

    fn parse_duration(&mut self, min_prec: u8, ctx: DurationContext) -> PResult<DurationExpr> {
        self.enter(self.tok.start)?;
        let result = grow_stack(|| self.parse_duration_inner(min_prec, ctx));
        self.recursion -= 1;
        result
    }

    fn parse_duration_inner(
        &mut self,
        min_prec: u8,
        ctx: DurationContext,
    ) -> PResult<DurationExpr> {
        let mut lhs = self.parse_duration_unary(ctx)?;
        loop {
            let (op, prec) = match self.tok.kind {
                TokenKind::Add => (DurationOp::Add, 4),
                TokenKind::Sub => (DurationOp::Sub, 4),
                TokenKind::Mul => (DurationOp::Mul, 5),
                TokenKind::Div => (DurationOp::Div, 5),
                TokenKind::Mod => (DurationOp::Mod, 5),
                TokenKind::Pow => (DurationOp::Pow, 6),
                _ => break,
            };
            if prec < min_prec {
                break;
            }
            let op_tok = self.advance();
            let rhs = self.parse_duration(if prec == 6 { 6 } else { prec + 1 }, ctx)?;
            let span = lhs.span().start..rhs.span().end;
            let divides_by_zero = matches!(op, DurationOp::Div | DurationOp::Mod)
                && matches!(rhs, DurationExpr::Literal { value, .. } if value == 0.0);
            if divides_by_zero {
                let what = if op == DurationOp::Div {
                    "division by zero"
                } else {
                    "modulo by zero"
                };
                self.error(op_tok.span(), what);
                lhs = DurationExpr::Literal {
                    value: 0.0,
                    duration: false,
                    span,
                };
                continue;
            }
            lhs = DurationExpr::Binary {
                op,
                op_span: op_tok.span(),
                lhs: Box::new(lhs),
                rhs: Box::new(rhs),
                span,
            };
        }
        Ok(lhs)
    }

    fn parse_duration_unary(&mut self, ctx: DurationContext) -> PResult<DurationExpr> {
        let negative = match self.tok.kind {
            TokenKind::Add => false,
            TokenKind::Sub => true,
            _ => return self.parse_duration_atom(ctx),
        };
        let op_tok = self.advance();
        let operand = self.parse_duration(6, ctx)?;
        Ok(self.apply_duration_sign(op_tok, negative, operand))
    }

    /// A sign before a duration: folded into a literal (checking its range, as
    /// Prometheus does), a negation node otherwise.
    fn apply_duration_sign(
        &mut self,
        op_tok: Token,
        negative: bool,
        operand: DurationExpr,
    ) -> DurationExpr {
        let span = op_tok.start..operand.span().end;
        match operand {
            DurationExpr::Literal {
                value, duration, ..
            } => {
                let value = if negative { -value } else { value };
                if duration_out_of_range(value) {
                    self.error(op_tok.span(), "duration out of range");
                    return DurationExpr::Literal {
                        value: 0.0,
                        duration,
                        span,
                    };
                }
                DurationExpr::Literal {
                    value,
                    duration,
                    span,
                }
            }
            other if negative => DurationExpr::Neg {
                expr: Box::new(other),
                span,
            },
            other => other,
        }
    }

    fn parse_duration_atom(&mut self, ctx: DurationContext) -> PResult<DurationExpr> {
        let tok = self.tok;
        match tok.kind {
            TokenKind::Number | TokenKind::Duration => {
                self.advance();
                let value = self.literal_value(tok);
                if duration_out_of_range(value) {
                    self.error(tok.span(), "duration out of range");
                    return Ok(DurationExpr::Literal {
                        value: 0.0,
                        duration: tok.kind == TokenKind::Duration,
                        span: tok.span(),
                    });
                }
                Ok(DurationExpr::Literal {
                    value,
                    duration: tok.kind == TokenKind::Duration,
                    span: tok.span(),
                })
            }
            TokenKind::Step | TokenKind::Range => {
                self.advance();
                self.expect(TokenKind::LeftParen, ctx.context, ctx.expected)?;
                let close = self.expect(TokenKind::RightParen, ctx.context, ctx.expected)?;
                let span = tok.start..close.end;
                Ok(if tok.kind == TokenKind::Step {
                    DurationExpr::Step { span }
                } else {
                    DurationExpr::Range { span }
                })
            }
            TokenKind::MinOf | TokenKind::MaxOf => {
                self.advance();
                self.expect(TokenKind::LeftParen, ctx.context, ctx.expected)?;
                let first = self.parse_duration(0, ctx)?;
                self.expect(TokenKind::Comma, ctx.context, ctx.expected)?;
                let second = self.parse_duration(0, ctx)?;
                let close = self.expect(TokenKind::RightParen, ctx.context, ctx.expected)?;
                let span = tok.start..close.end;
                let args = Box::new((first, second));
                Ok(if tok.kind == TokenKind::MinOf {
                    DurationExpr::MinOf { args, span }
                } else {
                    DurationExpr::MaxOf { args, span }
                })
            }
            TokenKind::LeftParen => {
                self.advance();
                let inner = self.parse_duration(0, ctx)?;
                let close = self.expect(TokenKind::RightParen, ctx.context, ctx.expected)?;
                Ok(DurationExpr::Paren {
                    expr: Box::new(inner),
                    span: tok.start..close.end,
                })
            }
            _ => Err(self.unexpected(ctx.context, ctx.expected)),
        }
    }

    /// `offset` binds one duration term (`foo offset 5m + 1` is `(foo offset 5m) + 1`).
    fn parse_offset(&mut self, target: Node) -> PResult<Node> {
        let keyword = self.advance();
        let sign = match self.tok.kind {
            TokenKind::Add | TokenKind::Sub => Some(self.advance()),
            _ => None,
        };
        if !matches!(
            self.tok.kind,
            TokenKind::Number
                | TokenKind::Duration
                | TokenKind::Step
                | TokenKind::Range
                | TokenKind::MinOf
                | TokenKind::MaxOf
                | TokenKind::LeftParen
        ) {
            return Err(self.unexpected(OFFSET_CONTEXT.context, OFFSET_CONTEXT.expected));
        }
        let mut duration = self.parse_duration_atom(OFFSET_CONTEXT)?;
        if let Some(sign) = sign {
            duration = self.apply_duration_sign(sign, sign.kind == TokenKind::Sub, duration);
        }
        let span = keyword.start..duration.span().end;
        let offset = Offset {
            keyword_span: keyword.span(),
            duration,
            span: span.clone(),
        };
        let mut target = target;
        let target_span = target.expr.span();
        let Some((modifiers, node_span)) = modifiers_of(&mut target.expr) else {
            self.error(
                target_span,
                "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
            );
            return Ok(target);
        };
        if modifiers.offset.as_ref().is_some_and(offset_is_set) {
            self.error(target_span, "offset may not be set multiple times");
            return Ok(target);
        }
        modifiers.offset = Some(offset);
        node_span.end = span.end;
        Ok(target)
    }

    fn parse_at(&mut self, target: Node) -> PResult<Node> {
        let keyword = self.advance();
        let tok = self.tok;
        let (value, end) = match tok.kind {
            TokenKind::Start | TokenKind::End => {
                self.advance();
                self.expect(TokenKind::LeftParen, "@", "timestamp")?;
                let close = self.expect(TokenKind::RightParen, "@", "timestamp")?;
                let value = if tok.kind == TokenKind::Start {
                    AtValue::Start
                } else {
                    AtValue::End
                };
                (value, close.end)
            }
            TokenKind::Add | TokenKind::Sub | TokenKind::Number | TokenKind::Duration => {
                let negative = tok.kind == TokenKind::Sub;
                if matches!(tok.kind, TokenKind::Add | TokenKind::Sub) {
                    self.advance();
                }
                if !matches!(self.tok.kind, TokenKind::Number | TokenKind::Duration) {
                    return Err(self.unexpected("@", "timestamp"));
                }
                let literal = self.advance();
                let value = self.literal_value(literal);
                let value = if negative { -value } else { value };
                (AtValue::Timestamp(value), literal.end)
            }
            _ => return Err(self.unexpected("@", "timestamp")),
        };
        let mut target = target;
        let target_span = target.expr.span();
        if let AtValue::Timestamp(ts) = value {
            // Prometheus stores @ as int64 milliseconds.
            if !ts.is_finite() || ts >= 9.223_372_036_854_776e18 || ts <= -9.223_372_036_854_776e18
            {
                self.error(
                    target_span.clone(),
                    format!("timestamp out of bounds for @ modifier: {}", go_float_f(ts)),
                );
            }
        }
        let Some((modifiers, node_span)) = modifiers_of(&mut target.expr) else {
            self.error(
                target_span,
                "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery",
            );
            return Ok(target);
        };
        if modifiers.at.is_some() {
            self.error(target_span, "@ <timestamp> may not be set multiple times");
            return Ok(target);
        }
        modifiers.at = Some(At {
            keyword_span: keyword.span(),
            value,
            span: keyword.start..end,
        });
        node_span.end = end;
        Ok(target)
    }

    /// `anchored` / `smoothed` after a selector.
    fn parse_extended(&mut self, mut target: Node) -> Node {
        let keyword = self.advance();
        let anchored = keyword.kind == TokenKind::Anchored;
        let name = if anchored { "anchored" } else { "smoothed" };
        let target_span = target.expr.span();
        match &mut target.expr {
            Expr::Selector(_) | Expr::Matrix(_) => {
                let (modifiers, span) = modifiers_of(&mut target.expr).expect("selector");
                let (this, other) = if anchored {
                    (&mut modifiers.anchored, &modifiers.smoothed)
                } else {
                    (&mut modifiers.smoothed, &modifiers.anchored)
                };
                let conflict = other.is_some();
                *this = Some(keyword.span());
                span.end = span.end.max(keyword.end);
                if conflict {
                    self.error(
                        target_span,
                        "anchored and smoothed modifiers cannot be used together",
                    );
                }
            }
            Expr::Subquery(_) => self.error(
                target_span,
                format!("{name} modifier is not supported for subqueries"),
            ),
            _ => self.error(target_span, format!("{name} modifier not implemented")),
        }
        target
    }
}

/// Prometheus treats `offset 0` as "no offset" when checking for a second one.
fn offset_is_set(offset: &Offset) -> bool {
    !matches!(offset.duration, DurationExpr::Literal { value, .. } if value == 0.0)
}

/// The modifiers and span of a node that takes `offset` and `@`.
fn modifiers_of(expr: &mut Expr) -> Option<(&mut Modifiers, &mut Span)> {
    match expr {
        Expr::Selector(s) => Some((&mut s.modifiers, &mut s.span)),
        Expr::Matrix(m) => Some((&mut m.modifiers, &mut m.span)),
        Expr::Subquery(s) => Some((&mut s.modifiers, &mut s.span)),
        _ => None,
    }
}
