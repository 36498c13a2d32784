#!/usr/bin/env python3
"""Writes a spec N times the size of spec/docker-engine.yaml: every path,
operation, tag and component is copied N times, copy i under the path prefix
/c{i}, with operationIds, tags and component names suffixed `C{i}` and every
$ref rewritten to match. Copy 1 is the original.

    python3 codegen/benches/synthesize.py 10 > /tmp/docker-x10.yaml
"""
import copy
import sys

import yaml


def rename_refs(node, suffix):
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/"):
                out[key] = value + suffix
            else:
                out[key] = rename_refs(value, suffix)
        return out
    if isinstance(node, list):
        return [rename_refs(item, suffix) for item in node]
    return node


def main():
    n = int(sys.argv[1])
    spec_path = sys.argv[2] if len(sys.argv) > 2 else "spec/docker-engine.yaml"
    with open(spec_path) as f:
        spec = yaml.safe_load(f)
    out = copy.deepcopy(spec)
    for i in range(2, n + 1):
        suffix = f"C{i}"
        for path, item in spec["paths"].items():
            item = rename_refs(copy.deepcopy(item), suffix)
            for op in item.values():
                if isinstance(op, dict) and "responses" in op:
                    if "operationId" in op:
                        op["operationId"] += suffix
                    op["tags"] = [t + suffix for t in op.get("tags", [])]
            out["paths"][f"/c{i}{path}"] = item
        for tag in spec.get("tags", []):
            tag = {k: v for k, v in tag.items() if k != "x-berth-cli"}
            tag["name"] += suffix
            out["tags"].append(tag)
        for kind, entries in spec.get("components", {}).items():
            for name, value in entries.items():
                out["components"][kind][name + suffix] = rename_refs(copy.deepcopy(value), suffix)
    yaml.safe_dump(out, sys.stdout, sort_keys=False, allow_unicode=True)


if __name__ == "__main__":
    main()
