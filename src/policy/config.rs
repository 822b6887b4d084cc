//! Configuration: which rules run and what is allowed, assembled from layers.
//!
//! Layers, lowest to highest: the embedded `rules.toml`, the user's `config.toml` (in the
//! platform config directory), the repository's `.tierzero.toml` (or the file named by
//! `--config`), and command-line flags. Every file layer goes through one merge function,
//! [`State::apply`]: it adds rules, overrides fields of existing ones, disables or
//! re-enables rules, adds allowlists and sets `compat`. Every mistake is reported with the
//! file, the line and the key, and fails the run before anything is scanned: new regexes
//! are compiled and custom rules' examples are run through the scanner at load time.
//!
//! This module also reads `.tierzero-ignore` and `.tierzero-baseline.json` (through their
//! modules) into the [`Suppressor`], and records where every part came from so that
//! `tierzero config` can show it. It does not scan repositories.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::policy::suppress::{one_line, AllowTarget, Allowlist, Suppressor};
use crate::rules::spec::Text;
use crate::rules::{AllowSpec, Example, Rule, RuleSet, RuleSpec, BUILTIN_ORIGIN};

/// The repository's config file, at the worktree root.
pub const REPO_FILE: &str = ".tierzero.toml";

/// Command-line choices that affect configuration.
#[derive(Clone, Debug, Default)]
pub struct ConfigOptions {
    /// `--config FILE`: use this file instead of the repository's `.tierzero.toml`.
    pub config_file: Option<PathBuf>,
    /// `--no-default-rules`: start from an empty rule set.
    pub no_default_rules: bool,
}

/// The effective configuration of a run.
#[derive(Debug)]
pub struct Loaded {
    /// The rules to run.
    pub rules: RuleSet,
    /// What can silence a finding.
    pub suppressor: Suppressor,
    /// Where each part came from, for `tierzero config`.
    pub provenance: Provenance,
}

/// One configuration layer and what became of it.
#[derive(Clone, Debug)]
pub struct LayerInfo {
    /// `built-in rules`, `user config`, `repository config`, `--config`.
    pub name: &'static str,
    /// The file, or `rules.toml (built in)`.
    pub origin: String,
    /// `loaded`, `not found`, `skipped (...)`.
    pub status: String,
}

/// Where a rule came from and what later layers did to it.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    /// The rule id.
    pub id: String,
    /// The layer that defined it.
    pub defined_in: String,
    /// Each override: the layer and the fields it set.
    pub overridden: Vec<(String, Vec<&'static str>)>,
    /// The last layer that disabled it.
    pub disabled_in: Option<String>,
    /// The layer that re-enabled it after that.
    pub enabled_in: Option<String>,
}

impl RuleInfo {
    /// Returns true if and only if the rule runs.
    pub fn is_active(&self) -> bool {
        self.disabled_in.is_none() || self.enabled_in.is_some()
    }
}

/// An allowlist and where it came from.
#[derive(Clone, Debug)]
pub struct AllowInfo {
    /// The file it was written in.
    pub origin: String,
    /// `None` for a global allowlist, else the rule it belongs to.
    pub rule: Option<String>,
    /// The allowlist as written.
    pub spec: AllowSpec,
}

/// Where every part of the effective configuration came from.
#[derive(Clone, Debug, Default)]
pub struct Provenance {
    /// The layers, lowest first.
    pub layers: Vec<LayerInfo>,
    /// Every rule seen, active or disabled, in priority order.
    pub rules: Vec<RuleInfo>,
    /// Every allowlist.
    pub allowlists: Vec<AllowInfo>,
    /// The effective `compat` and the layer that set it (`None`: the default).
    pub compat: (bool, Option<String>),
    /// `.tierzero-ignore` and how many fingerprints it lists, when present.
    pub ignore_file: Option<(PathBuf, usize)>,
    /// `.tierzero-baseline.json` and how many fingerprints it holds, when present.
    pub baseline: Option<(PathBuf, usize)>,
}

