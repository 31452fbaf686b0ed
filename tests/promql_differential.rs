//! Differential test against the `promql-parser` crate on generated, type-correct
//! expressions in the syntax both parsers support: both must accept every expression and
//! build the same tree (operators, precedence, associativity, calls, aggregations).
//!
//! Known divergences (not generated here; see `../shared/research/promql-and-promtool.md`):
//! the crate rejects duration expressions, `anchored`/`smoothed` (also as names), trim
//! operators `</` `>/` and backtick strings with backslashes, all of which Prometheus 3.14
//! accepts; it accepts `info(x, foo{a="b"})`, `foo @ 9.3e18`, `foo[9.5e10]` and
//! `{a="1" or b="2"}`, which Prometheus rejects. Our parser follows Prometheus on all of
//! these (pinned by the conformance test on Prometheus' own parser cases).

use promgate::promql;
use promgate::promql::ast::{Expr, UnaryOp};
use promql_parser::parser as crate_parser;

/// A small deterministic generator (xorshift), so failures reproduce.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }

    fn selector(&mut self) -> String {
        let name = self.pick(&[
            "up",
            "http_requests_total",
            "node_cpu_seconds_total",
            "job:errors:rate5m",
            "sum",
            "by",
        ]);
        match self.below(4) {
            0 => name.to_string(),
            1 => format!("{name}{{job=\"api\"}}"),
            2 => format!("{name}{{job=~\"a.*\", code!=\"200\", env!~\"dev|test\"}}"),
            _ => format!("{{__name__=\"{name}\", instance=\"x:9090\"}}"),
        }
    }

    fn vector(&mut self, depth: u32) -> String {
        let choice = if depth == 0 { 0 } else { self.below(13) };
        let d = depth.saturating_sub(1);
        match choice {
            0 => self.selector(),
            1 => format!(
                "{}({})",
                self.pick(&["rate", "increase", "avg_over_time", "max_over_time"]),
                self.matrix(d)
            ),
            2 => {
                let op = self.pick(&["sum", "avg", "min", "max", "count", "stddev", "group"]);
                match self.below(3) {
                    0 => format!("{op}({})", self.vector(d)),
                    1 => format!("{op} by (job, instance) ({})", self.vector(d)),
                    _ => format!("{op}({}) without (pod)", self.vector(d)),
                }
            }
            3 | 4 => {
                let op = self.pick(&[
                    "+", "-", "*", "/", "%", "^", "==", "!=", ">", "<", ">=", "<=", "and", "or",
                    "unless", "atan2",
                ]);
                let matching = self.pick(&["", "", "on (job) ", "ignoring (instance) "]);
                if matching.is_empty() {
                    format!("{} {op} {}", self.vector(d), self.vector(d))
                } else {
                    // Parenthesised so precedence cannot give a scalar operand.
                    format!("({}) {op} {matching}({})", self.vector(d), self.vector(d))
                }
            }
            5 => {
                let op = self.pick(&["+", "-", "*", "/", "^", "> bool", "==", "atan2"]);
                if self.below(2) == 0 {
                    format!("{} {op} {}", self.vector(d), self.scalar(d))
                } else {
                    format!("{} {op} {}", self.scalar(d), self.vector(d))
                }
            }
            6 => format!("({})", self.vector(d)),
            7 => format!("-{}", self.vector(d)),
            8 => format!(
                "{} offset {}",
                self.selector(),
                self.pick(&["5m", "1h30m", "-2m"])
            ),
            9 => format!("topk({}, {})", self.scalar(d), self.vector(d)),
            10 => format!("histogram_quantile({}, {})", self.scalar(d), self.vector(d)),
            11 => format!(
                "label_replace({}, \"dst\", \"$1\", \"src\", \"(.*)\")",
                self.vector(d)
            ),
            _ => format!(
                "({}) * on (job) group_left (team) ({})",
                self.vector(d),
                self.vector(d)
            ),
        }
    }

    fn scalar(&mut self, depth: u32) -> String {
        let choice = if depth == 0 { 0 } else { self.below(7) };
        let d = depth.saturating_sub(1);
        match choice {
            0 => self
                .pick(&["1", "0.5", "2e3", "0x1f", "Inf", "300", ".5"])
                .to_string(),
            1 => format!("scalar({})", self.vector(d)),
            2 => "time()".to_string(),
            3 => format!("({})", self.scalar(d)),
            4 => {
                let op = self.pick(&["+", "-", "*", "/", "%", "^", "== bool", "> bool", "atan2"]);
                format!("{} {op} {}", self.scalar(d), self.scalar(d))
            }
            5 => format!("-{}", self.scalar(d)),
            _ => "pi()".to_string(),
        }
    }

    fn matrix(&mut self, depth: u32) -> String {
        match self.below(3) {
            0 => format!(
                "{}[{}]",
                self.selector(),
                self.pick(&["5m", "1h", "30s", "1d"])
            ),
            1 => format!("{}[5m] offset 1h", self.selector()),
            _ => format!("({})[10m:1m]", self.vector(depth)),
        }
    }
}

