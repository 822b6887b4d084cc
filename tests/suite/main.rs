//! tierzero's integration tests, in one crate (as ripgrep's `tests/tests.rs`): one binary to
//! link instead of one per file. Each module is a user's story against real repositories
//! in temp dirs, the real binary and a throwaway HOME.

// Not every test module uses every helper.
#[allow(dead_code)]
mod common;

mod agent;
mod architecture;
mod baseline;
mod bypass;
mod ci;
mod cli;
mod config;
mod content;
mod corpus;
mod docs;
mod fix;
mod gitleaks_default;
mod hook;
mod import;
mod index_fast;
mod install;
mod install_script;
mod layouts;
mod managers;
mod merge;
mod messages;
mod objects;
mod output;
mod prepush;
mod public_keys;
mod ranges;
mod redaction;
mod reports;
mod rules;
mod shapes;
mod staged;
mod suppress;
mod wheel;