/// The top level of a config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    compat: Option<bool>,
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    enable: Vec<String>,
    #[serde(default)]
    rules: Vec<RuleSpec>,
    #[serde(default, rename = "override")]
    overrides: Vec<RuleOverride>,
    #[serde(default)]
    allow: Option<AllowSpec>,
}

/// An `[[override]]` table: the id of an existing rule and the fields to change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleOverride {
    id: String,
    description: Option<Text>,
    keywords: Option<Vec<Text>>,
    regex: Option<Text>,
    secret_group: Option<usize>,
    context: Option<Text>,
    entropy: Option<f64>,
    checks: Option<Vec<Text>>,
    path: Option<Text>,
    multiline: Option<bool>,
    generic: Option<bool>,
    env_var: Option<Text>,
    rotate_url: Option<Text>,
    keyless: Option<Text>,
    tags: Option<Vec<Text>>,
    examples: Option<Vec<Example>>,
    negative_examples: Option<Vec<Example>>,
    allow: Option<AllowSpec>,
}

impl RuleOverride {
    /// Applies the fields this override sets to `spec`; returns their names.
    fn apply_to(&self, spec: &mut RuleSpec) -> Vec<&'static str> {
        let mut set = Vec::new();
        macro_rules! field {
            ($name:ident) => {
                if let Some(v) = &self.$name {
                    spec.$name = v.clone();
                    set.push(stringify!($name));
                }
            };
            ($name:ident, some) => {
                if let Some(v) = &self.$name {
                    spec.$name = Some(v.clone());
                    set.push(stringify!($name));
                }
            };
        }
        field!(description);
        field!(keywords);
        field!(regex, some);
        field!(secret_group, some);
        field!(context, some);
        field!(entropy, some);
        field!(checks);
        field!(path, some);
        field!(multiline);
        field!(generic);
        field!(env_var, some);
        field!(rotate_url, some);
        field!(keyless, some);
        field!(tags);
        field!(examples);
        field!(negative_examples);
        if self.allow.is_some() {
            set.push("allow");
        }
        set
    }
}

