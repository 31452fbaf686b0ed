//! The PromQL lexer: a port of the state machine in Prometheus' `promql/parser/lex.go`.
//!
//! The lexer is modal like Prometheus' (statements, inside braces, inside a duration
//! expression after `[`), because the same characters mean different tokens there:
//! `step` is a keyword after `[`, `a:b` is a metric name outside braces and an error
//! inside them. Tokens are produced on demand, so a 10 MB input never becomes a
//! token vector. A lexical error becomes an [`TokenKind::Error`] token whose span runs
//! from the error to the end of the input, as Prometheus reports it.

use super::text::{go_quote_rune, go_unicode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    Eof,
    Error,
    Comment,
    Comma,
    Colon,
    LeftParen,
    RightParen,
    LeftBrace,
    RightBrace,
    LeftBracket,
    RightBracket,
    /// `=` (label matching).
    Eql,
    Identifier,
    MetricIdentifier,
    String,
    Number,
    Duration,
    // Operators.
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eqlc,
    Neq,
    Lte,
    Lss,
    Gte,
    Gtr,
    TrimUpper,
    TrimLower,
    EqlRegex,
    NeqRegex,
    And,
    Or,
    Unless,
    Atan2,
    At,
    // Aggregators.
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
    // Keywords.
    Bool,
    By,
    GroupLeft,
    GroupRight,
    Fill,
    FillLeft,
    FillRight,
    Ignoring,
    Offset,
    Smoothed,
    Anchored,
    On,
    Without,
    // Preprocessors.
    Start,
    End,
    Step,
    Range,
    MaxOf,
    MinOf,
}

