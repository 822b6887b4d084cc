//! Content that is not UTF-8 text, made scannable: UTF-16 and UTF-32 text (PowerShell
//! scripts, Windows configs, `.reg` exports) decoded, and the printable runs of a binary
//! (SQLite databases, pickles, `.pyc`, uncompressed archives, core dumps) extracted one per
//! line, as `strings` does. git-lfs pointers are swapped for the object they name when it
//! is in the local LFS store.
//!
//! It reads bytes and returns bytes; it does not scan.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::input::{Content, Encoding, Hunk, SkipReason};

/// How many leading bytes decide (as git's binary check looks at 8000).
const SNIFF_LEN: usize = 8000;

/// The shortest printable run taken from a binary.
const MIN_RUN: usize = 8;

/// Content ready to scan: the bytes as they are, or recovered text.
pub enum Prepared<'a> {
    /// UTF-8 (or ASCII) text: scanned as it is.
    Text(&'a [u8]),
    /// Text recovered from another encoding or from a binary.
    Recovered(Vec<u8>, Encoding),
    /// A binary with no printable run worth scanning.
    Binary,
}

impl Prepared<'_> {
    /// The bytes to diff and scan (empty for a binary).
    pub fn bytes(&self) -> &[u8] {
        match self {
            Prepared::Text(b) => b,
            Prepared::Recovered(v, _) => v,
            Prepared::Binary => &[],
        }
    }

    /// What a unit hands over for `hunks` of these bytes: text, recovered text with how it
    /// was recovered, or a binary's path only.
    pub fn content<'s>(&'s self, hunks: &'s [Hunk]) -> Content<'s> {
        match self {
            Prepared::Text(bytes) => Content::Text { bytes, hunks },
            Prepared::Recovered(bytes, from) => Content::Decoded {
                bytes,
                hunks,
                from: *from,
            },
            Prepared::Binary => Content::Skipped(SkipReason::Binary),
        }
    }

    /// The whole of these bytes as added lines (files on disk, history blobs, texts).
    pub fn whole(&self) -> Vec<Hunk> {
        Hunk::whole(self.bytes()).into_iter().collect()
    }
}

/// Returns true if and only if git would treat `content` as binary (a NUL in the first
/// 8000 bytes).
pub fn is_binary(content: &[u8]) -> bool {
    memchr::memchr(0, &content[..content.len().min(SNIFF_LEN)]).is_some()
}

/// Prepares `content` for scanning.
pub fn prepare(content: &[u8]) -> Prepared<'_> {
    if !is_binary(content) {
        return Prepared::Text(content);
    }
    if let Some(encoding) = wide_encoding(content) {
        return Prepared::Recovered(decode_wide(content, encoding), encoding);
    }
    let runs = printable_runs(content);
    if runs.is_empty() {
        Prepared::Binary
    } else {
        Prepared::Recovered(runs, Encoding::BinaryStrings)
    }
}

/// UTF-16/32 by byte-order mark, or by the NUL pattern ASCII-range text has in them.
fn wide_encoding(content: &[u8]) -> Option<Encoding> {
    match content {
        [0xFF, 0xFE, 0, 0, ..] => return Some(Encoding::Utf32Le),
        [0, 0, 0xFE, 0xFF, ..] => return Some(Encoding::Utf32Be),
        [0xFF, 0xFE, ..] => return Some(Encoding::Utf16Le),
        [0xFE, 0xFF, ..] => return Some(Encoding::Utf16Be),
        _ => {}
    }
    let head = &content[..content.len().min(SNIFF_LEN)];
    let units = |width: usize, nonzero_at: usize| {
        let chunks = head.chunks_exact(width);
        let n = chunks.len();
        let text_like = chunks
            .filter(|c| {
                c.iter()
                    .enumerate()
                    .all(|(i, &b)| if i == nonzero_at { b != 0 } else { b == 0 })
            })
            .count();
        n >= 4 && text_like * 10 >= n * 9
    };
    if units(4, 0) {
        Some(Encoding::Utf32Le)
    } else if units(4, 3) {
        Some(Encoding::Utf32Be)
    } else if units(2, 0) {
        Some(Encoding::Utf16Le)
    } else if units(2, 1) {
        Some(Encoding::Utf16Be)
    } else {
        None
    }
}

