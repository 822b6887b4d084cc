//! The `tierzero` command line: argument parsing and exit codes, nothing else.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use tierzero::commands::{self, ScanOptions};
use tierzero::config::ConfigOptions;
use tierzero::diff::MergeScan;
use tierzero::install::{self, InstallOptions};
use tierzero::report::Format;
use tierzero::{Error, EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};

const EXIT_CODES: &str = "\
Exit codes:
  0  nothing found (or the command succeeded)
  1  secrets found: the commit is blocked
  2  error (not a repository, git failure, broken rules or config); tierzero fails closed";

/// Keeps LLM API keys and other tier-zero credentials out of git.
#[derive(Parser)]
#[command(name = "tierzero", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan the staged change (the default) for secrets.
    #[command(after_help = EXIT_CODES)]
    Scan(ScanArgs),
    /// Install tierzero's hooks in the current repository (or for every repository with
    /// --global).
    #[command(after_help = INSTALL_HELP)]
    Install(InstallArgs),
    /// Remove tierzero's hooks, restoring any hook that was there before.
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
    /// Entry point for the installed git hooks (not for direct use).
    #[command(hide = true)]
    Hook {
        /// The hook git is running.
        name: String,
        /// The arguments git passed.
        args: Vec<String>,
    },
}

#[derive(Args)]
struct ConfigFlags {
    /// Use this config file instead of the repository's .tierzero.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Start from no rules (only those from config files).
    #[arg(long)]
    no_default_rules: bool,
}

impl ConfigFlags {
    fn options(&self) -> ConfigOptions {
        ConfigOptions {
            config_file: self.config.clone(),
            no_default_rules: self.no_default_rules,
        }
    }
}

#[derive(Args)]
struct ConfigArgs {
    /// Only validate the configuration: exit 0 when it loads, 2 with the error when not.
    #[arg(long)]
    check: bool,
    #[command(flatten)]
    flags: ConfigFlags,
}

#[derive(Args)]
struct BaselineArgs {
    /// Refresh an existing baseline: add new findings, drop those that are gone.
    #[arg(long)]
    update: bool,
    /// Also scan the added lines of every commit reachable from HEAD.
    #[arg(long)]
    history: bool,
    #[command(flatten)]
    flags: ConfigFlags,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Convert a gitleaks config (.gitleaks.toml); unsupported parts are listed on stderr.
    Gitleaks {
        /// The gitleaks config file.
        file: PathBuf,
        /// Write the result to FILE instead of stdout.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, Default, ValueEnum)]
enum FormatArg {
    #[default]
    Human,
    Json,
    Sarif,
    Junit,
}

#[derive(Args, Clone, Default)]
#[command(group(clap::ArgGroup::new("source").multiple(false)))]
struct ScanArgs {
    /// Scan the staged change: HEAD against the index (the default).
    #[arg(long, group = "source")]
    staged: bool,
    /// Scan every commit of a revision range, each against its first parent, added lines
    /// only: anything `git rev-list` accepts (`origin/main..HEAD`, `A...B`, `^A B`, `X^!`,
    /// `B --not --remotes`). Repeat it or quote several revisions in one value.
    #[arg(
        long,
        value_name = "RANGE",
        allow_hyphen_values = true,
        group = "source"
    )]
    range: Vec<String>,
    /// With --range: also scan merge commits (what they add relative to their first parent).
    #[arg(long, requires = "range")]
    merges: bool,
    /// Scan every blob reachable from any ref, once each, in parallel (a history audit).
    #[arg(long, group = "source")]
    all_history: bool,
    /// Scan these files (and directories, walked honouring .gitignore) as they are on disk.
    #[arg(long = "files", value_name = "PATH", num_args = 1.., group = "source")]
    disk_files: Vec<PathBuf>,
    /// Scan a directory as it is on disk, honouring .gitignore (need not be a repository).
    #[arg(long, value_name = "DIR", group = "source")]
    dir: Option<PathBuf>,
    /// Scan standard input.
    #[arg(long, group = "source")]
    stdin: bool,
    /// Scan a commit message file, ignoring `#` comment lines (the commit-msg hook mode).
    #[arg(long, value_name = "FILE", group = "source")]
    commit_msg: Option<PathBuf>,
    /// Files and history: skip content larger than SIZE (e.g. 10MB, 512K; default 10MB).
    #[arg(long, value_name = "SIZE", value_parser = tierzero::sources::parse_size)]
    max_file_size: Option<u64>,
    /// Output format: human (stderr), json, sarif, junit.
    #[arg(long, value_enum, default_value = "human")]
    format: FormatArg,
    /// Write machine-readable output to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also show suppressed findings.
    #[arg(long, short)]
    verbose: bool,
    /// Exit 0 even when secrets are found (report-only jobs).
    #[arg(long)]
    exit_zero: bool,
    /// Use this config file instead of the repository's .tierzero.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Start from no rules (only those from config files).
    #[arg(long)]
    no_default_rules: bool,
    /// For a commit that concludes a merge: scan only the resolution (lines new relative
    /// to every parent), or everything the merge brings in.
    #[arg(long, value_enum, default_value = "resolution", value_name = "WHAT")]
    merge_scan: MergeScanArg,
    /// Paths passed by a hook manager (the pre-commit framework). When each has a staged
    /// change, the staged diff is scanned as usual; when some are unchanged in the index
    /// (`pre-commit run --all-files`), the full staged contents of all of them are.
    #[arg(value_name = "PATH")]
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, Default, ValueEnum)]
enum MergeScanArg {
    #[default]
    Resolution,
    All,
}

