//! Loose blobs read directly: `objects/xx/yyyy…`, a zlib stream of `blob <size>\0<bytes>`,
//! inflated with the pure-Rust zlib-rs (about twice as fast as the system zlib that libgit2
//! links, whose inflating was half of a large staged scan's time).
//!
//! Everything `git add` just wrote is loose, so this is the common case of a staged scan. It
//! is a fast path: an object that is not here — packed, in an alternate or another object
//! directory — or is not a blob, or is not a zlib stream at all (git's pre-2006 loose
//! format), is left to libgit2. A loose blob that is damaged (truncated, corrupt, longer or
//! shorter than its header says, bytes after its end) is an error, as it is for git; libgit2
//! would loop forever on a truncated one, or pad a short one with zeros. No hash is
//! verified, as git does not on read and libgit2 is told not to (`repo::open_repository`).
//! It reads objects; it does not list or scan them.

use std::path::{Path, PathBuf};

use flate2::{Decompress, FlushDecompress, Status};
use git2::{Oid, Repository};

use crate::error::{Error, Result};

/// No header of a loose blob is longer: `blob `, a size of at most 20 digits, the NUL.
const HEADER_MAX: usize = 32;

/// Deflate cannot expand its input more than about 1032 times; a header claiming more is
/// damaged (and is not allocated for).
const MAX_RATIO: u64 = 1032;

/// Where `repo` keeps its own loose objects (a linked worktree shares the main one's).
pub fn objects_dir(repo: &Repository) -> PathBuf {
    repo.commondir().join("objects")
}

/// The content of blob `id` when `objects` holds it loose; `None` when libgit2 should read
/// it (see the module docs).
pub fn read_blob(objects: &Path, id: Oid) -> Result<Option<Vec<u8>>> {
    let hex = id.to_string();
    let mut path = objects.join(&hex[..2]);
    path.push(&hex[2..]);
    let Ok(compressed) = std::fs::read(&path) else {
        return Ok(None);
    };
    match inflate_blob(&compressed) {
        Ok(found) => Ok(found),
        Err(what) => Err(Error::DamagedObject {
            id: hex,
            path,
            what: what.describe(),
        }),
    }
}

/// How a loose blob is damaged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Damage {
    /// The stream ends before the object does.
    Truncated,
    /// Not valid deflate data.
    Corrupt,
    /// The header is not `blob <decimal size>`.
    BadHeader,
    /// More or fewer bytes than the header says.
    WrongSize,
    /// Bytes after the end of the stream.
    TrailingBytes,
}

impl Damage {
    fn describe(self) -> &'static str {
        match self {
            Damage::Truncated => "the file is truncated",
            Damage::Corrupt => "its compressed data is corrupt",
            Damage::BadHeader => "its header is malformed",
            Damage::WrongSize => "its length differs from its header's",
            Damage::TrailingBytes => "bytes follow its end",
        }
    }
}

/// Whether `bytes` start with a zlib stream header (deflate, a valid check value).
fn is_zlib(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => cmf & 0x0f == 8 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0,
        _ => false,
    }
}