/// Decodes UTF-16/32 to UTF-8 (invalid sequences become U+FFFD; a BOM is dropped).
fn decode_wide(content: &[u8], encoding: Encoding) -> Vec<u8> {
    let mut out = String::with_capacity(content.len() / 2);
    match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let units = content.chunks_exact(2).map(|c| match encoding {
                Encoding::Utf16Le => u16::from_le_bytes([c[0], c[1]]),
                _ => u16::from_be_bytes([c[0], c[1]]),
            });
            out.extend(char::decode_utf16(units).map(|c| c.unwrap_or('\u{FFFD}')));
        }
        _ => {
            for c in content.chunks_exact(4) {
                let v = match encoding {
                    Encoding::Utf32Le => u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                    _ => u32::from_be_bytes([c[0], c[1], c[2], c[3]]),
                };
                out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
            }
        }
    }
    let text = out.strip_prefix('\u{FEFF}').unwrap_or(&out);
    text.as_bytes().to_vec()
}

/// The printable ASCII runs of at least [`MIN_RUN`] bytes, one per line.
fn printable_runs(content: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, &b) in content
        .iter()
        .enumerate()
        .chain(std::iter::once((content.len(), &0u8)))
    {
        let printable = (0x20..0x7F).contains(&b) || b == b'\t';
        match (printable && i < content.len(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if i - s >= MIN_RUN {
                    out.extend_from_slice(&content[s..i]);
                    out.push(b'\n');
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The object a git-lfs pointer names, as a path in the local LFS store, when `content`
/// is a pointer (`version https://git-lfs.github.com/spec/v1`, `oid sha256:…`).
pub fn lfs_object(
    git_common_dir: &Path,
    lfs_storage: Option<&Path>,
    content: &[u8],
) -> Option<PathBuf> {
    if content.len() > 1024 || !content.starts_with(b"version https://git-lfs.github.com/spec/") {
        return None;
    }
    let text = std::str::from_utf8(content).ok()?;
    let oid = text
        .lines()
        .find_map(|l| l.strip_prefix("oid sha256:"))?
        .trim();
    if oid.len() != 64 || !oid.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let store: Cow<'_, Path> = match lfs_storage {
        Some(dir) => Cow::Borrowed(dir),
        None => Cow::Owned(git_common_dir.join("lfs")),
    };
    Some(
        store
            .join("objects")
            .join(&oid[0..2])
            .join(&oid[2..4])
            .join(oid),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_and_utf32_are_decoded() {
        let text = "KEY=abc\r\nx\r\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert!(
            matches!(prepare(&le), Prepared::Recovered(ref v, Encoding::Utf16Le) if v == text.as_bytes())
        );
        let be_no_bom: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert!(
            matches!(prepare(&be_no_bom), Prepared::Recovered(ref v, Encoding::Utf16Be) if v == text.as_bytes())
        );
        let le32: Vec<u8> = text
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        assert!(
            matches!(prepare(&le32), Prepared::Recovered(ref v, Encoding::Utf32Le) if v == text.as_bytes())
        );
    }

    #[test]
    fn binaries_yield_their_printable_runs() {
        let mut bin = b"\x00\x01SQLite format 3\x00\xff\xfeab\x00".to_vec();
        bin.extend_from_slice(b"token=AKIA0123456789ABCDEF\x00\x02");
        let Prepared::Recovered(runs, Encoding::BinaryStrings) = prepare(&bin) else {
            panic!("no runs");
        };
        assert_eq!(
            runs,
            b"SQLite format 3\ntoken=AKIA0123456789ABCDEF\n".to_vec()
        );
        assert!(matches!(prepare(b"\x00\x01\x02ab\x00"), Prepared::Binary));
        assert!(matches!(prepare(b"plain text\n"), Prepared::Text(_)));
    }

    #[test]
    fn lfs_pointers_name_their_object() {
        let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
        let pointer =
            format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12345\n");
        let path = lfs_object(Path::new("/r/.git"), None, pointer.as_bytes()).unwrap();
        assert_eq!(path, Path::new("/r/.git/lfs/objects/4d/7a").join(oid));
        assert!(lfs_object(Path::new("/r/.git"), None, b"not a pointer").is_none());
    }
}