const INSTALL_HELP: &str = "\
Existing hooks are kept: moved to <hook>.tierzero-prev and run first (their failure still
blocks the commit); `tierzero uninstall` puts them back byte for byte. When pre-commit,
lefthook or husky owns the hooks, tierzero prints the line to add to its configuration
instead. See docs/INSTALL.md.";

#[derive(Args)]
struct InstallArgs {
    /// Print what would change, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Replace a foreign hook (after backing it up) instead of chaining it.
    #[arg(long)]
    force: bool,
    /// Print nothing on success.
    #[arg(long, short)]
    quiet: bool,
    /// For every repository of this user: core.hooksPath -> a tierzero-managed directory
    /// that also runs each repository's own hooks (undo: uninstall --global).
    #[arg(long)]
    global: bool,
    /// With --global: use init.templateDir instead (repositories created from now on).
    #[arg(long, requires = "global")]
    template: bool,
    /// Also install a pre-push hook that scans the commits being pushed.
    #[arg(long)]
    pre_push: bool,
    /// When husky manages the hooks, add tierzero's line to .husky/pre-commit (and
    /// .husky/pre-merge-commit) instead of only printing it.
    #[arg(long)]
    husky: bool,
}

impl ScanArgs {
    fn options(&self) -> ScanOptions {
        ScanOptions {
            format: match self.format {
                FormatArg::Human => Format::Human,
                FormatArg::Json => Format::Json,
                FormatArg::Sarif => Format::Sarif,
                FormatArg::Junit => Format::Junit,
            },
            output: self.output.clone(),
            verbose: self.verbose,
            config: ConfigOptions {
                config_file: self.config.clone(),
                no_default_rules: self.no_default_rules,
            },
            merge_scan: match self.merge_scan {
                MergeScanArg::Resolution => MergeScan::Resolution,
                MergeScanArg::All => MergeScan::All,
            },
            merges: self.merges,
            max_file_size: self.max_file_size,
            paths: self.files.clone(),
        }
    }
}

impl InstallArgs {
    fn options(&self) -> InstallOptions {
        InstallOptions {
            dry_run: self.dry_run,
            force: self.force,
            quiet: self.quiet,
            global: self.global,
            template: self.template,
            pre_push: self.pre_push,
            husky: self.husky,
            ..Default::default()
        }
    }
}

fn run_scan(args: &ScanArgs) -> Result<i32, Error> {
    let opts = args.options();
    let here = std::path::Path::new(".");
    let report = if !args.range.is_empty() {
        commands::scan_range(here, &args.range, &opts)?
    } else if args.all_history {
        commands::scan_history(here, &opts)?
    } else if !args.disk_files.is_empty() || args.dir.is_some() {
        let mut paths = args.disk_files.clone();
        paths.extend(args.dir.clone());
        commands::scan_files(&paths, &opts)?
    } else if args.stdin {
        commands::scan_stdin(&opts)?
    } else if let Some(file) = &args.commit_msg {
        commands::scan_commit_msg(file, &opts)?
    } else {
        commands::scan_staged(&opts)?
    };
    commands::render(&report, &opts)?;
    let blocked = report.blocking().next().is_some();
    Ok(if blocked && !args.exit_zero {
        EXIT_FOUND
    } else {
        EXIT_CLEAN
    })
}

