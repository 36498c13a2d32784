#!/usr/bin/env bash
# Start and stop a private Docker daemon for Berth's tests and benchmarks.
#
# The daemon lives entirely in one temporary directory (socket, data root,
# exec root, pid file, log), uses the vfs storage driver, no bridge and no
# iptables rules, so it neither needs nor touches the host's own daemon.
#
# Two ways to use it:
#
#   * Sourced (scripts/test.sh, scripts/bench.sh):
#         source scripts/dockerd.sh
#         berth_dockerd_start        # sets and exports DOCKER_HOST,
#                                    # BERTH_DOCKERD_DIR, BERTH_DOCKERD_PID
#         ...
#         berth_dockerd_stop         # idempotent; safe to call from a trap
#
#   * Called:
#         eval "$(scripts/dockerd.sh start)"   # prints export lines
#         scripts/dockerd.sh stop "$BERTH_DOCKERD_DIR"
#         scripts/dockerd.sh ping [HOST]       # exit 0 if a daemon answers
#
# Environment:
#   BERTH_DOCKERD_TIMEOUT  seconds to wait for /_ping (default 30)
#   BERTH_DOCKERD_BIN      the dockerd binary (default: dockerd on PATH)

# Answer 0 if the Docker daemon at HOST (a DOCKER_HOST value:
# unix:///path, tcp://host:port, or a bare socket path) replies OK to /_ping.
berth_docker_ping() {
    local host="${1:-${DOCKER_HOST:-}}" body
    [ -n "$host" ] || return 1
    command -v curl >/dev/null 2>&1 || return 1
    case "$host" in
        unix://*)
            body=$(curl -sS --max-time 5 --unix-socket "${host#unix://}" http://docker/_ping 2>/dev/null) || return 1 ;;
        tcp://*)
            # Plain HTTP only; a TLS daemon (DOCKER_TLS_VERIFY) is not probed.
            body=$(curl -sS --max-time 5 "http://${host#tcp://}/_ping" 2>/dev/null) || return 1 ;;
        http://*|https://*)
            body=$(curl -sS --max-time 5 "${host%/}/_ping" 2>/dev/null) || return 1 ;;
        /*)
            body=$(curl -sS --max-time 5 --unix-socket "$host" http://docker/_ping 2>/dev/null) || return 1 ;;
        *)
            return 1 ;;
    esac
    [ "$body" = "OK" ]
}

# Unmount everything still mounted at or below DIR (deepest first). Only ever
# looks below DIR, which this script created itself.
_berth_dockerd_umount_below() {
    local dir="$1" mnt
    [ -n "$dir" ] && [ -d "$dir" ] || return 0
    dir=$(cd "$dir" && pwd -P)
    local -a mounts=()
    # /proc/self/mountinfo field 5 is the mount point (octal escapes for
    # spaces etc.; our paths have none).
    while read -r mnt; do
        case "$mnt" in
            "$dir"|"$dir"/*) mounts+=("$mnt") ;;
        esac
    done < <(awk '{print $5}' /proc/self/mountinfo 2>/dev/null)
    [ "${#mounts[@]}" -gt 0 ] || return 0
    # Deepest paths first.
    printf '%s\n' "${mounts[@]}" | awk '{ print length($0) "\t" $0 }' | sort -rn | cut -f2- |
        while read -r mnt; do
            umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
        done
}

# Start a private daemon. Sets DOCKER_HOST, BERTH_DOCKERD_DIR, BERTH_DOCKERD_PID.
berth_dockerd_start() {
    local bin="${BERTH_DOCKERD_BIN:-dockerd}" timeout="${BERTH_DOCKERD_TIMEOUT:-30}"
    if ! command -v "$bin" >/dev/null 2>&1; then
        echo "dockerd.sh: '$bin' not found (install the Debian package docker.io)" >&2
        return 1
    fi
    if [ "$(id -u)" != 0 ]; then
        echo "dockerd.sh: starting a private dockerd needs root (or set DOCKER_HOST to a running daemon)" >&2
        return 1
    fi
    # Short path: unix socket paths are limited to 108 bytes.
    local dir
    dir=$(mktemp -d /tmp/berth-dockerd.XXXXXX) || return 1
    chmod 711 "$dir"
    local ns
    ns="berth-test-$(basename "$dir" | cut -d. -f2)"
    # setsid: the daemon must not receive the terminal's Ctrl-C before we
    # have a chance to stop it cleanly; we send it SIGTERM ourselves.
    setsid "$bin" \
        --iptables=false --ip6tables=false --bridge=none \
        --storage-driver=vfs \
        --host "unix://$dir/docker.sock" \
        --data-root "$dir/data" \
        --exec-root "$dir/exec" \
        --pidfile "$dir/docker.pid" \
        --containerd-namespace "$ns" \
        --containerd-plugins-namespace "$ns-plugins" \
        </dev/null >"$dir/dockerd.log" 2>&1 &
    local pid=$!
    echo "$pid" >"$dir/launcher.pid"
    BERTH_DOCKERD_DIR="$dir"
    BERTH_DOCKERD_PID="$pid"
    export BERTH_DOCKERD_DIR BERTH_DOCKERD_PID

    local deadline=$((SECONDS + timeout))
    until berth_docker_ping "unix://$dir/docker.sock"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "dockerd.sh: dockerd exited during startup; its log ($dir/dockerd.log):" >&2
            sed 's/^/    /' "$dir/dockerd.log" >&2 || true
            berth_dockerd_stop
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "dockerd.sh: dockerd did not answer /_ping within ${timeout}s; its log:" >&2
            sed 's/^/    /' "$dir/dockerd.log" >&2 || true
            berth_dockerd_stop
            return 1
        fi
        sleep 0.1
    done
    # setsid may have forked (when we are a process-group leader), so the
    # daemon's own pid file is the authority on which process to stop.
    if [ -s "$dir/docker.pid" ]; then
        BERTH_DOCKERD_PID=$(cat "$dir/docker.pid")
    fi
    echo "$BERTH_DOCKERD_PID" >"$dir/daemon.pid"
    DOCKER_HOST="unix://$dir/docker.sock"
    export DOCKER_HOST
    return 0
}

# Stop the daemon started by berth_dockerd_start (or the one in DIR) and
# remove its directory. Idempotent.
berth_dockerd_stop() {
    local dir="${1:-${BERTH_DOCKERD_DIR:-}}"
    [ -n "$dir" ] || return 0
    # Refuse anything this script did not create.
    case "$dir" in
        /tmp/berth-dockerd.*) ;;
        *) echo "dockerd.sh: refusing to remove '$dir' (not a berth-dockerd dir)" >&2; return 1 ;;
    esac
    [ -d "$dir" ] || { unset BERTH_DOCKERD_DIR BERTH_DOCKERD_PID; return 0; }

    local pid=""
    local f
    for f in daemon.pid docker.pid launcher.pid; do
        if [ -s "$dir/$f" ]; then
            pid=$(cat "$dir/$f" 2>/dev/null || true)
            break
        fi
    done
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        # dockerd stops running containers first (up to 10 s each, in
        # parallel), then containerd; give it a while before SIGKILL.
        local i
        for ((i = 0; i < 300; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "dockerd.sh: dockerd (pid $pid) ignored SIGTERM for 30 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        # Reap it if it is our child; otherwise just wait for it to vanish.
        wait "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
    fi
    # Any supervised containerd (its pid file lives under exec root).
    local cpid
    for f in "$dir"/exec/containerd/containerd.pid; do
        [ -f "$f" ] || continue
        cpid=$(cat "$f" 2>/dev/null || true)
        if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null &&
            tr '\0' ' ' <"/proc/$cpid/cmdline" 2>/dev/null | grep -q -- "$dir"; then
            kill -TERM "$cpid" 2>/dev/null || true
            sleep 1
            kill -KILL "$cpid" 2>/dev/null || true
        fi
    done
    _berth_dockerd_umount_below "$dir"
    # vfs layers can contain read-only directories; make them writable.
    rm -rf "$dir" 2>/dev/null || { chmod -R u+w "$dir" 2>/dev/null; rm -rf "$dir"; }
    if [ -e "$dir" ]; then
        echo "dockerd.sh: could not remove $dir" >&2
    fi
    unset BERTH_DOCKERD_DIR BERTH_DOCKERD_PID
    return 0
}

# Called rather than sourced: a small command interface.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
        start)
            berth_dockerd_start >&2
            # The daemon must outlive this shell: it was started with setsid,
            # so it already is in its own session.
            printf 'export DOCKER_HOST=%q\n' "$DOCKER_HOST"
            printf 'export BERTH_DOCKERD_DIR=%q\n' "$BERTH_DOCKERD_DIR"
            ;;
        stop)
            berth_dockerd_stop "${2:-${BERTH_DOCKERD_DIR:-}}"
            ;;
        ping)
            berth_docker_ping "${2:-${DOCKER_HOST:-}}"
            ;;
        *)
            echo "usage: $0 start | stop DIR | ping [HOST]" >&2
            exit 2
            ;;
    esac
fi
