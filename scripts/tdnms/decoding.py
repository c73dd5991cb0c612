"""Population decoding from hidden states, cross-validated by trial.

States are reduced to ``n_components`` principal components fitted on each
training fold's trials only, then a scikit-learn classifier or regressor is fitted
on that fold. Folds are
made of whole trials, stratified by trial type, so no trial's bins are on
both sides of a split.

* **Elapsed time**: the time bin of every state is predicted from that state
  (``time_decoder``: ``nearest_centroid``, the template-matching decoder of
  time-cell studies, or ``ridge`` regression), error in bins.
* **Labels over time**: at every ``bin_step``-th bin a separate classifier
  (``logistic`` regression or ``nearest_centroid``) predicts a trial label (the
  trial type; the first odor's duration) from the states at that bin; scored by
  balanced accuracy, so chance is 1 / number of classes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import config


def trial_folds(trial_types: np.ndarray, n_folds: int, seed: int) -> np.ndarray:
    """Fold index (n_trials,) of every trial, stratified by trial type."""
    from sklearn.model_selection import StratifiedKFold

    counts = pd.Series(trial_types).value_counts()
    if counts.min() < n_folds:
        raise ValueError(
            f"analysis.decoding.n_folds: {n_folds} folds need at least {n_folds} trials of every type; "
            f"got {counts.to_dict()}"
        )
    folds = np.empty(len(trial_types), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(splitter.split(np.zeros(len(trial_types)), trial_types)):
        folds[test] = k
    return folds


def _estimator(kind: str):
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.neighbors import NearestCentroid

    estimators = {
        "nearest_centroid": NearestCentroid,
        "ridge": lambda: Ridge(alpha=1.0),
        "logistic": lambda: LogisticRegression(C=1.0, max_iter=500),
    }
    if kind not in estimators:
        raise ValueError(f"analysis.decoding: unknown decoder {kind!r} (allowed: {', '.join(estimators)})")
    return estimators[kind]()


def fold_projections(states: np.ndarray, folds: np.ndarray, n_components: int) -> dict[int, np.ndarray]:
    """Per fold k: all states (n_trials, T, k) projected on the PCs of fold k's *training* trials only."""
    from sklearn.decomposition import PCA

    n, T, units = states.shape
    out = {}
    for k in np.unique(folds):
        pca = PCA(n_components=min(n_components, units), svd_solver="covariance_eigh", whiten=True)
        pca.fit(states[folds != k].reshape(-1, units))
        out[int(k)] = pca.transform(states.reshape(-1, units)).reshape(n, T, -1)
    return out


def decode_time(projected: dict, folds: np.ndarray, kind: str = "nearest_centroid") -> np.ndarray:
    """Cross-validated prediction of each state's time bin.

    ``projected`` from :func:`fold_projections`; ``folds`` (n_trials,) from
    :func:`trial_folds`. Returns predicted bins (n_trials, T) as floats.
    """
    n, T, dims = next(iter(projected.values())).shape
    predicted = np.empty((n, T))
    for k, Z in projected.items():
        train, test = folds != k, folds == k
        model = _estimator(kind).fit(Z[train].reshape(-1, dims), np.tile(np.arange(T), int(train.sum())))
        predicted[test] = model.predict(Z[test].reshape(-1, dims)).reshape(-1, T)
    return predicted


def decode_labels(projected: dict, labels: np.ndarray, folds: np.ndarray, kind: str = "logistic", bin_step: int = 5):
    """Balanced accuracy of decoding ``labels`` (n_trials,) from the states at every ``bin_step``-th bin.

    One classifier per bin and fold, on the fold's PCA projection. Returns (bins,
    accuracy) arrays; chance is 1 / number of distinct labels.
    """
    from sklearn.metrics import balanced_accuracy_score

    n, T, _ = next(iter(projected.values())).shape
    bins = np.arange(0, T, int(bin_step))
    accuracy = np.empty(len(bins))
    for i, t in enumerate(bins):
        predicted = np.empty(n, dtype=labels.dtype)
        for k, Z in projected.items():
            train, test = folds != k, folds == k
            if len(np.unique(labels[train])) < 2:
                predicted[test] = labels[train][0]
                continue
            predicted[test] = _estimator(kind).fit(Z[train, t], labels[train]).predict(Z[test, t])
        accuracy[i] = balanced_accuracy_score(labels, predicted)
    return bins, accuracy