/// One step of a path to a key in a TOML document.
#[derive(Clone, Debug)]
enum Seg {
    Key(&'static str),
    Index(usize),
}

/// A config file's text, kept for turning key paths into line numbers.
struct Source {
    origin: String,
    text: String,
    doc: Option<toml_edit::ImDocument<String>>,
}

impl Source {
    fn new(origin: String, text: String) -> Source {
        let doc = toml_edit::ImDocument::parse(text.clone()).ok();
        Source { origin, text, doc }
    }

    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    /// The byte span of the deepest part of `path` that can be found in the document.
    fn span_of(&self, path: &[Seg]) -> Option<Range<usize>> {
        use toml_edit::{Item, Value};
        #[derive(Clone, Copy)]
        enum Node<'a> {
            Item(&'a Item),
            Value(&'a Value),
            Table(&'a toml_edit::Table),
        }
        let doc = self.doc.as_ref()?;
        let mut node = Node::Table(doc.as_table());
        let mut span = None;
        for seg in path {
            let next = match (seg, node) {
                (Seg::Key(k), Node::Table(t)) | (Seg::Key(k), Node::Item(Item::Table(t))) => t
                    .get_key_value(k)
                    .map(|(key, item)| (key.span(), Node::Item(item))),
                (Seg::Key(k), Node::Item(Item::Value(Value::InlineTable(t))))
                | (Seg::Key(k), Node::Value(Value::InlineTable(t))) => t
                    .get_key_value(k)
                    .map(|(key, item)| (key.span(), Node::Item(item))),
                (Seg::Index(i), Node::Item(Item::ArrayOfTables(a))) => {
                    a.get(*i).map(|t| (t.span(), Node::Table(t)))
                }
                (Seg::Index(i), Node::Item(Item::Value(Value::Array(a))))
                | (Seg::Index(i), Node::Value(Value::Array(a))) => {
                    a.get(*i).map(|v| (v.span(), Node::Value(v)))
                }
                _ => None,
            };
            let Some((s, n)) = next else { break };
            span = s.or(span);
            node = n;
        }
        span
    }

    /// The dotted path of the deepest key whose key or value covers byte `offset`, for
    /// parse errors that carry only a position.
    fn key_at(&self, offset: usize) -> Option<String> {
        use toml_edit::{Item, Value};
        fn covers(span: Option<Range<usize>>, offset: usize) -> bool {
            span.is_some_and(|s| s.start <= offset && offset < s.end.max(s.start + 1))
        }
        fn in_value(v: &Value, offset: usize, path: &mut String) {
            match v {
                Value::Array(a) => {
                    for (i, v) in a.iter().enumerate() {
                        if covers(v.span(), offset) {
                            let _ = write!(path, "[{i}]");
                            in_value(v, offset, path);
                            return;
                        }
                    }
                }
                Value::InlineTable(t) => {
                    for (k, v) in t.iter() {
                        let key_span = t.key(k).and_then(|key| key.span());
                        if covers(v.span(), offset) || covers(key_span, offset) {
                            let _ = write!(path, ".{k}");
                            in_value(v, offset, path);
                            return;
                        }
                    }
                }
                _ => {}
            }
        }
        fn in_table(t: &toml_edit::Table, offset: usize, path: &mut String) -> bool {
            // Sub-tables are written after their parent's keys, so the last key that starts
            // at or before the offset is the one the offset belongs to.
            let mut best: Option<(usize, &str, &Item)> = None;
            for (k, item) in t.iter() {
                let start = t
                    .key(k)
                    .and_then(|key| key.span())
                    .or_else(|| item.span())
                    .map(|s| s.start);
                let start = match item {
                    Item::Table(sub) => sub.span().map(|s| s.start).or(start),
                    Item::ArrayOfTables(a) => a
                        .iter()
                        .next()
                        .and_then(|t| t.span())
                        .map(|s| s.start)
                        .or(start),
                    _ => start,
                };
                if let Some(start) = start.filter(|&s| s <= offset) {
                    let later = match best {
                        None => true,
                        Some((b, _, _)) => start >= b,
                    };
                    if later {
                        best = Some((start, k, item));
                    }
                }
            }
            let Some((_, k, item)) = best else {
                return false;
            };
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(k);
            match item {
                Item::Table(sub) => {
                    in_table(sub, offset, path);
                }
                Item::ArrayOfTables(a) => {
                    let mut last = None;
                    for (i, t) in a.iter().enumerate() {
                        if t.span().is_some_and(|s| s.start <= offset) {
                            last = Some((i, t));
                        }
                    }
                    if let Some((i, t)) = last {
                        let _ = write!(path, "[{i}]");
                        in_table(t, offset, path);
                    }
                }
                Item::Value(v) => in_value(v, offset, path),
                Item::None => {}
            }
            true
        }
        let doc = self.doc.as_ref()?;
        let mut path = String::new();
        in_table(doc.as_table(), offset, &mut path).then_some(path)
    }

    /// A config error at `path`: `file:line: key `a.b[1]`: message`.
    fn error(&self, path: &[Seg], message: impl std::fmt::Display) -> Error {
        let origin = match self.span_of(path) {
            Some(span) => format!("{}:{}", self.origin, self.line_of(span.start)),
            None => self.origin.clone(),
        };
        Error::Config {
            origin,
            message: format!("key `{}`: {}", key_path(path), message),
        }
    }
}

fn key_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Seg::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

fn with(path: &[Seg], more: &[Seg]) -> Vec<Seg> {
    let mut v = path.to_vec();
    v.extend_from_slice(more);
    v
}

/// A rule during merging.
struct RuleState {
    spec: RuleSpec,
    info: RuleInfo,
    /// The file and key path its examples were written at, when it has some.
    examples_at: Option<(usize, Vec<Seg>)>,
}

/// The configuration being assembled, layer by layer.
#[derive(Default)]
struct State {
    rules: Vec<RuleState>,
    /// Rule id → index in `rules`. Keys are `Text`: the built-in ids are borrowed from the
    /// binary, so indexing 231 rules allocates nothing.
    index: HashMap<Text, usize>,
    /// Ids that may be named in `disable`, `enable` and `[[override]]` even when the rule is
    /// not loaded (the built-in ids under `--no-default-rules`).
    known: HashSet<Text>,
    allowlists: Vec<(AllowInfo, Allowlist)>,
    compat: (bool, Option<String>),
    sources: Vec<Source>,
}

/// Maps a `Rule::new`/`Rule::compile` error onto the key it is about.
fn rule_error_key(message: &str) -> Option<&'static str> {
    [
        ("`regex`", "regex"),
        ("`context`", "context"),
        ("`path`", "path"),
        ("secret_group", "secret_group"),
        ("keyword", "keywords"),
        ("check", "checks"),
    ]
    .into_iter()
    .find(|(needle, _)| message.contains(needle))
    .map(|(_, key)| key)
}

/// Builds and eagerly compiles a rule from a config file.
fn compile_rule(spec: RuleSpec, src: &Source, at: &[Seg]) -> Result<Rule> {
    let checked = Rule::new(spec, src.origin.clone()).and_then(|rule| {
        rule.compile()?;
        Ok(rule)
    });
    checked.map_err(|e| match e {
        Error::Rule { id, message, .. } => {
            let path = match rule_error_key(&message) {
                Some(key) => with(at, &[Seg::Key(key)]),
                None => with(at, &[Seg::Key("id")]),
            };
            src.error(&path, format!("rule {id:?}: {}", one_line(&message)))
        }
        other => other,
    })
}

fn compile_allow(spec: &AllowSpec, src: &Source, at: &[Seg]) -> Result<Allowlist> {
    Allowlist::from_spec(spec).map_err(|e| {
        let mut path = with(at, &[Seg::Key(e.field)]);
        if let Some(i) = e.index {
            path.push(Seg::Index(i));
        }
        src.error(&path, e.message)
    })
}

impl State {
    fn new(builtin: Vec<Rule>, no_default_rules: bool) -> State {
        let mut state = State::default();
        for rule in builtin {
            state.known.insert(rule.spec.id.clone());
            if no_default_rules {
                continue;
            }
            let id = rule.id().to_string();
            if let Some(allow) = &rule.spec.allow {
                // Built-in allowlists are validated by the test suite and compiled on first
                // use (see `Allowlist::deferred`).
                {
                    let list = Allowlist::deferred(allow);
                    state.allowlists.push((
                        AllowInfo {
                            origin: BUILTIN_ORIGIN.into(),
                            rule: Some(id.clone()),
                            spec: allow.clone(),
                        },
                        list,
                    ));
                }
            }
            state.index.insert(rule.spec.id.clone(), state.rules.len());
            state.rules.push(RuleState {
                info: RuleInfo {
                    id,
                    // `rules.toml:<line> (built in)`: where `tierzero rules` says it lives.
                    defined_in: rule.origin,
                    overridden: Vec::new(),
                    disabled_in: None,
                    enabled_in: None,
                },
                spec: rule.spec,
                examples_at: None,
            });
        }
        state
    }

