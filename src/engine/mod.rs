//! The engine: work units in, findings out.
pub mod scanner;
