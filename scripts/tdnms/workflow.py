"""Glue for the thin entry scripts that Snakemake runs (``scripts/*.py``).

:func:`run` sends everything the script prints, including TensorFlow's C++
logging, to the rule's log file, and records the failure there too, so that
``results/logs/...`` always says what happened.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def _redirect_fds(path: str):
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "a", buffering=1) as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def run(main, smk) -> None:
    """Run ``main(smk)`` with output in ``smk.log[0]`` (if the rule has a log)."""
    # jsonschema looks for optional format-checking packages when it is first imported (by
    # the config checks in main); rfc3987_syntax, present in the ./run venv for the notebook
    # tools, compiles a grammar then: 1.8 s of CPU per job. The schema uses no format keyword.
    # Only job processes skip it.
    sys.modules.setdefault("rfc3987_syntax", None)
    log = smk.log[0] if len(smk.log) else None
    if log is None:
        main(smk)
        return
    # Truncate: a rerun's log should describe that run only.
    Path(log).parent.mkdir(parents=True, exist_ok=True)
    Path(log).write_text("")
    with _redirect_fds(log):
        job_id = os.environ.get("SLURM_JOB_ID")
        print(
            f"rule {smk.rule} | wildcards {dict(smk.wildcards.items())} | threads {smk.threads}"
            + (f" | SLURM_JOB_ID {job_id}" if job_id else ""),
            flush=True,
        )
        t0 = time.perf_counter()
        try:
            main(smk)
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            raise
        print(f"done in {time.perf_counter() - t0:.1f} s", flush=True)

