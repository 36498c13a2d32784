#!/usr/bin/env bash
# Shows that the client and CLI follow the spec: edit a spec, run `cargo
# build`, and the new operation is a command without any other change.
#
# Works on a copy of spec/docker-engine.yaml (selected with BERTH_SPEC, which
# the build scripts read) so that the real spec is never touched.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
spec="$work/docker-engine.yaml"
cp spec/docker-engine.yaml "$spec"
export BERTH_SPEC="$spec"
berth=target/debug/berth

cargo build --locked -q -p berth
if "$berth" system regen-probe --help >/dev/null 2>&1; then
    echo "regen-check: 'system regen-probe' exists before the spec has it" >&2
    exit 1
fi

# Add one operation to the copy (right after `paths:`).
python3 - "$spec" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
probe = '''paths:
  /berth-regen-probe:
    get:
      operationId: SystemRegenProbe
      tags: [System]
      summary: An operation added by scripts/regen-check.sh.
      responses:
        "204":
          description: Never sent.
'''
if "\npaths:\n" not in text:
    sys.exit("regen-check: no top-level 'paths:' in the spec")
open(path, "w").write(text.replace("\npaths:\n", "\n" + probe, 1))
PY

# Only the spec file changed: cargo must rerun the build scripts by itself.
cargo build --locked -q -p berth
help=$("$berth" system regen-probe --help)
case "$help" in
    *"An operation added by scripts/regen-check.sh."*) ;;
    *) echo "regen-check: the new operation did not become a command:" >&2; echo "$help" >&2; exit 1 ;;
esac
echo "regen-check: editing the spec added 'berth system regen-probe' on the next cargo build"
