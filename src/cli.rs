//! The command line: clap definitions, shared flags declared once, and their conversion
//! into the library's typed options. No logic lives here; `commands` runs what was asked.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::scan::ScanOptions;
use crate::install::InstallOptions;
use crate::policy::config::ConfigOptions;
use crate::report::Format;
use crate::source::staged::MergeScan;

/// The exit codes, for `--help`.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  nothing found (or the command succeeded)
  1  secrets found: the commit is blocked
  2  error (not a repository, git failure, broken rules or config); tierzero fails closed";

/// Keeps LLM API keys and other tier-zero credentials out of git.
#[derive(Parser)]
#[command(name = "tierzero", version, about, after_help = EXIT_CODES)]
pub struct Cli {
    /// When to colour the report on stderr: auto (on a terminal, unless NO_COLOR is set;
    /// CLICOLOR_FORCE forces it), always, never.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: ColorArg,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// `--color`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// On a terminal, honouring NO_COLOR and CLICOLOR_FORCE.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorArg {
    /// Whether the report on stderr is coloured.
    pub fn enabled(self) -> bool {
        match self {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
            }
        }
    }
}

/// `tierzero completions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ShellArg {
    /// bash (bash-completion).
    Bash,
    /// zsh.
    Zsh,
    /// fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// The subcommands.
#[derive(Subcommand)]
pub enum Command {
    /// Scan the staged change (the default) for secrets.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Install tierzero's hooks in the current repository (or for every repository with
    /// --global).
    #[command(after_help = INSTALL_HELP)]
    Install(InstallArgs),
    /// Remove tierzero's hooks, restoring any hook that was there before.
    #[command(after_help = UNINSTALL_HELP)]
    Uninstall(InstallArgs),
    /// Say whether this repository is protected, and by what (exit 0 yes, 1 no).
    ///
    /// Shows which hook file runs tierzero, whether core.hooksPath overrides it, which
    /// binary and version it calls, and which config files are in effect. Exit codes: 0
    /// protected, 1 not protected, 2 error.
    #[command(visible_alias = "doctor")]
    Status,
    /// List the rules, or explain one.
    Rules {
        /// Print one rule in full, with its remediation.
        #[arg(long, value_name = "ID")]
        explain: Option<String>,
    },
    /// Print the effective configuration and where each part came from.
    Config(ConfigArgs),
    /// Record a finding's fingerprint in .tierzero-ignore so it is no longer reported.
    Ignore {
        /// The fingerprint printed with the finding (32 lowercase hex digits).
        fingerprint: String,
        /// Why this is not a secret (recorded with today's date).
        #[arg(long)]
        reason: String,
    },
    /// Write .tierzero-baseline.json from every file of HEAD, so existing findings stop
    /// blocking while new ones are still caught.
    Baseline(BaselineArgs),
    /// Convert another tool's configuration into .tierzero.toml syntax.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Take blocked keys out of the code: rewrite each literal into an environment lookup,
    /// move the value to .env (ignored by git), re-stage. Shows the patch and asks first.
    #[command(after_help = FIX_HELP)]
    Fix(FixArgs),
    /// Answer an AI coding agent's hook call: reads the payload on stdin, refuses writes,
    /// reads, commands and prompts that carry a credential, in the tool's own format.
    ///
    /// Installed by `tierzero install --agent TOOL`; see docs/AGENTS.md.
    Agent {
        /// claude-code, cursor, codex, copilot or gemini.
        #[arg(value_parser = crate::agent::Tool::parse)]
        tool: crate::agent::Tool,
        /// The hook event, for payloads that do not name it (Copilot CLI).
        #[arg(long)]
        event: Option<String>,
    },
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) on stdout.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the man page (roff) on stdout: `tierzero man > tierzero.1`.
    Man,
    /// Entry point for the installed git hooks (not for direct use).
    #[command(hide = true)]
    Hook {
        /// The hook git is running.
        name: String,
        /// The arguments git passed.
        args: Vec<String>,
    },
}

