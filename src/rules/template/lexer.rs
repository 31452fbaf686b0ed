//! The lexer of Go's `text/template`, state for state, so that errors appear where and
//! as Go reports them. Tokens carry byte spans in the template text.

use std::borrow::Cow;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Block,
    Break,
    Continue,
    Define,
    Else,
    End,
    If,
    Range,
    Template,
    With,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Keyword> {
        Some(match word {
            "block" => Keyword::Block,
            "break" => Keyword::Break,
            "continue" => Keyword::Continue,
            "define" => Keyword::Define,
            "else" => Keyword::Else,
            "end" => Keyword::End,
            "if" => Keyword::If,
            "range" => Keyword::Range,
            "template" => Keyword::Template,
            "with" => Keyword::With,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    Text,
    LeftDelim,
    RightDelim,
    Comment,
    Space,
    /// `=`
    Assign,
    /// `:=`
    Declare,
    Pipe,
    /// Any other printable ASCII character inside an action, e.g. `,`.
    Char,
    String,
    RawString,
    CharConstant,
    Number,
    Complex,
    Bool,
    Identifier,
    /// `.Name`
    Field,
    /// `$` or `$name`
    Variable,
    Dot,
    Nil,
    LeftParen,
    RightParen,
    Keyword(Keyword),
    /// A lexing error; its message is in the token's `text`. The stream ends here.
    Error,
    Eof,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    pub kind: TokenKind,
    /// Bytes in the template text. For an error, the place the error is about.
    pub span: Range<usize>,
    /// The token's text, borrowed from the template (for `Error`, the message).
    pub text: Cow<'a, str>,
}

impl Token<'_> {
    /// How Go's `item.String()` shows a token in "unexpected X" messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Eof => "EOF".to_string(),
            TokenKind::Error => self.text.to_string(),
            TokenKind::Keyword(_) | TokenKind::Nil | TokenKind::Dot => format!("<{}>", self.text),
            _ => {
                let chars: Vec<char> = self.text.chars().collect();
                if chars.len() > 10 {
                    let head: String = chars[..10].iter().collect();
                    format!("{}...", go_quote(&head))
                } else {
                    go_quote(&self.text)
                }
            }
        }
    }
}

/// Go's `%q` for the strings we meet: double quotes, backslash escapes.
pub fn go_quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Go's `%#U`: `U+002D '-'`.
fn go_unicode(c: char) -> String {
    if c.is_control() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{}'", c as u32, c)
    }
}

const LEFT_DELIM: &str = "{{";
const RIGHT_DELIM: &str = "}}";
const LEFT_COMMENT: &str = "/*";
const RIGHT_COMMENT: &str = "*/";

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || c.is_numeric()
}

fn has_left_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && s[0] == b'-' && is_space(s[1])
}

fn has_right_trim_marker(s: &[u8]) -> bool {
    s.len() >= 2 && is_space(s[0]) && s[1] == b'-'
}

/// Splits a template into tokens. The last token is `Eof` or `Error`.
pub fn lex(input: &str) -> Vec<Token<'_>> {
    let mut lexer = Lexer {
        input,
        pos: 0,
        start: 0,
        tokens: Vec::new(),
        paren_stack: Vec::new(),
        action_start: 0,
    };
    lexer.run();
    lexer.tokens
}

struct Lexer<'a> {
    input: &'a str,
    pos: usize,
    start: usize,
    tokens: Vec<Token<'a>>,
    /// Byte offsets of the open `(` of the current action.
    paren_stack: Vec<usize>,
    /// Where the current action's `{{` starts.
    action_start: usize,
}

enum Flow {
    Continue,
    Stop,
}