/// A canonical tree of our AST: `(op lhs rhs)`, `(call name args)`, ...
fn ours(e: &Expr) -> String {
    match e {
        Expr::Number(n) => format!("{:?}", n.value),
        Expr::String(s) => format!("{:?}", s.value),
        Expr::Selector(s) => format!("sel:{}", s.metric_name().map(|n| n.0).unwrap_or("")),
        Expr::Matrix(m) => format!(
            "(matrix sel:{})",
            m.selector.metric_name().map(|n| n.0).unwrap_or("")
        ),
        Expr::Subquery(s) => format!("(subquery {})", ours(&s.expr)),
        Expr::Call(c) => format!(
            "({} {})",
            c.name,
            c.args.iter().map(ours).collect::<Vec<_>>().join(" ")
        ),
        Expr::Aggregate(a) => format!(
            "(agg {} {}{})",
            a.op.as_str(),
            a.param.as_ref().map(|p| ours(p) + " ").unwrap_or_default(),
            ours(&a.expr)
        ),
        Expr::Binary(b) => format!("({} {} {})", b.op.as_str(), ours(&b.lhs), ours(&b.rhs)),
        Expr::Unary(u) if u.op == UnaryOp::Pos => ours(&u.expr),
        Expr::Unary(u) => format!("(neg {})", ours(&u.expr)),
        Expr::Paren(p) => format!("(paren {})", ours(&p.expr)),
    }
}

fn theirs(e: &crate_parser::Expr) -> String {
    use crate_parser::Expr as E;
    let name = |vs: &crate_parser::VectorSelector| {
        vs.name.clone().unwrap_or_else(|| {
            vs.matchers
                .matchers
                .iter()
                .find(|m| m.name == "__name__")
                .map(|m| m.value.clone())
                .unwrap_or_default()
        })
    };
    match e {
        E::NumberLiteral(n) => format!("{:?}", n.val),
        E::StringLiteral(s) => format!("{:?}", s.val),
        E::VectorSelector(vs) => format!("sel:{}", name(vs)),
        E::MatrixSelector(m) => format!("(matrix sel:{})", name(&m.vs)),
        E::Subquery(s) => format!("(subquery {})", theirs(&s.expr)),
        E::Call(c) => format!(
            "({} {})",
            c.func.name,
            c.args
                .args
                .iter()
                .map(|a| theirs(a))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        E::Aggregate(a) => format!(
            "(agg {} {}{})",
            a.op,
            a.param
                .as_ref()
                .map(|p| theirs(p) + " ")
                .unwrap_or_default(),
            theirs(&a.expr)
        ),
        E::Binary(b) => format!("({} {} {})", b.op, theirs(&b.lhs), theirs(&b.rhs)),
        E::Unary(u) => format!("(neg {})", theirs(&u.expr)),
        E::Paren(p) => format!("(paren {})", theirs(&p.expr)),
        E::Extension(_) => "extension".into(),
    }
}

#[test]
fn agrees_with_promql_parser_on_generated_expressions() {
    let mut gen = Gen(0x9E37_79B9_7F4A_7C15);
    let mut disagreements = Vec::new();
    let mut both_reject = 0;
    let total = 5_000;
    for _ in 0..total {
        let depth = 1 + gen.below(4) as u32;
        let query = gen.vector(depth);
        let our = promql::parse(&query);
        let their = crate_parser::parse(&query);
        match (&our.expr, &their) {
            (Some(a), Ok(b)) => {
                let (a, b) = (ours(a), theirs(b));
                if a != b {
                    disagreements.push(format!("{query}\n  ours:   {a}\n  theirs: {b}"));
                }
            }
            (None, Ok(_)) => {
                disagreements.push(format!("{query}\n  ours rejects: {:?}", our.errors))
            }
            (Some(_), Err(e)) => disagreements.push(format!("{query}\n  theirs rejects: {e}")),
            // Generated operands can still mistype (a scalar side of `and`): fine if both
            // reject.
            (None, Err(_)) => both_reject += 1,
        }
    }
    println!(
        "generated {total} expressions: {} accepted by both with the same tree, {both_reject} rejected by both, {} disagreements",
        total - both_reject - disagreements.len(),
        disagreements.len()
    );
    assert!(
        both_reject * 5 < total,
        "the generator makes too many invalid expressions"
    );
    for d in disagreements.iter().take(20) {
        println!("{d}");
    }
    assert!(disagreements.is_empty());
}

#[test]
fn known_divergences_are_pinned() {
    // Accepted by Prometheus 3.14 (parse_test.go / promqltest), rejected by the crate.
    for query in [
        "foo[5m+1m]",
        "foo offset -(1^2)",
        "foo[step()]",
        "rate(x[5m] anchored)",
        "anchored{job=\"test\"}",
        "sum by (smoothed) (x)",
        "a </ 5",
        r"foo{a=~`\d+`}",
        "1_000",
    ] {
        assert!(promql::parse(query).is_ok(), "ours rejects {query}");
        assert!(
            crate_parser::parse(query).is_err(),
            "the crate now accepts {query}"
        );
    }
    // Rejected by Prometheus 3.14, accepted by the crate.
    for query in [
        r#"info(x, target_info{foo="bar"})"#,
        "foo @ 9223372036854775808.000000",
        "foo[9.5e10]",
        "foo offset 9.5e10",
        r#"foo{a="1" or b="2"}"#,
        "foo[0]",
        "integral(foo[5m])",
    ] {
        assert!(!promql::parse(query).is_ok(), "ours accepts {query}");
        assert!(
            crate_parser::parse(query).is_ok(),
            "the crate now rejects {query}"
        );
    }
}
