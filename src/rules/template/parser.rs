//! Go's `text/template/parse`, reduced to what parsing decides: the tree, the variables
//! in scope and the functions that exist. The first error stops the parse, as in Go.

use super::ast::*;
use super::lexer::{go_quote, lex, Keyword, Token, TokenKind};
use super::TemplateError;
use std::borrow::Cow;

/// Parses `text` with `functions` defined and `variables` in scope at the top level
/// (Prometheus declares `$labels`, `$externalLabels`, `$externalURL` and `$value`).
pub fn parse_with<'a>(
    text: &'a str,
    functions: &dyn Fn(&str) -> bool,
    variables: &[&'a str],
) -> Result<Template, TemplateError> {
    let tokens = lex(text);
    let mut parser = Parser {
        tokens,
        index: 0,
        vars: std::iter::once("$")
            .chain(variables.iter().copied())
            .map(Cow::Borrowed)
            .collect(),
        functions,
        range_depth: 0,
        definitions: Vec::new(),
        open_controls: Vec::new(),
        text_len: text.len(),
        paren_depth: 0,
    };
    let root = parser.parse_top()?;
    Ok(Template {
        root,
        definitions: parser.definitions,
    })
}

type Result<T, E = TemplateError> = std::result::Result<T, E>;

/// Go's `maxStackDepth` (text/template/parse): parenthesized pipelines nest at most
/// this deep, and the 10,001st `(` is refused with Go's own message.
pub const MAX_PAREN_DEPTH: usize = 10_000;

/// Nested `if`/`range`/`with`/`block`/`define` bodies. Go has no limit (its stacks grow
/// to 1 GB); ours is far above anything written by hand, and what stays below it is
/// parsed on a growing stack, so a deep template is a finding, never a stack overflow.
pub const MAX_CONTROL_DEPTH: usize = 10_000;

/// Runs `f` with at least 64 KiB of stack left, growing onto the heap when needed:
/// rayon workers have 2 MiB stacks and templates nest as deep as their text allows.
pub(super) fn grow_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, f)
}

struct Parser<'f, 'a> {
    tokens: Vec<Token<'a>>,
    index: usize,
    /// Variables in scope, innermost last.
    vars: Vec<Cow<'a, str>>,
    functions: &'f dyn Fn(&str) -> bool,
    range_depth: usize,
    definitions: Vec<Definition>,
    /// Keyword spans of the controls being parsed, so "unexpected EOF" can point at the
    /// `if` that was never closed.
    open_controls: Vec<Span>,
    text_len: usize,
    /// Parenthesized pipelines being parsed (Go's `stackDepth`).
    paren_depth: usize,
}

/// What `itemList` stopped at.
enum ListEnd {
    End,
    Else,
}

