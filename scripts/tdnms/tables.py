"""Parquet and JSON outputs that carry their provenance.

Every table the workflow writes goes through :func:`write_table`, which stores a
JSON document under the ``tdnms`` key of the Parquet file metadata: what made the
file (kind), the config section it depends on, the seed, and the versions of the
package and of the libraries whose numerics decide the content. Readers use
:func:`read_table` / :func:`table_metadata` to check a file before trusting it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

METADATA_KEY = b"tdnms"


class DataFileError(ValueError):
    """A data file is missing, unreadable, or does not match what the caller expects."""


def _distribution_version(*names: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    for name in names:
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return None


def library_versions() -> dict[str, str | None]:
    """Versions that determine numerical results.

    Read from the installed distributions, so recording TensorFlow's version
    does not cost a TensorFlow import in light stages.
    """
    import numpy
    import pyarrow

    from . import __version__

    return {
        "tdnms": __version__,
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "pyarrow": pyarrow.__version__,
        "tensorflow": _distribution_version("tensorflow-cpu", "tensorflow"),
        "keras": _distribution_version("keras"),
    }


def config_hash(section: Any) -> str:
    """Stable hash of a JSON-serialisable config section (key order does not matter)."""
    text = json.dumps(section, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def provenance(kind: str, config: Any = None, seed: int | None = None, **extra: Any) -> dict:
    """The provenance document stored with every output."""
    doc = {"kind": kind, "seed": seed, "versions": library_versions()}
    if config is not None:
        doc["config"] = config
        doc["config_hash"] = config_hash(config)
    doc.update(extra)
    return doc


def atomic_path(path: str | os.PathLike) -> Path:
    """A temporary sibling path; write there, then ``os.replace`` onto the target.

    A crash mid-write then never leaves a truncated file under the real name.
    """
    path = Path(path)
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_table(table: pa.Table, path: str | os.PathLike, meta: dict) -> None:
    """Write ``table`` to Parquet atomically with ``meta`` in the file metadata."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = table.schema.metadata or {}
    schema = table.schema.with_metadata(
        {**existing, METADATA_KEY: json.dumps(meta, sort_keys=True, default=str).encode()}
    )
    tmp = atomic_path(path)
    # Fixed writer options: same data -> same bytes.
    pq.write_table(table.cast(schema), tmp, compression="zstd", write_statistics=True)
    os.replace(tmp, path)


def write_frame(frame, path: str | os.PathLike, meta: dict) -> None:
    """Write a pandas DataFrame (index dropped) as Parquet with provenance."""
    write_table(pa.Table.from_pandas(frame, preserve_index=False), path, meta)


def table_metadata(path: str | os.PathLike) -> dict:
    """The provenance document of a Parquet file written by :func:`write_table`."""
    path = Path(path)
    if not path.exists():
        raise DataFileError(f"{path}: file does not exist")
    try:
        schema = pq.read_schema(path)
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise DataFileError(f"{path}: not a readable Parquet file ({err})") from err
    raw = (schema.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise DataFileError(f"{path}: no tdnms provenance metadata; was it written by this workflow?")
    return json.loads(raw)


def read_table(
    path: str | os.PathLike, required_columns: dict[str, str] | None = None, kind: str | None = None
) -> tuple[pa.Table, dict]:
    """Read a Parquet table and its provenance, checking kind and column types.

    ``required_columns`` maps column name to the Arrow type string it must have
    (e.g. ``"float32"``); a missing or mistyped column raises :class:`DataFileError`
    naming the file and the column.
    """
    path = Path(path)
    meta = table_metadata(path)
    if kind is not None and meta.get("kind") != kind:
        raise DataFileError(f"{path}: expected a '{kind}' table, found '{meta.get('kind')}'")
    try:
        table = pq.read_table(path)
    except Exception as err:
        raise DataFileError(f"{path}: cannot read Parquet data ({err})") from err
    for name, type_name in (required_columns or {}).items():
        if name not in table.column_names:
            raise DataFileError(f"{path}: missing column '{name}'")
        actual = table.schema.field(name).type
        if type_name is not None and str(actual) != type_name and not (
            pa.types.is_dictionary(actual) and type_name == "string"
        ):
            raise DataFileError(f"{path}: column '{name}' has type {actual}, expected {type_name}")
    return table, meta


def read_frame(path: str | os.PathLike, kind: str | None = None, columns: list[str] | None = None):
    """A Parquet output as a pandas DataFrame (checked as :func:`read_table`; ``columns``: only these)."""
    table, _ = read_table(path, kind=kind)
    return (table.select(columns) if columns else table).to_pandas()


def read_json(path: str | os.PathLike, kind: str | None = None) -> dict:
    """A JSON summary without its ``_provenance``; :class:`DataFileError` naming the file if it is
    unreadable or, with ``kind``, of another kind."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise DataFileError(f"{path}: cannot read JSON ({err})") from err
    meta = doc.pop("_provenance", {}) if isinstance(doc, dict) else {}
    if kind is not None and meta.get("kind") != kind:
        raise DataFileError(f"{path}: expected a '{kind}' summary, found '{meta.get('kind')}'")
    return doc


def write_json(obj: Any, path: str | os.PathLike, meta: dict | None = None) -> None:
    """Write a small JSON summary atomically; provenance goes under ``_provenance``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = dict(obj)
    if meta is not None:
        doc["_provenance"] = meta
    tmp = atomic_path(path)
    tmp.write_text(json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)
