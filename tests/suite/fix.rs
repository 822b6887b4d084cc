//! `tierzero fix`: real repositories, the real binary, the languages' own checkers where
//! they are installed, and real `git commit` runs with the hook installed.

use crate::common;

use std::path::Path;
use std::process::Command;

use common::{anthropic_key, openai_key, openai_key_2, Repo, Sandbox};

/// Runs `tierzero fix` with `args`; asserts that nothing it prints holds a full key.
fn fix(repo: &Repo<'_>, args: &[&str], keys: &[&str]) -> (i32, String) {
    let mut full = vec!["fix"];
    full.extend_from_slice(args);
    let (code, stdout, stderr) = repo.run(&full);
    let all = format!("{stdout}{stderr}");
    for key in keys {
        assert!(!all.contains(key), "a full key was printed:\n{all}");
    }
    (code, all)
}

/// Whether `program` can be run.
fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs a checker on a file; asserts success.
fn check(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether python3 can import `module`.
fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Parses a file with Python's own parser, when python3 is installed.
fn python_parses(dir: &Path, file: &str) {
    if have("python3", "--version") {
        check(
            dir,
            "python3",
            &[
                "-c",
                "import ast,sys; ast.parse(open(sys.argv[1]).read())",
                file,
            ],
        );
    } else {
        println!("python3 not installed: skipping the ast check of {file}");
    }
}

fn read(repo: &Repo<'_>, rel: &str) -> String {
    std::fs::read_to_string(repo.path.join(rel)).unwrap()
}

/// The staged content of `rel`.
fn staged(repo: &Repo<'_>, rel: &str) -> String {
    repo.git(&["show", &format!(":{rel}")])
}

/// What every successful fix leaves behind: the value in a private, ignored `.env`, no key
/// in the index, a clean scan and a commit the hook lets through.
fn assert_fixed(repo: &Repo<'_>, env_lines: &[String], keys: &[&str]) {
    let env = read(repo, ".env");
    for line in env_lines {
        assert!(env.lines().any(|l| l == line), "{line:?} not in .env");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(repo.path.join(".env"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, ".env mode {mode:o}");
    }
    assert!(
        repo.git_output(&["check-ignore", "-q", ".env"])
            .status
            .success(),
        ".env is not ignored"
    );
    for key in keys {
        let grep = repo.git_output(&["grep", "--cached", "-q", "-F", key]);
        assert_eq!(grep.status.code(), Some(1), "the index still holds a key");
    }
    let (code, _, stderr) = repo.run(&["scan"]);
    assert_eq!(code, 0, "scan after fix: {stderr}");
    let (ok, text) = repo.commit(&[]);
    assert!(ok, "commit refused after fix: {text}");
}

fn azure_key() -> String {
    // The Azure OpenAI example key of rules.toml, in two pieces.
    format!("{}{}", "66c621db4551172e", "86acf3ab4cf1fb43")
}

#[test]
fn many_languages_in_one_repository() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    let k = openai_key();
    let az = azure_key();
    let files: Vec<(&str, String)> = vec![
        (
            "app.py",
            format!(
                "\"\"\"The app.\"\"\"\nfrom openai import OpenAI\n\nclient = OpenAI(api_key=\"{k}\")\nheaders = {{\"Authorization\": \"Bearer {k}\"}}\n"
            ),
        ),
        (
            "azure_client.py",
            format!(
                "from openai import AzureOpenAI\nclient = AzureOpenAI(api_key=\"{az}\", azure_endpoint=\"https://contoso.openai.azure.com\")\n"
            ),
        ),
        (
            "web.js",
            format!(
                "const client = new OpenAI({{ apiKey: \"{k}\" }});\nfetch(\"https://api.openai.com/v1/models\", {{ headers: {{ Authorization: 'Bearer {k}' }} }});\n"
            ),
        ),
        ("web.ts", format!("const key: string = \"{k}\";\nexport default key;\n")),
        (
            "main.go",
            format!(
                "package main\n\nimport (\n\t\"fmt\"\n)\n\nconst apiKey = \"{k}\"\n\nfunc main() {{\n\turl := \"https://api.example.com/?key={k}\"\n\tfmt.Println(apiKey, url)\n}}\n"
            ),
        ),
        (
            "Main.java",
            format!(
                "public class Main {{\n    static final String KEY = \"{k}\";\n\n    public static void main(String[] args) {{\n        String url = \"https://api.example.com/?key={k}&x=1\";\n        System.out.println(KEY.length() + url.length());\n    }}\n}}\n"
            ),
        ),
        (
            "Config.kt",
            format!("const val OPENAI_KEY = \"{k}\"\nfun header() = \"Bearer {k}\"\n"),
        ),
        (
            "Program.cs",
            format!(
                "class Program {{\n    static readonly string Key = \"{k}\";\n    static string Header => $\"Bearer {k}\";\n}}\n"
            ),
        ),
        (
            "run.sh",
            format!(
                "#!/bin/sh\nexport OPENAI_API_KEY={k}\ncurl -H \"Authorization: Bearer {k}\" https://api.openai.com/v1/models\ncurl -H 'Authorization: Bearer {k}' https://api.openai.com/v1/models\n"
            ),
        ),
        (
            "docker-compose.yml",
            format!(
                "services:\n  app:\n    image: app\n    environment:\n      OPENAI_API_KEY: \"{k}\"\n      AUTH_HEADER: Bearer {k}\n"
            ),
        ),
        (
            "main.tf",
            format!(
                "locals {{\n  openai_key = \"{k}\"\n  header     = \"Bearer {k}\"\n}}\n\noutput \"key_length\" {{\n  value     = length(local.openai_key)\n  sensitive = true\n}}\n"
            ),
        ),
    ];
    for (path, text) in &files {
        repo.stage(path, text);
    }
    // The blocked commit points at `tierzero fix`.
    let (ok, text) = repo.commit(&[]);
    assert!(!ok);
    assert!(text.contains("tierzero fix"), "{text}");

    let (code, out) = fix(&repo, &["--yes"], &[&k, &az]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("sk-proj-pv…"),
        "the patch shows the preview: {out}"
    );
    assert!(
        out.contains("https://platform.openai.com/api-keys"),
        "{out}"
    );
    assert!(
        out.contains("DefaultAzureCredential") && out.contains("get_bearer_token_provider"),
        "{out}"
    );
    assert!(out.contains(".git/tierzero/fix-backup/"), "{out}");

    let dir = &repo.path;
    let py = read(&repo, "app.py");
    assert!(py.contains("\"\"\"The app.\"\"\"\nimport os\n"), "{py}");
    assert!(
        py.contains("OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])"),
        "{py}"
    );
    assert!(
        py.contains("f\"Bearer {os.environ['OPENAI_API_KEY']}\""),
        "{py}"
    );
    for f in ["app.py", "azure_client.py"] {
        python_parses(dir, f);
    }
    assert!(read(&repo, "azure_client.py").contains("os.environ[\"AZURE_OPENAI_API_KEY\"]"));

    let js = read(&repo, "web.js");
    assert!(js.contains("apiKey: process.env.OPENAI_API_KEY"), "{js}");
    assert!(
        js.contains("`Bearer ${process.env.OPENAI_API_KEY}`"),
        "{js}"
    );
    if have("node", "--version") {
        check(dir, "node", &["--check", "web.js"]);
    } else {
        println!("node not installed: skipping `node --check`");
    }
    assert!(read(&repo, "web.ts").contains("const key: string = process.env.OPENAI_API_KEY!;"));

    let go = read(&repo, "main.go");
    assert!(go.contains("import (\n\t\"fmt\"\n\t\"os\"\n)"), "{go}");
    assert!(
        go.contains("var apiKey = os.Getenv(\"OPENAI_API_KEY\")"),
        "{go}"
    );
    assert!(
        go.contains("url := \"https://api.example.com/?key=\" + os.Getenv(\"OPENAI_API_KEY\")"),
        "{go}"
    );
    if have("gofmt", "-h") || have("go", "version") {
        check(dir, "gofmt", &["-e", "main.go"]);
        let out = Command::new("gofmt")
            .args(["-l", "main.go"])
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.stdout.is_empty(), "gofmt would reformat main.go");
    } else {
        println!("go not installed: skipping `gofmt -e` (checked the text instead)");
    }

    let java = read(&repo, "Main.java");
    assert!(
        java.contains("static final String KEY = System.getenv(\"OPENAI_API_KEY\");"),
        "{java}"
    );
    if have("javac", "-version") {
        let out_dir = sb.dir.path().join("javac-out");
        check(
            dir,
            "javac",
            &["-d", out_dir.to_str().unwrap(), "Main.java"],
        );
    } else {
        println!("javac not installed: skipping");
    }
    let kt = read(&repo, "Config.kt");
    assert!(
        kt.contains("val OPENAI_KEY = System.getenv(\"OPENAI_API_KEY\")")
            && !kt.contains("const val"),
        "{kt}"
    );
    assert!(
        kt.contains("\"Bearer ${System.getenv(\"OPENAI_API_KEY\")}\""),
        "{kt}"
    );
    let cs = read(&repo, "Program.cs");
    assert!(
        cs.contains("Key = System.Environment.GetEnvironmentVariable(\"OPENAI_API_KEY\");"),
        "{cs}"
    );
    assert!(
        cs.contains("$\"Bearer \" + System.Environment.GetEnvironmentVariable(\"OPENAI_API_KEY\")"),
        "{cs}"
    );

    let sh = read(&repo, "run.sh");
    assert!(
        sh.contains("export OPENAI_API_KEY=\"$OPENAI_API_KEY\""),
        "{sh}"
    );
    assert!(
        sh.contains("\"Authorization: Bearer ${OPENAI_API_KEY}\""),
        "{sh}"
    );
    assert!(
        sh.contains("'Authorization: Bearer '\"${OPENAI_API_KEY}\""),
        "{sh}"
    );
    check(dir, "sh", &["-n", "run.sh"]);

    let compose = read(&repo, "docker-compose.yml");
    assert!(
        compose.contains("OPENAI_API_KEY: \"${OPENAI_API_KEY}\""),
        "{compose}"
    );
    assert!(
        compose.contains("AUTH_HEADER: Bearer ${OPENAI_API_KEY}"),
        "{compose}"
    );
    if python_has("yaml") {
        check(
            dir,
            "python3",
            &[
                "-c",
                "import yaml,sys; yaml.safe_load(open(sys.argv[1]))",
                "docker-compose.yml",
            ],
        );
    }

    let tf = read(&repo, "main.tf");
    assert!(tf.contains("openai_key = var.openai_api_key"), "{tf}");
    assert!(tf.contains("\"Bearer ${var.openai_api_key}\""), "{tf}");
    assert!(
        tf.contains("variable \"openai_api_key\" {\n  type      = string\n  sensitive = true\n}"),
        "{tf}"
    );
    if have("terraform", "version") {
        check(dir, "terraform", &["fmt", "-check", "main.tf"]);
        check(
            dir,
            "terraform",
            &["init", "-backend=false", "-input=false", "-no-color"],
        );
        check(dir, "terraform", &["validate", "-no-color"]);
        // Terraform's working files are not part of the commit.
        std::fs::write(
            dir.join(".git/info/exclude"),
            ".terraform/\n.terraform.lock.hcl\n",
        )
        .unwrap();
    } else {
        println!("terraform not installed: skipping `terraform validate`");
    }

    // Index and working tree agree for every rewritten file.
    for (path, _) in &files {
        assert_eq!(
            staged(&repo, path),
            read(&repo, path),
            "{path}: index and working tree differ"
        );
    }
    assert_fixed(
        &repo,
        &[
            format!("OPENAI_API_KEY={k}"),
            format!("TF_VAR_openai_api_key={k}"),
            format!("AZURE_OPENAI_API_KEY={az}"),
        ],
        &[&k, &az],
    );
}

