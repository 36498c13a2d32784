#!/usr/bin/env bash
# Berth benchmarks.
#
#   BERTH=target/release/berth scripts/bench.sh
#
# Against the daemon in DOCKER_HOST if one answers there, otherwise against a
# private daemon (scripts/dockerd.sh; needs root). Measures:
#   1. wall time (hyperfine, median) of `berth container list --all`,
#      `docker ps -a` (if a docker client is installed) and the raw API call
#      with curl;
#   2. peak RSS (/usr/bin/time -v) of the same three;
#   3. wall time and peak RSS of importing a ~1 GiB tarball (busybox rootfs
#      plus one 1 GiB file) with `berth image import`, and for comparison
#      `docker import` and curl.
# Prints a markdown table. Removes every container, image and file it made.
#
# Environment:
#   BERTH               berth binary (default target/release/berth; built if
#                       missing and BERTH was not given)
#   BENCH_RUNS          hyperfine minimum runs (default 20, at least 10)
#   BENCH_CONTAINERS    containers to create so the list is not empty (default 20)
#   BENCH_IMPORT_MIB    size of the big file in the import tarball (default 1024)
#   BENCH_SKIP_IMPORT=1 skip the import benchmark
#   BENCH_KEEP_JSON=DIR copy hyperfine's JSON export into DIR
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"

# shellcheck source=scripts/dockerd.sh
source "$ROOT/scripts/dockerd.sh"
# Only ever stop a daemon this script started itself, whatever the caller's
# environment says.
unset BERTH_DOCKERD_DIR BERTH_DOCKERD_PID
STARTED_DAEMON=0

RUNS=${BENCH_RUNS:-20}
[ "$RUNS" -ge 10 ] || RUNS=10
NCONTAINERS=${BENCH_CONTAINERS:-20}
IMPORT_MIB=${BENCH_IMPORT_MIB:-1024}
API=v1.41

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

# --- tools ------------------------------------------------------------------

missing=()
command -v hyperfine >/dev/null 2>&1 || missing+=(hyperfine)
[ -x /usr/bin/time ] || missing+=(time)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v tar >/dev/null 2>&1 || missing+=(tar)
if [ "${#missing[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]} (install them, or run as root)"
    log "Installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

if [ -z "${BERTH:-}" ]; then
    BERTH=target/release/berth
    if [ ! -x "$BERTH" ]; then
        log "Building $BERTH"
        cargo build --release --locked -p berth
    fi
fi
[ -x "$BERTH" ] || die "berth binary '$BERTH' not found (build it: cargo build --release -p berth)"
BERTH=$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")

DOCKER=""
if [ -x /usr/local/bin/docker ]; then
    DOCKER=/usr/local/bin/docker
elif command -v docker >/dev/null 2>&1; then
    DOCKER=$(command -v docker)
fi

# --- state and cleanup ------------------------------------------------------

WORK=""
CONTAINERS=()
IMAGES=()

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if [ -n "${BASE:-}" ]; then
        local c i
        for c in "${CONTAINERS[@]}"; do
            api DELETE "/containers/$c?force=1&v=1" >/dev/null 2>&1
        done
        for i in "${IMAGES[@]}"; do
            api DELETE "/images/$i?force=1" >/dev/null 2>&1
        done
    fi
    [ -n "$WORK" ] && rm -rf "$WORK"
    [ "$STARTED_DAEMON" = 1 ] && berth_dockerd_stop
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- daemon -----------------------------------------------------------------

if [ -n "${DOCKER_HOST:-}" ] && berth_docker_ping "$DOCKER_HOST"; then
    log "Using the daemon at DOCKER_HOST=$DOCKER_HOST"
else
    [ "$(id -u)" = 0 ] || die "no daemon at DOCKER_HOST and a private one needs root"
    command -v dockerd >/dev/null 2>&1 || die "dockerd not found (apt-get install docker.io)"
    log "Starting a private Docker daemon"
    STARTED_DAEMON=1
    berth_dockerd_start
fi
export DOCKER_HOST
unset DOCKER_CONTEXT DOCKER_API_VERSION

case "$DOCKER_HOST" in
    unix://*) CURL_TARGET=(--unix-socket "${DOCKER_HOST#unix://}") BASE=http://docker ;;
    tcp://*) CURL_TARGET=() BASE="http://${DOCKER_HOST#tcp://}" ;;
    *) die "unsupported DOCKER_HOST for curl: $DOCKER_HOST" ;;
