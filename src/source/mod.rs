//! Sources of added lines.
pub mod diff;
pub mod history;
pub mod index_file;
pub mod push;
pub mod text;