#[test]
fn rust_literals_become_reads_that_compile() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    let k = openai_key();
    repo.stage(".gitignore", "/target\nCargo.lock\n");
    repo.stage(
        "Cargo.toml",
        "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    );
    repo.stage(
        "src/main.rs",
        format!(
            "struct Client<'a> {{\n    key: &'a str,\n}}\n\n\
             fn takes_str(k: &str) -> usize {{\n    k.len()\n}}\n\n\
             fn takes_into(k: impl Into<String>) -> String {{\n    k.into()\n}}\n\n\
             fn takes_asref(k: impl AsRef<str>) -> usize {{\n    k.as_ref().len()\n}}\n\n\
             fn main() {{\n    let key = \"{k}\";\n    let client = Client {{ key: \"{k}\" }};\n    let header = \"Bearer {k} {{v1}}\";\n    let owned = \"{k}\".to_string();\n    let typed: &str = \"{k}\";\n    let n = takes_str(key) + takes_str(client.key) + takes_str(\"{k}\") + takes_asref(\"{k}\") + typed.len();\n    let s = takes_into(\"{k}\");\n    println!(\"{{n}} {{s}} {{header}} {{owned}} {{}}\", format!(\"{{}}\", \"{k}\"));\n}}\n"
        ),
    );
    let (code, out) = fix(&repo, &["--yes"], &[&k]);
    assert_eq!(code, 0, "{out}");
    let main = read(&repo, "src/main.rs");
    let read_var = "std::env::var(\"OPENAI_API_KEY\").expect(\"OPENAI_API_KEY is not set\")";
    assert!(main.contains(&format!("let key = &{read_var};")), "{main}");
    assert!(
        main.contains(&format!("let owned = {read_var}.to_string();")),
        "{main}"
    );
    assert!(
        main.contains(&format!("&format!(\"Bearer {{}} {{{{v1}}}}\", {read_var})")),
        "{main}"
    );
    // The forms are checked by the compiler, offline, in a target directory of their own.
    let out = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--manifest-path"])
        .arg(repo.path.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", sb.dir.path().join("target"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo check failed:\n{}\n{main}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_fixed(&repo, &[format!("OPENAI_API_KEY={k}")], &[&k]);
}

/// A notebook as nbformat writes it: one-space indentation, one JSON string per line.
fn notebook(key: &str) -> String {
    format!(
        r##"{{
 "cells": [
  {{
   "cell_type": "markdown",
   "metadata": {{}},
   "source": [
    "# Demo"
   ]
  }},
  {{
   "cell_type": "code",
   "execution_count": 1,
   "metadata": {{}},
   "outputs": [],
   "source": [
    "from openai import OpenAI\n",
    "client = OpenAI(api_key=\"{key}\")\n",
    "print(client)"
   ]
  }}
 ],
 "metadata": {{
  "kernelspec": {{
   "display_name": "Python 3",
   "language": "python",
   "name": "python3"
  }}
 }},
 "nbformat": 4,
 "nbformat_minor": 5
}}
"##
    )
}

