//! Content kinds a key hides in: UTF-16 text, files with a NUL byte, symbolic links, git-lfs
//! objects, and a PEM key rotated in place (its body replaced, its BEGIN and END lines kept).

use crate::common;

use common::{openai_key, Repo, Sandbox};

fn installed(sb: &Sandbox) -> Repo<'_> {
    let repo = sb.repo("r");
    let (code, out, err) = repo.install_hook();
    assert_eq!(code, 0, "{out}{err}");
    repo.stage("readme.md", "hello\n");
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "{out}");
    repo
}

fn refused(repo: &Repo<'_>) -> String {
    let (ok, out) = repo.commit(&[]);
    assert!(!ok, "the commit went through:\n{out}");
    assert!(!out.contains(&openai_key()), "the report printed the key");
    out
}

#[test]
fn utf16_text_is_decoded_and_scanned() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    let text = format!("$env:OPENAI_API_KEY = \"{}\"\r\n", openai_key());
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
    repo.stage("setup.ps1", &bytes);
    let out = refused(&repo);
    assert!(out.contains("setup.ps1:1:"), "{out}");
    let (_, doc) = repo.scan_json(&[]);
    assert_eq!(doc["summary"]["recovered"][0]["how"], "utf16-le", "{doc}");
    // Big endian, no byte-order mark: recognised by its NUL pattern.
    repo.git(&["reset", "-q"]);
    let be: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    repo.stage("setup.ps1", &be);
    refused(&repo);
}

#[test]
fn a_key_after_a_nul_byte_is_found_by_an_unmistakable_rule() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    let mut db = b"SQLite format 3\0\x10\x00\x01\x01\0@  ".to_vec();
    db.extend_from_slice(&[0u8; 64]);
    db.extend_from_slice(format!("api_key={}", openai_key()).as_bytes());
    db.extend_from_slice(&[0u8; 16]);
    repo.stage("cache.sqlite", &db);
    let out = refused(&repo);
    assert!(out.contains("cache.sqlite"), "{out}");
    // A generic-looking assignment inside a binary is not enough: only shapes that cannot
    // occur by chance are reported there.
    repo.git(&["reset", "-q"]);
    let mut blob = b"\x7fELF\x02\x01\x01\0".to_vec();
    blob.extend_from_slice(b"password=Tr0ub4dor&3xyzzyQ\0");
    repo.stage("tool.bin", &blob);
    let (ok, out) = repo.commit(&[]);
    assert!(ok, "a generic match in a binary blocked the commit:\n{out}");
}

#[test]
fn symlink_targets_are_scanned_and_a_link_turned_file_too() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    let key = openai_key();
    std::os::unix::fs::symlink(&key, repo.path.join("creds")).unwrap();
    repo.git(&["add", "creds"]);
    refused(&repo);
    // Committed past the hooks, then the link becomes a regular file with the same bytes:
    // the same blob, now a file that is committed as content.
    repo.commit_setup("link");
    repo.remove("creds");
    repo.write("creds", &key);
    repo.git(&["add", "creds"]);
    let out = refused(&repo);
    assert!(out.contains("creds"), "{out}");
}

#[test]
fn a_pem_key_rotated_in_place_is_found() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    let body = |seed: u32| -> String {
        // 16 lines of 64 base64 characters that look random.
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut x = seed.wrapping_mul(2654435761).wrapping_add(12345);
        let mut out = String::new();
        for _ in 0..16 {
            for _ in 0..64 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                out.push(alphabet[(x % 64) as usize] as char);
            }
            out.push('\n');
        }
        out
    };
    let pem = |seed| {
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}-----END PRIVATE KEY-----\n",
            body(seed)
        )
    };
    repo.write("deploy/tls.key", pem(1));
    repo.git(&["add", "deploy/tls.key"]);
    repo.commit_setup("old key, committed before tierzero");
    // Rotation: only the body lines change.
    repo.stage("deploy/tls.key", pem(2));
    let out = refused(&repo);
    assert!(out.contains("private-key"), "{out}");
    assert!(out.contains("deploy/tls.key:"), "{out}");
}

#[test]
fn git_lfs_objects_are_scanned_when_present() {
    if std::process::Command::new("git-lfs")
        .arg("version")
        .output()
        .is_err()
    {
        println!("SKIPPED: git-lfs is not installed (.ci/run installs it)");
        return;
    }
    let sb = Sandbox::new();
    let repo = installed(&sb);
    repo.git(&["lfs", "install", "--local", "--skip-repo"]);
    repo.git(&["lfs", "track", "*.dat"]);
    repo.git(&["add", ".gitattributes"]);
    repo.commit_setup("track");
    repo.write("model.dat", format!("OPENAI_API_KEY={}\n", openai_key()));
    repo.git(&["add", "model.dat"]);
    let staged = repo.git(&["cat-file", "-p", ":model.dat"]);
    assert!(
        staged.starts_with("version https://git-lfs"),
        "not a pointer: {staged}"
    );
    let out = refused(&repo);
    assert!(out.contains("model.dat"), "{out}");
    // The object gone from the local store: the report says its content was not scanned.
    let lfs = repo.path.join(".git/lfs/objects");
    std::fs::remove_dir_all(&lfs).unwrap();
    let (_, doc) = repo.scan_json(&[]);
    let skipped = doc["summary"]["skipped"].to_string();
    assert!(skipped.contains("lfs-object-missing"), "{doc}");
}

#[test]
fn keys_in_url_encoded_and_unicode_escaped_text_are_found() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    let key = openai_key();
    repo.stage(
        "cassette.yaml",
        format!("body: model=gpt-4o&api_key%3D{key}%26stream%3Dtrue\n"),
    );
    let out = refused(&repo);
    assert!(out.contains("cassette.yaml:1:"), "{out}");
    repo.git(&["reset", "-q"]);
    repo.stage(
        "payload.json",
        format!("{{\"s\": \"key=\\u0022{key}\\u0022\"}}\n"),
    );
    refused(&repo);
}

#[test]
fn a_real_key_whose_body_holds_filler_is_not_dropped_and_placeholders_are_counted() {
    let sb = Sandbox::new();
    let repo = installed(&sb);
    let key = openai_key();
    // The same key with `xxxx` in the middle of its random body: still a key.
    let with_filler = format!("{}xxxx{}", &key[..40], &key[44..]);
    repo.stage("a.py", format!("OPENAI_API_KEY = \"{with_filler}\"\n"));
    let (_, doc) = repo.scan_json(&[]);
    assert_eq!(doc["summary"]["findings"], 1, "{doc}");
    repo.git(&["reset", "-q"]);
    // A placeholder is not reported, but counted and listed as suppressed.
    // AWS's documented example key.
    repo.stage("b.py", "aws_access_key_id = \"AKIAIOSFODNN7EXAMPLE\"\n");
    let (code, doc) = repo.scan_json(&[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["suppressed"], 1, "{doc}");
    assert_eq!(
        doc["suppressed"][0]["suppressed_by"], "placeholder",
        "{doc}"
    );
    let (_, _, err) = repo.run(&["scan", "--verbose"]);
    assert!(err.contains("suppressed (placeholder)"), "{err}");
}
