//! The engine: work units in, findings out. [`scanner`] finds the secrets of one unit;
//! [`driver`] runs any source's units through it, on one thread or all cores.
//!
//! The engine never reads git or the disk itself (sources do, through [`crate::input`]) and
//! never renders anything (reports do).

pub mod driver;
pub mod redact;
pub mod scanner;