#[test]
fn notebook_stays_valid_nbformat_json() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    let k = openai_key();
    let before = notebook(&k);
    repo.stage("demo.ipynb", &before);
    let (code, out) = fix(&repo, &["--yes"], &[&k]);
    assert_eq!(code, 0, "{out}");
    let after = read(&repo, "demo.ipynb");
    let doc: serde_json::Value = serde_json::from_str(&after).expect("still JSON");
    for key in ["cells", "metadata", "nbformat", "nbformat_minor"] {
        assert!(doc.get(key).is_some(), "{key} missing");
    }
    let cells = doc["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 2);
    for cell in cells {
        assert!(cell["metadata"].is_object() && cell["source"].is_array());
        if cell["cell_type"] == "code" {
            assert!(cell.get("outputs").is_some() && cell.get("execution_count").is_some());
        }
    }
    let source: String = cells[1]["source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(
        source,
        "import os\nfrom openai import OpenAI\nclient = OpenAI(api_key=os.environ[\"OPENAI_API_KEY\"])\nprint(client)"
    );
    std::fs::write(sb.dir.path().join("cell.py"), &source).unwrap();
    python_parses(sb.dir.path(), "cell.py");
    // Surgical: every other line is byte for byte what it was; one line was added.
    let old: Vec<&str> = before.lines().collect();
    let new: Vec<&str> = after.lines().collect();
    assert_eq!(new.len(), old.len() + 1);
    let kept = old.iter().filter(|l| new.contains(l)).count();
    assert_eq!(kept, old.len() - 1, "only the key's line changed");
    if python_has("nbformat") {
        check(
            &repo.path,
            "python3",
            &[
                "-c",
                "import nbformat,sys; nbformat.validate(nbformat.read(sys.argv[1], as_version=4))",
                "demo.ipynb",
            ],
        );
    } else {
        println!("nbformat not installed: checked the nbformat 4 structure by hand");
    }
    assert_fixed(&repo, &[format!("OPENAI_API_KEY={k}")], &[&k]);
}

