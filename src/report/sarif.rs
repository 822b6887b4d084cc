//! The SARIF 2.1.0 log, for code scanning dashboards: one rule per rule that fired, one
//! result per finding, content fingerprints for alert tracking, never a snippet.

use std::io::{self, Write};

use super::Report;
use crate::report::finding::Finding;

/// The `$schema` a SARIF log names: the SARIF 2.1.0 schema as published by SchemaStore,
/// which GitHub code scanning and the SARIF tooling recognise.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key under which SARIF results carry tierzero's content fingerprint, so code scanning
/// tracks one alert per secret across line moves and re-runs.
pub const SARIF_FINGERPRINT_KEY: &str = "tierzeroFingerprint/v1";

/// Percent-encodes a repository-relative path as a URI reference (`/` kept).
fn uri_reference(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Where a finding is: a URI relative to the repository root (`%SRCROOT%`), which every
/// mode reports paths from. A file outside the repository (`--files /elsewhere/x`) gets a
/// `file:` URI instead of a `../` climb out of the root.
fn artifact_location(path: &str) -> serde_json::Value {
    if path.starts_with('/') {
        serde_json::json!({ "uri": format!("file://{}", uri_reference(path)) })
    } else if path.starts_with("../") {
        serde_json::json!({ "uri": uri_reference(path) })
    } else {
        serde_json::json!({ "uri": uri_reference(path), "uriBaseId": "%SRCROOT%" })
    }
}

/// What to do about a rule's findings, as plain text: rotate, move to the environment, go
/// keyless, or record why it is not a secret.
pub(super) fn help_text(f: &Finding) -> String {
    let r = &f.remediation;
    let mut text = format!("{}.\n\nWhat to do:\n", f.description);
    if let Some(url) = &r.rotate_url {
        text.push_str(&format!(
            "- Rotate (revoke) the key now at {url}: it was written to a file, so assume it is exposed; removing it from git does not un-leak it.\n"
        ));
    } else {
        text.push_str(
            "- Revoke the credential with its issuer and create a new one: assume it is exposed.\n",
        );
    }
    if let Some(var) = &r.env_var {
        text.push_str(&format!(
            "- Load the new value from the environment ({var}) or a secret manager at run time; never commit it.\n"
        ));
    }
    if let Some(keyless) = &r.keyless {
        text.push_str(&format!("- Better, go keyless: {keyless}.\n"));
    }
    text.push_str(&format!(
        "- Not a secret? Add `tierzero:allow {}` on the line, or run `tierzero ignore <fingerprint> --reason \"...\"`.\n",
        f.rule_id
    ));
    text
}

fn help_markdown(f: &Finding) -> String {
    let r = &f.remediation;
    let mut md = format!("**{}**\n\n", f.description);
    if let Some(url) = &r.rotate_url {
        md.push_str(&format!(
            "1. **Rotate** (revoke) the key now: <{url}>. It was written to a file, so assume it is exposed; removing it from git does not un-leak it.\n"
        ));
    } else {
        md.push_str("1. **Revoke** the credential with its issuer and create a new one: assume it is exposed.\n");
    }
    if let Some(var) = &r.env_var {
        md.push_str(&format!(
            "1. Load the new value from the environment (`{var}`) or a secret manager at run time.\n"
        ));
    }
    if let Some(keyless) = &r.keyless {
        md.push_str(&format!("1. Better, go **keyless**: {keyless}.\n"));
    }
    md.push_str(&format!(
        "\nNot a secret? Add `tierzero:allow {}` on the line, or run `tierzero ignore <fingerprint> --reason \"...\"`.\n",
        f.rule_id
    ));
    md
}

/// A finding's one-line message, naming the redacted preview and never the secret.
pub(super) fn finding_message(f: &Finding) -> String {
    let mut text = if f.secret_length > 0 {
        format!(
            "{} found: {} ({} chars, redacted).",
            f.description, f.preview, f.secret_length
        )
    } else {
        format!("{}: this file should never be committed.", f.description)
    };
    if let Some(c) = &f.commit {
        text.push_str(&format!(
            " Added in commit {} by {} on {}.",
            c.id, c.author, c.date
        ));
    }
    if let Some(url) = &f.remediation.rotate_url {
        text.push_str(&format!(" Rotate it: {url}"));
    }
    text
}

pub(super) fn suppression_kind(
    by: crate::report::finding::SuppressedBy,
) -> (&'static str, &'static str) {
    use crate::report::finding::SuppressedBy;
    let kind = match by {
        SuppressedBy::Inline => "inSource",
        SuppressedBy::IgnoreFile
        | SuppressedBy::Baseline
        | SuppressedBy::Allowlist
        | SuppressedBy::ConfigExample
        | SuppressedBy::Placeholder => "external",
    };
    (kind, by.reason())
}

/// Writes a SARIF 2.1.0 log: one run, one `rule` per rule that produced a finding (with its
/// remediation as help), one `result` per finding with the content fingerprint in
/// `partialFingerprints`. No snippet is written: the log never holds a secret.
pub fn write(out: &mut dyn Write, report: &Report) -> io::Result<()> {
    use serde_json::{json, Value};

    let mut rule_index: std::collections::HashMap<&str, usize> = Default::default();
    let mut rules: Vec<Value> = Vec::new();
    for f in &report.findings {
        if rule_index.contains_key(f.rule_id.as_str()) {
            continue;
        }
        rule_index.insert(&f.rule_id, rules.len());
        rules.push(json!({
            "id": f.rule_id,
            "name": f.rule_id,
            "shortDescription": { "text": super::human::short_description(&f.description) },
            "fullDescription": { "text": f.description },
            "help": { "text": help_text(f), "markdown": help_markdown(f) },
            "defaultConfiguration": { "level": "error" },
            "properties": {
                "tags": ["security", "secret", "credential"],
                "precision": "high",
                "security-severity": "9.0"
            }
        }));
    }
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule_id,
                // Every finding's rule was indexed in the loop above.
                "ruleIndex": rule_index[f.rule_id.as_str()],
                "kind": "fail",
                "level": "error",
                "message": { "text": finding_message(f) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&f.path),
                        "region": { "startLine": f.line.max(1), "startColumn": f.column.max(1) }
                    }
                }],
                "partialFingerprints": { SARIF_FINGERPRINT_KEY: f.fingerprint },
                "properties": { "fingerprint": f.fingerprint, "secretLength": f.secret_length }
            });
            if let Some(c) = &f.commit {
                result["properties"]["commit"] = json!({
                    "id": c.id, "author": c.author, "date": c.date
                });
            }
            if let Some(by) = f.suppressed_by {
                let (kind, why) = suppression_kind(by);
                result["suppressions"] = json!([{
                    "kind": kind,
                    "status": "accepted",
                    "justification": why
                }]);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "tierzero",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{
                "executionSuccessful": true,
                "properties": { "summary": report.summary }
            }]
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

#[cfg(test)]
mod machine_format_tests {
    use super::*;

    #[test]
    fn uri_references_are_percent_encoded() {
        assert_eq!(uri_reference("src/a b/ü.py"), "src/a%20b/%C3%BC.py");
        assert_eq!(uri_reference("<stdin>"), "%3Cstdin%3E");
    }
}
