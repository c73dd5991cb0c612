"""Wall time of importing the package for light users, in fresh interpreters (printed, never asserted).

    ./run python bench/import_time.py            # this checkout's scripts/tdnms
    ./run python bench/import_time.py --repeat 9 --scripts /path/to/other/checkout/scripts

``import tdnms`` must stay light: the Snakefile and every light job import it. The
Keras classes are registered without importing Keras; the last rows show what an
eager registration (importing ``tdnms.model``, hence Keras and TensorFlow) would cost.
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

STATEMENTS = [
    "pass",
    "import tdnms",
    "import tdnms; tdnms.Results",
    "import tdnms; tdnms.read_trials",
    "import tdnms.model",
    "import tdnms; import keras",
]


def once(statement: str, scripts: str) -> float:
    code = (
        f"import sys, time; sys.path.insert(0, {scripts!r}); t = time.perf_counter(); {statement}; "
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--scripts", default=str(Path(__file__).resolve().parents[1] / "scripts"))
    args = parser.parse_args()
    print(f"{args.scripts}: median (min-max) seconds over {args.repeat} fresh interpreters")
    for statement in STATEMENTS:
        times = [once(statement, args.scripts) for _ in range(args.repeat)]
        print(f"  {statement:36s} {statistics.median(times):7.3f} ({min(times):.3f}-{max(times):.3f})", flush=True)


if __name__ == "__main__":
    main()
