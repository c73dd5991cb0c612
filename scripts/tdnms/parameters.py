"""Trained network parameters read straight from a ``.keras`` archive, without TensorFlow.

A ``.keras`` file is a zip holding ``config.json`` (the model's architecture and
layer configs) and ``model.weights.h5`` (the variables). Stages that only need the
weights (fixed points, analyses) read them here in milliseconds instead of
importing TensorFlow to rebuild the model.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import h5py
import numpy as np

RNN_LAYER, READOUT_LAYER = "leaky_rnn", "readout"


class ParameterFileError(ValueError):
    """A ``.keras`` file that does not hold the tDNMS network's parameters."""


def _snake_case(name: str) -> str:
    """Keras's rule for naming a layer's group in ``model.weights.h5`` after its class."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _weight_groups(layers: list) -> dict:
    """Layer name -> group in the weights file: the snake-cased class name, with ``_1``,
    ``_2``, ... for repeats, in the order of the model's layer list."""
    used, groups = {}, {}
    for layer in layers:
        key = _snake_case(layer["class_name"])
        if key in used:
            used[key] += 1
            key = f"{key}_{used[key]}"
        else:
            used[key] = 0
        groups[layer["config"]["name"]] = f"layers/{key}"
    return groups


def read_parameters(path: str | Path) -> dict:
    """The parameters :func:`tdnms.model.network_parameters` returns for the saved network, bit for bit.

    Keys: ``W_in`` (n_inputs, units), ``W_rec`` (units, units, acting as ``h @ W_rec``),
    ``b`` (units,), ``W_out`` (units, 1), ``b_out`` (1,) as float32 arrays, and floats
    ``gamma`` and ``noise_std``. Raises :class:`ParameterFileError` naming the file
    when it is not a readable tDNMS network.
    """
    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            config = json.loads(archive.read("config.json"))
            weights = archive.read("model.weights.h5")
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as err:
        raise ParameterFileError(f"{path}: not a readable .keras archive ({err})") from err
    layers = config.get("config", {}).get("layers", [])
    groups = _weight_groups(layers)
    by_name = {layer["config"]["name"]: layer for layer in layers}
    for name in (RNN_LAYER, READOUT_LAYER):
        if name not in groups:
            raise ParameterFileError(f"{path}: no layer '{name}' in config.json (not a tDNMS network?)")
    cell = by_name[RNN_LAYER]["config"]["cell_config"]
    with h5py.File(io.BytesIO(weights), "r") as h5:
        try:
            rnn = h5[f"{groups[RNN_LAYER]}/cell/vars"]
            readout = h5[f"{groups[READOUT_LAYER]}/vars"]
            # variables in creation order: kernel, recurrent kernel, bias; Dense: kernel, bias
            params = {
                "W_in": rnn["0"][()],
                "W_rec": rnn["1"][()],
                "b": rnn["2"][()],
                "W_out": readout["0"][()],
                "b_out": readout["1"][()],
            }
        except KeyError as err:
            raise ParameterFileError(f"{path}: model.weights.h5 lacks a variable ({err})") from err
    _check_shapes(path, params)
    params["gamma"] = float(cell["gamma"])
    params["noise_std"] = float(cell["noise_std"])
    return params


def _check_shapes(path: Path, p: dict) -> None:
    units = p["W_rec"].shape[0] if p["W_rec"].ndim == 2 else -1
    expected = {
        "W_in": (p["W_in"].shape[0] if p["W_in"].ndim == 2 else -1, units),
        "W_rec": (units, units),
        "b": (units,),
        "W_out": (units, 1),
        "b_out": (1,),
    }
    for key, shape in expected.items():
        if p[key].shape != shape or units < 1 or not np.issubdtype(p[key].dtype, np.floating):
            raise ParameterFileError(f"{path}: {key} has shape {p[key].shape} {p[key].dtype}, expected {shape}")
