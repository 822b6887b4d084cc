//! The small commands that read or record configuration: `rules`, `config`, `ignore` and
//! `import gitleaks`.

use std::fmt::Write as _;
use std::path::Path;

use crate::commands::console::{Console, Outcome};
use crate::error::{Error, Result};
use crate::policy::config::{self, ConfigOptions};
use crate::policy::{ignore, import};

/// `tierzero rules [--explain ID]`: the effective rules (built-in ones plus the user's and
/// the repository's), or one in full.
pub fn rules(explain: Option<&str>, console: &mut Console<'_>) -> Result<Outcome> {
    let root = crate::source::repo::discover_root()?;
    let loaded = config::load(root.as_deref(), &ConfigOptions::default())?;
    let rules = loaded.rules.rules();
    let mut text = String::new();
    match explain {
        None => {
            for r in rules {
                let _ = writeln!(
                    text,
                    "{:<40} {:<40} {}  [keywords: {}]",
                    r.id(),
                    r.spec.name.as_deref().unwrap_or(""),
                    r.origin,
                    r.spec.keywords.join(", ")
                );
            }
        }
        Some(id) => {
            let Some(r) = rules.iter().find(|r| r.id() == id) else {
                return Err(Error::Usage(format!(
                    "no rule {:?} (list them with `tierzero rules`)",
                    crate::policy::suppress::one_line(id)
                )));
            };
            let s = &r.spec;
            let _ = writeln!(text, "{}\n  {}", r.id(), s.description);
            let _ = writeln!(text, "  defined in: {}", r.origin);
            let _ = writeln!(text, "  keywords:   {}", s.keywords.join(", "));
            if let Some(re) = &s.regex {
                let _ = writeln!(text, "  regex:      {re}");
            }
            if let Some(p) = &s.path {
                let _ = writeln!(text, "  path:       {p}");
            }
            if let Some(v) = &s.env_var {
                let _ = writeln!(text, "  env var:    {v}");
            }
            if let Some(u) = &s.rotate_url {
                let _ = writeln!(text, "  rotate at:  {u}");
            }
            if let Some(k) = &s.keyless {
                let _ = writeln!(text, "  keyless:    {k}");
            }
        }
    }
    console.print(&text)?;
    Ok(Outcome::Clean)
}

/// `tierzero config [--check]`: the effective configuration and where each part came from,
/// or only whether it loads.
pub fn config(check: bool, opts: &ConfigOptions, console: &mut Console<'_>) -> Result<Outcome> {
    let root = crate::source::repo::discover_root()?;
    let loaded = config::load(root.as_deref(), opts)?;
    if check {
        console.eprint(&format!(
            "tierzero: configuration OK ({} rules active)\n",
            loaded.rules.rules().len()
        ))?;
    } else {
        console.print(&config::describe(&loaded))?;
    }
    Ok(Outcome::Clean)
}

/// `tierzero ignore FINGERPRINT --reason …`: records a fingerprint in `.tierzero-ignore`.
pub fn ignore(fingerprint: &str, reason: &str, console: &mut Console<'_>) -> Result<Outcome> {
    let root = crate::source::repo::discover_root()?.ok_or_else(|| {
        Error::Usage("`tierzero ignore` must run inside a repository's working tree".into())
    })?;
    let path = root.join(ignore::FILE_NAME);
    let today = crate::util::today_utc();
    let line = match ignore::append(&path, fingerprint, reason, &today)? {
        ignore::Appended::Added(line) => format!(
            "tierzero: added to {}: {line}\n\
             tierzero: commit it (`git add {}`) so the team's hooks and CI ignore it too\n",
            path.display(),
            ignore::FILE_NAME
        ),
        ignore::Appended::AlreadyListed => {
            format!("tierzero: {fingerprint} is already in {}\n", path.display())
        }
    };
    console.print(&line)?;
    Ok(Outcome::Clean)
}

/// `tierzero import gitleaks FILE [--output OUT]`: converts a gitleaks config; what could
/// not be carried over is listed on stderr.
pub fn import_gitleaks(
    file: &Path,
    output: Option<&Path>,
    console: &mut Console<'_>,
) -> Result<Outcome> {
    let text = std::fs::read_to_string(file).map_err(Error::io(file))?;
    let imported = import::gitleaks(&text, &file.display().to_string())?;
    let mut notes = String::new();
    for note in &imported.notes {
        let _ = writeln!(notes, "tierzero import: {note}");
    }
    console.eprint(&notes)?;
    match output {
        Some(path) => {
            std::fs::write(path, &imported.toml).map_err(Error::io(path))?;
            console.eprint(&format!("tierzero import: wrote {}\n", path.display()))?;
        }
        None => console.print(&imported.toml)?,
    }
    Ok(Outcome::Clean)
}
