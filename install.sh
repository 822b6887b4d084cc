#!/bin/sh
# Builds and installs tierzero from this checkout, then installs its git hooks in the
# repository you ran this from (or, with --global, for every repository).
# Non-interactive and safe to run again. See docs/INSTALL.md.

set -u

usage() {
  cat <<'EOF'
Usage: ./install.sh [OPTIONS]        (run it from the repository to protect)

Builds tierzero with `cargo install --path <this checkout> --locked`, then runs
`tierzero install` in the current directory's git repository.

Options:
  --prefix DIR   Install the binary into DIR/bin (cargo install --root DIR) instead of
                 cargo's default ($CARGO_INSTALL_ROOT, else $CARGO_HOME, else ~/.cargo).
  --global       Protect every repository of this user instead of the current one:
                 sets core.hooksPath to a tierzero-managed directory whose hooks also
                 run each repository's own .git/hooks (tierzero install --global).
  --template     With --global: use init.templateDir instead (repositories created or
                 cloned from now on only; existing ones are not touched).
  --pre-push     Also install a pre-push hook that scans the commits being pushed.
  --husky        If husky manages the hooks, add tierzero's line to .husky/pre-commit
                 instead of only printing it.
  --lefthook     If lefthook manages the hooks, add tierzero to lefthook-local.yml
                 (this machine's lefthook configuration) instead of only printing it.
  --tracked-hooks
                 If the hooks directory is committed (core.hooksPath = .githooks), add
                 tierzero's line to its pre-commit instead of only printing it.
  --force        Replace an existing foreign hook (backed up to <hook>.tierzero-backup)
                 instead of chaining it (the default keeps it as <hook>.tierzero-prev
                 and runs it first).
  --no-hooks     Only build and install the binary; do not touch any git hooks.
  --completions  Also write shell completions where the shells look for them:
                 ~/.local/share/bash-completion/completions/tierzero,
                 ~/.zfunc/_tierzero (add ~/.zfunc to fpath before compinit),
                 ~/.config/fish/completions/tierzero.fish.
  --dry-run      Print what would be done; build nothing, change nothing.
  --quiet        Print nothing but errors.
  -h, --help     Show this help.

Undo: `tierzero uninstall` in the repository (or `tierzero uninstall --global`), then
`cargo uninstall tierzero` (add `--root DIR` if you used --prefix).

Exit codes:
  0  done (or nothing to do)
  1  a prerequisite is missing (cargo, git, or a repository to install into)
  2  bad command-line option
  3  building or installing the binary failed
  4  `tierzero install` failed (its message says why)
EOF
}

prefix=
global=0
hooks=1
dry_run=0
quiet=0
hook_args=
completions=0

while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --prefix)
      [ $# -ge 2 ] && [ -n "$2" ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; }
      prefix=$2; shift ;;
    --prefix=*) prefix=${1#--prefix=}
      [ -n "$prefix" ] || { echo "install.sh: --prefix needs a directory" >&2; exit 2; } ;;
    --global) global=1; hook_args="$hook_args --global" ;;
    --template) hook_args="$hook_args --template" ;;
    --pre-push) hook_args="$hook_args --pre-push" ;;
    --husky) hook_args="$hook_args --husky" ;;
    --lefthook) hook_args="$hook_args --lefthook" ;;
    --tracked-hooks) hook_args="$hook_args --tracked-hooks" ;;
    --force) hook_args="$hook_args --force" ;;
    --no-hooks) hooks=0 ;;
    --dry-run) dry_run=1; hook_args="$hook_args --dry-run" ;;
    --completions) completions=1 ;;
    --quiet|-q) quiet=1; hook_args="$hook_args --quiet" ;;
    *) echo "install.sh: unknown option '$1' (see ./install.sh --help)" >&2; exit 2 ;;
  esac
  shift
done

case " $hook_args " in
  *" --template "*) [ "$global" = 1 ] || { echo "install.sh: --template needs --global" >&2; exit 2; } ;;
esac

say() { [ "$quiet" = 1 ] || echo "install.sh: $*"; }

# Prerequisites, all reported at once.
missing=
command -v cargo >/dev/null 2>&1 || missing="$missing cargo (install Rust from https://rustup.rs)"
command -v git >/dev/null 2>&1 || missing="$missing${missing:+;} git"
if [ -n "$missing" ]; then
  echo "install.sh: missing:$missing" >&2
  exit 1
fi

src=$(cd "$(dirname "$0")" && pwd -P) || { echo "install.sh: cannot find the tierzero checkout" >&2; exit 1; }
if [ ! -f "$src/Cargo.toml" ]; then
  echo "install.sh: $src is not a tierzero checkout (no Cargo.toml)" >&2
  exit 1
fi

# Fail before a long build when there is nowhere to install the hooks.
if [ "$hooks" = 1 ] && [ "$global" = 0 ]; then
  if ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "install.sh: $(pwd) is not inside a git repository: run this from the repository to protect, or use --global (every repository) or --no-hooks (binary only)" >&2
    exit 1
  fi
fi

if [ -n "$prefix" ]; then
  root=$prefix
  set -- --root "$prefix"
else
  root=${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}
  set --
fi
bin="$root/bin/tierzero"

if [ "$dry_run" = 1 ]; then
  say "would run: cargo install --path $src --locked $*"
else
  say "building tierzero (cargo install --path $src --locked $*)"
  if [ "$quiet" = 1 ]; then
    cargo install --quiet --path "$src" --locked "$@" || { echo "install.sh: cargo install failed" >&2; exit 3; }
  else
    cargo install --path "$src" --locked "$@" || { echo "install.sh: cargo install failed" >&2; exit 3; }
  fi
fi

if [ ! -x "$bin" ]; then
  if [ "$dry_run" = 1 ]; then
    say "would then run: tierzero install$hook_args"
    exit 0
  fi
  echo "install.sh: cargo reported success but $bin is not there" >&2
  exit 3
fi
say "binary: $bin ($("$bin" --version 2>/dev/null || echo 'version unknown'))"
case ":${PATH:-}:" in
  *":$root/bin:"*) ;;
  *) say "note: $root/bin is not on your PATH; the hooks still work (they record the absolute path), but add it to run tierzero yourself" ;;
esac

if [ "$completions" = 1 ]; then
  data=${XDG_DATA_HOME:-$HOME/.local/share}
  config=${XDG_CONFIG_HOME:-$HOME/.config}
  for spec in "bash:$data/bash-completion/completions/tierzero" \
              "zsh:$HOME/.zfunc/_tierzero" \
              "fish:$config/fish/completions/tierzero.fish"; do
    shell=${spec%%:*}
    file=${spec#*:}
    if [ "$dry_run" = 1 ]; then
      say "would write $shell completions to $file"
      continue
    fi
    mkdir -p "$(dirname "$file")" && "$bin" completions "$shell" > "$file" \
      || { echo "install.sh: could not write $file" >&2; exit 3; }
    say "$shell completions: $file"
  done
fi

[ "$hooks" = 1 ] || exit 0
# shellcheck disable=SC2086 # hook_args is a list of flags without spaces
"$bin" install $hook_args || exit 4
exit 0
