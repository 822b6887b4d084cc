//! Recall on a public corpus of example credentials (Kingfisher 1.10's rule examples,
//! Apache-2.0, in `tests/fixtures/corpus/`), and silence on its near misses.
//!
//! Run `cargo test --test corpus -- --nocapture` to see the per-provider table; the README
//! quotes its totals.

use crate::common;

use std::collections::BTreeMap;

const CORPUS: &str = include_str!("../fixtures/corpus/kingfisher-1.10-examples.jsonl");

/// Corpus examples we judge wrong (placeholders, wrong length, missing marker), each with
/// the reason: `name<TAB>substring of the text<TAB>reason`. They are left out of the
/// adjusted recall rather than bending a rule to accept them.
const JUDGED_WRONG: &str = include_str!("../fixtures/corpus/judged-wrong.tsv");

fn judged_wrong(e: &Entry) -> bool {
    JUDGED_WRONG
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            Some((parts.next()?, parts.next()?))
        })
        .any(|(name, needle)| name == e.name && e.text.contains(needle))
}

struct Entry {
    name: String,
    kind: String,
    text: String,
}

fn entries() -> Vec<Entry> {
    CORPUS
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("corpus line is JSON");
            Entry {
                name: v["name"].as_str().unwrap_or_default().to_string(),
                kind: v["kind"].as_str().unwrap_or_default().to_string(),
                text: v["text"].as_str().unwrap_or_default().to_string(),
            }
        })
        .collect()
}

#[test]
fn corpus_recall_and_precision() {
    let loaded = common::builtin_config();
    let (set, suppressor) = (&loaded.rules, &loaded.suppressor);
    let mut by_provider: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut clean_hits = Vec::new();
    let (mut positives, mut found, mut excluded) = (0usize, 0usize, 0usize);
    let generic: std::collections::HashSet<String> = set
        .rules()
        .iter()
        .filter(|r| r.spec.generic)
        .map(|r| r.id().to_string())
        .collect();
    let mut specific: std::collections::HashSet<String> = Default::default();
    let mut missed: Vec<(String, String)> = Vec::new();
    for e in entries() {
        let hits = common::reported_rule_ids(set, suppressor, "example.txt", &e.text);
        if e.kind != "clean" && judged_wrong(&e) {
            excluded += 1;
            if !hits.is_empty() {
                found += 1;
            }
            positives += 1;
            continue;
        }
        if e.kind == "clean" {
            if !hits.is_empty() {
                clean_hits.push(format!("{} -> {hits:?}", e.name));
            }
            continue;
        }
        positives += 1;
        if hits.iter().any(|id| !generic.contains(id)) {
            specific.insert(e.name.clone());
        }
        let slot = by_provider.entry(e.name.clone()).or_default();
        slot.1 += 1;
        if hits.is_empty() {
            missed.push((e.name.clone(), e.text.clone()));
        } else {
            slot.0 += 1;
            found += 1;
        }
    }
    // A format is covered when one of its examples is found by a specific (non-generic)
    // rule: that is a provider tierzero has a rule for. Formats only ever caught by the
    // generic rule are incidental and reported apart.
    let covered: Vec<_> = by_provider
        .iter()
        .filter(|(name, _)| specific.contains(*name))
        .collect();
    let covered_total: usize = covered.iter().map(|(_, (_, n))| n).sum();
    let covered_hit: usize = covered.iter().map(|(_, (h, _))| h).sum();
    eprintln!("provider | found/examples");
    for (name, (hit, total)) in &by_provider {
        eprintln!("{name} | {hit}/{total}");
    }
    for (name, text) in &missed {
        if specific.contains(name) {
            eprintln!("MISSED {name}\t{text}");
        }
    }
    let recall_covered = covered_hit as f64 / covered_total.max(1) as f64;
    eprintln!(
        "\nCORPUS: {found}/{positives} positives found overall ({:.1}%); {excluded} examples judged wrong \
         (tests/fixtures/corpus/judged-wrong.tsv) left out below; {} of {} formats covered by a specific rule; \
         recall on them {covered_hit}/{covered_total} ({:.1}%); {} finding(s) on {} clean examples",
        100.0 * found as f64 / positives as f64,
        covered.len(),
        by_provider.len(),
        100.0 * recall_covered,
        clean_hits.len(),
        entries().iter().filter(|e| e.kind == "clean").count(),
    );
    assert!(
        clean_hits.is_empty(),
        "findings on clean examples:\n{}",
        clean_hits.join("\n")
    );
    assert!(
        recall_covered >= 0.90,
        "recall on covered formats {recall_covered:.3} < 0.90"
    );
}
