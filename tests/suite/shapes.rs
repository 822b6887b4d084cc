//! Keys in input shapes whose cost used to grow faster than the input (issue 15): one
//! long line of base64 data with keys at its start, middle and end, a service-account key
//! after thousands of `"type": "service_account"` lines, and a multiline team rule whose
//! keyword is on every line. These tests prove the keys are still found; speed is measured
//! by bench/shapes.sh, never here.

use crate::common;

use common::{anthropic_key, openai_key, openai_key_2, Sandbox};

/// `n` bytes of pseudo-random base64 (no `=`), the same on every run.
fn base64(n: usize, seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % 64) as usize] as char
        })
        .collect()
}

fn rules_found(found: &[(String, u64, String)]) -> Vec<&str> {
    let mut ids: Vec<&str> = found.iter().map(|(_, _, id)| id.as_str()).collect();
    ids.sort();
    ids
}

#[test]
fn keys_at_the_start_middle_and_end_of_a_one_megabyte_line() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // A recorded API response: one JSON line, keys among 1 MB of base64 bodies.
    let generic = format!("Q{}", &base64(40, 7).replace(['+', '/'], "x"));
    let line = format!(
        "{{\"key\": \"{}\", \"body\": \"{}\", \"auth\": \"{}\", \"image\": \"{}\", \"api_key\": \"{}\", \"tail\": \"{}\", \"last\": \"{}\"}}\n",
        openai_key(),
        base64(500_000, 1),
        anthropic_key(),
        base64(250_000, 2),
        generic,
        base64(250_000, 3),
        openai_key_2(),
    );
    assert!(line.len() > 1_000_000);
    repo.stage("cassette.json", &line);
    let found = repo.found(&[]);
    assert_eq!(
        rules_found(&found),
        vec![
            "anthropic-api-key",
            "generic-secret-assignment",
            "openai-project-key",
            "openai-project-key"
        ],
        "{found:?}"
    );
    assert!(found
        .iter()
        .all(|(path, line, _)| path == "cassette.json" && *line == 1));
}

#[test]
fn a_key_glued_inside_base64_data_is_still_found_by_its_prefix() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // A data URI that happens to be followed by a key with nothing in between but `,`.
    let line = format!(
        "<img src=\"data:image/png;base64,{},{}\">\n",
        base64(300_000, 4),
        openai_key()
    );
    repo.stage("page.html", &line);
    let (_, doc) = repo.scan_json(&[]);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc}");
    assert_eq!(findings[0]["rule_id"], "openai-project-key");
    // The column is counted in characters from the line start (`<img src="data:…,` is 32).
    assert_eq!(findings[0]["column"], 32 + 300_000 + 1 + 1);
}

/// A service-account key file's private key, with JSON `\n` escapes.
fn private_key_json_value() -> String {
    let body = base64(1600, 9);
    let lines: Vec<&str> = (0..body.len())
        .step_by(64)
        .map(|i| &body[i..(i + 64).min(body.len())])
        .collect();
    format!(
        "-----BEGIN PRIVATE KEY-----\\n{}\\n-----END PRIVATE KEY-----\\n",
        lines.join("\\n")
    )
}

#[test]
fn a_service_account_key_after_thousands_of_service_account_lines() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let mut text = String::new();
    for i in 0..5000 {
        text.push_str(&format!(
            "  {{\"type\": \"service_account\", \"project_id\": \"p-{i}\"}},\n"
        ));
    }
    text.push_str(&format!(
        "  {{\n  \"type\": \"service_account\",\n  \"project_id\": \"vertex-prod-417\",\n  \"private_key\": \"{}\",\n  \"client_email\": \"ci@vertex-prod-417.iam.gserviceaccount.com\"\n  }}\n",
        private_key_json_value()
    ));
    repo.stage("accounts.json", &text);
    let found = repo.found(&[]);
    assert_eq!(
        rules_found(&found),
        vec!["gcp-service-account-key"],
        "{found:?}"
    );
    // Reported at the first `service_account` line whose window (the rule allows 1,500
    // bytes between the type and the key) reaches the key: one of the lines just above it.
    assert!(found[0].1 > 4950 && found[0].1 <= 5002, "{found:?}");
}

