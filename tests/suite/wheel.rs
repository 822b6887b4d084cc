//! The Python wheel: `maturin build` (bindings = "bin") makes a wheel that `pip install`s
//! into a fresh virtual environment and gives a working `tierzero`. One build: a dev-profile
//! wheel in its own target directory under `target/`, so later runs are incremental.
//! Without maturin or `python3 -m venv` the test says so and skips (`.ci/run` installs
//! maturin).

use std::path::Path;
use std::process::Command;

fn works(cmd: &mut Command) -> bool {
    cmd.output().is_ok_and(|o| o.status.success())
}

#[test]
fn the_wheel_installs_a_working_tierzero_into_a_fresh_venv() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !works(Command::new("python3").args(["-m", "maturin", "--version"])) {
        eprintln!(
            "SKIPPED the wheel test: maturin is not installed (python3 -m pip install maturin)"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    if !works(Command::new("python3").args(["-m", "venv"]).arg(&venv)) {
        eprintln!("SKIPPED the wheel test: python3 -m venv does not work here");
        return;
    }
    let out_dir = tmp.path().join("dist");
    let build = Command::new("python3")
        .args(["-m", "maturin", "build", "--profile", "dev", "--locked"])
        .arg("--target-dir")
        .arg(root.join("target/wheel"))
        .arg("--out")
        .arg(&out_dir)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "maturin build failed:\n{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let wheel = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .expect("a .whl file");
    let pip = Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--no-index", "--quiet"])
        .arg(&wheel)
        .output()
        .unwrap();
    assert!(
        pip.status.success(),
        "pip install failed:\n{}",
        String::from_utf8_lossy(&pip.stderr)
    );
    let version = Command::new(venv.join("bin/tierzero"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(version.status.success());
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("tierzero {}", env!("CARGO_PKG_VERSION"))
    );
}
