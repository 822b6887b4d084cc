//! Planning a fix: from the engine's findings to the exact bytes every touched file (and
//! index entry) will hold afterwards, without writing anything. A plan is what the patch
//! shows, what `--dry-run` stops at and what `apply` writes.
//!
//! The secret's bytes are re-found here, in memory: the finding's rule runs again on the
//! finding's line and the span whose fingerprint matches the finding is the key. They stay
//! in the plan (the `.env` line needs them) and are never rendered.

use std::path::Path;

use git2::Repository;

use super::envfile::{self, Naming};
use super::gitops::Git;
use super::lang::Lang;
use super::notebook;
use super::rewrite::{self, FileContext, Refusal, Rewritten, Target};
use super::Source;
use crate::error::{Error, Result};
use crate::policy::config::Loaded;
use crate::report::finding::{fingerprint, Finding};
use crate::report::Report;
use crate::rules::RuleSet;

/// One distinct key being taken out. Its `Debug` form shows the preview, never the bytes.
#[derive(Clone)]
pub struct Secret {
    /// Its bytes (memory only).
    pub bytes: Vec<u8>,
    /// The redacted preview the reports show.
    pub preview: String,
    /// The rule that found it.
    pub rule_id: String,
    /// Where to rotate it.
    pub rotate_url: Option<String>,
    /// How to drop it for keyless authentication.
    pub keyless: Option<String>,
    /// Languages of the files it was in (for snippets).
    pub langs: Vec<Lang>,
    /// A name taken from the code (`api_key = "…"` → `API_KEY`), for rules that suggest
    /// none.
    pub hint: Option<String>,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("preview", &self.preview)
            .field("len", &self.bytes.len())
            .field("rule_id", &self.rule_id)
            .finish_non_exhaustive()
    }
}

/// A `.env` variable the fix reads.
#[derive(Clone, Debug)]
pub struct EnvName {
    /// Index into [`Plan::secrets`].
    pub secret: usize,
    /// The name in `.env`.
    pub key: String,
    /// How it was chosen.
    pub naming: Naming,
}

/// New content for one side (the index or the working tree) of a file.
#[derive(Clone, Debug)]
pub struct Side {
    /// The content before.
    pub old: Vec<u8>,
    /// The rewrite.
    pub new: Rewritten,
}

/// A source file whose key literals are rewritten.
#[derive(Clone, Debug)]
pub struct FilePlan {
    /// Repository-relative path.
    pub path: String,
    /// Its language.
    pub lang: Lang,
    /// The staged version (mode, rewrite), when it holds a key.
    pub index: Option<(u32, Side)>,
    /// The working-tree file, when it holds a key.
    pub work: Option<Side>,
    /// The secrets it held, with the name the code now reads.
    pub names: Vec<(usize, String)>,
}

/// An index-side edit of an auxiliary file.
#[derive(Clone, Debug)]
pub struct IndexEdit {
    /// Mode of the entry.
    pub mode: u32,
    /// The staged content before (none for a new entry).
    pub old: Option<Vec<u8>>,
    /// The staged content after.
    pub new: Vec<u8>,
}

/// Lines appended to `.env`, `.gitignore` or a `.env.example`.
#[derive(Clone, Debug)]
pub struct AuxEdit {
    /// Repository-relative path.
    pub path: String,
    /// The lines added (shown redacted for `.env`).
    pub added: Vec<String>,
    /// The working-tree file before (none when created).
    pub old: Option<Vec<u8>>,
    /// The working-tree file after.
    pub new: Vec<u8>,
    /// Mode for a new file.
    pub create_mode: u32,
    /// The same lines appended to the staged version.
    pub index: Option<IndexEdit>,
    /// Whether the added lines hold secrets (`.env`): redacted in the patch.
    pub secret_values: bool,
}

/// A staged `.env`-like file to take out of the index.
#[derive(Clone, Debug)]
pub struct Unstage {
    /// Repository-relative path.
    pub path: String,
    /// The staged entry's mode and content (backed up before removal).
    pub mode: u32,
    /// The staged content.
    pub content: Vec<u8>,
}

