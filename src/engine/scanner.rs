//! The scanner: one unit's added lines in, redacted findings out.
//!
//! For each file this module runs the keyword prefilter over the added bytes, gathers for
//! each line the rules whose keywords hit on it, runs only those rules' regexes and only on
//! that line, drops placeholders, keeps one finding per secret (the most specific rule
//! wins), and asks `suppress` whether the finding was allowed. It turns each secret into a
//! redacted [`Finding`] on the spot, so the secret never leaves this module.
//!
//! It knows nothing about where the bytes came from (index, commit, file on disk), how
//! findings are printed, or what a user should run to undo a change: the report decides
//! that from the scan mode.

use crate::error::Result;
use crate::input::{Content, Encoding, Hunk, Unit};
use crate::policy::suppress::{LineContext, Suppressor};
use crate::report::finding::{fingerprint, redact, Finding, Remediation, SuppressedBy};
use crate::rules::placeholder::is_placeholder;
use crate::rules::{RuleSet, SecretSpan, MAX_REQUIRED};

/// A secret located by a rule, before it is redacted.
#[derive(Clone, Debug)]
struct Candidate {
    rule: u32,
    /// Absolute byte range of the secret in the file content.
    secret: std::ops::Range<usize>,
    /// Absolute byte range of the line the keyword hit on (without its terminator).
    line: std::ops::Range<usize>,
    line_no: u32,
}

/// One line with keyword hits, and the rules to run on it (a slice of `Scratch::rules`).
struct LineJob {
    start: usize,
    end: usize,
    line_no: u32,
    rules: std::ops::Range<usize>,
    /// On a long line, its keyword hits (a slice of `Scratch::hits`).
    hits: std::ops::Range<usize>,
}

/// A line longer than this is searched only near its keyword hits, so that each rule costs
/// the windows around its hits rather than the whole line per rule.
const LONG_LINE: usize = 16 * 1024;

/// How far before and after a keyword hit on a long line a rule's match may reach.
const HIT_REACH: usize = 4 * 1024;

/// A run of base64 characters at least this long is encoded data (an image, a recorded
/// body): a keyword inside it is chance, and only rules whose keyword is a token prefix
/// (`AKIA`, `sk-`) still run for it.
const LONG_RUN: usize = 1024;

/// The base64 alphabets: letters, digits, `+` and `/` (standard), `-` and `_` (URL-safe).
fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Whether `at` lies in a run of base64 characters of at least [`LONG_RUN`] bytes; `run`
/// caches the last run measured, so a run is measured once however many hits it holds.
fn in_long_run(chunk: &[u8], at: usize, run: &mut std::ops::Range<usize>) -> bool {
    if !run.contains(&at) {
        if !is_b64(chunk[at]) {
            return false;
        }
        let start = chunk[..at]
            .iter()
            .rposition(|&b| !is_b64(b))
            .map_or(0, |i| i + 1);
        let end = chunk[at..]
            .iter()
            .position(|&b| !is_b64(b))
            .map_or(chunk.len(), |i| at + i);
        *run = start..end;
    }
    run.len() >= LONG_RUN
}

/// Buffers reused across files so the hot path does not allocate per line.
#[derive(Default)]
struct Scratch {
    /// For each rule, the sequence number of the last line it was queued for.
    queued_on: Vec<u32>,
    line_seq: u32,
    rules: Vec<u32>,
    jobs: Vec<LineJob>,
    spans: Vec<SecretSpan>,
    candidates: Vec<Candidate>,
    /// Keyword hits `(rule, offset in the hunk)` on long lines.
    hits: Vec<(u32, usize)>,
    /// Windows of one rule on one long line.
    windows: Vec<std::ops::Range<usize>>,
    /// For each rule: whether its keywords are token prefixes (see [`unmistakable`]).
    prefix_rule: Vec<bool>,
    /// For each rule's required literals (`MAX_REQUIRED` slots per rule): the hunk sequence
    /// number and the literal's next offset in that hunk (`usize::MAX`: none after the
    /// last line looked at).
    literal_at: Vec<(u32, usize)>,
    hunk_seq: u32,
}

