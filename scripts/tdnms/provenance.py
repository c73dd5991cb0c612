"""Where did this output come from?

    ./run python -m tdnms.provenance results/scores/all.parquet results/figures/summary.pdf ...

Prints, for each file, the provenance document the workflow stored in it: what
kind of output it is, the config section (and its hash) it depends on, the seed,
and the versions of tdnms, TensorFlow, Keras, NumPy and PyArrow. Works for
Parquet tables, JSON summaries, PNG and PDF figures and ``.keras`` models.
"""

from __future__ import annotations

import json
import re
import sys
import zipfile
from pathlib import Path

from . import tables

KERAS_ENTRY = "tdnms_provenance.json"


def _pdf_subject(raw: bytes) -> str | None:
    start = raw.find(b"/Subject (")
    if start < 0:
        return None
    i, out = start + len(b"/Subject ("), bytearray()
    while i < len(raw):
        c = raw[i]
        if c == 0x5C:  # backslash escape
            out.append(raw[i + 1])
            i += 2
            continue
        if c == 0x29:  # closing parenthesis
            return out.decode("latin-1")
        out.append(c)
        i += 1
    return None


def describe(path: str | Path) -> dict:
    """The provenance document stored in ``path``; raises ``DataFileError`` if there is none."""
    path = Path(path)
    if not path.exists():
        raise tables.DataFileError(f"{path}: file does not exist")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return tables.table_metadata(path)
    if suffix == ".json":
        doc = json.loads(path.read_text()).get("_provenance")
    elif suffix == ".png":
        from PIL import Image

        with Image.open(path) as image:
            text = image.text.get("tdnms")
        doc = json.loads(text) if text else None
    elif suffix == ".pdf":
        text = _pdf_subject(path.read_bytes())
        doc = json.loads(text) if text and text.startswith("{") else None
    elif suffix == ".keras":
        with zipfile.ZipFile(path) as archive:
            doc = json.loads(archive.read(KERAS_ENTRY)) if KERAS_ENTRY in archive.namelist() else None
    else:
        raise tables.DataFileError(f"{path}: no provenance is stored in '{suffix}' files")
    if doc is None:
        raise tables.DataFileError(f"{path}: no tdnms provenance found; was it written by this workflow?")
    return doc


def _summary(doc: dict) -> str:
    lines = [f"kind: {doc.get('kind')}", f"seed: {doc.get('seed')}"]
    if "config_hash" in doc:
        lines.append(f"config hash: {doc['config_hash']}")
    versions = doc.get("versions", {})
    lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    extra = {k: v for k, v in doc.items() if k not in {"kind", "seed", "config_hash", "versions", "config"}}
    for key, value in extra.items():
        lines.append(f"{key}: {value}")
    if "config" in doc:
        lines.append("config: " + json.dumps(doc["config"], sort_keys=True))
    return "\n".join("  " + line for line in lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    status = 0
    for name in argv:
        try:
            print(f"{name}\n{_summary(describe(name))}")
        except (tables.DataFileError, ValueError, KeyError, OSError) as err:
            print(f"{name}\n  error: {err}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
