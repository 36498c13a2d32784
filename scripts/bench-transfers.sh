#!/usr/bin/env bash
# Transfer benchmarks: berth vs docker vs curl, side by side on one daemon.
#
#   BERTH=target/release/berth scripts/bench-transfers.sh
#
#   1. `image import` of a ~1 GiB tarball (berth image import / docker import /
#      curl -T POST /images/create?fromSrc=-);
#   2. `image save -o` of that image (berth image get -o / docker save -o /
#      curl -o GET /images/NAME/get);
#   3. `container logs` of a container that wrote 100 MiB (to /dev/null).
# Each: median wall time and median peak RSS (/usr/bin/time -v) of
# BENCH_RUNS runs (default 5). Prints a markdown table. Uses DOCKER_HOST if a
# daemon answers there, else starts a private one (root). Removes everything
# it creates.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export PATH="$HOME/.cargo/bin:$PATH"
# shellcheck source=scripts/dockerd.sh
source "$ROOT/scripts/dockerd.sh"
unset BERTH_DOCKERD_DIR BERTH_DOCKERD_PID
STARTED_DAEMON=0
RUNS=${BENCH_RUNS:-5}
IMPORT_MIB=${BENCH_IMPORT_MIB:-1024}
LOG_MIB=${BENCH_LOG_MIB:-100}
API=v1.41
log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench-transfers.sh: %s\n' "$*" >&2; exit 1; }

for tool in hyperfine curl tar; do command -v "$tool" >/dev/null || die "$tool is missing"; done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
if [ -z "${BERTH:-}" ]; then
    BERTH=target/release/berth
    [ -x "$BERTH" ] || cargo build --release --locked -p berth
fi
BERTH=$(cd "$(dirname "$BERTH")" && pwd)/$(basename "$BERTH")
DOCKER=$(command -v docker || true)

WORK=""
REFS=()
CONTAINERS=()
cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    for c in "${CONTAINERS[@]}"; do api DELETE "/containers/$c?force=1" >/dev/null 2>&1; done
    for r in "${REFS[@]}"; do api DELETE "/images/$r?force=1" >/dev/null 2>&1; done
    [ -n "$WORK" ] && rm -rf "$WORK"
    [ "$STARTED_DAEMON" = 1 ] && berth_dockerd_stop
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${DOCKER_HOST:-}" ] && berth_docker_ping "$DOCKER_HOST"; then
    log "Using the daemon at DOCKER_HOST=$DOCKER_HOST"
else
    [ "$(id -u)" = 0 ] || die "no daemon at DOCKER_HOST and a private one needs root"
    STARTED_DAEMON=1
    berth_dockerd_start
fi
export DOCKER_HOST
unset DOCKER_CONTEXT DOCKER_API_VERSION
case "$DOCKER_HOST" in
    unix://*) CURL=(curl -sS -f --unix-socket "${DOCKER_HOST#unix://}") BASE=http://docker ;;
    tcp://*) CURL=(curl -sS -f) BASE="http://${DOCKER_HOST#tcp://}" ;;
    *) die "unsupported DOCKER_HOST: $DOCKER_HOST" ;;
esac
api() { local method=$1 path=$2; shift 2; "${CURL[@]}" -X "$method" "$@" "$BASE/$API$path"; }

WORK=$(mktemp -d /tmp/berth-bench-transfers.XXXXXX)
TAG="berth-bench-$$"

# A rootfs with busybox, and a 1 GiB file of random bytes.
mkdir -p "$WORK/rootfs/bin" "$WORK/rootfs/etc"
cp /bin/busybox "$WORK/rootfs/bin/busybox"
for a in sh yes head true; do ln -s busybox "$WORK/rootfs/bin/$a"; done
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/rootfs/etc/passwd"
log "Building a tarball with a ${IMPORT_MIB} MiB file"
head -c "$((IMPORT_MIB * 1024 * 1024))" /dev/urandom >"$WORK/rootfs/big.bin"
tar -C "$WORK/rootfs" -cf "$WORK/big.tar" .
rm -f "$WORK/rootfs/big.bin"