#[test]
fn partial_staging_is_fixed_on_both_sides_and_keeps_the_unstaged_change() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    let k = openai_key();
    repo.stage("app.py", "import os\n\nprint('start')\n");
    repo.commit_setup("base");
    // Staged: the key. Working tree: the key and an unstaged line below it.
    repo.stage(
        "app.py",
        format!("import os\n\nprint('start')\nKEY = \"{k}\"\n"),
    );
    repo.write(
        "app.py",
        format!("import os\n\nprint('start')\nKEY = \"{k}\"\nprint('not staged yet')\n"),
    );
    let (code, out) = fix(&repo, &["--yes"], &[&k]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("staged and working tree"), "{out}");
    assert_eq!(
        staged(&repo, "app.py"),
        "import os\n\nprint('start')\nKEY = os.environ[\"OPENAI_API_KEY\"]\n"
    );
    assert_eq!(
        read(&repo, "app.py"),
        "import os\n\nprint('start')\nKEY = os.environ[\"OPENAI_API_KEY\"]\nprint('not staged yet')\n"
    );
    // The unstaged change is still unstaged, and only it.
    let diff = repo.git(&["diff", "--", "app.py"]);
    assert!(
        diff.contains("+print('not staged yet')")
            && diff
                .lines()
                .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
                .count()
                == 1,
        "{diff}"
    );
    assert_fixed(&repo, &[format!("OPENAI_API_KEY={k}")], &[&k]);
    assert!(read(&repo, "app.py").contains("not staged yet"));
}

