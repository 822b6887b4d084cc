//! `tierzero import gitleaks`: converting a gitleaks configuration into `.tierzero.toml`.
//!
//! Rules keep their id, description, regex, path regex, keywords, entropy, secret group and
//! tags; allowlists keep their regexes (with their target), stopwords and those path regexes
//! that have an exact gitignore-style equivalent; `[extend] disabledRules` becomes `disable`.
//! Everything that cannot be carried over faithfully is listed in the notes, never silently
//! dropped, and anything that would make tierzero allow *more* than gitleaks did (an `AND`
//! allowlist, a path regex with no glob equivalent) is left out rather than approximated.
//! The converted text is loaded through the config loader before it is returned, so what
//! this module prints always loads.
//!
//! This module reads one TOML file and produces text; it does not write files or scan.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use toml::{Table, Value};

use crate::error::{Error, Result};
use crate::policy::go_regex;
use crate::policy::suppress::{one_line, Allowlist};
use crate::rules::spec::Text;
use crate::rules::{compile_regex, AllowSpec, Rule, RuleSet, RuleSpec};

/// The result of a conversion.
#[derive(Debug)]
pub struct Imported {
    /// `.tierzero.toml` text.
    pub toml: String,
    /// What could not be carried over, or was changed, one line each.
    pub notes: Vec<String>,
}

/// Quotes `s` as a TOML string: a literal string when it can be one (regexes stay
/// readable), else a basic string with escapes.
fn toml_str(s: &str) -> String {
    if !s.contains('\'') && !s.chars().any(char::is_control) {
        return format!("'{s}'");
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[Text]) -> String {
    let inner: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Reads a list of strings; anything else is noted.
fn strings(v: &Value, what: &str, notes: &mut Vec<String>) -> Vec<Text> {
    match v.as_array() {
        Some(items) => items
            .iter()
            .filter_map(|i| match i.as_str() {
                Some(s) => Some(Text::from(s.to_string())),
                None => {
                    notes.push(format!("{what}: non-string entry {i} dropped"));
                    None
                }
            })
            .collect(),
        None => {
            notes.push(format!("{what}: expected a list of strings; dropped"));
            Vec::new()
        }
    }
}

/// Consumes gitleaks' regex syntax for a run of literal path characters. Returns the glob
/// text, or `None` at the first construct without an exact glob equivalent.
fn literal_glob(body: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let e = chars.next()?;
                if e.is_ascii_alphanumeric() {
                    return None; // \d, \w, \b...: classes, not literals
                }
                if "*?[]{}\\".contains(e) {
                    out.push('\\');
                }
                out.push(e);
            }
            // An unescaped `.` is "any byte" to gitleaks but is nearly always meant as a
            // dot; `?` matches any character except `/`, a subset, so it allows no more.
            '.' => out.push('?'),
            '(' => {
                let mut group = String::new();
                if chars.peek() == Some(&'?') {
                    chars.next();
                    if chars.next()? != ':' {
                        return None;
                    }
                }
                loop {
                    match chars.next()? {
                        ')' => break,
                        c => group.push(c),
                    }
                }
                let alts: Option<Vec<String>> = group.split('|').map(literal_glob).collect();
                let alts = alts?;
                if alts
                    .iter()
                    .any(|a| a.is_empty() || a.contains(['{', '}', ',']))
                {
                    return None;
                }
                let _ = write!(out, "{{{}}}", alts.join(","));
            }
            // A class of plain characters (`[ot]tf`) is the same class in a glob.
            '[' => {
                let mut class = String::new();
                loop {
                    match chars.next()? {
                        ']' => break,
                        c if c.is_ascii_alphanumeric() => class.push(c),
                        _ => return None,
                    }
                }
                if class.is_empty() {
                    return None;
                }
                let _ = write!(out, "[{class}]");
            }
            c if c.is_ascii_alphanumeric() || "_-/~@,=%".contains(c) => out.push(c),
            _ => return None,
        }
    }
    Some(out)
}

