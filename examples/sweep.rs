//! A precision check for rule authors: scans every text file under a directory of ordinary
//! source code (for instance `~/.cargo/registry/src`) with the default rules and prints
//! what fired, per rule, with a few redacted locations. On third-party source nearly every
//! finding is a false positive or a published test fixture, so this is where noisy rules
//! show up.
//!
//! usage: cargo run --release --example sweep -- DIR [MAX_PER_RULE]

use std::collections::BTreeMap;
use std::path::Path;

use tierzero::engine::scanner::{scan_text, Scanner};

fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == ".git" || n == "target")
            {
                continue;
            }
            walk(&path, files);
        } else if kind.is_file() {
            files.push(path);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1) else {
        eprintln!("usage: sweep DIR [MAX_PER_RULE]");
        std::process::exit(2);
    };
    let max: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
    // The built-in rules with their allowlists, exactly as a scan outside a repository
    // sees them (plus the user's config, if any).
    let loaded = match tierzero::policy::config::load(None, &Default::default()) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut scanner = Scanner::new(&loaded.rules, &loaded.suppressor);
    let mut files = Vec::new();
    walk(Path::new(dir), &mut files);
    let (mut bytes, mut scanned) = (0u64, 0u64);
    let started = std::time::Instant::now();
    for file in &files {
        let Ok(content) = std::fs::read(file) else {
            continue;
        };
        if content.len() > 2_000_000 {
            continue;
        }
        let rel = file
            .strip_prefix(dir)
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        if content.contains(&0) {
            continue;
        }
        if scan_text(&mut scanner, &rel, &content).is_ok() {
            bytes += content.len() as u64;
            scanned += 1;
        }
    }
    let elapsed = started.elapsed();
    let mut by_rule: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in scanner
        .into_findings()
        .into_iter()
        .filter(|f| f.suppressed_by.is_none())
    {
        by_rule
            .entry(f.rule_id.clone())
            .or_default()
            .push(format!("{}:{} {}", f.path, f.line, f.preview));
    }
    let total: usize = by_rule.values().map(Vec::len).sum();
    println!(
        "{total} findings in {scanned} files, {:.1} MB, {:.0} ms ({:.0} MB/s)",
        bytes as f64 / 1e6,
        elapsed.as_secs_f64() * 1000.0,
        bytes as f64 / 1e6 / elapsed.as_secs_f64()
    );
    for (rule, hits) in &by_rule {
        println!("{rule}: {}", hits.len());
        for h in hits.iter().take(max) {
            println!("    {h}");
        }
    }
}