#[test]
fn partial_staging_that_cannot_be_matched_is_refused_and_untouched() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let k = openai_key();
    // Staged: the key as a value. Working tree: the same key, but also in a comment.
    let staged_text = format!("KEY = \"{k}\"\n");
    let work_text = format!("# old: {k}\nKEY = \"{k}\"\n");
    repo.stage("app.py", &staged_text);
    repo.write("app.py", &work_text);
    let index_before = std::fs::read(repo.path.join(".git/index")).unwrap();
    let (code, out) = fix(&repo, &["--yes"], &[&k]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("app.py:1:") && out.contains("comment"),
        "{out}"
    );
    assert_eq!(read(&repo, "app.py"), work_text);
    assert_eq!(staged(&repo, "app.py"), staged_text);
    assert_eq!(
        std::fs::read(repo.path.join(".git/index")).unwrap(),
        index_before
    );
    assert!(!repo.path.join(".env").exists());
}

#[test]
fn existing_env_keeps_its_values_reuses_and_suffixes() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    let (k1, k2, ant) = (openai_key(), openai_key_2(), anthropic_key());
    // .env already has OPENAI_API_KEY with another key, and this Anthropic key.
    let env_before = format!("# local settings\nOPENAI_API_KEY={k1}\nANTHROPIC_API_KEY=\"{ant}\"");
    repo.write(".env", &env_before);
    repo.stage(".gitignore", ".env\n");
    repo.stage(".env.example", "OPENAI_API_KEY=\n");
    repo.commit_setup("base");
    repo.stage(
        "llm.py",
        format!("import os\nA = \"{k2}\"\nB = \"{ant}\"\n"),
    );
    let (code, out) = fix(&repo, &["--yes"], &[&k1, &k2, &ant]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("OPENAI_API_KEY_2"), "{out}");
    assert!(
        out.contains("already sets OPENAI_API_KEY to another value"),
        "{out}"
    );
    assert!(
        out.contains("already holds this key as ANTHROPIC_API_KEY"),
        "{out}"
    );
    assert_eq!(
        read(&repo, "llm.py"),
        "import os\nA = os.environ[\"OPENAI_API_KEY_2\"]\nB = os.environ[\"ANTHROPIC_API_KEY\"]\n"
    );
    // Appended after the old content (given its missing final newline), nothing rewritten.
    assert_eq!(
        read(&repo, ".env"),
        format!("{env_before}\nOPENAI_API_KEY_2={k2}\n")
    );
    assert_eq!(
        read(&repo, ".gitignore"),
        ".env\n",
        ".env was already ignored"
    );
    assert_eq!(
        read(&repo, ".env.example"),
        "OPENAI_API_KEY=\nOPENAI_API_KEY_2=\nANTHROPIC_API_KEY=\n"
    );
    assert_eq!(staged(&repo, ".env.example"), read(&repo, ".env.example"));
    let (ok, text) = repo.commit(&[]);
    assert!(ok, "{text}");
}

