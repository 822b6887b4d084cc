//! The human report: what a person at a commit reads on stderr — each blocking finding
//! with its redacted preview and what to do, then one summary line.
//!
//! The text is written with ANSI styles (anstyle); whoever prints it strips them when
//! colour is off (`--color`, `NO_COLOR`, not a terminal), so there is one rendering.

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{plural, Report, ScanMode, Summary};
use crate::report::finding::Finding;
use crate::util::{escape_control, shell_quote};

/// The headline of a blocked commit.
const ALERT: Style = AnsiColor::Red.on_default().bold();
/// Where a finding is.
const PLACE: Style = Style::new().bold();
/// A rule id, and the commands to run.
const NOTE: Style = AnsiColor::Yellow.on_default();
/// The labels of a finding's lines.
const LABEL: Style = AnsiColor::Cyan.on_default();

/// `text` in `style`.
fn styled(style: Style, text: impl std::fmt::Display) -> String {
    format!("{style}{text}{style:#}")
}

/// Writes the human report. `verbose` also lists suppressed findings.
pub fn write(out: &mut dyn Write, report: &Report, verbose: bool) -> io::Result<()> {
    let blocking: Vec<&Finding> = report.blocking().collect();
    let mode = report.summary.mode;
    if report.summary.quiet && blocking.is_empty() {
        return Ok(());
    }
    if !blocking.is_empty() {
        let what = match mode {
            _ if mode.is_commit() => "this commit is blocked",
            ScanMode::PrePush => "this push is blocked",
            ScanMode::NewCommits => "this ref update is blocked",
            _ => "secrets found",
        };
        writeln!(
            out,
            "tierzero: {}\n",
            styled(
                ALERT,
                format!(
                    "{what}: {} secret{} in the {}",
                    blocking.len(),
                    plural(blocking.len()),
                    mode.scope()
                )
            )
        )?;
    }
    for f in &blocking {
        write_finding(out, f, &report.summary)?;
    }
    if verbose {
        for f in report.findings.iter().filter(|f| f.suppressed_by.is_some()) {
            let by = serde_json::to_value(f.suppressed_by)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            writeln!(
                out,
                "suppressed ({by}): {}:{}:{}  {}  [{}]  fingerprint {}",
                escape_control(&f.path),
                f.line,
                f.column,
                f.description,
                f.rule_id,
                f.fingerprint
            )?;
        }
    }
    if !blocking.is_empty() {
        writeln!(
            out,
            "Not a secret? Add a `tierzero:allow` comment on that line (`tierzero:allow <rule-id>` for one rule),\n\
             or record its fingerprint with the `ignore` command shown above, then commit .tierzero-ignore:\n\
             it takes effect for the team and CI only once it is committed."
        )?;
        if matches!(mode, ScanMode::Range | ScanMode::AllHistory) {
            writeln!(
                out,
                "These keys are in commits: rotate each one first (deleting it does not un-leak it). To purge it\n\
                 from history, rewrite the commits that hold it (`git filter-repo --replace-text FILE`, or\n\
                 `git rebase -i` for commits not yet shared) and force-push; forks and clones keep their copies."
            )?;
        }
        if mode == ScanMode::CommitMsg {
            writeln!(
                out,
                "git kept your message in .git/COMMIT_EDITMSG: take the key out and commit again with\n\
                 `git commit -e -F .git/COMMIT_EDITMSG`."
            )?;
        }
        if mode == ScanMode::NewCommits {
            writeln!(
                out,
                "git made these commits without running pre-commit (cherry-pick, revert, am, rebase).\n\
                 The branch was not moved. Take the key out and make the commit again (for a rebase:\n\
                 edit the file, `git add` it, `git commit --amend`, then `git rebase --continue`)."
            )?;
        }
        if mode == ScanMode::PrePush {
            writeln!(
                out,
                "Rotate the key, then take it out of those commits (`git rebase -i` / `git commit --amend`)\n\
                 before pushing again."
            )?;
        }
        if mode.is_staged() {
            if report.summary.fixable {
                writeln!(
                    out,
                    "Let tierzero take the key out of the code: `tierzero fix` (shows the patch, asks first)."
                )?;
            }
            writeln!(
                out,
                "Committing anyway does not make the key safe: `--no-verify` still meets tierzero's\n\
                 reference-transaction hook, and CI scans it too."
            )?;
        }
        writeln!(out)?;
    }
    write_summary_line(out, &report.summary)
}

/// The head of a rule description for the terminal: up to the first `: `, `; ` or `. `
/// outside parentheses (the rest details the format, which JSON, SARIF and
/// `tierzero rules --explain` carry), without the key catalog's reference numbers such as
/// ` (A2)`, and without parenthesised details when it is still long.
pub fn short_description(description: &str) -> String {
    let bytes = description.as_bytes();
    let mut depth = 0i32;
    let mut end = description.len();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b':' | b'.' | b';' if depth <= 0 && bytes.get(i + 1) == Some(&b' ') => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let head = description[..end].trim_end_matches('.');
    let is_reference = |inner: &str| {
        inner.len() >= 2
            && inner.starts_with(|c: char| c.is_ascii_uppercase())
            && inner[1..].chars().all(|c| c.is_ascii_digit())
    };
    let drop_all = head.len() > 60;
    let mut out = String::with_capacity(head.len());
    let mut depth = 0usize;
    let mut group = String::new();
    for c in head.chars() {
        match c {
            '(' => {
                depth += 1;
                group.push(c);
            }
            ')' if depth > 0 => {
                depth -= 1;
                group.push(c);
                if depth == 0 {
                    let inner = &group[1..group.len() - 1];
                    if !drop_all && !is_reference(inner) {
                        out.push_str(&group);
                    }
                    group.clear();
                }
            }
            _ if depth > 0 => group.push(c),
            _ => out.push(c),
        }
    }
    out.push_str(&group);
    out.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ,", ",")
}