/// A finding that needs a person, with what exactly to do.
#[derive(Clone, Debug)]
pub struct Manual {
    /// `path:line:column`.
    pub location: String,
    /// The instruction.
    pub text: String,
    /// Index into [`Plan::secrets`], when the secret was located.
    pub secret: Option<usize>,
    /// The rule that found it.
    pub rule_id: String,
}

/// Everything a fix will do.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// The keys.
    pub secrets: Vec<Secret>,
    /// `.env` names, in order.
    pub env_names: Vec<EnvName>,
    /// Rewritten source files.
    pub files: Vec<FilePlan>,
    /// `.env`, `.gitignore`, `.env.example` edits.
    pub aux: Vec<AuxEdit>,
    /// Files taken out of the index.
    pub unstage: Vec<Unstage>,
    /// Findings left to the user.
    pub manual: Vec<Manual>,
    /// Other things worth saying (a key already gone from the working tree …).
    pub notes: Vec<String>,
}

impl Plan {
    /// Whether applying the plan changes anything.
    pub fn has_changes(&self) -> bool {
        !self.files.is_empty() || !self.unstage.is_empty() || !self.aux.is_empty()
    }

    /// The secret bytes and previews, for redacting anything shown.
    pub fn redactions(&self) -> Vec<(&[u8], &str)> {
        self.secrets
            .iter()
            .map(|s| (s.bytes.as_slice(), s.preview.as_str()))
            .collect()
    }
}

/// The staged entry (stage 0) of a path: mode and content.
fn index_entry(
    repo: &Repository,
    index: &git2::Index,
    path: &str,
) -> Result<Option<(u32, Vec<u8>)>> {
    let Some(entry) = index.get_path(Path::new(path), 0) else {
        return Ok(None);
    };
    let blob = repo
        .find_blob(entry.id)
        .map_err(Error::git(format!("reading the staged {path}")))?;
    Ok(Some((entry.mode, blob.content().to_vec())))
}

/// The working-tree content of `rel`, unless it is missing or a symlink.
fn work_file(git: &Git, rel: &str) -> Result<Option<Vec<u8>>> {
    let abs = git.abs(rel);
    match std::fs::symlink_metadata(&abs) {
        Ok(m) if m.file_type().is_file() => std::fs::read(&abs).map(Some).map_err(Error::io(&abs)),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(&abs)(e)),
    }
}

/// Re-finds the secret of `f` in `content`: runs its rule on its line and keeps the span
/// whose fingerprint is the finding's.
pub fn locate(content: &[u8], f: &Finding, rules: &RuleSet) -> Option<(Vec<u8>, Option<String>)> {
    let rule = rules.rules().iter().find(|r| r.id() == f.rule_id)?;
    let mut start = 0usize;
    for _ in 1..f.line {
        start += memchr::memchr(b'\n', &content[start..])? + 1;
    }
    let end = memchr::memchr(b'\n', &content[start..]).map_or(content.len(), |i| start + i);
    let mut line = &content[start..end];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    let haystack = if rule.is_multiline() {
        &content[start..content.len().min(start + rules.multiline_window())]
    } else {
        line
    };
    let mut spans = Vec::new();
    rule.find(haystack, line, &mut spans).ok()?;
    let span = spans
        .into_iter()
        .find(|s| fingerprint(&f.rule_id, &haystack[s.secret.clone()]) == f.fingerprint)?;
    let hint = (span.secret.start <= line.len())
        .then(|| name_hint(&String::from_utf8_lossy(&line[..span.secret.start])))
        .flatten();
    Some((haystack[span.secret].to_vec(), hint))
}

