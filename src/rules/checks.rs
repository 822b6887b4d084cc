//! Offline validation of a candidate secret: Shannon entropy and the checksums and structural
//! markers that providers build into their tokens. Everything here is a pure function of the
//! secret's bytes; nothing touches the network.

use base64::Engine as _;

/// A named offline validator a rule can require (`checks = [...]` in `rules.toml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// GitHub (`ghp_` …) and npm (`npm_`) tokens: the last 6 characters are the base62 CRC32
    /// of the 30 characters before them.
    Base62Crc32,
    /// GitLab routable tokens: the last 7 characters are the base36 CRC32 of everything
    /// before them.
    GitlabRoutableCrc32,
    /// Microsoft identifiable (CASK) keys: the `JQQJ99` signature at offset 52 and the
    /// fixed layout around it.
    AzureCask,
    /// A JSON Web Token that decodes and is not public by design.
    Jwt,
    /// The opposite: a JSON Web Token that decodes and is public by design (role `anon` or
    /// `public`), for the public-key rules that list such tokens without blocking.
    JwtPublic,
    /// Rejects pure-hex values of digest lengths (40: git SHA-1, 64: SHA-256) and of more
    /// than 128 characters: checksums, not secrets. Lets a rule write `[0-9a-f]{24,}`
    /// instead of counted ranges that are slow to compile.
    HexNotDigest,
    /// The value looks machine-generated rather than written by a person (see
    /// `randomness.rs`): for formats with no structure of their own.
    Random,
    /// A password that is neither an environment reference (`$DB_PASS`, `${…}`) nor a
    /// placeholder word people type into documentation DSNs (`password`, `admin123`,
    /// `p@ssw0rd`, `postgres`, `changeme!`): judged on the whole value, so a real password
    /// merely containing `admin` or `test` is still reported.
    NotCommonPassword,
    /// Base64 of `user:password` (Docker `auth`, HTTP Basic): decodes to printable text with
    /// a colon after a non-empty user name and a non-empty password; or base64 of a whole
    /// Docker config (`{"auths":...`) with a non-empty `auth` or `password` in it.
    BasicAuthB64,
    /// A value written where a password goes that reads as one rather than as code: it has
    /// a letter and two digits or symbols, and is not a CONSTANT_NAME or a snake_case name
    /// (`DB_PASSWORD`, `user_password`), which name a setting instead of holding it, nor a
    /// value that spells out "password", an ARN or a URL.
    PasswordShaped,
}

impl Check {
    /// Parses a check's name as written in a rule.
    pub fn parse(name: &str) -> Option<Check> {
        Some(match name {
            "base62-crc32" => Check::Base62Crc32,
            "gitlab-routable-crc32" => Check::GitlabRoutableCrc32,
            "azure-cask" => Check::AzureCask,
            "jwt" => Check::Jwt,
            "jwt-public" => Check::JwtPublic,
            "hex-not-digest" => Check::HexNotDigest,
            "random" => Check::Random,
            "not-common-password" => Check::NotCommonPassword,
            "basic-auth-b64" => Check::BasicAuthB64,
            "password-shaped" => Check::PasswordShaped,
            _ => return None,
        })
    }

    /// The names accepted by [`Check::parse`], for error messages.
    pub const NAMES: &'static str =
        "base62-crc32, gitlab-routable-crc32, azure-cask, jwt, jwt-public, hex-not-digest, random, \
         not-common-password, basic-auth-b64, password-shaped";

    /// Returns true if and only if `secret` passes this check.
    pub fn passes(self, secret: &[u8]) -> bool {
        match self {
            Check::Base62Crc32 => base62_crc32_ok(secret),
            Check::GitlabRoutableCrc32 => gitlab_routable_ok(secret),
            Check::AzureCask => azure_cask_ok(secret),
            Check::Jwt => jwt_claims(secret).is_some_and(|public| !public),
            Check::JwtPublic => jwt_claims(secret) == Some(true),
            Check::Random => super::randomness::looks_random(secret),
            Check::NotCommonPassword => !common_password(secret),
            Check::BasicAuthB64 => basic_auth_b64_ok(secret),
            Check::PasswordShaped => password_shaped(secret),
            Check::HexNotDigest => {
                !secret.iter().all(u8::is_ascii_hexdigit)
                    || !(matches!(secret.len(), 40 | 64) || secret.len() > 128)
            }
        }
    }
}

