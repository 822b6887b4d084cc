//! Prints each default rule's regex compile time, slowest first: compile cost is paid by
//! the hook on the first line where a rule's keyword occurs, so slow rules deserve care.
//!
//! usage: cargo run --release --example compile_cost [TOP]

fn main() {
    let top: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let rules = match tierzero::rules::RuleSet::builtin_rules() {
        Ok(rules) => rules,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let mut costs: Vec<(f64, String, String)> = Vec::new();
    for r in &rules {
        let start = std::time::Instant::now();
        // The path a run takes: the parse stored at build time, then the NFA and DFAs.
        let _ = r.compile();
        costs.push((
            start.elapsed().as_secs_f64() * 1000.0,
            r.id().to_string(),
            r.spec.keywords.join(","),
        ));
    }
    costs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = costs.iter().map(|c| c.0).sum();
    println!("{} rules, {total:.1} ms to compile them all", costs.len());
    for (ms, id, keywords) in costs.iter().take(top) {
        println!("{ms:8.3} ms  {id:40} [{keywords}]");
    }
}
