//! Unit tests pinning spans and messages.

use super::ast::*;
use super::*;

fn ok(input: &str) -> Expr {
    let result = parse(input);
    assert!(result.errors.is_empty(), "{input}: {:?}", result.errors);
    result.expr.unwrap()
}

fn err(input: &str) -> (String, Span) {
    let result = parse(input);
    let first = result
        .errors
        .first()
        .unwrap_or_else(|| panic!("{input} parsed"));
    (first.message.clone(), first.span.clone())
}

#[test]
fn smoke() {
    ok("sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m]))");
    assert_eq!(
        err("rate(foo)"),
        (
            "expected type range vector in call to function \"rate\", got instant vector".into(),
            5..8
        )
    );
}

#[test]
fn deep_nesting_is_a_clean_error() {
    // Runs on a test thread (2 MiB stack): nothing may overflow.
    let deep = format!("{}1{}", "(".repeat(50_000), ")".repeat(50_000));
    let (message, _) = err(&deep);
    assert_eq!(
        message,
        "expression nesting exceeds the maximum depth of 10000"
    );
    let calls = format!("{}x{}", "abs(".repeat(10_001), ")".repeat(10_001));
    assert!(err(&calls).0.contains("maximum depth"));
    let unary = format!("{}1", "-".repeat(100_000));
    assert!(err(&unary).0.contains("maximum depth"));
}

/// Regression (issue 16): Prometheus accepts all of these; we reported `promql/syntax`
/// past 1,024 chained operators, 256 unary signs or a 1,020-term `^` chain. Each is
/// parsed, type-checked, analysed and dropped on a test thread's 2 MiB stack.
#[test]
fn long_chains_that_prometheus_accepts_parse() {
    let n = 5_000;
    let inputs = [
        vec!["a"; n].join("+"),
        vec!["up{job=\"x\"}"; n].join(" or "),
        vec!["a"; n].join("^"),
        vec!["2"; n].join("^"),
        format!("{}a", "-".repeat(n)),
        format!("{}a", "-+".repeat(n / 2)),
        format!("{}a{}", "(".repeat(n), ")".repeat(n)),
        format!("{}a{}", "abs(".repeat(n), ")".repeat(n)),
        format!("{}a{}", "sum(".repeat(n), ")".repeat(n)),
        vec!["sum(rate(a[5m]))"; n].join(" / "),
    ];
    for input in &inputs {
        let expr = ok(input);
        // Label analysis recurses through every operator: it must not overflow.
        crate::promql::analysis::analyze(&expr);
        let mut nodes = 0;
        expr.walk(&mut |_| nodes += 1);
        assert!(nodes >= n, "{}: {nodes} nodes", &input[..20]);
    }
    assert_eq!(ok(&["2"; 3].join("^")).value_type(), ValueType::Scalar);
    assert_eq!(ok(&vec!["a"; n].join("*")).value_type(), ValueType::Vector);
}

#[test]
fn long_operator_chains_are_bounded() {
    // Left-associative chains build deep trees without recursion in the parser.
    let chain = vec!["a"; 3_000_000].join(" + ");
    assert!(chain.len() > 10_000_000);
    let (message, _) = err(&chain);
    assert!(message.contains("too deeply nested"), "{message}");
    let fine = vec!["a"; 10_000].join(" + ");
    ok(&fine);
    let (message, _) = err(&vec!["a"; 10_002].join(" + "));
    assert!(message.contains("more than 10000 levels"), "{message}");
}

#[test]
fn huge_flat_input_parses() {
    let big = format!("foo{{a=\"{}\"}}", "x".repeat(10_000_000));
    ok(&big);
}

fn text(input: &str, span: Span) -> &str {
    &input[span]
}

