//! The text `tierzero fix` shows: the patch (every removed key replaced by its redacted
//! preview, since this goes to terminals and CI logs), the manual instructions, and what
//! is left to do after the fix.

use std::fmt::Write as _;

use super::advice::{self, Provider};
use super::apply::Applied;
use super::envfile::Naming;
use super::lang::Lang;
use super::plan::{Plan, Side};
use super::rewrite::Rewritten;
use super::Source;

/// The scope of a run, for messages.
pub fn scope(source: &Source) -> &'static str {
    match source {
        Source::Staged => "the staged change",
        Source::Files(_) => "the files given",
        Source::Range(_) => "the commit range",
    }
}

/// `text` with every secret replaced by its preview.
fn redact(text: &str, redactions: &[(&[u8], &str)]) -> String {
    let mut out = text.to_string();
    for (secret, preview) in redactions {
        if let Ok(s) = std::str::from_utf8(secret) {
            if !s.is_empty() {
                out = out.replace(s, preview);
            }
        }
    }
    out
}

/// The hunks of one rewrite, numbered like a unified diff.
fn hunks(out: &mut String, r: &Rewritten, redactions: &[(&[u8], &str)]) {
    let mut lines: Vec<(usize, Vec<String>, Vec<String>)> = Vec::new();
    for c in &r.changed {
        lines.push((c.line, vec![c.old.clone()], vec![c.new.clone()]));
    }
    for ins in &r.inserted {
        lines.push((ins.before, Vec::new(), ins.lines.clone()));
    }
    lines.sort_by_key(|(at, old, _)| (*at, !old.is_empty()));
    let mut shift = 0i64;
    for (at, old, new) in lines {
        let old_start = at as i64 + 1;
        let new_start = old_start + shift;
        let _ = if old.is_empty() {
            writeln!(
                out,
                "@@ -{},0 +{},{} @@",
                old_start - 1,
                new_start,
                new.len()
            )
        } else {
            writeln!(out, "@@ -{old_start} +{new_start} @@")
        };
        for l in &old {
            let _ = writeln!(out, "-{}", redact(l, redactions));
        }
        for l in &new {
            let _ = writeln!(out, "+{}", redact(l, redactions));
        }
        shift += new.len() as i64 - old.len() as i64;
    }
}

fn same_edit(a: &Side, b: &Side) -> bool {
    a.new.changed.iter().map(|c| (&c.old, &c.new)).eq(b
        .new
        .changed
        .iter()
        .map(|c| (&c.old, &c.new)))
        && a.new
            .inserted
            .iter()
            .map(|i| &i.lines)
            .eq(b.new.inserted.iter().map(|i| &i.lines))
}

/// The patch of a plan, redacted, followed by the manual instructions.
pub fn patch(plan: &Plan) -> String {
    let red = plan.redactions();
    let mut out = String::new();
    if plan.has_changes() {
        let n = plan.files.len() + plan.unstage.len();
        let _ = writeln!(
            out,
            "tierzero fix: taking the key{} out of {n} file{}{}\n",
            if plan.secrets.len() == 1 { "" } else { "s" },
            if n == 1 { "" } else { "s" },
            if plan.manual.is_empty() {
                ""
            } else {
                " (the rest is to do by hand, below)"
            }
        );
    }
    for f in &plan.files {
        match (&f.index, &f.work) {
            (Some((_, i)), Some(w)) if same_edit(i, w) => {
                let _ = writeln!(
                    out,
                    "--- a/{0}\n+++ b/{0}  ({1}; staged and working tree)",
                    f.path,
                    f.lang.name()
                );
                hunks(&mut out, &w.new, &red);
            }
            (i, w) => {
                if let Some((_, side)) = i {
                    let _ = writeln!(
                        out,
                        "--- a/{0}\n+++ b/{0}  ({1}; staged version)",
                        f.path,
                        f.lang.name()
                    );
                    hunks(&mut out, &side.new, &red);
                }
                if let Some(side) = w {
                    let _ = writeln!(
                        out,
                        "--- a/{0}\n+++ b/{0}  ({1}; working tree)",
                        f.path,
                        f.lang.name()
                    );
                    hunks(&mut out, &side.new, &red);
                }
            }
        }
        out.push('\n');
    }
    for a in &plan.aux {
        let what = if a.secret_values {
            "not committed; mode 0600 when created".to_string()
        } else if a.index.is_some() {
            "staged and working tree".to_string()
        } else {
            "working tree".to_string()
        };
        let from = if a.old.is_some() {
            format!("a/{}", a.path)
        } else {
            "/dev/null".to_string()
        };
        let _ = writeln!(out, "--- {from}\n+++ b/{}  ({what})", a.path);
        for l in &a.added {
            let _ = writeln!(out, "+{}", redact(l, &red));
        }
        out.push('\n');
    }
    for u in &plan.unstage {
        let _ = writeln!(
            out,
            "unstage {}  (git rm --cached: the file stays on disk, it is no longer committed)\n",
            u.path
        );
    }
    for n in &plan.env_names {
        if let Naming::Suffixed { wanted } = &n.naming {
            let _ = writeln!(
                out,
                "note: .env already sets {wanted} to another value; this key is saved as {} and the code reads {}",
                n.key, n.key
            );
        }
        if n.naming == Naming::Reused {
            let _ = writeln!(
                out,
                "note: .env already holds this key as {}; it is reused",
                n.key
            );
        }
    }
    for note in &plan.notes {
        let _ = writeln!(out, "note: {note}");
    }
    if !plan.manual.is_empty() {
        let _ = writeln!(out, "To do by hand (tierzero will not rewrite these):");
        for m in &plan.manual {
            let _ = writeln!(
                out,
                "  {}  [{}]\n    {}",
                m.location,
                m.rule_id,
                redact(&m.text, &red)
            );
        }
        out.push('\n');
    }
    out
}