/// Translates a gitleaks path regex into gitignore-style patterns when there are
/// equivalent ones: optional groups (`gradlew(?:\.bat)?`) become one pattern per choice, and
/// `(?:/.*)?$` ("this name, or anything under it") a bare name, which gitignore reads the
/// same way (`(?:^|/)node_modules(?:/.*)?$` → `node_modules`).
fn path_regex_to_globs(re: &str) -> Option<Vec<String>> {
    // Globs have no case-insensitive form: `(?i)` becomes the all-lower and all-upper
    // spellings, which allow less than gitleaks did (never more); the caller says so.
    if let Some(rest) = re.strip_prefix("(?i)") {
        let mut out = Vec::new();
        for glob in path_regex_to_globs(rest)? {
            for cased in [glob.to_lowercase(), glob.to_uppercase()] {
                if !out.contains(&cased) {
                    out.push(cased);
                }
            }
        }
        return Some(out);
    }
    let mut variants = vec![re.to_string()];
    // Expand innermost optional groups one at a time (a few per regex at most).
    for _ in 0..4 {
        let mut next = Vec::new();
        let mut changed = false;
        for v in &variants {
            match optional_group(v).or_else(|| optional_char(v)) {
                Some((with, without)) => {
                    changed = true;
                    next.push(with);
                    next.push(without);
                }
                None => next.push(v.clone()),
            }
        }
        variants = next;
        if !changed {
            break;
        }
    }
    if variants.len() > 8 {
        return None;
    }
    let mut out = Vec::new();
    for v in variants {
        let glob = match v
            .strip_suffix("(?:/.*)$")
            .or_else(|| v.strip_suffix("(/.*)$"))
        {
            // `X(?:/.*)?$` without its group is `X$`, with it `X/.*$`: the name covers both.
            Some(_) => continue,
            None => path_regex_to_glob(&v)?,
        };
        if !out.contains(&glob) {
            out.push(glob);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The first optional group `(?:X)?` of `re` (without nested groups, not the `(?:^|/)`
/// anchor), as `re` with the group's text kept and with it dropped.
fn optional_group(re: &str) -> Option<(String, String)> {
    let mut from = 0;
    while let Some(at) = re[from..].find("(?:").map(|i| i + from) {
        let body_start = at + 3;
        let end = re[body_start..].find(')').map(|i| i + body_start)?;
        let body = &re[body_start..end];
        if !body.contains('(') && re[end + 1..].starts_with('?') && body != "^|/" {
            let with = format!("{}{}{}", &re[..at], body, &re[end + 2..]);
            // `/.*?` is lazy, which changes nothing once the regex ends at `$`.
            let with = if body == "/.*" || (body == "/.*?" && re[end + 2..].starts_with('$')) {
                // Keep a marker the caller recognises: "and everything under it".
                format!("{}(?:/.*){}", &re[..at], &re[end + 2..])
            } else {
                with
            };
            let without = format!("{}{}", &re[..at], &re[end + 2..]);
            return Some((with, without));
        }
        from = body_start;
    }
    None
}

/// The first optional literal character (`jpe?g`) of `re`, as `re` with it and without.
fn optional_char(re: &str) -> Option<(String, String)> {
    let bytes = re.as_bytes();
    (1..bytes.len()).find_map(|i| {
        let c = bytes[i - 1];
        let escaped = i >= 2 && bytes[i - 2] == b'\\';
        (bytes[i] == b'?' && c.is_ascii_alphanumeric() && !escaped).then(|| {
            (
                format!("{}{}", &re[..i], &re[i + 1..]),
                format!("{}{}", &re[..i - 1], &re[i + 1..]),
            )
        })
    })
}

/// Translates one gitleaks path regex without optional groups into a gitignore-style
/// pattern when there is an equivalent one (`^docs/`, `(^|/)vendor/`, `\.lock$`,
/// `(^|/)go\.sum$`, `^a/b\.txt$`).
fn path_regex_to_glob(re: &str) -> Option<String> {
    let (start, rest) = if let Some(r) = re.strip_prefix('^') {
        ("root", r)
    } else if let Some(r) = re
        .strip_prefix("(^|/)")
        .or_else(|| re.strip_prefix("(?:^|/)"))
    {
        ("component", r)
    } else {
        ("anywhere", re)
    };
    let (end, body) = if let Some(b) = rest.strip_suffix('$').filter(|b| !b.ends_with('\\')) {
        ("end", b)
    } else if let Some(b) = rest.strip_suffix("/.*").or_else(|| rest.strip_suffix('/')) {
        ("dir", b)
    } else {
        ("open", rest)
    };
    let glob = literal_glob(body)?;
    if glob.is_empty() {
        return None;
    }
    let pattern = match (start, end) {
        ("root", "end") => format!("/{glob}"),
        ("root", "dir") => format!("/{glob}/"),
        ("component", "end") if !glob.contains('/') => glob,
        ("component", "end") => format!("**/{glob}"),
        ("component", "dir") if !glob.contains('/') => format!("{glob}/"),
        ("component", "dir") => format!("**/{glob}/"),
        // Unanchored, a literal without `/` can only match inside one path component, which
        // is what a slash-less gitignore pattern tests.
        ("anywhere", "end") if !glob.contains('/') => format!("*{glob}"),
        ("anywhere", "open") if !glob.contains('/') => format!("*{glob}*"),
        ("component", "open") if !glob.contains('/') => format!("{glob}*"),
        _ => return None,
    };
    let check = AllowSpec {
        paths: vec![pattern.clone().into()],
        ..Default::default()
    };
    Allowlist::from_spec(&check).ok().map(|_| pattern)
}

/// Converts one gitleaks allowlist. `None` when nothing of it can be carried over.
fn convert_allow(t: &Table, what: &str, notes: &mut Vec<String>) -> Option<AllowSpec> {
    let mut spec = AllowSpec::default();
    let criteria = ["commits", "paths", "regexes", "stopwords"]
        .iter()
        .filter(|k| {
            t.get(**k)
                .and_then(Value::as_array)
                .is_some_and(|a| !a.is_empty())
        })
        .count();
    if let Some(cond) = t.get("condition").and_then(Value::as_str) {
        let and = matches!(cond.trim().to_ascii_uppercase().as_str(), "AND" | "&&");
        if and && criteria > 1 {
            notes.push(format!(
                "{what}: condition = \"AND\" is not supported (tierzero allowlists match on any entry); the allowlist is left out so nothing more is allowed"
            ));
            return None;
        }
    }
    for (key, value) in t {
        match key.as_str() {
            "description" | "condition" | "targetRules" => {}
            "commits" => notes.push(format!(
                "{what}: `commits` is not supported (tierzero suppresses by content fingerprint: use `tierzero baseline` or `tierzero ignore`)"
            )),
            "paths" => {
                for re in strings(value, &format!("{what}.paths"), notes) {
                    match path_regex_to_globs(&re) {
                        Some(globs) => {
                            if re.starts_with("(?i)") {
                                notes.push(format!(
                                    "{what}.paths: case-insensitive path regex {} became lower- and upper-case globs; mixed-case names are not allowed",
                                    toml_str(&re)
                                ));
                            }
                            spec.paths.extend(globs.into_iter().map(Text::from))
                        }
                        None => notes.push(format!(
                            "{what}.paths: path regex {} has no exact gitignore-style equivalent; write a glob for it under `paths`",
                            toml_str(&re)
                        )),
                    }
                }
            }
            "regexes" => {
                for re in strings(value, &format!("{what}.regexes"), notes) {
                    let re: Text = go_regex::translate(&re).into();
                    match compile_regex(&re) {
                        Ok(_) => spec.regexes.push(re),
                        Err(e) => notes.push(format!(
                            "{what}.regexes: {} does not compile in tierzero's regex syntax ({}); dropped",
                            toml_str(&re),
                            one_line(&e)
                        )),
                    }
                }
            }
            "regexTarget" => match value.as_str() {
                Some("secret") => {}
                Some("line") => spec.target = Some("line".into()),
                Some("match") => {
                    spec.target = Some("line".into());
                    notes.push(format!(
                        "{what}: regexTarget = \"match\" became target = \"line\" (tierzero matches the secret or the whole line)"
                    ));
                }
                _ => notes.push(format!("{what}: unknown regexTarget {value}; using \"secret\"")),
            },
            "stopwords" => spec.stopwords = strings(value, &format!("{what}.stopwords"), notes),
            other => notes.push(format!("{what}: unknown key `{other}` ignored")),
        }
    }
    if spec.paths.is_empty() && spec.regexes.is_empty() && spec.stopwords.is_empty() {
        return None;
    }
    Some(spec)
}

/// Adds `more` to `into`. Regexes with a different target cannot share one allowlist: they
/// are left out and noted.
fn merge_allow(into: &mut Option<AllowSpec>, more: AllowSpec, what: &str, notes: &mut Vec<String>) {
    let Some(base) = into else {
        *into = Some(more);
        return;
    };
    let target = |s: &AllowSpec| s.target.clone().unwrap_or_else(|| "secret".into());
    let (more_target, base_target) = (target(&more), target(base));
    base.paths.extend(more.paths);
    base.stopwords.extend(more.stopwords);
    if !more.regexes.is_empty() {
        if base.regexes.is_empty() {
            base.target = more.target.clone();
            base.regexes = more.regexes;
        } else if base_target == more_target {
            base.regexes.extend(more.regexes);
        } else {
            notes.push(format!(
                "{what}: {} regex(es) matched against the {} cannot join regexes matched against the {} in one tierzero allowlist; left out",
                more.regexes.len(),
                more_target,
                base_target
            ));
        }
    }
}

/// The allowlist tables of `t` under `many` (`[[allowlists]]`) or `one` (`[allowlist]`).
fn allow_tables<'a>(t: &'a Table, many: &str, one: &str) -> Vec<&'a Table> {
    let mut out: Vec<&Table> = t
        .get(many)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_table).collect())
        .unwrap_or_default();
    if let Some(single) = t.get(one).and_then(Value::as_table) {
        out.push(single);
    }
    out
}