impl<'f, 'a> Parser<'f, 'a> {
    fn next(&mut self) -> Token<'a> {
        let token = self.tokens[self.index.min(self.tokens.len() - 1)].clone();
        if self.index < self.tokens.len() - 1 {
            self.index += 1;
        } else {
            // Reading past the end keeps returning the last token (EOF or the error).
            self.index = self.tokens.len();
        }
        token
    }

    fn peek(&self) -> &Token<'a> {
        &self.tokens[self.index.min(self.tokens.len() - 1)]
    }

    fn backup(&mut self) {
        self.index -= 1;
    }

    fn next_non_space(&mut self) -> Token<'a> {
        loop {
            let token = self.next();
            if token.kind != TokenKind::Space {
                return token;
            }
        }
    }

    fn peek_non_space(&mut self) -> Token<'a> {
        let token = self.next_non_space();
        self.backup();
        token
    }

    fn error(&self, span: Span, message: impl Into<String>) -> TemplateError {
        TemplateError {
            span,
            message: message.into(),
        }
    }

    /// Go's `unexpected`: a lexing error is reported as itself.
    fn unexpected(&self, token: &Token, context: &str) -> TemplateError {
        match token.kind {
            TokenKind::Error => self.error(token.span.clone(), token.text.to_string()),
            TokenKind::Eof => self.error(
                self.eof_span(),
                format!("unexpected {} in {context}", token.describe()),
            ),
            _ => self.error(
                token.span.clone(),
                format!("unexpected {} in {context}", token.describe()),
            ),
        }
    }

    fn eof_span(&self) -> Span {
        match self.open_controls.last() {
            Some(span) => span.clone(),
            None => self.text_len..self.text_len,
        }
    }

    fn expect(&mut self, kind: TokenKind, context: &str) -> Result<Token<'a>> {
        let token = self.next_non_space();
        if token.kind != kind {
            return Err(self.unexpected(&token, context));
        }
        Ok(token)
    }

    fn parse_top(&mut self) -> Result<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek().kind != TokenKind::Eof {
            if self.peek().kind == TokenKind::LeftDelim {
                let saved = self.index;
                self.next();
                let keyword = self.next_non_space();
                if keyword.kind == TokenKind::Keyword(Keyword::Define) {
                    self.parse_definition(keyword.span)?;
                    continue;
                }
                self.index = saved;
            }
            match self.text_or_action()? {
                (node, None) => root.push(node),
                (_, Some((ListEnd::End, span))) => {
                    return Err(self.error(span, "unexpected {{end}}"));
                }
                (_, Some((ListEnd::Else, span))) => {
                    return Err(self.error(span, "unexpected {{else}}"));
                }
            }
        }
        Ok(root)
    }

    /// A body with its own variable scope (only `$`), as Go gives `define` and `block`.
    fn with_fresh_scope<T>(&mut self, body: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let saved_vars = std::mem::replace(&mut self.vars, vec![Cow::Borrowed("$")]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let result = body(self);
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        result
    }

    fn parse_definition(&mut self, keyword: Span) -> Result<()> {
        const CONTEXT: &str = "define clause";
        let name_token = self.next_non_space();
        let name = self.template_name(&name_token, CONTEXT)?;
        self.expect(TokenKind::RightDelim, CONTEXT)?;
        self.open_controls.push(keyword.clone());
        let (body, end) = self.with_fresh_scope(|p| p.item_list())?;
        self.open_controls.pop();
        if let (ListEnd::Else, span) = end {
            return Err(self.error(span, format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        self.definitions.push(Definition {
            name,
            span: keyword.start..name_token.span.end,
            body,
        });
        Ok(())
    }

    fn template_name(&self, token: &Token, context: &str) -> Result<String> {
        match token.kind {
            TokenKind::String | TokenKind::RawString => {
                unquote(&token.text).ok_or_else(|| self.error(token.span.clone(), "invalid syntax"))
            }
            _ => Err(self.unexpected(token, context)),
        }
    }

    /// Nodes up to `{{end}}` or `{{else}}`.
    fn item_list(&mut self) -> Result<(Vec<Node>, (ListEnd, Span))> {
        // Every open control (and `define`/`block`) pushed its keyword before its body.
        if self.open_controls.len() > MAX_CONTROL_DEPTH {
            let keyword = self.open_controls.last().cloned().unwrap_or(0..0);
            return Err(self.error(
                keyword,
                format!(
                    "control structures nest deeper than {MAX_CONTROL_DEPTH} levels \
                     (promgate's limit; Go has none)"
                ),
            ));
        }
        grow_stack(|| self.item_list_inner())
    }

    fn item_list_inner(&mut self) -> Result<(Vec<Node>, (ListEnd, Span))> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != TokenKind::Eof {
            match self.text_or_action()? {
                (node, None) => list.push(node),
                (_, Some(end)) => return Ok((list, end)),
            }
        }
        let token = self.peek_non_space();
        if token.kind == TokenKind::Error {
            return Err(self.error(token.span, token.text.into_owned()));
        }
        Err(self.error(self.eof_span(), "unexpected EOF"))
    }

    /// A node, or the `{{end}}` / `{{else}}` that closes the current list.
    fn text_or_action(&mut self) -> Result<(Node, Option<(ListEnd, Span)>)> {
        let token = self.next_non_space();
        match token.kind {
            TokenKind::Text => Ok((Node::Text(token.span), None)),
            TokenKind::Comment => Ok((Node::Comment(token.span), None)),
            TokenKind::LeftDelim => self.action(),
            _ => Err(self.unexpected(&token, "input")),
        }
    }

    fn action(&mut self) -> Result<(Node, Option<(ListEnd, Span)>)> {
        let token = self.next_non_space();
        let node = match token.kind {
            TokenKind::Keyword(Keyword::Block) => self.block_control(token.span)?,
            TokenKind::Keyword(Keyword::Break) => self.loop_control(token, "break")?,
            TokenKind::Keyword(Keyword::Continue) => self.loop_control(token, "continue")?,
            TokenKind::Keyword(Keyword::Else) => {
                let peek = self.peek_non_space();
                if !matches!(
                    peek.kind,
                    TokenKind::Keyword(Keyword::If) | TokenKind::Keyword(Keyword::With)
                ) {
                    self.expect(TokenKind::RightDelim, "else")?;
                }
                return Ok((
                    Node::Text(token.span.clone()),
                    Some((ListEnd::Else, token.span)),
                ));
            }
            TokenKind::Keyword(Keyword::End) => {
                self.expect(TokenKind::RightDelim, "end")?;
                return Ok((
                    Node::Text(token.span.clone()),
                    Some((ListEnd::End, token.span)),
                ));
            }
            TokenKind::Keyword(Keyword::If) => Node::If(self.control(token.span, "if")?),
            TokenKind::Keyword(Keyword::Range) => Node::Range(self.control(token.span, "range")?),
            TokenKind::Keyword(Keyword::With) => Node::With(self.control(token.span, "with")?),
            TokenKind::Keyword(Keyword::Template) => self.template_control(token.span)?,
            _ => {
                self.backup();
                Node::Action(self.pipeline("command", TokenKind::RightDelim)?)
            }
        };
        Ok((node, None))
    }

    fn loop_control(&mut self, keyword: Token<'a>, name: &str) -> Result<Node> {
        let token = self.next_non_space();
        if token.kind != TokenKind::RightDelim {
            return Err(self.unexpected(&token, &format!("{{{{{name}}}}}")));
        }
        if self.range_depth == 0 {
            return Err(self.error(
                keyword.span,
                format!("{{{{{name}}}}} outside {{{{range}}}}"),
            ));
        }
        Ok(if name == "break" {
            Node::Break(keyword.span)
        } else {
            Node::Continue(keyword.span)
        })
    }

    fn control(&mut self, keyword: Span, context: &str) -> Result<Control> {
        let vars_before = self.vars.len();
        // `else if` chains recurse here without passing through `item_list`.
        let result = grow_stack(|| self.control_body(keyword, context));
        self.vars.truncate(vars_before);
        result
    }

    fn control_body(&mut self, keyword: Span, context: &str) -> Result<Control> {
        let pipe = self.pipeline(context, TokenKind::RightDelim)?;
        self.open_controls.push(keyword.clone());
        if context == "range" {
            self.range_depth += 1;
        }
        let listed = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, (end, _)) = match listed {
            Ok(listed) => listed,
            Err(e) => {
                self.open_controls.pop();
                return Err(e);
            }
        };
        let mut else_list = Vec::new();
        let result = match end {
            ListEnd::End => Ok(()),
            ListEnd::Else => self.else_branch(context, &mut else_list),
        };
        self.open_controls.pop();
        result?;
        Ok(Control {
            keyword,
            pipe,
            list,
            else_list,
        })
    }

    fn else_branch(&mut self, context: &str, else_list: &mut Vec<Node>) -> Result<()> {
        let peek = self.peek_non_space();
        match (context, &peek.kind) {
            ("if", TokenKind::Keyword(Keyword::If)) => {
                self.next();
                else_list.push(Node::If(self.control(peek.span, "if")?));
            }
            ("with", TokenKind::Keyword(Keyword::With)) => {
                self.next();
                else_list.push(Node::With(self.control(peek.span, "with")?));
            }
            _ => {
                let (list, (end, span)) = self.item_list()?;
                if let ListEnd::Else = end {
                    return Err(self.error(span, "expected end; found {{else}}"));
                }
                *else_list = list;
            }
        }
        Ok(())
    }

    fn template_control(&mut self, keyword: Span) -> Result<Node> {
        const CONTEXT: &str = "template clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = if self.next_non_space().kind != TokenKind::RightDelim {
            self.backup();
            Some(self.pipeline(CONTEXT, TokenKind::RightDelim)?)
        } else {
            None
        };
        Ok(Node::Template {
            name,
            span: keyword.start..token.span.end,
            pipe,
        })
    }

    fn block_control(&mut self, keyword: Span) -> Result<Node> {
        const CONTEXT: &str = "block clause";
        let token = self.next_non_space();
        let name = self.template_name(&token, CONTEXT)?;
        let pipe = self.pipeline(CONTEXT, TokenKind::RightDelim)?;
        self.open_controls.push(keyword.clone());
        let listed = self.with_fresh_scope(|p| p.item_list());
        self.open_controls.pop();
        let (body, (end, span)) = listed?;
        if let ListEnd::Else = end {
            return Err(self.error(span, format!("unexpected {{{{else}}}} in {CONTEXT}")));
        }
        let span = keyword.start..token.span.end;
        self.definitions.push(Definition {
            name: name.clone(),
            span: span.clone(),
            body,
        });
        Ok(Node::Template {
            name,
            span,
            pipe: Some(pipe),
        })
    }

    fn pipeline(&mut self, context: &str, end: TokenKind) -> Result<Pipeline> {
        let start_token = self.peek_non_space();
        let mut pipe = Pipeline {
            span: start_token.span.clone(),
            decl: Vec::new(),
            is_assign: false,
            commands: Vec::new(),
        };
        self.declarations(&mut pipe, context)?;
        loop {
            let token = self.next_non_space();
            if token.kind == end {
                pipe.span = pipe.span.start..token.span.start;
                self.check_pipeline(&pipe, context, &token)?;
                return Ok(pipe);
            }
            match token.kind {
                TokenKind::Bool
                | TokenKind::CharConstant
                | TokenKind::Complex
                | TokenKind::Dot
                | TokenKind::Field
                | TokenKind::Identifier
                | TokenKind::Number
                | TokenKind::Nil
                | TokenKind::RawString
                | TokenKind::String
                | TokenKind::Variable
                | TokenKind::LeftParen => {
                    self.backup();
                    let command = self.command()?;
                    pipe.commands.push(command);
                }
                _ => return Err(self.unexpected(&token, context)),
            }
        }
    }

    fn declarations(&mut self, pipe: &mut Pipeline, context: &str) -> Result<()> {
        loop {
            let variable = self.peek_non_space();
            if variable.kind != TokenKind::Variable {
                return Ok(());
            }
            let before_variable = self.index;
            self.next();
            let next = self.peek_non_space();
            let declared = Segment {
                name: variable.text.to_string(),
                span: variable.span.clone(),
            };
            match next.kind {
                TokenKind::Assign | TokenKind::Declare => {
                    pipe.is_assign = next.kind == TokenKind::Assign;
                    self.next_non_space();
                    pipe.decl.push(declared);
                    self.vars.push(variable.text.clone());
                    return Ok(());
                }
                TokenKind::Char if next.text == "," => {
                    self.next_non_space();
                    pipe.decl.push(declared);
                    self.vars.push(variable.text.clone());
                    if context == "range" && pipe.decl.len() < 2 {
                        let following = self.peek_non_space();
                        match following.kind {
                            TokenKind::Variable | TokenKind::RightDelim | TokenKind::RightParen => {
                                continue;
                            }
                            _ => {
                                return Err(self
                                    .error(following.span, "range can only initialize variables"))
                            }
                        }
                    }
                    return Err(
                        self.error(next.span, format!("too many declarations in {context}"))
                    );
                }
                _ => {
                    // Not a declaration: `$x` is the first operand.
                    self.index = before_variable;
                    return Ok(());
                }
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipeline, context: &str, end: &Token) -> Result<()> {
        if pipe.commands.is_empty() {
            return Err(self.error(end.span.clone(), format!("missing value for {context}")));
        }
        for (i, command) in pipe.commands.iter().enumerate().skip(1) {
            if let Some(
                first @ (Operand::Bool(..)
                | Operand::Dot(_)
                | Operand::Nil(_)
                | Operand::Number(..)
                | Operand::String { .. }),
            ) = command.args.first()
            {
                return Err(self.error(
                    first.span(),
                    format!("non executable command in pipeline stage {}", i + 1),
                ));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> Result<Command> {
        let start = self.peek_non_space().span;
        let mut command = Command { args: Vec::new() };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                command.args.push(operand);
            }
            let token = self.next();
            match token.kind {
                TokenKind::Space => continue,
                TokenKind::RightDelim | TokenKind::RightParen => self.backup(),
                TokenKind::Pipe => {}
                _ => return Err(self.unexpected(&token, "operand")),
            }
            break;
        }
        if command.args.is_empty() {
            return Err(self.error(start, "empty command"));
        }
        Ok(command)
    }

    fn operand(&mut self) -> Result<Option<Operand>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek().kind != TokenKind::Field {
            return Ok(Some(node));
        }
        let mut fields = Vec::new();
        while self.peek().kind == TokenKind::Field {
            fields.push(field_segment(&self.next()));
        }
        Ok(Some(match node {
            Operand::Field(mut segments) => {
                segments.extend(fields);
                Operand::Field(segments)
            }
            Operand::Variable(mut segments) => {
                segments.extend(fields);
                Operand::Variable(segments)
            }
            Operand::Bool(..)
            | Operand::String { .. }
            | Operand::Number(..)
            | Operand::Nil(_)
            | Operand::Dot(_) => {
                let text = match &node {
                    Operand::Bool(b, _) => b.to_string(),
                    Operand::String { value, .. } => go_quote(value),
                    Operand::Number(n, _) => n.clone(),
                    Operand::Nil(_) => "nil".to_string(),
                    _ => ".".to_string(),
                };
                return Err(self.error(
                    fields[0].span.clone(),
                    format!("unexpected . after term {}", go_quote(&text)),
                ));
            }
            node => Operand::Chain {
                node: Box::new(node),
                fields,
            },
        }))
    }

    fn term(&mut self) -> Result<Option<Operand>> {
        let token = self.next_non_space();
        let span = token.span.clone();
        Ok(Some(match token.kind {
            TokenKind::Identifier => {
                if !(self.functions)(&token.text) {
                    return Err(self.error(
                        span,
                        format!("function {} not defined", go_quote(&token.text)),
                    ));
                }
                Operand::Identifier(Segment {
                    name: token.text.into_owned(),
                    span,
                })
            }
            TokenKind::Dot => Operand::Dot(span),
            TokenKind::Nil => Operand::Nil(span),
            TokenKind::Variable => {
                if !self.vars.contains(&token.text) {
                    return Err(self.error(
                        span,
                        format!("undefined variable {}", go_quote(&token.text)),
                    ));
                }
                Operand::Variable(vec![Segment {
                    name: token.text.into_owned(),
                    span,
                }])
            }
            TokenKind::Field => Operand::Field(vec![field_segment(&token)]),
            TokenKind::Bool => Operand::Bool(token.text == "true", span),
            TokenKind::CharConstant | TokenKind::Complex | TokenKind::Number => {
                check_number(&token.text, &token.kind)
                    .map_err(|message| self.error(span.clone(), message))?;
                Operand::Number(token.text.into_owned(), span)
            }
            TokenKind::LeftParen => {
                if self.paren_depth >= MAX_PAREN_DEPTH {
                    return Err(self.error(span, "max expression depth exceeded"));
                }
                self.paren_depth += 1;
                let piped =
                    grow_stack(|| self.pipeline("parenthesized pipeline", TokenKind::RightParen));
                self.paren_depth -= 1;
                let mut pipe = piped?;
                pipe.span = span.start..self.tokens[self.index - 1].span.end;
                Operand::Pipeline(pipe)
            }
            TokenKind::String | TokenKind::RawString => match unquote(&token.text) {
                Some(value) => Operand::String { value, span },
                None => return Err(self.error(span, "invalid syntax")),
            },
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }
}

fn field_segment(token: &Token) -> Segment {
    Segment {
        name: token.text.trim_start_matches('.').to_string(),
        span: token.span.start + 1..token.span.end,
    }
}

/// Go's `newNumber`: a number the lexer accepted must also convert.
fn check_number(text: &str, kind: &TokenKind) -> std::result::Result<(), String> {
    match kind {
        TokenKind::CharConstant => match unquote_char(text) {
            Some(_) => Ok(()),
            None => Err(format!("malformed character constant: {text}")),
        },
        TokenKind::Complex => Ok(()),
        _ => {
            let digits = text.replace('_', "");
            let unsigned = digits.trim_start_matches(['+', '-']);
            let lower = unsigned.to_ascii_lowercase();
            let is_int = if let Some(hex) = lower.strip_prefix("0x") {
                !hex.is_empty() && !hex.contains(['.', 'p']) && u64::from_str_radix(hex, 16).is_ok()
            } else if let Some(oct) = lower.strip_prefix("0o") {
                u64::from_str_radix(oct, 8).is_ok()
            } else if let Some(bin) = lower.strip_prefix("0b") {
                u64::from_str_radix(bin, 2).is_ok()
            } else {
                false
            };
            let is_float = lower.trim_end_matches('i').parse::<f64>().is_ok()
                || (lower.starts_with("0x") && lower.contains('p'));
            if is_int || is_float || lower.ends_with('i') {
                Ok(())
            } else {
                Err(format!("illegal number syntax: {}", go_quote(text)))
            }
        }
    }
}

fn unquote_char(text: &str) -> Option<char> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    let decoded = unescape(inner, '\'')?;
    let mut chars = decoded.chars();
    let c = chars.next()?;
    chars.next().is_none().then_some(c)
}

/// Go's `strconv.Unquote` for double-quoted and raw strings.
fn unquote(text: &str) -> Option<String> {
    if let Some(raw) = text.strip_prefix('`') {
        return raw.strip_suffix('`').map(|s| s.replace('\r', ""));
    }
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    unescape(inner, '"')
}

fn unescape(inner: &str, quote: char) -> Option<String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == quote || c == '\n' {
            return None;
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '\\' => out.push('\\'),
            '\'' if quote == '\'' => out.push('\''),
            '"' if quote == '"' => out.push('"'),
            'x' => out.push(hex_char(&mut chars, 2)?),
            'u' => out.push(hex_char(&mut chars, 4)?),
            'U' => out.push(hex_char(&mut chars, 8)?),
            d @ '0'..='7' => {
                let mut value = d.to_digit(8)?;
                for _ in 0..2 {
                    value = value * 8 + chars.next()?.to_digit(8)?;
                }
                if value > 255 {
                    return None;
                }
                out.push(char::from_u32(value)?);
            }
            _ => return None,
        }
    }
    Some(out)
}

fn hex_char(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let mut value = 0u32;
    for _ in 0..digits {
        value = value.checked_mul(16)? + chars.next()?.to_digit(16)?;
    }
    char::from_u32(value)
}
