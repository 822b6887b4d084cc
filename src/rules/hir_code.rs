//! A compact byte encoding of a parsed regex (regex-syntax's `Hir`), so that the default
//! rules' patterns are parsed once, by `build.rs`, instead of on every run.
//!
//! Parsing and translating a pattern is most of what compiling it costs (for the 2 KB
//! generic assignment rule, about three quarters: 1.7 ms of 2.2 ms), and a hook pays it on
//! every commit for the rules whose keywords occur in ordinary code. Decoding is one linear
//! walk that calls `Hir`'s own constructors. This module owns the encoding and the one fact
//! both sides read off a parse (the literals every match contains); which patterns are
//! encoded, and the fallback to parsing, live in `rules`. `build.rs` includes
//! this file with `#[path]`, so it depends on nothing but `regex_syntax`.

use regex_syntax::hir::{
    Capture, Class, ClassBytes, ClassBytesRange, ClassUnicode, ClassUnicodeRange, Hir, HirKind,
    Look, Repetition,
};

const EMPTY: u8 = 0;
const LITERAL: u8 = 1;
const CLASS_BYTES: u8 = 2;
const CLASS_UNICODE: u8 = 3;
const LOOK: u8 = 4;
const REPETITION: u8 = 5;
const CAPTURE: u8 = 6;
const CONCAT: u8 = 7;
const ALTERNATION: u8 = 8;

/// Parses `pattern` as every rule regex is compiled: bytes, Unicode off. The one place
/// that says so for `build.rs`, the stored parses and the literal analyses. `None` for a
/// pattern that does not parse (compiling it then reports the error).
#[allow(dead_code)] // Each includer uses it; the compiler sees two crates.
pub fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(pattern)
        .ok()
}

