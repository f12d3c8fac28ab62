#!/usr/bin/env python3
"""Checks every `#include "…"` under src/ against voxgate's layer graph (README, "How it is built").

Static libraries link along the graph, but a header-only part included upward would still link,
so the linker alone cannot keep the layers honest. Rules, with no exception list:
  core      → core
  engines   → engines, core
  transport → transport, core
  protocols → protocols, transport, core; and a protocol folder uses only itself and protocols/common
  app       → everything
  cli       → cli, app, core
Exits 1 listing each offending line, 0 when the tree obeys the graph.
"""
import pathlib
import re
import sys

ALLOWED = {
    "core": {"core"},
    "engines": {"engines", "core"},
    "transport": {"transport", "core"},
    "protocols": {"protocols", "transport", "core"},
    "app": {"app", "protocols", "transport", "engines", "core"},
    "cli": {"cli", "app", "core"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def violations(src: pathlib.Path):
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cpp") or not path.is_file():
            continue
        rel = path.relative_to(src).parts
        layer = rel[0]
        if layer not in ALLOWED:
            yield f"{path}: file outside the known layers ({', '.join(ALLOWED)})"
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1).split("/")
            if len(target) < 2 or not (src / m.group(1)).is_file():
                yield f"{path}:{number}: `{m.group(1)}` is not a path under src/"
                continue
            if target[0] not in ALLOWED[layer]:
                yield f"{path}:{number}: {layer} → {target[0]} (`{m.group(1)}`) is not in the layer graph"
            elif layer == "protocols" and target[0] == "protocols" and target[1] not in (rel[1], "common"):
                yield f"{path}:{number}: protocols/{rel[1]} → protocols/{target[1]}: a protocol folder stands alone"


def main() -> int:
    src = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent / "src")
    found = list(violations(src))
    for v in found:
        print(v)
    print(f"layers: {len(found)} violation(s)" if found else "layers: every include follows the graph")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
