//! Packed blobs read directly: the repository's own `objects/pack/*.idx` looked up, the
//! object's delta chain resolved, every zlib stream inflated with zlib-rs, and every delta
//! base kept in a bounded cache — as git's own delta-base cache does, and libgit2's does not
//! (it keeps only a chain's root, so reading a history's versions of a file re-applies most
//! of the chain for each one). A whole-history scan reads a file's versions oldest first,
//! the deepest deltas first, so each version after the first is usually already cached.
//!
//! A fast path, as `loose` is: an object not in these packs, a delta whose base is outside
//! its pack, an index or entry this reader does not know (idx v1, a pack of another
//! version), anything that fails to read or inflate, answers `None` and libgit2 reads the
//! object (and reports any damage). It reads objects; it does not list or scan them.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use flate2::{Decompress, FlushDecompress, Status};
use git2::Oid;

/// Delta bases kept per reader. git's `core.deltaBaseCacheLimit` defaults to 96 MiB.
const CACHE_BYTES: usize = 32 << 20;

/// Larger objects are not cached: one would push out many smaller bases.
const CACHE_ENTRY_MAX: usize = CACHE_BYTES / 8;

/// Longer delta chains are left to libgit2 (git writes at most 50 by default).
const MAX_CHAIN: usize = 10_000;

/// Objects larger than this are left to libgit2 (a bad size must not allocate gigabytes).
const MAX_OBJECT: u64 = 1 << 32;

const OBJ_BLOB: u8 = 3;
const OBJ_OFS_DELTA: u8 = 6;
const OBJ_REF_DELTA: u8 = 7;

/// Packs whose index is larger are left to libgit2 (which maps it): this reader holds an
/// index in memory, about 28 bytes per object.
const MAX_IDX_BYTES: u64 = 64 << 20;

/// One pack and its version 2 index (held in memory).
struct Pack {
    idx: Vec<u8>,
    pack: File,
    pack_len: u64,
    fanout: Box<[u32; 256]>,
}

impl Pack {
    fn open(idx_path: &Path) -> Option<Pack> {
        let idx_len = std::fs::metadata(idx_path).ok()?.len();
        if idx_len > MAX_IDX_BYTES {
            return None;
        }
        let idx = std::fs::read(idx_path).ok()?;
        let pack = File::open(idx_path.with_extension("pack")).ok()?;
        let pack_len = pack.metadata().ok()?.len();
        if idx.get(..8)? != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
            return None;
        }
        let mut fanout = Box::new([0u32; 256]);
        for (i, slot) in fanout.iter_mut().enumerate() {
            *slot = be32(idx.get(8 + i * 4..)?)?;
        }
        // Names, CRCs and 4-byte offsets must all be there (large offsets are checked on use).
        if (idx.len() as u64) < 8 + 1024 + u64::from(fanout[255]) * 28 {
            return None;
        }
        let mut pack_head = [0u8; 8];
        pack.read_exact_at(&mut pack_head, 0).ok()?;
        if pack_head != [b'P', b'A', b'C', b'K', 0, 0, 0, 2]
            && pack_head != [b'P', b'A', b'C', b'K', 0, 0, 0, 3]
        {
            return None;
        }
        Some(Pack {
            idx,
            pack,
            pack_len,
            fanout,
        })
    }

    fn count(&self) -> u64 {
        u64::from(self.fanout[255])
    }

    /// The offset of `id` in this pack.
    fn find(&self, id: &[u8]) -> Option<u64> {
        let first = id[0] as usize;
        let mut lo = if first == 0 {
            0
        } else {
            self.fanout[first - 1]
        } as u64;
        let mut hi = u64::from(self.fanout[first]);
        let names = 8 + 256 * 4;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = (names + mid * 20) as usize;
            match self.idx.get(at..at + 20)?.cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset_of(mid),
            }
        }
        None
    }

    fn offset_of(&self, n: u64) -> Option<u64> {
        let n_objects = self.count();
        let offsets = 8 + 256 * 4 + n_objects * 24;
        let small = be32(self.idx.get((offsets + n * 4) as usize..)?)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let large = (offsets + n_objects * 4 + u64::from(small & 0x7fff_ffff) * 8) as usize;
        Some(u64::from_be_bytes(
            self.idx.get(large..large + 8)?.try_into().ok()?,
        ))
    }
}

fn be32(b: &[u8]) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(..4)?.try_into().ok()?))
}

/// An entry's header: its type, its (inflated) size, where its zlib stream starts, and for
/// a delta where its base is.
struct Entry {
    kind: u8,
    size: u64,
    data: u64,
    base: Base,
}

