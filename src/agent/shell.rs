//! What a shell command an agent wants to run would print: secret files it reads, the
//! environment it dumps, credential variables it echoes.
//!
//! This module owns a deliberately small shell reader: words with quotes and escapes,
//! operators (`|`, `;`, `&&`, `<`, …), `$( … )` and backquote substitutions, `sh -c '…'`
//! bodies, leading `VAR=value` assignments and a few wrappers (`sudo`, `env CMD`, `exec`).
//! It recognises conservatively: a command is only *suspected* here; whether a path it
//! reads really is a secret file is decided by the shared path and content rules in
//! `decide`. It does not evaluate variables, aliases, functions or scripts, and it does not
//! look inside files a command runs. The recognised programs are listed in docs/AGENTS.md.

/// Programs that print the files they are given (or load them, for `source`).
const READERS: &[&str] = &[
    "cat", "tac", "less", "more", "most", "head", "tail", "nl", "bat", "batcat", "view", "od",
    "xxd", "hexdump", "hd", "strings", "base64", "base32", "cut", "sort", "uniq", "paste",
    "column", "fold", "fmt", "pr", "rev", "tee", "jq", "yq", "source", ".", "dos2unix", "iconv",
    "zcat", "diff", "cmp", "comm", "wc", "grep", "egrep", "fgrep", "rg", "ag", "ack", "awk",
    "gawk", "mawk", "nawk", "sed", "perl", "ruby", "python", "python3", "node",
];

/// Readers whose first operand is a pattern or script, not a file (unless `-e`/`-f` gave
/// the pattern).
const PATTERN_FIRST: &[&str] = &[
    "grep", "egrep", "fgrep", "rg", "ag", "ack", "awk", "gawk", "mawk", "nawk", "sed", "jq", "yq",
];

/// Interpreters whose `-e`/`-c` body is code; their file operands are scripts they run,
/// which are not printed, so only a redirected input counts for them.
const INTERPRETERS: &[&str] = &["perl", "ruby", "python", "python3", "node"];

/// Programs that print a variable's value given as an argument.
const PRINTERS: &[&str] = &["echo", "printf", "print"];

/// Shells whose `-c` argument is itself a command line.
const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ksh", "fish"];

/// Prefix commands that run the rest of the line as a command.
const WRAPPERS: &[&str] = &[
    "sudo", "command", "builtin", "exec", "nohup", "time", "nice", "ionice", "stdbuf", "doas",
    "timeout", "watch", "xargs",
];

/// Something a command would do that may expose a credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Suspect {
    /// It reads (prints or loads) this path, as written (relative to the command's cwd).
    Reads(String),
    /// It prints the whole environment (`env`, `printenv`, `export -p`, …): the program.
    DumpsEnvironment(String),
    /// It prints a credential-like variable (`echo $OPENAI_API_KEY`, `printenv X_TOKEN`).
    PrintsVariable(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Word(String),
    Op(String),
}

/// Splits a command line into words and operators. Substitutions (`$(…)`, backquotes) are
/// returned separately so their bodies are analysed as commands of their own.
fn tokenize(s: &str, subs: &mut Vec<String>) -> Vec<Tok> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let flush = |word: &mut String, in_word: &mut bool, out: &mut Vec<Tok>| {
        if *in_word {
            out.push(Tok::Word(std::mem::take(word)));
            *in_word = false;
        }
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' => {
                flush(&mut word, &mut in_word, &mut out);
                i += 1;
            }
            '\n' | ';' | '(' | ')' => {
                flush(&mut word, &mut in_word, &mut out);
                out.push(Tok::Op(c.to_string()));
                i += 1;
            }
            '|' | '&' | '<' | '>' => {
                flush(&mut word, &mut in_word, &mut out);
                let mut op = c.to_string();
                while i + 1 < chars.len()
                    && op.len() < 3
                    && matches!(chars[i + 1], '|' | '&' | '<' | '>')
                {
                    i += 1;
                    op.push(chars[i]);
                }
                out.push(Tok::Op(op));
                i += 1;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    if next != '\n' {
                        word.push(next);
                        in_word = true;
                    }
                }
                i += 2;
            }
            '\'' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    word.push(chars[i]);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                in_word = true;
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    match chars[i] {
                        '\\' if matches!(chars.get(i + 1), Some('"' | '\\' | '$' | '`')) => {
                            word.push(chars[i + 1]);
                            i += 2;
                        }
                        '$' if chars.get(i + 1) == Some(&'(') => {
                            let (body, end) = balanced(&chars, i + 2);
                            subs.push(body);
                            word.push_str("$(…)");
                            i = end;
                        }
                        '`' => {
                            let (body, end) = backquoted(&chars, i + 1);
                            subs.push(body);
                            i = end;
                        }
                        other => {
                            word.push(other);
                            i += 1;
                        }
                    }
                }
                i += 1;
            }
            '$' if chars.get(i + 1) == Some(&'(') => {
                let (body, end) = balanced(&chars, i + 2);
                subs.push(body);
                word.push_str("$(…)");
                in_word = true;
                i = end;
            }
            '`' => {
                let (body, end) = backquoted(&chars, i + 1);
                subs.push(body);
                in_word = true;
                i = end;
            }
            other => {
                word.push(other);
                in_word = true;
                i += 1;
            }
        }
    }
    flush(&mut word, &mut in_word, &mut out);
    out
}