/// Words that make up placeholder passwords in documentation and sample DSNs.
#[rustfmt::skip]
const PASSWORD_WORDS: &[&str] = &[
    "password", "passwd", "pass", "pwd", "secret", "changeme", "change_me", "admin",
    "administrator", "root", "toor", "guest", "user", "username", "postgres", "postgresql",
    "mysql", "mariadb", "mongo", "mongodb", "redis", "rabbit", "rabbitmq", "test", "testing",
    "example", "sample", "dummy", "demo", "default", "letmein", "welcome", "qwerty", "hunter",
    "contoso", "foobar", "foo", "bar", "baz", "db", "database", "app", "sa", "oracle", "master",
    "my", "your", "super", "dev", "local", "docker", "airflow", "celery", "django", "rails",
    "superuser", "sql", "mssql", "pg", "mq", "amqp", "kafka", "elastic", "neo", "neoj",
    "secure", "strong", "login", "auth", "abc", "xyz", "qwe", "asdf", "pw", "pa", "word",
];

fn is_password_word(w: &[u8]) -> bool {
    PASSWORD_WORDS.iter().any(|p| p.as_bytes() == w)
}

/// See [`Check::NotCommonPassword`].
fn common_password(v: &[u8]) -> bool {
    if v.starts_with(b"${")
        || (v.first() == Some(&b'$')
            && v.len() > 1
            && v[1..]
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_'))
    {
        return true;
    }
    // Undo the usual l33t substitutions, then drop leading/trailing digits and symbols:
    // `P@ssw0rd123!` -> `password`.
    let norm: Vec<u8> = v
        .iter()
        .map(|&b| match b {
            b'0' => b'o',
            b'1' => b'i',
            b'3' => b'e',
            b'4' | b'@' => b'a',
            b'5' | b'$' => b's',
            b'7' => b't',
            _ => b.to_ascii_lowercase(),
        })
        .collect();
    let core_start = v.iter().position(u8::is_ascii_alphabetic);
    let core_end = v.iter().rposition(u8::is_ascii_alphabetic);
    let (Some(start), Some(end)) = (core_start, core_end) else {
        return false;
    };
    let core = &norm[start..=end];
    let core: Vec<u8> = core
        .iter()
        .copied()
        .filter(|b| *b != b'_' && *b != b'-')
        .collect();
    if is_password_word(&core) {
        return true;
    }
    // Two placeholder words run together: `adminpass`, `mysecret`, `testpassword`.
    (1..core.len()).any(|i| is_password_word(&core[..i]) && is_password_word(&core[i..]))
}

/// See [`Check::BasicAuthB64`].
fn basic_auth_b64_ok(secret: &[u8]) -> bool {
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(secret) else {
        return false;
    };
    // A whole Docker config, base64-encoded (a Kubernetes dockerconfigjson secret): a
    // credential only when one of its entries holds an auth or a password.
    if raw.starts_with(b"{\"auths\":") {
        return [&b"\"auth\":\""[..], b"\"password\":\""]
            .iter()
            .any(|field| {
                raw.windows(field.len())
                    .position(|w| w == *field)
                    .is_some_and(|at| raw.get(at + field.len()).is_some_and(|&b| b != b'"'))
            });
    }
    let Some(colon) = raw.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0 && colon + 1 < raw.len() && raw.iter().all(|b| (0x20..0x7f).contains(b))
}

/// See [`Check::PasswordShaped`].
fn password_shaped(v: &[u8]) -> bool {
    let letter = v.iter().any(u8::is_ascii_alphabetic);
    // Two digits or symbols at least: one is a word with a mark on it (`busybox@`).
    let other = v
        .iter()
        .filter(|b| !b.is_ascii_alphabetic() && **b != b'_')
        .count()
        >= 2;
    let constant = v
        .iter()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_');
    let snake = v.contains(&b'_')
        && v.iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_');
    // A value that spells out the word is a description of one (`webdavgeneratedpassword1`,
    // `PassWordMustBeAtLeast6Chars.`); an ARN or a URL names a resource.
    let lower = v.to_ascii_lowercase();
    let described = lower.windows(8).any(|w| w == b"password")
        || lower.starts_with(b"arn:")
        || lower.windows(3).any(|w| w == b"://");
    // `onboarding.formBody.resetPassword`: a dotted reference or message key, not a value.
    let dotted = v.contains(&b'.')
        && v.split(|&b| b == b'.').all(|part| {
            part.first()
                .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
                && part.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        });
    letter && other && !constant && !snake && !described && !dotted
}

/// Shannon entropy of `bytes` in bits per byte (0 for empty input).
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / len;
            -p * p.log2()
        })
        .sum()
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn encode_radix(mut n: u32, alphabet: &[u8], width: usize) -> Vec<u8> {
    let radix = alphabet.len() as u32;
    let mut out = vec![alphabet[0]; width];
    for slot in out.iter_mut().rev() {
        *slot = alphabet[(n % radix) as usize];
        n /= radix;
    }
    out
}

