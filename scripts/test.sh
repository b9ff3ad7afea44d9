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

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/trailguard/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-auto}"
mkdir -p "$CARGO_TARGET_DIR"

STEPS=()
RESULTS=()
TIMES=()

summary() {
    echo
    echo "== summary (target dir: $CARGO_TARGET_DIR)"
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

step "python venv (.venv, requirements-test.txt)" python_env .venv requirements-test.txt
step "python venv (.venv-tf, requirements-terraform.txt)" python_env .venv-tf requirements-terraform.txt
export VIRTUAL_ENV="$ROOT/.venv"
export PATH="$VIRTUAL_ENV/bin:$PATH"

step "terraform module (fmt, checkov, HCL checks)" .venv-tf/bin/python terraform/tests/check_module.py

step "format" cargo fmt --all -- --check
step "clippy" cargo clippy --workspace --all-targets -- -D warnings
step "build binaries" cargo build --workspace --bins
step "tests" cargo test --workspace --no-fail-fast

summary
echo
echo "scripts/test.sh: all checks passed"
