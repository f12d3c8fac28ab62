#!/usr/bin/python3
"""Before/after comparison: runs bench scripts against two voxgate binaries and prints medians.

    /usr/bin/python3 bench/compare.py --before OLD/build/voxgate --after build/voxgate \\
        --benches tts,asr,neural --runs 3

Each run of each bench script (``bench/<name>_bench.py --bin BIN``, printing its tables) goes to
``--out`` (default a fresh temporary directory), before and after interleaved run by run so a
drift in the machine's load falls on both. A run that fails (non-zero exit) is kept as
``*.failed`` and retried once at the end. Then, per bench, every numeric cell of every table row
is reduced to its median over the runs, and printed as ``before → after (after / before)``.
Rows are matched on their non-numeric cells. No assertions: it measures. Both binaries run
with this checkout's config and models; an older binary that refuses keys added since gets its
own checkout's config with ``--before-config``.
"""
import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from common import log, require_binary

BENCH = Path(__file__).resolve().parent
NOT_METRICS = {"clients", "streams", "runs", "requests", "real-time streams"}  # part of a row's name
TAKES_CONFIG = {"tts", "neural"}  # the benches that serve a config file (the others generate theirs)


def run_once(bench, binary, path, config=None):
    extra = ["--config", config] if config and bench in TAKES_CONFIG else []
    with open(path, "w") as out, open(path.with_suffix(".err"), "w") as err:
        rc = subprocess.run([sys.executable, str(BENCH / f"{bench}_bench.py"), "--bin", binary, *extra],
                            stdout=out, stderr=err).returncode
    if rc != 0:
        path.rename(path.with_suffix(".failed"))
    log(f"{path.name}: exit {rc}")
    return rc == 0


def rows(path):
    """{(table index, row name): {column: value}} for every markdown table in a bench's output."""
    found, header, table = {}, None, 0
    for line in path.read_text().splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if header is None:
            header, table = cells, table + 1
        elif not set(line) <= set("|-: "):
            name, values = [], {}
            for column, cell in zip(header, cells):
                number = re.fullmatch(r"([+-]?[0-9]+(?:\.[0-9]+)?)%?", cell)
                if number and column not in NOT_METRICS:
                    values[column] = float(number.group(1))
                elif " / " not in cell:  # "a / b" pairs (voxgate / reference) vary run to run
                    name.append(cell)
            found[(table, " / ".join(name))] = values
    return found


def median_of(runs, key, column):
    xs = [r[key][column] for r in runs if key in r and column in r[key]]
    return statistics.median(xs) if xs else None


def report(bench, before, after):
    print(f"\n## {bench}: medians of {len(before)} before / {len(after)} after runs\n")
    for key, columns in (after[0] if after else {}).items():
        parts = []
        for column in columns:
            b, a = median_of(before, key, column), median_of(after, key, column)
            if b is None or a is None:
                continue
            ratio = f" ({a / b:.2f})" if b else ""
            parts.append(f"{column}: {b:g} → {a:g}{ratio}")
        if parts:
            print(f"- **{key[1]}**: " + "; ".join(parts))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--before", required=True, help="the older voxgate binary")
    ap.add_argument("--after", required=True, help="the newer voxgate binary")
    ap.add_argument("--benches", default="tts,asr,neural")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--out", help="where the runs' outputs go (default: a new temporary directory)")
    ap.add_argument("--before-config", help="conf/application.yaml of the older checkout, for a binary that "
                    "refuses keys added since (the shipped values equal the code defaults, so both serve the same)")
    args = ap.parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="voxgate-compare-"))
    out.mkdir(parents=True, exist_ok=True)
    benches = [b for b in args.benches.split(",") if b]
    binaries = {"before": str(require_binary(args.before)), "after": str(require_binary(args.after))}
    configs = {"before": args.before_config, "after": None}
    for i in range(1, args.runs + 1):
        for side, binary in binaries.items():
            for bench in benches:
                run_once(bench, binary, out / f"{side}_{bench}_{i}.md", configs[side])
    for side, binary in binaries.items():  # one retry per failed run
        for bench in benches:
            for failed in sorted(out.glob(f"{side}_{bench}_*.failed")):
                run_once(bench, binary, out / f"{side}_{bench}_retry{failed.stem.rsplit('_', 1)[1]}.md", configs[side])
    print(f"outputs in {out}")
    for bench in benches:
        runs = {side: [rows(p) for p in sorted(out.glob(f"{side}_{bench}_*.md"))] for side in binaries}
        report(bench, runs["before"], runs["after"])


if __name__ == "__main__":
    main()
