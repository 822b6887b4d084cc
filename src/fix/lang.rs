//! Which language a file is written in, as far as `tierzero fix` cares: how it reads an
//! environment variable and how its string literals look. Detection is by file name (and a
//! shebang for extension-less scripts); it never guesses from content beyond that.

/// A language (or file kind) `tierzero fix` knows how to rewrite, or why it does not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// `.py`, `.pyw`.
    Python,
    /// `.js`, `.mjs`, `.cjs`, `.jsx`.
    JavaScript,
    /// `.ts`, `.tsx`, `.mts`, `.cts`.
    TypeScript,
    /// `.go`.
    Go,
    /// `.rs`.
    Rust,
    /// `.java`.
    Java,
    /// `.kt`, `.kts`.
    Kotlin,
    /// `.cs`.
    CSharp,
    /// `.sh`, `.bash`, `.zsh`, or a `#!…sh` shebang.
    Shell,
    /// `compose.yaml`, `docker-compose.yml`, … (Compose interpolates `${VAR}`).
    Compose,
    /// `.tf` (a `variable` reference).
    Terraform,
    /// `.ipynb` (the Python source of a code cell, inside the notebook's JSON).
    Notebook,
    /// A `.env`-like file: it is unstaged, not rewritten.
    Dotenv,
    /// Any other YAML: `${VAR}` means something only to programs that expand it.
    OtherYaml,
    /// Anything else.
    Unknown,
}

impl Lang {
    /// The language of `path` (repository-relative, `/`-separated); `head` is the start
    /// of the file, for shebangs.
    pub fn detect(path: &str, head: &[u8]) -> Lang {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lower = name.to_ascii_lowercase();
        if is_dotenv_name(&lower) {
            return Lang::Dotenv;
        }
        let ext = lower.rsplit_once('.').map(|(_, e)| e);
        match ext {
            Some("py" | "pyw") => Lang::Python,
            Some("js" | "mjs" | "cjs" | "jsx") => Lang::JavaScript,
            Some("ts" | "tsx" | "mts" | "cts") => Lang::TypeScript,
            Some("go") => Lang::Go,
            Some("rs") => Lang::Rust,
            Some("java") => Lang::Java,
            Some("kt" | "kts") => Lang::Kotlin,
            Some("cs") => Lang::CSharp,
            Some("sh" | "bash" | "zsh") => Lang::Shell,
            Some("tf") => Lang::Terraform,
            Some("ipynb") => Lang::Notebook,
            Some("yml" | "yaml") => {
                let stem = lower.trim_end_matches(".yml").trim_end_matches(".yaml");
                if stem == "compose"
                    || stem == "docker-compose"
                    || stem.starts_with("compose.")
                    || stem.starts_with("docker-compose.")
                {
                    Lang::Compose
                } else {
                    Lang::OtherYaml
                }
            }
            None if is_shell_shebang(head) => Lang::Shell,
            _ => Lang::Unknown,
        }
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Python => "Python",
            Lang::JavaScript => "JavaScript",
            Lang::TypeScript => "TypeScript",
            Lang::Go => "Go",
            Lang::Rust => "Rust",
            Lang::Java => "Java",
            Lang::Kotlin => "Kotlin",
            Lang::CSharp => "C#",
            Lang::Shell => "shell",
            Lang::Compose => "Docker Compose",
            Lang::Terraform => "Terraform",
            Lang::Notebook => "Jupyter notebook",
            Lang::Dotenv => ".env file",
            Lang::OtherYaml => "YAML",
            Lang::Unknown => "unknown",
        }
    }

    /// Whether `tierzero fix` rewrites literals in this kind of file.
    pub fn rewritable(self) -> bool {
        !matches!(self, Lang::Dotenv | Lang::OtherYaml | Lang::Unknown)
    }

    /// How code in this language reads `var` from the environment, for messages.
    pub fn lookup_example(self, var: &str) -> String {
        match self {
            Lang::Python | Lang::Notebook => format!("os.environ[\"{var}\"]"),
            Lang::JavaScript => format!("process.env.{var}"),
            Lang::TypeScript => format!("process.env.{var}!"),
            Lang::Go => format!("os.Getenv(\"{var}\")"),
            Lang::Rust => format!("&std::env::var(\"{var}\").expect(\"{var} is not set\")"),
            Lang::Java | Lang::Kotlin => format!("System.getenv(\"{var}\")"),
            Lang::CSharp => format!("System.Environment.GetEnvironmentVariable(\"{var}\")"),
            Lang::Shell => format!("\"${var}\""),
            Lang::Compose | Lang::OtherYaml => format!("${{{var}}}"),
            Lang::Terraform => format!("var.{}", var.to_ascii_lowercase()),
            Lang::Dotenv | Lang::Unknown => format!("the environment variable {var}"),
        }
    }
}

/// Whether `tierzero fix` can act on a finding at `path` by itself: a key in a file whose
/// language it rewrites, or a staged `.env`-like file it can unstage. Decided from the name
/// alone, for the blocked-commit report.
pub fn fixable(path: &str) -> bool {
    let lang = Lang::detect(path, b"");
    lang.rewritable() || lang == Lang::Dotenv
}

/// Whether a (lower-cased) file name is a `.env`-style settings file rather than a
/// template meant to be committed.
pub fn is_dotenv_name(lower: &str) -> bool {
    const TEMPLATES: &[&str] = &["example", "sample", "template", "dist", "defaults"];
    if lower == ".env" {
        return true;
    }
    if let Some(rest) = lower.strip_prefix(".env.") {
        return !rest.split('.').any(|part| TEMPLATES.contains(&part));
    }
    lower.ends_with(".env") && !lower.starts_with('.') && lower.len() > 4
}

fn is_shell_shebang(head: &[u8]) -> bool {
    let Some(first) = head.split(|&b| b == b'\n').next() else {
        return false;
    };
    let Some(rest) = first.strip_prefix(b"#!") else {
        return false;
    };
    let line = String::from_utf8_lossy(rest);
    let mut words = line.split_whitespace();
    let Some(program) = words.next() else {
        return false;
    };
    let base = program.rsplit('/').next().unwrap_or(program);
    let interpreter = if base == "env" {
        words.next().unwrap_or("")
    } else {
        base
    };
    matches!(interpreter, "sh" | "bash" | "zsh" | "dash" | "ksh")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_by_name_and_shebang() {
        assert_eq!(Lang::detect("src/app.py", b""), Lang::Python);
        assert_eq!(Lang::detect("web/x.tsx", b""), Lang::TypeScript);
        assert_eq!(Lang::detect("docker-compose.yml", b""), Lang::Compose);
        assert_eq!(Lang::detect("compose.prod.yaml", b""), Lang::Compose);
        assert_eq!(
            Lang::detect(".github/workflows/ci.yml", b""),
            Lang::OtherYaml
        );
        assert_eq!(
            Lang::detect("bin/run", b"#!/usr/bin/env bash\n"),
            Lang::Shell
        );
        assert_eq!(
            Lang::detect("bin/run", b"#!/usr/bin/python3\n"),
            Lang::Unknown
        );
        assert_eq!(Lang::detect("config/.env.local", b""), Lang::Dotenv);
        assert_eq!(Lang::detect("prod.env", b""), Lang::Dotenv);
        assert_eq!(Lang::detect(".env.example", b""), Lang::Unknown);
        assert_eq!(Lang::detect(".envrc", b""), Lang::Unknown);
        assert_eq!(Lang::detect("main.tf", b""), Lang::Terraform);
        assert_eq!(Lang::detect("a.ipynb", b""), Lang::Notebook);
    }
}