/// Scans files against a rule set and collects findings.
pub struct Scanner<'a> {
    rules: &'a RuleSet,
    suppressor: &'a Suppressor,
    scratch: Scratch,
    findings: Vec<Finding>,
    /// The last unit's path as reports show it (see [`Scanner::display_path`]).
    display_path: String,
    /// Only rules of unmistakable shape run (a binary's printable runs).
    only_unmistakable: bool,
    /// Whether path-only rules run (not when a caller asks about content alone).
    path_rules: bool,
}

impl<'a> Scanner<'a> {
    /// A scanner over `rules`, consulting `suppressor` for every finding.
    pub fn new(rules: &'a RuleSet, suppressor: &'a Suppressor) -> Scanner<'a> {
        Scanner {
            rules,
            suppressor,
            scratch: Scratch {
                queued_on: vec![u32::MAX; rules.rules().len()],
                prefix_rule: rules.rules().iter().map(unmistakable).collect(),
                literal_at: vec![(u32::MAX, 0); rules.rules().len() * MAX_REQUIRED],
                ..Default::default()
            },
            findings: Vec::new(),
            display_path: String::new(),
            only_unmistakable: false,
            path_rules: true,
        }
    }

    /// Runs content rules only: a caller that asks whether a text (an agent's command, a
    /// write's content) holds a secret, and checks paths separately, does not pay for
    /// compiling every path rule.
    pub fn content_only(mut self) -> Self {
        self.path_rules = false;
        self
    }

    /// Everything found so far, suppressed findings included (marked as such).
    pub fn into_findings(self) -> Vec<Finding> {
        self.findings
    }

    /// Takes the findings collected so far, leaving the scanner ready for more.
    pub fn take_findings(&mut self) -> Vec<Finding> {
        std::mem::take(&mut self.findings)
    }

    /// Scans one unit: path rules on its path, content rules on its added lines, and the
    /// multi-line secrets (a PEM block) that an added line falls inside.
    pub fn scan_unit(&mut self, unit: &Unit<'_>) -> Result<()> {
        self.display_path = self.path_secrets(unit.path)?;
        self.scratch.candidates.clear();
        let link_hunk;
        let content = match unit.content {
            Content::Text { bytes, hunks } => {
                self.path_rules(unit)?;
                self.scan_hunks(unit.path, bytes, hunks)?;
                bytes
            }
            Content::Decoded { bytes, hunks, from } => {
                self.path_rules(unit)?;
                // A binary's printable runs are made of whatever bytes happen to be
                // printable: only rules whose shape cannot occur by chance run on them.
                self.only_unmistakable = from == Encoding::BinaryStrings;
                let scanned = self.scan_hunks(unit.path, bytes, hunks);
                self.only_unmistakable = false;
                scanned?;
                bytes
            }
            // A link named `.env` commits no secret: only its target text is scanned.
            Content::LinkTarget(target) => {
                link_hunk = Hunk::whole(target);
                self.scan_hunks(unit.path, target, link_hunk.as_slice())?;
                target
            }
            Content::Skipped(_) | Content::PathOnly => {
                self.path_rules(unit)?;
                &[]
            }
        };
        let display = std::mem::take(&mut self.display_path);
        let emitted = self.emit(unit.path, &display, content);
        self.display_path = display;
        emitted
    }

    fn scan_hunks(&mut self, path: &[u8], bytes: &[u8], hunks: &[Hunk]) -> Result<()> {
        for hunk in hunks {
            self.scan_hunk(path, bytes, hunk)?;
        }
        if !hunks.is_empty() && !self.rules.multiline_rules().is_empty() {
            self.multiline_context(path, bytes, hunks)?;
        }
        Ok(())
    }

    /// Multi-line secrets edited in place: a PEM key whose body is replaced while its
    /// BEGIN and END lines stay has no keyword on any added line. For each hunk, the
    /// keywords of multi-line rules are looked for in the unchanged lines before it (as far
    /// back as a multi-line match can reach); a match found from there that covers an
    /// added line is a finding.
    fn multiline_context(&mut self, path: &[u8], bytes: &[u8], hunks: &[Hunk]) -> Result<()> {
        let window = self.rules.multiline_window();
        let mut hits: Vec<(usize, u32)> = Vec::new();
        let mut scanned_to = 0usize;
        for hunk in hunks {
            let from = hunk.bytes.start.saturating_sub(window).max(scanned_to);
            let region = &bytes[from..hunk.bytes.start];
            scanned_to = hunk.bytes.end;
            if region.is_empty() {
                continue;
            }
            let multiline = self.rules.multiline_rules();
            self.rules
                .prefilter()
                .for_each_hit(region, |at, rule_ids| {
                    for &rule in rule_ids {
                        if multiline.contains(&rule) {
                            hits.push((from + at, rule));
                        }
                    }
                })?;
        }
        hits.dedup();
        let covers_added = |span: &std::ops::Range<usize>| {
            hunks
                .iter()
                .any(|h| span.start < h.bytes.end && h.bytes.start < span.end)
        };
        for (at, index) in hits {
            let rule = self.rules.rule(index);
            if rule.spec.path.is_some() && !rule.path_matches(path)? {
                continue;
            }
            let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
            let end = memchr::memchr(b'\n', &bytes[start..]).map_or(bytes.len(), |i| start + i);
            let mut line = &bytes[start..end];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            let haystack = &bytes[start..bytes.len().min(start + window)];
            self.scratch.spans.clear();
            rule.find(haystack, line, &mut self.scratch.spans)?;
            let line_no = 1 + memchr::memchr_iter(b'\n', &bytes[..start]).count() as u32;
            for span in &self.scratch.spans {
                let secret = start + span.secret.start..start + span.secret.end;
                if covers_added(&secret) {
                    self.scratch.candidates.push(Candidate {
                        rule: index,
                        secret,
                        line: start..start + line.len(),
                        line_no,
                    });
                }
            }
        }
        Ok(())
    }

    /// The path of the last unit as reports may show it: a key in a file or directory name
    /// is committed too, so it is found like any other and shown redacted.
    pub fn display_path(&self) -> &str {
        &self.display_path
    }

    /// Scans a unit's path as one line of text: findings for any secret in it, and the
    /// path with each secret replaced by its preview.
    fn path_secrets(&mut self, path: &[u8]) -> Result<String> {
        self.scratch.candidates.clear();
        let whole = Hunk {
            bytes: 0..path.len(),
            first_line: 1,
        };
        self.scan_hunk(path, path, &whole)?;
        let candidates = &mut self.scratch.candidates;
        candidates.retain(|c| !c.secret.is_empty() && !is_placeholder(&path[c.secret.clone()]));
        if candidates.is_empty() {
            return Ok(String::from_utf8_lossy(path).into_owned());
        }
        let kept = resolve_overlaps(self.rules, std::mem::take(candidates));
        let mut display = Vec::with_capacity(path.len());
        let mut at = 0;
        for c in &kept {
            display.extend_from_slice(&path[at..c.secret.start]);
            display.extend_from_slice(redact(&path[c.secret.clone()]).as_bytes());
            at = c.secret.end;
        }
        display.extend_from_slice(&path[at..]);
        let display = String::from_utf8_lossy(&display).into_owned();
        self.scratch.candidates = kept;
        self.emit(path, &display, path)?;
        Ok(display)
    }

    fn path_rules(&mut self, file: &Unit<'_>) -> Result<()> {
        if !self.path_rules {
            return Ok(());
        }
        for &index in self.rules.path_only() {
            if self.rules.rule(index).path_matches(file.path)? {
                self.scratch.candidates.push(Candidate {
                    rule: index,
                    secret: 0..0,
                    line: 0..0,
                    line_no: 0,
                });
            }
        }
        Ok(())
    }

    fn scan_hunk(&mut self, path: &[u8], content: &[u8], hunk: &Hunk) -> Result<()> {
        let chunk = &content[hunk.bytes.clone()];
        let scratch = &mut self.scratch;
        scratch.jobs.clear();
        scratch.rules.clear();
        scratch.hits.clear();
        scratch.hunk_seq = scratch.hunk_seq.wrapping_add(1);

        // Pass 1: keyword hits, grouped by line. Hits arrive in order of end position and no
        // keyword spans a newline, so lines arrive in order.
        let mut line_end = 0usize;
        let mut counted_upto = 0usize;
        let mut line_no = hunk.first_line;
        let mut open = false;
        let mut long = false;
        let mut run = 0..0;
        self.rules.prefilter().for_each_hit(chunk, |at, rule_ids| {
            if !open || at >= line_end {
                let start = memchr::memrchr(b'\n', &chunk[..at]).map_or(0, |i| i + 1);
                line_no += memchr::memchr_iter(b'\n', &chunk[counted_upto..start]).count() as u32;
                counted_upto = start;
                line_end = memchr::memchr(b'\n', &chunk[at..]).map_or(chunk.len(), |i| at + i);
                long = line_end - start > LONG_LINE;
                scratch.line_seq = scratch.line_seq.wrapping_add(1);
                let first = scratch.rules.len();
                let hits = scratch.hits.len();
                scratch.jobs.push(LineJob {
                    start,
                    end: line_end,
                    line_no,
                    rules: first..first,
                    hits: hits..hits,
                });
                open = true;
            }
            let encoded = in_long_run(chunk, at, &mut run);
            for &rule in rule_ids {
                if encoded && !scratch.prefix_rule[rule as usize] {
                    continue;
                }
                if long {
                    scratch.hits.push((rule, at));
                }
                let slot = &mut scratch.queued_on[rule as usize];
                if *slot != scratch.line_seq {
                    *slot = scratch.line_seq;
                    scratch.rules.push(rule);
                }
            }
            if let Some(job) = scratch.jobs.last_mut() {
                job.rules.end = scratch.rules.len();
                job.hits.end = scratch.hits.len();
            }
        })?;

        // Pass 2: the regexes of the rules that hit, on their lines only (on a long line,
        // only near the rule's hits).
        let base = hunk.bytes.start;
        let window = self.rules.multiline_window();
        for job in &mut scratch.jobs {
            let mut line = &chunk[job.start..job.end];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            scratch.hits[job.hits.clone()].sort_unstable();
            for &index in &scratch.rules[job.rules.clone()] {
                let rule = self.rules.rule(index);
                if rule.spec.path.is_some() && !rule.path_matches(path)? {
                    continue;
                }
                if self.only_unmistakable && !unmistakable(rule) {
                    continue;
                }
                scratch.spans.clear();
                if rule.is_multiline() {
                    let end = chunk.len().min(job.start + window);
                    // A window without one of the rule's required literals cannot match:
                    // skip it without searching, so a keyword on every line does not cost
                    // a window per line. Each literal's next offset is found once per hunk
                    // and reused while it lies ahead.
                    let mut lacks = false;
                    for (k, literal) in rule.required_literals().iter().enumerate() {
                        let slot = index as usize * MAX_REQUIRED + k;
                        let (seq, next) = &mut scratch.literal_at[slot];
                        if *seq != scratch.hunk_seq || (*next != usize::MAX && *next < job.start) {
                            *seq = scratch.hunk_seq;
                            *next = memchr::memmem::find(&chunk[job.start..], literal)
                                .map_or(usize::MAX, |i| job.start + i);
                        }
                        if *next == usize::MAX || *next + literal.len() > end {
                            lacks = true;
                            break;
                        }
                    }
                    if lacks {
                        continue;
                    }
                    rule.find(&chunk[job.start..end], line, &mut scratch.spans)?;
                } else if job.hits.is_empty() {
                    rule.find(line, line, &mut scratch.spans)?;
                } else {
                    // A long line: the windows around this rule's hits, merged; each is
                    // also the line its `context` must match on.
                    scratch.windows.clear();
                    let hits = &scratch.hits[job.hits.clone()];
                    let first = hits.partition_point(|&(r, _)| r < index);
                    for &(_, at) in hits[first..].iter().take_while(|&&(r, _)| r == index) {
                        let at = at - job.start;
                        let w = at.saturating_sub(HIT_REACH)..line.len().min(at + HIT_REACH);
                        match scratch.windows.last_mut() {
                            Some(last) if w.start <= last.end => last.end = last.end.max(w.end),
                            _ => scratch.windows.push(w),
                        }
                    }
                    for w in &scratch.windows {
                        let (hay, window) = (&line[..w.end], &line[w.clone()]);
                        rule.find_from(hay, w.start, window, &mut scratch.spans)?;
                    }
                }
                for span in &scratch.spans {
                    let abs = base + job.start;
                    scratch.candidates.push(Candidate {
                        rule: index,
                        secret: abs + span.secret.start..abs + span.secret.end,
                        line: abs..abs + line.len(),
                        line_no: job.line_no,
                    });
                }
            }
        }
        Ok(())
    }

    /// Drops placeholders and overlaps, then redacts, fingerprints and suppresses.
    fn emit(&mut self, file_path: &[u8], display_path: &str, content: &[u8]) -> Result<()> {
        let rules = self.rules;
        let candidates = &mut self.scratch.candidates;
        let (placeholders, real): (Vec<Candidate>, Vec<Candidate>) = std::mem::take(candidates)
            .into_iter()
            .partition(|c| !c.secret.is_empty() && is_placeholder(&content[c.secret.clone()]));
        let mut kept = resolve_overlaps(rules, real);
        // A placeholder is reported as suppressed (so it is counted and listed under
        // --verbose), unless a real secret of another rule covers the same bytes.
        let overlaps = |a: &Candidate, b: &Candidate| {
            a.secret.start < b.secret.end && b.secret.start < a.secret.end
        };
        let placeholders: Vec<Candidate> = resolve_overlaps(rules, placeholders)
            .into_iter()
            .filter(|p| !kept.iter().any(|k| overlaps(k, p)))
            .collect();
        let first_placeholder = kept.len();
        kept.extend(placeholders);
        let path = display_path.to_string();
        // Columns are counted from the previous finding on the same line, not from the
        // line start each time: a long line with many findings stays linear.
        let mut column_at: (usize, usize, u32) = (usize::MAX, 0, 1);
        for (i, c) in kept.iter().enumerate() {
            let rule = rules.rule(c.rule);
            let is_path_rule = c.secret.is_empty();
            let (secret, preview) = if is_path_rule {
                (file_path, "(whole file)".to_string())
            } else {
                let s = &content[c.secret.clone()];
                (s, redact(s))
            };
            let line = &content[c.line.clone()];
            let column = if is_path_rule || c.secret.start >= c.line.end {
                1
            } else {
                let (line_start, at, column) = column_at;
                let column = if line_start == c.line.start && at <= c.secret.start {
                    column + char_count(&content[at..c.secret.start])
                } else {
                    1 + char_count(&content[c.line.start..c.secret.start])
                };
                column_at = (c.line.start, c.secret.start, column);
                column
            };
            let fp = fingerprint(rule.id(), secret);
            let previous_line = previous_line(content, c.line.start);
            let suppressed_by = if i >= first_placeholder {
                Some(SuppressedBy::Placeholder)
            } else if crate::rules::public::is_public_key_rule(rule) {
                Some(SuppressedBy::PublicKey)
            } else {
                self.suppressor.check(
                    rule,
                    &LineContext {
                        path: &path,
                        line,
                        previous_line,
                        secret,
                        fingerprint: &fp,
                    },
                )?
            };
            let spec = &rule.spec;
            self.findings.push(Finding {
                rule_id: rule.id().to_string(),
                description: spec.description.to_string(),
                name: spec.name.as_ref().map(|n| n.to_string()),
                path: path.clone(),
                line: c.line_no.max(1),
                column,
                preview,
                secret_length: if is_path_rule { 0 } else { secret.len() },
                fingerprint: fp,
                remediation: Remediation {
                    env_var: spec.env_var.as_ref().map(|s| s.to_string()),
                    rotate_url: spec.rotate_url.as_ref().map(|s| s.to_string()),
                    keyless: spec.keyless.as_ref().map(|s| s.to_string()),
                },
                commit: None,
                suppressed_by,
            });
        }
        *candidates = kept;
        candidates.clear();
        Ok(())
    }
}