/// `<prefix>_<30 random><6 checksum>`: the checksum covers the 30 characters after the
/// last `_` of the prefix.
fn base62_crc32_ok(secret: &[u8]) -> bool {
    if secret.len() < 36 {
        return false;
    }
    let (body, sum) = secret.split_at(secret.len() - 6);
    let random = &body[body.len() - 30..];
    encode_radix(crc32fast::hash(random), BASE62, 6) == sum
}

const BASE36: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn gitlab_routable_ok(secret: &[u8]) -> bool {
    if secret.len() < 8 {
        return false;
    }
    let (body, sum) = secret.split_at(secret.len() - 7);
    encode_radix(crc32fast::hash(body), BASE36, 7) == sum
}

/// Microsoft's common annotated key layout: 52 base62 characters, the `JQQJ99` signature,
/// a version character, a month letter `A`–`L`, 16 characters, a letter, 7 characters,
/// and optionally 2 more characters and `==` (88-character long form). The Marvin32
/// checksum is not verified.
fn azure_cask_ok(secret: &[u8]) -> bool {
    let body_ok =
        |range: std::ops::Range<usize>| secret[range].iter().all(u8::is_ascii_alphanumeric);
    match secret.len() {
        84 => {}
        88 if &secret[86..] == b"==" && body_ok(84..86) => {}
        _ => return false,
    }
    body_ok(0..52)
        && &secret[52..58] == b"JQQJ99"
        && secret[58].is_ascii_alphanumeric()
        && (b'A'..=b'L').contains(&secret[59])
        && body_ok(60..76)
        && secret[76].is_ascii_alphabetic()
        && body_ok(77..84)
}

fn b64url_json(segment: &[u8]) -> Option<serde_json::Value> {
    let trimmed: Vec<u8> = segment.iter().copied().filter(|&b| b != b'=').collect();
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(trimmed)
        .ok()?;
    serde_json::from_slice(&decoded).ok()
}

