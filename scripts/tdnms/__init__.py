"""tdnms: noisy leaky RNNs on the temporal delayed non-match-to-sample task.

Public API
----------
These names are stable and tested; the modules behind them may move.

``tdnms.Results(folder="results")``
    One entry point to a results folder: ``.points`` lists the sweep's
    ``(gamma, seed)`` pairs; ``.table(name)`` returns any Parquet output of
    ``tdnms.layout.OUTPUTS`` as one pandas DataFrame with ``gamma`` and ``seed``
    columns (``.scores()``, ``.trial_scores()``, ``.histories()``, ``.pca()``,
    ``.explained_variance()``, ``.fixed_points()``, ``.eigenvalues()`` name the
    main ones); ``.model(gamma, seed)`` and ``.data(split)`` load a network or a
    trial set; ``.outputs()`` lists every output, the rule that makes it and how
    many files exist. A missing file raises :class:`MissingOutputError` naming
    the file and the rule that writes it.
``tdnms.load_model(path)``
    A saved network (``.keras``), loaded in Keras safe mode.
``tdnms.read_trials(path)``
    A trial set (``data/seed*/<split>.parquet``) as a ``TrialSet``: ``inputs``
    (n, T, 2: light, odor), ``targets`` (n, T, 1), ``trial_types`` (n, trials
    per sequence) and the task ``spec``.
``tdnms.hidden_states(model, inputs)``
    Noise-free hidden states (n, T, units) and outputs (n, T) of a network for
    inputs (n, T, 2), e.g. a trial built by hand.
``tdnms.MissingOutputError``
    Raised for an output that is not (yet) in the results folder.
``tdnms.type_color(name, order=None)``
    The one colour of trial type ``name``, as in every figure of the workflow
    (``order``: the trial types shown, for types without a colour of their own).

Importing ``tdnms`` registers the package's Keras classes (``LeakyRNN``,
``LeakyRNNCell``, ``ActivityL2``, the portable initializers), so
``keras.models.load_model(path, safe_mode=True)`` works after it. Keras is not imported by ``import tdnms`` (importing
it loads TensorFlow, seconds): when Keras is already loaded the classes are
registered at once, otherwise as soon as Keras is first imported.

Modules
-------
config            the config schema: defaults, named-field messages, strict YAML, gamma path labels
validate          the whole-config check and the rules that relate several fields
layout            where each output lives and which rule writes it
task              trial specification, vectorised trial generation, Parquet data sets
timing            the timing variant: per-trial onsets, delays and durations
shortcut          does a single time bin predict the answer? (cross-validated, per bin)
model             the Keras 3 leaky RNN (cell, fused layer, network builder)
initializers      initial weights with the same bits on every CPU (NumPy, fixed-order arithmetic)
parameters        trained weights read from a ``.keras`` file without TensorFlow
runtime           TensorFlow set-up (threads, determinism, pinned XLA code generation) and batched inference
forward           the noise-free (or noisy) NumPy forward pass from saved parameters, and the readout
step              the XLA-compiled training step and its private-noise stream
train             batched, seeded, resumable training to a behavioural criterion
stages            fingerprints of each training stage (``python -m tdnms.stages``): where two CPUs part
curriculum        staged training on widening timing ranges (timing variant)
status            which networks reached the criterion; flags and figure notes
score             per-trial behavioural scoring and summaries
behaviour         timing of the output: premature and late responses, first crossing, latency, peak
analysis          hidden-state tables and their principal components
fixed_points      fixed and slow points of the trained dynamics (a package)
units             single units: tuning, shuffle-tested time cells, ramping cells
decoding          population decoding of time, trial type and first-odor duration, folds by trial
trajectory_speed  speed q of the noise-free map along the test trajectories
probes            generalisation probe trials and P(go) over noisy repeats
psychometric      logistic fit of P(go) against the duration difference
style             trial-type colours and the gamma axis every figure shares
figure_check      layout check of every saved figure (overlaps, canvas, legends, empty panels)
plots             per-model and sweep figures (PNG + PDF with provenance)
plots_analysis    panels and figures of the analyses (per model and across the sweep)
plots_probes      probe figures: psychometric curve, duration grid, shift, comparison
manuscript        multi-panel manuscript figures from the analysis tables
tables            Parquet/JSON writing with provenance metadata
provenance        ``python -m tdnms.provenance FILE``: where an output came from
fingerprint       rerun fingerprints of the library code each rule runs
workflow          glue for the thin entry scripts (logs, failures)
results           the ``Results`` entry point to a results folder
summary           one row per network: outcome, headline metrics, weight hash (``networks.csv``)
trends            headline metrics against gamma: mean and SEM over seeds, permutation-tested trends
compare           ``python -m tdnms.compare A B``: reproducibility report of two runs
"""

import importlib
import sys
import warnings

__version__ = "0.1.0"

# name -> submodule defining it. Loaded on first access, by module name rather
# than an import statement: light users (and the workflow's rerun fingerprint,
# which follows import statements) then never load TensorFlow or these modules.
_PUBLIC = {
    "Results": "results",
    "MissingOutputError": "results",
    "load_model": "model",
    "read_trials": "task",
    "hidden_states": "runtime",
    "type_color": "style",
}
__all__ = sorted(_PUBLIC)


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


def _register_keras_classes() -> None:
    """Import the model module, whose decorators register the classes with Keras."""
    try:
        importlib.import_module(f"{__name__}.model")
    except Exception as err:  # never let this break the user's own `import keras`
        warnings.warn(f"tdnms: could not register the Keras classes ({err})", stacklevel=2)


class _AfterKerasImport:
    """Import hook: registers the Keras classes once ``keras`` has been executed.

    It stays in ``sys.meta_path`` until then: TensorFlow looks ``keras`` up with
    ``importlib.util.find_spec`` before importing it.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras":
            return None
        for finder in sys.meta_path:
            if finder is not self and hasattr(finder, "find_spec"):
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    break
        else:
            return None
        if spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            _register_keras_classes()

        spec.loader.exec_module = exec_then_register
        return spec


if "keras" in sys.modules:
    _register_keras_classes()
elif not any(type(f).__name__ == "_AfterKerasImport" for f in sys.meta_path):
    sys.meta_path.insert(0, _AfterKerasImport())