    fn is_known(&self, id: &str) -> bool {
        self.index.contains_key(id) || self.known.contains(id)
    }

    /// Parses one config file and merges it in: rules, overrides, `disable`, `enable`,
    /// allowlists, `compat`, in that order.
    fn apply(&mut self, origin: String, text: String) -> Result<()> {
        let src = Source::new(origin, text);
        let file: ConfigFile = toml::from_str(&src.text).map_err(|e| {
            let message = one_line(e.message()).replace("unknown field", "unknown key");
            match e.span() {
                Some(span) => Error::Config {
                    origin: format!("{}:{}", src.origin, src.line_of(span.start)),
                    message: match src.key_at(span.start) {
                        Some(key) => format!("key `{key}`: {message}"),
                        None => message,
                    },
                },
                None => Error::Config {
                    origin: src.origin.clone(),
                    message,
                },
            }
        })?;
        let s = self.sources.len();
        let origin = src.origin.clone();

        for (i, spec) in file.rules.into_iter().enumerate() {
            let at = vec![Seg::Key("rules"), Seg::Index(i)];
            if let Some(&existing) = self.index.get(spec.id.as_ref()) {
                return Err(src.error(
                    &with(&at, &[Seg::Key("id")]),
                    format!(
                        "rule {:?} is already defined in {}; change it with an [[override]] table instead",
                        spec.id, self.rules[existing].info.defined_in
                    ),
                ));
            }
            let rule = compile_rule(spec, &src, &at)?;
            let spec = rule.spec;
            if let Some(allow) = &spec.allow {
                let list = compile_allow(allow, &src, &with(&at, &[Seg::Key("allow")]))?;
                self.allowlists.push((
                    AllowInfo {
                        origin: origin.clone(),
                        rule: Some(spec.id.to_string()),
                        spec: allow.clone(),
                    },
                    list,
                ));
            }
            let id = spec.id.to_string();
            let has_examples = !spec.examples.is_empty() || !spec.negative_examples.is_empty();
            self.index.insert(id.clone().into(), self.rules.len());
            self.rules.push(RuleState {
                spec,
                info: RuleInfo {
                    id,
                    defined_in: origin.clone(),
                    overridden: Vec::new(),
                    disabled_in: None,
                    enabled_in: None,
                },
                examples_at: has_examples.then_some((s, at)),
            });
        }

        for (i, ov) in file.overrides.iter().enumerate() {
            let at = vec![Seg::Key("override"), Seg::Index(i)];
            let Some(&r) = self.index.get(ov.id.as_str()) else {
                if self.known.contains(ov.id.as_str()) {
                    continue; // a built-in rule left out by --no-default-rules
                }
                return Err(src.error(
                    &with(&at, &[Seg::Key("id")]),
                    format!(
                        "unknown rule id {:?} (list them with `tierzero config`)",
                        ov.id
                    ),
                ));
            };
            let mut spec = self.rules[r].spec.clone();
            let fields = ov.apply_to(&mut spec);
            let rule = compile_rule(spec, &src, &at)?;
            if let Some(allow) = &ov.allow {
                let list = compile_allow(allow, &src, &with(&at, &[Seg::Key("allow")]))?;
                self.allowlists.push((
                    AllowInfo {
                        origin: origin.clone(),
                        rule: Some(ov.id.clone()),
                        spec: allow.clone(),
                    },
                    list,
                ));
            }
            let state = &mut self.rules[r];
            state.spec = rule.spec;
            if ov.examples.is_some() || ov.negative_examples.is_some() {
                state.examples_at = Some((s, at));
            }
            state.info.overridden.push((origin.clone(), fields));
        }

        for (key, list, disable) in [
            ("disable", &file.disable, true),
            ("enable", &file.enable, false),
        ] {
            for (i, id) in list.iter().enumerate() {
                let at = [Seg::Key(key), Seg::Index(i)];
                if !self.is_known(id) {
                    return Err(src.error(
                        &at,
                        format!("unknown rule id {id:?} (list them with `tierzero config`)"),
                    ));
                }
                if disable && file.enable.contains(id) {
                    return Err(src.error(&at, format!("rule {id:?} is both disabled and enabled")));
                }
                let Some(&r) = self.index.get(id.as_str()) else {
                    continue;
                };
                let info = &mut self.rules[r].info;
                if disable {
                    info.disabled_in = Some(origin.clone());
                    info.enabled_in = None;
                } else if info.disabled_in.is_some() {
                    info.enabled_in = Some(origin.clone());
                }
            }
        }

        if let Some(allow) = &file.allow {
            let list = compile_allow(allow, &src, &[Seg::Key("allow")])?;
            self.allowlists.push((
                AllowInfo {
                    origin: origin.clone(),
                    rule: None,
                    spec: allow.clone(),
                },
                list,
            ));
        }
        if let Some(compat) = file.compat {
            self.compat = (compat, Some(origin));
        }
        self.sources.push(src);
        Ok(())
    }