/// The body of `$( … )` starting at `start` (just after the parenthesis), and the index
/// after its closing parenthesis. Quotes inside are skipped over.
fn balanced(chars: &[char], start: usize) -> (String, usize) {
    let mut depth = 1;
    let mut i = start;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth == 0 {
                    return (chars[start..i].iter().collect(), i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    (
        chars[start.min(chars.len())..].iter().collect(),
        chars.len(),
    )
}

fn backquoted(chars: &[char], start: usize) -> (String, usize) {
    let mut i = start;
    while i < chars.len() && chars[i] != '`' {
        i += 1;
    }
    (
        chars[start.min(chars.len())..i.min(chars.len())]
            .iter()
            .collect(),
        i + 1,
    )
}

/// Whether a variable name looks like it holds a credential: one of its `_`-separated
/// parts is KEY, TOKEN, SECRET, PASSWORD, … or it is one of `known` (the rules' env vars).
pub fn credential_like(name: &str, known: &[String]) -> bool {
    if known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
        return true;
    }
    let upper = name.to_ascii_uppercase();
    if matches!(upper.as_str(), "PWD" | "OLDPWD") {
        return false;
    }
    upper.split('_').any(|part| {
        matches!(
            part,
            "KEY"
                | "APIKEY"
                | "KEYS"
                | "TOKEN"
                | "TOKENS"
                | "SECRET"
                | "SECRETS"
                | "PASSWORD"
                | "PASSWD"
                | "PASS"
                | "PWD"
                | "CREDENTIAL"
                | "CREDENTIALS"
                | "CREDS"
                | "AUTH"
                | "PAT"
                | "PRIVATE"
                | "BEARER"
                | "CERT"
                | "SIGNATURE"
        ) || part.ends_with("KEY") && part.len() > 3 && !part.ends_with("MONKEY")
            || part.ends_with("TOKEN")
            || part.ends_with("SECRET")
            || part.ends_with("PASSWORD")
    })
}

/// Variable names referenced as `$NAME` or `${NAME…}` in `word`.
fn variables(word: &str) -> Vec<String> {
    let bytes = word.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let mut j = i + 1;
            let braced = bytes.get(j) == Some(&b'{');
            if braced {
                j += 1;
                // `${!prefix*}` and `${#VAR}` still name variables.
                while matches!(bytes.get(j), Some(b'!' | b'#')) {
                    j += 1;
                }
            }
            let start = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j > start && !bytes[start].is_ascii_digit() {
                out.push(word[start..j].to_string());
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

fn basename(word: &str) -> &str {
    word.rsplit(['/', '\\']).next().unwrap_or(word)
}

/// Analyses one command line (recursively for substitutions and `sh -c` bodies, at most
/// `depth` levels deep).
pub fn analyse(command: &str, known_vars: &[String]) -> Vec<Suspect> {
    let mut out = Vec::new();
    analyse_into(command, known_vars, 0, &mut out);
    out.dedup();
    out
}

fn analyse_into(command: &str, known: &[String], depth: usize, out: &mut Vec<Suspect>) {
    if depth > 4 {
        return;
    }
    let mut subs = Vec::new();
    let toks = tokenize(command, &mut subs);
    for body in &subs {
        analyse_into(body, known, depth + 1, out);
    }
    // Split into simple commands; collect input redirections on the way.
    let mut simple: Vec<String> = Vec::new();
    let mut i = 0;
    while i <= toks.len() {
        match toks.get(i) {
            None => {
                simple_command(&simple, known, depth, out);
                simple.clear();
            }
            Some(Tok::Word(w)) => simple.push(w.clone()),
            Some(Tok::Op(op)) => match op.as_str() {
                "<" | "<>" | "0<" => {
                    if let Some(Tok::Word(path)) = toks.get(i + 1) {
                        out.push(Suspect::Reads(path.clone()));
                        i += 1;
                    }
                }
                // Output redirections, here-documents and here-strings: skip their target.
                ">" | ">>" | ">|" | "&>" | "&>>" | ">&" | "<<" | "<<<" | "<<-" => {
                    if let Some(Tok::Word(_)) = toks.get(i + 1) {
                        i += 1;
                    }
                }
                _ => {
                    simple_command(&simple, known, depth, out);
                    simple.clear();
                }
            },
        }
        i += 1;
    }
}

/// Options of `program` whose value is the next word (so that word is not a file).
fn options_with_values(program: &str) -> &'static [&'static str] {
    match program {
        "head" | "tail" => &["-n", "-c", "--lines", "--bytes"],
        "grep" | "egrep" | "fgrep" | "ag" | "ack" => {
            &["-e", "-f", "-m", "-A", "-B", "-C", "--regexp", "--file"]
        }
        "rg" => &[
            "-e", "-f", "-m", "-A", "-B", "-C", "-g", "-t", "-T", "--glob", "--type", "--regexp",
            "--file",
        ],
        "sed" => &["-e", "-f", "--expression", "--file"],
        "awk" | "gawk" | "mawk" | "nawk" => &["-f", "-v", "-F"],
        "cut" => &["-d", "-f", "-c", "-b"],
        "sort" => &["-k", "-t", "-o", "-S"],
        "jq" | "yq" => &["--arg", "--argjson", "-f", "--from-file"],
        "od" | "xxd" | "hexdump" => &["-n", "-s", "-c", "-l", "-t", "-j", "-N"],
        "base64" | "base32" | "fold" => &["-w", "--wrap"],
        _ => &[],
    }
}

fn simple_command(words: &[String], known: &[String], depth: usize, out: &mut Vec<Suspect>) {
    let mut rest = words;
    // Leading assignments (`FOO=1 cmd`) and wrappers (`sudo -u x cmd`).
    loop {
        match rest.first() {
            Some(w) if is_assignment(w) => rest = &rest[1..],
            Some(w) if WRAPPERS.contains(&basename(w)) => {
                let wrapper = basename(w);
                rest = &rest[1..];
                while rest.first().is_some_and(|w| w.starts_with('-')) {
                    rest = &rest[1..];
                }
                // `timeout 5 cmd`, `nice -n 5 cmd`: a numeric argument before the command.
                if matches!(wrapper, "timeout" | "nice" | "ionice")
                    && rest.first().is_some_and(|w| {
                        w.chars().all(|c| {
                            c.is_ascii_digit()
                                || c == '.'
                                || c.is_ascii_alphabetic() && w.len() <= 3
                        })
                    })
                {
                    rest = &rest[1..];
                }
            }
            _ => break,
        }
    }
    let Some(first) = rest.first() else {
        return;
    };
    let program = basename(first);
    let args = &rest[1..];
    let takes_value = options_with_values(program);
    let operands: Vec<&String> = {
        let mut ops = Vec::new();
        let mut after_dashdash = false;
        let mut skip_next = false;
        for a in args {
            if skip_next {
                skip_next = false;
            } else if !after_dashdash && a == "--" {
                after_dashdash = true;
            } else if after_dashdash || !a.starts_with('-') || a == "-" {
                ops.push(a);
            } else if takes_value.contains(&a.as_str()) {
                skip_next = true;
            }
        }
        ops
    };
    match program {
        "env" => {
            // `env` alone (or with only options and assignments) prints the environment;
            // `env FOO=1 cmd` runs cmd.
            let mut tail = args;
            while tail
                .first()
                .is_some_and(|w| w.starts_with('-') || is_assignment(w))
            {
                // `-u NAME` and `-C DIR` take a value.
                if matches!(tail[0].as_str(), "-u" | "-C" | "--unset" | "--chdir") {
                    tail = &tail[tail.len().min(2)..];
                } else {
                    tail = &tail[1..];
                }
            }
            if tail.is_empty() {
                out.push(Suspect::DumpsEnvironment("env".into()));
            } else {
                simple_command(tail, known, depth, out);
            }
        }
        "printenv" => {
            if operands.is_empty() {
                out.push(Suspect::DumpsEnvironment("printenv".into()));
            }
            for name in &operands {
                if credential_like(name, known) {
                    out.push(Suspect::PrintsVariable((*name).clone()));
                }
            }
        }
        "set" if args.is_empty() => out.push(Suspect::DumpsEnvironment("set".into())),
        "export" if args.is_empty() || args.iter().any(|a| a == "-p") => {
            out.push(Suspect::DumpsEnvironment("export -p".into()))
        }
        "declare" | "typeset"
            if args.is_empty() || args.iter().any(|a| a == "-p" || a == "-x" || a == "-px") =>
        {
            out.push(Suspect::DumpsEnvironment(program.to_string()))
        }
        p if PRINTERS.contains(&p) => {
            for a in args {
                for name in variables(a) {
                    if credential_like(&name, known) {
                        out.push(Suspect::PrintsVariable(name));
                    }
                }
            }
        }
        p if SHELLS.contains(&p) => {
            // `bash -c 'body'`, `bash -lc 'body'`; `bash script.sh` runs a script (not read
            // out, so not suspected); `bash < file` is covered by the redirection.
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if a.starts_with('-') && !a.starts_with("--") && a.contains('c') {
                    if let Some(body) = it.next() {
                        analyse_into(body, known, depth + 1, out);
                    }
                    break;
                }
            }
        }
        p if INTERPRETERS.contains(&p) => {}
        p if READERS.contains(&p) => {
            let gave_pattern = args.iter().any(|a| {
                a == "-e" || a == "-f" || a.starts_with("--regexp") || a.starts_with("--file")
            });
            let skip = usize::from(PATTERN_FIRST.contains(&p) && !gave_pattern);
            for path in operands.iter().skip(skip) {
                out.push(Suspect::Reads((*path).clone()));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(cmd: &str) -> Vec<String> {
        analyse(cmd, &[])
            .into_iter()
            .filter_map(|s| match s {
                Suspect::Reads(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn readers_and_redirections() {
        assert_eq!(reads("cat .env"), vec![".env"]);
        assert_eq!(reads("grep KEY .env.local"), vec![".env.local"]);
        assert_eq!(reads("grep -e KEY .env"), vec![".env"]);
        assert_eq!(reads("sort < .env | head -n 3"), vec![".env"]);
        assert_eq!(
            reads("FOO=1 sudo -E tail -f 'my dir/.env'"),
            vec!["my dir/.env"]
        );
        assert_eq!(
            reads("bash -lc \"cat ~/.aws/credentials\""),
            vec!["~/.aws/credentials"]
        );
        assert_eq!(reads("echo $(cat .env) > out.txt"), vec![".env"]);
        assert_eq!(reads("source .env && npm test"), vec![".env"]);
        assert!(reads("cargo build --release").is_empty());
        assert!(reads("python3 manage.py runserver").is_empty());
        assert!(reads("echo hi > .env").is_empty());
    }

    #[test]
    fn environment_dumps_and_variables() {
        let a = |c: &str| analyse(c, &["OPENAI_API_KEY".to_string()]);
        assert_eq!(a("env"), vec![Suspect::DumpsEnvironment("env".into())]);
        assert_eq!(
            a("env | grep AWS"),
            vec![Suspect::DumpsEnvironment("env".into())]
        );
        assert!(a("env NODE_ENV=test npm test").is_empty());
        assert_eq!(
            a("printenv"),
            vec![Suspect::DumpsEnvironment("printenv".into())]
        );
        assert_eq!(
            a("printenv OPENAI_API_KEY"),
            vec![Suspect::PrintsVariable("OPENAI_API_KEY".into())]
        );
        assert!(a("printenv HOME PATH").is_empty());
        assert_eq!(
            a("echo \"key: ${ANTHROPIC_API_KEY}\""),
            vec![Suspect::PrintsVariable("ANTHROPIC_API_KEY".into())]
        );
        assert!(a("echo $HOME $PWD").is_empty());
        assert_eq!(
            a("export -p"),
            vec![Suspect::DumpsEnvironment("export -p".into())]
        );
        assert!(a("export FOO=bar").is_empty());
        // Using a variable is the recommended pattern, not a leak.
        assert!(
            a("curl -H \"Authorization: Bearer $OPENAI_API_KEY\" https://api.openai.com")
                .is_empty()
        );
    }

    #[test]
    fn credential_names() {
        for name in [
            "OPENAI_API_KEY",
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "AWS_SECRET_ACCESS_KEY",
            "STRIPE_SECRET",
            "apikey",
        ] {
            assert!(credential_like(name, &[]), "{name}");
        }
        for name in [
            "HOME",
            "PATH",
            "PWD",
            "KEYBOARD",
            "MONKEY_BUSINESS",
            "EDITOR",
        ] {
            assert!(!credential_like(name, &[]), "{name}");
        }
    }

    #[test]
    fn odd_input_does_not_panic() {
        for cmd in [
            "'unterminated",
            "\"x $(",
            "`",
            "a\\",
            "$(((",
            "< ",
            "echo ${",
            "\u{0}\u{fffd}",
        ] {
            let _ = analyse(cmd, &[]);
        }
    }
}
