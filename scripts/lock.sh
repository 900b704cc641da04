#!/bin/sh
# The lock files, compiled by uv from pyproject.toml (decision 0019).
#   scripts/lock.sh write [uv pip compile options]   `make lock`: refresh both locks, keeping every locked
#                                                   version pyproject.toml still allows (upgrade with
#                                                   --upgrade-package NAME, or --upgrade for all)
#   scripts/lock.sh check                           `make lock-check`: fail when pyproject.toml and a lock
#                                                   disagree
# requirements/dev.lock is the project with its dev extra (what `make install` syncs .venv to);
# requirements/runtime.lock is the project alone, for deployments, at the same versions.
set -eu
cd "$(dirname "$0")/.."
UV=${UV:-.venv/bin/uv}
DEV=requirements/dev.lock
RUNTIME=requirements/runtime.lock
# One lock for every platform (Linux, macOS, Windows; x86_64 and aarch64), CPython 3.11 and newer.
compile() {
  "$UV" pip compile pyproject.toml --universal --python-version 3.11 --quiet --custom-compile-command "make lock" "$@"
}
compile_dev() { out=$1; shift; compile --extra dev "$@" -o "$out"; }
compile_runtime() { out=$1; shift; compile -c "$DEV" "$@" -o "$out"; }

# A lock's pins (name==version ; marker), one a line: what the check compares, hashes aside.
pins() { grep -E '^[a-z0-9]' "$1" | sed 's/ *\\$//'; }

# Resolve again into a copy of LOCK (uv prefers the versions an output file already pins) and compare the
# pins. Hashes are left out: the index may add a wheel to a release later, which is no disagreement.
# uv's cache answers first (instant, works offline); the index only when the cache cannot.
check() { # name, lock
  name=$1 lock=$2
  cp "$lock" "$tmp/$name"
  if ! "compile_$name" "$tmp/$name" --offline --no-annotate --no-header 2>/dev/null; then
    cp "$lock" "$tmp/$name"
    if ! "compile_$name" "$tmp/$name" --no-annotate --no-header; then
      echo "pyproject.toml could not be resolved (see above), so $lock was not checked." >&2
      return 1
    fi
  fi
  pins "$lock" >"$tmp/$name.locked"
  pins "$tmp/$name" >"$tmp/$name.resolved"
  if ! diff -u --label "$lock" --label "pyproject.toml resolved" "$tmp/$name.locked" "$tmp/$name.resolved"; then
    echo "$lock does not match pyproject.toml: run 'make lock' and commit the locks." >&2
    return 1
  fi
}

case "${1:-}" in
  write)
    shift
    compile_dev "$DEV" --generate-hashes "$@"
    compile_runtime "$RUNTIME" --generate-hashes
    ;;
  check)
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    status=0
    check dev "$DEV" || status=1
    check runtime "$RUNTIME" || status=1
    exit $status
    ;;
  *)
    echo "usage: $0 write [uv pip compile options] | check" >&2
    exit 2
    ;;
esac
