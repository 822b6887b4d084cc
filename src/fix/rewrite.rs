//! Rewriting a key's literal into an environment lookup, in the file's own language, and
//! adding what the lookup needs (`import os`, Go's `"os"` import, a Terraform `variable`
//! block). Works on text in memory and returns the new content with a list of changed
//! lines; it never writes files and never renders the secret.
//!
//! A whole-value literal becomes the lookup; a key inside a larger string uses the
//! language's interpolation (f-string, template literal, `format!`, `${…}`) or, where
//! there is none, concatenation. Anything it cannot do safely is refused with a reason the
//! caller turns into a manual instruction.

use std::ops::Range;

use super::lang::Lang;
use super::lexer::{self, Delim, Literal, ShellQuote};

/// One replacement within a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// Byte range of the line to replace.
    pub range: Range<usize>,
    /// The replacement.
    pub text: String,
}

/// A changed line: its 0-based index in the original content, old and new text (without
/// terminator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Changed {
    /// 0-based line index in the original content.
    pub line: usize,
    /// The line before.
    pub old: String,
    /// The line after.
    pub new: String,
}

/// Lines inserted before original line `before` (0-based; the line count means the end).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inserted {
    /// Where.
    pub before: usize,
    /// The lines, without terminators.
    pub lines: Vec<String>,
}

/// The result of rewriting one file's content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rewritten {
    /// The new content.
    pub content: Vec<u8>,
    /// Lines that changed.
    pub changed: Vec<Changed>,
    /// Lines that were added.
    pub inserted: Vec<Inserted>,
}

/// Why a key cannot be rewritten automatically, at which 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// 1-based line.
    pub line: usize,
    /// What stands in the way and what to do instead.
    pub reason: String,
}

/// A key to take out of a file and the name the code reads instead.
#[derive(Clone, Debug)]
pub struct Target<'a> {
    /// The secret's bytes (kept in memory only).
    pub secret: &'a [u8],
    /// The name as the code spells it (`OPENAI_API_KEY`; `openai_api_key` for Terraform).
    pub name: &'a str,
}

/// What the rest of a file looks like, for decisions a line cannot make alone.
#[derive(Clone, Debug, Default)]
pub struct FileContext {
    /// Terraform variables already declared next to the file.
    pub declared_tf_vars: Vec<String>,
}

/// Splits content into lines, each with its terminator (`\n`, `\r\n` or none).
pub fn split_lines(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, eol, next) = match rest.find('\n') {
            Some(i) if i > 0 && rest.as_bytes()[i - 1] == b'\r' => {
                (&rest[..i - 1], "\r\n", &rest[i + 1..])
            }
            Some(i) => (&rest[..i], "\n", &rest[i + 1..]),
            None => (rest, "", ""),
        };
        out.push((line, eol));
        rest = next;
    }
    out
}

