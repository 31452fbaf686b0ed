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
        "expression nesting exceeds the maximum depth of 256"
    );
    let calls = format!("{}x{}", "abs(".repeat(5_000), ")".repeat(5_000));
    assert!(err(&calls).0.contains("maximum depth"));
    let unary = format!("{}1", "-".repeat(100_000));
    assert!(err(&unary).0.contains("maximum depth"));
}

#[test]
fn long_operator_chains_are_bounded() {
    // Left-associative chains build deep trees without recursion in the parser.
    let chain = vec!["a"; 3_000_000].join(" + ");
    assert!(chain.len() > 10_000_000);
    let (message, _) = err(&chain);
    assert!(message.contains("too deeply nested"), "{message}");
    let fine = vec!["a"; 500].join(" + ");
    ok(&fine);
}

#[test]
fn huge_flat_input_parses() {
    let big = format!("foo{{a=\"{}\"}}", "x".repeat(10_000_000));
    ok(&big);
}