#[test]
fn a_multiline_team_rule_whose_keyword_is_on_every_line() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".tierzero.toml",
        "[[rules]]\nid = \"acme-session-secret\"\ndescription = \"ACME session secret\"\nkeywords = [\"session:\"]\nregex = '''session:[\\s\\S]*?acme_secret=([a-z0-9]{32})'''\nmultiline = true\n",
    );
    let secret = |seed: u64| -> String {
        base64(200, seed)
            .to_ascii_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect()
    };
    let mut text = String::new();
    for i in 0..6000 {
        text.push_str(&format!("session: {}\n", base64(40, 100 + i)));
        if i == 10 || i == 5990 {
            text.push_str(&format!("  acme_secret={}\n", secret(i)));
        }
    }
    repo.stage("sessions.log", &text);
    let found = repo.found(&[]);
    let ids = rules_found(&found);
    assert_eq!(
        ids,
        vec!["acme-session-secret", "acme-session-secret"],
        "{found:?}"
    );
    let lines: Vec<u64> = found.iter().map(|(_, line, _)| *line).collect();
    // Each secret is reported at the first session line whose 64 KiB window reaches it:
    // line 1 for the first, a line within 64 KiB before the second for the second.
    assert_eq!(lines[0], 1, "{found:?}");
    assert!(lines[1] > 4000 && lines[1] < 5992, "{found:?}");
}

#[test]
fn anchors_keep_their_meaning_on_a_long_line() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // A long line is searched in windows around keyword hits; `^` must still mean the
    // start of the line, not the start of a window.
    repo.write(
        ".tierzero.toml",
        "[[rules]]\nid = \"acme-line-key\"\ndescription = \"ACME key at the start of a line\"\nkeywords = [\"acme_key=\"]\nregex = '''^ACME_KEY=([a-z0-9]{32})'''\n",
    );
    let key = |seed: u64| -> String {
        base64(200, seed)
            .to_ascii_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(32)
            .collect()
    };
    let line = format!(
        "ACME_KEY={} {} ACME_KEY={} {}\n",
        key(1),
        "x = 1; ".repeat(5000),
        key(2),
        "y = 2; ".repeat(5000)
    );
    repo.stage("env.sh", &line);
    let (_, doc) = repo.scan_json(&[]);
    let findings: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "acme-line-key")
        .collect();
    assert_eq!(findings.len(), 1, "{doc}");
    assert_eq!(findings[0]["column"], 10);
}

#[test]
fn a_window_of_a_long_line_sees_the_byte_before_it() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.write(
        ".tierzero.toml",
        "[[rules]]\nid = \"acme-boundary\"\ndescription = \"ACME token after a non-letter\"\nkeywords = [\"acme_key=\"]\nregex = '''(?:^|[^a-z])(k[a-z0-9]{31})'''\n",
    );
    let token = |seed: u64| -> String {
        let body: String = base64(300, seed)
            .to_ascii_lowercase()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(31)
            .collect();
        format!("k{body}")
    };
    // The keyword's window starts 4 KiB before it, exactly at `k…` glued to a `y`: not a
    // token boundary, so not a finding, as when the whole line is searched. The token
    // after a space near the keyword is one.
    let prefix = "x = 1; ".repeat(2000);
    let glued = token(1);
    let filler = "z".repeat(4096 - glued.len());
    let line = format!(
        "{prefix}y{glued}{filler}acme_key=1 {} {}\n",
        token(2),
        "x = 1; ".repeat(1000)
    );
    assert_eq!(line.find("acme_key=").unwrap() - 4096, prefix.len() + 1);
    repo.stage("conf.txt", &line);
    let (_, doc) = repo.scan_json(&[]);
    let columns: Vec<u64> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "acme-boundary")
        .map(|f| f["column"].as_u64().unwrap())
        .collect();
    assert_eq!(
        columns,
        vec![(prefix.len() + 1 + 4096 + 11 + 1) as u64],
        "{doc}"
    );
}