/// Whether `rule` finds a shape that does not occur by chance in a binary's printable runs:
/// not a generic or path rule, and every keyword is a token prefix (`sk-proj-`, `ghp_`,
/// `AKIA`, `-----BEGIN`, `xoxb-`), not a word (`twilio`, `secret`) that context rules need.
fn unmistakable(rule: &crate::rules::Rule) -> bool {
    let spec = &rule.spec;
    let token_like = |k: &str| {
        k.len() >= 3
            && (k
                .bytes()
                .any(|b| b"_-.:".contains(&b) || b.is_ascii_digit())
                || (k.len() >= 4 && k.bytes().all(|b| b.is_ascii_uppercase())))
    };
    !spec.generic
        && spec.path.is_none()
        && !spec.keywords.is_empty()
        && spec.keywords.iter().all(|k| token_like(k))
}

/// Keeps one candidate per secret: where spans overlap, a specific rule beats a generic
/// one, a team's own rule (from a config file) beats a built-in one — it names their
/// format and carries their remediation — then the longer secret wins, then the rule
/// listed first.
fn resolve_overlaps(rules: &RuleSet, mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    if candidates.len() < 2 {
        return candidates;
    }
    candidates.sort_by_key(|c| (c.secret.start, std::cmp::Reverse(c.secret.end), c.rule));
    let better = |a: &Candidate, b: &Candidate| {
        let rank = |c: &Candidate| {
            let rule = rules.rule(c.rule);
            (
                rule.spec.generic,
                rule.is_builtin(),
                std::cmp::Reverse(c.secret.len()),
                c.rule,
            )
        };
        rank(a) < rank(b)
    };
    let mut kept: Vec<Candidate> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let overlapping = |k: &Candidate| {
            !c.secret.is_empty()
                && !k.secret.is_empty()
                && k.secret.start < c.secret.end
                && c.secret.start < k.secret.end
        };
        match kept.iter().rposition(overlapping) {
            Some(i) => {
                if better(&c, &kept[i]) {
                    kept[i] = c;
                }
            }
            None => kept.push(c),
        }
    }
    kept
}