esac

# api METHOD PATH [curl args...]: the raw API call, body on stdout.
api() {
    local method=$1 path=$2
    shift 2
    curl -sS -f "${CURL_TARGET[@]}" -X "$method" "$@" "$BASE/$API$path"
}

WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
TAG_BASE="berth-bench-$$"

# --- fixtures -----------------------------------------------------------------

BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || die "$BUSYBOX not found (apt-get install busybox-static)"
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc" "$WORK/rootfs/tmp"
cp "$BUSYBOX" "$WORK/rootfs/bin/busybox"
for a in sh echo cat sleep ls true; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
tar -C "$WORK/rootfs" -cf "$WORK/rootfs.tar" .

log "Importing the busybox image and creating $NCONTAINERS containers"
IMAGE="$TAG_BASE-base:bench"
IMAGES+=("$IMAGE")
api POST "/images/create?fromSrc=-&repo=$TAG_BASE-base&tag=bench" \
    -H 'Content-Type: application/x-tar' --data-binary @"$WORK/rootfs.tar" >/dev/null
for ((n = 0; n < NCONTAINERS; n++)); do
    out=$(api POST "/containers/create?name=$TAG_BASE-c$n" -H 'Content-Type: application/json' \
        -d "{\"Image\":\"$IMAGE\",\"Cmd\":[\"true\"],\"Labels\":{\"berth.bench\":\"$$\"}}")
    id=$(printf '%s' "$out" | sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
    [ -n "$id" ] || die "container create failed: $out"
    CONTAINERS+=("$id")
done

# Sanity: berth itself works before we time it.
"$BERTH" container list --all >/dev/null || die "'$BERTH container list --all' fails"

# --- 1. wall time -------------------------------------------------------------

log "Timing container list (hyperfine, warmup 3, >= $RUNS runs)"
LIST_URL="$BASE/$API/containers/json?all=1"
names=(berth)
cmds=("$BERTH container list --all")
if [ -n "$DOCKER" ]; then
    names+=(docker)
    cmds+=("$DOCKER ps -a")
fi
names+=(curl)
if [ "${#CURL_TARGET[@]}" -gt 0 ]; then
    cmds+=("curl -sS --unix-socket ${DOCKER_HOST#unix://} $LIST_URL")
else
    cmds+=("curl -sS $LIST_URL")
fi
hf_args=()
for i in "${!cmds[@]}"; do
    hf_args+=(-n "${names[$i]}" "${cmds[$i]}")
done
hyperfine -N --warmup 3 --min-runs "$RUNS" --style basic \
    --export-json "$WORK/list.json" "${hf_args[@]}" >&2
if [ -n "${BENCH_KEEP_JSON:-}" ]; then
    mkdir -p "$BENCH_KEEP_JSON"
    cp "$WORK/list.json" "$BENCH_KEEP_JSON/container-list.json"
fi

# Median (seconds) of the result named $1, from hyperfine's JSON export.
median_of() {
    if command -v jq >/dev/null 2>&1; then
        jq -r --arg n "$1" '.results[] | select(.command == $n) | .median' "$WORK/list.json"
    else
        awk -v n="$1" '
            /"command":/ { c = $0; sub(/.*"command": *"/, "", c); sub(/".*/, "", c) }
            /"median":/ && c == n { m = $0; sub(/.*"median": */, "", m); sub(/,.*/, "", m); print m; exit }
        ' "$WORK/list.json"
    fi
}

declare -A LIST_MS LIST_RSS IMPORT_S IMPORT_RSS
for i in "${!names[@]}"; do
    LIST_MS[${names[$i]}]=$(awk -v s="$(median_of "${names[$i]}")" 'BEGIN { printf "%.2f", s * 1000 }')
done

# --- 2. peak RSS --------------------------------------------------------------

# measure FILE cmd...: runs cmd under /usr/bin/time -v (output discarded),
# leaves time's report in FILE; fails if cmd fails.
measure() {
    local report=$1
    shift
    /usr/bin/time -v -o "$report" "$@" >/dev/null
}
rss_kib() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$1"; }
wall_s() {
    # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23"
    sed -n 's/^[[:space:]]*Elapsed (wall clock).*: \([0-9:.]*\)$/\1/p' "$1" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

log "Peak RSS of container list (median of 5 runs each)"
for i in "${!names[@]}"; do
    read -r -a argv <<<"${cmds[$i]}"
    samples=()
    for ((r = 0; r < 5; r++)); do
        measure "$WORK/time.txt" "${argv[@]}"
        samples+=("$(rss_kib "$WORK/time.txt")")
    done
    LIST_RSS[${names[$i]}]=$(printf '%s\n' "${samples[@]}" | median |
        awk '{ printf "%.1f", $1 / 1024 }')
done

# --- 3. import of a 1 GiB tarball ---------------------------------------------

if [ "${BENCH_SKIP_IMPORT:-0}" != 1 ]; then
    log "Building a tarball with a ${IMPORT_MIB} MiB file"
    head -c "$((IMPORT_MIB * 1024 * 1024))" /dev/urandom >"$WORK/rootfs/big.bin"
    tar -C "$WORK/rootfs" -cf "$WORK/big.tar" .
    rm -f "$WORK/rootfs/big.bin"
    log "  $(du -h "$WORK/big.tar" | cut -f1) $WORK/big.tar"

    import_one() {
        local name=$1 repo="$TAG_BASE-import-$1"
        shift
        IMAGES+=("$repo:bench")
        log "Importing with $name"
        # The page cache is warm for every tool alike (the tarball was just
        # written), so the comparison is fair.
        case "$name" in
            berth) measure "$WORK/time.txt" "$BERTH" image import "$WORK/big.tar" "$repo:bench" ;;
            docker) measure "$WORK/time.txt" "$DOCKER" import "$WORK/big.tar" "$repo:bench" ;;
            curl) measure "$WORK/time.txt" curl -sS -f "${CURL_TARGET[@]}" -X POST \
                -H 'Content-Type: application/x-tar' -T "$WORK/big.tar" \
                "$BASE/$API/images/create?fromSrc=-&repo=$repo&tag=bench" ;;
        esac
        IMPORT_S[$name]=$(wall_s "$WORK/time.txt")
        IMPORT_RSS[$name]=$(awk -v k="$(rss_kib "$WORK/time.txt")" 'BEGIN { printf "%.1f", k / 1024 }')
        # The image must really exist; then remove it straight away (vfs
        # keeps a full copy per image).
        api GET "/images/$repo:bench/json" >/dev/null || die "$name: the imported image is missing"
        api DELETE "/images/$repo:bench?force=1" >/dev/null
    }
    for name in "${names[@]}"; do
        import_one "$name"
    done
    rm -f "$WORK/big.tar"
