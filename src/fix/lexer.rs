//! String literals on one line of source code, per language: where each starts and ends,
//! its prefix (`f`, `r#`, `@`, `$` …), its delimiter and whether it closes on the line.
//! Also where a line comment starts, so a key in a comment is not mistaken for a value.
//!
//! This is a line lexer, not a parser: it does not know about strings or comments opened
//! on an earlier line. The rewriter therefore only touches a literal that opens and closes
//! on the key's line, and the patch is shown before anything is written.

use std::ops::Range;

use super::lang::Lang;

/// How a literal is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delim {
    /// `'…'`.
    Single,
    /// `"…"`.
    Double,
    /// `` `…` `` (JavaScript template, Go raw string).
    Backtick,
    /// `"""…"""` or `'''…'''` (Python, Java/Kotlin text blocks, C# raw strings).
    Triple,
    /// Rust `r#"…"#` with this many `#`.
    RawHash(usize),
}

/// One string literal on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal {
    /// First byte of the literal, prefix included.
    pub start: usize,
    /// One past the closing delimiter (the line's end when unclosed).
    pub end: usize,
    /// The text between the delimiters, as written (escapes not decoded).
    pub body: Range<usize>,
    /// What precedes the opening quote: `f`, `rb`, `r#`, `@`, `$` …; empty for none.
    pub prefix: String,
    /// The delimiter.
    pub delim: Delim,
    /// Whether the literal closes on this line.
    pub closed: bool,
}

impl Literal {
    /// The opening quote character.
    pub fn quote(&self, line: &str) -> char {
        line[self.start + self.prefix.len()..]
            .chars()
            .next()
            .unwrap_or('"')
    }
}

/// The literals of a line, and where a comment starts.
#[derive(Debug, Default)]
pub struct Scan {
    /// Literals in order.
    pub literals: Vec<Literal>,
    /// Byte offset of a comment that runs to the end of the line.
    pub comment: Option<usize>,
}

fn hash_comments(lang: Lang) -> bool {
    matches!(lang, Lang::Python | Lang::Notebook | Lang::Terraform)
}

fn slash_comments(lang: Lang) -> bool {
    matches!(
        lang,
        Lang::JavaScript
            | Lang::TypeScript
            | Lang::Go
            | Lang::Rust
            | Lang::Java
            | Lang::Kotlin
            | Lang::CSharp
            | Lang::Terraform
    )
}

fn char_literals(lang: Lang) -> bool {
    matches!(
        lang,
        Lang::Go | Lang::Rust | Lang::Java | Lang::Kotlin | Lang::CSharp
    )
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Lexes the string literals of `line` (without its line terminator).
pub fn literals(lang: Lang, line: &str) -> Scan {
    let b = line.as_bytes();
    let mut scan = Scan::default();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if hash_comments(lang) && c == b'#' {
            scan.comment = Some(i);
            return scan;
        }
        if slash_comments(lang) && c == b'/' {
            match b.get(i + 1) {
                Some(b'/') => {
                    scan.comment = Some(i);
                    return scan;
                }
                Some(b'*') => match line[i + 2..].find("*/") {
                    Some(end) => {
                        i += 2 + end + 2;
                        continue;
                    }
                    None => {
                        scan.comment = Some(i);
                        return scan;
                    }
                },
                _ => {}
            }
        }
        if let Some(lit) = string_at(lang, line, i) {
            i = lit.end;
            let closed = lit.closed;
            scan.literals.push(lit);
            if !closed {
                break;
            }
            continue;
        }
        if is_ident(c) {
            while i < b.len() && is_ident(b[i]) {
                i += 1;
            }
            continue;
        }
        if char_literals(lang) && c == b'\'' {
            i = skip_char_literal(b, i);
            continue;
        }
        i += 1;
    }
    scan
}

/// Skips `'x'`, `'\n'`, `'\u{1F600}'`; a Rust lifetime (`'a`) skips only the quote.
fn skip_char_literal(b: &[u8], i: usize) -> usize {
    if b.get(i + 1) == Some(&b'\\') {
        let mut j = i + 2;
        while j < b.len() && b[j] != b'\'' {
            j += 1;
        }
        return (j + 1).min(b.len());
    }
    // One character (possibly multi-byte UTF-8) then a closing quote.
    let mut j = i + 1;
    if j < b.len() {
        j += 1;
        while j < b.len() && (b[j] & 0xC0) == 0x80 {
            j += 1;
        }
    }
    if b.get(j) == Some(&b'\'') {
        j + 1
    } else {
        i + 1
    }
}