fn write_allow(out: &mut String, header: &str, spec: &AllowSpec) {
    let _ = writeln!(out, "\n[{header}]");
    if !spec.paths.is_empty() {
        let _ = writeln!(out, "paths = {}", toml_list(&spec.paths));
    }
    if !spec.regexes.is_empty() {
        let _ = writeln!(out, "regexes = {}", toml_list(&spec.regexes));
        if let Some(target) = &spec.target {
            let _ = writeln!(out, "target = {}", toml_str(target));
        }
    }
    if !spec.stopwords.is_empty() {
        let _ = writeln!(out, "stopwords = {}", toml_list(&spec.stopwords));
    }
}

fn write_rule(spec: &RuleSpec) -> String {
    let mut out = String::from("\n[[rules]]\n");
    let _ = writeln!(out, "id = {}", toml_str(&spec.id));
    if !spec.description.is_empty() {
        let _ = writeln!(out, "description = {}", toml_str(&spec.description));
    }
    if !spec.keywords.is_empty() {
        let _ = writeln!(out, "keywords = {}", toml_list(&spec.keywords));
    }
    if let Some(re) = &spec.regex {
        let _ = writeln!(out, "regex = {}", toml_str(re));
    }
    if let Some(g) = spec.secret_group {
        let _ = writeln!(out, "secret_group = {g}");
    }
    if let Some(e) = spec.entropy {
        let _ = writeln!(out, "entropy = {e:?}");
    }
    if let Some(p) = &spec.path {
        let _ = writeln!(out, "path = {}", toml_str(p));
    }
    if spec.generic {
        let _ = writeln!(out, "generic = true");
    }
    if spec.multiline {
        let _ = writeln!(out, "multiline = true");
    }
    if !spec.tags.is_empty() {
        let _ = writeln!(out, "tags = {}", toml_list(&spec.tags));
    }
    if let Some(allow) = &spec.allow {
        write_allow(&mut out, "rules.allow", allow);
    }
    out
}

