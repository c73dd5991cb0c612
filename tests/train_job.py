"""A small training run in its own process (used by the kill-and-resume tests).

usage: python tests/train_job.py MODEL_OUT CHECKPOINT_DIR
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from tdnms import task, train  # noqa: E402

SMALL_NETWORK = {"units": 16, "gamma": 0.2, "noise_std": 0.3}
# A criterion no network meets, so every run takes exactly max_steps.
LONG_TRAINING = {
    "batch_size": 16,
    "max_steps": 300,
    "eval_every": 50,
    "checkpoint_every": 40,
    "criterion_accuracy": 1.0,
    "criterion_mse": 1e-12,
}


def main(model_out, checkpoint_dir):
    train.configure_tensorflow(1)
    spec = task.TaskSpec()
    train_set, validation_set = task.generate(spec, 64, seed=[0, 0]), task.generate(spec, 12, seed=[0, 1])
    model, history, _ = train.train(
        SMALL_NETWORK,
        train.TrainConfig.from_config(LONG_TRAINING),
        train_set,
        validation_set,
        seed=7,
        checkpoint_dir=checkpoint_dir,
    )
    train.save_model(model, model_out)


if __name__ == "__main__":
    main(*sys.argv[1:3])