/// The literals that every match of `hir` contains. Only literals that a match cannot
/// avoid count: those in the top-level sequence, in groups, and in repetitions of at least
/// one; case-insensitive parts are classes, not literals, so they never count.
#[allow(dead_code)] // build.rs uses it, the library through `rules`.
pub fn required_literals(hir: &Hir) -> Vec<Box<[u8]>> {
    fn collect(hir: &Hir, out: &mut Vec<Box<[u8]>>) {
        match hir.kind() {
            HirKind::Literal(lit) => out.push(lit.0.clone()),
            HirKind::Capture(cap) => collect(&cap.sub, out),
            HirKind::Repetition(rep) if rep.min >= 1 => collect(&rep.sub, out),
            HirKind::Concat(parts) => parts.iter().for_each(|p| collect(p, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    collect(hir, &mut out);
    out
}

/// Appends the encoding of `hir` to `out`.
#[allow(dead_code)] // Used by build.rs and the tests, not by the library itself.
pub fn encode(hir: &Hir, out: &mut Vec<u8>) {
    fn varint(mut n: u32, out: &mut Vec<u8>) {
        while n >= 0x80 {
            out.push((n as u8) | 0x80);
            n >>= 7;
        }
        out.push(n as u8);
    }
    fn len(n: usize, out: &mut Vec<u8>) {
        // Every length here comes from a parsed pattern, far below u32::MAX.
        varint(u32::try_from(n).unwrap_or(u32::MAX), out);
    }
    match hir.kind() {
        HirKind::Empty => out.push(EMPTY),
        HirKind::Literal(lit) => {
            out.push(LITERAL);
            len(lit.0.len(), out);
            out.extend_from_slice(&lit.0);
        }
        HirKind::Class(Class::Bytes(class)) => {
            out.push(CLASS_BYTES);
            len(class.ranges().len(), out);
            for r in class.ranges() {
                out.extend_from_slice(&[r.start(), r.end()]);
            }
        }
        HirKind::Class(Class::Unicode(class)) => {
            out.push(CLASS_UNICODE);
            len(class.ranges().len(), out);
            for r in class.ranges() {
                varint(u32::from(r.start()), out);
                varint(u32::from(r.end()), out);
            }
        }
        HirKind::Look(look) => {
            out.push(LOOK);
            varint(look.as_repr(), out);
        }
        HirKind::Repetition(rep) => {
            out.push(REPETITION);
            varint(rep.min, out);
            varint(rep.max.map_or(0, |m| m + 1), out);
            out.push(u8::from(rep.greedy));
            encode(&rep.sub, out);
        }
        HirKind::Capture(cap) => {
            out.push(CAPTURE);
            varint(cap.index, out);
            match &cap.name {
                Some(name) => {
                    len(name.len() + 1, out);
                    out.extend_from_slice(name.as_bytes());
                }
                None => out.push(0),
            }
            encode(&cap.sub, out);
        }
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            out.push(if matches!(hir.kind(), HirKind::Concat(_)) {
                CONCAT
            } else {
                ALTERNATION
            });
            len(subs.len(), out);
            for sub in subs {
                encode(sub, out);
            }
        }
    }
}

/// Decodes what [`encode`] wrote. `None` if `code` is not exactly one well-formed
/// encoding (the caller then parses the pattern instead).
#[allow(dead_code)] // build.rs includes this file but only encodes.
pub fn decode(code: &[u8]) -> Option<Hir> {
    let mut reader = Reader { code, at: 0 };
    let hir = reader.hir()?;
    (reader.at == code.len()).then_some(hir)
}

struct Reader<'a> {
    code: &'a [u8],
    at: usize,
}

#[allow(dead_code)]
impl Reader<'_> {
    fn byte(&mut self) -> Option<u8> {
        let b = *self.code.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    fn varint(&mut self) -> Option<u32> {
        let mut n: u32 = 0;
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            let part = u32::from(b & 0x7f);
            // `checked_shl` only rejects the shift; bits shifted past 32 must fail too.
            if part.leading_zeros() < shift {
                return None;
            }
            n |= part << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn bytes(&mut self, n: usize) -> Option<&[u8]> {
        let end = self.at.checked_add(n)?;
        let out = self.code.get(self.at..end)?;
        self.at = end;
        Some(out)
    }

    fn subs(&mut self) -> Option<Vec<Hir>> {
        let n = self.varint()? as usize;
        // Each encoded node takes at least one byte: a count beyond what is left is corrupt.
        if n > self.code.len() - self.at {
            return None;
        }
        (0..n).map(|_| self.hir()).collect()
    }

    fn hir(&mut self) -> Option<Hir> {
        Some(match self.byte()? {
            EMPTY => Hir::empty(),
            LITERAL => {
                let n = self.varint()? as usize;
                Hir::literal(self.bytes(n)?)
            }
            CLASS_BYTES => {
                let n = self.varint()? as usize;
                let raw = self.bytes(n.checked_mul(2)?)?;
                let ranges = raw
                    .chunks_exact(2)
                    .map(|r| ClassBytesRange::new(r[0], r[1]));
                Hir::class(Class::Bytes(ClassBytes::new(ranges)))
            }
            CLASS_UNICODE => {
                let n = self.varint()? as usize;
                let mut ranges = Vec::with_capacity(n.min(self.code.len()));
                for _ in 0..n {
                    let start = char::from_u32(self.varint()?)?;
                    let end = char::from_u32(self.varint()?)?;
                    ranges.push(ClassUnicodeRange::new(start, end));
                }
                Hir::class(Class::Unicode(ClassUnicode::new(ranges)))
            }
            LOOK => Hir::look(Look::from_repr(self.varint()?)?),
            REPETITION => {
                let min = self.varint()?;
                let max = self.varint()?.checked_sub(1);
                let greedy = self.byte()? != 0;
                let sub = Box::new(self.hir()?);
                Hir::repetition(Repetition {
                    min,
                    max,
                    greedy,
                    sub,
                })
            }
            CAPTURE => {
                let index = self.varint()?;
                let name = match self.varint()?.checked_sub(1) {
                    None => None,
                    Some(n) => Some(std::str::from_utf8(self.bytes(n as usize)?).ok()?.into()),
                };
                let sub = Box::new(self.hir()?);
                Hir::capture(Capture { index, name, sub })
            }
            CONCAT => Hir::concat(self.subs()?),
            ALTERNATION => Hir::alternation(self.subs()?),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    fn parse(pattern: &str) -> regex_syntax::hir::Hir {
        super::parse(pattern).unwrap()
    }

    #[test]
    fn round_trips_every_kind_of_node() {
        for pattern in [
            "",
            "abc",
            r"(?i)sk-[a-z0-9]{20,}\b",
            r"(?m)^(?P<name>x|yz)+?$",
            r"[^\x00-\x1f]*(a|b|)",
            r"(?u:é|\w)",
        ] {
            let mut code = Vec::new();
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(pattern.contains("?u"))
                .utf8(false)
                .build()
                .parse(pattern)
                .unwrap();
            encode(&hir, &mut code);
            assert_eq!(decode(&code), Some(hir), "{pattern}");
        }
    }

    /// Every look-around, Unicode and empty classes, named and nested captures, nested and
    /// lazy repetitions, CRLF mode, alternations the parser folds into classes or factors:
    /// decoding gives back exactly the parse, with Unicode off (as rules parse) and on.
    #[test]
    fn round_trips_every_look_class_and_repetition() {
        let mut checked = 0;
        for pattern in [
            r"^$\A\z(?m:^$)(?Rm:^$)\b\B",
            r"\b{start}\b{end}\b{start-half}\b{end-half}\<\>",
            r"[^\x00-\xff]|[a&&b]|x[^\s\S]",
            r"(?P<a>(?<b>x)(y(?P<c>z)))|(?:(w))",
            r"(?:a{2,3}){1,}?(?:b*)+?(?:c?){0,0}(?:d{1}){1}e{0,}",
            r"(?i)a|b|c|abc|abd|ab",
            r"foo(?:bar|baz)|foo(?:bar|qux)|fo",
            r"(?s:.)(?-s:.)(?sR:.)(?R:.)[\d\w\s][^\D\W\S]",
            r"(?i:[a-z])(?i)ß[k]",
            r"\x00\xff\n\r\t[\x80-\xfe]+",
            "",
            "(?:)|a|",
        ] {
            for unicode in [false, true] {
                let Ok(hir) = regex_syntax::ParserBuilder::new()
                    .unicode(unicode)
                    .utf8(false)
                    .build()
                    .parse(pattern)
                else {
                    continue;
                };
                let mut code = Vec::new();
                encode(&hir, &mut code);
                assert_eq!(decode(&code), Some(hir), "{pattern} unicode={unicode}");
                checked += 1;
            }
        }
        assert_eq!(checked, 24);
    }

    #[test]
    fn corrupt_codes_decode_to_none() {
        let mut code = Vec::new();
        encode(&parse(r"(a|b)[0-9]{3}"), &mut code);
        for cut in 0..code.len() {
            assert_eq!(decode(&code[..cut]), None, "cut at {cut}");
        }
        code.push(0);
        assert_eq!(decode(&code), None, "trailing bytes");
        assert_eq!(decode(&[99]), None, "unknown tag");
        // A length whose fifth varint byte overflows 32 bits (1 + 2^32) is corrupt, not 1.
        assert_eq!(
            decode(&[1, 0x81, 0x80, 0x80, 0x80, 0x10, b'a']),
            None,
            "overflow"
        );
    }
}
