//! tierzero keeps LLM API keys and other tier-zero credentials out of git.
//!
//! Data flows one way:
//!
//! ```text
//! git (index vs HEAD, a commit range, files)   diff, history, sources
//!   -> added lines with path + line numbers    diff::ChangedFile
//!   -> keyword hits per line (Aho-Corasick)    prefilter
//!   -> rule regex / entropy / checks           rules, scan
//!   -> placeholders, allowlists, ignores       placeholder, suppress, baseline
//!   -> redacted findings                       finding
//!   -> human / JSON / SARIF / JUnit            report
//! ```
//!
//! `main.rs` only parses arguments and maps outcomes to exit codes: 0 clean, 1 secrets
//! found, 2 error.

#![warn(missing_docs)]
// All output goes through `commands::Console`; the library never prints on its own.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod agent;
pub mod cli;
pub mod commands;
pub mod engine;
pub mod error;
pub mod fix;
pub mod input;
pub mod install;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;
pub mod util;

pub use error::{Error, Result};

pub use commands::{EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND};