    /// Builds the rule set and checks every config rule's examples through the scanner.
    fn finish(self) -> Result<(RuleSet, Suppressor, Provenance)> {
        let mut rules = Vec::new();
        let mut to_check = Vec::new();
        let mut infos = Vec::new();
        for state in self.rules {
            infos.push(state.info.clone());
            if !state.info.is_active() {
                continue;
            }
            if let Some(at) = state.examples_at {
                to_check.push((rules.len(), at));
            }
            let origin = state.info.defined_in.clone();
            rules.push(Rule::new(state.spec, origin)?);
        }
        let set = RuleSet::new(rules)?;
        let mut suppressor = Suppressor {
            compat: self.compat.0,
            ..Default::default()
        };
        for (r, (s, at)) in to_check {
            let src = &self.sources[s];
            let fingerprints = check_examples(&set, r, src, &at)?;
            if let Some(name) = Path::new(&src.origin).file_name() {
                suppressor
                    .config_files
                    .insert(name.to_string_lossy().into_owned());
            }
            suppressor.config_examples.extend(fingerprints);
        }
        let active: HashSet<&str> = set.rules().iter().map(|r| r.id()).collect();
        let mut allow_infos = Vec::new();
        for (info, list) in self.allowlists {
            match &info.rule {
                None => suppressor.allowlists.push(list),
                Some(id) if active.contains(id.as_str()) => suppressor
                    .rule_allowlists
                    .entry(id.clone())
                    .or_default()
                    .push(list),
                Some(_) => {}
            }
            allow_infos.push(info);
        }
        let provenance = Provenance {
            rules: infos,
            allowlists: allow_infos,
            compat: self.compat,
            ..Default::default()
        };
        Ok((set, suppressor, provenance))
    }
}

/// Runs a rule's examples through the same engine path as a scan: each example must yield
/// a finding from this rule, each negative example none.
///
/// Returns the fingerprints of everything the examples produce, so that the config file
/// holding them is not blocked by its own test data.
fn check_examples(set: &RuleSet, r: usize, src: &Source, at: &[Seg]) -> Result<Vec<String>> {
    let rule = &set.rules()[r];
    let nothing_suppressed = Suppressor::default();
    let fingerprints = std::cell::RefCell::new(Vec::new());
    let found = |example: &Example| -> Result<bool> {
        let mut scanner = crate::engine::scanner::Scanner::new(set, &nothing_suppressed);
        crate::engine::scanner::scan_text(&mut scanner, example.path(), example.text().as_bytes())?;
        let findings = scanner.into_findings();
        fingerprints
            .borrow_mut()
            .extend(findings.iter().map(|f| f.fingerprint.clone()));
        Ok(findings.iter().any(|f| f.rule_id == rule.id()))
    };
    for (i, example) in rule.spec.examples.iter().enumerate() {
        if !found(example)? {
            return Err(src.error(
                &with(at, &[Seg::Key("examples"), Seg::Index(i)]),
                format!(
                    "rule {:?}: this example produces no finding from the rule",
                    rule.id()
                ),
            ));
        }
    }
    for (i, example) in rule.spec.negative_examples.iter().enumerate() {
        if found(example)? {
            return Err(src.error(
                &with(at, &[Seg::Key("negative_examples"), Seg::Index(i)]),
                format!(
                    "rule {:?}: this negative example produces a finding from the rule",
                    rule.id()
                ),
            ));
        }
    }
    Ok(fingerprints.into_inner())
}

/// The user's config file: `config.toml` in the platform config directory
/// (`$XDG_CONFIG_HOME/tierzero/config.toml` on Linux).
pub fn user_config_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tierzero").map(|d| d.config_dir().join("config.toml"))
}

/// Reads an optional layer: `Ok(None)` when the file does not exist.
fn read_optional(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| Error::Config {
                origin: path.display().to_string(),
                message: "not valid UTF-8".into(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path)(e)),
    }
}

