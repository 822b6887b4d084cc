//! The keyword automaton itself: Aho-Corasick as a full DFA over byte classes, matching
//! ASCII-case-insensitively and reporting every occurrence, overlapping ones included.
//!
//! It exists so that the default rules' automaton costs nothing at start: `build.rs`
//! builds it from their keywords and stores the tables in the binary, where a run uses
//! them in place (building it at run time cost about a tenth of a typical commit's scan).
//! Keyword sets that differ from the default ones (a config file's rules) go to the
//! aho-corasick crate instead (see `prefilter`); `build` runs only in `build.rs` and the
//! tests. This module knows nothing of rules: patterns are numbered in the
//! order given, and `prefilter` maps them to rules. `build.rs` includes this file with
//! `#[path]`, so it depends on nothing but `std`.

use std::borrow::Cow;

/// Set on a transition whose target state ends at least one pattern.
const MATCH: u32 = 1 << 31;

/// A keyword DFA: owned when built at run time, borrowed from static tables when built by
/// `build.rs`.
#[derive(Clone, Debug)]
pub struct KeywordDfa {
    /// Byte → class (ASCII letters fold to their lower-case class; bytes in no pattern share
    /// class 0).
    classes: Cow<'static, [u8]>,
    /// `trans[state + class]` is the next state, premultiplied by the number of classes,
    /// with [`MATCH`] set when it ends a pattern. State 0 is the start.
    trans: Cow<'static, [u32]>,
    /// The patterns state `s` ends are `matches[ends[s / stride]..ends[s / stride + 1]]`.
    ends: Cow<'static, [u32]>,
    matches: Cow<'static, [u32]>,
    /// Each pattern's length, to turn an end offset into a start.
    lens: Cow<'static, [u32]>,
    stride: u32,
}

impl KeywordDfa {
    #[cfg_attr(not(test), allow(dead_code))] // The library uses the tables build.rs built.
    /// Builds the automaton. Patterns are matched ASCII-case-insensitively; empty ones never
    /// match. `None` when the automaton would not fit its 31-bit state ids.
    pub fn build<S: AsRef<[u8]>>(patterns: &[S]) -> Option<KeywordDfa> {
        let mut classes = [0u8; 256];
        let mut next_class = 1u32;
        for p in patterns {
            for &b in p.as_ref() {
                let folded = b.to_ascii_lowercase();
                if classes[usize::from(folded)] == 0 {
                    classes[usize::from(folded)] = u8::try_from(next_class).ok()?;
                    next_class += 1;
                }
            }
        }
        for upper in b'A'..=b'Z' {
            classes[usize::from(upper)] = classes[usize::from(upper.to_ascii_lowercase())];
        }
        let stride = next_class as usize;
        // The trie: `goto[s * stride + c]`, `NONE` where there is no edge yet.
        const NONE: u32 = u32::MAX;
        let mut goto: Vec<u32> = vec![NONE; stride];
        let mut outputs: Vec<Vec<u32>> = vec![Vec::new()];
        for (id, p) in patterns.iter().enumerate() {
            let p = p.as_ref();
            if p.is_empty() {
                continue;
            }
            let mut s = 0usize;
            for &b in p {
                let c = usize::from(classes[usize::from(b)]);
                s = match goto[s * stride + c] {
                    NONE => {
                        let new = outputs.len();
                        goto[s * stride + c] = u32::try_from(new).ok()?;
                        goto.resize(goto.len() + stride, NONE);
                        outputs.push(Vec::new());
                        new
                    }
                    t => t as usize,
                };
            }
            outputs[s].push(u32::try_from(id).ok()?);
        }
        let states = outputs.len();
        if states.checked_mul(stride)? >= MATCH as usize {
            return None;
        }
        // Failure links in breadth-first order; missing edges become the failure state's
        // edges, which makes the trie a DFA.
        let mut fail = vec![0u32; states];
        let mut queue = std::collections::VecDeque::new();
        for edge in goto.iter_mut().take(stride) {
            match *edge {
                NONE => *edge = 0,
                t => queue.push_back(t as usize),
            }
        }
        while let Some(s) = queue.pop_front() {
            let f = fail[s] as usize;
            if f != s {
                let inherited = outputs[f].clone();
                outputs[s].extend(inherited);
            }
            for c in 0..stride {
                let via_fail = goto[f * stride + c];
                match goto[s * stride + c] {
                    NONE => goto[s * stride + c] = via_fail,
                    t => {
                        // Children of the start state fail to it; deeper states to where their
                        // failure state's edge leads (already final: breadth-first order).
                        fail[t as usize] = if s == 0 { 0 } else { via_fail };
                        queue.push_back(t as usize);
                    }
                }
            }
        }
        let trans = goto
            .iter()
            .map(|&t| {
                let flag = if outputs[t as usize].is_empty() {
                    0
                } else {
                    MATCH
                };
                (t * next_class) | flag
            })
            .collect();
        let mut ends = Vec::with_capacity(states + 1);
        let mut matches = Vec::new();
        ends.push(0);
        for out in &outputs {
            matches.extend_from_slice(out);
            ends.push(u32::try_from(matches.len()).ok()?);
        }
        let lens = patterns
            .iter()
            .map(|p| u32::try_from(p.as_ref().len()).ok())
            .collect::<Option<Vec<u32>>>()?;
        Some(KeywordDfa {
            classes: Cow::Owned(classes.to_vec()),
            trans: Cow::Owned(trans),
            ends: Cow::Owned(ends),
            matches: Cow::Owned(matches),
            lens: Cow::Owned(lens),
            stride: next_class,
        })
    }