/// The variable name the code gives a value whose literal starts at the end of `head`:
/// `api_key = "` → `API_KEY`, `"apiKey": "` → `API_KEY`, `token: ` → `TOKEN`.
pub fn name_hint(head: &str) -> Option<String> {
    let t = head.trim_end_matches(|c: char| c.is_whitespace() || "\"'`\\".contains(c));
    // A string prefix (`f"`, `@"`) right after the operator.
    let t = match t
        .char_indices()
        .rev()
        .take(2)
        .find(|(_, c)| !"rRbBuUfF@$".contains(*c))
    {
        Some((i, c)) if "=:( ".contains(c) => &t[..i + c.len_utf8()],
        _ => t,
    };
    let t = t.trim_end();
    let t = t
        .strip_suffix(":=")
        .or_else(|| t.strip_suffix("=>"))
        .or_else(|| t.strip_suffix('='))
        .or_else(|| t.strip_suffix(':'))?;
    let t = t
        .trim_end()
        .trim_end_matches(|c: char| "\"'`]\\".contains(c) || c.is_whitespace());
    let ident: String = t
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut name = String::new();
    let mut prev_lower = false;
    for c in ident.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            name.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        name.push(if c == '-' {
            '_'
        } else {
            c.to_ascii_uppercase()
        });
    }
    (name.len() >= 3 && envfile::is_name(&name)).then_some(name)
}

/// A finding's path relative to the working tree (`--files` paths are as given).
fn repo_relative(git: &Git, source: &Source, path: &str) -> Option<String> {
    if !matches!(source, Source::Files(_)) {
        return Some(path.to_string());
    }
    let abs = std::env::current_dir()
        .ok()?
        .join(path)
        .canonicalize()
        .ok()?;
    let root = git.workdir.canonicalize().ok()?;
    let rel = abs.strip_prefix(root).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// The content a finding was reported in.
fn source_content(
    repo: &Repository,
    index: &git2::Index,
    git: &Git,
    source: &Source,
    f: &Finding,
    rel: &str,
) -> Result<Option<Vec<u8>>> {
    match source {
        Source::Staged => Ok(index_entry(repo, index, rel)?.map(|(_, c)| c)),
        Source::Files(_) => work_file(git, rel),
        Source::Range(_) => {
            let Some(commit) = &f.commit else {
                return Ok(None);
            };
            let read = || -> std::result::Result<Vec<u8>, git2::Error> {
                let oid = git2::Oid::from_str(&commit.id)?;
                let tree = repo.find_commit(oid)?.tree()?;
                let blob = tree
                    .get_path(Path::new(rel))?
                    .to_object(repo)?
                    .peel_to_blob()?;
                Ok(blob.content().to_vec())
            };
            Ok(read().ok())
        }
    }
}

/// The `.env` variable name a rule suggests, or one made from its id.
fn base_name(loaded: &Loaded, rule_id: &str, hint: Option<&str>) -> String {
    let suggested = loaded
        .rules
        .rules()
        .iter()
        .find(|r| r.id() == rule_id)
        .and_then(|r| r.spec.env_var.as_deref().map(str::to_string))
        .filter(|v| envfile::is_name(v))
        .or_else(|| hint.map(str::to_string));
    suggested.unwrap_or_else(|| {
        let mut name: String = rule_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        if !name.starts_with(|c: char| c.is_ascii_alphabetic()) {
            name.insert(0, 'K');
        }
        name
    })
}

/// Terraform variables declared in the other `.tf` files of `rel`'s directory.
fn declared_tf_vars(git: &Git, rel: &str) -> Vec<String> {
    let abs = git.abs(rel);
    let Some(dir) = abs.parent() else {
        return Vec::new();
    };
    let mut names = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return names;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p == abs || p.extension().map_or(true, |e| e != "tf") {
            continue;
        }
        if let Ok(text) = std::fs::read_to_string(&p) {
            for line in text.lines() {
                let t = line.trim_start();
                if let Some(rest) = t.strip_prefix("variable \"") {
                    if let Some(name) = rest.split('"').next() {
                        names.push(name.to_string());
                    }
                }
            }
        }
    }
    names
}