/// The prefix letters/sigils allowed before a quote at `i`, for this language.
fn prefix_at(lang: Lang, b: &[u8], i: usize) -> usize {
    let take = |allowed: &[u8], max: usize| {
        let mut n = 0;
        while n < max && i + n < b.len() && allowed.contains(&b[i + n]) {
            n += 1;
        }
        n
    };
    match lang {
        Lang::Python | Lang::Notebook => take(b"rRbBuUfF", 2),
        Lang::Rust => {
            let n = take(b"brc", 2);
            let mut m = n;
            if n > 0 && b[i + n - 1] == b'r' {
                while i + m < b.len() && b[i + m] == b'#' {
                    m += 1;
                }
            }
            m
        }
        Lang::CSharp => take(b"@$", 3),
        _ => 0,
    }
}

fn string_at(lang: Lang, line: &str, i: usize) -> Option<Literal> {
    let b = line.as_bytes();
    let plen = prefix_at(lang, b, i);
    let q = *b.get(i + plen)?;
    let quotes: &[u8] = match lang {
        Lang::Python | Lang::Notebook => b"'\"",
        Lang::JavaScript | Lang::TypeScript => b"'\"`",
        Lang::Go => b"\"`",
        _ => b"\"",
    };
    if !quotes.contains(&q) {
        return None;
    }
    // A prefix must itself start a token (not `elif"x"`), which the caller guarantees by
    // skipping whole identifiers; a prefix of zero length is always fine.
    let prefix = &line[i..i + plen];
    let open = i + plen;
    let triple_ok = matches!(
        lang,
        Lang::Python | Lang::Notebook | Lang::Java | Lang::Kotlin | Lang::CSharp
    );
    if triple_ok && b.len() >= open + 3 && b[open + 1] == q && b[open + 2] == q {
        let close = [q, q, q];
        let body_start = open + 3;
        let found = line[body_start..].find(std::str::from_utf8(&close).ok()?);
        let (body_end, end, closed) = match found {
            Some(k) => (body_start + k, body_start + k + 3, true),
            None => (b.len(), b.len(), false),
        };
        return Some(Literal {
            start: i,
            end,
            body: body_start..body_end,
            prefix: prefix.to_string(),
            delim: Delim::Triple,
            closed,
        });
    }
    let hashes = prefix.bytes().filter(|&c| c == b'#').count();
    let rust_raw = lang == Lang::Rust && prefix.contains('r');
    let delim = if rust_raw {
        Delim::RawHash(hashes)
    } else {
        match q {
            b'\'' => Delim::Single,
            b'`' => Delim::Backtick,
            _ => Delim::Double,
        }
    };
    let verbatim = lang == Lang::CSharp && prefix.contains('@');
    let no_escapes = rust_raw || verbatim || (lang == Lang::Go && q == b'`');
    // Interpolation holes may hold quotes of their own (`${m["k"]}`, `{d['k']}`).
    let hole: Option<&[u8]> = match lang {
        Lang::JavaScript | Lang::TypeScript if q == b'`' => Some(b"${"),
        Lang::Kotlin | Lang::Terraform => Some(b"${"),
        Lang::CSharp if prefix.contains('$') => Some(b"{"),
        Lang::Python | Lang::Notebook if prefix.to_ascii_lowercase().contains('f') => Some(b"{"),
        _ => None,
    };
    let body_start = open + 1;
    let mut j = body_start;
    while j < b.len() {
        let c = b[j];
        if c == b'\\' && !no_escapes {
            j += 2;
            continue;
        }
        if let Some(h) = hole {
            if b[j..].starts_with(h) {
                // `{{` is a literal brace where holes open with `{`.
                if h == b"{" && b.get(j + 1) == Some(&b'{') {
                    j += 2;
                    continue;
                }
                j = skip_hole(b, j + h.len());
                continue;
            }
        }
        if c == q {
            if verbatim && b.get(j + 1) == Some(&b'"') {
                j += 2;
                continue;
            }
            if rust_raw {
                let tail = &b[j + 1..];
                if tail.len() >= hashes && tail[..hashes].iter().all(|&h| h == b'#') {
                    return Some(Literal {
                        start: i,
                        end: j + 1 + hashes,
                        body: body_start..j,
                        prefix: prefix.to_string(),
                        delim,
                        closed: true,
                    });
                }
                j += 1;
                continue;
            }
            return Some(Literal {
                start: i,
                end: j + 1,
                body: body_start..j,
                prefix: prefix.to_string(),
                delim,
                closed: true,
            });
        }
        j += 1;
    }
    Some(Literal {
        start: i,
        end: b.len(),
        body: body_start..b.len(),
        prefix: prefix.to_string(),
        delim,
        closed: false,
    })
}

