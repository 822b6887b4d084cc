//! Jupyter notebooks: the key sits in the Python source of a code cell, which nbformat
//! stores as JSON strings (one per source line). The edit is surgical: only the JSON string
//! holding the key is decoded, rewritten as Python and re-encoded, and `import os` is added
//! as a new source line of that cell when no cell imports it. Every other byte of the file
//! stays as it was, and the result is parsed again before it is accepted.

use serde_json::Value;

use super::lang::Lang;
use super::rewrite::{self, Changed, Refusal, Rewritten, Target};

/// A JSON string token on a line: its byte range, quotes included.
fn json_strings(line: &str) -> Vec<std::ops::Range<usize>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            out.push(start..(i + 1).min(b.len()));
        }
        i += 1;
    }
    out
}

/// The source strings of every code cell, and whether any code cell imports `os`.
fn code_sources(doc: &Value) -> Option<(Vec<String>, bool)> {
    let cells = doc.get("cells")?.as_array()?;
    let mut sources = Vec::new();
    let mut imports_os = false;
    for cell in cells {
        if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
            continue;
        }
        let parts: Vec<String> = match cell.get("source") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => continue,
        };
        let joined = parts.concat();
        imports_os |= joined.lines().any(|l| {
            let t = l.trim_start();
            t.strip_prefix("import ").is_some_and(|r| {
                r.split('#')
                    .next()
                    .unwrap_or("")
                    .split([',', ';'])
                    .any(|p| p.trim() == "os")
            })
        });
        sources.extend(parts);
    }
    Some((sources, imports_os))
}