/// A JWT is reported only when header and payload decode to JSON objects, the header names
/// an algorithm, and the token is not one that providers publish on purpose (Supabase's
/// `anon` key, for instance, ships in every browser bundle). `None` when it is not such a
/// JWT; otherwise whether its role is a public one.
fn jwt_claims(secret: &[u8]) -> Option<bool> {
    let mut parts = secret.split(|&b| b == b'.');
    let (header, payload) = (parts.next()?, parts.next()?);
    let header = b64url_json(header)?;
    header.get("alg").and_then(|a| a.as_str())?;
    let payload = b64url_json(payload)?;
    let claims = payload.as_object()?;
    Some(matches!(
        claims.get("role").and_then(|r| r.as_str()),
        Some("anon") | Some("public")
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn common_passwords_and_env_references() {
        use super::common_password;
        for p in [
            "password",
            "P@ssw0rd123!",
            "admin",
            "admin123",
            "postgres",
            "${DB_PASS}",
            "$DB_PASSWORD",
            "changeme!",
            "mysecret",
            "testpassword",
            "guest",
        ] {
            assert!(
                common_password(p.as_bytes()),
                "{p} is a placeholder password"
            );
        }
        for p in [
            "Admin7kqz",
            "m42p!o",
            "$Xk9vq2Lm",
            "UcuEE7P4a1eqlTaTRfGc",
            "testQ8vz3",
        ] {
            assert!(
                !common_password(p.as_bytes()),
                "{p} is a real-looking password"
            );
        }
    }

    #[test]
    fn basic_auth_base64() {
        use super::basic_auth_b64_ok;
        assert!(basic_auth_b64_ok(b"Y2ktYm90OlVjdUVFN1A0YTFlcWxUYVRSZkdj"));
        assert!(!basic_auth_b64_ok(b"VWN1RUU3UDRhMWVxbFRhVFJmR2M="));
        assert!(!basic_auth_b64_ok(b"not base64!"));
    }

    use super::*;

    fn github_token(random: &str) -> String {
        let sum = encode_radix(crc32fast::hash(random.as_bytes()), BASE62, 6);
        format!("ghp_{random}{}", String::from_utf8(sum).unwrap())
    }

    #[test]
    fn entropy_of_uniform_and_constant_input() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaaaaaa"), 0.0);
        assert!((shannon_entropy(b"abcdabcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"sk-proj-Xq9v2LmZ8rT4wY1uP6sN3bK7") > 4.0);
    }

    #[test]
    fn base62_crc32_accepts_valid_and_rejects_tampered() {
        let token = github_token("aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1");
        assert!(Check::Base62Crc32.passes(token.as_bytes()));
        let mut tampered = token.into_bytes();
        tampered[10] = if tampered[10] == b'x' { b'y' } else { b'x' };
        assert!(!Check::Base62Crc32.passes(&tampered));
    }

    #[test]
    fn gitlab_routable_checksum() {
        let body = "glpat-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA.01.0k";
        let sum = encode_radix(crc32fast::hash(body.as_bytes()), BASE36, 7);
        let token = format!("{body}{}", String::from_utf8(sum).unwrap());
        assert!(Check::GitlabRoutableCrc32.passes(token.as_bytes()));
        assert!(!Check::GitlabRoutableCrc32
            .passes(b"glpat-Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA.01.0k0000000"));
    }

    #[test]
    fn azure_cask_layout() {
        let key = format!(
            "{}JQQJ99{}",
            "a1B2".repeat(13),
            "9C0123456789abcdefZ1234567"
        );
        assert_eq!(key.len(), 84);
        assert!(Check::AzureCask.passes(key.as_bytes()));
        assert!(Check::AzureCask.passes(format!("{key}xy==").as_bytes()));
        let bad_month = key.replacen("JQQJ999C", "JQQJ999Z", 1);
        assert!(!Check::AzureCask.passes(bad_month.as_bytes()));
        assert!(!Check::AzureCask.passes(&key.as_bytes()[..83]));
    }

    #[test]
    fn hex_digests_are_not_secrets() {
        let sha1 = "9fceb02d0ae598e95dc970b74767f19372d61af8";
        assert!(!Check::HexNotDigest.passes(sha1.as_bytes()));
        assert!(!Check::HexNotDigest.passes(&[b'a'; 64]));
        assert!(Check::HexNotDigest.passes(&sha1.as_bytes()[..32]));
        assert!(Check::HexNotDigest.passes(b"9fceb02d0ae598e95dc970b74767f19372d61af8x"));
    }

    #[test]
    fn jwt_structure_and_public_tokens() {
        let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let header = enc(r#"{"alg":"HS256","typ":"JWT"}"#);
        let secret = format!(
            "{header}.{}.c2ln",
            enc(r#"{"sub":"svc","role":"service_role"}"#)
        );
        let public = format!("{header}.{}.c2ln", enc(r#"{"role":"anon"}"#));
        assert!(Check::Jwt.passes(secret.as_bytes()));
        assert!(!Check::Jwt.passes(public.as_bytes()));
        assert!(!Check::Jwt.passes(b"eyJub3Rqc29u.eyJ.x"));
        assert!(Check::JwtPublic.passes(public.as_bytes()));
        assert!(!Check::JwtPublic.passes(secret.as_bytes()));
        assert!(!Check::JwtPublic.passes(b"eyJub3Rqc29u.eyJ.x"));
    }
}
