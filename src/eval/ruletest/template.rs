//! Executes the Go templates of alert labels and annotations (parsed by
//! `crate::rules::template`) as Prometheus' template expander does: `$labels`,
//! `$externalLabels`, `$externalURL`, `$value`, Go's built-in functions and Prometheus'
//! (`humanize*`, `printf`, `query`, `first`, `label`, `value`, `match`, ...).

use crate::eval::value::format_value;
use crate::rules::template::{self, Command, Node, Operand, Pipeline, Template};
use std::collections::BTreeMap;

/// A value inside a template.
#[derive(Debug, Clone, PartialEq)]
pub enum TValue {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// A `map[string]string` (label sets).
    Map(BTreeMap<String, String>),
    /// The alert data (`.`): Labels, ExternalLabels, ExternalURL, Value.
    Data(Box<AlertData>),
    /// A query result sample.
    Sample(QuerySample),
    List(Vec<TValue>),
    /// `args` result: a map of `arg0`, `arg1`, ...
    AnyMap(BTreeMap<String, TValue>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlertData {
    pub labels: BTreeMap<String, String>,
    pub external_labels: BTreeMap<String, String>,
    pub external_url: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuerySample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Runs `query` from a template: an instant query at the alert's evaluation time.
pub type QueryFn<'a> = dyn Fn(&str) -> Result<Vec<QuerySample>, String> + 'a;

pub struct Expander<'a> {
    pub data: AlertData,
    pub query: &'a QueryFn<'a>,
    /// Evaluation time in seconds (`now`).
    pub now: f64,
}

const MAX_STEPS: usize = 100_000;

struct Exec<'a, 'b> {
    ex: &'b Expander<'a>,
    vars: Vec<(String, TValue)>,
    out: String,
    defs: &'b [template::Definition],
    steps: usize,
}

type R<T> = Result<T, String>;

impl<'a> Expander<'a> {
    /// Expands `text`; a failure becomes Prometheus' `<error expanding template: ...>`.
    pub fn expand(&self, text: &str) -> String {
        match self.try_expand(text) {
            Ok(s) => s,
            Err(e) => format!("<error expanding template: {e}>"),
        }
    }

    pub fn try_expand(&self, text: &str) -> R<String> {
        if !text.contains("{{") {
            return Ok(text.to_string());
        }
        let tmpl = parsed(text)?;
        let data = TValue::Data(Box::new(self.data.clone()));
        let mut exec = Exec {
            ex: self,
            vars: vec![
                ("$".into(), data.clone()),
                ("$labels".into(), TValue::Map(self.data.labels.clone())),
                (
                    "$externalLabels".into(),
                    TValue::Map(self.data.external_labels.clone()),
                ),
                (
                    "$externalURL".into(),
                    TValue::Str(self.data.external_url.clone()),
                ),
                ("$value".into(), TValue::Float(self.data.value)),
            ],
            out: String::new(),
            defs: &tmpl.definitions,
            steps: 0,
        };
        exec.list(&tmpl.root, &data, text)?;
        Ok(exec.out)
    }
}

thread_local! {
    /// Parsed templates by text: a rule expands the same templates at every evaluation.
    static PARSED: std::cell::RefCell<std::collections::HashMap<String, std::rc::Rc<Template>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

fn parsed(text: &str) -> R<std::rc::Rc<Template>> {
    if let Some(t) = PARSED.with(|c| c.borrow().get(text).cloned()) {
        return Ok(t);
    }
    let t = std::rc::Rc::new(template::parse_prometheus(text).map_err(|e| e.message)?);
    PARSED.with(|c| {
        let mut c = c.borrow_mut();
        // Bounded: a huge suite of distinct templates does not grow memory without end.
        if c.len() > 10_000 {
            c.clear();
        }
        c.insert(text.to_string(), t.clone());
    });
    Ok(t)
}

enum Flow {
    Normal,
    Break,
    Continue,
}

impl Exec<'_, '_> {
    fn list(&mut self, nodes: &[Node], dot: &TValue, src: &str) -> R<Flow> {
        for n in nodes {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return Err("template too expensive to execute".into());
            }
            match n {
                Node::Text(span) => self.out.push_str(&src[span.clone()]),
                Node::Comment(_) => {}
                Node::Action(p) => {
                    let v = self.pipeline(p, dot, src)?;
                    if p.decl.is_empty() {
                        self.out.push_str(&print_value(&v));
                    }
                }
                Node::If(c) | Node::With(c) => {
                    let mark = self.vars.len();
                    let v = self.pipeline(&c.pipe, dot, src)?;
                    let is_with = matches!(n, Node::With(_));
                    let flow = if truthy(&v) {
                        let new_dot = if is_with { v } else { dot.clone() };
                        self.list(&c.list, &new_dot, src)?
                    } else {
                        self.list(&c.else_list, dot, src)?
                    };
                    self.vars.truncate(mark);
                    if !matches!(flow, Flow::Normal) {
                        return Ok(flow);
                    }
                }
                Node::Range(c) => {
                    let mark = self.vars.len();
                    let v = self.pipeline_value(&c.pipe, dot, src)?;
                    let items: Vec<(TValue, TValue)> = match v {
                        TValue::Map(m) => m
                            .into_iter()
                            .map(|(k, v)| (TValue::Str(k), TValue::Str(v)))
                            .collect(),
                        TValue::AnyMap(m) => {
                            m.into_iter().map(|(k, v)| (TValue::Str(k), v)).collect()
                        }
                        TValue::List(l) => l
                            .into_iter()
                            .enumerate()
                            .map(|(i, v)| (TValue::Int(i as i64), v))
                            .collect(),
                        TValue::Int(n) => (0..n.max(0))
                            .map(|i| (TValue::Int(i), TValue::Int(i)))
                            .collect(),
                        TValue::Nil => Vec::new(),
                        other => {
                            return Err(format!("range can't iterate over {}", print_value(&other)))
                        }
                    };
                    if items.is_empty() {
                        self.list(&c.else_list, dot, src)?;
                    }
                    for (k, v) in items {
                        match c.pipe.decl.len() {
                            0 => {}
                            1 => self.vars.push((c.pipe.decl[0].name.clone(), v.clone())),
                            _ => {
                                self.vars.push((c.pipe.decl[0].name.clone(), k));
                                self.vars.push((c.pipe.decl[1].name.clone(), v.clone()));
                            }
                        }
                        let flow = self.list(&c.list, &v, src)?;
                        self.vars.truncate(mark);
                        if matches!(flow, Flow::Break) {
                            break;
                        }
                    }
                }
                Node::Template { name, pipe, .. } => {
                    let new_dot = match pipe {
                        Some(p) => self.pipeline(p, dot, src)?,
                        None => TValue::Nil,
                    };
                    let defs = self.defs;
                    let def = defs
                        .iter()
                        .rev()
                        .find(|d| &d.name == name)
                        .ok_or_else(|| format!("no such template {name:?}"))?;
                    let saved =
                        std::mem::replace(&mut self.vars, vec![("$".into(), new_dot.clone())]);
                    let r = self.list(&def.body, &new_dot, src);
                    self.vars = saved;
                    r?;
                }
                Node::Break(_) => return Ok(Flow::Break),
                Node::Continue(_) => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    /// Evaluates a pipeline for `range`, without declaring its variables.
    fn pipeline_value(&mut self, p: &Pipeline, dot: &TValue, src: &str) -> R<TValue> {
        let mut value: Option<TValue> = None;
        for cmd in &p.commands {
            value = Some(self.command(cmd, dot, value, src)?);
        }
        Ok(value.unwrap_or(TValue::Nil))
    }

    fn pipeline(&mut self, p: &Pipeline, dot: &TValue, src: &str) -> R<TValue> {
        let v = self.pipeline_value(p, dot, src)?;
        for d in &p.decl {
            if p.is_assign {
                match self.vars.iter_mut().rev().find(|(n, _)| *n == d.name) {
                    Some(slot) => slot.1 = v.clone(),
                    None => return Err(format!("undefined variable: {}", d.name)),
                }
            } else {
                self.vars.push((d.name.clone(), v.clone()));
            }
        }
        Ok(v)
    }

    fn command(
        &mut self,
        cmd: &Command,
        dot: &TValue,
        piped: Option<TValue>,
        src: &str,
    ) -> R<TValue> {
        let first = cmd.args.first().ok_or("empty command")?;
        if let Operand::Identifier(name) = first {
            let mut args = Vec::new();
            for a in &cmd.args[1..] {
                args.push(self.operand(a, dot, src)?);
            }
            if let Some(p) = piped {
                args.push(p);
            }
            return self.call(&name.name, args);
        }
        if cmd.args.len() > 1 || piped.is_some() {
            return Err(format!(
                "can't give argument to non-function {}",
                &src[first.span()]
            ));
        }
        self.operand(first, dot, src)
    }

    fn operand(&mut self, op: &Operand, dot: &TValue, src: &str) -> R<TValue> {
        Ok(match op {
            Operand::Identifier(name) => self.call(&name.name, Vec::new())?,
            Operand::Dot(_) => dot.clone(),
            Operand::Nil(_) => TValue::Nil,
            Operand::Bool(b, _) => TValue::Bool(*b),
            Operand::Number(text, _) => parse_number(text)?,
            Operand::String { value, .. } => TValue::Str(value.clone()),
            Operand::Field(segments) => {
                fields(dot.clone(), segments.iter().map(|s| s.name.as_str()))?
            }
            Operand::Variable(segments) => {
                let name = &segments[0].name;
                let v = self
                    .vars
                    .iter()
                    .rev()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| format!("undefined variable: {name}"))?;
                fields(v, segments[1..].iter().map(|s| s.name.as_str()))?
            }
            Operand::Chain { node, fields: f } => {
                let v = self.operand(node, dot, src)?;
                fields(v, f.iter().map(|s| s.name.as_str()))?
            }
            Operand::Pipeline(p) => {
                let mark = self.vars.len();
                let v = self.pipeline(p, dot, src)?;
                self.vars.truncate(mark);
                v
            }
        })
    }

    fn call(&mut self, name: &str, args: Vec<TValue>) -> R<TValue> {
        let arity = |n: usize| -> R<()> {
            if args.len() != n {
                Err(format!(
                    "wrong number of args for {name}: want {n} got {}",
                    args.len()
                ))
            } else {
                Ok(())
            }
        };
        Ok(match name {
            "and" => args
                .iter()
                .find(|a| !truthy(a))
                .or(args.last())
                .cloned()
                .unwrap_or(TValue::Nil),
            "or" => args
                .iter()
                .find(|a| truthy(a))
                .or(args.last())
                .cloned()
                .unwrap_or(TValue::Nil),
            "not" => {
                arity(1)?;
                TValue::Bool(!truthy(&args[0]))
            }
            "len" => {
                arity(1)?;
                TValue::Int(match &args[0] {
                    TValue::Str(s) => s.len(),
                    TValue::Map(m) => m.len(),
                    TValue::AnyMap(m) => m.len(),
                    TValue::List(l) => l.len(),
                    other => return Err(format!("len of {}", print_value(other))),
                } as i64)
            }
            "index" => {
                let mut v = args.first().cloned().ok_or("index of nothing")?;
                for k in &args[1..] {
                    v = match (&v, k) {
                        (TValue::Map(m), TValue::Str(k)) => {
                            TValue::Str(m.get(k).cloned().unwrap_or_default())
                        }
                        (TValue::AnyMap(m), TValue::Str(k)) => {
                            m.get(k).cloned().unwrap_or(TValue::Nil)
                        }
                        (TValue::List(l), TValue::Int(i)) => l
                            .get(*i as usize)
                            .cloned()
                            .ok_or_else(|| format!("index out of range: {i}"))?,
                        _ => return Err("can't index item".into()),
                    };
                }
                v
            }
            "print" => TValue::Str(go_sprint(&args)),
            "println" => TValue::Str(format!(
                "{}\n",
                args.iter().map(print_value).collect::<Vec<_>>().join(" ")
            )),
            "printf" => {
                let fmt = match args.first() {
                    Some(TValue::Str(s)) => s.clone(),
                    _ => return Err("printf needs a format string".into()),
                };
                TValue::Str(sprintf(&fmt, &args[1..]))
            }
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" => {
                if args.len() < 2 {
                    return Err("missing argument for comparison".to_string());
                }
                let ord = compare(&args[0], &args[1])?;
                use std::cmp::Ordering::*;
                let r = match name {
                    "eq" => args[1..]
                        .iter()
                        .any(|b| compare(&args[0], b).map(|o| o == Equal).unwrap_or(false)),
                    "ne" => ord != Equal,
                    "lt" => ord == Less,
                    "le" => ord != Greater,
                    "gt" => ord == Greater,
                    _ => ord != Less,
                };
                TValue::Bool(r)
            }
            "html" | "js" | "urlquery" | "urlQueryEscape" | "safeHtml" => {
                let s = go_sprint(&args);
                TValue::Str(match name {
                    "html" => s
                        .replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;")
                        .replace('"', "&#34;")
                        .replace('\'', "&#39;"),
                    "urlquery" | "urlQueryEscape" => url_escape(&s),
                    _ => s,
                })
            }
            "query" => {
                arity(1)?;
                let q = as_string(&args[0])?;
                let samples = (self.ex.query)(&q)?;
                TValue::List(samples.into_iter().map(TValue::Sample).collect())
            }
            "first" => {
                arity(1)?;
                match &args[0] {
                    TValue::List(l) => l
                        .first()
                        .cloned()
                        .ok_or("first() called on vector with no elements")?,
                    _ => return Err("first() needs a query result".into()),
                }
            }
            "label" => {
                arity(2)?;
                let l = as_string(&args[0])?;
                match &args[1] {
                    TValue::Sample(s) => TValue::Str(s.labels.get(&l).cloned().unwrap_or_default()),
                    _ => TValue::Str(String::new()),
                }
            }
            "value" => {
                arity(1)?;
                match &args[0] {
                    TValue::Sample(s) => TValue::Float(s.value),
                    _ => TValue::Nil,
                }
            }
            "strvalue" => {
                arity(1)?;
                match &args[0] {
                    TValue::Sample(s) => {
                        TValue::Str(s.labels.get("__value__").cloned().unwrap_or_default())
                    }
                    _ => TValue::Str(String::new()),
                }
            }
            "sortByLabel" => {
                arity(2)?;
                let l = as_string(&args[0])?;
                let TValue::List(mut list) = args[1].clone() else {
                    return Err("sortByLabel needs a query result".into());
                };
                list.sort_by(|a, b| match (a, b) {
                    (TValue::Sample(a), TValue::Sample(b)) => {
                        a.labels.get(&l).cmp(&b.labels.get(&l))
                    }
                    _ => std::cmp::Ordering::Equal,
                });
                TValue::List(list)
            }
            "args" => TValue::AnyMap(
                args.into_iter()
                    .enumerate()
                    .map(|(i, v)| (format!("arg{i}"), v))
                    .collect(),
            ),
            "reReplaceAll" => {
                arity(3)?;
                let re = regex::Regex::new(&as_string(&args[0])?).map_err(|e| e.to_string())?;
                let repl = as_string(&args[1])?;
                TValue::Str(
                    re.replace_all(&as_string(&args[2])?, repl.as_str())
                        .into_owned(),
                )
            }
            "match" => {
                arity(2)?;
                let re = regex::Regex::new(&as_string(&args[0])?).map_err(|e| e.to_string())?;
                TValue::Bool(re.is_match(&as_string(&args[1])?))
            }
            "title" => {
                arity(1)?;
                TValue::Str(title_case(&as_string(&args[0])?))
            }
            "toUpper" => TValue::Str(
                as_string(args.first().ok_or("toUpper needs an argument")?)?.to_uppercase(),
            ),
            "toLower" => TValue::Str(
                as_string(args.first().ok_or("toLower needs an argument")?)?.to_lowercase(),
            ),
            "stripPort" => {
                let s = as_string(args.first().ok_or("stripPort needs an argument")?)?;
                TValue::Str(match s.rfind(':') {
                    Some(i) if !s[i + 1..].contains(']') => s[..i]
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .to_string(),
                    _ => s,
                })
            }
            "stripDomain" => {
                let s = as_string(args.first().ok_or("stripDomain needs an argument")?)?;
                let (host, port) = match s.rfind(':') {
                    Some(i) => (&s[..i], &s[i..]),
                    None => (s.as_str(), ""),
                };
                let short = if host.parse::<std::net::IpAddr>().is_ok() {
                    host
                } else {
                    host.split('.').next().unwrap_or(host)
                };
                TValue::Str(format!("{short}{port}"))
            }
            "humanize" => TValue::Str(humanize(to_float(
                args.first().ok_or("humanize needs an argument")?,
            )?)),
            "humanize1024" => TValue::Str(humanize1024(to_float(
                args.first().ok_or("humanize1024 needs an argument")?,
            )?)),
            "humanizeDuration" => TValue::Str(humanize_duration(to_float(
                args.first().ok_or("humanizeDuration needs an argument")?,
            )?)),
            "humanizePercentage" => TValue::Str(format!(
                "{}%",
                go_g4(
                    to_float(args.first().ok_or("humanizePercentage needs an argument")?)? * 100.0
                )
            )),
            "humanizeTimestamp" => TValue::Str(humanize_timestamp(to_float(
                args.first().ok_or("humanizeTimestamp needs an argument")?,
            )?)),
            "toTime" => TValue::Str(humanize_timestamp(to_float(
                args.first().ok_or("toTime needs an argument")?,
            )?)),
            "toDuration" => TValue::Str(go_duration(to_float(
                args.first().ok_or("toDuration needs an argument")?,
            )?)),
            "parseDuration" => {
                let s = as_string(args.first().ok_or("parseDuration needs an argument")?)?;
                let (neg, body) = match s.strip_prefix('-') {
                    Some(b) => (true, b),
                    None => (false, s.as_str()),
                };
                let v = crate::promql::text::parse_duration(body)?;
                TValue::Float(if neg { -v } else { v })
            }
            "now" => TValue::Float(self.ex.now),
            "externalURL" => TValue::Str(self.ex.data.external_url.clone()),
            "pathPrefix" => TValue::Str(url_path(&self.ex.data.external_url)),
            "graphLink" | "tableLink" => {
                let expr = as_string(args.first().ok_or("graphLink needs an argument")?)?;
                let tab = if name == "graphLink" { 0 } else { 1 };
                TValue::Str(format!("/graph?g0.expr={}&g0.tab={tab}", url_escape(&expr)))
            }
            other => return Err(format!("function {other:?} not defined")),
        })
    }
}

fn fields<'s>(mut v: TValue, names: impl Iterator<Item = &'s str>) -> R<TValue> {
    for name in names {
        v = match v {
            TValue::Data(d) => match name {
                "Labels" => TValue::Map(d.labels.clone()),
                "ExternalLabels" => TValue::Map(d.external_labels.clone()),
                "ExternalURL" => TValue::Str(d.external_url.clone()),
                "Value" => TValue::Float(d.value),
                _ => return Err(format!("can't evaluate field {name} in type struct")),
            },
            TValue::Map(m) => TValue::Str(m.get(name).cloned().unwrap_or_default()),
            TValue::AnyMap(m) => m.get(name).cloned().unwrap_or(TValue::Nil),
            TValue::Sample(s) => match name {
                "Labels" => TValue::Map(s.labels.clone()),
                "Value" => TValue::Float(s.value),
                _ => {
                    return Err(format!(
                        "can't evaluate field {name} in type *template.sample"
                    ))
                }
            },
            TValue::Nil => TValue::Nil,
            other => {
                return Err(format!(
                    "can't evaluate field {name} in type {}",
                    type_name(&other)
                ))
            }
        };
    }
    Ok(v)
}

fn type_name(v: &TValue) -> &'static str {
    match v {
        TValue::Nil => "nil",
        TValue::Bool(_) => "bool",
        TValue::Int(_) => "int",
        TValue::Float(_) => "float64",
        TValue::Str(_) => "string",
        TValue::Map(_) | TValue::AnyMap(_) => "map",
        TValue::Data(_) => "struct",
        TValue::Sample(_) => "*template.sample",
        TValue::List(_) => "template.queryResult",
    }
}

fn parse_number(text: &str) -> R<TValue> {
    if let Ok(i) = text.parse::<i64>() {
        return Ok(TValue::Int(i));
    }
    crate::promql::text::parse_number(text)
        .map(TValue::Float)
        .map_err(|e| format!("bad number {text}: {e}"))
}

fn truthy(v: &TValue) -> bool {
    match v {
        TValue::Nil => false,
        TValue::Bool(b) => *b,
        TValue::Int(i) => *i != 0,
        TValue::Float(f) => *f != 0.0,
        TValue::Str(s) => !s.is_empty(),
        TValue::Map(m) => !m.is_empty(),
        TValue::AnyMap(m) => !m.is_empty(),
        TValue::List(l) => !l.is_empty(),
        TValue::Data(_) | TValue::Sample(_) => true,
    }
}

fn compare(a: &TValue, b: &TValue) -> R<std::cmp::Ordering> {
    use TValue::*;
    let o = match (a, b) {
        (Int(x), Int(y)) => x.cmp(y),
        (Int(_) | Float(_), Int(_) | Float(_)) => {
            let (x, y) = (to_float(a)?, to_float(b)?);
            x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Less)
        }
        (Str(x), Str(y)) => x.cmp(y),
        (Bool(x), Bool(y)) => x.cmp(y),
        _ => return Err("incompatible types for comparison".into()),
    };
    Ok(o)
}

