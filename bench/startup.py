"""How much of each post-training job is process start-up and imports, and how much is work (printed).

    python bench/startup.py results            # job times from results/benchmarks, imports measured here
    python bench/startup.py results --repeat 5 --scripts /path/to/checkout/scripts

For each post-training rule: the median job time of its Snakemake benchmark files, and in
fresh interpreters the time of (1) an empty interpreter, (2) the job preamble Snakemake
inserts (unpickling its ``snakemake`` object imports ``snakemake.script``), (3) every module
the script and the tdnms modules it runs import, lazy imports included (so an upper
bound of what the job imports). Times are CPU seconds (the job's ``cpu_time`` column, the interpreters' process time): on a
shared machine wall times say more about the neighbours. Work is the job's CPU time minus (1)-(3).
"""

import argparse
import ast
import statistics
import subprocess
import sys
from pathlib import Path

# The per-network jobs; the older rules are kept so that a results folder of an earlier
# commit (one job per stage) can be read too. Rules without benchmark files are skipped.
RULES = ["analyse_network", "plot_network", "simulate", "pca", "fixed_points", "analyse_model", "plot_analysis", "plot_model", "probes"]
# Stage scripts a combined job runs in its own process (their imports count for it).
STAGES = {
    "analyse_network": ["simulate", "pca", "fixed_points", "analyse_model", "probes"],
    "plot_network": ["plot_model", "plot_analysis"],
}


def imports_of(script: Path, scripts_dir: Path) -> list[str]:
    """Dotted modules imported by ``script`` and the tdnms modules it runs (tdnms ones included)."""
    sys.path.insert(0, str(scripts_dir))
    from tdnms.fingerprint import library_modules

    names = []
    for path in [script, *library_modules(script)]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names += [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names.append(node.module)
    return sorted(set(names))


def timed(statement: str, scripts_dir: Path, repeat: int) -> float:
    code = (
        f"import sys, time; sys.path.insert(0, {str(scripts_dir)!r}); t = time.process_time(); {statement}; "
        "print(time.process_time() - t)"
    )
    times = []
    for _ in range(repeat):
        t0 = __import__("time").perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        wall = __import__("time").perf_counter() - t0
        times.append((float(out.split()[-1]), wall))
    return statistics.median(t for t, _ in times), statistics.median(w for _, w in times)


def job_seconds(results: Path, rule: str) -> tuple[float, float, int]:
    """Median wall and CPU seconds of a rule's benchmark files, and how many there are."""
    rows = []
    for f in sorted((results / "benchmarks" / rule).glob("*.tsv")):
        head, values = (line.split("\t") for line in f.read_text().splitlines()[:2])
        rows.append((float(values[0]), float(values[head.index("cpu_time")])))
    if not rows:
        return float("nan"), float("nan"), 0
    return statistics.median(r[0] for r in rows), statistics.median(r[1] for r in rows), len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scripts", type=Path, default=Path(__file__).resolve().parents[1] / "scripts")
    args = parser.parse_args()
    bare_cpu, bare = timed("pass", args.scripts, args.repeat)
    preamble, _ = timed("import snakemake.script, snakemake.iocontainers, snakemake.logging", args.scripts, args.repeat)
    print(
        f"CPU seconds, median of {args.repeat} fresh interpreters: interpreter start-up {bare:.2f} s wall, "
        f"job preamble {preamble:.2f} s"
    )
    print(f"{'rule':15s} {'jobs':>4s} {'job wall':>8s} {'job CPU':>8s} {'imports':>8s} {'start+imp':>9s} {'work CPU':>8s}")
    for rule in RULES:
        wall, cpu, n = job_seconds(args.results, rule)
        if n == 0:
            continue
        scripts = [rule, *STAGES.get(rule, [])]
        modules = sorted({m for name in scripts for m in imports_of(args.scripts / f"{name}.py", args.scripts)})
        imports, _ = timed("; ".join(f"import {m}" for m in modules), args.scripts, args.repeat)
        overhead = bare_cpu + preamble + imports
        print(f"{rule:15s} {n:4d} {wall:8.2f} {cpu:8.2f} {imports:8.2f} {overhead:9.2f} {cpu - overhead:8.2f}", flush=True)


if __name__ == "__main__":
    main()
