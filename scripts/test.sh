#!/usr/bin/env bash
# Berth's test command: formatting, lints, unit tests and the end-to-end
# tests against a real Docker daemon.
#
#   scripts/test.sh
#
# If DOCKER_HOST is set and a daemon answers there, the tests use it (they
# only ever remove what they created: resources named berth-e2e-*, labelled
# berth.test=e2e). Otherwise a private daemon is started in a temporary
# directory (needs root and the Debian package docker.io, installed on
# demand) and stopped again on exit.
#
# Extra arguments go to `cargo test`, e.g. `scripts/test.sh --test e2e -- container::`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

if [ -t 1 ]; then
    BOLD=$'\033[1m' RED=$'\033[31m' GREEN=$'\033[32m' RESET=$'\033[0m'
else
    BOLD='' RED='' GREEN='' RESET=''
fi
section() {
    printf '\n%s==> %s%s\n' "$BOLD" "$*" "$RESET"
}
note() {
    printf '    %s\n' "$*"
}

# shellcheck source=scripts/dockerd.sh
source "$ROOT/scripts/dockerd.sh"
# Only ever stop a daemon this script started itself, whatever the caller's
# environment says.
unset BERTH_DOCKERD_DIR BERTH_DOCKERD_PID
STARTED_DAEMON=0

# ---------------------------------------------------------------------------
# Prerequisites
# ---------------------------------------------------------------------------

APT_UPDATED=0
apt_install() {
    if [ "$(id -u)" != 0 ]; then
        echo "error: missing packages: $*" >&2
        echo "       install them (as root: apt-get install -y --no-install-recommends $*)" >&2
        echo "       or run scripts/test.sh as root so that it can install them." >&2
        exit 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "error: missing packages: $* (and no apt-get to install them)" >&2
        exit 1
    fi
    section "Installing $*"
    export DEBIAN_FRONTEND=noninteractive
    if [ "$APT_UPDATED" = 0 ]; then
        apt-get update
        APT_UPDATED=1
    fi
    apt-get install -y --no-install-recommends "$@"
}

# The e2e tests' root filesystem needs a *static* busybox at /bin/busybox.
busybox_is_static() {
    [ -x /bin/busybox ] || return 1
    if command -v ldd >/dev/null 2>&1; then
        # ldd fails (exit 1) on static binaries: capture, then look.
        local out
        out=$(ldd /bin/busybox 2>&1 || true)
        case "$out" in
            *"not a dynamic executable"* | *"statically linked"*) return 0 ;;
            *) return 1 ;;
        esac
    else
        dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'
    fi
}

USE_PRIVATE_DAEMON=1
if [ -n "${DOCKER_HOST:-}" ]; then
    if command -v curl >/dev/null 2>&1 && berth_docker_ping "$DOCKER_HOST"; then
        USE_PRIVATE_DAEMON=0
    else
        echo "note: no daemon answers at DOCKER_HOST=$DOCKER_HOST; starting a private one instead." >&2
    fi
fi

missing=()
command -v curl >/dev/null 2>&1 || missing+=(curl)
busybox_is_static || missing+=(busybox-static)
if [ "$USE_PRIVATE_DAEMON" = 1 ]; then
    command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
    # `container top` runs ps on the daemon's host.
    command -v ps >/dev/null 2>&1 || missing+=(procps)
fi
# Rust links with the system C compiler.
command -v cc >/dev/null 2>&1 || missing+=(gcc libc6-dev)
if ! command -v cargo >/dev/null 2>&1; then
    command -v curl >/dev/null 2>&1 || missing+=(curl)
    [ -e /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    # De-duplicate, keep order.
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++')
    apt_install "${missing[@]}"
fi

if ! command -v cargo >/dev/null 2>&1; then
    section "Installing the Rust toolchain (rustup, stable)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --component rustfmt,clippy --no-modify-path
    export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
    if command -v rustup >/dev/null 2>&1; then
        section "Adding rustfmt and clippy"
        rustup component add rustfmt clippy
    fi
fi

# ---------------------------------------------------------------------------
# Docker daemon
# ---------------------------------------------------------------------------

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ "$STARTED_DAEMON" = 1 ]; then
        section "Stopping the private Docker daemon"
        berth_dockerd_stop || true
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ "$USE_PRIVATE_DAEMON" = 1 ]; then
    section "Starting a private Docker daemon"
    if [ "$(id -u)" != 0 ]; then
        echo "error: starting a private dockerd needs root." >&2
        echo "       Run scripts/test.sh as root, or set DOCKER_HOST to a running daemon." >&2
        exit 1
    fi
    STARTED_DAEMON=1
    berth_dockerd_start
    note "DOCKER_HOST=$DOCKER_HOST (pid $BERTH_DOCKERD_PID, log $BERTH_DOCKERD_DIR/dockerd.log)"
else
    section "Using the Docker daemon at DOCKER_HOST=$DOCKER_HOST"
fi
export DOCKER_HOST
# Make the tests independent of the user's client configuration.
unset DOCKER_CONTEXT DOCKER_API_VERSION

# ---------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------

failed=()
run_step() {
    local name="$1"
    shift
    section "$name"
    note "\$ $*"
    if "$@"; then
        return 0
    fi
    failed+=("$name")
    printf '%s    FAILED: %s%s\n' "$RED" "$name" "$RESET"
}

cargo --version
rustc --version
run_step "Formatting (cargo fmt)" cargo fmt --all -- --check
run_step "Editing the spec regenerates client and CLI" scripts/regen-check.sh
run_step "Lints (cargo clippy)" cargo clippy --workspace --all-targets --locked -- -D warnings
run_step "Tests (cargo test)" cargo test --workspace --locked "$@"

section "Summary"
if [ "${#failed[@]}" -gt 0 ]; then
    for f in "${failed[@]}"; do
        printf '%s    FAILED: %s%s\n' "$RED" "$f" "$RESET"
    done
    exit 1
fi
printf '%s    all checks passed%s\n' "$GREEN" "$RESET"