const FIX_HELP: &str = "\
Every file it changes is backed up under .git/tierzero/fix-backup/ first. The patch it prints
shows removed keys only as their redacted preview. See docs/FIX.md.
Exit codes: 0 nothing left to fix, 1 keys remain (dry run, declined, manual steps), 2 error.";

/// `tierzero fix`.
#[derive(Args)]
pub struct FixArgs {
    /// Apply without asking (for scripts).
    #[arg(long, short)]
    pub yes: bool,
    /// Print the patch only; change nothing.
    #[arg(long, conflicts_with = "yes")]
    pub dry_run: bool,
    /// Fix the keys a commit range added, where they still are (index, working tree); same
    /// syntax as `tierzero scan --range`.
    #[arg(
        long,
        value_name = "RANGE",
        allow_hyphen_values = true,
        conflicts_with = "files"
    )]
    pub range: Vec<String>,
    /// Fix these files on disk instead of the staged change.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    pub files: Vec<PathBuf>,
}

/// Flags that choose the configuration, shared by every command that loads it.
#[derive(Args, Clone, Default)]
pub struct ConfigFlags {
    /// Use this config file instead of the repository's .tierzero.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Start from no rules (only those from config files).
    #[arg(long)]
    pub no_default_rules: bool,
}

impl ConfigFlags {
    /// The configuration options these flags choose.
    pub fn options(&self) -> ConfigOptions {
        ConfigOptions {
            config_file: self.config.clone(),
            no_default_rules: self.no_default_rules,
        }
    }
}

/// `tierzero config`.
#[derive(Args)]
pub struct ConfigArgs {
    /// Only validate the configuration: exit 0 when it loads, 2 with the error when not.
    #[arg(long)]
    pub check: bool,
    // Shared configuration flags.
    #[allow(missing_docs)]
    #[command(flatten)]
    pub flags: ConfigFlags,
}

/// `tierzero baseline`.
#[derive(Args)]
pub struct BaselineArgs {
    /// Refresh an existing baseline: add new findings, drop those that are gone.
    #[arg(long)]
    pub update: bool,
    /// Also scan the added lines of every commit reachable from HEAD.
    #[arg(long)]
    pub history: bool,
    // Shared configuration flags.
    #[allow(missing_docs)]
    #[command(flatten)]
    pub flags: ConfigFlags,
}

