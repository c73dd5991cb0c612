"""tdnms: noisy leaky RNNs on the temporal delayed non-match-to-sample task.

Modules
-------
task          trial specification, vectorised trial generation, Parquet data sets
model         the Keras 3 leaky RNN (cell, fused layer, network builder)
train         batched, seeded, resumable training to a behavioural criterion
score         per-trial behavioural scoring and summaries
tables        Parquet/JSON writing with provenance metadata
fixed_points  fixed and slow points of the trained dynamics
"""

__version__ = "0.1.0"