fn write_finding(out: &mut dyn Write, f: &Finding, summary: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "  {}  {}  {}",
        styled(
            PLACE,
            format!("{}:{}:{}", escape_control(&f.path), f.line, f.column)
        ),
        f.name
            .clone()
            .unwrap_or_else(|| short_description(&f.description)),
        styled(NOTE, format!("[{}]", f.rule_id))
    )?;
    let label = |name: &str| styled(LABEL, format!("{name:<8}"));
    if let Some(c) = &f.commit {
        writeln!(
            out,
            "    {} {} ({}, {})",
            label("commit"),
            c.id,
            c.author,
            c.date
        )?;
    }
    let whole_file = f.secret_length == 0;
    let path = shell_quote(&f.path);
    if whole_file {
        writeln!(
            out,
            "    {} this file should never be committed: add it to .gitignore and unstage it",
            label("file")
        )?;
    } else {
        writeln!(
            out,
            "    {} {} ({} chars, redacted)",
            label("secret"),
            f.preview,
            f.secret_length
        )?;
        if summary.mode.is_staged() {
            writeln!(
                out,
                "    {} delete the key from {path} and `git add` it again",
                label("remove")
            )?;
        }
    }
    if summary.mode.is_staged() {
        // A first commit has no HEAD to restore the index from.
        let unstage = if summary.first_commit {
            format!("git rm --cached -- {path}")
        } else {
            format!("git restore --staged -- {path}")
        };
        writeln!(out, "    {} {}", label("unstage"), styled(NOTE, unstage))?;
    }
    let r = &f.remediation;
    if let Some(url) = &r.rotate_url {
        let why = if whole_file {
            "rotate any live credential the file holds"
        } else {
            "it has been written to disk: assume it is exposed"
        };
        writeln!(out, "    {} {url}  ({why})", label("rotate"))?;
    }
    if let Some(var) = &r.env_var {
        if whole_file {
            writeln!(out, "    {} {var}", label("instead"))?;
        } else {
            writeln!(
                out,
                "    {} {var} (load it from the environment or a secret manager at run time)",
                label("move to")
            )?;
        }
    }
    if let Some(keyless) = &r.keyless {
        writeln!(out, "    {} {keyless}", label("keyless"))?;
    }
    let program = summary.program.as_deref().unwrap_or("tierzero");
    let ignore = format!(
        "{program} ignore {} --reason \"why this is not a secret\"",
        f.fingerprint
    );
    writeln!(out, "    {} {}\n", label("ignore"), styled(NOTE, ignore))
}

/// Writes the one-line summary (and what was skipped).
pub fn write_summary_line(out: &mut dyn Write, s: &Summary) -> io::Result<()> {
    let mut line = match s.findings {
        0 => "tierzero: no secrets found".to_string(),
        n => format!("tierzero: {n} secret{} found", plural(n)),
    };
    if s.suppressed > 0 {
        line.push_str(&format!(" ({} suppressed)", s.suppressed));
    }
    line.push_str("; scanned ");
    if s.commits > 0 {
        line.push_str(&format!(
            "{} commit{}, ",
            s.commits,
            plural(s.commits as usize)
        ));
    }
    line.push_str(&format!(
        "{} file{}, {} line{}, {} bytes with {} rules in {} ms",
        s.files,
        plural(s.files as usize),
        s.added_lines,
        plural(s.added_lines as usize),
        s.bytes,
        s.rules_loaded,
        s.duration_ms
    ));
    if !s.skipped.is_empty() {
        line.push_str(&format!("; {} skipped", s.skipped.len()));
    }
    if s.merges_skipped > 0 {
        line.push_str(&format!(
            "; {} merge commit{} not diffed (--merges diffs them)",
            s.merges_skipped,
            plural(s.merges_skipped as usize)
        ));
    }
    writeln!(out, "{line}")?;
    for skipped in s.skipped.iter().take(20) {
        writeln!(
            out,
            "  skipped {}: {}",
            escape_control(&skipped.path),
            skipped.reason
        )?;
    }
    if s.skipped.len() > 20 {
        writeln!(out, "  … and {} more skipped", s.skipped.len() - 20)?;
    }
    for r in s.recovered.iter().take(20) {
        writeln!(out, "  scanned {}: {}", escape_control(&r.path), r.how)?;
    }
    if s.recovered.len() > 20 {
        writeln!(out, "  … and {} more recovered", s.recovered.len() - 20)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::short_description;

    #[test]
    fn short_descriptions_for_the_terminal() {
        assert_eq!(
            short_description("OpenAI project API key (A2), the current default: sk-proj- + 74"),
            "OpenAI project API key, the current default"
        );
        assert_eq!(
            short_description(".env file with real settings: .env, .env.local"),
            ".env file with real settings"
        );
        assert_eq!(
            short_description("Private key block (PEM: RSA, EC): more"),
            "Private key block (PEM: RSA, EC)"
        );
        assert_eq!(short_description("Plain text"), "Plain text");
        assert_eq!(
            short_description(
                "Docker Hub personal (dckr_pat_ + 27) and organization (dckr_oat_ + 32) access tokens"
            ),
            "Docker Hub personal and organization access tokens"
        );
        assert_eq!(
            short_description("Alibaba Cloud AccessKey secret (30 alphanumerics); reported only"),
            "Alibaba Cloud AccessKey secret (30 alphanumerics)"
        );
        assert_eq!(
            short_description("Key (legacy format)."),
            "Key (legacy format)"
        );
    }
}