/// `tierzero import`.
#[derive(Subcommand)]
pub enum ImportCommand {
    /// Convert a gitleaks config (.gitleaks.toml); unsupported parts are listed on stderr.
    Gitleaks {
        /// The gitleaks config file.
        file: PathBuf,
        /// Write the result to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// `--format`.
#[derive(Clone, Copy, Default, ValueEnum)]
pub enum FormatArg {
    /// Readable text on stderr.
    #[default]
    Human,
    /// One JSON document.
    Json,
    /// One JSON object per finding, one per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
}

/// `tierzero scan`.
#[derive(Args, Clone, Default)]
#[command(group(clap::ArgGroup::new("source").multiple(false)))]
pub struct ScanArgs {
    /// Scan the staged change: HEAD against the index (the default).
    #[arg(long, group = "source")]
    pub staged: bool,
    /// Scan every commit of a revision range, each against its first parent, added lines
    /// only: anything `git rev-list` accepts (`origin/main..HEAD`, `A...B`, `^A B`, `X^!`,
    /// `B --not --remotes`). Repeat it or quote several revisions in one value.
    #[arg(
        long,
        value_name = "RANGE",
        allow_hyphen_values = true,
        group = "source"
    )]
    pub range: Vec<String>,
    /// With --range: also scan merge commits (what they add relative to their first parent).
    #[arg(long, requires = "range")]
    pub merges: bool,
    /// Scan every blob reachable from any ref, once each, in parallel (a history audit).
    #[arg(long, group = "source")]
    pub all_history: bool,
    /// Scan these files (and directories, walked honouring .gitignore) as they are on disk.
    #[arg(long = "files", value_name = "PATH", num_args = 1.., group = "source")]
    pub disk_files: Vec<PathBuf>,
    /// Scan a directory as it is on disk, honouring .gitignore (need not be a repository).
    #[arg(long, value_name = "DIR", group = "source")]
    pub dir: Option<PathBuf>,
    /// Scan standard input.
    #[arg(long, group = "source")]
    pub stdin: bool,
    /// Scan the commits a push would send, given git's pre-push lines on stdin
    /// (`<local ref> <local sha> <remote ref> <remote sha>`), as the pre-push hook does.
    #[arg(long, group = "source")]
    pub pre_push: bool,
    /// Scan a commit message file, ignoring `#` comment lines (the commit-msg hook mode).
    #[arg(long, value_name = "FILE", group = "source")]
    pub commit_msg: Option<PathBuf>,
    /// Files and history: skip content larger than SIZE (e.g. 10MB, 512K; default 10MB).
    #[arg(long, value_name = "SIZE", value_parser = crate::source::disk::parse_size)]
    pub max_file_size: Option<u64>,
    /// Output format: human (stderr), json, jsonl (one finding per line), sarif, junit.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Write machine-readable output to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also show suppressed findings.
    #[arg(long, short)]
    pub verbose: bool,
    /// Exit 0 even when secrets are found (report-only jobs).
    #[arg(long)]
    pub exit_zero: bool,
    // Shared configuration flags.
    #[allow(missing_docs)]
    #[command(flatten)]
    pub config: ConfigFlags,
    /// For a commit that concludes a merge: scan only the resolution (lines new relative
    /// to every parent), or everything the merge brings in.
    #[arg(long, value_enum, default_value = "resolution", value_name = "WHAT")]
    pub merge_scan: MergeScanArg,
    /// Paths passed by a hook manager (the pre-commit framework). When each has a staged
    /// change, the staged diff is scanned as usual; when some are unchanged in the index
    /// (`pre-commit run --all-files`), the full staged contents of all of them are.
    #[arg(value_name = "PATH")]
    pub files: Vec<PathBuf>,
}

/// `--merge-scan`.
#[derive(Clone, Copy, Default, ValueEnum)]
pub enum MergeScanArg {
    /// Only the lines new relative to every parent.
    #[default]
    Resolution,
    /// Everything the merge brings in.
    All,
}

const COMPLETIONS_HELP: &str = "\
Where shells look (or run `install.sh --completions`):
  bash  tierzero completions bash > ~/.local/share/bash-completion/completions/tierzero
  zsh   tierzero completions zsh > ~/.zfunc/_tierzero   (with fpath+=(~/.zfunc) before compinit)
  fish  tierzero completions fish > ~/.config/fish/completions/tierzero.fish";

const INSTALL_HELP: &str = "\
Existing hooks are kept: moved to <hook>.tierzero-prev and run first (their failure still
blocks the commit); `tierzero uninstall` puts them back byte for byte. When pre-commit,
lefthook or husky owns the hooks, tierzero prints the line to add to its configuration
instead. See docs/INSTALL.md.";