enum Base {
    None,
    Offset(u64),
    Id([u8; 20]),
}

/// The packs of one object directory and this reader's delta-base cache. The pack indexes
/// are read on the first lookup: a reader that reads no blob (a commit message) pays
/// nothing.
pub struct Packs {
    objects: PathBuf,
    packs: Option<Vec<Pack>>,
    cache: HashMap<(usize, u64), Arc<[u8]>>,
    order: VecDeque<(usize, u64)>,
    cached_bytes: usize,
    inflater: Decompress,
    buf: Vec<u8>,
}

impl Packs {
    /// The packs under `objects/pack` (none when it cannot be listed), opened on first use.
    pub fn open(objects: &Path) -> Packs {
        Packs {
            objects: objects.to_path_buf(),
            packs: None,
            cache: HashMap::new(),
            order: VecDeque::new(),
            cached_bytes: 0,
            inflater: Decompress::new(true),
            buf: Vec::new(),
        }
    }

    fn packs(&mut self) -> &[Pack] {
        let objects = &self.objects;
        self.packs.get_or_insert_with(|| {
            let Ok(dir) = std::fs::read_dir(objects.join("pack")) else {
                return Vec::new();
            };
            let mut paths: Vec<_> = dir
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "idx"))
                .collect();
            paths.sort();
            paths.iter().filter_map(|p| Pack::open(p)).collect()
        })
    }

    /// The content of blob `id` when one of these packs holds it and it reads cleanly;
    /// `None` otherwise (ask libgit2).
    pub fn read_blob(&mut self, id: Oid) -> Option<Vec<u8>> {
        let key = id.as_bytes();
        let (pack, offset) = self
            .packs()
            .iter()
            .enumerate()
            .find_map(|(i, p)| p.find(key).map(|o| (i, o)))?;
        let (kind, bytes) = self.object_at(pack, offset)?;
        (kind == OBJ_BLOB).then(|| bytes[1..].to_vec())
    }

    /// The object at `offset` of pack `pack`: its chain walked down to a cached or whole
    /// object, then the deltas applied back up, each result cached.
    fn object_at(&mut self, pack: usize, offset: u64) -> Option<(u8, Arc<[u8]>)> {
        let mut deltas: Vec<(u64, Entry)> = Vec::new();
        let mut at = offset;
        let (kind, mut object) = loop {
            if let Some(hit) = self.cache.get(&(pack, at)) {
                // Cached objects are all of one type along a chain; the type is the base's,
                // kept with it.
                break (hit[0], Arc::clone(hit));
            }
            let entry = self.entry(pack, at)?;
            match entry.kind {
                1..=4 => {
                    let body = self.inflate(pack, &entry)?;
                    let mut tagged = Vec::with_capacity(body.len() + 1);
                    tagged.push(entry.kind);
                    tagged.extend_from_slice(&body);
                    let tagged: Arc<[u8]> = tagged.into();
                    if !deltas.is_empty() {
                        self.remember(pack, at, &tagged);
                    }
                    break (entry.kind, tagged);
                }
                OBJ_OFS_DELTA | OBJ_REF_DELTA => {
                    let next = match entry.base {
                        Base::Offset(o) => o,
                        Base::Id(id) => self.packs.as_ref()?[pack].find(&id)?,
                        Base::None => return None,
                    };
                    if deltas.len() >= MAX_CHAIN {
                        return None;
                    }
                    deltas.push((at, entry));
                    at = next;
                }
                _ => return None,
            }
        };
        while let Some((at, entry)) = deltas.pop() {
            let delta = self.inflate(pack, &entry)?;
            let applied = apply_delta(&object[1..], &delta, kind)?;
            object = applied.into();
            // The object asked for is kept too: the next version read is often a delta
            // against it.
            self.remember(pack, at, &object);
        }
        Some((kind, object))
    }

    fn remember(&mut self, pack: usize, at: u64, object: &Arc<[u8]>) {
        if object.len() > CACHE_ENTRY_MAX || self.cache.contains_key(&(pack, at)) {
            return;
        }
        while self.cached_bytes + object.len() > CACHE_BYTES {
            let Some(old) = self.order.pop_front() else {
                break;
            };
            if let Some(gone) = self.cache.remove(&old) {
                self.cached_bytes -= gone.len();
            }
        }
        self.cached_bytes += object.len();
        self.order.push_back((pack, at));
        self.cache.insert((pack, at), Arc::clone(object));
    }

    /// Parses the entry header at `at`.
    fn entry(&mut self, pack: usize, at: u64) -> Option<Entry> {
        let p = &self.packs.as_ref()?[pack];
        let mut head = [0u8; 32];
        let avail = p.pack_len.checked_sub(at)?.min(head.len() as u64) as usize;
        p.pack.read_exact_at(&mut head[..avail], at).ok()?;
        let head = &head[..avail];
        let mut i = 0;
        let mut c = *head.get(i)?;
        i += 1;
        let kind = (c >> 4) & 7;
        let mut size = u64::from(c & 15);
        let mut shift = 4;
        while c & 0x80 != 0 {
            c = *head.get(i)?;
            i += 1;
            if shift > 57 {
                return None;
            }
            size |= u64::from(c & 0x7f) << shift;
            shift += 7;
        }
        if size > MAX_OBJECT {
            return None;
        }
        let base = match kind {
            OBJ_OFS_DELTA => {
                let mut c = *head.get(i)?;
                i += 1;
                let mut back = u64::from(c & 0x7f);
                while c & 0x80 != 0 {
                    c = *head.get(i)?;
                    i += 1;
                    back = back.checked_add(1)?.checked_mul(128)? | u64::from(c & 0x7f);
                }
                Base::Offset(at.checked_sub(back).filter(|&o| o > 0)?)
            }
            OBJ_REF_DELTA => {
                let id: [u8; 20] = head.get(i..i + 20)?.try_into().ok()?;
                i += 20;
                Base::Id(id)
            }
            _ => Base::None,
        };
        Some(Entry {
            kind,
            size,
            data: at + i as u64,
            base,
        })
    }

    /// Inflates an entry's zlib stream, which must give exactly its size.
    fn inflate(&mut self, pack: usize, entry: &Entry) -> Option<Vec<u8>> {
        let p = &self.packs.as_ref()?[pack];
        // Deflate's worst case: stored blocks of 65535 bytes with 5 bytes of framing, plus
        // zlib's header and checksum.
        let bound = entry.size + 5 * (entry.size / 65_535 + 1) + 16;
        let avail = p.pack_len.checked_sub(entry.data)?.min(bound) as usize;
        self.buf.resize(avail, 0);
        p.pack.read_exact_at(&mut self.buf, entry.data).ok()?;
        let size = usize::try_from(entry.size).ok()?;
        let mut out = Vec::with_capacity(size + 1);
        self.inflater.reset(true);
        let status = self
            .inflater
            .decompress_vec(&self.buf, &mut out, FlushDecompress::Finish)
            .ok()?;
        (status == Status::StreamEnd && out.len() == size).then_some(out)
    }
}

