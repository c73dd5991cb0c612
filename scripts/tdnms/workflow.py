"""Glue for the thin entry scripts that Snakemake runs (``scripts/*.py``).

:func:`run` sends everything the script prints, including TensorFlow's C++
logging, to the rule's log file, and records the failure there too, so that
``results/logs/...`` always says what happened. :func:`run_stages` runs several
stage scripts in one job (one process per network instead of one per stage).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace


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



class _Names(dict):
    """Snakemake's named lists as the stage scripts use them: ``names.key`` and ``names["key"]``."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def stage_job(smk, stage: str, inputs: dict, outputs) -> SimpleNamespace:
    """The view of job ``smk`` that stage script ``stage``'s ``main`` expects.

    ``inputs`` maps the stage's input names to the job's: an input name, or
    ``"out:NAME"`` for an output the job wrote in an earlier stage. ``outputs``
    lists the stage's output names; each is the job's output ``"<stage>_<name>"``
    where the job has one (two stages may both call an output "summary"), else
    the job's output of that name.
    Params come from the job's param named after the stage (a dict).
    """

    def resolve(ref):
        return smk.output[ref[4:]] if ref.startswith("out:") else smk.input[ref]

    own = lambda k: f"{stage}_{k}" if f"{stage}_{k}" in smk.output.keys() else k  # noqa: E731
    out = {k: smk.output[own(k)] for k in outputs}
    if stage not in smk.params.keys():
        raise KeyError(f"rule {smk.rule}: no param {stage!r} (a dict of stage {stage}'s params)")
    return SimpleNamespace(
        input=_Names({k: resolve(ref) for k, ref in inputs.items()}),
        output=_Names(out),
        params=_Names(smk.params[stage]),
        wildcards=smk.wildcards,
        threads=smk.threads,
        log=[],
        rule=f"{smk.rule}:{stage}",
    )


def stage_module(stage: str, folder: Path):
    """Stage script ``folder/<stage>.py`` as a module (its ``__main__`` guard keeps it from running)."""
    spec = importlib.util.spec_from_file_location(f"_tdnms_stage_{stage}", Path(folder) / f"{stage}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_stages(smk, stages: dict, folder: Path) -> None:
    """Run stage scripts in order in this process, each on its view of the job; time each in the log.

    ``stages``: stage name -> (inputs, outputs) as :func:`stage_job` takes them.
    One job (one process start and one set of imports) instead of one per stage.
    """
    for stage, (inputs, outputs) in stages.items():
        t0 = time.perf_counter()
        print(f"== {stage}", flush=True)
        stage_module(stage, folder).main(stage_job(smk, stage, inputs, outputs))
        print(f"== {stage}: {time.perf_counter() - t0:.2f} s", flush=True)


def scripts_folder(script: str) -> Path:
    """The folder of the workflow's ``scripts/`` (Snakemake runs a copy of a script elsewhere,
    with that folder on ``sys.path``); ``script`` is a file known to be there."""
    return next(Path(p) for p in sys.path if (Path(p) / script).is_file())