/// `tierzero install` and `tierzero uninstall`.
#[derive(Args)]
pub struct InstallArgs {
    /// Print what would change, change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace a foreign hook (after backing it up) instead of chaining it.
    #[arg(long)]
    pub force: bool,
    /// Print nothing on success.
    #[arg(long, short)]
    pub quiet: bool,
    /// For every repository of this user: core.hooksPath -> a tierzero-managed directory
    /// that also runs each repository's own hooks (undo: uninstall --global).
    #[arg(long)]
    pub global: bool,
    /// With --global: use init.templateDir instead (repositories created from now on).
    #[arg(long, requires = "global")]
    pub template: bool,
    /// Also install a pre-push hook that scans the commits being pushed.
    #[arg(long)]
    pub pre_push: bool,
    /// When husky manages the hooks, add tierzero's line to .husky/pre-commit (and
    /// .husky/pre-merge-commit) instead of only printing it.
    #[arg(long)]
    pub husky: bool,
    /// When lefthook manages the hooks, add tierzero to lefthook-local.yml (this machine's
    /// lefthook configuration) instead of only printing the lines.
    #[arg(long)]
    pub lefthook: bool,
    /// When the hooks directory is tracked in git (core.hooksPath = .githooks, committed),
    /// add tierzero's line to its pre-commit and pre-merge-commit instead of only printing it.
    #[arg(long)]
    pub tracked_hooks: bool,
    /// Install (or remove) the hooks of an AI coding agent instead of git's: claude-code,
    /// cursor, codex, copilot or gemini (see docs/AGENTS.md).
    #[arg(
        long,
        value_name = "TOOL",
        value_parser = crate::agent::Tool::parse,
        conflicts_with_all = ["global", "template", "pre_push", "husky"]
    )]
    pub agent: Option<crate::agent::Tool>,
    /// With --agent: the user's settings file (~/.claude/settings.json, …).
    #[arg(long, requires = "agent", conflicts_with = "project")]
    pub user: bool,
    /// With --agent: the repository's settings file (.claude/settings.json, …; the default).
    #[arg(long, requires = "agent")]
    pub project: bool,
}

const UNINSTALL_HELP: &str = "\
Restores whatever hook was there before install, byte for byte, and removes tierzero's
own hooks; with --global, undoes a global install. See docs/INSTALL.md.";

impl ScanArgs {
    /// The library's scan options.
    pub fn options(&self) -> ScanOptions {
        ScanOptions {
            format: match self.format {
                FormatArg::Human => Format::Human,
                FormatArg::Json => Format::Json,
                FormatArg::Jsonl => Format::Jsonl,
                FormatArg::Sarif => Format::Sarif,
                FormatArg::Junit => Format::Junit,
            },
            output: self.output.clone(),
            verbose: self.verbose,
            config: self.config.options(),
            merge_scan: match self.merge_scan {
                MergeScanArg::Resolution => MergeScan::Resolution,
                MergeScanArg::All => MergeScan::All,
            },
            merges: self.merges,
            max_file_size: self.max_file_size,
            paths: self.files.clone(),
            color: false,
        }
    }
}

impl InstallArgs {
    /// The installer's options.
    pub fn options(&self) -> InstallOptions {
        InstallOptions {
            dry_run: self.dry_run,
            force: self.force,
            quiet: self.quiet,
            global: self.global,
            template: self.template,
            pre_push: self.pre_push,
            husky: self.husky,
            lefthook: self.lefthook,
            tracked_hooks: self.tracked_hooks,
            ..Default::default()
        }
    }
}

impl ScanArgs {
    /// Which source the flags chose (the staged change by default). Reads standard input
    /// for `--pre-push`.
    pub fn source(&self) -> crate::error::Result<crate::commands::scan::What> {
        use crate::commands::scan::What;
        Ok(if self.pre_push {
            What::PrePush(crate::source::push::parse_updates(std::io::stdin().lock())?)
        } else if !self.range.is_empty() {
            What::Range {
                repo: PathBuf::from("."),
                specs: self.range.clone(),
            }
        } else if self.all_history {
            What::AllHistory
        } else if !self.disk_files.is_empty() || self.dir.is_some() {
            let mut paths = self.disk_files.clone();
            paths.extend(self.dir.clone());
            What::Files(paths)
        } else if self.stdin {
            What::Stdin
        } else if let Some(file) = &self.commit_msg {
            What::CommitMsg(file.clone())
        } else {
            What::Staged
        })
    }
}
