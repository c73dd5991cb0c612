"""One entry point to a results folder: :class:`Results`.

Every path and the rule that writes it come from :data:`tdnms.layout.OUTPUTS`,
so an output added to that table is readable here with no new code:
``Results("results").table("<name>")``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from . import layout, tables

_WILDCARD = re.compile(r"\{(\w+)\}")
_POINT_DIR = re.compile(r"^gamma(?P<gamma>\d+(?:\.\d+)?)_seed(?P<seed>\d+)$")


class MissingOutputError(FileNotFoundError):
    """An output is not in the results folder.

    Attributes: ``path`` (the missing file or pattern), ``name`` (its key in
    ``tdnms.layout.OUTPUTS``) and ``rule`` (the Snakemake rule that writes it).
    """

    def __init__(self, path, name: str, output: layout.Output, hint: str = ""):
        self.path, self.name, self.rule = Path(path), name, output.rule
        message = (
            f"{path}: missing ({output.description}, output '{name}'). It is written by rule "
            f"'{output.rule}': run the workflow, `./run snakemake --cores 2` (or add `--until {output.rule}` "
            f"to run only the jobs it needs)."
        )
        if output.only_if:
            message += f" The workflow makes it only when {output.only_if} is set."
        super().__init__(message + (f" {hint}" if hint else ""))


def _fill(pattern: str, values: dict) -> str:
    """``pattern`` with the wildcards named in ``values`` filled in, the others left."""
    return _WILDCARD.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), pattern)


def _parse(name: str, text: str):
    if name == "gamma":
        return float(text)
    return int(text) if text.isdigit() else text


def _same_gamma(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)


class Results:
    """A results folder of the workflow (default ``results``), read-only.

    Raises ``FileNotFoundError`` when ``folder`` does not exist or holds none of
    the workflow's outputs.

    Attributes:
        folder: the folder, as a ``Path``.
        points: the sweep's ``(gamma, seed)`` pairs found in the folder (sorted).
    """

    def __init__(self, folder: str | Path = layout.RESULTS):
        self.folder = Path(folder)
        if not self.folder.is_dir():
            raise FileNotFoundError(
                f"{self.folder}: no such results folder; run the workflow first (`./run snakemake --cores 2`), "
                f"or pass the folder that holds data/, models/, scores/ ..."
            )
        self._labels = self._find_points()
        stages = {o.pattern.split("/", 1)[0] for o in layout.OUTPUTS.values()}
        if not self._labels and not any((self.folder / s).is_dir() for s in stages):
            raise FileNotFoundError(
                f"{self.folder}: holds no workflow results (none of {sorted(stages)}); "
                f"run the workflow first (`./run snakemake --cores 2`)"
            )

    def __repr__(self) -> str:
        return f"Results({str(self.folder)!r}, points={self.points})"

    # -- the sweep ------------------------------------------------------------
    def _find_points(self) -> dict[tuple[float, int], tuple[str, str]]:
        """(gamma, seed) -> their labels in paths, from the per-model folders of every stage."""
        found = {}
        for output in layout.OUTPUTS.values():
            if not output.per_model:
                continue
            stage = self.folder / output.pattern.split("/", 1)[0]
            if not stage.is_dir():
                continue
            for entry in stage.iterdir():
                m = _POINT_DIR.match(entry.name)
                if m and entry.is_dir():
                    found[(float(m["gamma"]), int(m["seed"]))] = (m["gamma"], m["seed"])
        return dict(sorted(found.items()))

    @property
    def points(self) -> list[tuple[float, int]]:
        """The ``(gamma, seed)`` pairs with a folder under any per-model stage, sorted."""
        return list(self._labels)

    def _labels_of(self, gamma, seed) -> tuple[str, str]:
        for (g, s), labels in self._labels.items():
            if _same_gamma(g, gamma) and s == int(seed):
                return labels
        return f"{float(gamma):g}", str(int(seed))

    def _selected(self, gamma, seed) -> list[tuple[float, int]]:
        if gamma is not None and seed is not None:
            return [(float(gamma), int(seed))]
        chosen = [
            (g, s)
            for g, s in self._labels
            if (gamma is None or _same_gamma(g, gamma)) and (seed is None or s == int(seed))
        ]
        if not chosen:
            raise ValueError(
                f"{self.folder}: no model with gamma={gamma}, seed={seed}; the sweep has {self.points or 'none'}"
            )
        return chosen

    # -- paths ----------------------------------------------------------------
    def _output(self, name: str) -> layout.Output:
        if name not in layout.OUTPUTS:
            raise KeyError(f"unknown output {name!r}; known: {sorted(layout.OUTPUTS)}")
        return layout.OUTPUTS[name]

    def _missing_hint(self) -> str:
        return f"Models found in {self.folder}: {self.points or 'none'}."

    def path(self, name: str, gamma: float | None = None, seed: int | None = None, **wildcards) -> Path:
        """The existing file of output ``name`` (a key of ``tdnms.layout.OUTPUTS``).

        Per-model outputs need ``gamma`` and ``seed``; other wildcards (``split``,
        ``data_seed``) go as keywords. Raises :class:`MissingOutputError` naming the
        file and its rule when it does not exist.
        """
        output = self._output(name)
        values = dict(wildcards)
        if output.per_model:
            if gamma is None or seed is None:
                raise TypeError(f"output {name!r} is per model: pass gamma= and seed=")
            values["gamma"], values["seed"] = self._labels_of(gamma, seed)
        left = set(_WILDCARD.findall(output.pattern)) - set(values)
        if left:
            raise TypeError(f"output {name!r} ({output.pattern}) needs the wildcard(s) {sorted(left)}")
        path = self.folder / _fill(output.pattern, values)
        if not path.exists():
            raise MissingOutputError(path, name, output, self._missing_hint() if output.per_model else "")
        return path

    def _files(self, name: str, values: dict) -> list[tuple[dict, Path]]:
        """Files of output ``name`` with ``values`` filled in, and the values of the other wildcards."""
        output = self._output(name)
        filled = _fill(output.pattern, values)
        left = _WILDCARD.findall(filled)
        if not left:
            path = self.folder / filled
            if not path.exists():
                raise MissingOutputError(path, name, output, self._missing_hint() if output.per_model else "")
            return [({}, path)]
        regex = re.compile(
            "".join(
                f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(_WILDCARD.split(filled))
            )
            + "$"
        )
        found = []
        for path in sorted(self.folder.glob(_WILDCARD.sub("*", filled))):
            m = regex.match(path.relative_to(self.folder).as_posix())
            if m:
                found.append(({k: _parse(k, v) for k, v in m.groupdict().items()}, path))
        if not found:
            raise MissingOutputError(self.folder / filled, name, output)
        return found

    # -- tables ---------------------------------------------------------------
    def table(self, name: str, gamma: float | None = None, seed: int | None = None, **wildcards) -> pd.DataFrame:
        """Output ``name`` (a Parquet key of ``tdnms.layout.OUTPUTS``) as one DataFrame.

        Per-model tables are stacked over the sweep (or the models selected by
        ``gamma`` and/or ``seed``) with ``gamma`` (float) and ``seed`` (int) as the
        first columns; sweep tables already carry them and are filtered the same
        way. A wildcard left open (e.g. ``split`` of ``data``) becomes a column too.
        Raises :class:`MissingOutputError` when a model's file is missing.
        """
        output = self._output(name)
        if not output.pattern.endswith(".parquet"):
            raise TypeError(
                f"output {name!r} ({output.pattern}) is not a table; use .path({name!r}, ...)"
                + (" or .model(gamma, seed)" if name == "model" else "")
            )
        jobs = []
        if output.per_model:
            for g, s in self._selected(gamma, seed):
                labels = self._labels_of(g, s)
                for found, path in self._files(name, {**wildcards, "gamma": labels[0], "seed": labels[1]}):
                    jobs.append(({"gamma": g, "seed": s, **found}, path))
        else:
            jobs = [({**wildcards, **found}, path) for found, path in self._files(name, wildcards)]
        frames = []
        for keys, path in jobs:
            frame = tables.read_table(path)[0].to_pandas()
            for i, (key, value) in enumerate(keys.items()):
                if key not in frame.columns:
                    frame.insert(i, key, value)
            frames.append(frame)
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if not output.per_model:
            if gamma is not None and "gamma" in frame.columns:
                frame = frame[[_same_gamma(g, gamma) for g in frame["gamma"]]]
            if seed is not None and "seed" in frame.columns:
                frame = frame[frame["seed"] == int(seed)]
            frame = frame.reset_index(drop=True)
        if "gamma" in frame.columns:
            frame["gamma"] = frame["gamma"].astype("float64")
        if "seed" in frame.columns:
            frame["seed"] = frame["seed"].astype("int64")
        return frame

    def scores(self, gamma=None, seed=None) -> pd.DataFrame:
        """Accuracy, trial count and MSE per trial type (and "all") of each model on the test set."""
        return self.table("summary", gamma, seed)

    def trial_scores(self, gamma=None, seed=None) -> pd.DataFrame:
        """One row per test trial and model: response_mean, response, correct, mse."""
        return self.table("trials", gamma, seed)

    def histories(self, gamma=None, seed=None) -> pd.DataFrame:
        """Training history: one row per step and model (loss, MSE, validation accuracy per type)."""
        return self.table("history", gamma, seed)

    def pca(self, gamma=None, seed=None) -> pd.DataFrame:
        """PC scores of every test-trial time bin: sequence, trial, time_bin, trial_type, PC1, PC2, ..."""
        return self.table("projections", gamma, seed)

    def explained_variance(self, gamma=None, seed=None) -> pd.DataFrame:
        """Variance explained per principal component."""
        return self.table("explained", gamma, seed)

    def fixed_points(self, gamma=None, seed=None) -> pd.DataFrame:
        """Fixed and slow points per input condition: kind, q, state (a list of unit values), ..."""
        return self.table("points", gamma, seed)

    def eigenvalues(self, gamma=None, seed=None) -> pd.DataFrame:
        """Jacobian eigenvalues of each fixed point."""
        return self.table("eigenvalues", gamma, seed)

    # -- models and data ------------------------------------------------------
    def model(self, gamma: float, seed: int):
        """The trained network of ``(gamma, seed)`` (a Keras model; imports TensorFlow)."""
        from .model import load_model

        return load_model(self.path("model", gamma, seed))

    def data(self, split: str = "test", data_seed: int | None = None):
        """A trial set (``train``, ``validation`` or ``test``) as a ``TrialSet``.

        ``data_seed`` may be left out when the folder holds data of one seed only.
        """
        from .task import read_trials

        if data_seed is None:
            seeds = sorted({values["data_seed"] for values, _ in self._files("data", {"split": split})})
            if len(seeds) > 1:
                raise ValueError(f"{self.folder}: data of several seeds {seeds}; pass data_seed=")
            data_seed = seeds[0]
        return read_trials(self.path("data", split=split, data_seed=data_seed))

    def outputs(self) -> pd.DataFrame:
        """Every output of the workflow: name, rule, description, pattern, only_if, files (how many exist)."""
        rows = []
        for name, output in layout.OUTPUTS.items():
            n = len(list(self.folder.glob(_WILDCARD.sub("*", output.pattern))))
            rows.append(
                {
                    "name": name,
                    "rule": output.rule,
                    "description": output.description,
                    "pattern": output.pattern,
                    "only_if": output.only_if,
                    "files": n,
                }
            )
        return pd.DataFrame(rows)