def time_error_table(predicted: np.ndarray, trial_types: np.ndarray) -> pd.DataFrame:
    """Mean and median absolute time-decoding error (bins) per (trial type, time bin)."""
    n, T = predicted.shape
    error = np.abs(predicted - np.arange(T))
    frame = pd.DataFrame(
        {
            "trial_type": np.repeat(trial_types, T),
            "time_bin": np.tile(np.arange(T, dtype=np.int32), n),
            "predicted": predicted.reshape(-1),
            "abs_error": error.reshape(-1),
        }
    )
    return (
        frame.groupby(["trial_type", "time_bin"], sort=True)
        .agg(predicted=("predicted", "mean"), mean_abs_error=("abs_error", "mean"), median_abs_error=("abs_error", "median"))
        .reset_index()
    )


def stays_above(bins: np.ndarray, accuracy: np.ndarray, threshold: float, start: int, stop: int) -> float:
    """First bin in [start, stop) from which accuracy stays >= threshold until ``stop`` (NaN if none)."""
    inside = (bins >= start) & (bins < stop)
    b, ok = bins[inside], accuracy[inside] >= threshold
    if not len(b) or not ok[-1]:
        return float("nan")
    failing = np.flatnonzero(~ok)
    return float(b[failing[-1] + 1] if len(failing) else b[0])


def first_below(bins: np.ndarray, accuracy: np.ndarray, threshold: float, start: int) -> float:
    """First bin at or after ``start`` where accuracy falls below threshold (the last bin + step if never)."""
    after = bins >= start
    b, ok = bins[after], accuracy[after] >= threshold
    failing = np.flatnonzero(~ok)
    if len(failing):
        return float(b[failing[0]])
    return float(bins[-1] + (bins[1] - bins[0] if len(bins) > 1 else 1))


def first_odor_durations(spec, trial_types: np.ndarray) -> np.ndarray:
    """Duration in bins of each trial's first odor presentation (``spec`` a TaskSpec)."""
    length = {t.name: t.odor_windows[0][1] - t.odor_windows[0][0] for t in spec.trial_types}
    return np.array([length[name] for name in trial_types], dtype=np.int64)


def decode_model(states: np.ndarray, trial_types: np.ndarray, spec, options: dict | None = None):
    """All decoders of one network's noise-free test trials.

    ``states`` (n_trials, T, units), ``trial_types`` (n_trials,), ``spec`` a TaskSpec.
    Returns ``(time_errors, accuracy, summary)``: :func:`time_error_table`; a long
    table (target in {trial_type, first_odor_duration}, time_bin, accuracy, chance);
    and a one-row dict of summary numbers:

    * ``time_error``: mean absolute elapsed-time error (bins) over all states;
    * ``time_within_2``: fraction of states decoded within 2 bins;
    * ``type_known_bin``: first bin from which the trial type is decoded at
      ``accuracy_threshold`` or better until the response window opens;
    * ``duration_memory_end``: first bin after the last first odor ends at which
      the first odor's duration is no longer decoded at the threshold.
    """
    options = config.check_section("analysis.decoding", options)
    folds = trial_folds(trial_types, int(options["n_folds"]), int(options["seed"]))
    projected = fold_projections(states, folds, int(options["n_components"]))
    predicted = decode_time(projected, folds, options["time_decoder"])
    time_errors = time_error_table(predicted, trial_types)
    error = np.abs(predicted - np.arange(states.shape[1]))
    parts, threshold = [], float(options["accuracy_threshold"])
    targets = {"trial_type": trial_types, "first_odor_duration": first_odor_durations(spec, trial_types)}
    found = {}
    for target, labels in targets.items():
        bins, accuracy = decode_labels(projected, labels, folds, options["label_decoder"], options["bin_step"])
        found[target] = (bins, accuracy)
        parts.append(
            pd.DataFrame(
                {
                    "target": target,
                    "time_bin": bins.astype(np.int32),
                    "accuracy": accuracy,
                    "chance": 1.0 / len(np.unique(labels)),
                }
            )
        )
    last_first_odor = max(t.odor_windows[0][1] for t in spec.trial_types)
    summary = {
        "time_error": float(error.mean()),
        "time_within_2": float((error <= 2).mean()),
        "type_known_bin": stays_above(*found["trial_type"], threshold, 0, spec.response_window[0]),
        "duration_memory_end": first_below(*found["first_odor_duration"], threshold, last_first_odor),
    }
    return time_errors, pd.concat(parts, ignore_index=True), summary