fn print_actions(actions: &install::Actions, opts: &InstallOptions) {
    for notice in &actions.notices {
        println!("tierzero: {notice}");
    }
    if opts.quiet {
        return;
    }
    let prefix = if opts.dry_run {
        "tierzero (dry run): "
    } else {
        "tierzero: "
    };
    for line in summarize_actions(&actions.lines) {
        println!("{prefix}{line}");
    }
}

/// Folds per-hook lines that say the same thing about the same directory
/// (`pre-commit: installed /r/.git/hooks/pre-commit`, `commit-msg: installed …`) into
/// one line (`installed pre-commit, commit-msg in /r/.git/hooks`), so an install reports
/// in a line or two; other lines are kept as they are.
fn summarize_actions(lines: &[String]) -> Vec<String> {
    const VERBS: &[&str] = &["installed", "updated", "removed", "already installed at"];
    let mut out: Vec<String> = Vec::new();
    let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for line in lines {
        let parsed = line.split_once(": ").and_then(|(hook, rest)| {
            VERBS.iter().find_map(|verb| {
                let path = rest.strip_prefix(verb)?.strip_prefix(' ')?;
                let dir = path.strip_suffix(hook)?.strip_suffix('/')?;
                Some((
                    verb.trim_end_matches(" at").to_string(),
                    dir.to_string(),
                    hook,
                ))
            })
        });
        match parsed {
            Some((verb, dir, hook)) => {
                match groups.iter_mut().find(|(v, d, _)| *v == verb && *d == dir) {
                    Some(group) => group.2.push(hook.to_string()),
                    None => groups.push((verb, dir, vec![hook.to_string()])),
                }
            }
            None => out.push(line.clone()),
        }
    }
    let mut folded: Vec<String> = groups
        .into_iter()
        .map(|(verb, dir, hooks)| format!("{verb} {} in {dir}", hooks.join(", ")))
        .collect();
    folded.extend(out);
    folded
}