/// The line before the one starting at `line_start`, without its terminator.
fn previous_line(content: &[u8], line_start: usize) -> Option<&[u8]> {
    if line_start == 0 {
        return None;
    }
    let end = line_start - 1;
    let start = memchr::memrchr(b'\n', &content[..end]).map_or(0, |i| i + 1);
    let mut line = &content[start..end];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    Some(line)
}

/// Characters in `bytes`, counting each UTF-8 sequence (or stray byte) once.
fn char_count(bytes: &[u8]) -> u32 {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count() as u32
}

/// Scans `text` as the whole content of a file at `path`, every line added: rule examples
/// and tests. Sources go through the driver instead.
pub fn scan_text(scanner: &mut Scanner<'_>, path: &str, text: &[u8]) -> Result<()> {
    let hunks: Vec<Hunk> = Hunk::whole(text).into_iter().collect();
    scanner.scan_unit(&Unit {
        path: path.as_bytes(),
        content: Content::Text {
            bytes: text,
            hunks: &hunks,
        },
        origin: crate::input::Origin::Stdin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Rule, RuleSpec};

    fn rule(id: &str, keyword: &str, regex: &str, generic: bool) -> Rule {
        Rule::new(
            RuleSpec {
                id: id.to_string().into(),
                keywords: vec![keyword.to_string().into()],
                regex: Some(regex.to_string().into()),
                generic,
                ..Default::default()
            },
            "test",
        )
        .unwrap()
    }

    fn scan(rules: Vec<Rule>, path: &str, text: &str) -> Vec<Finding> {
        let set = RuleSet::new(rules).unwrap();
        let suppressor = Suppressor::default();
        let mut scanner = Scanner::new(&set, &suppressor);
        scan_text(&mut scanner, path, text.as_bytes()).unwrap();
        scanner.into_findings()
    }

    #[test]
    fn line_numbers_and_columns() {
        let text = "a\nb\n  tok_Q8zR4mW9pL2x\nc\nx = \"tok_Z3kP9qW2vB7n\"\n";
        let found = scan(
            vec![rule("t", "tok_", r"(tok_[A-Za-z0-9]{12})", false)],
            "f",
            text,
        );
        let at: Vec<(u32, u32)> = found.iter().map(|f| (f.line, f.column)).collect();
        assert_eq!(at, vec![(3, 3), (5, 6)]);
    }

    #[test]
    fn columns_count_characters_and_crlf_is_stripped() {
        let text = "é = tok_Q8zR4mW9pL2x\r\n";
        let found = scan(
            vec![rule("t", "tok_", r"(tok_[A-Za-z0-9]{12})$", false)],
            "f",
            text,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].column, 5);
    }

    #[test]
    fn specific_rule_silences_generic_on_the_same_secret() {
        let rules = vec![
            rule("generic", "key", r#"key\s*=\s*"([^"]{8,})""#, true),
            rule("specific", "tok_", r"(tok_[A-Za-z0-9]{12})", false),
        ];
        let found = scan(rules, "f", "key = \"tok_Q8zR4mW9pL2x\"\n");
        let ids: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
        assert_eq!(ids, vec!["specific"]);
    }

    #[test]
    fn placeholders_are_dropped_and_preview_is_redacted() {
        let r = || rule("t", "tok_", r"(tok_[A-Za-z0-9]{12})", false);
        // Dropped as a placeholder, but counted and shown as suppressed like any other.
        let placeholder = scan(vec![r()], "f", "tok_xxxxxxxxxxxx\n");
        assert_eq!(placeholder.len(), 1);
        assert_eq!(
            placeholder[0].suppressed_by,
            Some(SuppressedBy::Placeholder)
        );
        let found = scan(vec![r()], "f", "tok_Q8zR4mW9pL2x\n");
        assert_eq!(found[0].preview, "tok_Q8zR4mW9pL2x"[..2].to_string() + "…");
    }

    #[test]
    fn keyword_on_many_lines_runs_each_rule_once_per_line() {
        let text = "tok_ tok_ tok_Q8zR4mW9pL2x tok_\nnothing\ntok_Z3kP9qW2vB7n\n";
        let found = scan(
            vec![rule("t", "tok_", r"(tok_[A-Za-z0-9]{12})", false)],
            "f",
            text,
        );
        assert_eq!(found.len(), 2);
        assert_eq!((found[0].line, found[1].line), (1, 3));
    }
}
