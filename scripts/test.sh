#!/usr/bin/env bash
# The one command a newcomer runs: installs the test prerequisites and runs
# every check, one cargo at a time, then prints a summary.
#
#   scripts/test.sh
#
# Build output goes to $CARGO_TARGET_DIR when set, else
# $HOME/.cache/trailguard/target (kept between runs; this script never cleans it).
# Python test tools (requirements-test.txt, pinned with ==) go to ./.venv, the
# Terraform checks (requirements-terraform.txt) to ./.venv-tf.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

# The script's own target directory (not one the caller chose) is swept harder.
OWN_TARGET=$([[ -z "${CARGO_TARGET_DIR:-}" ]] && echo yes || echo no)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trailguard/target}"
# Incremental caches help an edit-compile loop, not a run over a fresh clone,
# and they grow with every run in a kept target directory.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
mkdir -p "$CARGO_TARGET_DIR"

STEPS=()
RESULTS=()
TIMES=()

summary() {
    echo
    echo "== summary (target dir: $CARGO_TARGET_DIR; $(df -h --output=avail "$CARGO_TARGET_DIR" 2>/dev/null | tail -1 | tr -d ' ') free)"
    local i
    for i in "${!STEPS[@]}"; do
        printf '   %-6s %5ss  %s\n' "${RESULTS[$i]}" "${TIMES[$i]}" "${STEPS[$i]}"
    done
    if [[ -f "$CARGO_TARGET_DIR/stratus-report.md" ]]; then
        echo "   Stratus Red Team report: $CARGO_TARGET_DIR/stratus-report.md"
    fi
}

# step NAME COMMAND...: runs one step; on failure prints the summary and exits with its status.
step() {
    local name=$1
    shift
    echo
    echo "== $name: $*"
    local start=$SECONDS status=0
    "$@" || status=$?
    STEPS+=("$name")
    TIMES+=("$((SECONDS - start))")
    if [[ $status -eq 0 ]]; then
        RESULTS+=("ok")
    else
        RESULTS+=("FAILED")
        summary
        echo
        echo "scripts/test.sh: step '$name' failed (exit $status)" >&2
        exit "$status"
    fi
}

# Requirement lines of a file: not blank, not comments.
requirements() {
    sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$1" | grep -v '^[[:space:]]*$' || true
}

check_pins() {
    local bad
    bad=$(requirements "$1" | grep -v '==' || true)
    if [[ -n "$bad" ]]; then
        echo "$1: pin every package with ==; not pinned:" >&2
        echo "$bad" >&2
        return 1
    fi
}

# python_env VENV REQUIREMENTS: creates the virtualenv if needed and installs the pins.
# Runs inside `step`, where `set -e` does not apply: every command checks itself.
python_env() {
    local venv=$1 req=$2
    check_pins "$req" || return 1
    if [[ ! -x $venv/bin/python ]]; then
        python3 -m venv "$venv" || return 1
    fi
    if [[ -n "$(requirements "$req")" ]]; then
        "$venv/bin/python" -m pip install --disable-pip-version-check --quiet -r "$req" || return 1
    else
        echo "$req lists no package: nothing to install"
    fi
}

command -v cargo >/dev/null || { echo "cargo not found: install Rust from https://rustup.rs" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found: it is needed for the test virtualenv" >&2; exit 2; }

# The kept target directory must not fill the disk (it did once, in CI):
# below MIN_FREE_GIB free, stale output goes first (scripts/target_sweep.py).
MIN_FREE_GIB="${TRAILGUARD_MIN_FREE_GIB:-8}"
MESSAGES="$CARGO_TARGET_DIR/trailguard-messages"
mkdir -p "$MESSAGES"
rm -f "$MESSAGES"/*.jsonl "$MESSAGES"/*.keep
step "disk space" python3 scripts/target_sweep.py preflight "$CARGO_TARGET_DIR" debug "$MIN_FREE_GIB"

step "python venv (.venv, requirements-test.txt)" python_env .venv requirements-test.txt
step "python venv (.venv-tf, requirements-terraform.txt)" python_env .venv-tf requirements-terraform.txt
export VIRTUAL_ENV="$ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"

step "terraform module (fmt, checkov, HCL checks)" .venv-tf/bin/python terraform/tests/check_module.py
step "script tests (target_sweep)" python3 -m unittest discover -s scripts/tests

# cargo_json NAME ARGS...: cargo ARGS with its JSON messages kept in
# $MESSAGES/NAME.jsonl and the build units it used in NAME.jsonl.keep (for
# the sweep); diagnostics still go to stderr.
cargo_json() {
    local name=$1
    shift
    cargo "$@" >"$MESSAGES/$name.jsonl" || return
    python3 scripts/target_sweep.py record "$CARGO_TARGET_DIR" debug "$MESSAGES/$name.jsonl"
}

step "format" cargo fmt --all -- --check
step "clippy" cargo_json clippy clippy --workspace --all-targets \
    --message-format=json-render-diagnostics -- -D warnings
# The binaries the end-to-end suites run are built with the features they ship
# with; the test build adds aws-smithy-mocks' dev features (test-util, and
# serde_json's preserve_order), so the AWS SDK crates are built twice.
step "build binaries" cargo_json bins build --workspace --bins --message-format=json-render-diagnostics
step "build tests" cargo_json tests test --workspace --no-run --message-format=json-render-diagnostics
SWEEP_OPTS=()
if [[ $OWN_TARGET == yes && $CARGO_INCREMENTAL == 0 ]]; then
    SWEEP_OPTS=(--drop-incremental)
fi
step "remove stale build output" python3 scripts/target_sweep.py sweep "$CARGO_TARGET_DIR" debug \
    "${SWEEP_OPTS[@]}" "$MESSAGES"/clippy.jsonl.keep "$MESSAGES"/bins.jsonl.keep "$MESSAGES"/tests.jsonl.keep
step "tests" cargo test --workspace --no-fail-fast

summary
echo
echo "scripts/test.sh: all checks passed"