/// Converts one `[[rules]]` table. `None` (with a note) when the rule cannot run in
/// tierzero; the second value is the rule text to emit commented out, if any.
///
/// An allowlist whose regexes see another target than the rule's first allowlist (gitleaks'
/// `regexTarget = "match"` next to the default `secret`) cannot share tierzero's one
/// `[rules.allow]`; it is pushed onto `second` and written as an `[[override]]` allowlist of
/// the same rule, which tierzero adds to the rule's allowlists.
fn convert_rule(
    t: &Table,
    taken: &BTreeSet<String>,
    notes: &mut Vec<String>,
    second: &mut Vec<AllowSpec>,
) -> (Option<RuleSpec>, Option<String>) {
    let Some(gid) = t
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
    else {
        notes.push("a rule without an `id` was skipped".into());
        return (None, None);
    };
    let what = format!("rule {gid:?}");
    if t.get("skipReport").and_then(Value::as_bool) == Some(true) {
        notes.push(format!(
            "{what}: skipReport rules only serve composite `required` rules, which tierzero does not support; skipped"
        ));
        return (None, None);
    }
    let mut id = gid.to_string();
    if taken.contains(&id) {
        id = format!("gitleaks-{gid}");
        notes.push(format!(
            "{what}: renamed to {id:?} (the id is already a tierzero rule or used twice)"
        ));
    }
    let mut spec = RuleSpec {
        id: id.into(),
        ..Default::default()
    };
    for (key, value) in t {
        match key.as_str() {
            "id" | "skipReport" | "allowlist" | "allowlists" => {}
            "description" => spec.description = value.as_str().unwrap_or_default().to_string().into(),
            "regex" => spec.regex = value.as_str().map(|s| go_regex::translate(s).into()),
            "path" => spec.path = value.as_str().map(|s| s.to_string().into()),
            "keywords" => spec.keywords = strings(value, &format!("{what}.keywords"), notes),
            "tags" => spec.tags = strings(value, &format!("{what}.tags"), notes),
            "entropy" => {
                spec.entropy = value
                    .as_float()
                    .or_else(|| value.as_integer().map(|i| i as f64))
                    .filter(|e| *e > 0.0)
            }
            // gitleaks' 0 means "first non-empty group, else the whole match": tierzero's
            // default.
            "secretGroup" => {
                spec.secret_group = value
                    .as_integer()
                    .filter(|g| *g > 0)
                    .map(|g| g as usize)
            }
            "required" => notes.push(format!(
                "{what}: composite `required` rules are not supported; the rule now reports on its own"
            )),
            other => notes.push(format!("{what}: unknown key `{other}` ignored")),
        }
    }
    let mut allow = None;
    for (i, a) in allow_tables(t, "allowlists", "allowlist")
        .into_iter()
        .enumerate()
    {
        let at = format!("{what} allowlist {}", i + 1);
        if let Some(converted) = convert_allow(a, &at, notes) {
            let target = |s: &AllowSpec| s.target.clone().unwrap_or_else(|| "secret".into());
            let clashes = allow.as_ref().is_some_and(|base: &AllowSpec| {
                !base.regexes.is_empty()
                    && !converted.regexes.is_empty()
                    && target(base) != target(&converted)
            });
            if clashes {
                notes.push(format!(
                    "{at}: its regexes see the {} while the rule's first allowlist's see the {}; carried over as an [[override]] allowlist of the same rule",
                    target(&converted),
                    allow.as_ref().map(target).unwrap_or_default()
                ));
                second.push(converted);
            } else {
                merge_allow(&mut allow, converted, &at, notes);
            }
        }
    }
    spec.allow = allow;
    if let Some(k) = spec.keywords.iter().find(|k| !k.is_ascii()) {
        notes.push(format!("{what}: non-ASCII keyword {k:?} dropped"));
    }
    spec.keywords.retain(|k| k.is_ascii() && !k.is_empty());
    if let (Some(re), true) = (&spec.regex, spec.keywords.is_empty()) {
        match go_regex::keywords(re) {
            Ok(derived) => {
                notes.push(format!(
                    "{what}: no keywords; derived {derived:?} from the literals every match of its regex contains"
                ));
                spec.keywords = derived.into_iter().map(Text::from).collect();
            }
            Err(why) => {
                notes.push(format!(
                    "{what}: no keywords, and none can be derived from its regex ({why}); tierzero runs a regex only on lines with one of its rule's keywords, so the rule is written commented out: add `keywords` and uncomment it"
                ));
                return (None, Some(write_rule(&spec)));
            }
        }
    }
    if gid.contains("generic") {
        // gitleaks reports a secret once, from the most specific rule; tierzero does that
        // for rules marked generic, which yield to every specific one.
        spec.generic = true;
        notes.push(format!(
            "{what}: marked `generic = true` (a catch-all: it yields to specific rules on the same secret)"
        ));
    }
    if spec.regex.as_deref().is_some_and(go_regex::spans_lines) {
        spec.multiline = true;
        notes.push(format!(
            "{what}: its regex spans lines; marked `multiline = true` (it sees up to 64 KiB of added lines from the keyword's line on)"
        ));
    }
    let checked = Rule::new(spec.clone(), "import").and_then(|r| r.compile());
    if let Err(e) = checked {
        let message = match e {
            Error::Rule { message, .. } => one_line(&message),
            other => other.to_string(),
        };
        notes.push(format!("{what}: {message}; written commented out"));
        return (None, Some(write_rule(&spec)));
    }
    (Some(spec), None)
}