#[test]
fn selector_spans() {
    let q = r#"foo{job="api", "a.b"=~`x.*`} offset 5m @ 100 "#;
    let Expr::Selector(s) = ok(q) else { panic!() };
    assert_eq!(
        text(q, s.span.clone()),
        r#"foo{job="api", "a.b"=~`x.*`} offset 5m @ 100"#
    );
    assert_eq!(text(q, s.name.as_ref().unwrap().span.clone()), "foo");
    assert_eq!(
        text(q, s.braces.clone().unwrap()),
        r#"{job="api", "a.b"=~`x.*`}"#
    );
    assert_eq!(text(q, s.base_span()), r#"foo{job="api", "a.b"=~`x.*`}"#);
    let m = &s.matchers[1];
    assert_eq!(m.name, "a.b");
    assert_eq!(text(q, m.name_span.clone()), r#""a.b""#);
    assert_eq!(text(q, m.op_span.clone()), "=~");
    assert_eq!(m.value, "x.*");
    assert_eq!(text(q, m.value_span.clone()), "`x.*`");
    assert_eq!(text(q, m.span.clone()), r#""a.b"=~`x.*`"#);
    let offset = s.modifiers.offset.as_ref().unwrap();
    assert_eq!(text(q, offset.span.clone()), "offset 5m");
    assert_eq!(text(q, offset.keyword_span.clone()), "offset");
    assert_eq!(offset.duration.constant_seconds(), Some(300.0));
    let at = s.modifiers.at.as_ref().unwrap();
    assert_eq!(text(q, at.span.clone()), "@ 100");
    assert_eq!(at.value, AtValue::Timestamp(100.0));
    // A bare quoted metric name.
    let q = r#"{"my.metric"}"#;
    let Expr::Selector(s) = ok(q) else { panic!() };
    assert!(s.matchers[0].bare_name);
    assert_eq!(s.metric_name(), Some(("my.metric", 1..12)));
}

#[test]
fn range_and_subquery_spans() {
    let q = "rate(foo[5m+1m] anchored)";
    let Expr::Call(c) = ok(q) else { panic!() };
    assert_eq!(text(q, c.name_span.clone()), "rate");
    assert_eq!(text(q, c.parens.clone()), "(foo[5m+1m] anchored)");
    let Expr::Matrix(m) = &c.args[0] else {
        panic!()
    };
    assert_eq!(text(q, m.span.clone()), "foo[5m+1m] anchored");
    assert_eq!(text(q, m.brackets.clone()), "[5m+1m]");
    assert_eq!(text(q, m.range.span()), "5m+1m");
    assert_eq!(text(q, m.modifiers.anchored.clone().unwrap()), "anchored");
    let DurationExpr::Binary { op_span, .. } = &m.range else {
        panic!()
    };
    assert_eq!(text(q, op_span.clone()), "+");
    let q = "max_over_time((a > 1)[10m:step()] offset -1m)";
    let Expr::Call(c) = ok(q) else { panic!() };
    let Expr::Subquery(s) = &c.args[0] else {
        panic!()
    };
    assert_eq!(text(q, s.span.clone()), "(a > 1)[10m:step()] offset -1m");
    assert_eq!(text(q, s.brackets.clone()), "[10m:step()]");
    assert_eq!(text(q, s.step.as_ref().unwrap().span()), "step()");
    assert_eq!(
        s.modifiers
            .offset
            .as_ref()
            .unwrap()
            .duration
            .constant_seconds(),
        Some(-60.0)
    );
    let Expr::Paren(p) = &*s.expr else { panic!() };
    assert_eq!(text(q, p.span.clone()), "(a > 1)");
}

#[test]
fn aggregation_and_binary_spans() {
    let q = r#"sum by (job, "a.b") (x) / on (job) group_left (team) count_values("v", y) > bool 2"#;
    let Expr::Binary(cmp) = ok(q) else { panic!() };
    assert_eq!(text(q, cmp.op_span.clone()), ">");
    assert_eq!(text(q, cmp.return_bool.clone().unwrap()), "bool");
    let Expr::Binary(div) = &*cmp.lhs else {
        panic!()
    };
    assert_eq!(text(q, div.op_span.clone()), "/");
    let matching = div.matching.as_ref().unwrap();
    assert!(matching.on);
    assert_eq!(text(q, matching.span.clone()), "on (job)");
    assert_eq!(text(q, matching.labels[0].span.clone()), "job");
    let group = div.group.as_ref().unwrap();
    assert_eq!(group.side, GroupSide::Left);
    assert_eq!(text(q, group.span.clone()), "group_left (team)");
    let Expr::Aggregate(sum) = &*div.lhs else {
        panic!()
    };
    assert_eq!(text(q, sum.span.clone()), r#"sum by (job, "a.b") (x)"#);
    assert_eq!(text(q, sum.op_span.clone()), "sum");
    let grouping = sum.grouping.as_ref().unwrap();
    assert_eq!(text(q, grouping.span.clone()), r#"by (job, "a.b")"#);
    assert_eq!(grouping.labels[1].name, "a.b");
    assert_eq!(text(q, grouping.labels[1].span.clone()), r#""a.b""#);
    let Expr::Aggregate(cv) = &*div.rhs else {
        panic!()
    };
    let Expr::String(s) = cv.param.as_deref().unwrap() else {
        panic!()
    };
    assert_eq!((s.value.as_str(), text(q, s.span.clone())), ("v", r#""v""#));
    // Grouping after the body.
    let q = "sum(x) without (a)";
    let Expr::Aggregate(a) = ok(q) else { panic!() };
    assert_eq!(a.span, 0..18);
    assert!(a.grouping.as_ref().unwrap().without);
}

#[test]
fn unary_number_and_fill_spans() {
    let q = "-foo ^ 2";
    let Expr::Unary(u) = ok(q) else { panic!() };
    assert_eq!(text(q, u.op_span.clone()), "-");
    assert!(matches!(&*u.expr, Expr::Binary(b) if b.op == BinaryOp::Pow));
    let q = "- 0x1F";
    let Expr::Number(n) = ok(q) else { panic!() };
    assert_eq!((n.value, n.span), (-31.0, 0..6));
    let q = "1h30m";
    let Expr::Number(n) = ok(q) else { panic!() };
    assert!(n.duration);
    assert_eq!(n.value, 5400.0);
    let q = "a + fill_left(-1) fill_right(2) b";
    let Expr::Binary(b) = ok(q) else { panic!() };
    assert_eq!(b.fill.len(), 2);
    assert_eq!(text(q, b.fill[0].span.clone()), "fill_left(-1)");
    assert_eq!(b.fill[0].value, -1.0);
}

#[test]
fn precedence_and_associativity() {
    let shape = |q: &str| -> String {
        fn s(e: &Expr) -> String {
            match e {
                Expr::Binary(b) => format!("({} {} {})", s(&b.lhs), b.op.as_str(), s(&b.rhs)),
                Expr::Unary(u) => format!("(-{})", s(&u.expr)),
                Expr::Number(n) => n.value.to_string(),
                Expr::Selector(v) => v.metric_name().unwrap().0.to_string(),
                other => format!("{other:?}"),
            }
        }
        s(&ok(q))
    };
    assert_eq!(shape("2 ^ 3 ^ 2"), "(2 ^ (3 ^ 2))");
    assert_eq!(shape("a - b - c"), "((a - b) - c)");
    assert_eq!(shape("a + b * c"), "(a + (b * c))");
    assert_eq!(
        shape("a or b and c unless d"),
        "(a or ((b and c) unless d))"
    );
    assert_eq!(shape("a > b + c"), "(a > (b + c))");
    assert_eq!(shape("-a ^ b"), "(-(a ^ b))");
    assert_eq!(shape("-a * b"), "((-a) * b)");
    assert_eq!(shape("a atan2 b * c"), "((a atan2 b) * c)");
    assert_eq!(shape("a </ b + c"), "(a </ (b + c))");
}

#[test]
fn error_messages_in_prometheus_words() {
    let cases: &[(&str, &str, Span)] = &[
        ("sum(rate(x[5m])", "unclosed left parenthesis", 15..15),
        ("> 1", "unexpected <op:>>", 0..1),
        ("rates(x[5m])", "unknown function with name \"rates\"", 0..5),
        (
            "rate(x)",
            "expected type range vector in call to function \"rate\", got instant vector",
            5..6,
        ),
        (
            "{job=~\".*\"}",
            "vector selector must contain at least one non-empty matcher",
            0..11,
        ),
        // Prometheus' operator range ends before the last byte of the operator.
        (
            "1 > 2",
            "comparisons between scalars must use BOOL modifier",
            2..2,
        ),
        (
            "x{a=~\"(\"}",
            "error parsing regexp: unclosed group: `(`",
            2..8,
        ),
        ("x[0s]", "duration must be greater than 0", 2..4),
        ("x[5m/0]", "division by zero", 4..5),
        (
            "x offset 1y offset 1m",
            "offset may not be set multiple times",
            0..11,
        ),
        (
            "x @ 1 @ 2",
            "@ <timestamp> may not be set multiple times",
            0..5,
        ),
        ("sum by (job) x", "unexpected identifier \"x\"", 13..14),
        ("x{a=1}", "unexpected character inside braces: '1'", 4..6),
        ("\"abc", "unterminated quoted string", 0..4),
        (
            "x smoothed anchored",
            "anchored and smoothed modifiers cannot be used together",
            0..10,
        ),
        ("(x)[5m]", "ranges only allowed for vector selectors", 3..7),
        (
            "topk(x)",
            "wrong number of arguments for aggregate expression provided, expected 2, got 1",
            0..7,
        ),
        (
            "label_join(x)",
            "expected at least 3 argument(s) in call to \"label_join\", got 1",
            0..13,
        ),
        (
            "foo and 1",
            "set operator \"and\" not allowed in binary scalar expression",
            0..9,
        ),
        ("", "no expression found in input", 0..0),
    ];
    for (input, message, span) in cases {
        assert_eq!(err(input), (message.to_string(), span.clone()), "{input}");
    }
}

#[test]
fn several_independent_errors_are_reported() {
    let result = parse("rates(x) + foo(y) + z{a=~\"(\"}");
    let messages: Vec<&str> = result.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 3, "{messages:?}");
    assert!(messages[0].contains("\"rates\""));
    assert!(messages[1].contains("\"foo\""));
    assert!(messages[2].starts_with("error parsing regexp"));
    let result = parse("rate(x) + irate(y)");
    assert_eq!(result.errors.len(), 2);
}

/// `walk` and `nodes` visit every node parents first, children in source order: the
/// order a recursive walk over `children` gives (checks rely on a call coming before its
/// arguments, and on `nodes` listing what `walk` visits).
#[test]
fn walk_and_nodes_visit_in_source_preorder() {
    fn preorder(expr: &Expr, out: &mut Vec<*const Expr>) {
        out.push(expr);
        for child in expr.children() {
            preorder(child, out);
        }
    }
    for input in [
        "a",
        "-(a + b) * c unless d",
        "sum by (x) (rate(a[5m])) / on (x) group_left count(b)",
        "sum by (job) (rate(a{x=\"y\"}[5m])) / on (job) group_left b > 1",
        "topk(3, sum without (y) (c))",
        "topk(3, count_values(\"v\", x))",
        "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))[1h:5m] offset 1m",
        "quantile_over_time(0.9, (a - b)[1h:5m]) or vector(1) and label_replace(a, \"d\", \"$1\", \"s\", \"(.*)\")",
        "clamp(a, 0, 1) > bool 2 ^ -3 ^ 4",
    ] {
        let expr = ok(input);
        let mut expected = Vec::new();
        preorder(&expr, &mut expected);
        let mut walked = Vec::new();
        expr.walk(&mut |node| walked.push(node as *const Expr));
        assert_eq!(walked, expected, "{input}");
        let listed: Vec<*const Expr> = expr.nodes().into_iter().map(|n| n as *const Expr).collect();
        assert_eq!(listed, expected, "{input}");
    }
}