/// Rewrites every occurrence of every target's secret in `content`.
pub fn rewrite_file(
    lang: Lang,
    content: &[u8],
    targets: &[Target<'_>],
    ctx: &FileContext,
) -> Result<Rewritten, Refusal> {
    let text = std::str::from_utf8(content).map_err(|_| Refusal {
        line: 1,
        reason: "the file is not valid UTF-8".into(),
    })?;
    let lines = split_lines(text);
    let mut changed = Vec::new();
    let mut offset = 0usize;
    for (i, (line, eol)) in lines.iter().enumerate() {
        let mut edits = Vec::new();
        for t in targets {
            for at in memchr::memmem::find_iter(line.as_bytes(), t.secret) {
                let range = at..at + t.secret.len();
                let found =
                    rewrite_at(lang, line, range, t.name, &text[..offset]).map_err(|reason| {
                        Refusal {
                            line: i + 1,
                            reason,
                        }
                    })?;
                edits.extend(found);
            }
        }
        offset += line.len() + eol.len();
        if edits.is_empty() {
            continue;
        }
        let new = apply_edits(line, edits).map_err(|reason| Refusal {
            line: i + 1,
            reason,
        })?;
        changed.push(Changed {
            line: i,
            old: line.to_string(),
            new,
        });
    }
    let mut inserted = Vec::new();
    if !changed.is_empty() {
        match lang {
            Lang::Python => inserted.extend(python_import_os(&lines)),
            Lang::Go => {
                if let Some(ins) = go_import_os(&lines) {
                    inserted.push(ins?);
                }
            }
            Lang::Terraform => {
                let mut names: Vec<&str> = targets.iter().map(|t| t.name).collect();
                names.sort_unstable();
                names.dedup();
                let mut block = Vec::new();
                for name in names {
                    let declared = ctx.declared_tf_vars.iter().any(|d| d == name)
                        || declares_tf_var(text, name);
                    if !declared {
                        block.extend(terraform_variable(name));
                    }
                }
                if !block.is_empty() {
                    inserted.push(Inserted {
                        before: lines.len(),
                        lines: block,
                    });
                }
            }
            _ => {}
        }
    }
    Ok(Rewritten {
        content: assemble(&lines, &changed, &inserted).into_bytes(),
        changed,
        inserted,
    })
}

/// Builds the new text: changed lines replaced, inserted lines added with the file's
/// line terminator.
pub fn assemble(lines: &[(&str, &str)], changed: &[Changed], inserted: &[Inserted]) -> String {
    let eol = lines
        .iter()
        .find(|(_, e)| !e.is_empty())
        .map_or("\n", |(_, e)| *e);
    let mut out = String::new();
    let push_inserted = |out: &mut String, at: usize| {
        for ins in inserted.iter().filter(|ins| ins.before == at) {
            for l in &ins.lines {
                out.push_str(l);
                out.push_str(eol);
            }
        }
    };
    for (i, (line, e)) in lines.iter().enumerate() {
        push_inserted(&mut out, i);
        match changed.iter().find(|c| c.line == i) {
            Some(c) => out.push_str(&c.new),
            None => out.push_str(line),
        }
        out.push_str(e);
    }
    if inserted.iter().any(|ins| ins.before == lines.len()) {
        // Appending: the last line needs its terminator first.
        if lines.last().is_some_and(|(_, e)| e.is_empty()) {
            out.push_str(eol);
        }
        push_inserted(&mut out, lines.len());
    }
    out
}

/// Applies non-overlapping edits to a line.
pub fn apply_edits(line: &str, mut edits: Vec<Edit>) -> Result<String, String> {
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    edits.dedup();
    for pair in edits.windows(2) {
        if pair[0].range.end > pair[1].range.start {
            return Err("two keys in one string literal: split it by hand".into());
        }
    }
    let mut out = line.to_string();
    for e in edits.iter().rev() {
        out.replace_range(e.range.clone(), &e.text);
    }
    Ok(out)
}

/// The edits that replace the secret at `s` on `line`, in language `lang`. `before` is
/// the file's content before the line.
pub fn rewrite_at(
    lang: Lang,
    line: &str,
    s: Range<usize>,
    var: &str,
    before: &str,
) -> Result<Vec<Edit>, String> {
    if !line.is_char_boundary(s.start) || !line.is_char_boundary(s.end) {
        return Err("the key is not a whole run of characters (invalid UTF-8 around it)".into());
    }
    let secret = &line[s.clone()];
    if secret
        .bytes()
        .any(|b| matches!(b, b'"' | b'\'' | b'`' | b'\\' | b'$' | b'{' | b'}'))
    {
        return Err(format!(
            "the key contains quote, brace or escape characters{}",
            by_hand(lang, var)
        ));
    }
    match lang {
        Lang::Shell => return shell(line, s, var),
        Lang::Compose => {
            if lexer::yaml_comment_before(line, s.start) {
                return Err("the key is in a comment: delete it from the comment".into());
            }
            return Ok(vec![Edit {
                range: s,
                text: format!("${{{var}}}"),
            }]);
        }
        _ => {}
    }
    let scan = lexer::literals(lang, line);
    if scan.comment.is_some_and(|c| c <= s.start) {
        return Err("the key is in a comment: delete it from the comment".into());
    }
    let lit = scan
        .literals
        .iter()
        .find(|l| l.body.start <= s.start && s.end <= l.body.end)
        .ok_or_else(|| {
            format!(
                "the key is not inside a string literal on this line{}",
                by_hand(lang, var)
            )
        })?;
    if !lit.closed {
        return Err(format!(
            "the string continues past this line (a multi-line string){}",
            by_hand(lang, var)
        ));
    }
    if lit.delim == Delim::Triple {
        return Err(format!(
            "the key is in a triple-quoted string or text block{}",
            by_hand(lang, var)
        ));
    }
    let pre = &line[lit.body.start..s.start];
    let suf = &line[s.end..lit.body.end];
    let head = &line[..lit.start];
    let next_is_member = line[lit.end..].trim_start().starts_with(['.', '[']);
    let whole = pre.is_empty() && suf.is_empty();
    if needs_constant(lang, head) {
        return Err(format!(
            "a case label, annotation or attribute needs a compile-time constant: read {var} at run time \
             where the value is used instead"
        ));
    }
    let whole_literal = |text: String| {
        Ok(vec![Edit {
            range: lit.start..lit.end,
            text,
        }])
    };
    match lang {
        Lang::Python | Lang::Notebook => python(line, lit, pre, suf, var),
        Lang::JavaScript | Lang::TypeScript => {
            let bang = if lang == Lang::TypeScript { "!" } else { "" };
            if whole {
                return whole_literal(format!("process.env.{var}{bang}"));
            }
            if lit.delim == Delim::Backtick {
                return Ok(vec![Edit {
                    range: s,
                    text: format!("${{process.env.{var}}}"),
                }]);
            }
            let t = |x: &str| x.replace('`', "\\`").replace("${", "\\${");
            whole_literal(format!("`{}${{process.env.{var}}}{}`", t(pre), t(suf)))
        }
        Lang::Go => {
            let mut edits = Vec::new();
            if let Some(k) = leading_keyword(head, "const") {
                edits.push(Edit {
                    range: k..k + 5,
                    text: "var".into(),
                });
            } else if in_go_const_block(before) {
                return Err("the key is in a `const ( … )` block: move that name into a `var ( … )` block and assign it os.Getenv(\"".to_string() + var + "\")");
            }
            let lookup = format!("os.Getenv(\"{var}\")");
            let q = if lit.delim == Delim::Backtick {
                "`"
            } else {
                "\""
            };
            edits.push(Edit {
                range: lit.start..lit.end,
                text: concat(pre, suf, q, q, lookup, next_is_member),
            });
            Ok(edits)
        }
        Lang::Rust => {
            if lit.prefix.contains(['b', 'c']) {
                return Err(format!(
                    "the key is in a byte or C string literal{}",
                    by_hand(lang, var)
                ));
            }
            if rust_item_is_const(line) {
                return Err(format!(
                    "a `const`/`static` needs a compile-time value: read the variable at run time instead, \
                     e.g. `static KEY: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| \
                     std::env::var(\"{var}\").expect(\"{var} is not set\"));` and use `&*KEY`"
                ));
            }
            if head.trim_end().ends_with("!(") {
                return Err(format!(
                    "the key is in a macro's format string: add a `{{}}` there and pass \
                     std::env::var(\"{var}\").expect(\"{var} is not set\") as an argument"
                ));
            }
            let read = format!("std::env::var(\"{var}\").expect(\"{var} is not set\")");
            // `&String` coerces to `&str` wherever the literal was used as one; before a
            // method call the `String` itself is the receiver.
            let amp = if next_is_member { "" } else { "&" };
            if whole {
                return whole_literal(format!("{amp}{read}"));
            }
            let (open, close) = match lit.delim {
                Delim::RawHash(n) => (
                    format!("r{}\"", "#".repeat(n)),
                    format!("\"{}", "#".repeat(n)),
                ),
                _ => ("\"".to_string(), "\"".to_string()),
            };
            let b = |x: &str| x.replace('{', "{{").replace('}', "}}");
            whole_literal(format!(
                "{amp}format!({open}{}{{}}{}{close}, {read})",
                b(pre),
                b(suf)
            ))
        }
        Lang::Java => {
            let lookup = format!("System.getenv(\"{var}\")");
            whole_literal(concat(pre, suf, "\"", "\"", lookup, next_is_member))
        }
        Lang::Kotlin => {
            let mut edits = Vec::new();
            if let Some(k) = head.find("const val ") {
                edits.push(Edit {
                    range: k..k + 6,
                    text: String::new(),
                });
            }
            if whole {
                edits.push(Edit {
                    range: lit.start..lit.end,
                    text: format!("System.getenv(\"{var}\")"),
                });
            } else {
                edits.push(Edit {
                    range: s,
                    text: format!("${{System.getenv(\"{var}\")}}"),
                });
            }
            Ok(edits)
        }
        Lang::CSharp => {
            if contains_word(head, "const") {
                return Err(format!(
                    "a `const` needs a compile-time value: make it `static readonly string` (in a class) or drop \
                     `const` (in a method), assigned System.Environment.GetEnvironmentVariable(\"{var}\")"
                ));
            }
            let open = format!("{}\"", lit.prefix);
            let lookup = format!("System.Environment.GetEnvironmentVariable(\"{var}\")");
            whole_literal(concat(pre, suf, &open, "\"", lookup, next_is_member))
        }
        Lang::Terraform => {
            if whole {
                whole_literal(format!("var.{var}"))
            } else {
                Ok(vec![Edit {
                    range: s,
                    text: format!("${{var.{var}}}"),
                }])
            }
        }
        Lang::Shell | Lang::Compose => unreachable!("handled above"),
        Lang::Dotenv | Lang::OtherYaml | Lang::Unknown => {
            Err(format!("tierzero does not rewrite {} files", lang.name()))
        }
    }
}

fn python(line: &str, lit: &Literal, pre: &str, suf: &str, var: &str) -> Result<Vec<Edit>, String> {
    let prefix = lit.prefix.to_ascii_lowercase();
    if prefix.contains('b') {
        return Err(format!(
            "the key is in a bytes literal: use os.environ[\"{var}\"].encode() there"
        ));
    }
    let q = lit.quote(line);
    let text = if pre.is_empty() && suf.is_empty() {
        format!("os.environ[\"{var}\"]")
    } else {
        // The subscript uses the other quote: the same one inside an f-string needs 3.12.
        let iq = if q == '"' { '\'' } else { '"' };
        let is_f = prefix.contains('f');
        let esc = |x: &str| {
            if is_f {
                x.to_string()
            } else {
                x.replace('{', "{{").replace('}', "}}")
            }
        };
        let mut new_prefix: String = lit
            .prefix
            .chars()
            .filter(|c| !matches!(c, 'u' | 'U'))
            .collect();
        if !is_f {
            new_prefix.push('f');
        }
        format!(
            "{new_prefix}{q}{}{{os.environ[{iq}{var}{iq}]}}{}{q}",
            esc(pre),
            esc(suf)
        )
    };
    Ok(vec![Edit {
        range: lit.start..lit.end,
        text,
    }])
}

/// Whether the literal sits where only a constant may (Java/Kotlin/C# `case` labels,
/// annotations, C# attributes), so a run-time read would not compile.
fn needs_constant(lang: Lang, head: &str) -> bool {
    if !matches!(lang, Lang::Java | Lang::Kotlin | Lang::CSharp) {
        return false;
    }
    let t = head.trim_start();
    let open_annotation =
        t.starts_with('@') && head.matches('(').count() > head.matches(')').count();
    let open_attribute = lang == Lang::CSharp && t.starts_with('[') && !head.contains(']');
    t.starts_with("case ") || open_annotation || open_attribute
}

/// The end of a refusal that has no advice of its own: what to write instead.
fn by_hand(lang: Lang, var: &str) -> String {
    format!(": write {} there by hand", lang.lookup_example(var))
}

/// `"pre" + lookup + "suf"`, empty parts dropped, parenthesised before a member access.
fn concat(pre: &str, suf: &str, open: &str, close: &str, lookup: String, member: bool) -> String {
    let mut parts = Vec::new();
    if !pre.is_empty() {
        parts.push(format!("{open}{pre}{close}"));
    }
    parts.push(lookup);
    if !suf.is_empty() {
        parts.push(format!("{open}{suf}{close}"));
    }
    let joined = parts.join(" + ");
    if member && parts.len() > 1 {
        format!("({joined})")
    } else {
        joined
    }
}

fn shell(line: &str, s: Range<usize>, var: &str) -> Result<Vec<Edit>, String> {
    let state = lexer::shell_state(line, s.start);
    let prev = line[..s.start].chars().next_back();
    let next = line[s.end..].chars().next();
    let edit = |range: Range<usize>, text: String| Ok(vec![Edit { range, text }]);
    match state {
        ShellQuote::Comment => Err("the key is in a comment: delete it from the comment".into()),
        ShellQuote::None => {
            let word_start = prev.map_or(true, |c| c == '=' || c.is_whitespace());
            let word_end = next.map_or(true, |c| c.is_whitespace() || ";&|)".contains(c));
            if word_start && word_end {
                edit(s, format!("\"${var}\""))
            } else {
                edit(s, format!("\"${{{var}}}\""))
            }
        }
        ShellQuote::Double => {
            if prev == Some('"') && next == Some('"') {
                edit(s, format!("${var}"))
            } else {
                edit(s, format!("${{{var}}}"))
            }
        }
        ShellQuote::Single => {
            // Close the single quotes around a double-quoted expansion.
            let opens = prev == Some('\'');
            let closes = next == Some('\'');
            match (opens, closes) {
                (true, true) => edit(s.start - 1..s.end + 1, format!("\"${var}\"")),
                (true, false) => edit(s.start - 1..s.end, format!("\"${{{var}}}\"'")),
                (false, true) => edit(s.start..s.end + 1, format!("'\"${{{var}}}\"")),
                (false, false) => edit(s, format!("'\"${{{var}}}\"'")),
            }
        }
    }
}

/// The byte offset of `keyword` when it is the first word of `head`.
fn leading_keyword(head: &str, keyword: &str) -> Option<usize> {
    let trimmed = head.trim_start();
    let at = head.len() - trimmed.len();
    let rest = trimmed.strip_prefix(keyword)?;
    rest.starts_with([' ', '\t']).then_some(at)
}

fn contains_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

fn rust_item_is_const(line: &str) -> bool {
    let mut words = line
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let mut first = words.next();
    if first == Some("pub") {
        first = words.find(|w| !matches!(*w, "crate" | "super" | "self" | "in"));
    }
    matches!(first, Some("const" | "static"))
}

/// Whether the line after `before` is inside a Go `const ( … )` block.
fn in_go_const_block(before: &str) -> bool {
    for line in before.lines().rev() {
        let t = line.trim();
        if t == ")" || t.starts_with("func ") || t.starts_with("var (") || t.starts_with("import (")
        {
            return false;
        }
        if t.starts_with("const (") || t == "const(" {
            return true;
        }
    }
    false
}

/// Where `import os` goes when the file lacks it: after the shebang, leading comments, the
/// module docstring and `from __future__` imports.
fn python_import_os(lines: &[(&str, &str)]) -> Option<Inserted> {
    let has = lines.iter().any(|(l, _)| python_imports_os(l));
    if has {
        return None;
    }
    let mut i = 0;
    while i < lines.len() {
        let t = lines[i].0.trim();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        break;
    }
    // A module docstring.
    if i < lines.len() {
        let t = lines[i].0.trim_start();
        let t = t.trim_start_matches(['r', 'R', 'u', 'U']);
        for q in ["\"\"\"", "'''"] {
            if let Some(rest) = t.strip_prefix(q) {
                let mut j = i;
                let mut tail = rest;
                loop {
                    if tail.contains(q) {
                        break;
                    }
                    j += 1;
                    if j >= lines.len() {
                        return Some(Inserted {
                            before: 0,
                            lines: vec!["import os".into()],
                        });
                    }
                    tail = lines[j].0;
                }
                i = j + 1;
                break;
            }
        }
    }
    // `from __future__` must stay first; blank lines and comments between them too.
    let mut k = i;
    while k < lines.len() {
        let t = lines[k].0.trim();
        if t.starts_with("from __future__") {
            i = k + 1;
        } else if !(t.is_empty() || t.starts_with('#')) {
            break;
        }
        k += 1;
    }
    while i < lines.len() && lines[i].0.trim().is_empty() && i > 0 {
        i += 1;
    }
    let next = lines.get(i).map_or("", |(l, _)| l.trim());
    let mut new = vec!["import os".to_string()];
    if !next.is_empty() && !next.starts_with("import ") && !next.starts_with("from ") {
        new.push(String::new());
    }
    Some(Inserted {
        before: i,
        lines: new,
    })
}

fn python_imports_os(line: &str) -> bool {
    let t = line.trim_start();
    let Some(rest) = t.strip_prefix("import ") else {
        return false;
    };
    let rest = rest.split('#').next().unwrap_or("");
    rest.split([',', ';'])
        .take_while(|part| !part.contains("import"))
        .any(|part| part.trim() == "os")
}

/// The `"os"` import for a Go file that lacks it; `Err` when the imports are laid out in
/// a way this does not handle.
fn go_import_os(lines: &[(&str, &str)]) -> Option<Result<Inserted, Refusal>> {
    let mut package = None;
    let mut block = None;
    let mut last_single = None;
    for (i, (l, _)) in lines.iter().enumerate() {
        let t = l.trim();
        if package.is_none() && t.starts_with("package ") {
            package = Some(i);
        }
        if t == "import (" {
            block = Some(i);
            break;
        }
        if let Some(path) = t.strip_prefix("import ") {
            if path.trim() == "\"os\"" {
                return None;
            }
            last_single = Some(i);
        }
        if t.starts_with("func ") || t.starts_with("type ") || t.starts_with("var ") {
            break;
        }
    }
    if let Some(open) = block {
        let mut first_group_end = None;
        let mut insert_at = None;
        for (j, (l, _)) in lines.iter().enumerate().skip(open + 1) {
            let t = l.trim();
            if t == ")" {
                first_group_end.get_or_insert(j);
                break;
            }
            let path = t.split('"').nth(1).unwrap_or("");
            if path == "os" && (t.starts_with('"') || t.starts_with("_")) {
                // `"os"` imported already (an alias would not bind `os`).
                if t.starts_with('"') {
                    return None;
                }
            }
            if t.is_empty() {
                first_group_end.get_or_insert(j);
                continue;
            }
            if first_group_end.is_none() && insert_at.is_none() && t.starts_with('"') && path > "os"
            {
                insert_at = Some(j);
            }
        }
        let Some(end) = first_group_end else {
            return Some(Err(Refusal {
                line: open + 1,
                reason: "the import block does not close".into(),
            }));
        };
        let first_is_std = lines
            .get(open + 1)
            .map(|(l, _)| l.trim().split('"').nth(1).unwrap_or(""))
            .is_some_and(|p| !p.contains('.'));
        return Some(Ok(if first_is_std {
            Inserted {
                before: insert_at.unwrap_or(end),
                lines: vec!["\t\"os\"".into()],
            }
        } else {
            Inserted {
                before: open + 1,
                lines: vec!["\t\"os\"".into(), String::new()],
            }
        }));
    }
    if let Some(i) = last_single {
        return Some(Ok(Inserted {
            before: i + 1,
            lines: vec!["import \"os\"".into()],
        }));
    }
    let Some(p) = package else {
        return Some(Err(Refusal {
            line: 1,
            reason: "no `package` clause".into(),
        }));
    };
    let mut new = vec![String::new(), "import \"os\"".to_string()];
    if lines.get(p + 1).is_some_and(|(l, _)| !l.trim().is_empty()) {
        new.push(String::new());
    }
    Some(Ok(Inserted {
        before: p + 1,
        lines: new,
    }))
}

/// Whether `text` declares `variable "<name>"`.
pub fn declares_tf_var(text: &str, name: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        t.strip_prefix("variable")
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix('"'))
            .and_then(|r| r.strip_prefix(name))
            .is_some_and(|r| r.starts_with('"'))
    })
}

