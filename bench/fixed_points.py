"""Benchmark: tdnms.fixed_points against a FixedPointFinder-style Adam baseline.

    ./run python bench/fixed_points.py                     # synthetic 128-unit network
    ./run python bench/fixed_points.py --model PATH.keras  # a trained network
    ./run python bench/fixed_points.py --n-init 256 --adam-iters 1000   # quicker

Both methods get the same network, the same constant input and the same initial
states (sampled from noisy trajectories of the network, the realistic case), and
the same post-processing (deduplication, distance outliers, eigenvalues of the
Jacobian at each unique point). Reported per method: wall time, the time by which
every state that ever reached q < 1e-12 had reached it, the fraction that never
did, and the distribution of the final q over all initial states.

The baseline re-implements, in vectorised NumPy, the default optimisation of the
FixedPointFinder toolbox (Golub & Sussillo 2018, JOSS 3(31):1003; defaults as in
its FixedPointFinderBase / AdaptiveLearningRate / AdaptiveGradNormClip):

* all initial states optimised jointly, loss = mean over states of
  q = 0.5 ||F(h) - h||^2 (method 'joint');
* Adam with epsilon = 0.01 and otherwise TF1 AdamOptimizer defaults
  (beta1 0.9, beta2 0.999, bias correction folded into the step size);
* adaptive learning rate: initial rate 1.0, no warm-up; x0.95 when the newest loss
  is worse than each of the 5 before it, x1/0.95 after 5 steps of monotone
  improvement, at most one change per 5 steps;
* adaptive gradient-norm clipping of the global gradient norm at the 95th
  percentile of the last 128 norms (no clipping on the first step);
* stop when every state has q < tol_q = 1e-12 or |dq| < tol_dq * lr with
  tol_dq = 1e-20, or after max_iters = 5000;
* unique points: max-abs difference < tol_unique = 1e-3 (lowest q kept); distance
  outliers beyond 10x the mean initial-state distance to the centroid dropped.

The toolbox computes in float32 by default; here both methods run in float64 so the
q distributions compare like with like (``--adam-float32`` for the default dtype).
Timings on a shared machine are noisy (run to run, this machine's speed varied by up to
30% within minutes), so both methods run ``--repeats`` times (default 3), interleaved
(ours, baseline, ours, baseline, ...) so that a slow spell hits both, and the table
reports the median of each time over the repeats; the per-run figures are printed too.
Every repeat computes the same numbers, and the report says whether the final q of
every state was identical in all runs; only the times differ. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

try:
    from tdnms import fixed_points as fp
except ImportError:  # running without the editable install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from tdnms import fixed_points as fp

TOL_Q = 1e-12

try:  # both methods run on one BLAS thread: faster for these sizes, and steady on a shared machine
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover
    import contextlib

    def threadpool_limits(limits=None):
        return contextlib.nullcontext()


# --------------------------------------------------------------------------- problem
def synthetic_network(n_units=128, n_inputs=2, gain=1.5, gamma=0.2, seed=0):
    """Scaled random orthogonal W_rec (gain 1.5: beyond the edge of chaos without input)."""
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.normal(size=(n_units, n_units)))
    W_rec = gain * q * np.sign(np.diag(r))
    W_in = rng.normal(size=(n_inputs, n_units)) / np.sqrt(n_inputs)
    b = 0.1 * rng.normal(size=n_units)
    return dict(W_in=W_in, W_rec=W_rec, b=b, gamma=gamma, noise_std=0.05)


def model_network(path):
    from tdnms.parameters import read_parameters

    params = read_parameters(path)
    return {k: params[k] for k in ("W_in", "W_rec", "b", "gamma", "noise_std")}


def trajectory_states(net, u, n_init, n_traj=64, n_steps=300, burn_in=50, jitter=1e-3, seed=1):
    """Sample states from noisy trajectories under the constant input u (plus a little jitter)."""
    rng = np.random.default_rng(seed)
    W_in, W_rec, b, gamma = net["W_in"], net["W_rec"], net["b"], float(net["gamma"])
    noise = float(net.get("noise_std") or 0.0) or 0.05
    h = rng.uniform(-1, 1, size=(n_traj, W_rec.shape[0]))
    drive = u @ W_in + b
    kept = []
    for step in range(n_steps):
        h = (1 - gamma) * h + gamma * np.tanh(h @ W_rec + drive + noise * rng.normal(size=h.shape))
        if step >= burn_in:
            kept.append(h)
    kept = np.concatenate(kept)
    pick = rng.choice(kept.shape[0], size=n_init, replace=kept.shape[0] < n_init)
    return kept[pick] + jitter * rng.normal(size=(n_init, W_rec.shape[0]))


# --------------------------------------------------------------------------- baseline
class AdaptiveRate:
    """The toolbox's default adaptive learning-rate schedule (no warm-up)."""

    def __init__(self, initial=1.0, window=5, down=0.95, up=1 / 0.95):
        self.rate, self.window, self.down, self.up = initial, window, down, up
        self.step, self.last_change, self.losses = 0, -1, []

    def update(self, loss):
        self.losses.append(loss)
        n = self.window
        if self.step == 0:
            self.last_change = 0
        elif self.step >= self.last_change + n:
            recent = np.array(self.losses[-(n + 1) :])
            if np.all(recent[-1] > recent[:-1]):
                self.rate *= self.down
                self.last_change = self.step
            elif np.all(recent[1:] < recent[:-1]):
                self.rate *= self.up
                self.last_change = self.step
        self.step += 1