# measure NAME TOOL cmd...: RUNS runs under /usr/bin/time; records median
# wall seconds and median peak RSS (MiB) as RESULT_WALL/RESULT_RSS[NAME/TOOL].
declare -A RESULT_WALL RESULT_RSS
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
measure() {
    local key="$1/$2" walls=() rsses=() run
    shift 2
    for ((run = 0; run < RUNS; run++)); do
        [ -n "${BEFORE_EACH:-}" ] && eval "$BEFORE_EACH"
        /usr/bin/time -v -o "$WORK/time.txt" "$@" >/dev/null
        walls+=("$(sed -n 's/^[[:space:]]*Elapsed (wall clock).*: \([0-9:.]*\)$/\1/p' "$WORK/time.txt" |
            awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')")
        rsses+=("$(sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): //p' "$WORK/time.txt")")
        [ -n "${AFTER_EACH:-}" ] && eval "$AFTER_EACH"
    done
    RESULT_WALL[$key]=$(printf '%s\n' "${walls[@]}" | median | awk '{ printf "%.2f", $1 }')
    RESULT_RSS[$key]=$(printf '%s\n' "${rsses[@]}" | median | awk '{ printf "%.1f", $1 / 1024 }')
    log "  $key: ${RESULT_WALL[$key]} s, ${RESULT_RSS[$key]} MiB"
}
TOOLS=(berth)
[ -n "$DOCKER" ] && TOOLS+=(docker)
TOOLS+=(curl)

# 1. import
log "image import (${IMPORT_MIB} MiB, $RUNS runs each)"
AFTER_EACH='api DELETE "/images/$TAG-import:bench?force=1" >/dev/null'
REFS+=("$TAG-import:bench")
measure import berth "$BERTH" image import "$WORK/big.tar" "$TAG-import:bench"
[ -n "$DOCKER" ] && measure import docker "$DOCKER" import "$WORK/big.tar" "$TAG-import:bench"
measure import curl "${CURL[@]}" -X POST -H 'Content-Type: application/x-tar' -T "$WORK/big.tar" \
    "$BASE/$API/images/create?fromSrc=-&repo=$TAG-import&tag=bench"
unset AFTER_EACH

# 2. save
log "image save -o ($RUNS runs each)"
REFS+=("$TAG-save:bench")
api POST "/images/create?fromSrc=-&repo=$TAG-save&tag=bench" -H 'Content-Type: application/x-tar' -T "$WORK/big.tar" >/dev/null
rm -f "$WORK/big.tar"
AFTER_EACH='rm -f "$WORK/saved.tar"'
measure save berth "$BERTH" image get "$TAG-save:bench" -o "$WORK/saved.tar"
[ -n "$DOCKER" ] && measure save docker "$DOCKER" save -o "$WORK/saved.tar" "$TAG-save:bench"
measure save curl "${CURL[@]}" -o "$WORK/saved.tar" "$BASE/$API/images/$TAG-save:bench/get"
unset AFTER_EACH

# 3. logs of a container that wrote LOG_MIB MiB
log "container logs of ${LOG_MIB} MiB ($RUNS runs each)"
REFS+=("$TAG-logs:bench")
tar -C "$WORK/rootfs" -cf "$WORK/small.tar" .
api POST "/images/create?fromSrc=-&repo=$TAG-logs&tag=bench" -H 'Content-Type: application/x-tar' -T "$WORK/small.tar" >/dev/null
id=$(api POST "/containers/create?name=$TAG-logs" -H 'Content-Type: application/json' \
    -d "{\"Image\":\"$TAG-logs:bench\",\"Cmd\":[\"sh\",\"-c\",\"yes berth-benchmark-log-line-0123456789 | head -c $((LOG_MIB * 1024 * 1024))\"],\"Labels\":{\"berth.bench\":\"$$\"}}" |
    sed -n 's/.*"Id":"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] || die "container create failed"
CONTAINERS+=("$id")
api POST "/containers/$id/start" >/dev/null
api POST "/containers/$id/wait" >/dev/null
measure logs berth "$BERTH" container logs "$id" --stdout
[ -n "$DOCKER" ] && measure logs docker "$DOCKER" logs "$id"
measure logs curl "${CURL[@]}" -o /dev/null "$BASE/$API/containers/$id/logs?stdout=1"

# report
{
    echo
    printf '| measurement |'; for t in "${TOOLS[@]}"; do printf ' %s |' "$t"; done; echo
    printf '|---|'; for _ in "${TOOLS[@]}"; do printf -- '---:|'; done; echo
    for what in import save logs; do
        case $what in
            import) label="\`image import\` ${IMPORT_MIB} MiB" ;;
            save) label="\`image save -o\` ${IMPORT_MIB} MiB" ;;
            logs) label="\`container logs\` ${LOG_MIB} MiB" ;;
        esac
        printf '| %s, median wall time (s) |' "$label"; for t in "${TOOLS[@]}"; do printf ' %s |' "${RESULT_WALL[$what/$t]:--}"; done; echo
        printf '| %s, median peak RSS (MiB) |' "$label"; for t in "${TOOLS[@]}"; do printf ' %s |' "${RESULT_RSS[$what/$t]:--}"; done; echo
    done
    echo
    echo "runs: $RUNS each; berth: $BERTH; docker: ${DOCKER:-not installed}; daemon at $DOCKER_HOST"
}