#[test]
fn dry_run_and_no_terminal_change_nothing() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let k = openai_key();
    repo.stage(".gitignore", "node_modules/\n");
    repo.stage("app.py", format!("KEY = \"{k}\"\n"));
    repo.write("app.py", format!("KEY = \"{k}\"\nprint(1)\n"));
    let snapshot = || {
        (
            std::fs::read(repo.path.join(".git/index")).unwrap(),
            read(&repo, "app.py"),
            read(&repo, ".gitignore"),
            repo.path.join(".env").exists(),
            repo.path.join(".git/tierzero").exists(),
        )
    };
    let before = snapshot();
    let (code, out) = fix(&repo, &["--dry-run"], &[&k]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("dry run: nothing was changed"), "{out}");
    assert!(
        out.contains("+KEY = os.environ[\"OPENAI_API_KEY\"]")
            && out.contains("-KEY = \"sk-proj-pv…\""),
        "{out}"
    );
    assert!(out.contains("+OPENAI_API_KEY=sk-proj-pv…"), "{out}");
    assert_eq!(snapshot(), before);
    // Without --yes and without a terminal to ask, nothing is applied either.
    let (code, out) = fix(&repo, &[], &[&k]);
    assert_eq!(code, 1);
    assert!(out.contains("re-run with --yes"), "{out}");
    assert_eq!(snapshot(), before);
}

