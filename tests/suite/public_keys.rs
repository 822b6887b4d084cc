//! Publishable keys (PostHog `phc_`, Stripe `pk_`, Supabase anon JWTs, Firebase browser
//! keys) never block a commit: they are listed under `--verbose` as public keys, counted
//! like other suppressions, while a secret key in the same commit still blocks.

use crate::common;

use common::Sandbox;

fn b64url(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

/// A Supabase JWT with the given role, built at runtime so no key-like literal is committed.
fn supabase_jwt(role: &str) -> String {
    format!(
        "{}.{}.{}",
        b64url(r#"{"alg":"HS256","typ":"JWT"}"#),
        b64url(&format!(
            r#"{{"iss":"supabase","ref":"qwkvhzrnbtpyfjgdlmxs","role":"{role}","iat":1717000000}}"#
        )),
        ["Hq3vN8rT2mKpZx7Yb", "LcW1dFgS5jA0eUoRiTnVy4Q6hE"].concat()
    )
}

fn public_keys_file() -> String {
    let phc = ["phc_", "GRlrwZbqcabUGJmGEp7Cg", "Q0PBQFI14zGtSnovm14TUO"].concat();
    let pk = [
        "pk_",
        "live_",
        "51Hq3vN8rT2mKpZx7YbLcW1dFgS5jA0eUoRiTnVy4Q6hE",
    ]
    .concat();
    let aiza = ["AIza", "SyGUGvvQ81u9yB5er5p8TFfmT3aAl7wwU9G"].concat();
    format!(
        "posthog.init('{phc}', {{ api_host: 'https://eu.i.posthog.com' }});\n\
         const stripe = Stripe('{pk}');\n\
         const firebaseConfig = {{ apiKey: \"{aiza}\", authDomain: \"shop-7.firebaseapp.com\" }};\n\
         const supabase = createClient(url, '{}');\n",
        supabase_jwt("anon")
    )
}

#[test]
fn publishable_keys_are_listed_as_public_and_never_block() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.stage("web/src/analytics.js", public_keys_file());
    let (code, _, stderr) = repo.run(&["scan", "--verbose"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("(4 suppressed)"), "{stderr}");
    for line in 1..=4 {
        assert!(
            stderr.contains(&format!(
                "suppressed (public-key): web/src/analytics.js:{line}:"
            )),
            "line {line}: {stderr}"
        );
    }
    let (_, doc) = repo.scan_json(&[]);
    let listed: Vec<(String, String)> = common::all_json_findings(&doc)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap_or_default().to_string(),
                f["suppressed_by"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let want = [
        "posthog-project-key",
        "stripe-publishable-key",
        "firebase-browser-key",
        "supabase-anon-key",
    ];
    for id in want {
        assert!(
            listed.contains(&(id.to_string(), "public-key".to_string())),
            "{id}: {listed:?}"
        );
    }
    // A real commit through the installed hook goes through.
    let (code, _, stderr) = repo.run(&["install"]);
    assert_eq!(code, 0, "{stderr}");
    let out = repo.git_output(&["commit", "-q", "-m", "analytics"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");
}

#[test]
fn a_secret_key_next_to_public_ones_still_blocks() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    // The service_role JWT is secret; so is a Gemini key with the same AIza shape.
    let gemini = ["AIza", "Sy0U-CPbEcJwlD_CFx5OgBJLibwiBMqaH8t"].concat();
    let text = format!(
        "{}SUPABASE_SERVICE_ROLE_KEY={}\nGEMINI_API_KEY={gemini}\n",
        public_keys_file(),
        supabase_jwt("service_role")
    );
    repo.stage("web/src/analytics.js", text);
    let (code, _, stderr) = repo.run(&["scan", "--verbose"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("(4 suppressed)"), "{stderr}");
    let lines: Vec<u64> = repo.found(&[]).into_iter().map(|(_, l, _)| l).collect();
    assert_eq!(lines, vec![5, 6]);
}
