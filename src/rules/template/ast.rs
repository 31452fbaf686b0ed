//! The parsed form of a Go text/template, with byte spans in the template text.

use std::ops::Range;

pub type Span = Range<usize>;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Template {
    pub root: Vec<Node>,
    /// `{{define}}` and `{{block}}` bodies, in source order.
    pub definitions: Vec<Definition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: String,
    pub span: Span,
    pub body: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Text(Span),
    Comment(Span),
    Action(Pipeline),
    If(Control),
    Range(Control),
    With(Control),
    /// `{{template "name" pipeline}}`, also what a `{{block}}` leaves in place.
    Template {
        name: String,
        span: Span,
        pipe: Option<Pipeline>,
    },
    Break(Span),
    Continue(Span),
}

/// An `if`, `range` or `with` with its branches.
#[derive(Debug, Clone, PartialEq)]
pub struct Control {
    /// The keyword token.
    pub keyword: Span,
    pub pipe: Pipeline,
    pub list: Vec<Node>,
    pub else_list: Vec<Node>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub span: Span,
    /// Variables declared (`:=`) or assigned (`=`) by this pipeline.
    pub decl: Vec<Segment>,
    pub is_assign: bool,
    pub commands: Vec<Command>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub args: Vec<Operand>,
}

/// One name in a field chain with its span, e.g. `instance` in `$labels.instance`.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A function name.
    Identifier(Segment),
    Dot(Span),
    Nil(Span),
    Bool(bool, Span),
    /// A number, complex or character constant, as written.
    Number(String, Span),
    /// A quoted or raw string with its decoded value.
    String {
        value: String,
        span: Span,
    },
    /// `.A.B`: segments without the dots.
    Field(Vec<Segment>),
    /// `$x.A.B`: the first segment is the variable with its `$`.
    Variable(Vec<Segment>),
    /// `(pipeline).A.B`
    Chain {
        node: Box<Operand>,
        fields: Vec<Segment>,
    },
    Pipeline(Pipeline),
}

impl Operand {
    pub fn span(&self) -> Span {
        match self {
            Operand::Identifier(s) => s.span.clone(),
            Operand::Dot(span)
            | Operand::Nil(span)
            | Operand::Bool(_, span)
            | Operand::Number(_, span)
            | Operand::String { span, .. } => span.clone(),
            Operand::Field(segments) | Operand::Variable(segments) => {
                let start = segments.first().map(|s| s.span.start).unwrap_or(0);
                let end = segments.last().map(|s| s.span.end).unwrap_or(start);
                start..end
            }
            Operand::Chain { node, fields } => {
                let start = node.span().start;
                start..fields.last().map(|s| s.span.end).unwrap_or(start)
            }
            Operand::Pipeline(pipe) => pipe.span.clone(),
        }
    }
}

// Dropping a tree nested thousands of levels deep would recurse once per level and
// overflow a worker's stack. `Control` and `Pipeline` (the two ways a template nests)
// take their subtrees apart with an explicit work list instead: each node dropped inside
// the loop has already been emptied, so the recursion is one level deep.

impl Drop for Control {
    fn drop(&mut self) {
        let mut nodes = std::mem::take(&mut self.list);
        nodes.append(&mut self.else_list);
        while let Some(mut node) = nodes.pop() {
            if let Node::If(control) | Node::Range(control) | Node::With(control) = &mut node {
                nodes.append(&mut control.list);
                nodes.append(&mut control.else_list);
            }
        }
    }
}

impl Drop for Pipeline {
    fn drop(&mut self) {
        let mut operands: Vec<Operand> = Vec::new();
        for command in &mut self.commands {
            operands.append(&mut command.args);
        }
        while let Some(mut operand) = operands.pop() {
            match &mut operand {
                Operand::Pipeline(pipe) => {
                    for command in &mut pipe.commands {
                        operands.append(&mut command.args);
                    }
                }
                Operand::Chain { node, .. } => {
                    operands.push(std::mem::replace(node.as_mut(), Operand::Dot(0..0)))
                }
                _ => {}
            }
        }
    }
}