#[test]
fn staged_dotenv_is_unstaged_ignored_and_described() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    let k = openai_key();
    let env = format!("OPENAI_API_KEY={k}\nDEBUG=1\n");
    repo.stage(".env", &env);
    repo.stage("README.md", "demo\n");
    let (code, out) = fix(&repo, &["--yes"], &[&k]);
    assert_eq!(code, 0, "{out}");
    assert!(
        repo.git(&["ls-files", "--cached", ".env"]).is_empty(),
        ".env is still staged"
    );
    assert_eq!(read(&repo, ".env"), env, "the file on disk is kept");
    assert!(repo
        .git_output(&["check-ignore", "-q", ".env"])
        .status
        .success());
    assert_eq!(read(&repo, ".env.example"), "OPENAI_API_KEY=\nDEBUG=\n");
    assert_eq!(staged(&repo, ".env.example"), "OPENAI_API_KEY=\nDEBUG=\n");
    // The staged version is in the backup.
    let backups = std::fs::read_dir(repo.path.join(".git/tierzero/fix-backup"))
        .unwrap()
        .count();
    assert_eq!(backups, 1);
    let (code, _, stderr) = repo.run(&["scan"]);
    assert_eq!(code, 0, "{stderr}");
    let (ok, text) = repo.commit(&[]);
    assert!(ok, "{text}");
}

#[test]
fn unknown_files_get_instructions_and_range_and_files_modes_work() {
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    repo.install_hook();
    let k = openai_key();
    // A key committed earlier (hooks bypassed) and still in the tree.
    repo.stage("settings.py", format!("KEY = \"{k}\"\n"));
    repo.commit_setup("oops");
    let (code, out) = fix(&repo, &["--yes", "--range", "HEAD"], &[&k]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        staged(&repo, "settings.py"),
        "import os\n\nKEY = os.environ[\"OPENAI_API_KEY\"]\n"
    );
    assert_eq!(read(&repo, "settings.py"), staged(&repo, "settings.py"));
    let (ok, text) = repo.commit(&[]);
    assert!(ok, "{text}");

    // A file on disk, not staged: --files fixes the working tree only.
    repo.write("tool.js", format!("module.exports = '{k}';\n"));
    let (code, out) = fix(&repo, &["--yes", "--files", "tool.js"], &[&k]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        read(&repo, "tool.js"),
        "module.exports = process.env.OPENAI_API_KEY;\n"
    );
    assert!(repo.git(&["ls-files", "--cached", "tool.js"]).is_empty());

    // A format tierzero does not rewrite: a precise instruction, nothing changed.
    let cfg = format!("[api]\nkey = {k}\n");
    repo.stage("app.cfg", &cfg);
    let (code, out) = fix(&repo, &["--yes"], &[&k]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("app.cfg:2:7") && out.contains("OPENAI_API_KEY"),
        "{out}"
    );
    assert_eq!(read(&repo, "app.cfg"), cfg);
}

#[test]
fn asks_once_on_a_terminal() {
    // util-linux `script` gives the command a real terminal; skip where it is missing.
    if !have("script", "--version") {
        println!("script (util-linux) not installed: skipping the terminal test");
        return;
    }
    let sb = Sandbox::new();
    let repo = sb.repo("r");
    let k = openai_key();
    let text = format!("KEY = \"{k}\"\n");
    repo.stage("app.py", &text);
    let binary = assert_cmd::cargo::cargo_bin("tierzero");
    let on_terminal = |answer: &str| {
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &format!("{} fix", binary.display()), "/dev/null"])
            .current_dir(&repo.path)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped());
        sb.env(&mut cmd);
        let mut child = cmd.spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let all = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!all.contains(&k), "a full key was printed");
        assert_eq!(
            all.matches("Apply these changes? [y/N]").count(),
            1,
            "{all}"
        );
        all
    };
    let out = on_terminal("n\n");
    assert!(out.contains("nothing was changed"), "{out}");
    assert_eq!(read(&repo, "app.py"), text);
    let out = on_terminal("y\n");
    assert!(out.contains("tierzero fix: done"), "{out}");
    assert_eq!(
        read(&repo, "app.py"),
        "import os\n\nKEY = os.environ[\"OPENAI_API_KEY\"]\n"
    );
}