fn as_string(v: &TValue) -> R<String> {
    match v {
        TValue::Str(s) => Ok(s.clone()),
        other => Err(format!("expected string; found {}", print_value(other))),
    }
}

/// Prometheus' `ConvertToFloat`.
fn to_float(v: &TValue) -> R<f64> {
    match v {
        TValue::Float(f) => Ok(*f),
        TValue::Int(i) => Ok(*i as f64),
        TValue::Str(s) => crate::promql::text::parse_number(s.trim()).or_else(|_| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| format!("strconv.ParseFloat: parsing {s:?}: invalid syntax"))
        }),
        other => Err(format!("can't convert {} to float", type_name(other))),
    }
}

/// How Go's `fmt` prints a value with `%v` / `{{ . }}`.
pub fn print_value(v: &TValue) -> String {
    match v {
        TValue::Nil => "<no value>".into(),
        TValue::Bool(b) => b.to_string(),
        TValue::Int(i) => i.to_string(),
        TValue::Float(f) => format_value(*f),
        TValue::Str(s) => s.clone(),
        TValue::Map(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        TValue::AnyMap(m) => format!(
            "map[{}]",
            m.iter()
                .map(|(k, v)| format!("{k}:{}", print_value(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        TValue::Data(d) => format!(
            "{{map[{}] map[] {} {}}}",
            d.labels
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(" "),
            d.external_url,
            format_value(d.value)
        ),
        TValue::Sample(s) => format!(
            "{{map[{}] {}}}",
            s.labels
                .iter()
                .map(|(k, v)| format!("{k}:{v}"))
                .collect::<Vec<_>>()
                .join(" "),
            format_value(s.value)
        ),
        TValue::List(l) => format!(
            "[{}]",
            l.iter().map(print_value).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// Go's `fmt.Sprint`: spaces between operands when neither is a string.
fn go_sprint(args: &[TValue]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        if i > 0 && !matches!(a, TValue::Str(_)) && !matches!(args[i - 1], TValue::Str(_)) {
            out.push(' ');
        }
        out.push_str(&print_value(a));
    }
    out
}

/// Go's `%.4g` (and `%.Ng` generally): `precision` significant digits, exponent form
/// when the exponent is < -4 or >= precision, trailing zeros removed.
pub fn go_g(v: f64, precision: usize) -> String {
    if let Some(text) = crate::eval::value::special_float_text(v) {
        return text.into();
    }
    let p = precision.max(1);
    let e = format!("{:.*e}", p - 1, v);
    let (mantissa, exp) = e.split_once('e').unwrap_or((&e, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= p as i32 {
        let m = trim_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (p as i32 - 1 - exp).max(0) as usize;
        trim_zeros(&format!("{v:.decimals$}")).to_string()
    }
}

fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

fn go_g4(v: f64) -> String {
    go_g(v, 4)
}

pub fn humanize(v: f64) -> String {
    if v == 0.0 || v.is_nan() || v.is_infinite() {
        return go_g4(v);
    }
    let mut v = v;
    let mut prefix = "";
    if v.abs() >= 1.0 {
        for p in ["k", "M", "G", "T", "P", "E", "Z", "Y"] {
            if v.abs() < 1000.0 {
                break;
            }
            prefix = p;
            v /= 1000.0;
        }
    } else {
        for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
            if v.abs() >= 1.0 {
                break;
            }
            prefix = p;
            v *= 1000.0;
        }
    }
    format!("{}{prefix}", go_g4(v))
}

fn humanize1024(v: f64) -> String {
    if v.abs() <= 1.0 || v.is_nan() || v.is_infinite() {
        return go_g4(v);
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"] {
        if v.abs() < 1024.0 {
            break;
        }
        prefix = p;
        v /= 1024.0;
    }
    format!("{}{prefix}", go_g4(v))
}

pub fn humanize_duration(v: f64) -> String {
    if v.is_nan() || v.is_infinite() {
        return go_g4(v);
    }
    if v == 0.0 {
        return format!("{}s", go_g4(v));
    }
    if v.abs() >= 1.0 {
        let sign = if v < 0.0 { "-" } else { "" };
        let v = v.abs();
        let d = v as i64;
        let (s, m, h, days) = (d % 60, (d / 60) % 60, (d / 3600) % 24, d / 86_400);
        if days != 0 {
            return format!("{sign}{days}d {h}h {m}m {s}s");
        }
        if h != 0 {
            return format!("{sign}{h}h {m}m {s}s");
        }
        if m != 0 {
            return format!("{sign}{m}m {s}s");
        }
        return format!("{sign}{}s", go_g4(v));
    }
    let mut v = v;
    let mut prefix = "";
    for p in ["m", "u", "n", "p", "f", "a", "z", "y"] {
        if v.abs() >= 1.0 {
            break;
        }
        prefix = p;
        v *= 1000.0;
    }
    format!("{}{prefix}s", go_g4(v))
}

/// Go's `time.Time.String()` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`.
fn humanize_timestamp(v: f64) -> String {
    if v.is_nan() || v.is_infinite() {
        return go_g4(v);
    }
    let secs = v.floor() as i64;
    let nanos = ((v - v.floor()) * 1e9).round() as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil(days);
    let mut frac = if nanos > 0 {
        format!(".{nanos:09}")
    } else {
        String::new()
    };
    while frac.ends_with('0') {
        frac.pop();
    }
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}{frac} +0000 UTC",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Go's `time.Duration.String()` for seconds.
fn go_duration(v: f64) -> String {
    let total_ns = (v * 1e9) as i64;
    if total_ns == 0 {
        return "0s".into();
    }
    let sign = if total_ns < 0 { "-" } else { "" };
    let ns = total_ns.unsigned_abs();
    if ns < 1_000_000_000 {
        return format!("{sign}{}ms", trim_zeros(&format!("{:.6}", ns as f64 / 1e6)));
    }
    let h = ns / 3_600_000_000_000;
    let m = (ns / 60_000_000_000) % 60;
    let s = (ns % 60_000_000_000) as f64 / 1e9;
    let s = trim_zeros(&format!("{s:.9}")).to_string();
    if h > 0 {
        format!("{sign}{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}s")
    } else {
        format!("{sign}{s}s")
    }
}

fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start && c.is_alphanumeric() {
            out.extend(c.to_uppercase());
            start = false;
        } else {
            out.push(c);
            if !c.is_alphanumeric() && c != '\'' {
                start = true;
            }
        }
    }
    out
}

fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map(|x| x.1).unwrap_or(url);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_string(),
        None => String::new(),
    }
}

/// Go's `fmt.Sprintf` for the verbs templates use: `%s %v %d %f %g %e %q %x %t %%`,
/// with flags, width and precision.
pub fn sprintf(fmt: &str, args: &[TValue]) -> String {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    let mut next = 0usize;
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "+-# 0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek() {
            if d.is_ascii_digit() {
                width.push(d);
                chars.next();
            } else {
                break;
            }
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_ascii_digit() {
                    p.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            precision = Some(p.parse().unwrap_or(0));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(arg) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let s = format_verb(verb, arg, precision, flags.contains('+'));
        let w: usize = width.parse().unwrap_or(0);
        let len = s.chars().count();
        if len < w {
            let pad = w - len;
            if flags.contains('-') {
                out.push_str(&s);
                out.push_str(&" ".repeat(pad));
            } else if flags.contains('0') && !matches!(verb, 's' | 'q' | 'v') {
                let (sign, digits) = if s.starts_with('-') || s.starts_with('+') {
                    s.split_at(1)
                } else {
                    ("", s.as_str())
                };
                out.push_str(sign);
                out.push_str(&"0".repeat(pad));
                out.push_str(digits);
            } else {
                out.push_str(&" ".repeat(pad));
                out.push_str(&s);
            }
        } else {
            out.push_str(&s);
        }
    }
    if next < args.len() {
        out.push_str("%!(EXTRA ");
        out.push_str(
            &args[next..]
                .iter()
                .map(|a| format!("{}={}", type_name(a), print_value(a)))
                .collect::<Vec<_>>()
                .join(", "),
        );
        out.push(')');
    }
    out
}

fn format_verb(verb: char, arg: &TValue, precision: Option<usize>, plus: bool) -> String {
    let sign = |s: String, v: f64| {
        if plus && v >= 0.0 && !s.starts_with('+') {
            format!("+{s}")
        } else {
            s
        }
    };
    match (verb, arg) {
        ('s' | 'v', v) => {
            let s = print_value(v);
            match (verb, precision, v) {
                ('s', Some(p), _) => s.chars().take(p).collect(),
                ('v', Some(p), TValue::Float(f)) => go_g(*f, p),
                _ => s,
            }
        }
        ('d', TValue::Int(i)) => sign(i.to_string(), *i as f64),
        ('d', TValue::Float(f)) => format!("%!d(float64={})", format_value(*f)),
        ('f' | 'F', v) => match to_float(v) {
            Ok(f) if f.is_nan() => "NaN".into(),
            Ok(f) if f.is_infinite() => {
                if f > 0.0 {
                    "+Inf".into()
                } else {
                    "-Inf".into()
                }
            }
            Ok(f) => sign(format!("{f:.*}", precision.unwrap_or(6)), f),
            Err(_) => format!("%!f({})", print_value(v)),
        },
        ('g' | 'G', v) => match to_float(v) {
            Ok(f) => sign(
                match precision {
                    Some(p) => go_g(f, p),
                    // Shortest representation, exponent from 1e21 like %v.
                    None => format_value(f),
                },
                f,
            ),
            Err(_) => format!("%!g({})", print_value(v)),
        },
        ('e' | 'E', v) => match to_float(v) {
            Ok(f) => {
                let s = format!("{f:.*e}", precision.unwrap_or(6));
                let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
                let e: i32 = e.parse().unwrap_or(0);
                sign(
                    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs()),
                    f,
                )
            }
            Err(_) => format!("%!e({})", print_value(v)),
        },
        ('q', v) => crate::promql::text::go_quote(&print_value(v)),
        ('t', TValue::Bool(b)) => b.to_string(),
        ('x', TValue::Int(i)) => format!("{i:x}"),
        ('x', TValue::Str(s)) => s.bytes().map(|b| format!("{b:02x}")).collect(),
        (verb, v) => format!("%!{verb}({}={})", type_name(v), print_value(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expander<'a>(query: &'a QueryFn<'a>) -> Expander<'a> {
        Expander {
            data: AlertData {
                labels: [
                    ("instance".to_string(), "web-1:9100".to_string()),
                    ("job".to_string(), "node".to_string()),
                ]
                .into(),
                external_labels: [("cluster".to_string(), "eu".to_string())].into(),
                external_url: "https://prom.example/p".into(),
                value: 1234567.0,
            },
            query,
            now: 0.0,
        }
    }

    #[test]
    fn expands_like_prometheus() {
        let q = |_: &str| {
            Ok(vec![QuerySample {
                labels: BTreeMap::new(),
                value: 0.5,
            }])
        };
        let ex = expander(&q);
        assert_eq!(
            ex.expand("{{ $labels.instance }} is down"),
            "web-1:9100 is down"
        );
        assert_eq!(ex.expand("{{ $value | humanize }}"), "1.235M");
        assert_eq!(ex.expand("{{ printf \"%.2f\" $value }}"), "1234567.00");
        assert_eq!(
            ex.expand("{{ $externalLabels.cluster }}/{{ .Labels.job }}"),
            "eu/node"
        );
        assert_eq!(
            ex.expand("{{ if gt $value 10.0 }}big{{ else }}small{{ end }}"),
            "big"
        );
        assert_eq!(
            ex.expand(
                "{{ with query \"up\" }}{{ . | first | value | humanizePercentage }}{{ end }}"
            ),
            "50%"
        );
        assert_eq!(ex.expand("{{ 90061 | humanizeDuration }}"), "1d 1h 1m 1s");
        assert_eq!(ex.expand("{{ $labels.instance | stripPort }}"), "web-1");
        assert!(ex
            .expand("{{ nosuch }}")
            .starts_with("<error expanding template:"));
    }

    #[test]
    fn go_number_formats() {
        assert_eq!(go_g(0.000012345, 4), "1.234e-05");
        assert_eq!(go_g(1.5, 4), "1.5");
        assert_eq!(go_g(12345.0, 4), "1.234e+04");
        assert_eq!(humanize1024(2048.0), "2ki");
        assert_eq!(humanize(0.001), "1m");
        assert_eq!(
            sprintf(
                "%5.1f|%-4s|%d",
                &[TValue::Float(2.65), TValue::Str("a".into()), TValue::Int(7)]
            ),
            "  2.6|a   |7"
        );
    }
}