struct Pending<'r> {
    rel: String,
    lang: Lang,
    index: Option<(u32, Vec<u8>)>,
    work: Option<Vec<u8>>,
    secrets: Vec<usize>,
    findings: Vec<(&'r Finding, usize)>,
}

/// Plans the fix of every blocking finding of `report`.
pub fn build(
    repo: &Repository,
    git: &Git,
    loaded: &Loaded,
    report: &Report,
    source: &Source,
) -> Result<Plan> {
    let index = crate::source::repo::staged_index(repo)?;
    let mut plan = Plan::default();
    let mut by_path: Vec<(String, Vec<&Finding>)> = Vec::new();
    for f in report.blocking() {
        match by_path.iter_mut().find(|(p, _)| *p == f.path) {
            Some((_, list)) => list.push(f),
            None => by_path.push((f.path.clone(), vec![f])),
        }
    }
    let mut pending = Vec::new();
    let mut dotenv_names: Vec<(String, Vec<String>)> = Vec::new();
    for (path, findings) in &by_path {
        let Some(rel) = repo_relative(git, source, path) else {
            for f in findings {
                manual(
                    &mut plan,
                    f,
                    None,
                    format!("{path} is outside this repository's working tree: edit it by hand"),
                );
            }
            continue;
        };
        let staged = index_entry(repo, &index, &rel)?;
        let work = work_file(git, &rel)?;
        let head = work
            .as_deref()
            .or(staged.as_ref().map(|(_, c)| c.as_slice()))
            .unwrap_or(&[]);
        let lang = Lang::detect(&rel, &head[..head.len().min(256)]);
        let path_rule = findings.iter().any(|f| f.secret_length == 0);
        if lang == Lang::Dotenv || path_rule {
            match (&staged, lang) {
                (Some((mode, content)), Lang::Dotenv) => {
                    let names = envfile::names_only(&String::from_utf8_lossy(content));
                    plan.unstage.push(Unstage {
                        path: rel.clone(),
                        mode: *mode,
                        content: content.clone(),
                    });
                    dotenv_names.push((rel.clone(), names));
                }
                _ => {
                    for f in findings.iter().filter(|f| f.secret_length == 0).take(1) {
                        manual(
                            &mut plan,
                            f,
                            None,
                            format!(
                                "this file should not be committed: `git rm --cached -- {}`, add it to .gitignore, \
                                 and keep it outside the repository or in a secret manager",
                                crate::util::shell_quote(&rel)
                            ),
                        );
                    }
                    if lang == Lang::Dotenv {
                        for f in findings.iter().filter(|f| f.secret_length > 0) {
                            manual(&mut plan, f, None, "a .env-like file that is not staged: keep it out of git (.gitignore)".into());
                        }
                    }
                }
            }
            if lang == Lang::Dotenv || findings.iter().all(|f| f.secret_length == 0) {
                continue;
            }
        }
        let content = source_content(repo, &index, git, source, findings[0], &rel)?;
        let mut secrets = Vec::new();
        let mut located = Vec::new();
        for f in findings.iter().filter(|f| f.secret_length > 0) {
            let Some(found) = content.as_deref().and_then(|c| locate(c, f, &loaded.rules)) else {
                manual(
                    &mut plan,
                    f,
                    None,
                    "tierzero could not find this key again in the file: remove it by hand".into(),
                );
                continue;
            };
            let i = add_secret(&mut plan, f, found, lang);
            if plan.secrets[i].bytes.contains(&b'\n') {
                manual(
                    &mut plan,
                    f,
                    Some(i),
                    "a multi-line secret (a key block): move it to a file outside the repository or a secret manager, \
                     and read that file's path from the environment"
                        .into(),
                );
                continue;
            }
            if !lang.rewritable() {
                let name = base_name(loaded, &f.rule_id, plan.secrets[i].hint.as_deref());
                let file_name = rel.rsplit('/').next().unwrap_or(&rel);
                let text = if file_name.starts_with(".env") || file_name.ends_with(".env.example") {
                    format!(
                        "this template is committed: replace the value ({}) with an empty one (`{name}=`) \
                         and keep the real key in .env (ignored by git)",
                        f.preview
                    )
                } else if lang == Lang::OtherYaml {
                    format!(
                        "replace the key ({}) with a reference the program reading this YAML resolves (`${{{name}}}` in Compose, \
                         `${{{{ secrets.{name} }}}}` in a GitHub workflow), and keep the value in {name} outside git",
                        f.preview
                    )
                } else {
                    format!(
                        "tierzero does not know how this file reads settings: replace the key ({}) with a read of the \
                         environment variable {name} and keep the value in .env (ignored by git)",
                        f.preview
                    )
                };
                manual(&mut plan, f, Some(i), text);
                continue;
            }
            if !secrets.contains(&i) {
                secrets.push(i);
            }
            located.push((*f, i));
        }
        if secrets.is_empty() {
            continue;
        }
        let has = |c: &[u8]| {
            secrets
                .iter()
                .any(|&i| memchr::memmem::find(c, &plan.secrets[i].bytes).is_some())
        };
        let index_side = staged.filter(|(mode, c)| *mode != 0o120000 && has(c));
        let work_side = work.filter(|c| has(c));
        if index_side.is_none() && work_side.is_none() {
            plan.notes.push(format!(
                "{rel}: the key is no longer in the working tree or the index (it stays in history: rotate it)"
            ));
            continue;
        }
        pending.push(Pending {
            rel,
            lang,
            index: index_side,
            work: work_side,
            secrets,
            findings: located,
        });
    }

    // .env: names are chosen file by file, and kept only for files that were rewritten.
    let env_path = ".env";
    let env_old = work_file(git, env_path)?;
    let env_text = env_old
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default()
        .into_owned();
    let existing = envfile::parse(&env_text);
    let env_tracked = index.get_path(Path::new(env_path), 0).is_some()
        && !plan.unstage.iter().any(|u| u.path == env_path);
    let mut taken: Vec<(String, String)> = Vec::new();
    for p in pending {
        if env_tracked {
            for (f, _) in &p.findings {
                manual(
                    &mut plan,
                    f,
                    None,
                    "the repository tracks .env, so the key cannot be moved there: untrack it first \
                     (`git rm --cached .env`, add .env to .gitignore), then run `tierzero fix` again"
                        .into(),
                );
            }
            continue;
        }
        let terraform = p.lang == Lang::Terraform;
        let mut names = Vec::new();
        let mut chosen = Vec::new();
        for &i in &p.secrets {
            let base = base_name(
                loaded,
                &plan.secrets[i].rule_id,
                plan.secrets[i].hint.as_deref(),
            );
            let base = if terraform {
                format!("TF_VAR_{}", base.to_ascii_lowercase())
            } else {
                base
            };
            let value = String::from_utf8_lossy(&plan.secrets[i].bytes).into_owned();
            let mut run = taken.clone();
            run.extend(
                chosen
                    .iter()
                    .map(|(_, k, _, v): &(usize, String, Naming, String)| (k.clone(), v.clone())),
            );
            let (key, naming) = envfile::choose_name(&base, &value, &existing, &run);
            let code = if terraform {
                key.trim_start_matches("TF_VAR_").to_string()
            } else {
                key.clone()
            };
            names.push((i, code));
            chosen.push((i, key, naming, value));
        }
        let targets: Vec<Target<'_>> = names
            .iter()
            .map(|(i, code)| Target {
                secret: &plan.secrets[*i].bytes,
                name: code,
            })
            .collect();
        let ctx = FileContext {
            declared_tf_vars: if terraform {
                declared_tf_vars(git, &p.rel)
            } else {
                Vec::new()
            },
        };
        let run_one = |content: &[u8]| -> std::result::Result<Rewritten, Refusal> {
            if p.lang == Lang::Notebook {
                notebook::rewrite_notebook(content, &targets)
            } else {
                rewrite::rewrite_file(p.lang, content, &targets, &ctx)
            }
        };
        let index_new = p.index.as_ref().map(|(_, c)| run_one(c)).transpose();
        let work_new = p.work.as_ref().map(|c| run_one(c)).transpose();
        let (index_new, work_new) = match (index_new, work_new) {
            (Ok(i), Ok(w)) => (i, w),
            (Err(r), _) | (_, Err(r)) => {
                let which = match (&p.index, &p.work) {
                    (Some(_), Some(_)) => "",
                    (Some(_), None) => " (staged version)",
                    _ => " (working tree)",
                };
                for (f, i) in &p.findings {
                    let name = chosen
                        .iter()
                        .find(|c| c.0 == *i)
                        .map_or("", |c| c.1.as_str());
                    manual(
                        &mut plan,
                        f,
                        Some(*i),
                        format!(
                            "not rewritten{which}: line {}: {}. Keep the value in .env as {name} (ignored by git)",
                            r.line, r.reason
                        ),
                    );
                }
                continue;
            }
        };
        for (secret, key, naming, value) in chosen {
            if !taken.iter().any(|(k, _)| *k == key) {
                taken.push((key.clone(), value));
                plan.env_names.push(EnvName {
                    secret,
                    key,
                    naming,
                });
            }
        }
        plan.files.push(FilePlan {
            path: p.rel,
            lang: p.lang,
            index: p
                .index
                .zip(index_new)
                .map(|((mode, old), new)| (mode, Side { old, new })),
            work: p.work.zip(work_new).map(|(old, new)| Side { old, new }),
            names,
        });
    }

    // .env itself.
    let new_lines: Vec<String> = plan
        .env_names
        .iter()
        .filter(|n| n.naming != Naming::Reused)
        .map(|n| {
            envfile::format_line(
                &n.key,
                &String::from_utf8_lossy(&plan.secrets[n.secret].bytes),
            )
        })
        .collect();
    if !new_lines.is_empty() {
        let abs = git.abs(env_path);
        if std::fs::symlink_metadata(&abs).is_ok_and(|m| !m.file_type().is_file()) {
            return Err(Error::Fix(format!(
                "{} is not a regular file (a symbolic link?): tierzero will not write through it; \
                 replace it with a file, or run with --dry-run and add the values yourself",
                abs.display()
            )));
        }
        plan.aux
            .push(append(env_path, env_old, new_lines, 0o600, None, true));
    }
    // .gitignore: .env, and any unstaged .env-like file.
    let mut ignore = Vec::new();
    if !plan.env_names.is_empty() && !git.is_ignored(env_path)? {
        ignore.push(env_path.to_string());
    }
    for u in &plan.unstage {
        if !git.is_ignored(&u.path)? && !ignore.contains(&u.path) {
            ignore.push(u.path.clone());
        }
    }
    if !ignore.is_empty() {
        let old = work_file(git, ".gitignore")?;
        let staged = index_entry(repo, &index, ".gitignore")?;
        let created = old.is_none();
        plan.aux.push(append(
            ".gitignore",
            old,
            ignore,
            0o644,
            staged_edit(staged, created),
            false,
        ));
    }
    // .env.example: the new names where the repository has one; for an unstaged .env-like
    // file, next to it, with that file's names.
    let mut examples: Vec<(String, Vec<String>, bool)> = Vec::new();
    if !plan.env_names.is_empty() {
        let names: Vec<String> = plan.env_names.iter().map(|n| n.key.clone()).collect();
        examples.push((".env.example".to_string(), names, false));
    }
    for (rel, names) in dotenv_names {
        let dir = rel
            .rsplit_once('/')
            .map_or(String::new(), |(d, _)| format!("{d}/"));
        let path = format!("{dir}.env.example");
        match examples.iter_mut().find(|(p, _, _)| *p == path) {
            Some((_, list, create)) => {
                list.extend(names);
                *create = true;
            }
            None => examples.push((path, names, true)),
        }
    }
    for (path, names, create) in examples {
        let old = work_file(git, &path)?;
        if old.is_none() && !create {
            continue;
        }
        let present = envfile::names_only(
            &old.as_deref()
                .map(String::from_utf8_lossy)
                .unwrap_or_default(),
        );
        let mut lines: Vec<String> = Vec::new();
        for n in names {
            let line = format!("{n}=");
            if !present.contains(&n) && !lines.contains(&line) {
                lines.push(line);
            }
        }
        if lines.is_empty() {
            continue;
        }
        let staged = index_entry(repo, &index, &path)?;
        let created = old.is_none();
        plan.aux.push(append(
            &path,
            old,
            lines,
            0o644,
            staged_edit(staged, created),
            false,
        ));
    }
    Ok(plan)
}