impl<'a> Lexer<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.input.as_bytes()
    }

    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn peek_char(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next_char(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn emit(&mut self, kind: TokenKind) {
        let text = Cow::Borrowed(&self.input[self.start..self.pos]);
        self.tokens.push(Token {
            kind,
            span: self.start..self.pos,
            text,
        });
        self.start = self.pos;
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) -> Flow {
        self.tokens.push(Token {
            kind: TokenKind::Error,
            span,
            text: Cow::Owned(message.into()),
        });
        Flow::Stop
    }

    fn run(&mut self) {
        let mut inside_action = false;
        loop {
            let flow = if inside_action {
                self.lex_inside_action(&mut inside_action)
            } else {
                self.lex_text(&mut inside_action)
            };
            if let Flow::Stop = flow {
                return;
            }
        }
    }

    fn lex_text(&mut self, inside_action: &mut bool) -> Flow {
        match self.rest().find(LEFT_DELIM) {
            Some(x) => {
                let delim_at = self.pos + x;
                let mut text_end = delim_at;
                if has_left_trim_marker(&self.bytes()[delim_at + LEFT_DELIM.len()..]) {
                    let text = &self.input[self.start..delim_at];
                    text_end = self.start + text.trim_end_matches([' ', '\t', '\r', '\n']).len();
                }
                if text_end > self.start {
                    self.pos = text_end;
                    self.emit(TokenKind::Text);
                }
                self.pos = delim_at;
                self.start = delim_at;
                self.lex_left_delim(inside_action)
            }
            None => {
                self.pos = self.input.len();
                if self.pos > self.start {
                    self.emit(TokenKind::Text);
                }
                self.tokens.push(Token {
                    kind: TokenKind::Eof,
                    span: self.pos..self.pos,
                    text: Cow::Borrowed(""),
                });
                Flow::Stop
            }
        }
    }

    fn lex_left_delim(&mut self, inside_action: &mut bool) -> Flow {
        let delim_start = self.pos;
        self.pos += LEFT_DELIM.len();
        let trim = has_left_trim_marker(&self.bytes()[self.pos..]);
        let after_marker = if trim { 2 } else { 0 };
        if self.input[self.pos + after_marker..].starts_with(LEFT_COMMENT) {
            self.pos += after_marker;
            return self.lex_comment(delim_start);
        }
        self.tokens.push(Token {
            kind: TokenKind::LeftDelim,
            span: delim_start..self.pos,
            text: Cow::Borrowed(LEFT_DELIM),
        });
        self.pos += after_marker;
        self.start = self.pos;
        self.paren_stack.clear();
        self.action_start = delim_start;
        *inside_action = true;
        Flow::Continue
    }

    fn lex_comment(&mut self, delim_start: usize) -> Flow {
        let comment_start = self.pos;
        self.pos += LEFT_COMMENT.len();
        let Some(x) = self.rest().find(RIGHT_COMMENT) else {
            return self.error(comment_start..comment_start + 2, "unclosed comment");
        };
        self.pos += x + RIGHT_COMMENT.len();
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error(
                self.pos - 2..self.pos,
                "comment ends before closing delimiter",
            );
        }
        if trim {
            self.pos += 2;
        }
        self.pos += RIGHT_DELIM.len();
        self.tokens.push(Token {
            kind: TokenKind::Comment,
            span: delim_start..self.pos,
            text: Cow::Borrowed(&self.input[delim_start..self.pos]),
        });
        if trim {
            self.skip_leading_space();
        }
        self.start = self.pos;
        Flow::Continue
    }

    fn skip_leading_space(&mut self) {
        while self.pos < self.input.len() && is_space(self.bytes()[self.pos]) {
            self.pos += 1;
        }
    }

    fn at_right_delim(&self) -> (bool, bool) {
        let rest = &self.bytes()[self.pos..];
        if has_right_trim_marker(rest) && rest[2..].starts_with(RIGHT_DELIM.as_bytes()) {
            return (true, true);
        }
        (rest.starts_with(RIGHT_DELIM.as_bytes()), false)
    }

    fn at_terminator(&self) -> bool {
        match self.peek_char() {
            None => true,
            Some(c) if c.is_ascii() && is_space(c as u8) => true,
            Some('.' | ',' | '|' | ':' | ')' | '(') => true,
            Some(_) => self.rest().starts_with(RIGHT_DELIM),
        }
    }

    fn lex_inside_action(&mut self, inside_action: &mut bool) -> Flow {
        self.start = self.pos;
        let (delim, trim) = self.at_right_delim();
        if delim {
            if let Some(&open) = self.paren_stack.last() {
                return self.error(open..open + 1, "unclosed left paren");
            }
            let right_start = if trim { self.pos + 2 } else { self.pos };
            self.pos = right_start + RIGHT_DELIM.len();
            self.tokens.push(Token {
                kind: TokenKind::RightDelim,
                span: right_start..self.pos,
                text: Cow::Borrowed(RIGHT_DELIM),
            });
            if trim {
                self.skip_leading_space();
            }
            self.start = self.pos;
            *inside_action = false;
            return Flow::Continue;
        }
        let Some(c) = self.next_char() else {
            return self.error(self.action_start..self.action_start + 2, "unclosed action");
        };
        match c {
            c if c.is_ascii() && is_space(c as u8) => {
                self.pos = self.start;
                self.lex_space();
            }
            '=' => self.emit(TokenKind::Assign),
            ':' => {
                if self.next_char() != Some('=') {
                    return self.error(self.start..self.pos, "expected :=");
                }
                self.emit(TokenKind::Declare);
            }
            '|' => self.emit(TokenKind::Pipe),
            '"' => return self.lex_quote(),
            '`' => return self.lex_raw_quote(),
            '$' => return self.lex_field_or_variable(TokenKind::Variable),
            '\'' => return self.lex_char(),
            '.' if !matches!(self.peek_char(), Some('0'..='9')) => {
                return self.lex_field_or_variable(TokenKind::Field);
            }
            '.' | '+' | '-' | '0'..='9' => {
                self.pos = self.start;
                return self.lex_number();
            }
            c if is_alphanumeric(c) => {
                self.pos = self.start;
                return self.lex_identifier();
            }
            '(' => {
                self.paren_stack.push(self.start);
                self.emit(TokenKind::LeftParen);
            }
            ')' => {
                if self.paren_stack.pop().is_none() {
                    return self.error(self.start..self.pos, "unexpected right paren");
                }
                self.emit(TokenKind::RightParen);
            }
            c if c.is_ascii() && !c.is_ascii_control() => self.emit(TokenKind::Char),
            c => {
                return self.error(
                    self.start..self.pos,
                    format!("unrecognized character in action: {}", go_unicode(c)),
                );
            }
        }
        Flow::Continue
    }

    fn lex_space(&mut self) {
        let mut spaces = 0;
        while self.pos < self.input.len() && is_space(self.bytes()[self.pos]) {
            self.pos += 1;
            spaces += 1;
        }
        // A space followed by `-}}` belongs to the trim marker, not to the action.
        let last_space = self.pos - 1;
        if has_right_trim_marker(&self.bytes()[last_space..])
            && self.input[last_space + 2..].starts_with(RIGHT_DELIM)
        {
            self.pos -= 1;
            if spaces == 1 {
                return;
            }
        }
        self.emit(TokenKind::Space);
    }

    fn lex_quote(&mut self) -> Flow {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => {}
                    _ => return self.unterminated("unterminated quoted string"),
                },
                None | Some('\n') => return self.unterminated("unterminated quoted string"),
                Some('"') => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::String);
        Flow::Continue
    }

    fn unterminated(&mut self, message: &str) -> Flow {
        let end = self.pos.min(self.input.len());
        self.error(self.start..end, message)
    }

    fn lex_raw_quote(&mut self) -> Flow {
        loop {
            match self.next_char() {
                None => return self.unterminated("unterminated raw quoted string"),
                Some('`') => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::RawString);
        Flow::Continue
    }

    fn lex_char(&mut self) -> Flow {
        loop {
            match self.next_char() {
                Some('\\') => match self.next_char() {
                    Some(c) if c != '\n' => {}
                    _ => return self.unterminated("unterminated character constant"),
                },
                None | Some('\n') => return self.unterminated("unterminated character constant"),
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.emit(TokenKind::CharConstant);
        Flow::Continue
    }

    fn lex_field_or_variable(&mut self, kind: TokenKind) -> Flow {
        if self.at_terminator() {
            let kind = if kind == TokenKind::Variable {
                TokenKind::Variable
            } else {
                TokenKind::Dot
            };
            self.emit(kind);
            return Flow::Continue;
        }
        while let Some(c) = self.peek_char() {
            if !is_alphanumeric(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        self.emit(kind);
        Flow::Continue
    }

    fn bad_character(&mut self) -> Flow {
        let c = self.peek_char().unwrap_or('\0');
        let at = self.pos;
        self.error(
            at..at + c.len_utf8(),
            format!("bad character {}", go_unicode(c)),
        )
    }

    fn lex_identifier(&mut self) -> Flow {
        while let Some(c) = self.peek_char() {
            if !is_alphanumeric(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        if !self.at_terminator() {
            return self.bad_character();
        }
        let word = &self.input[self.start..self.pos];
        let kind = match Keyword::from_word(word) {
            Some(keyword) => TokenKind::Keyword(keyword),
            None if word == "nil" => TokenKind::Nil,
            None if word == "true" || word == "false" => TokenKind::Bool,
            None => TokenKind::Identifier,
        };
        self.emit(kind);
        Flow::Continue
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek_char() {
            Some(c) if valid.contains(c) => {
                self.pos += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if let Some(c) = self.peek_char() {
            if is_alphanumeric(c) {
                self.pos += c.len_utf8();
                return false;
            }
        }
        true
    }

    fn lex_number(&mut self) -> Flow {
        if !self.scan_number() {
            return self.bad_number();
        }
        if matches!(self.peek_char(), Some('+' | '-')) {
            if !self.scan_number() || !self.input[..self.pos].ends_with('i') {
                return self.bad_number();
            }
            self.emit(TokenKind::Complex);
            return Flow::Continue;
        }
        self.emit(TokenKind::Number);
        Flow::Continue
    }

    fn bad_number(&mut self) -> Flow {
        let text = go_quote(&self.input[self.start..self.pos]);
        self.error(self.start..self.pos, format!("bad number syntax: {text}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(input: &str) -> Vec<TokenKind> {
        lex(input).into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn text_and_action() {
        use TokenKind::*;
        assert_eq!(
            kinds("a {{ $labels.instance }} b"),
            vec![Text, LeftDelim, Space, Variable, Field, Space, RightDelim, Text, Eof]
        );
    }

    #[test]
    fn trim_markers_are_not_tokens() {
        let tokens = lex("a  {{- .x -}}  b");
        assert_eq!(tokens[0].text, "a");
        assert_eq!(tokens[2].kind, TokenKind::Field);
        assert_eq!(tokens[3].kind, TokenKind::RightDelim);
        assert_eq!(tokens[4].text, "b");
    }

    #[test]
    fn errors_in_go_words() {
        let last = |s: &str| lex(s).pop().unwrap().text.into_owned();
        assert_eq!(last("{{ .x "), "unclosed action");
        assert_eq!(last("{{ \"abc }}"), "unterminated quoted string");
        assert_eq!(last("{{ $labels.foo-bar }}"), "bad character U+002D '-'");
        assert_eq!(last("{{ (x }}"), "unclosed left paren");
        assert_eq!(last("{{ x) }}"), "unexpected right paren");
        assert_eq!(last("{{/* x }}"), "unclosed comment");
        assert_eq!(last("{{ 3x }}"), "bad number syntax: \"3x\"");
    }

    #[test]
    fn comments_and_keywords() {
        use TokenKind::*;
        assert_eq!(
            kinds("{{/* c */}}{{ if .x }}y{{ end }}"),
            vec![
                Comment,
                LeftDelim,
                Space,
                Keyword(super::Keyword::If),
                Space,
                Field,
                Space,
                RightDelim,
                Text,
                LeftDelim,
                Space,
                Keyword(super::Keyword::End),
                Space,
                RightDelim,
                Eof
            ]
        );
    }
}
