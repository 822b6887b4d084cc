//! The layers of ARCHITECTURE.md, checked on the source tree: data flows one way (source →
//! engine → policy → report), no file imports a layer above it, and no two files import
//! each other, directly or around a loop.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, as (module path, file).
fn modules() -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
        entries.sort_by_key(|e| e.path());
        for e in entries {
            let path = e.path();
            let name = e.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                walk(&path, &join(prefix, &name), out);
            } else if let Some(stem) = name.strip_suffix(".rs") {
                let module = match stem {
                    "mod" => prefix.to_string(),
                    "lib" | "main" if prefix.is_empty() => String::new(),
                    _ => join(prefix, stem),
                };
                out.insert(module, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        "",
        &mut out,
    );
    out
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}::{name}")
    }
}

/// The code of a file without comments (doc links name modules without importing them) and
/// without the `#[cfg(test)]` module at its end (tests may reach anywhere).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Expands one `use` tree (`a::{b, c::{d, e}}`) into full paths.
fn expand(tree: &str, prefix: &str, out: &mut Vec<String>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let base = tree[..open].trim().trim_end_matches("::");
        let inner = &tree[open + 1..tree.rfind('}').unwrap()];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..i], &join_path(prefix, base), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], &join_path(prefix, base), out);
    } else if !tree.is_empty() {
        let item = tree.split(" as ").next().unwrap().trim();
        let item = item.strip_suffix("::self").unwrap_or(item);
        out.push(join_path(prefix, if item == "self" { "" } else { item }));
    }
}

fn join_path(prefix: &str, rest: &str) -> String {
    match (prefix.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}::{rest}"),
    }
}

/// The modules `module`'s code refers to: `use` trees and inline `crate::…`/`super::…`
/// paths, each resolved to the deepest module file it names.
fn references(module: &str, text: &str, all: &BTreeMap<String, PathBuf>) -> BTreeSet<String> {
    let code = code(text);
    let mut paths = Vec::new();
    let mut statement: Option<String> = None;
    for line in code.lines() {
        let t = line.trim_start();
        let t = t
            .strip_prefix("pub(crate) ")
            .or_else(|| t.strip_prefix("pub "))
            .unwrap_or(t);
        match &mut statement {
            Some(s) => s.push_str(line),
            None => statement = t.strip_prefix("use ").map(str::to_string),
        }
        if let Some(end) = statement.as_deref().and_then(|s| s.find(';')) {
            let s = statement.take().unwrap_or_default();
            expand(&s[..end], "", &mut paths);
        }
    }
    for (i, _) in code
        .match_indices("crate::")
        .chain(code.match_indices("super::"))
    {
        let tail: String = code[i..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        paths.push(tail.trim_end_matches(':').to_string());
    }
    let parent = |m: &str| {
        m.rsplit_once("::")
            .map_or(String::new(), |(p, _)| p.to_string())
    };
    let mut out = BTreeSet::new();
    for path in paths {
        let mut segments: Vec<&str> = path.split("::").collect();
        let mut base = match segments.first() {
            Some(&"crate") => String::new(),
            Some(&"super") => {
                // `super` of a `mod.rs` module is its parent's parent only for files.
                let file = &all[module];
                let here = if file.ends_with("mod.rs") {
                    module.to_string()
                } else {
                    parent(module)
                };
                parent(&here)
            }
            _ => continue,
        };
        segments.remove(0);
        let mut resolved = base.clone();
        for s in segments {
            base = join(&base, s);
            if all.contains_key(&base) {
                resolved = base.clone();
            } else {
                break;
            }
        }
        if resolved != module && !resolved.is_empty() {
            out.insert(resolved);
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let all = modules();
    all.iter()
        .map(|(m, file)| {
            let text = std::fs::read_to_string(file).unwrap();
            (m.clone(), references(m, &text, &all))
        })
        .collect()
}

/// The top-level folder (layer) of a module.
fn layer(module: &str) -> &str {
    module.split("::").next().unwrap_or("")
}

#[test]
fn layers_only_import_downstream() {
    // For each layer, the layers it must never use.
    let forbidden: &[(&str, &[&str])] = &[
        (
            "input",
            &[
                "source", "engine", "policy", "report", "rules", "commands", "install", "cli",
            ],
        ),
        (
            "util",
            &[
                "source", "engine", "policy", "report", "rules", "commands", "install", "cli",
                "input",
            ],
        ),
        (
            "error",
            &[
                "source", "engine", "policy", "report", "rules", "install", "cli", "input",
            ],
        ),
        (
            "source",
            &[
                "engine", "policy", "report", "commands", "install", "cli", "rules",
            ],
        ),
        (
            "rules",
            &[
                "source", "engine", "policy", "report", "commands", "install", "cli",
            ],
        ),
        ("engine", &["source", "commands", "install", "cli"]),
        (
            "policy",
            &["source", "engine", "commands", "install", "cli"],
        ),
        (
            "report",
            &[
                "source", "engine", "policy", "rules", "commands", "install", "cli",
            ],
        ),
    ];
    // The one reach-back, on purpose: a team's rule examples in `.tierzero.toml` are checked
    // when the config loads, through the very scanner a scan uses (placeholders, overlaps,
    // keywords), so that a rule that cannot find its own example is a config error.
    let allowed = [("policy::config", "engine::scanner")];
    let mut violations = Vec::new();
    for (module, refs) in graph() {
        let Some((_, banned)) = forbidden.iter().find(|(l, _)| *l == layer(&module)) else {
            continue;
        };
        for r in refs {
            if banned.contains(&layer(&r)) && !allowed.contains(&(module.as_str(), r.as_str())) {
                violations.push(format!("{module} uses {r}"));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layer violations:\n{}",
        violations.join("\n")
    );
}

#[test]
fn no_import_cycles_between_files() {
    let graph = graph();
    // Depth-first search; a back edge is a cycle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(m.to_string(), 1);
        stack.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                0 => visit(next, graph, state, stack, cycles),
                1 => {
                    let from = stack.iter().position(|s| s == next).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    cycles.push(cycle.join(" -> "));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.to_string(), 2);
    }
    let (mut state, mut stack, mut cycles) = (BTreeMap::new(), Vec::new(), Vec::new());
    for m in graph.keys() {
        if !state.contains_key(m.as_str()) {
            visit(m, &graph, &mut state, &mut stack, &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_checker_sees_real_imports() {
    // Guard against a checker that finds nothing: known edges must be there.
    let graph = graph();
    assert!(
        graph["engine::driver"].contains("engine::scanner"),
        "{:?}",
        graph["engine::driver"]
    );
    assert!(
        graph["source::staged"].contains("input"),
        "{:?}",
        graph["source::staged"]
    );
    assert!(graph["commands::scan"].contains("engine::driver"));
    let mut out = Vec::new();
    expand("crate::a::{b, c::{d, e as f}, self}", "", &mut out);
    assert_eq!(
        out,
        vec![
            "crate::a::b",
            "crate::a::c::d",
            "crate::a::c::e",
            "crate::a"
        ]
    );
}
