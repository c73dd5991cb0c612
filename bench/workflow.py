"""Wall time of the whole default workflow from an empty results folder.

    ./run python bench/workflow.py [--cores 2] [--configfile FILE] [--keep]

Runs the workflow in a temporary working directory (the repository's results/
is never touched), then prints the wall time, the sum of the per-rule benchmark
times (results/benchmarks/*/*.tsv, column s), the same per rule, and the share of
wall time not spent inside rules' compute x cores (imports, scheduling, idle cores).
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--configfile", type=Path, default=REPO / "config.yaml")
    parser.add_argument("--keep", action="store_true", help="keep the working directory")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tdnms-bench-"))
    shutil.copy(args.configfile, workdir / "config.yaml")
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    cmd = [snakemake, "-s", str(REPO / "Snakefile"), "-d", str(workdir), "--cores", str(args.cores), "--quiet"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        print(proc.stdout[-3000:], proc.stderr[-3000:])
        sys.exit(f"workflow failed (workdir kept: {workdir})")
    per_rule = defaultdict(list)
    for tsv in (workdir / "results" / "benchmarks").rglob("*.tsv"):
        with open(tsv) as f:
            row = next(csv.DictReader(f, delimiter="\t"))
        per_rule[tsv.parent.name].append(float(row["s"]))
    total = sum(sum(v) for v in per_rule.values())
    print(f"workflow wall time      {wall:8.1f} s  (--cores {args.cores}, {args.configfile.name})")
    print(f"sum of rule benchmarks  {total:8.1f} s  over {sum(map(len, per_rule.values()))} jobs")
    for rule, times in sorted(per_rule.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {rule:22}{sum(times):8.1f} s  {len(times):3d} jobs  mean {sum(times) / len(times):6.1f} s")
    outside = max(0.0, 1 - total / (wall * args.cores))
    print(f"share of wall x cores outside the rules' compute: {outside:.0%}")
    if args.keep:
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir)


if __name__ == "__main__":
    main()