/// Loads the effective configuration for a repository rooted at `root` (or none): the
/// layers, then `.tierzero-ignore` and `.tierzero-baseline.json` from the root.
pub fn load(root: Option<&Path>, opts: &ConfigOptions) -> Result<Loaded> {
    let mut layers = vec![LayerInfo {
        name: "built-in rules",
        origin: BUILTIN_ORIGIN.into(),
        status: if opts.no_default_rules {
            "skipped (--no-default-rules)".into()
        } else {
            "loaded".into()
        },
    }];
    let mut state = State::new(RuleSet::builtin_rules()?, opts.no_default_rules);

    let mut file_layer = |name: &'static str, path: &Path, required: bool| -> Result<()> {
        let origin = path.display().to_string();
        let text = if required {
            Some(std::fs::read_to_string(path).map_err(Error::io(path))?)
        } else {
            read_optional(path)?
        };
        let status = match text {
            Some(text) => {
                state.apply(origin.clone(), text)?;
                "loaded".to_string()
            }
            None => "not found".to_string(),
        };
        layers.push(LayerInfo {
            name,
            origin,
            status,
        });
        Ok(())
    };
    if let Some(path) = user_config_path() {
        file_layer("user config", &path, false)?;
    }
    let mut skipped_repo = None;
    match (&opts.config_file, root) {
        (Some(path), _) => {
            if let Some(root) = root {
                skipped_repo = Some(root.join(REPO_FILE).display().to_string());
            }
            file_layer("--config", path, true)?;
        }
        (None, Some(root)) => file_layer("repository config", &root.join(REPO_FILE), false)?,
        (None, None) => {}
    }

    if let Some(origin) = skipped_repo {
        let at = layers.len() - 1;
        layers.insert(
            at,
            LayerInfo {
                name: "repository config",
                origin,
                status: "skipped (--config)".into(),
            },
        );
    }
    let (rules, mut suppressor, mut provenance) = state.finish()?;
    provenance.layers = layers;
    if let Some(root) = root {
        let path = root.join(crate::policy::ignore::FILE_NAME);
        if let Some(ignored) = crate::policy::ignore::load(&path)? {
            provenance.ignore_file = Some((path, ignored.len()));
            suppressor.ignored = ignored;
        }
        let path = root.join(crate::policy::baseline::FILE_NAME);
        if let Some(baseline) = crate::policy::baseline::Baseline::load(&path)? {
            provenance.baseline = Some((path, baseline.entries.len()));
            suppressor.baseline = baseline.fingerprints();
        }
    }
    Ok(Loaded {
        rules,
        suppressor,
        provenance,
    })
}