impl TokenKind {
    pub fn is_operator(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Add | Sub
                | Mul
                | Div
                | Mod
                | Pow
                | Eqlc
                | Neq
                | Lte
                | Lss
                | Gte
                | Gtr
                | TrimUpper
                | TrimLower
                | EqlRegex
                | NeqRegex
                | And
                | Or
                | Unless
                | Atan2
                | At
        )
    }

    pub fn is_aggregator(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Sum | Avg
                | Count
                | Min
                | Max
                | Group
                | Stddev
                | Stdvar
                | Topk
                | Bottomk
                | CountValues
                | Quantile
                | Limitk
                | LimitRatio
        )
    }

    pub fn is_keyword(self) -> bool {
        use TokenKind::*;
        matches!(
            self,
            Bool | By
                | GroupLeft
                | GroupRight
                | Fill
                | FillLeft
                | FillRight
                | Ignoring
                | Offset
                | Smoothed
                | Anchored
                | On
                | Without
        )
    }

    fn is_preprocessor(self) -> bool {
        use TokenKind::*;
        matches!(self, Start | End | Step | Range | MaxOf | MinOf)
    }

    /// Tokens Prometheus accepts as a metric name (`metric_identifier` in the grammar).
    pub fn is_metric_identifier(self) -> bool {
        use TokenKind::*;
        self.is_aggregator()
            || self.is_preprocessor()
            || matches!(
                self,
                Identifier
                    | MetricIdentifier
                    | By
                    | Fill
                    | FillLeft
                    | FillRight
                    | And
                    | Or
                    | Unless
                    | Offset
                    | Without
                    | Anchored
                    | Smoothed
            )
    }

    /// Tokens Prometheus accepts as a label in `by (...)`, `on (...)` (`maybe_label`).
    pub fn is_label(self) -> bool {
        use TokenKind::*;
        self.is_metric_identifier() && self != Without
            || matches!(self, Bool | GroupLeft | GroupRight | Ignoring | On | Atan2)
    }

    /// Does the token have a fixed spelling in Prometheus' `ItemTypeStr` table? Those are
    /// described by their text alone in "unexpected ..." messages.
    fn has_fixed_text(self) -> bool {
        use TokenKind::*;
        !matches!(
            self,
            Eof | Error | Comment | Identifier | MetricIdentifier | String | Number | Duration
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn span(&self) -> std::ops::Range<usize> {
        self.start..self.end
    }
}

/// Describes a token as Prometheus does in "unexpected ..." messages (`Item.desc()`).
pub fn describe(token: &Token, input: &str) -> String {
    let text = &input[token.start..token.end];
    let kind = token.kind;
    if kind == TokenKind::Eof {
        return "end of input".to_string();
    }
    if kind.has_fixed_text() {
        if kind.is_keyword() {
            return format!("<{text}>");
        }
        if kind.is_operator() {
            return format!("<op:{text}>");
        }
        if kind.is_aggregator() {
            return format!("<aggr:{text}>");
        }
        return quote_item(text);
    }
    let what = match kind {
        TokenKind::Identifier => "identifier",
        TokenKind::MetricIdentifier => "metric identifier",
        TokenKind::String => "string",
        TokenKind::Number => "number",
        TokenKind::Duration => "duration",
        TokenKind::Comment => "comment",
        _ => "error",
    };
    let shown = if matches!(kind, TokenKind::Identifier | TokenKind::MetricIdentifier) {
        super::text::go_quote(text)
    } else {
        quote_item(text)
    };
    format!("{what} {shown}")
}

/// Go's `%q` for an item's text, truncated to 10 characters (`%.10q...`) when longer.
fn quote_item(text: &str) -> String {
    if text.len() > 10 {
        let cut: String = text.chars().take(10).collect();
        format!("{}...", super::text::go_quote(&cut))
    } else {
        super::text::go_quote(text)
    }
}

fn keyword(word: &str) -> Option<TokenKind> {
    use TokenKind::*;
    // Keywords are case-insensitive; avoid allocating for the common lower-case words.
    let lower;
    let word = if word.bytes().any(|b| b.is_ascii_uppercase()) {
        lower = word.to_ascii_lowercase();
        lower.as_str()
    } else {
        word
    };
    Some(match word {
        "and" => And,
        "or" => Or,
        "unless" => Unless,
        "atan2" => Atan2,
        "sum" => Sum,
        "avg" => Avg,
        "count" => Count,
        "min" => Min,
        "max" => Max,
        "group" => Group,
        "stddev" => Stddev,
        "stdvar" => Stdvar,
        "topk" => Topk,
        "bottomk" => Bottomk,
        "count_values" => CountValues,
        "quantile" => Quantile,
        "limitk" => Limitk,
        "limit_ratio" => LimitRatio,
        "offset" => Offset,
        "smoothed" => Smoothed,
        "anchored" => Anchored,
        "by" => By,
        "without" => Without,
        "on" => On,
        "ignoring" => Ignoring,
        "group_left" => GroupLeft,
        "group_right" => GroupRight,
        "fill" => Fill,
        "fill_left" => FillLeft,
        "fill_right" => FillRight,
        "bool" => Bool,
        "start" => Start,
        "end" => End,
        "step" => Step,
        "range" => Range,
        "max_of" => MaxOf,
        "min_of" => MinOf,
        "inf" | "nan" => Number,
        _ => return None,
    })
}

fn duration_keyword(word: &str) -> Option<TokenKind> {
    match word.to_ascii_lowercase().as_str() {
        "step" => Some(TokenKind::Step),
        "range" => Some(TokenKind::Range),
        "max_of" => Some(TokenKind::MaxOf),
        "min_of" => Some(TokenKind::MinOf),
        _ => None,
    }
}

fn is_duration_keyword_start(c: char) -> bool {
    matches!(c.to_ascii_lowercase(), 's' | 'r' | 'm')
}

/// The "end of input" rune. `char` has no out-of-range value, so the last code point (a
/// permanent noncharacter, never in a real query) stands in for Go's `-1`.
const EOF: char = '\u{10FFFF}';

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Statements,
    InsideBraces,
    DurationExpr,
    Done,
}

