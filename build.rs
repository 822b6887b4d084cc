//! Parses the default `rules.toml` at build time and emits Rust source that constructs the
//! rule specs directly, so a hook run never pays for TOML parsing. Examples are left out of
//! the binary: the test suite reads them from `rules.toml` itself.

use std::fmt::Write as _;
use std::path::PathBuf;

#[path = "src/rules/spec.rs"]
#[allow(dead_code)]
mod spec;

#[path = "src/rules/hir_code.rs"]
mod hir_code;

#[path = "src/rules/keyword_dfa.rs"]
mod keyword_dfa;

/// The default rules' keywords as `rules::prefilter` numbers them (content rules in file
/// order, folded to lower case, first occurrence kept), and their automaton's tables.
fn keyword_tables(rules: &[spec::RuleSpec]) -> String {
    let mut keywords: Vec<String> = Vec::new();
    for r in rules.iter().filter(|r| r.regex.is_some()) {
        for k in &r.keywords {
            let folded = k.to_ascii_lowercase();
            if !keywords.contains(&folded) {
                keywords.push(folded);
            }
        }
    }
    let dfa = keyword_dfa::KeywordDfa::build(&keywords)
        .expect("the default keywords' automaton fits its state ids");
    let mut order: Vec<usize> = (0..keywords.len()).collect();
    order.sort_by(|&a, &b| keywords[a].cmp(&keywords[b]));
    format!(
        "/// The default rules' distinct keywords, numbered as their automaton numbers them.\n\
         pub(crate) static KEYWORDS: &[&str] = &{keywords:?};\n\
         /// Indices into [`KEYWORDS`], in the keywords' byte order (for a binary search).\n\
         pub(crate) static KEYWORD_ORDER: &[u16] = &{order:?};\n\
         /// The automaton over [`KEYWORDS`], built by build.rs.\n\
         pub(crate) static KEYWORD_DFA: KeywordDfa = {};\n",
        dfa.write_tables()
    )
}

/// A Rust byte-string literal holding `bytes`.
fn byte_lit(bytes: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => out.push(b as char),
            _ => write!(out, "\\x{b:02x}").expect("writing to a String cannot fail"),
        }
    }
    out.push('"');
    out
}

/// Every pattern of the default rules (regex, context, path), parsed exactly as
/// `rules::compile_rule_regex` parses it, encoded by `hir_code`, sorted by pattern for a
/// binary search. A pattern that does not parse is left out: the run then reports the
/// parse error as it would for a config file's rule.
fn parsed_patterns(rules: &[spec::RuleSpec]) -> String {
    let mut patterns: Vec<&str> = rules
        .iter()
        .flat_map(|r| [&r.regex, &r.context, &r.path])
        .filter_map(|p| p.as_deref())
        .collect();
    patterns.sort_unstable();
    patterns.dedup();
    let mut out = String::from(
        "/// `(pattern, encoded HIR)` for every default rule pattern, sorted by pattern.\n\
         pub(crate) static PARSED: &[(&str, &[u8])] = &[\n",
    );
    for pattern in patterns {
        if let Some(hir) = hir_code::parse(pattern) {
            let mut code = Vec::new();
            hir_code::encode(&hir, &mut code);
            writeln!(out, "    ({pattern:?}, {}),", byte_lit(&code))
                .expect("writing to a String cannot fail");
        }
    }
    out.push_str("];\n");
    out
}

/// For each default `path` pattern, literals of which every match contains one, ignoring
/// ASCII case (a literal the whole pattern needs, or else its suffixes as regex-syntax's
/// literal extractor finds them), sorted by pattern: a path
/// with none of them cannot match, and the rule's regex need not even be compiled. A
/// pattern without such a finite set is left out.
fn path_literals(rules: &[spec::RuleSpec]) -> String {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let mut patterns: Vec<&str> = rules.iter().filter_map(|r| r.path.as_deref()).collect();
    patterns.sort_unstable();
    patterns.dedup();
    let mut out = String::from(
        "/// `(path pattern, literals every match contains one of)`, sorted by pattern.\n\
         pub(crate) static PATH_LITERALS: &[(&str, &[&[u8]])] = &[\n",
    );
    for pattern in patterns {
        let Some(hir) = hir_code::parse(pattern) else {
            continue;
        };
        // One literal every match contains beats a set of suffixes (`\.tfstate` beats the
        // ten digits a `\.[0-9]+` suffix may end with).
        let required = hir_code::required_literals(&hir);
        let items: Vec<String> = match required.iter().max_by_key(|l| l.len()) {
            Some(longest) if longest.len() >= 4 => vec![byte_lit(longest)],
            _ => {
                let seq = Extractor::new().kind(ExtractKind::Suffix).extract(&hir);
                let Some(literals) = seq.literals() else {
                    continue;
                };
                if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
                    continue;
                }
                // Compared ignoring ASCII case (a superset, so still necessary): a
                // case-insensitive pattern's case variants fold into one literal.
                let mut folded: Vec<Vec<u8>> = literals
                    .iter()
                    .map(|l| l.as_bytes().to_ascii_lowercase())
                    .collect();
                folded.sort_unstable();
                folded.dedup();
                folded.iter().map(|l| byte_lit(l)).collect()
            }
        };
        writeln!(out, "    ({pattern:?}, &[{}]),", items.join(", "))
            .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    out
}

