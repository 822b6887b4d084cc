//! The keyword prefilter: one Aho-Corasick automaton over every rule's keywords, matched
//! ASCII-case-insensitively over the raw bytes (no lower-cased copies).
//!
//! When the keywords are the default rules' (or some of them: a config may disable rules),
//! the automaton is the one `build.rs` stored in the binary, used in place. Any other set
//! (a config file's rules bring their own keywords) is built by the aho-corasick crate on
//! first use: its NFA first, its DFA once enough input has been searched.
//!
//! It answers one question cheaply: which rules could match on which lines? It does not know
//! what a rule's regex is, and it never decides that something is a secret.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use crate::error::{Error, Result};
use crate::rules::builtin::{KEYWORDS, KEYWORD_DFA};

/// After this many bytes have been searched, the DFA is built and used. A contiguous NFA
/// builds about four times faster but searches about five times slower; below this
/// volume (a typical commit) building the DFA would cost more than it saves.
const DFA_AFTER_BYTES: usize = 128 * 1024;

/// Maps keyword hits to the rules that asked for them.
#[derive(Debug)]
pub struct Prefilter {
    /// The distinct keywords, folded to lower case, numbered as the automaton numbers them.
    /// Empty when the stored automaton of the default keywords serves.
    patterns: Vec<String>,
    /// Built on first use (or ahead of it by [`Prefilter::prewarm`] on another thread).
    nfa: OnceLock<std::result::Result<AhoCorasick, String>>,
    dfa: OnceLock<Option<AhoCorasick>>,
    searched: AtomicUsize,
    /// For each automaton pattern, the indices of the rules that use it.
    rules_by_pattern: Vec<Vec<u32>>,
}

fn builder(kind: AhoCorasickKind) -> aho_corasick::AhoCorasickBuilder {
    let mut b = AhoCorasick::builder();
    b.ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(Some(kind));
    b
}

