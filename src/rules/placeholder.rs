//! Recognises values that are documentation examples or placeholders rather than secrets.
//!
//! This is the one place where such values are suppressed, for every rule alike: AWS's
//! `AKIAIOSFODNN7EXAMPLE`, `sk-xxxxxxxx`, `<your-api-key>`, `${OPENAI_API_KEY}` and friends.
//! It looks only at the candidate secret. Per-team allowlists live in `suppress`.

/// Substrings (lower-case) that no real credential contains but placeholders do.
const MARKERS: &[&[u8]] = &[
    b"example",
    b"xxxx",
    b"****",
    b"...",
    b"\xe2\x80\xa6", // "…"
    b"<",
    b">",
    b"${",
    b"{{",
    b"%(",
    b"your_",
    b"your-",
    b"yourapi",
    b"yourkey",
    b"yoursecret",
    b"yourtoken",
    b"changeme",
    b"change_me",
    b"placeholder",
    b"redacted",
    b"dummy",
    b"replace_me",
    b"replaceme",
    b"insert_",
    b"notasecret",
    b"not_a_real",
    b"not-a-real",
    b"123456",
    b"abcdef",
    b"abcd1234",
    b"1a2b3c",
    b"a1b2c3",
    b"deadbeef",
    b"d3adbeef",
];

/// Returns true if and only if `secret` looks like a placeholder or a published example
/// rather than a live credential.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if secret.is_empty() {
        return true;
    }
    if MARKERS
        .iter()
        .any(|m| contains_ignore_ascii_case(secret, m))
    {
        return true;
    }
    // Long base64 bodies of binary structures (private keys, JWTs) legitimately hold runs
    // of `A` (zero bytes); only short tokens are judged by their runs.
    (secret.len() < 64 && longest_run(secret) >= 6)
        || distinct_bytes(secret) <= 3
        || ascending_runs(secret) >= 2
}

/// Counts runs of 4+ consecutive ascending characters (`1234`, `abcd`, `5678`): a random key
/// has one with a chance of about 1 in 10,000 per 30 characters, a typed example (`us-west-2_abcd_1234`)
/// has several.
fn ascending_runs(bytes: &[u8]) -> usize {
    let mut runs = 0;
    let mut len = 1;
    for w in bytes.windows(2) {
        if w[0].is_ascii_alphanumeric() && w[1] == w[0].wrapping_add(1) {
            len += 1;
            if len == 4 {
                runs += 1;
            }
        } else {
            len = 1;
        }
    }
    runs
}

fn contains_ignore_ascii_case(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len()
        && haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

fn longest_run(bytes: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in bytes {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        best = best.max(run);
    }
    best
}

fn distinct_bytes(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    bytes.iter().for_each(|&b| seen[b as usize] = true);
    seen.iter().filter(|&&s| s).count()
}

#[cfg(test)]
mod tests {
    use super::is_placeholder;

    #[test]
    fn documentation_examples_and_placeholders() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "sk-xxxxxxxxxxxxxxxxxxxxxxxx",
            "<your-api-key>",
            "${OPENAI_API_KEY}",
            "your-api-key-here",
            "changeme",
            "sk-proj-...",
            "ghp_000000000000000000000000000000000000",
            "sk-1234567890abcdef",
            "us-west-2_abcd_1234-5678",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p} should be a placeholder");
        }
    }

    #[test]
    fn random_keys_are_not_placeholders() {
        for s in [
            "AKIAX57F6BQYUTEO7ISO", // tierzero:allow (random test value)
            "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", // tierzero:allow (random test value)
            "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", // tierzero:allow (random test value)
        ] {
            assert!(!is_placeholder(s.as_bytes()), "{s} is not a placeholder");
        }
    }
}