fn comment_out(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("# {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The tierzero rules a gitleaks rule id stands for, read from the built-in rule set: the
/// same id, else the rules of the same provider (the id's first word: `github-pat` →
/// `github-*`), else for a generic gitleaks rule tierzero's generic rules.
fn builtin_equivalents(gid: &str, builtin: &BTreeSet<String>, generic: &[String]) -> Vec<String> {
    if builtin.contains(gid) {
        return vec![gid.to_string()];
    }
    if gid.contains("generic") {
        return generic.to_vec();
    }
    let Some((provider, _)) = gid.split_once('-') else {
        return Vec::new();
    };
    if provider.len() < 3 {
        return Vec::new();
    }
    let prefix = format!("{provider}-");
    builtin
        .iter()
        .filter(|id| id.starts_with(&prefix) || *id == provider)
        .cloned()
        .collect()
}

/// Converts the text of a gitleaks config file (`origin` names it in messages).
pub fn gitleaks(text: &str, origin: &str) -> Result<Imported> {
    let doc: Table = toml::from_str(text).map_err(|e| Error::Config {
        origin: origin.to_string(),
        message: format!("not a TOML file: {}", one_line(e.message())),
    })?;
    let mut notes = Vec::new();
    let builtin_rules = RuleSet::builtin_rules()?;
    let builtin: BTreeSet<String> = builtin_rules.iter().map(|r| r.id().to_string()).collect();
    let builtin_generic: Vec<String> = builtin_rules
        .iter()
        .filter(|r| r.spec.generic)
        .map(|r| r.id().to_string())
        .collect();
    // Allowlists written against gitleaks' default rules, carried onto tierzero's own.
    let mut overrides: Vec<(String, AllowSpec)> = Vec::new();
    let mut add_override =
        |id: String, spec: AllowSpec, what: &str, notes: &mut Vec<String>| match overrides
            .iter_mut()
            .find(|(o, _)| *o == id)
        {
            Some((_, existing)) => {
                let mut merged = Some(existing.clone());
                merge_allow(&mut merged, spec, what, notes);
                if let Some(m) = merged {
                    *existing = m;
                }
            }
            None => overrides.push((id, spec)),
        };

    let mut header = format!(
        "# Converted from the gitleaks config {origin} by `tierzero import gitleaks`.\n\
         # See docs/CONFIG.md for the format. What could not be carried over was printed\n\
         # when this file was made; review it before committing.\n"
    );
    for key in ["title", "description"] {
        if let Some(s) = doc.get(key).and_then(Value::as_str) {
            let _ = writeln!(header, "# gitleaks {key}: {}", s.replace('\n', " "));
        }
    }

    let mut disable_wanted = Vec::new();
    let mut use_default = false;
    if let Some(ext) = doc.get("extend").and_then(Value::as_table) {
        for (key, value) in ext {
            match key.as_str() {
                "useDefault" => use_default = value.as_bool() == Some(true),
                "disabledRules" => {
                    disable_wanted = strings(value, "[extend] disabledRules", &mut notes)
                }
                "path" | "url" | "URL" => notes.push(format!(
                    "[extend] {key}: extending another file is not supported; import that file separately and merge it"
                )),
                other => notes.push(format!("[extend]: unknown key `{other}` ignored")),
            }
        }
    }
    notes.push(if use_default {
        "[extend] useDefault: gitleaks' default rules are not imported; tierzero's built-in rules run instead (`tierzero rules` lists them)".into()
    } else {
        "no [extend] useDefault: tierzero's built-in rules still run alongside these; pass --no-default-rules to run only these".into()
    });
    for (key, _) in &doc {
        if ![
            "title",
            "description",
            "minVersion",
            "extend",
            "rules",
            "allowlist",
            "allowlists",
        ]
        .contains(&key.as_str())
        {
            notes.push(format!("unknown top-level key `{key}` ignored"));
        }
    }

    let mut taken = builtin.clone();
    // Second allowlists of this config's own rules, written as `[[override]]`s.
    let mut rule_overrides: Vec<(String, AllowSpec)> = Vec::new();
    let mut rules: Vec<(String, RuleSpec)> = Vec::new();
    let mut commented = Vec::new();
    for t in doc
        .get("rules")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_table).collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let gid = t
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !gid.is_empty() && t.get("regex").is_none() && t.get("path").is_none() {
            // No regex and no path: in gitleaks this extends the inherited rule of that id
            // (its allowlists and keywords are appended).
            let what = format!("rule {gid:?}");
            let targets = builtin_equivalents(&gid, &builtin, &builtin_generic);
            let tables = allow_tables(t, "allowlists", "allowlist");
            if targets.is_empty() {
                notes.push(format!(
                    "{what}: extends a gitleaks default rule that has no tierzero counterpart; its allowlists are not carried over"
                ));
                continue;
            }
            for (i, a) in tables.into_iter().enumerate() {
                let at = format!("{what} allowlist {}", i + 1);
                if let Some(converted) = convert_allow(a, &at, &mut notes) {
                    for id in &targets {
                        add_override(id.clone(), converted.clone(), &at, &mut notes);
                    }
                }
            }
            notes.push(format!(
                "{what}: extends gitleaks' default rule; its allowlists now apply to tierzero's {}",
                targets.join(", ")
            ));
            continue;
        }
        let mut second = Vec::new();
        match convert_rule(t, &taken, &mut notes, &mut second) {
            (Some(spec), _) => {
                taken.insert(spec.id.to_string());
                rule_overrides.extend(second.into_iter().map(|a| (spec.id.to_string(), a)));
                rules.push((gid, spec));
            }
            (None, Some(text)) => commented.push(text),
            (None, None) => {}
        }
    }

    let mut global: Option<AllowSpec> = None;
    for (i, a) in allow_tables(&doc, "allowlists", "allowlist")
        .into_iter()
        .enumerate()
    {
        let what = format!("global allowlist {}", i + 1);
        let targets = a
            .get("targetRules")
            .map(|v| strings(v, &format!("{what}.targetRules"), &mut notes))
            .unwrap_or_default();
        let Some(converted) = convert_allow(a, &what, &mut notes) else {
            continue;
        };
        if targets.is_empty() {
            merge_allow(&mut global, converted, &what, &mut notes);
            continue;
        }
        for target in targets {
            match rules.iter_mut().find(|(gid, _)| *gid == *target) {
                Some((_, spec)) => {
                    merge_allow(&mut spec.allow, converted.clone(), &what, &mut notes)
                }
                None => {
                    let ids = builtin_equivalents(&target, &builtin, &builtin_generic);
                    if ids.is_empty() {
                        notes.push(format!(
                            "{what}: targetRules {target:?} is neither a rule of this config nor has a tierzero counterpart; not carried over for it"
                        ));
                    } else {
                        notes.push(format!(
                            "{what}: targetRules {target:?} applied to tierzero's {}",
                            ids.join(", ")
                        ));
                        for id in ids {
                            add_override(id, converted.clone(), &what, &mut notes);
                        }
                    }
                }
            }
        }
    }

    let mut disable: Vec<Text> = Vec::new();
    for id in disable_wanted {
        let ids = builtin_equivalents(&id, &builtin, &builtin_generic);
        if ids.is_empty() {
            notes.push(format!(
                "[extend] disabledRules: {id:?} has no tierzero counterpart; dropped"
            ));
            continue;
        }
        if ids != [id.to_string()] {
            notes.push(format!(
                "[extend] disabledRules: {id:?} disables tierzero's {}",
                ids.join(", ")
            ));
        }
        for i in ids {
            if !disable.iter().any(|d| *d == i) {
                disable.push(i.into());
            }
        }
    }
    overrides.retain(|(id, _)| !disable.iter().any(|d| d == id));

    let mut out = header;
    out.push_str("\n# Honour existing `gitleaks:allow` annotations.\ncompat = true\n");
    if !disable.is_empty() {
        let _ = writeln!(out, "\ndisable = {}", toml_list(&disable));
    }
    if let Some(allow) = &global {
        write_allow(&mut out, "allow", allow);
    }
    for (_, spec) in &rules {
        out.push_str(&write_rule(spec));
    }
    for (id, allow) in overrides.iter().chain(&rule_overrides) {
        let _ = writeln!(out, "\n[[override]]\nid = {}", toml_str(id));
        write_allow(&mut out, "override.allow", allow);
    }
    for text in commented {
        out.push_str("\n# Not converted (see the notes):");
        out.push_str(&comment_out(&text));
    }
    crate::policy::config::check_text(origin, &out).map_err(|e| Error::Config {
        origin: origin.to_string(),
        message: format!("the converted configuration does not load ({e}); please report this"),
    })?;
    Ok(Imported { toml: out, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_regexes_with_glob_equivalents() {
        assert_eq!(path_regex_to_glob(r"^docs/").as_deref(), Some("/docs/"));
        assert_eq!(
            path_regex_to_glob(r"(^|/)vendor/").as_deref(),
            Some("vendor/")
        );
        assert_eq!(path_regex_to_glob(r"\.lock$").as_deref(), Some("*.lock"));
        assert_eq!(
            path_regex_to_glob(r"\.(jpg|png)$").as_deref(),
            Some("*.{jpg,png}")
        );
        assert_eq!(
            path_regex_to_glob(r"(?:^|/)go\.sum$").as_deref(),
            Some("go.sum")
        );
        assert_eq!(
            path_regex_to_glob(r"^a/b\.txt$").as_deref(),
            Some("/a/b.txt")
        );
        assert_eq!(
            path_regex_to_glob(r"gitleaks\.toml").as_deref(),
            Some("*gitleaks.toml*")
        );
        assert_eq!(
            path_regex_to_globs(r"(?:^|/)node_modules(?:/.*)?$"),
            Some(vec!["node_modules".to_string()])
        );
        assert_eq!(
            path_regex_to_globs(r"(?:^|/)gradlew(?:\.bat)?$"),
            Some(vec!["gradlew.bat".to_string(), "gradlew".to_string()])
        );
        assert_eq!(
            path_regex_to_globs(r"go\.(?:mod|sum|work(?:\.sum)?)$"),
            Some(vec![
                "*go.{mod,sum,work.sum}".to_string(),
                "*go.{mod,sum,work}".to_string()
            ])
        );
        assert_eq!(
            path_regex_to_globs(r"(?:^|/)vendor/(?:bundle|ruby)(?:/.*?)?$"),
            Some(vec!["**/vendor/{bundle,ruby}".to_string()])
        );
        assert_eq!(
            path_regex_to_globs(r"(?i)\.(?:eot|[ot]tf)$"),
            Some(vec![
                "*.{eot,[ot]tf}".to_string(),
                "*.{EOT,[OT]TF}".to_string()
            ])
        );
        assert_eq!(path_regex_to_glob(r"^src/\w+\.go$"), None);
        assert_eq!(path_regex_to_glob(r"(?i)\.md$"), None);
        assert_eq!(
            path_regex_to_globs(r"(?i)\.(?:png|jpe?g)$"),
            Some(vec![
                "*.{png,jpeg}".to_string(),
                "*.{PNG,JPEG}".to_string(),
                "*.{png,jpg}".to_string(),
                "*.{PNG,JPG}".to_string(),
            ])
        );
    }

    #[test]
    fn without_use_default_the_builtin_rules_are_mentioned() {
        let out = gitleaks(
            "[[rules]]\nid = 'a'\nregex = 'a_[0-9]{4}'\nkeywords = ['a_']\n",
            "g",
        )
        .unwrap();
        assert!(
            out.notes.iter().any(|n| n.contains("--no-default-rules")),
            "{:?}",
            out.notes
        );
        assert!(out.toml.contains("id = 'a'"), "{}", out.toml);
    }

    #[test]
    fn strings_quote_as_toml() {
        for s in [r"a\b", "it's", "tab\there", r#"q"uote'"#] {
            let doc: Table = toml::from_str(&format!("k = {}", toml_str(s))).unwrap();
            assert_eq!(doc["k"].as_str(), Some(s));
        }
    }
}