/// Validates a single config file on its own (on top of the built-in rules), as
/// `tierzero import` does with what it wrote.
pub fn check_text(origin: &str, text: &str) -> Result<()> {
    let mut state = State::new(RuleSet::builtin_rules()?, false);
    state.apply(origin.to_string(), text.to_string())?;
    state.finish().map(|_| ())
}

fn describe_allow(spec: &AllowSpec) -> Vec<String> {
    let quote = |items: &[Text]| {
        items
            .iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out = Vec::new();
    if !spec.paths.is_empty() {
        out.push(format!("paths: {}", quote(&spec.paths)));
    }
    if !spec.regexes.is_empty() {
        let target = match Allowlist::from_spec(spec).map(|a| a.target) {
            Ok(AllowTarget::Line) => "line",
            _ => "secret",
        };
        out.push(format!(
            "regexes (against the {target}): {}",
            quote(&spec.regexes)
        ));
    }
    if !spec.stopwords.is_empty() {
        out.push(format!("stopwords: {}", quote(&spec.stopwords)));
    }
    out
}

/// The effective configuration as text, with the origin of every part (`tierzero config`).
pub fn describe(loaded: &Loaded) -> String {
    let p = &loaded.provenance;
    let mut out = String::new();
    let _ = writeln!(out, "Layers (lowest to highest):");
    for (i, layer) in p.layers.iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. {:<18} {}  [{}]",
            i + 1,
            layer.name,
            layer.origin,
            layer.status
        );
    }
    let _ = writeln!(
        out,
        "\ncompat = {}  ({})",
        p.compat.0,
        p.compat.1.as_deref().unwrap_or("default")
    );
    let active = p.rules.iter().filter(|r| r.is_active()).count();
    let _ = writeln!(
        out,
        "\nRules: {active} active, {} disabled",
        p.rules.len() - active
    );
    for r in &p.rules {
        let state = if !r.is_active() { "disabled" } else { "active" };
        let _ = writeln!(
            out,
            "  {:<36} {state:<8}  defined in {}",
            r.id, r.defined_in
        );
        for (origin, fields) in &r.overridden {
            let _ = writeln!(out, "      overridden in {origin}: {}", fields.join(", "));
        }
        if let Some(origin) = &r.disabled_in {
            let _ = writeln!(out, "      disabled in {origin}");
        }
        if let Some(origin) = &r.enabled_in {
            let _ = writeln!(out, "      re-enabled in {origin}");
        }
    }
    let _ = writeln!(out, "\nAllowlists:");
    if p.allowlists.is_empty() {
        let _ = writeln!(out, "  (none)");
    }
    for a in &p.allowlists {
        let scope = match &a.rule {
            None => "all rules".to_string(),
            Some(id) => format!("rule {id}"),
        };
        let _ = writeln!(out, "  {scope}, from {}:", a.origin);
        for line in describe_allow(&a.spec) {
            let _ = writeln!(out, "      {line}");
        }
    }
    let _ = writeln!(out, "\nSuppression files:");
    match &p.ignore_file {
        Some((path, n)) => {
            let _ = writeln!(
                out,
                "  ignore file  {}  ({n} fingerprint{})",
                path.display(),
                if *n == 1 { "" } else { "s" }
            );
        }
        None => {
            let _ = writeln!(out, "  ignore file  (none)");
        }
    }
    match &p.baseline {
        Some((path, n)) => {
            let _ = writeln!(
                out,
                "  baseline     {}  ({n} fingerprint{})",
                path.display(),
                if *n == 1 { "" } else { "s" }
            );
        }
        None => {
            let _ = writeln!(out, "  baseline     (none)");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str) -> Result<State> {
        let mut state = State::new(RuleSet::builtin_rules().unwrap(), false);
        state.apply("t.toml".into(), text.into())?;
        Ok(state)
    }

    fn err(text: &str) -> String {
        match apply(text).and_then(|s| s.finish().map(|_| ())) {
            Ok(()) => panic!("no error for {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors_name_the_line_and_key() {
        let e = err("compat = true\ncolour = 1\n");
        assert!(e.starts_with("t.toml:2:"), "{e}");
        assert!(e.contains("colour"), "{e}");
        let e = err("[allow]\nregexes = [\n  'ok',\n  '(',\n]\n");
        assert!(e.starts_with("t.toml:4: key `allow.regexes[1]`"), "{e}");
        let e = err("\n[[rules]]\nid = 'x'\nkeywords = ['x']\nregex = 'x('\n");
        assert!(e.starts_with("t.toml:5: key `rules[0].regex`"), "{e}");
        let e = err("disable = [\n 'openai-project-key',\n 'nope',\n]\n");
        assert!(e.starts_with("t.toml:3: key `disable[1]`"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn builtin_allowlists_compile() {
        for rule in RuleSet::builtin_rules().unwrap() {
            if let Some(allow) = &rule.spec.allow {
                assert!(Allowlist::from_spec(allow).is_ok(), "{}", rule.id());
            }
        }
    }

    #[test]
    fn override_changes_only_what_it_sets() {
        let state =
            apply("[[override]]\nid = 'aws-access-key-id'\ndescription = 'AWS key'\n").unwrap();
        let r = &state.rules[state.index["aws-access-key-id"]];
        assert_eq!(r.spec.description, "AWS key");
        assert!(r.spec.regex.is_some());
        assert_eq!(r.info.overridden[0].1, vec!["description"]);
    }
}
