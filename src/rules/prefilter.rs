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
use crate::rules::builtin::{KEYWORDS, KEYWORD_DFA, KEYWORD_ORDER};

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
    /// The rules of automaton pattern `p` are `rules[starts[p]..starts[p + 1]]`.
    starts: Vec<u32>,
    rules: Vec<u32>,
}

/// The stored automaton's number for `keyword` (matched ignoring ASCII case), found
/// without allocating.
fn stored_pattern(keyword: &str) -> Option<u32> {
    let folded = || keyword.bytes().map(|b| b.to_ascii_lowercase());
    KEYWORD_ORDER
        .binary_search_by(|&i| KEYWORDS[usize::from(i)].bytes().cmp(folded()))
        .ok()
        .map(|at| u32::from(KEYWORD_ORDER[at]))
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
        let pairs: Vec<(u32, &str)> = keywords.into_iter().collect();
        // The stored automaton serves when it knows every keyword; its other keywords
        // (those of disabled rules) then map to no rule.
        let stored: Option<Vec<(u32, u32)>> = pairs
            .iter()
            .map(|&(rule, keyword)| Some((stored_pattern(keyword)?, rule)))
            .collect();
        let (patterns, mut links) = match stored {
            Some(links) => (Vec::new(), links),
            None => {
                let mut patterns: Vec<String> = Vec::new();
                let mut index: std::collections::HashMap<String, u32> = Default::default();
                let mut links = Vec::with_capacity(pairs.len());
                for &(rule, keyword) in &pairs {
                    let folded = keyword.to_ascii_lowercase();
                    let next = patterns.len() as u32;
                    let slot = *index.entry(folded.clone()).or_insert_with(|| {
                        patterns.push(folded);
                        next
                    });
                    links.push((slot, rule));
                }
                (patterns, links)
            }
        };
        links.sort_unstable();
        links.dedup();
        let count = if patterns.is_empty() {
            KEYWORDS.len()
        } else {
            patterns.len()
        };
        let mut starts = Vec::with_capacity(count + 1);
        let mut at = 0;
        for pattern in 0..=count as u32 {
            while at < links.len() && links[at].0 < pattern {
                at += 1;
            }
            starts.push(at as u32);
        }
        Ok(Prefilter {
            patterns,
            nfa: OnceLock::new(),
            dfa: OnceLock::new(),
            searched: AtomicUsize::new(0),
            starts,
            rules: links.into_iter().map(|(_, rule)| rule).collect(),
        })
    }

    /// The rules that asked for automaton pattern `pattern`.
    fn rules_of(&self, pattern: usize) -> &[u32] {
        &self.rules[self.starts[pattern] as usize..self.starts[pattern + 1] as usize]
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
                let rules = self.rules_of(pattern as usize);
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
            on_hit(m.start(), self.rules_of(m.pattern().as_usize()));
        }
        Ok(())
    }

    /// The number of distinct keywords.
    pub fn keyword_count(&self) -> usize {
        self.starts.windows(2).filter(|w| w[0] < w[1]).count()
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

    /// Random haystacks (every byte value, keywords and their prefixes in any case) give
    /// exactly the same hits, in the same order, from the stored automaton as from the
    /// aho-corasick crate over the same keywords; for the default keywords, and for a
    /// config's mix: rules disabled, a rule repeating default keywords in other cases and
    /// twice, a rule with a default keyword among non-alphanumeric ones.
    #[test]
    fn stored_automaton_agrees_with_the_crate_on_random_text() {
        use crate::rules::builtin::KEYWORDS;
        let rules = crate::rules::RuleSet::builtin_rules().unwrap();
        let defaults: Vec<(u32, &str)> = rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_path_only())
            .flat_map(|(i, r)| r.spec.keywords.iter().map(move |k| (i as u32, k.as_ref())))
            .collect();
        let n = rules.len() as u32;
        let upper: Vec<String> = KEYWORDS.iter().map(|k| k.to_ascii_uppercase()).collect();
        let mut mixed: Vec<(u32, &str)> = defaults
            .iter()
            .copied()
            .filter(|(i, _)| i % 3 != 1)
            .collect();
        mixed.extend(upper.iter().step_by(7).map(|k| (n, k.as_str())));
        mixed.extend(upper.iter().step_by(7).map(|k| (n, k.as_str())));
        mixed.extend([
            (n + 1, "+ast"),
            (n + 1, "sk-proj-"),
            (n + 1, "1//0"),
            (n, "AKIA"),
        ]);
        let mut rng = crate::rules::gate_tests::Rng(0x2545_f491_4f6c_dd1d);
        let mut total = 0;
        for pairs in [defaults, mixed] {
            let stored = Prefilter::new(pairs.iter().copied()).unwrap();
            assert!(stored.is_stored());
            let built = Prefilter::new(
                pairs
                    .iter()
                    .copied()
                    .chain([(u32::MAX, "\u{1}no-such-default-keyword")]),
            )
            .unwrap();
            assert!(!built.is_stored());
            for _ in 0..3_000 {
                let mut hay = Vec::new();
                for _ in 0..rng.below(12) {
                    match rng.below(4) {
                        0 => hay.push(rng.below(256) as u8),
                        1 => {
                            let k = KEYWORDS[rng.below(KEYWORDS.len())].as_bytes();
                            hay.extend_from_slice(&k[..1 + rng.below(k.len())]);
                        }
                        _ => hay.extend_from_slice(KEYWORDS[rng.below(KEYWORDS.len())].as_bytes()),
                    }
                }
                match rng.below(3) {
                    0 => hay.make_ascii_uppercase(),
                    1 => hay
                        .iter_mut()
                        .filter(|_| rng.below(2) == 0)
                        .for_each(|b| b.make_ascii_uppercase()),
                    _ => {}
                }
                let collect = |p: &Prefilter| {
                    let mut out = Vec::new();
                    p.for_each_hit(&hay, |at, rules| out.push((at, rules.to_vec())))
                        .unwrap();
                    out.retain(|(_, rules)| rules != &[u32::MAX]);
                    out
                };
                let got = collect(&stored);
                total += got.len();
                assert_eq!(got, collect(&built), "{:?}", String::from_utf8_lossy(&hay));
            }
        }
        assert!(total > 20_000, "{total}");
    }

    #[test]
    fn no_hits_on_clean_text() {
        let p = Prefilter::new([(0, "ghp_")]).unwrap();
        assert!(hits(&p, "fn main() { println!(\"hello\"); }").is_empty());
    }
}