/// Skips an interpolation hole from just inside its `{` to just past its `}`, stepping
/// over nested braces and simple quoted strings.
fn skip_hole(b: &[u8], mut j: usize) -> usize {
    let mut depth = 1usize;
    while j < b.len() {
        match b[j] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            q @ (b'"' | b'\'') => {
                j += 1;
                while j < b.len() && b[j] != q {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

/// Quoting at a byte of a shell line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellQuote {
    /// Outside quotes.
    None,
    /// Inside `'…'`.
    Single,
    /// Inside `"…"`.
    Double,
    /// In a comment.
    Comment,
}

/// The shell quoting state at byte `pos` of `line`.
pub fn shell_state(line: &str, pos: usize) -> ShellQuote {
    let b = line.as_bytes();
    let mut state = ShellQuote::None;
    let mut i = 0;
    while i < pos.min(b.len()) {
        let c = b[i];
        match state {
            ShellQuote::None => match c {
                b'\\' => i += 1,
                b'\'' => state = ShellQuote::Single,
                b'"' => state = ShellQuote::Double,
                b'#' if i == 0 || b" \t;&|(".contains(&b[i - 1]) => return ShellQuote::Comment,
                _ => {}
            },
            ShellQuote::Single => {
                if c == b'\'' {
                    state = ShellQuote::None;
                }
            }
            ShellQuote::Double => match c {
                b'\\' => i += 1,
                b'"' => state = ShellQuote::None,
                _ => {}
            },
            ShellQuote::Comment => return state,
        }
        i += 1;
    }
    state
}

/// Whether a YAML comment starts before byte `pos` of `line` (quotes respected).
pub fn yaml_comment_before(line: &str, pos: usize) -> bool {
    let b = line.as_bytes();
    #[derive(PartialEq)]
    enum St {
        Plain,
        Single,
        Double,
    }
    let mut st = St::Plain;
    let mut i = 0;
    while i < pos.min(b.len()) {
        let c = b[i];
        match st {
            St::Plain => {
                let prev = b[..i]
                    .iter()
                    .rev()
                    .find(|c| !c.is_ascii_whitespace())
                    .copied();
                let at_scalar_start = matches!(prev, None | Some(b':' | b'-' | b'[' | b'{' | b','));
                match c {
                    b'#' if i == 0 || b[i - 1] == b' ' || b[i - 1] == b'\t' => return true,
                    b'\'' if at_scalar_start => st = St::Single,
                    b'"' if at_scalar_start => st = St::Double,
                    _ => {}
                }
            }
            St::Single => {
                if c == b'\'' {
                    if b.get(i + 1) == Some(&b'\'') {
                        i += 1;
                    } else {
                        st = St::Plain;
                    }
                }
            }
            St::Double => match c {
                b'\\' => i += 1,
                b'"' => st = St::Plain,
                _ => {}
            },
        }
        i += 1;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bodies(lang: Lang, line: &str) -> Vec<&str> {
        literals(lang, line)
            .literals
            .iter()
            .map(|l| &line[l.body.clone()])
            .collect()
    }

    #[test]
    fn python_prefixes_comments_and_fstrings() {
        assert_eq!(
            bodies(Lang::Python, r#"x = f"a{d["k"]}b" + rb'\'q' # "no""#),
            vec![r#"a{d["k"]}b"#, r"\'q"]
        );
        let scan = literals(Lang::Python, "key = 'abc'  # note");
        assert_eq!(scan.comment, Some(13));
        assert_eq!(
            literals(Lang::Python, r#"s = """doc"""#).literals[0].delim,
            Delim::Triple
        );
        assert!(!literals(Lang::Python, r#"s = "open"#).literals[0].closed);
    }

    #[test]
    fn c_like_languages() {
        assert_eq!(
            bodies(Lang::Rust, r##"let a = r#"x"y"#; 'a: loop {}"##),
            vec![r#"x"y"#]
        );
        assert_eq!(
            bodies(Lang::Rust, r#"let c = '"'; let s = "k";"#),
            vec!["k"]
        );
        assert_eq!(
            bodies(Lang::Go, "k := `raw\\` + \"q\\\"\" // x"),
            vec!["raw\\", "q\\\""]
        );
        assert_eq!(
            bodies(Lang::CSharp, r#"var s = @"a""b" + $"{x["k"]}";"#),
            vec![r#"a""b"#, r#"{x["k"]}"#]
        );
        assert_eq!(
            bodies(Lang::JavaScript, "f(`a${b(\"`\")}c`, 'd') /* e */"),
            vec!["a${b(\"`\")}c", "d"]
        );
        assert_eq!(
            bodies(Lang::Kotlin, r#"val s = "a${m["k"]}b""#),
            vec![r#"a${m["k"]}b"#]
        );
        assert_eq!(
            bodies(Lang::Terraform, r#"k = "a${var.x}" # c"#),
            vec!["a${var.x}"]
        );
    }

    #[test]
    fn shell_and_yaml_states() {
        let line = r#"curl -H 'A: B k' -d "x k" k # k"#;
        assert_eq!(shell_state(line, 13), ShellQuote::Single);
        assert_eq!(shell_state(line, 23), ShellQuote::Double);
        assert_eq!(shell_state(line, 26), ShellQuote::None);
        assert_eq!(shell_state(line, 30), ShellQuote::Comment);
        assert!(!yaml_comment_before("key: 'a # b' k", 13));
        assert!(yaml_comment_before("key: a # b k", 11));
        assert!(!yaml_comment_before("url: http://x#y k", 16));
    }
}