    /// The automaton over tables `build.rs` wrote (see [`KeywordDfa::write_tables`]).
    #[allow(dead_code)] // build.rs includes this file but only writes tables.
    pub const fn from_static(
        classes: &'static [u8],
        trans: &'static [u32],
        ends: &'static [u32],
        matches: &'static [u32],
        lens: &'static [u32],
        stride: u32,
    ) -> KeywordDfa {
        KeywordDfa {
            classes: Cow::Borrowed(classes),
            trans: Cow::Borrowed(trans),
            ends: Cow::Borrowed(ends),
            matches: Cow::Borrowed(matches),
            lens: Cow::Borrowed(lens),
            stride,
        }
    }

    /// Rust source for the tables, as a `KeywordDfa::from_static(…)` expression.
    #[allow(dead_code)] // Used by build.rs.
    pub fn write_tables(&self) -> String {
        fn list<T: std::fmt::Display>(items: &[T]) -> String {
            let parts: Vec<String> = items.iter().map(|i| i.to_string()).collect();
            format!("&[{}]", parts.join(","))
        }
        format!(
            "KeywordDfa::from_static({}, {}, {}, {}, {}, {})",
            list(&self.classes),
            list(&self.trans),
            list(&self.ends),
            list(&self.matches),
            list(&self.lens),
            self.stride
        )
    }

    /// Calls `on_match(start, pattern)` for every occurrence of a pattern in `haystack`,
    /// overlapping ones included, in increasing order of end position.
    #[allow(dead_code)]
    pub fn for_each_match(&self, haystack: &[u8], mut on_match: impl FnMut(usize, u32)) {
        let (classes, trans) = (&self.classes[..], &self.trans[..]);
        let mut state = 0u32;
        for (at, &b) in haystack.iter().enumerate() {
            let next = trans[(state + u32::from(classes[usize::from(b)])) as usize];
            state = next & !MATCH;
            if next & MATCH != 0 {
                let s = (state / self.stride) as usize;
                for &p in &self.matches[self.ends[s] as usize..self.ends[s + 1] as usize] {
                    on_match(at + 1 - self.lens[p as usize] as usize, p);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::KeywordDfa;

    fn all(dfa: &KeywordDfa, hay: &str) -> Vec<(usize, u32)> {
        let mut out = Vec::new();
        dfa.for_each_match(hay.as_bytes(), |at, p| out.push((at, p)));
        out
    }

    /// Every (start, pattern) pair by brute force, ordered by end, then longest first.
    fn naive(patterns: &[&str], hay: &str) -> Vec<(usize, u32)> {
        let hay = hay.as_bytes().to_ascii_lowercase();
        let mut out = Vec::new();
        for end in 1..=hay.len() {
            let mut here: Vec<(usize, u32)> = patterns
                .iter()
                .enumerate()
                .filter(|(_, p)| {
                    !p.is_empty() && hay[..end].ends_with(p.to_ascii_lowercase().as_bytes())
                })
                .map(|(i, p)| (end - p.len(), i as u32))
                .collect();
            here.sort();
            out.extend(here);
        }
        out
    }

    #[test]
    fn finds_overlapping_and_case_folded_matches() {
        let patterns = ["sk-", "sk-proj-", "key", "api_key", "akia", "", "kk"];
        let dfa = KeywordDfa::build(&patterns).unwrap();
        for hay in [
            "x = SK-PROJ-abc akia",
            "API_KEY=1 Key kkk",
            "",
            "s\u{e9}k-sk-sk-proj-",
            "no hits here",
        ] {
            let mut got = all(&dfa, hay);
            got.sort_by_key(|&(at, p)| (at + patterns[p as usize].len(), at));
            assert_eq!(got, naive(&patterns, hay), "{hay:?}");
        }
    }

    #[test]
    fn static_tables_behave_as_built_ones() {
        let dfa = KeywordDfa::build(&["token", "tok", "en"]).unwrap();
        let source = dfa.write_tables();
        assert!(source.starts_with("KeywordDfa::from_static(&["), "{source}");
        let again = KeywordDfa::from_static(
            Box::leak(dfa.classes.to_vec().into_boxed_slice()),
            Box::leak(dfa.trans.to_vec().into_boxed_slice()),
            Box::leak(dfa.ends.to_vec().into_boxed_slice()),
            Box::leak(dfa.matches.to_vec().into_boxed_slice()),
            Box::leak(dfa.lens.to_vec().into_boxed_slice()),
            dfa.stride,
        );
        assert_eq!(all(&again, "a TOKEN b"), all(&dfa, "a TOKEN b"));
        assert_eq!(all(&dfa, "a TOKEN b").len(), 3);
    }
}