fi

# --- report -------------------------------------------------------------------

cell() { local v=${1:-}; printf '%s' "${v:--}"; }
{
    echo
    printf '| measurement |'
    for n in "${names[@]}"; do printf ' %s |' "$n"; done
    echo
    printf '|---|'
    for _ in "${names[@]}"; do printf -- '---:|'; done
    echo
    printf '| `container list --all`, median wall time (ms, %d containers) |' "$NCONTAINERS"
    for n in "${names[@]}"; do printf ' %s |' "$(cell "${LIST_MS[$n]:-}")"; done
    echo
    printf '| `container list --all`, peak RSS (MiB) |'
    for n in "${names[@]}"; do printf ' %s |' "$(cell "${LIST_RSS[$n]:-}")"; done
    echo
    if [ "${BENCH_SKIP_IMPORT:-0}" != 1 ]; then
        printf '| `image import` %d MiB tarball, wall time (s) |' "$IMPORT_MIB"
        for n in "${names[@]}"; do printf ' %s |' "$(cell "${IMPORT_S[$n]:-}")"; done
        echo
        printf '| `image import` %d MiB tarball, peak RSS (MiB) |' "$IMPORT_MIB"
        for n in "${names[@]}"; do printf ' %s |' "$(cell "${IMPORT_RSS[$n]:-}")"; done
        echo
    fi
    echo
    echo "berth: $BERTH; docker: ${DOCKER:-not installed}; daemon: $(api GET /version | sed -n 's/.*"Version":"\([^"]*\)".*/\1/p' | head -1) at $DOCKER_HOST"
}
