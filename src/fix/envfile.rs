//! The `.env` side of a fix: reading the variables a `.env` already holds, choosing a name
//! for each key (reuse when the value is already there, a suffixed name when the name is
//! taken by another value), formatting the lines to append, and the names-only lines of a
//! `.env.example`. Writing happens in `apply`, with a backup first.

/// One `KEY=value` of a `.env` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The variable name.
    pub key: String,
    /// The value, unquoted.
    pub value: String,
}

/// Parses the variables of a `.env` file (`KEY=value`, `export KEY=value`, quoted values,
/// comments). Lines it does not understand are skipped: they are left as they are.
pub fn parse(text: &str) -> Vec<Entry> {
    text.lines().filter_map(parse_line).collect()
}

fn parse_line(line: &str) -> Option<Entry> {
    let t = line.trim();
    if t.is_empty() || t.starts_with('#') {
        return None;
    }
    let t = t.strip_prefix("export ").map_or(t, str::trim_start);
    let (key, value) = t.split_once('=')?;
    let key = key.trim();
    if !is_name(key) {
        return None;
    }
    let value = value.trim();
    let value = match value.chars().next() {
        Some(q @ ('"' | '\'')) => {
            let inner = &value[1..];
            match inner.find(q) {
                Some(end) => inner[..end].to_string(),
                None => inner.to_string(),
            }
        }
        _ => value
            .split(" #")
            .next()
            .unwrap_or("")
            .trim_end()
            .to_string(),
    };
    Some(Entry {
        key: key.to_string(),
        value,
    })
}

/// Whether `s` is a portable environment variable name.
pub fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The line that sets `key` to `value`, quoted only when the value needs it. Single quotes
/// are read literally by Compose, dotenv libraries and `set -a; . ./.env`.
pub fn format_line(key: &str, value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./+=:@~,%".contains(c));
    if plain {
        format!("{key}={value}")
    } else {
        format!("{key}='{}'", value.replace('\'', "'\\''"))
    }
}

/// How a key's name was chosen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Naming {
    /// A new line in `.env`.
    New,
    /// `.env` already holds this value under this name: nothing is appended.
    Reused,
    /// The wanted name holds another value in `.env`; this one gets a suffixed name.
    Suffixed {
        /// The name that was taken.
        wanted: String,
    },
}

/// Chooses the `.env` name for `value`, wanting `base`: the first of `base`, `base_2`,
/// `base_3` … that either already holds `value` (reused) or is free in `existing` and in
/// `taken` (names chosen earlier in this run, with their values).
pub fn choose_name(
    base: &str,
    value: &str,
    existing: &[Entry],
    taken: &[(String, String)],
) -> (String, Naming) {
    let mut n = 1;
    loop {
        let name = if n == 1 {
            base.to_string()
        } else {
            format!("{base}_{n}")
        };
        let in_env = existing.iter().find(|e| e.key == name);
        let in_run = taken.iter().find(|(k, _)| *k == name);
        match (in_env, in_run) {
            (Some(e), _) if e.value == value => return (name, Naming::Reused),
            (None, Some((_, v))) if v == value => return (name, Naming::New),
            (None, None) => {
                let naming = if n == 1 {
                    Naming::New
                } else {
                    Naming::Suffixed {
                        wanted: base.to_string(),
                    }
                };
                return (name, naming);
            }
            _ => n += 1,
        }
    }
}

/// The variable names set in a `.env`-like text, in order, without values.
pub fn names_only(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for e in parse(text) {
        if !names.contains(&e.key) {
            names.push(e.key);
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        let got =
            parse("# c\nA=1\nexport B = \"two words\"\nC='x#y'\nD=v # note\nbad line\n9X=no\n");
        let kv: Vec<(&str, &str)> = got
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(
            kv,
            vec![("A", "1"), ("B", "two words"), ("C", "x#y"), ("D", "v")]
        );
    }

    #[test]
    fn names_are_reused_or_suffixed() {
        let existing = parse("K=old\nK_2=mine\n");
        assert_eq!(
            choose_name("K", "mine", &existing, &[]),
            ("K_2".into(), Naming::Reused)
        );
        assert_eq!(
            choose_name("K", "old", &existing, &[]),
            ("K".into(), Naming::Reused)
        );
        assert_eq!(
            choose_name("K", "new", &existing, &[]),
            ("K_3".into(), Naming::Suffixed { wanted: "K".into() })
        );
        let taken = vec![("J".to_string(), "a".to_string())];
        assert_eq!(
            choose_name("J", "a", &[], &taken),
            ("J".into(), Naming::New)
        );
        assert_eq!(choose_name("J", "b", &[], &taken).0, "J_2");
    }

    #[test]
    fn quoting() {
        assert_eq!(format_line("K", "sk-abc_DEF/+="), "K=sk-abc_DEF/+=");
        assert_eq!(format_line("K", "a b'c"), "K='a b'\\''c'");
    }
}