/// Rewrites the keys in a notebook's code cells.
pub fn rewrite_notebook(content: &[u8], targets: &[Target<'_>]) -> Result<Rewritten, Refusal> {
    let refuse = |line: usize, reason: &str| Refusal {
        line,
        reason: reason.to_string(),
    };
    let text =
        std::str::from_utf8(content).map_err(|_| refuse(1, "the notebook is not valid UTF-8"))?;
    let doc: Value =
        serde_json::from_str(text).map_err(|_| refuse(1, "the notebook is not valid JSON"))?;
    let (sources, imports_os) = code_sources(&doc)
        .ok_or_else(|| refuse(1, "no `cells` array: not an nbformat 4 notebook"))?;
    let lines = rewrite::split_lines(text);
    let mut changed: Vec<Changed> = Vec::new();
    for (i, (line, _)) in lines.iter().enumerate() {
        let hits: Vec<usize> = targets
            .iter()
            .flat_map(|t| memchr::memmem::find_iter(line.as_bytes(), t.secret))
            .collect();
        if hits.is_empty() {
            continue;
        }
        let mut edits = Vec::new();
        for token in json_strings(line) {
            if !hits.iter().any(|&h| token.start < h && h < token.end) {
                continue;
            }
            let decoded: String = serde_json::from_str(&line[token.clone()])
                .map_err(|_| refuse(i + 1, "a JSON string that does not decode"))?;
            if !sources.contains(&decoded) {
                return Err(refuse(
                    i + 1,
                    "the key is in a cell output or a markdown cell: clear the output \
                     (`jupyter nbconvert --clear-output --inplace`) or edit the cell by hand",
                ));
            }
            let fixed = rewrite_source(&decoded, targets).map_err(|reason| Refusal {
                line: i + 1,
                reason,
            })?;
            let encoded = serde_json::to_string(&fixed)
                .map_err(|_| refuse(i + 1, "could not re-encode the cell source"))?;
            edits.push(rewrite::Edit {
                range: token,
                text: encoded,
            });
        }
        if edits.is_empty() {
            return Err(refuse(i + 1, "the key is outside any JSON string"));
        }
        let new = rewrite::apply_edits(line, edits).map_err(|reason| Refusal {
            line: i + 1,
            reason,
        })?;
        changed.push(Changed {
            line: i,
            old: line.to_string(),
            new,
        });
    }
    let mut inserted = Vec::new();
    if let (false, Some(first)) = (imports_os, changed.first()) {
        inserted.push(import_os_line(&lines, first.line).ok_or_else(|| {
            refuse(
                first.line + 1,
                "could not find this cell's `\"source\": [` line to add `import os`: add it to the cell yourself",
            )
        })?);
    }
    let new = rewrite::assemble(&lines, &changed, &inserted);
    let reparsed: Value = serde_json::from_str(&new)
        .map_err(|_| refuse(1, "the rewritten notebook would not be valid JSON"))?;
    let cells = |v: &Value| v.get("cells").and_then(Value::as_array).map(Vec::len);
    if cells(&reparsed) != cells(&doc) {
        return Err(refuse(
            1,
            "the rewritten notebook would change its cell count",
        ));
    }
    Ok(Rewritten {
        content: new.into_bytes(),
        changed,
        inserted,
    })
}

/// Rewrites the Python lines of one decoded source string.
fn rewrite_source(source: &str, targets: &[Target<'_>]) -> Result<String, String> {
    let mut out = String::with_capacity(source.len());
    for (line, eol) in rewrite::split_lines(source) {
        let mut edits = Vec::new();
        for t in targets {
            for at in memchr::memmem::find_iter(line.as_bytes(), t.secret) {
                edits.extend(rewrite::rewrite_at(
                    Lang::Notebook,
                    line,
                    at..at + t.secret.len(),
                    t.name,
                    "",
                )?);
            }
        }
        out.push_str(&rewrite::apply_edits(line, edits)?);
        out.push_str(eol);
    }
    Ok(out)
}

/// A new first source line `import os\n` for the cell whose source holds line `at`.
fn import_os_line(lines: &[(&str, &str)], at: usize) -> Option<rewrite::Inserted> {
    let indent: String = lines[at]
        .0
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let mut j = at;
    loop {
        let t = lines[j].0.trim();
        if t.ends_with("\"source\": [") {
            return Some(rewrite::Inserted {
                before: j + 1,
                lines: vec![format!("{indent}\"import os\\n\",")],
            });
        }
        // Only earlier source lines of the same cell may lie between.
        if j != at && !(t.starts_with('"') && t.ends_with("\",")) {
            return None;
        }
        j = j.checked_sub(1)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_the_cell_and_keeps_the_rest() {
        let key = "tok_Q8zR4mW9pL2xAAAA";
        let nb = format!(
            "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"execution_count\": null,\n   \"metadata\": {{}},\n   \"outputs\": [],\n   \"source\": [\n    \"from openai import OpenAI\\n\",\n    \"client = OpenAI(api_key=\\\"{key}\\\")\"\n   ]\n  }}\n ],\n \"metadata\": {{}},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}}\n"
        );
        let out = rewrite_notebook(
            nb.as_bytes(),
            &[Target {
                secret: key.as_bytes(),
                name: "MY_KEY",
            }],
        )
        .unwrap();
        let text = String::from_utf8(out.content).unwrap();
        assert!(!text.contains(key));
        let doc: Value = serde_json::from_str(&text).unwrap();
        let src: Vec<&str> = doc["cells"][0]["source"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            src,
            vec![
                "import os\n",
                "from openai import OpenAI\n",
                "client = OpenAI(api_key=os.environ[\"MY_KEY\"])"
            ]
        );
        // Only the edited line and the inserted one differ.
        assert_eq!(text.lines().count(), nb.lines().count() + 1);
    }

    #[test]
    fn a_key_in_an_output_is_refused() {
        let key = "tok_Q8zR4mW9pL2xAAAA";
        let nb = format!(
            "{{\n \"cells\": [\n  {{\n   \"cell_type\": \"code\",\n   \"outputs\": [{{\"text\": [\"{key}\\n\"]}}],\n   \"source\": []\n  }}\n ]\n}}\n"
        );
        let err = rewrite_notebook(
            nb.as_bytes(),
            &[Target {
                secret: key.as_bytes(),
                name: "K",
            }],
        )
        .unwrap_err();
        assert!(err.reason.contains("output"), "{err:?}");
    }
}
