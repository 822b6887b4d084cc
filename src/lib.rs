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

pub mod baseline;
pub mod commands;
pub mod config;
pub mod diff;
pub mod error;
pub mod finding;
pub mod fix;
pub mod history;
pub mod ignore;
pub mod import;
pub mod index_file;
pub mod install;
pub mod placeholder;
pub mod prefilter;
pub mod prepush;
pub mod report;
pub mod rules;
pub mod scan;
pub mod sources;
pub mod status;
pub mod suppress;

pub use error::{Error, Result};

/// Exit code: nothing found.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: secrets found (the commit is blocked).
pub const EXIT_FOUND: i32 = 1;
/// Exit code: an error; tierzero failed closed.
pub const EXIT_ERROR: i32 = 2;