fn lit(s: &str) -> String {
    // `{:?}` on a str yields a valid Rust string literal (quotes, escapes included).
    format!("Cow::Borrowed({s:?})")
}

fn opt(s: &Option<spec::Text>) -> String {
    match s {
        Some(s) => format!("Some({})", lit(s)),
        None => "None".to_string(),
    }
}

fn list(items: &[spec::Text]) -> String {
    let inner: Vec<String> = items.iter().map(|s| lit(s)).collect();
    format!("vec![{}]", inner.join(", "))
}

fn main() {
    println!("cargo:rerun-if-changed=rules.toml");
    println!("cargo:rerun-if-changed=src/rules/spec.rs");
    println!("cargo:rerun-if-changed=src/rules/hir_code.rs");
    println!("cargo:rerun-if-changed=src/rules/keyword_dfa.rs");
    let text = std::fs::read_to_string("rules.toml").expect("rules.toml must be readable");
    let mut file: spec::RuleFile = match toml::from_str(&text) {
        Ok(file) => file,
        Err(err) => panic!("rules.toml: {err}"),
    };
    if let Err(err) = file.expand_fragments() {
        panic!("rules.toml: {err}");
    }
    let mut out = String::from("// @generated by build.rs from rules.toml\n");
    out.push_str("pub(crate) fn builtin_specs() -> Vec<RuleSpec> {\n    vec![\n");
    for r in &file.rules {
        let allow = match &r.allow {
            None => "None".to_string(),
            Some(a) => format!(
                "Some(AllowSpec {{ paths: {}, regexes: {}, target: {}, stopwords: {} }})",
                list(&a.paths),
                list(&a.regexes),
                opt(&a.target),
                list(&a.stopwords)
            ),
        };
        let entropy = match r.entropy {
            Some(e) => format!("Some({e:?}_f64)"),
            None => "None".into(),
        };
        let group = match r.secret_group {
            Some(g) => format!("Some({g})"),
            None => "None".into(),
        };
        writeln!(
            out,
            "        RuleSpec {{ id: {}, name: {}, description: {}, keywords: {}, regex: {}, secret_group: {}, \
             context: {}, entropy: {}, checks: {}, path: {}, multiline: {}, generic: {}, \
             env_var: {}, rotate_url: {}, keyless: {}, tags: {}, examples: Vec::new(), \
             negative_examples: Vec::new(), allow: {} }},",
            lit(&r.id),
            opt(&r.name),
            lit(&r.description),
            list(&r.keywords),
            opt(&r.regex),
            group,
            opt(&r.context),
            entropy,
            list(&r.checks),
            opt(&r.path),
            r.multiline,
            r.generic,
            opt(&r.env_var),
            opt(&r.rotate_url),
            opt(&r.keyless),
            list(&r.tags),
            allow,
        )
        .expect("writing to a String cannot fail");
    }
    out.push_str("    ]\n}\n");
    // Where each rule's table starts, for `tierzero rules`: the line of its `id = ` key.
    let mut lines = Vec::new();
    let mut from = 0;
    for r in &file.rules {
        let needle = format!("id = \"{}\"", r.id);
        let at = text[from..]
            .find(&needle)
            .map(|i| from + i)
            .unwrap_or_else(|| panic!("rules.toml: cannot find `{needle}`"));
        lines.push((text[..at].matches('\n').count() + 1).to_string());
        from = at + needle.len();
    }
    writeln!(
        out,
        "pub(crate) const BUILTIN_LINES: &[u32] = &[{}];",
        lines.join(", ")
    )
    .expect("writing to a String cannot fail");
    out.push_str(&parsed_patterns(&file.rules));
    out.push_str(&keyword_tables(&file.rules));
    out.push_str(&path_literals(&file.rules));
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_rules.rs");
    std::fs::write(dest, out).expect("OUT_DIR must be writable");
}