/// Where a finding's secret lives in the plan (deduplicated by value).
fn add_secret(
    plan: &mut Plan,
    f: &Finding,
    (bytes, hint): (Vec<u8>, Option<String>),
    lang: Lang,
) -> usize {
    if let Some(i) = plan.secrets.iter().position(|s| s.bytes == bytes) {
        if !plan.secrets[i].langs.contains(&lang) {
            plan.secrets[i].langs.push(lang);
        }
        return i;
    }
    plan.secrets.push(Secret {
        bytes,
        preview: f.preview.clone(),
        rule_id: f.rule_id.clone(),
        rotate_url: f.remediation.rotate_url.clone(),
        keyless: f.remediation.keyless.clone(),
        langs: vec![lang],
        hint,
    });
    plan.secrets.len() - 1
}

fn manual(plan: &mut Plan, f: &Finding, secret: Option<usize>, text: String) {
    plan.manual.push(Manual {
        location: format!("{}:{}:{}", f.path, f.line, f.column),
        text,
        secret,
        rule_id: f.rule_id.clone(),
    });
}

/// The index side of an appended file: the same lines appended to the staged version when
/// the file is tracked; the whole new file staged when the fix creates it.
fn staged_edit(staged: Option<(u32, Vec<u8>)>, created: bool) -> Option<IndexEdit> {
    match staged {
        Some((mode, old)) => Some(IndexEdit {
            mode,
            new: Vec::new(),
            old: Some(old),
        }),
        None if created => Some(IndexEdit {
            mode: 0o100644,
            old: None,
            new: Vec::new(),
        }),
        None => None,
    }
}