/// A sensitive Terraform variable declaration, laid out as `terraform fmt` does.
fn terraform_variable(name: &str) -> Vec<String> {
    vec![
        String::new(),
        format!("variable \"{name}\" {{"),
        "  type      = string".into(),
        "  sensitive = true".into(),
        "}".into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: &str = "tok_Q8zR4mW9pL2xAAAA";

    fn one(lang: Lang, line: &str) -> Result<String, String> {
        let at = line.find(K).unwrap();
        let edits = rewrite_at(lang, line, at..at + K.len(), "MY_KEY", "")?;
        apply_edits(line, edits)
    }

    #[test]
    fn whole_values() {
        let l = |lang, line: &str| one(lang, &line.replace("<K>", K)).unwrap();
        assert_eq!(
            l(Lang::Python, r#"c = OpenAI(api_key="<K>")"#),
            r#"c = OpenAI(api_key=os.environ["MY_KEY"])"#
        );
        assert_eq!(
            l(Lang::JavaScript, "const k = '<K>';"),
            "const k = process.env.MY_KEY;"
        );
        assert_eq!(
            l(Lang::TypeScript, "const k: string = \"<K>\";"),
            "const k: string = process.env.MY_KEY!;"
        );
        assert_eq!(
            l(Lang::Go, "const apiKey = \"<K>\""),
            "var apiKey = os.Getenv(\"MY_KEY\")"
        );
        assert_eq!(
            l(Lang::Rust, "let k = \"<K>\";"),
            "let k = &std::env::var(\"MY_KEY\").expect(\"MY_KEY is not set\");"
        );
        assert_eq!(
            l(Lang::Rust, "let k = \"<K>\".to_string();"),
            "let k = std::env::var(\"MY_KEY\").expect(\"MY_KEY is not set\").to_string();"
        );
        assert_eq!(
            l(Lang::Java, "String k = \"<K>\";"),
            "String k = System.getenv(\"MY_KEY\");"
        );
        assert_eq!(
            l(Lang::Kotlin, "const val K1 = \"<K>\""),
            "val K1 = System.getenv(\"MY_KEY\")"
        );
        assert_eq!(
            l(Lang::CSharp, "var k = @\"<K>\";"),
            "var k = System.Environment.GetEnvironmentVariable(\"MY_KEY\");"
        );
        assert_eq!(
            l(Lang::Shell, "export MY_KEY=<K>"),
            "export MY_KEY=\"$MY_KEY\""
        );
        assert_eq!(l(Lang::Shell, "k='<K>'"), "k=\"$MY_KEY\"");
        assert_eq!(
            l(Lang::Compose, "      - MY_KEY=<K>"),
            "      - MY_KEY=${MY_KEY}"
        );
        assert_eq!(
            l(Lang::Terraform, "  api_key = \"<K>\""),
            "  api_key = var.MY_KEY"
        );
    }

    #[test]
    fn embedded_values_interpolate() {
        let l = |lang, line: &str| one(lang, &line.replace("<K>", K)).unwrap();
        assert_eq!(
            l(Lang::Python, r#"h = {"Authorization": "Bearer <K> {x}"}"#),
            r#"h = {"Authorization": f"Bearer {os.environ['MY_KEY']} {{x}}"}"#
        );
        assert_eq!(
            l(Lang::Python, "u = f'k=<K>&q={q}'"),
            "u = f'k={os.environ[\"MY_KEY\"]}&q={q}'"
        );
        assert_eq!(
            l(Lang::JavaScript, "h('Bearer <K>')"),
            "h(`Bearer ${process.env.MY_KEY}`)"
        );
        assert_eq!(
            l(Lang::JavaScript, "h(`Bearer <K>`)"),
            "h(`Bearer ${process.env.MY_KEY}`)"
        );
        assert_eq!(
            l(Lang::Go, "u := \"k=<K>&x\""),
            "u := \"k=\" + os.Getenv(\"MY_KEY\") + \"&x\""
        );
        assert_eq!(
            l(Lang::Rust, "f(\"Bearer <K> {x}\");"),
            "f(&format!(\"Bearer {} {{x}}\", std::env::var(\"MY_KEY\").expect(\"MY_KEY is not set\")));"
        );
        assert_eq!(
            l(Lang::Java, "int n = \"Bearer <K>\".length();"),
            "int n = (\"Bearer \" + System.getenv(\"MY_KEY\")).length();"
        );
        assert_eq!(
            l(Lang::Kotlin, "val h = \"Bearer <K>\""),
            "val h = \"Bearer ${System.getenv(\"MY_KEY\")}\""
        );
        assert_eq!(
            l(Lang::Shell, "curl -H \"Authorization: Bearer <K>\""),
            "curl -H \"Authorization: Bearer ${MY_KEY}\""
        );
        assert_eq!(
            l(Lang::Shell, "curl -H 'Authorization: Bearer <K>'"),
            "curl -H 'Authorization: Bearer '\"${MY_KEY}\""
        );
        assert_eq!(
            l(Lang::Shell, "curl 'x?k=<K>&y'"),
            "curl 'x?k='\"${MY_KEY}\"'&y'"
        );
        assert_eq!(
            l(Lang::Terraform, "h = \"Bearer <K>\""),
            "h = \"Bearer ${var.MY_KEY}\""
        );
    }

    #[test]
    fn refusals_say_why() {
        let r = |lang, line: &str| one(lang, &line.replace("<K>", K)).unwrap_err();
        assert!(r(Lang::Python, "# old key: <K>").contains("comment"));
        assert!(r(Lang::Python, "k = b\"<K>\"").contains("bytes"));
        assert!(r(Lang::Python, "k = \"\"\"<K>\"\"\"").contains("triple"));
        assert!(r(Lang::Rust, "const KEY: &str = \"<K>\";").contains("LazyLock"));
        assert!(r(Lang::Rust, "println!(\"<K>\");").contains("format string"));
        assert!(r(Lang::CSharp, "const string Key = \"<K>\";").contains("static readonly"));
        assert!(r(Lang::Shell, "run # <K>").contains("comment"));
        assert!(r(Lang::Go, "x := <K>").contains("not inside a string"));
        assert!(r(Lang::Compose, "é: x # <K>").contains("comment"));
        assert!(r(Lang::Java, "@Key(\"<K>\")").contains("annotation"));
        assert!(r(Lang::CSharp, "[ApiKey(\"<K>\")]").contains("attribute"));
        assert!(r(Lang::Java, "    case \"<K>\":").contains("case label"));
    }

    #[test]
    fn go_const_block_is_refused() {
        let line = format!("\tapiKey = \"{K}\"");
        let at = line.find(K).unwrap();
        let err = rewrite_at(
            Lang::Go,
            &line,
            at..at + K.len(),
            "V",
            "package m\n\nconst (\n",
        )
        .unwrap_err();
        assert!(err.contains("const ("), "{err}");
    }

    fn file(lang: Lang, text: &str) -> String {
        let text = text.replace("<K>", K);
        let out = rewrite_file(
            lang,
            text.as_bytes(),
            &[Target {
                secret: K.as_bytes(),
                name: "MY_KEY",
            }],
            &FileContext::default(),
        )
        .unwrap();
        String::from_utf8(out.content).unwrap()
    }

    #[test]
    fn python_import_goes_after_docstring_and_future() {
        assert_eq!(
            file(Lang::Python, "#!/usr/bin/env python\n\"\"\"Doc.\n\nMore.\n\"\"\"\nfrom __future__ import annotations\n\nimport sys\nk = \"<K>\"\n"),
            "#!/usr/bin/env python\n\"\"\"Doc.\n\nMore.\n\"\"\"\nfrom __future__ import annotations\n\nimport os\nimport sys\nk = os.environ[\"MY_KEY\"]\n"
        );
        assert_eq!(
            file(Lang::Python, "k = \"<K>\"\n"),
            "import os\n\nk = os.environ[\"MY_KEY\"]\n"
        );
        assert_eq!(
            file(Lang::Python, "import sys, os\nk = '<K>'\r\n"),
            "import sys, os\nk = os.environ[\"MY_KEY\"]\r\n"
        );
    }

    #[test]
    fn go_import_is_added_sorted() {
        assert_eq!(
            file(Lang::Go, "package main\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nvar k = \"<K>\"\n"),
            "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n\t\"strings\"\n)\n\nvar k = os.Getenv(\"MY_KEY\")\n"
        );
        assert_eq!(
            file(Lang::Go, "package main\n\nvar k = \"<K>\"\n"),
            "package main\n\nimport \"os\"\n\nvar k = os.Getenv(\"MY_KEY\")\n"
        );
        assert_eq!(
            file(
                Lang::Go,
                "package main\n\nimport \"fmt\"\n\nvar k = \"<K>\"\n"
            ),
            "package main\n\nimport \"fmt\"\nimport \"os\"\n\nvar k = os.Getenv(\"MY_KEY\")\n"
        );
    }

    #[test]
    fn terraform_gets_a_sensitive_variable() {
        let out = file(Lang::Terraform, "provider \"x\" {\n  api_key = \"<K>\"\n}");
        assert_eq!(
            out,
            "provider \"x\" {\n  api_key = var.MY_KEY\n}\n\nvariable \"MY_KEY\" {\n  type      = string\n  sensitive = true\n}\n"
        );
    }
}
