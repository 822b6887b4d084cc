//! Policy: configuration layers and suppression.
pub mod baseline;
pub mod config;
pub mod go_regex;
pub mod ignore;
pub mod import;
pub mod suppress;
