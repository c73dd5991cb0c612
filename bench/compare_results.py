"""Compare two results folders: which tables and weights are byte-identical.

    ./run python bench/compare_results.py RESULTS_A RESULTS_B [--pattern '**/*.parquet']

Parquet files are compared byte for byte (provenance metadata included), then, where the
bytes differ, by their data alone (same columns and values, metadata ignored). Models are
compared by their weight arrays (the ``.keras`` archive's ``model.weights.h5``), since the
archive also records when it was saved. Prints one line per file present in either folder
and a summary; exits 1 if any file is missing or differs in data.
"""

from __future__ import annotations

import argparse
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq


def keras_weights(path: Path) -> dict[str, np.ndarray]:
    import h5py

    with zipfile.ZipFile(path) as archive:
        blob = archive.read("model.weights.h5")
    arrays = {}
    with h5py.File(io.BytesIO(blob), "r") as f:
        f.visititems(lambda name, obj: arrays.setdefault(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return arrays


def compare(a: Path, b: Path) -> str:
    if a.suffix == ".keras":
        wa, wb = keras_weights(a), keras_weights(b)
        same = wa.keys() == wb.keys() and all(np.array_equal(wa[k], wb[k]) for k in wa)
        return "weights identical" if same else "WEIGHTS DIFFER"
    if a.read_bytes() == b.read_bytes():
        return "bytes identical"
    if a.suffix == ".parquet":
        ta, tb = pq.read_table(a), pq.read_table(b)
        if ta.replace_schema_metadata(None).equals(tb.replace_schema_metadata(None)):
            return "data identical (metadata differs)"
        return "DATA DIFFER"
    return "BYTES DIFFER"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--pattern", action="append", help="glob(s) under each folder")
    args = parser.parse_args()
    patterns = args.pattern or ["**/*.parquet", "**/*.keras"]
    names = sorted({p.relative_to(root) for root in (args.a, args.b) for pat in patterns for p in root.glob(pat)})
    counts: dict[str, int] = {}
    for name in names:
        pa, pb = args.a / name, args.b / name
        verdict = compare(pa, pb) if pa.exists() and pb.exists() else f"ONLY IN {'A' if pa.exists() else 'B'}"
        counts[verdict] = counts.get(verdict, 0) + 1
        print(f"{verdict:36} {name}")
    print("summary: " + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())))
    sys.exit(int(any(v.split()[0].isupper() for v in counts)))  # upper case: missing or different


if __name__ == "__main__":
    main()