/// A delta's size header: a little-endian base-128 number.
fn delta_size(delta: &[u8], i: &mut usize) -> Option<usize> {
    let mut size: u64 = 0;
    let mut shift = 0;
    loop {
        let c = *delta.get(*i)?;
        *i += 1;
        if shift > 57 {
            return None;
        }
        size |= u64::from(c & 0x7f) << shift;
        shift += 7;
        if c & 0x80 == 0 {
            return usize::try_from(size).ok();
        }
    }
}

/// Applies git delta `delta` to `base`; the result is tagged with `kind` in its first byte
/// (the cache keeps an object's type with it).
fn apply_delta(base: &[u8], delta: &[u8], kind: u8) -> Option<Vec<u8>> {
    let mut i = 0;
    if delta_size(delta, &mut i)? != base.len() {
        return None;
    }
    let size = delta_size(delta, &mut i)?;
    let mut out = Vec::with_capacity(size + 1);
    out.push(kind);
    while i < delta.len() {
        let op = delta[i];
        i += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    offset |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |= usize::from(*delta.get(i)?) << (8 * bit);
                    i += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            out.extend_from_slice(delta.get(i..i + usize::from(op))?);
            i += usize::from(op);
        } else {
            return None;
        }
    }
    (out.len() == size + 1).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::apply_delta;

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"hello, world";
        // sizes 12 -> 11; copy 7 bytes at 0 ("hello, "), insert "git!".
        let delta = [12, 11, 0x80 | 0x10 | 0x01, 0, 7, 4, b'g', b'i', b't', b'!'];
        let out = apply_delta(base, &delta, 3).unwrap();
        assert_eq!(&out[1..], b"hello, git!");
        assert_eq!(out[0], 3);
        // Wrong base size, a copy past the base, a zero opcode: refused.
        assert!(apply_delta(b"short", &delta, 3).is_none());
        assert!(apply_delta(base, &[12, 5, 0x80 | 0x10 | 0x01, 10, 5], 3).is_none());
        assert!(apply_delta(base, &[12, 1, 0], 3).is_none());
    }
}
