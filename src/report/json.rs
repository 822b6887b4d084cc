//! The JSON report: `{"findings": [...], "summary": {...}}`, the same [`Report`] the other
//! formats render.

use std::io::{self, Write};

use super::Report;

/// Writes the JSON report: `{"findings": [...], "summary": {...}}`.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