def adam_baseline(
    net,
    u,
    h0,
    max_iters=5000,
    tol_q=1e-12,
    tol_dq=1e-20,
    epsilon=0.01,
    beta1=0.9,
    beta2=0.999,
    clip_window=128,
    clip_percentile=95.0,
    dtype=np.float64,
):
    W, gamma = net["W_rec"].astype(dtype), dtype(net["gamma"])
    WT = np.ascontiguousarray(W.T)
    drive = (u @ net["W_in"] + net["b"]).astype(dtype)
    x = h0.astype(dtype).copy()
    n = x.shape[0]
    m, v = np.zeros_like(x), np.zeros_like(x)
    rate, norms, clip = AdaptiveRate(), [], 1e12
    q_prev = np.full(n, np.nan)
    first_hit = np.full(n, np.inf)
    t0 = time.perf_counter()
    it = 0
    for it in range(1, max_iters + 1):
        t = np.tanh(x @ W + drive)
        r = gamma * (t - x)
        q = 0.5 * np.einsum("ij,ij->i", r, r)
        grad = gamma * ((r * (1 - t * t)) @ WT - r) / n  # gradient of mean(q)
        gnorm = float(np.sqrt(np.einsum("ij,ij->", grad, grad)))
        if gnorm > clip:
            grad *= clip / gnorm
        lr = rate.rate
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad * grad
        lr_t = lr * np.sqrt(1 - beta2**it) / (1 - beta1**it)
        x -= (lr_t * m / (np.sqrt(v) + epsilon)).astype(dtype)
        now = time.perf_counter() - t0
        first_hit[(q < TOL_Q) & np.isinf(first_hit)] = now
        dq = np.abs(q - q_prev)
        if it > 1 and np.all((dq < tol_dq * lr) | (q < tol_q)):
            break
        q_prev = q
        rate.update(float(q.mean()))
        norms.append(gnorm)
        clip = min(float(np.percentile(norms[-clip_window:], clip_percentile)), 1e12)
    # the toolbox reports the states of the last evaluated iterate; re-evaluate q in float64
    x = x.astype(np.float64)
    q = fp.speed(net["W_in"], net["W_rec"], net["b"], float(net["gamma"]), x, u)
    return x, q, first_hit, it


def unique_rows(x, q, tol):
    """Greedy max-abs-difference deduplication, lowest q first."""
    keep = []
    for i in np.argsort(q, kind="stable"):
        if not keep or np.min(np.max(np.abs(x[keep] - x[i]), axis=1)) >= tol:
            keep.append(i)
    return np.array(keep, dtype=np.int64)