/// What is left to do: rotation, keyless options, loading `.env`, the backup.
pub fn next_steps(plan: &Plan, applied: Option<&Applied>) -> String {
    let mut out = String::new();
    if let Some(a) = applied {
        let mut done = vec![format!(
            "{} source file{} rewritten",
            plan.files.len(),
            if plan.files.len() == 1 { "" } else { "s" }
        )];
        for aux in &plan.aux {
            let verb = if aux.old.is_some() {
                "updated"
            } else {
                "created"
            };
            done.push(format!("{} {verb}", aux.path));
        }
        if !a.staged.is_empty() {
            done.push(format!("re-staged {}", a.staged.join(", ")));
        }
        if !a.unstaged.is_empty() {
            done.push(format!("unstaged {}", a.unstaged.join(", ")));
        }
        let _ = writeln!(out, "tierzero fix: done: {}.", done.join("; "));
        let _ = writeln!(
            out,
            "Backup of everything it changed: {}\n  (it holds the key: once you have checked the result, delete it: rm -r '{}')",
            a.backup.display(),
            a.backup.display()
        );
    }
    let _ = writeln!(out, "\nStill to do (no tool can do this for you):");
    let mut seen: Vec<&str> = Vec::new();
    for s in &plan.secrets {
        if seen.contains(&s.rule_id.as_str()) {
            continue;
        }
        seen.push(&s.rule_id);
        let _ =
            writeln!(
            out,
            "  - Rotate the key {} [{}] now{}: it was written to disk{}, so treat it as exposed. \
             Put the new key in .env, not in the code.",
            s.preview,
            s.rule_id,
            s.rotate_url.as_deref().map(|u| format!(" at {u}")).unwrap_or_default(),
            if applied.is_some() { " and staged" } else { "" },
        );
        if let Some(k) = &s.keyless {
            let _ = writeln!(out, "  - Better, no key at all: {k}");
        }
        let provider = Provider::of(&s.rule_id);
        if let Some(snippet) = s.langs.iter().find_map(|&l| advice::snippet(provider, l)) {
            for line in snippet.lines() {
                let _ = writeln!(out, "      {line}");
            }
        }
    }
    let mut hints: Vec<&str> = Vec::new();
    for f in &plan.files {
        let hint = advice::loading_hint(f.lang);
        if !hints.contains(&hint) {
            hints.push(hint);
        }
    }
    for h in hints {
        let _ = writeln!(out, "  - {h}.");
    }
    if plan.files.iter().any(|f| f.lang == Lang::TypeScript) {
        let _ = writeln!(out, "  - TypeScript: `process.env` needs @types/node.");
    }
    if applied.is_some() {
        let _ = writeln!(
            out,
            "Then commit again; `git diff --cached` shows what is staged."
        );
    }
    out
}
