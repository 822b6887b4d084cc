//! Recognises values that are documentation examples or placeholders rather than secrets.
//!
//! This is the one place where such values are suppressed, for every rule alike: AWS's
//! `AKIAIOSFODNN7EXAMPLE`, `sk-xxxxxxxx`, `<your-api-key>`, `${OPENAI_API_KEY}` and friends.
//! It looks only at the candidate secret. Per-team allowlists live in `suppress`.

/// Substrings (lower-case) that say the value is a placeholder wherever they occur: words
/// and punctuation that random key bodies (base64, hex, base62) cannot produce by chance
/// at any length that matters — about one chance in 10^9 per position for five letters.
const WORD_MARKERS: &[&[u8]] = &[
    b"example",
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
];

/// Filler that a typed example is made of but a random body also contains now and then
/// (about 1 OpenAI project key in 6,000 holds `xxxx`, `abcdef` or `123456` somewhere):
/// these count only by how much of the value they make up.
const FILLER: &[&[u8]] = &[
    b"xxxx",
    b"123456",
    b"abcdef",
    b"abcd1234",
    b"1a2b3c",
    b"a1b2c3",
    b"deadbeef",
    b"d3adbeef",
];

/// A value with filler whose letters and digits outside filler, repeated and sequential
/// runs number fewer than this is made of filler (`sk-xxxxxxxx…`, `ghp_0000…`, `us-west-2_abcd_1234`).
const MIN_RANDOM_REST: usize = 12;

/// Returns true if and only if the value *as a whole* is a placeholder or a published
/// example rather than a live credential: it holds a placeholder word or template syntax,
/// is made of few distinct characters, or is mostly filler, repeated or sequential
/// characters. A short run of filler inside a long random body never makes a value a
/// placeholder.
pub fn is_placeholder(secret: &[u8]) -> bool {
    if secret.is_empty() {
        return true;
    }
    let lower = secret.to_ascii_lowercase();
    if WORD_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(&lower, m).is_some())
    {
        return true;
    }
    // Made of filler: taking the filler out left little. (A short password with no filler
    // in it is judged by its rule, not here.)
    let letters_and_digits = secret.iter().filter(|b| b.is_ascii_alphanumeric()).count();
    let rest = random_rest(secret);
    let filler = letters_and_digits - rest;
    distinct_bytes(secret) <= 3
        || (filler > 0 && filler * 2 >= letters_and_digits)
        || (filler > 0 && rest < MIN_RANDOM_REST)
}

/// The letters and digits of `secret` left once filler, runs of one repeated character
/// (4 or more) and ascending runs (`1234`, `abcd`, 4 or more) are taken out.
fn random_rest(secret: &[u8]) -> usize {
    let lower = secret.to_ascii_lowercase();
    let mut filler = vec![false; secret.len()];
    for marker in FILLER {
        let mut from = 0;
        while let Some(at) = find(&lower[from..], marker) {
            let start = from + at;
            filler[start..start + marker.len()]
                .iter_mut()
                .for_each(|f| *f = true);
            from = start + 1;
        }
    }
    let mark_runs = |filler: &mut [bool], same: &dyn Fn(u8, u8) -> bool| {
        let mut start = 0;
        for i in 1..=lower.len() {
            if i == lower.len() || !same(lower[i - 1], lower[i]) {
                if i - start >= 4 {
                    filler[start..i].iter_mut().for_each(|f| *f = true);
                }
                start = i;
            }
        }
    };
    mark_runs(&mut filler, &|a, b| a == b);
    mark_runs(&mut filler, &|a, b| {
        a.is_ascii_alphanumeric() && b == a.wrapping_add(1)
    });
    secret
        .iter()
        .zip(&filler)
        .filter(|(b, f)| b.is_ascii_alphanumeric() && !**f)
        .count()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

fn distinct_bytes(bytes: &[u8]) -> usize {
    let mut seen = [false; 256];
    bytes.iter().for_each(|&b| seen[b as usize] = true);
    seen.iter().filter(|&&s| s).count()
}

#[cfg(test)]
mod tests {
    #[test]
    fn markers_are_lower_case() {
        // They are looked for in the lower-cased secret.
        for m in super::WORD_MARKERS.iter().chain(super::FILLER) {
            assert_eq!(m.to_ascii_lowercase(), m.to_vec());
        }
    }

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
    fn a_short_run_of_filler_inside_a_random_body_is_not_a_placeholder() {
        // Random project-key bodies that happen to hold xxxx, abcdef or 123456.
        let body = "pvXWSzAivbqVLuhcmpkbSJ-NN2JyfLW-guyj4tAO_E5v07kFKcODg7E2nELty51vi4L87M_Jpb"; // tierzero:allow (random test value)
        for filler in ["xxxx", "XxXx", "abcdef", "123456", "deadbeef"] {
            let key = format!(
                "sk-proj-{}{filler}{}T3BlbkFJ{body}",
                &body[..30],
                &body[30..]
            );
            assert!(!is_placeholder(key.as_bytes()), "{key}");
        }
        // The same filler as the whole value still is one.
        assert!(is_placeholder(
            b"sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        ));
        assert!(is_placeholder(b"sk-abcdef123456abcdef"));
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