def baseline_pipeline(net, u, h0, **kw):
    x, q, first_hit, iters = adam_baseline(net, u, h0, **kw)
    keep = unique_rows(x, q, 1e-3)
    centroid = h0.mean(axis=0)
    spread = np.linalg.norm(h0 - centroid, axis=1).mean()
    keep = keep[np.linalg.norm(x[keep] - centroid, axis=1) < 10 * spread]
    J = fp.jacobian(net["W_in"], net["W_rec"], net["b"], float(net["gamma"]), x[keep], u)
    moduli = np.abs(np.linalg.eigvals(J)) if keep.size else np.zeros((0, 1))
    n_unstable = (moduli > 1).sum(axis=1)
    return dict(q=q, first_hit=first_hit, iterations=iters, unique=keep.size, unique_q=q[keep], n_unstable=n_unstable)


# --------------------------------------------------------------------------- ours
def ours_pipeline(net, u, h0):
    args = (net["W_in"], net["W_rec"], net["b"], float(net["gamma"]), u, h0)
    t0 = time.perf_counter()
    points = fp.find_fixed_points(*args)
    wall = time.perf_counter() - t0

    first_hit = np.full(h0.shape[0], np.inf)
    t1 = time.perf_counter()

    def track(phase, iteration, q):
        first_hit[(q < TOL_Q) & np.isinf(first_hit)] = time.perf_counter() - t1

    res = fp.refine_states(*args, abandon_q=1e-4, callback=track)
    return points, wall, res, first_hit


# --------------------------------------------------------------------------- report
def q_summary(q):
    return dict(
        q_min=np.min(q),
        q_median=np.median(q),
        q_max=np.max(q),
        below_1e12=int((q < 1e-12).sum()),
        below_1e20=int((q < 1e-20).sum()),
    )