pub struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    width: usize,
    state: State,
    paren_depth: i64,
    bracket_open: bool,
    got_colon: bool,
    got_duration: bool,
    string_open: char,
    /// The message of the lexical error, once one happened.
    pub error: Option<String>,
}

pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_alpha(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn is_alnum(c: char) -> bool {
    is_alpha(c) || is_digit(c)
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Lexer {
            input,
            pos: 0,
            start: 0,
            width: 0,
            state: State::Statements,
            paren_depth: 0,
            bracket_open: false,
            got_colon: false,
            got_duration: false,
            string_open: '"',
            error: None,
        }
    }

    fn next(&mut self) -> char {
        match self.input[self.pos..].chars().next() {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                c
            }
            None => {
                self.width = 0;
                EOF
            }
        }
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn peek(&mut self) -> char {
        let c = self.next();
        self.backup();
        c
    }

    fn accept(&mut self, valid: &str) -> bool {
        let c = self.next();
        if c != EOF && valid.contains(c) {
            return true;
        }
        self.backup();
        false
    }

    fn is(&mut self, valid: &str) -> bool {
        let c = self.peek();
        c != EOF && valid.contains(c)
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn emit(&mut self, kind: TokenKind) -> Token {
        let token = Token {
            kind,
            start: self.start,
            end: self.pos,
        };
        self.start = self.pos;
        token
    }

    fn error(&mut self, message: String) -> Token {
        self.error = Some(message);
        self.state = State::Done;
        Token {
            kind: TokenKind::Error,
            start: self.start,
            end: self.input.len(),
        }
    }

    fn skip_spaces(&mut self) {
        while is_space(self.peek()) {
            self.next();
        }
        self.start = self.pos;
    }

    /// The next token; after an error or the end, `Eof`/`Error` forever.
    pub fn next_token(&mut self) -> Token {
        loop {
            let token = match self.state {
                State::Done => {
                    return match self.error {
                        Some(_) => Token {
                            kind: TokenKind::Error,
                            start: self.start,
                            end: self.input.len(),
                        },
                        None => Token {
                            kind: TokenKind::Eof,
                            start: self.input.len(),
                            end: self.input.len(),
                        },
                    }
                }
                State::Statements => self.lex_statements(),
                State::InsideBraces => self.lex_inside_braces(),
                State::DurationExpr => self.lex_duration_expr(),
            };
            if let Some(token) = token {
                if token.kind != TokenKind::Comment {
                    return token;
                }
            }
        }
    }

    fn lex_comment(&mut self) -> Token {
        self.pos += 1;
        loop {
            let c = self.next();
            if c == EOF || c == '\n' || c == '\r' {
                break;
            }
        }
        self.backup();
        self.emit(TokenKind::Comment)
    }

    fn lex_statements(&mut self) -> Option<Token> {
        use TokenKind::*;
        if self.input[self.pos..].starts_with('#') {
            return Some(self.lex_comment());
        }
        let c = self.next();
        let token = match c {
            EOF => {
                if self.paren_depth != 0 {
                    return Some(self.error("unclosed left parenthesis".into()));
                }
                if self.bracket_open {
                    return Some(self.error("unclosed left bracket".into()));
                }
                self.state = State::Done;
                self.emit(Eof)
            }
            ',' => self.emit(Comma),
            c if is_space(c) => {
                self.skip_spaces();
                return None;
            }
            '*' => self.emit(Mul),
            '/' => self.emit(Div),
            '%' => self.emit(Mod),
            '+' => self.emit(Add),
            '-' => self.emit(Sub),
            '^' => self.emit(Pow),
            '=' => match self.peek() {
                '=' => {
                    self.next();
                    self.emit(Eqlc)
                }
                '~' => {
                    return Some(self.error("unexpected character after '=': '~'".into()));
                }
                _ => self.emit(Eql),
            },
            '!' => {
                let t = self.next();
                if t != '=' {
                    let shown = quote_or_eof(t);
                    return Some(self.error(format!("unexpected character after '!': {shown}")));
                }
                self.emit(Neq)
            }
            '<' => match self.peek() {
                '=' => {
                    self.next();
                    self.emit(Lte)
                }
                '/' => {
                    self.next();
                    self.emit(TrimUpper)
                }
                _ => self.emit(Lss),
            },
            '>' => match self.peek() {
                '=' => {
                    self.next();
                    self.emit(Gte)
                }
                '/' => {
                    self.next();
                    self.emit(TrimLower)
                }
                _ => self.emit(Gtr),
            },
            c if is_digit(c) || (c == '.' && is_digit(self.peek())) => {
                self.backup();
                return Some(self.lex_number_or_duration());
            }
            '"' | '\'' => {
                self.string_open = c;
                return Some(self.lex_string());
            }
            '`' => {
                self.string_open = c;
                return Some(self.lex_raw_string());
            }
            c if is_alpha(c) || c == ':' => {
                if !self.bracket_open {
                    self.backup();
                    return Some(self.lex_keyword_or_identifier());
                }
                if c == ':' {
                    if self.got_colon {
                        return Some(self.error("unexpected colon ':'".into()));
                    }
                    self.got_colon = true;
                    return Some(self.emit(Colon));
                }
                if is_duration_keyword_start(c) {
                    if let Some(token) = self.scan_duration_keyword() {
                        return Some(token);
                    }
                }
                return Some(self.error(format!(
                    "unexpected character: {}, expected ':'",
                    go_quote_rune(c)
                )));
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(LeftParen)
            }
            ')' => {
                let token = self.emit(RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return Some(self.error("unexpected right parenthesis ')'".into()));
                }
                token
            }
            '{' => {
                self.state = State::InsideBraces;
                self.emit(LeftBrace)
            }
            '[' => {
                if self.bracket_open {
                    return Some(self.error("unexpected left bracket '['".into()));
                }
                self.got_colon = false;
                let token = self.emit(LeftBracket);
                if is_space(self.peek()) {
                    self.skip_spaces();
                }
                self.bracket_open = true;
                self.state = State::DurationExpr;
                token
            }
            ']' => {
                if !self.bracket_open {
                    return Some(self.error("unexpected right bracket ']'".into()));
                }
                self.bracket_open = false;
                self.emit(RightBracket)
            }
            '@' => self.emit(At),
            c => {
                return Some(self.error(format!("unexpected character: {}", go_quote_rune(c))));
            }
        };
        Some(token)
    }

    fn lex_inside_braces(&mut self) -> Option<Token> {
        use TokenKind::*;
        if self.input[self.pos..].starts_with('#') {
            return Some(self.lex_comment());
        }
        let c = self.next();
        let token = match c {
            EOF => return Some(self.error("unexpected end of input inside braces".into())),
            c if is_space(c) => {
                self.skip_spaces();
                return None;
            }
            c if is_alpha(c) => {
                while is_alnum(self.next()) {}
                self.backup();
                self.emit(Identifier)
            }
            ',' => self.emit(Comma),
            '"' | '\'' => {
                self.string_open = c;
                let token = self.lex_string();
                if token.kind == String {
                    self.state = State::InsideBraces;
                }
                return Some(token);
            }
            '`' => {
                self.string_open = c;
                let token = self.lex_raw_string();
                if token.kind == String {
                    self.state = State::InsideBraces;
                }
                return Some(token);
            }
            '=' => {
                if self.next() == '~' {
                    self.emit(EqlRegex)
                } else {
                    self.backup();
                    self.emit(Eql)
                }
            }
            '!' => match self.next() {
                '~' => self.emit(NeqRegex),
                '=' => self.emit(Neq),
                other => {
                    let shown = quote_or_eof(other);
                    return Some(self.error(format!(
                        "unexpected character after '!' inside braces: {shown}"
                    )));
                }
            },
            '{' => return Some(self.error("unexpected left brace '{'".into())),
            '}' => {
                self.state = State::Statements;
                self.emit(RightBrace)
            }
            c => {
                return Some(self.error(format!(
                    "unexpected character inside braces: {}",
                    go_quote_rune(c)
                )))
            }
        };
        Some(token)
    }

    fn lex_duration_expr(&mut self) -> Option<Token> {
        use TokenKind::*;
        let c = self.next();
        let token = match c {
            EOF => {
                return Some(self.error("unexpected end of input in duration expression".into()))
            }
            ']' => {
                self.bracket_open = false;
                self.got_colon = false;
                self.state = State::Statements;
                self.emit(RightBracket)
            }
            ':' => {
                let token = self.emit(Colon);
                if !self.got_duration {
                    return Some(
                        self.error(
                            "unexpected colon before duration in duration expression".into(),
                        ),
                    );
                }
                if self.got_colon {
                    return Some(
                        self.error("unexpected repeated colon in duration expression".into()),
                    );
                }
                self.got_colon = true;
                token
            }
            '(' => {
                self.paren_depth += 1;
                self.emit(LeftParen)
            }
            ')' => {
                let token = self.emit(RightParen);
                self.paren_depth -= 1;
                if self.paren_depth < 0 {
                    return Some(self.error("unexpected right parenthesis ')'".into()));
                }
                token
            }
            c if is_space(c) => {
                self.skip_spaces();
                return None;
            }
            '+' => self.emit(Add),
            '-' => self.emit(Sub),
            '*' => self.emit(Mul),
            '/' => self.emit(Div),
            '%' => self.emit(Mod),
            '^' => self.emit(Pow),
            ',' => self.emit(Comma),
            c if is_duration_keyword_start(c) => {
                if let Some(token) = self.scan_duration_keyword() {
                    return Some(token);
                }
                return Some(self.error(format!(
                    "unexpected character in duration expression: {}",
                    go_quote_rune(c)
                )));
            }
            c if is_digit(c) || (c == '.' && is_digit(self.peek())) => {
                self.backup();
                self.got_duration = true;
                self.state = State::Statements;
                return Some(self.lex_number_or_duration());
            }
            c => {
                return Some(self.error(format!(
                    "unexpected character in duration expression: {}",
                    go_quote_rune(c)
                )))
            }
        };
        Some(token)
    }

    fn scan_duration_keyword(&mut self) -> Option<Token> {
        loop {
            let c = self.next();
            if !is_alpha(c) {
                self.backup();
                let word = &self.input[self.start..self.pos];
                return duration_keyword(word).map(|kind| self.emit(kind));
            }
        }
    }

    fn lex_escape(&mut self) -> Result<(), String> {
        let mut c = self.next();
        let (mut n, base, max): (u32, u32, u32) = match c {
            'a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' => return Ok(()),
            c if c == self.string_open => return Ok(()),
            '0'..='7' => (3, 8, 255),
            'x' => {
                c = self.next();
                (2, 16, 255)
            }
            'u' => {
                c = self.next();
                (4, 16, 0x10FFFF)
            }
            'U' => {
                c = self.next();
                (8, 16, 0x10FFFF)
            }
            EOF => return Err("escape sequence not terminated".into()),
            other => return Err(format!("unknown escape sequence {}", go_unicode(other))),
        };
        let mut x: u32 = 0;
        while n > 0 {
            let d = c.to_digit(16).unwrap_or(16);
            if d >= base {
                if c == EOF {
                    return Err("escape sequence not terminated".into());
                }
                return Err(format!(
                    "illegal character {} in escape sequence",
                    go_unicode(c)
                ));
            }
            x = x.wrapping_mul(base).wrapping_add(d);
            n -= 1;
            if n > 0 {
                c = self.next();
            }
        }
        if x > max || (0xD800..0xE000).contains(&x) {
            return Err("escape sequence is an invalid Unicode code point".into());
        }
        Ok(())
    }

    fn lex_string(&mut self) -> Token {
        loop {
            match self.next() {
                '\\' => {
                    if let Err(message) = self.lex_escape() {
                        return self.error(message);
                    }
                }
                EOF | '\n' => return self.error("unterminated quoted string".into()),
                c if c == self.string_open => break,
                _ => {}
            }
        }
        self.state = State::Statements;
        self.emit(TokenKind::String)
    }

    fn lex_raw_string(&mut self) -> Token {
        loop {
            match self.next() {
                EOF => return self.error("unterminated raw string".into()),
                c if c == self.string_open => break,
                _ => {}
            }
        }
        self.state = State::Statements;
        self.emit(TokenKind::String)
    }

    fn lex_number_or_duration(&mut self) -> Token {
        if self.scan_number() {
            return self.emit(TokenKind::Number);
        }
        if self.accept_remaining_duration() {
            self.backup();
            return self.emit(TokenKind::Duration);
        }
        let text = &self.input[self.start..self.pos];
        let message = format!(
            "bad number or duration syntax: {}",
            super::text::go_quote(text)
        );
        self.error(message)
    }

    fn accept_remaining_duration(&mut self) -> bool {
        if !self.accept("smhdwy") {
            return false;
        }
        self.accept("s");
        while self.accept("0123456789") {
            while self.accept("0123456789") {}
            if !self.accept("smhdw") {
                return false;
            }
            self.accept("s");
        }
        let c = self.next();
        c == EOF || !is_alnum(c)
    }

    fn scan_number(&mut self) -> bool {
        let initial = self.pos;
        let mut digits = "0123456789";
        if self.accept("0") && self.accept("xX") {
            self.accept("_");
            digits = "0123456789abcdefABCDEF";
        }
        self.accept(".");
        self.accept(digits);
        let mut dot_consumed = false;
        let mut exponent_consumed = false;
        let all = if digits.len() > 10 {
            "0123456789abcdefABCDEF._eE"
        } else {
            "0123456789._eE"
        };
        while self.is(all) {
            if self.is(".") && dot_consumed {
                self.accept(".");
                return false;
            }
            if self.is("eE") && exponent_consumed {
                self.accept("eE");
                return false;
            }
            if self.accept(".") {
                dot_consumed = true;
                if self.accept("_.") {
                    return false;
                }
                if digits.len() > 10 {
                    return false;
                }
                continue;
            }
            if self.accept("eE") {
                exponent_consumed = true;
                self.accept("+-");
                if self.accept("._eE") || self.peek() == EOF {
                    return false;
                }
                continue;
            }
            if self.accept("_") {
                if self.accept("._eE") || self.peek() == EOF {
                    return false;
                }
                continue;
            }
            self.accept_run(digits);
        }
        if self.pos == initial {
            return false;
        }
        let c = self.peek();
        c == EOF || !is_alnum(c)
    }

    fn lex_keyword_or_identifier(&mut self) -> Token {
        loop {
            let c = self.next();
            if !(is_alnum(c) || c == ':') {
                break;
            }
        }
        self.backup();
        let word = &self.input[self.start..self.pos];
        match keyword(word) {
            Some(kind @ (TokenKind::Fill | TokenKind::FillLeft | TokenKind::FillRight)) => {
                if self.followed_by_left_paren() {
                    self.emit(kind)
                } else {
                    self.emit(TokenKind::Identifier)
                }
            }
            Some(kind) => self.emit(kind),
            None if word.contains(':') => self.emit(TokenKind::MetricIdentifier),
            None => self.emit(TokenKind::Identifier),
        }
    }

    fn followed_by_left_paren(&self) -> bool {
        self.input[self.pos..]
            .chars()
            .find(|c| !is_space(*c))
            .is_some_and(|c| c == '(')
    }
}

fn quote_or_eof(c: char) -> String {
    if c == EOF {
        // Go prints its eof rune (-1) as the replacement character.
        "'\u{FFFD}'".to_string()
    } else {
        go_quote_rune(c)
    }
}