/// Appends `lines` to a file's working-tree content (and, through `index`, to its staged
/// content), adding a missing final newline first.
fn append(
    path: &str,
    old: Option<Vec<u8>>,
    lines: Vec<String>,
    create_mode: u32,
    index: Option<IndexEdit>,
    secret_values: bool,
) -> AuxEdit {
    let grow = |base: &[u8]| {
        let mut out = base.to_vec();
        if !out.is_empty() && !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        for l in &lines {
            out.extend_from_slice(l.as_bytes());
            out.push(b'\n');
        }
        out
    };
    let new = grow(old.as_deref().unwrap_or(&[]));
    let index = index.map(|mut e| {
        e.new = match &e.old {
            Some(staged) => grow(staged),
            None => new.clone(),
        };
        e
    });
    AuxEdit {
        path: path.to_string(),
        added: lines,
        old,
        new,
        create_mode,
        index,
        secret_values,
    }
}

#[cfg(test)]
mod tests {
    use super::name_hint;

    #[test]
    fn names_from_the_code() {
        let h = |s: &str| name_hint(s);
        assert_eq!(h("client = OpenAI(api_key=\""), Some("API_KEY".into()));
        assert_eq!(h("  \"apiKey\": \""), Some("API_KEY".into()));
        assert_eq!(h("stripe-token: "), Some("STRIPE_TOKEN".into()));
        assert_eq!(h("db_password := `"), Some("DB_PASSWORD".into()));
        assert_eq!(h("x = f\""), None);
        assert_eq!(h("curl -H 'Bearer "), None);
    }
}