fn try_main(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Scan(args) => run_scan(&args),
        Command::Hook { name, args } => match name.as_str() {
            "pre-push" => {
                let report = tierzero::prepush::scan_push(&args, std::io::stdin().lock())?;
                commands::render(&report, &ScanOptions::default())?;
                if report.blocking().next().is_none() {
                    return Ok(EXIT_CLEAN);
                }
                eprintln!(
                    "tierzero: this push is blocked. Rotate the key, then take it out of those commits \
                     (`git rebase -i` / `git commit --amend`) before pushing again."
                );
                Ok(EXIT_FOUND)
            }
            "commit-msg" => match args.first() {
                Some(file) => run_scan(&ScanArgs {
                    commit_msg: Some(PathBuf::from(file)),
                    ..ScanArgs::default()
                }),
                None => Err(Error::Usage(
                    "the commit-msg hook needs the message file git passes".into(),
                )),
            },
            // pre-merge-commit: git names the merged heads in GITHEAD_* variables, so the
            // staged scan narrows itself to the resolution.
            "pre-commit" | "pre-merge-commit" => run_scan(&ScanArgs {
                staged: true,
                format: FormatArg::Human,
                output: None,
                verbose: false,
                exit_zero: false,
                config: None,
                no_default_rules: false,
                merge_scan: MergeScanArg::Resolution,
                files: Vec::new(),
                ..ScanArgs::default()
            }),
            other => Err(Error::Usage(format!("unknown hook {other:?}"))),
        },
        Command::Install(args) => {
            let opts = args.options();
            let actions = install::install(&opts)?;
            print_actions(&actions, &opts);
            Ok(EXIT_CLEAN)
        }
        Command::Uninstall(args) => {
            let opts = args.options();
            let actions = install::uninstall(&opts)?;
            print_actions(&actions, &opts);
            Ok(EXIT_CLEAN)
        }
        Command::Config(args) => {
            let root = tierzero::config::discover_root()?;
            let loaded = tierzero::config::load(root.as_deref(), &args.flags.options())?;
            if args.check {
                eprintln!(
                    "tierzero: configuration OK ({} rules active)",
                    loaded.rules.rules().len()
                );
            } else {
                print!("{}", tierzero::config::describe(&loaded));
            }
            Ok(EXIT_CLEAN)
        }
        Command::Ignore {
            fingerprint,
            reason,
        } => {
            let root = tierzero::config::discover_root()?.ok_or_else(|| {
                Error::Usage("`tierzero ignore` must run inside a repository's working tree".into())
            })?;
            let path = root.join(tierzero::ignore::FILE_NAME);
            let today = tierzero::ignore::today_utc();
            match tierzero::ignore::append(&path, &fingerprint, &reason, &today)? {
                tierzero::ignore::Appended::Added(line) => {
                    println!("tierzero: added to {}: {line}", path.display())
                }
                tierzero::ignore::Appended::AlreadyListed => {
                    println!("tierzero: {fingerprint} is already in {}", path.display())
                }
            }
            Ok(EXIT_CLEAN)
        }
        Command::Baseline(args) => {
            let outcome = tierzero::baseline::run(&tierzero::baseline::BaselineOptions {
                update: args.update,
                history: args.history,
                config: args.flags.options(),
            })?;
            println!(
                "tierzero: wrote {}: {} fingerprint(s) for {} finding(s) in {} file(s){}; {} added, {} dropped",
                outcome.path.display(),
                outcome.entries,
                outcome.occurrences,
                outcome.stats.files,
                if args.history {
                    format!(" and {} commit(s)", outcome.commits)
                } else {
                    String::new()
                },
                outcome.added,
                outcome.dropped
            );
            Ok(EXIT_CLEAN)
        }
        Command::Import(ImportCommand::Gitleaks { file, output }) => {
            let text = std::fs::read_to_string(&file).map_err(Error::io(&file))?;
            let imported = tierzero::import::gitleaks(&text, &file.display().to_string())?;
            for note in &imported.notes {
                eprintln!("tierzero import: {note}");
            }
            match output {
                Some(path) => {
                    std::fs::write(&path, &imported.toml).map_err(Error::io(&path))?;
                    eprintln!("tierzero import: wrote {}", path.display());
                }
                None => print!("{}", imported.toml),
            }
            Ok(EXIT_CLEAN)
        }
        Command::Status => {
            let status = tierzero::status::check()?;
            print!("{}", status.render());
            Ok(if status.protected {
                EXIT_CLEAN
            } else {
                EXIT_FOUND
            })
        }
        Command::Rules { explain } => {
            // The effective rules: built-in ones plus the user's and the repository's.
            let root = tierzero::config::discover_root()?;
            let loaded = tierzero::config::load(root.as_deref(), &ConfigOptions::default())?;
            let rules = loaded.rules.rules();
            match explain {
                None => {
                    for r in rules {
                        println!(
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
                            "no rule {id:?} (list them with `tierzero rules`)"
                        )));
                    };
                    let s = &r.spec;
                    println!("{}\n  {}", r.id(), s.description);
                    println!("  defined in: {}", r.origin);
                    println!("  keywords:   {}", s.keywords.join(", "));
                    if let Some(re) = &s.regex {
                        println!("  regex:      {re}");
                    }
                    if let Some(p) = &s.path {
                        println!("  path:       {p}");
                    }
                    if let Some(v) = &s.env_var {
                        println!("  env var:    {v}");
                    }
                    if let Some(u) = &s.rotate_url {
                        println!("  rotate at:  {u}");
                    }
                    if let Some(k) = &s.keyless {
                        println!("  keyless:    {k}");
                    }
                }
            }
            Ok(EXIT_CLEAN)
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code as u8);
        }
    };
    // A bug must still fail closed, with one line rather than a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("tierzero: internal error (please report it): {info}; failing closed");
    }));
    let code = match std::panic::catch_unwind(|| try_main(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("tierzero: error: {e}");
            EXIT_ERROR
        }
        Err(_) => EXIT_ERROR,
    };
    ExitCode::from(code as u8)
}