/// Inflates a loose object's bytes: `Ok(None)` when they are not a zlib stream or not a
/// blob, an error when the blob is damaged.
fn inflate_blob(compressed: &[u8]) -> Result<Option<Vec<u8>>, Damage> {
    if !is_zlib(compressed) {
        return Ok(None);
    }
    let mut inflater = Decompress::new(true);
    let mut head = [0u8; HEADER_MAX];
    let mut status = inflater
        .decompress(compressed, &mut head, FlushDecompress::None)
        .map_err(|_| Damage::Corrupt)?;
    let got = inflater.total_out() as usize;
    let header_end = head[..got].iter().position(|&b| b == 0);
    let Some(digits) = head[..header_end.unwrap_or(got)].strip_prefix(b"blob ") else {
        // Another type (libgit2 says which is wanted), or too short to tell.
        return match header_end {
            Some(_) => Ok(None),
            None if got < HEADER_MAX && status != Status::StreamEnd => Err(Damage::Truncated),
            None => Ok(None),
        };
    };
    let nul = header_end.ok_or(if got < HEADER_MAX && status != Status::StreamEnd {
        Damage::Truncated
    } else {
        Damage::BadHeader
    })?;
    let size = parse_size(digits).ok_or(Damage::BadHeader)?;
    if size > (compressed.len() as u64).saturating_mul(MAX_RATIO) {
        return Err(Damage::WrongSize);
    }
    let size = usize::try_from(size).map_err(|_| Damage::WrongSize)?;
    let already = &head[nul + 1..got];
    if already.len() > size {
        return Err(Damage::WrongSize);
    }
    // One byte of slack: a stream longer than its header says shows as output past `size`.
    let mut content = Vec::with_capacity(size + 1);
    content.extend_from_slice(already);
    while status != Status::StreamEnd {
        let consumed = inflater.total_in() as usize;
        let before = content.len();
        status = inflater
            .decompress_vec(
                &compressed[consumed..],
                &mut content,
                FlushDecompress::Finish,
            )
            .map_err(|_| Damage::Corrupt)?;
        if content.len() > size {
            return Err(Damage::WrongSize);
        }
        // No progress with room left: the input ended before the stream did.
        if status != Status::StreamEnd && content.len() == before {
            return Err(Damage::Truncated);
        }
    }
    if content.len() != size {
        return Err(Damage::WrongSize);
    }
    if inflater.total_in() as usize != compressed.len() {
        return Err(Damage::TrailingBytes);
    }
    Ok(Some(content))
}

/// A header's size: decimal, no leading zero (but `0` itself), no more than 20 digits.
fn parse_size(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 20 || (digits.len() > 1 && digits[0] == b'0') {
        return None;
    }
    let mut size: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        size = size.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compress, Compression, FlushCompress};

    fn deflate(bytes: &[u8]) -> Vec<u8> {
        let mut c = Compress::new(Compression::default(), true);
        let mut out = Vec::with_capacity(bytes.len() + 64);
        c.compress_vec(bytes, &mut out, FlushCompress::Finish)
            .unwrap();
        out
    }

    fn object(kind: &str, content: &[u8]) -> Vec<u8> {
        let mut raw = format!("{kind} {}\0", content.len()).into_bytes();
        raw.extend_from_slice(content);
        deflate(&raw)
    }

    #[test]
    fn reads_blobs_of_every_size() {
        for len in [0usize, 1, 5, 31, 32, 33, 4096, 300_000] {
            let content: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            assert_eq!(
                inflate_blob(&object("blob", &content)),
                Ok(Some(content.clone()))
            );
        }
    }

    #[test]
    fn other_objects_are_left_to_libgit2() {
        assert_eq!(inflate_blob(&object("tree", b"x")), Ok(None));
        assert_eq!(inflate_blob(&object("commit", &[b'x'; 100])), Ok(None));
        assert_eq!(inflate_blob(b"not zlib"), Ok(None));
        assert_eq!(inflate_blob(b""), Ok(None));
    }

    #[test]
    fn damaged_blobs_are_errors() {
        let wrong = |raw: &[u8]| inflate_blob(&deflate(raw));
        assert_eq!(wrong(b"blob 4\0abc"), Err(Damage::WrongSize));
        assert_eq!(wrong(b"blob 2\0abc"), Err(Damage::WrongSize));
        assert_eq!(wrong(b"blob 03\0abc"), Err(Damage::BadHeader));
        assert_eq!(wrong(b"blob x\0abc"), Err(Damage::BadHeader));
        assert_eq!(wrong(b"blob 99999999999\0abc"), Err(Damage::WrongSize));
        let whole = object("blob", &[b'a'; 10_000]);
        for cut in [3, whole.len() / 2, whole.len() - 3] {
            assert_eq!(inflate_blob(&whole[..cut]), Err(Damage::Truncated), "{cut}");
        }
        let mut longer = whole.clone();
        longer.push(0);
        assert_eq!(inflate_blob(&longer), Err(Damage::TrailingBytes));
        let mut flipped = whole.clone();
        flipped[whole.len() / 2] ^= 0xff;
        assert!(inflate_blob(&flipped).is_err());
    }
}