def reach_summary(first_hit):
    hit = np.isfinite(first_hit)
    return (
        float(first_hit[hit].max()) if hit.any() else float("nan"),
        float(np.median(first_hit[hit])) if hit.any() else float("nan"),
        1.0 - hit.mean(),
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="a saved Keras model (read by tdnms.parameters); default: synthetic network")
    ap.add_argument("--n-init", type=int, default=1024, help="initial states (default 1024)")
    ap.add_argument(
        "--input", default=None, help="constant input, comma-separated (default 0.5,-0.3 synthetic; zeros for a model)"
    )
    ap.add_argument(
        "--hidden",
        help="a workflow hidden-state table (results/dynamics/.../hidden.parquet): sample the initial states "
        "from it exactly as the fixed_points rule does (trajectory states + 0.02 jitter)",
    )
    ap.add_argument("--gain", type=float, default=1.5, help="synthetic W_rec gain (default 1.5)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--adam-iters", type=int, default=5000, help="baseline max_iters (toolbox default 5000)")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved runs of both methods; medians reported")
    ap.add_argument(
        "--adam-float32", action="store_true", help="run the baseline in float32 (the toolbox default dtype)"
    )
    args = ap.parse_args(argv)
    if args.repeats < 1:
        ap.error("--repeats: expected at least 1")

    if args.model:
        net = model_network(args.model)
        source = f"model {args.model}"
    else:
        net = synthetic_network(gain=args.gain, seed=args.seed)
        source = f"synthetic: orthogonal W_rec x {args.gain}, gamma {net['gamma']}, seed {args.seed}"
    n_units, n_inputs = net["W_rec"].shape[0], net["W_in"].shape[0]
    if args.input is not None:
        u = np.array([float(v) for v in args.input.split(",")])
    else:
        u = np.zeros(n_inputs) if args.model else np.array([0.5, -0.3])[:n_inputs]
    if args.hidden:
        from tdnms import tables
        from tdnms.fixed_points.conditions import sample_initial_states

        hidden = tables.read_table(args.hidden, kind="hidden_states")[0].to_pandas()
        h0 = sample_initial_states(hidden, args.n_init, 0.02, args.seed)
    else:
        h0 = trajectory_states(net, u, args.n_init, seed=args.seed + 1)
    q0 = fp.speed(net["W_in"], net["W_rec"], net["b"], float(net["gamma"]), h0, u)
    print(f"network : {source}; {n_units} units, {n_inputs} inputs, gamma {float(net['gamma'])}")
    print(f"input   : {u.tolist()}")
    origin = "the task trajectories" if args.hidden else "noisy trajectories"
    print(f"states  : {args.n_init} from {origin}; initial q median {np.median(q0):.2e}, max {q0.max():.2e}")

    dtype = np.float32 if args.adam_float32 else np.float64
    runs = []
    with threadpool_limits(limits=1):
        for repeat in range(args.repeats):
            points, ours_wall, res, ours_hit = ours_pipeline(net, u, h0)
            t0 = time.perf_counter()
            base = baseline_pipeline(net, u, h0, max_iters=args.adam_iters, dtype=dtype)
            base_wall = time.perf_counter() - t0
            runs.append(
                dict(
                    ours_q=res.q,
                    base_q=base["q"],
                    ours_wall=ours_wall,
                    base_wall=base_wall,
                    ours_reach=reach_summary(ours_hit),
                    base_reach=reach_summary(base["first_hit"]),
                )
            )
            print(
                f"run {repeat + 1}/{args.repeats}: ours {ours_wall:.2f} s (all reached q<1e-12 after "
                f"{runs[-1]['ours_reach'][0]:.2f} s), baseline {base_wall:.2f} s "
                f"(after {runs[-1]['base_reach'][0]:.2f} s)",
                flush=True,
            )

    def median(key, i=None):
        return float(np.median([r[key] if i is None else r[key][i] for r in runs]))

    ours_q, base_q = q_summary(res.q), q_summary(base["q"])
    fixed = points[points["is_fixed_point"]]
    rows = [
        ("wall time, whole pipeline [s]", f"{median('ours_wall'):.2f}", f"{median('base_wall'):.2f}"),
        ("iterations", f"{res.newton_iterations} Newton/LM", f"{base['iterations']} Adam"),
        (
            "time until all that reach q<1e-12 did [s]",
            f"{median('ours_reach', 0):.2f}",
            f"{median('base_reach', 0):.2f}",
        ),
        ("median time to q<1e-12 [s]", f"{median('ours_reach', 1):.2f}", f"{median('base_reach', 1):.2f}"),
        ("fraction never reaching q<1e-12", f"{runs[-1]['ours_reach'][2]:.3f}", f"{runs[-1]['base_reach'][2]:.3f}"),
        ("final q: min", f"{ours_q['q_min']:.1e}", f"{base_q['q_min']:.1e}"),
        ("final q: median", f"{ours_q['q_median']:.1e}", f"{base_q['q_median']:.1e}"),
        ("final q: max", f"{ours_q['q_max']:.1e}", f"{base_q['q_max']:.1e}"),
        ("states with q < 1e-12", f"{ours_q['below_1e12']}", f"{base_q['below_1e12']}"),
        ("states with q < 1e-20", f"{ours_q['below_1e20']}", f"{base_q['below_1e20']}"),
        (
            "unique points reported",
            f"{len(points)} ({len(fixed)} fixed, q<1e-20)",
            f"{base['unique']} ({int((base['unique_q'] < 1e-20).sum())} with q<1e-20)",
        ),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows + [("", "ours (Newton)")])
    print()
    print(f"{'':<{w0}}  {'ours (Newton)':>{w1}}  {'Adam baseline (' + np.dtype(dtype).name + ')':>s}")
    for name, a, b in rows:
        print(f"{name:<{w0}}  {a:>{w1}}  {b}")
    reach = [r["base_reach"][0] / r["ours_reach"][0] for r in runs]
    same = all(np.array_equal(r[k], runs[0][k]) for r in runs for k in ("ours_q", "base_q"))
    verdict = "final q identical in every run" if same else "WARNING: final q differs between runs"
    print(f"\nmedians of {len(runs)} interleaved runs (times); {verdict}")
    print(
        f"speed-up to q<1e-12 for every state that gets there (baseline / ours): "
        f"{median('base_reach', 0) / median('ours_reach', 0):.1f}x  (per run: "
        + ", ".join(f"{x:.1f}x" for x in reach)
        + ")"
    )
    print(f"speed-up, whole pipeline wall time: {median('base_wall') / median('ours_wall'):.1f}x")
    if len(points):
        print("\nour points:")
        print(points.drop(columns=["state", "input"]).to_string(index=False))


if __name__ == "__main__":
    main()