impl Prefilter {
    /// Builds the automaton from `(rule index, keyword)` pairs. Keywords that differ only in
    /// ASCII case share one pattern.
    pub fn new<'a>(keywords: impl IntoIterator<Item = (u32, &'a str)>) -> Result<Prefilter> {
        let mut patterns: Vec<String> = Vec::new();
        let mut rules_by_pattern: Vec<Vec<u32>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = Default::default();
        for (rule, keyword) in keywords {
            let folded = keyword.to_ascii_lowercase();
            let slot = *index.entry(folded.clone()).or_insert_with(|| {
                patterns.push(folded);
                rules_by_pattern.push(Vec::new());
                patterns.len() - 1
            });
            if !rules_by_pattern[slot].contains(&rule) {
                rules_by_pattern[slot].push(rule);
            }
        }
        // Renumber onto the stored automaton when it knows every keyword; its extra
        // keywords (those of disabled rules) then map to no rule.
        let stored: Option<Vec<Vec<u32>>> = if patterns.len() <= KEYWORDS.len()
            && patterns.iter().zip(KEYWORDS).all(|(p, k)| p == k)
        {
            rules_by_pattern.resize(KEYWORDS.len(), Vec::new());
            Some(std::mem::take(&mut rules_by_pattern))
        } else {
            let position: std::collections::HashMap<&str, usize> =
                KEYWORDS.iter().enumerate().map(|(i, k)| (*k, i)).collect();
            let slots: Option<Vec<usize>> = patterns
                .iter()
                .map(|p| position.get(p.as_str()).copied())
                .collect();
            slots.map(|slots| {
                let mut renumbered = vec![Vec::new(); KEYWORDS.len()];
                for (slot, rules) in slots.into_iter().zip(&mut rules_by_pattern) {
                    renumbered[slot] = std::mem::take(rules);
                }
                renumbered
            })
        };
        if let Some(rules_by_pattern) = stored {
            return Ok(Prefilter {
                patterns: Vec::new(),
                nfa: OnceLock::new(),
                dfa: OnceLock::new(),
                searched: AtomicUsize::new(0),
                rules_by_pattern,
            });
        }
        Ok(Prefilter {
            patterns,
            nfa: OnceLock::new(),
            dfa: OnceLock::new(),
            searched: AtomicUsize::new(0),
            rules_by_pattern,
        })
    }

    /// Whether the automaton `build.rs` stored serves these keywords.
    pub fn is_stored(&self) -> bool {
        self.patterns.is_empty()
    }

    fn nfa(&self) -> Result<&AhoCorasick> {
        self.nfa
            .get_or_init(|| {
                builder(AhoCorasickKind::ContiguousNFA)
                    .build(&self.patterns)
                    .map_err(|e| e.to_string())
            })
            .as_ref()
            .map_err(|e| Error::Config {
                origin: "keywords".into(),
                message: format!("cannot build the keyword automaton: {e}"),
            })
    }

    /// The automaton for the next search: the NFA while little has been searched, then
    /// the DFA (falling back to the NFA should the DFA exceed its size limits).
    fn automaton(&self, haystack_len: usize) -> Result<&AhoCorasick> {
        let before = self.searched.fetch_add(haystack_len, Ordering::Relaxed);
        let nfa = self.nfa()?;
        if before + haystack_len < DFA_AFTER_BYTES {
            return Ok(nfa);
        }
        Ok(self
            .dfa
            .get_or_init(|| builder(AhoCorasickKind::DFA).build(&self.patterns).ok())
            .as_ref()
            .unwrap_or(nfa))
    }

    /// Calls `on_hit(start, rules)` for every keyword occurrence in `haystack`, overlapping
    /// ones included, in increasing order of end position. `start` is the byte offset of the
    /// keyword in `haystack`.
    pub fn for_each_hit(
        &self,
        haystack: &[u8],
        mut on_hit: impl FnMut(usize, &[u32]),
    ) -> Result<()> {
        if self.is_stored() {
            KEYWORD_DFA.for_each_match(haystack, |at, pattern| {
                let rules = &self.rules_by_pattern[pattern as usize];
                if !rules.is_empty() {
                    on_hit(at, rules);
                }
            });
            return Ok(());
        }
        for m in self
            .automaton(haystack.len())?
            .find_overlapping_iter(haystack)
        {
            on_hit(m.start(), &self.rules_by_pattern[m.pattern().as_usize()]);
        }
        Ok(())
    }

    /// The number of distinct keywords.
    pub fn keyword_count(&self) -> usize {
        self.rules_by_pattern
            .iter()
            .filter(|rules| !rules.is_empty())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::Prefilter;

    fn hits(p: &Prefilter, text: &str) -> Vec<(usize, Vec<u32>)> {
        let mut out = Vec::new();
        p.for_each_hit(text.as_bytes(), |at, rules| out.push((at, rules.to_vec())))
            .unwrap();
        out
    }

    #[test]
    fn case_insensitive_and_overlapping() {
        let p = Prefilter::new([(0, "sk-"), (1, "sk-proj-"), (2, "AKIA"), (3, "akia")]).unwrap();
        assert_eq!(p.keyword_count(), 3);
        let found = hits(&p, "x = SK-PROJ-abc akia");
        assert_eq!(found, vec![(4, vec![0]), (4, vec![1]), (16, vec![2, 3])]);
    }

    #[test]
    fn dfa_and_nfa_agree() {
        let p = Prefilter::new([(0, "sk-"), (1, "sk-proj-"), (2, "token")]).unwrap();
        let text = "a sk-proj-x TOKEN b\n".repeat(1 + super::DFA_AFTER_BYTES / 10);
        let small = hits(&p, "a sk-proj-x TOKEN b\n");
        let mut big = Vec::new();
        p.for_each_hit(text.as_bytes(), |at, rules| big.push((at, rules.to_vec())))
            .unwrap();
        assert!(p.dfa.get().is_some(), "the DFA is used after enough input");
        assert_eq!(&big[..small.len()], &small[..]);
        assert_eq!(big.len(), small.len() * (1 + super::DFA_AFTER_BYTES / 10));
    }

    /// The stored automaton serves the default keywords (and a subset of them), and finds
    /// exactly what the aho-corasick crate finds over the same keywords.
    #[test]
    fn stored_automaton_agrees_with_a_built_one() {
        let rules = crate::rules::RuleSet::builtin_rules().unwrap();
        let pairs: Vec<(u32, &str)> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_path_only())
            .flat_map(|(i, r)| r.spec.keywords.iter().map(move |k| (i as u32, k.as_ref())))
            .collect();
        let stored = Prefilter::new(pairs.iter().copied()).unwrap();
        assert!(stored.is_stored());
        let subset = Prefilter::new(pairs.iter().copied().filter(|(i, _)| i % 2 == 0)).unwrap();
        assert!(
            subset.is_stored(),
            "disabled rules leave a subset of the keywords"
        );
        let built = Prefilter::new(
            pairs
                .iter()
                .copied()
                .chain([(u32::MAX, "no-such-default-keyword")]),
        )
        .unwrap();
        assert!(!built.is_stored());
        let text = "OPENAI_API_KEY = 'sk-proj-abc' # token\npassword: Secret AKIA ghp_x xoxb-1 \
                    AIza sk-ant-api03- hvs. api_key=1 AccountKey=; Bearer glpat- npm_ 0.A";
        let mut a = hits(&stored, text);
        let mut b = hits(&built, text);
        assert!(a.len() > 15, "{a:?}");
        a.sort();
        b.sort();
        assert_eq!(a, b);
        let mut odd = hits(&subset, text);
        odd.retain(|(_, rules)| !rules.is_empty());
        assert!(odd
            .iter()
            .all(|(_, rules)| rules.iter().all(|r| r % 2 == 0)));
        assert!(!odd.is_empty() && odd.len() < a.len());
    }

    #[test]
    fn no_hits_on_clean_text() {
        let p = Prefilter::new([(0, "ghp_")]).unwrap();
        assert!(hits(&p, "fn main() { println!(\"hello\"); }").is_empty());
    }
}
