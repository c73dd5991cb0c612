"""Tests for tdnms.fixed_points: exact cases with known fixed points, the Jacobian,
deduplication, gamma (in)dependence, per-state inputs, argument checking, options,
batched speeds, diagnostics and the workflow glue (tdnms.fixed_points.conditions)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq

from tdnms.fixed_points import (
    CONVERGED,
    POINT_COLUMNS,
    STALLED,
    eigen_table,
    find_fixed_points,
    jacobian,
    leaky_map,
    mode_segments,
    refine_states,
    speed,
)


# --------------------------------------------------------------------------- helpers
def scalar_roots(w: float, b: float) -> np.ndarray:
    """All roots of h = tanh(w h + b) in [-1, 1], by bracketing sign changes on a fine grid."""
    f = lambda h: np.tanh(w * h + b) - h  # noqa: E731
    grid = np.linspace(-1.0, 1.0, 20000)  # even count: h = 0 is not a grid point
    vals = f(grid)
    assert np.all(vals != 0)
    roots = [brentq(f, grid[i], grid[i + 1], xtol=1e-15, rtol=1e-15) for i in np.flatnonzero(vals[:-1] * vals[1:] < 0)]
    return np.array(roots)


def states(df: pd.DataFrame) -> np.ndarray:
    return np.array(df["state"].tolist(), dtype=float).reshape(len(df), -1)


def match(found: np.ndarray, known: np.ndarray, tol: float) -> np.ndarray:
    """Index of the found point nearest (max-norm) to each known point; asserts it is within tol."""
    d = np.max(np.abs(found[:, None, :] - known[None, :, :]), axis=2)
    nearest = d.argmin(axis=0)
    worst = d[nearest, np.arange(known.shape[0])].max()
    assert worst < tol, f"a known fixed point was missed (nearest found point at max-norm distance {worst:.3g})"
    return nearest


def bistable_blocks(ws, bs, gamma=0.5):
    """Decoupled 1-unit blocks: W_rec = diag(ws), one input channel that is 0 in the tests."""
    n = len(ws)
    return np.zeros((1, n)), np.diag(np.asarray(ws, float)), np.asarray(bs, float), gamma


# --------------------------------------------------------------------------- 1. exact, W_rec = 0
def test_zero_recurrence_fixed_point_is_tanh_of_drive():
    rng = np.random.default_rng(0)
    n_units, n_inputs, gamma = 5, 2, 0.3
    W_in = rng.normal(size=(n_inputs, n_units))
    b = rng.normal(size=n_units)
    u = np.array([0.4, -1.1])
    h0 = rng.uniform(-1, 1, size=(10, n_units))

    df = find_fixed_points(W_in, np.zeros((n_units, n_units)), b, gamma, u, h0)

    assert list(df.columns) == POINT_COLUMNS
    assert len(df) == 1
    row = df.iloc[0]
    np.testing.assert_allclose(row["state"], np.tanh(u @ W_in + b), rtol=0, atol=1e-12)
    assert row["is_fixed_point"] and row["kind"] == "stable" and row["q"] < 1e-20
    assert row["n_converged"] == 10 and row["n_unstable"] == 0
    assert row["max_abs_eigenvalue"] == pytest.approx(1 - gamma, abs=1e-12)  # J = (1 - gamma) I
    assert row["input"] == pytest.approx(u.tolist())


# --------------------------------------------------------------------------- 2. one unit, three roots
@pytest.mark.parametrize("gamma", [0.5, 1.0])
def test_one_unit_three_fixed_points_match_brentq(gamma):
    w, b = 2.0, 0.1
    roots = scalar_roots(w, b)
    assert roots.size == 3
    W_in, W_rec, bias, _ = bistable_blocks([w], [b])
    h0 = np.linspace(-0.99, 0.99, 41)[:, None]

    df = find_fixed_points(W_in, W_rec, bias, gamma, [0.0], h0, slow_point_threshold=None)

    assert len(df) == 3 and df["is_fixed_point"].all() and (df["q"] < 1e-20).all()
    found = states(df)[:, 0]
    order = np.argsort(found)
    np.testing.assert_allclose(found[order], roots, rtol=0, atol=1e-12)
    assert df["kind"].to_numpy()[order].tolist() == ["stable", "unstable", "stable"]
    # the eigenvalue of the 1-d map is 1 - gamma + gamma w (1 - h^2)
    expected = np.abs(1 - gamma + gamma * w * (1 - roots**2))
    np.testing.assert_allclose(df["max_abs_eigenvalue"].to_numpy()[order], expected, rtol=1e-10)
    assert df["n_converged"].sum() == 41


# --------------------------------------------------------------------------- 3. Cartesian product
def test_block_diagonal_network_finds_every_product_fixed_point():
    ws, bs = [2.0, 1.8, 2.5], [0.1, -0.05, 0.2]
    W_in, W_rec, b, gamma = bistable_blocks(ws, bs, gamma=0.4)
    per_unit = [scalar_roots(w, bb) for w, bb in zip(ws, bs)]
    assert all(r.size == 3 for r in per_unit)
    known = np.array(list(itertools.product(*per_unit)))  # 27 fixed points
    middle = np.array(list(itertools.product(*[[0, 1, 0]] * 3))).sum(axis=1)  # unstable directions
    grid = np.linspace(-0.95, 0.95, 7)
    h0 = np.array(list(itertools.product(grid, grid, grid)))  # 343 states: exercises the probe and chord steps

    df = find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0, slow_point_threshold=None)

    assert df["is_fixed_point"].all()
    assert (df["q"] < 1e-20).all()
    assert (speed(W_in, W_rec, b, gamma, states(df), [0.0]) < 1e-20).all()  # independent re-check
    assert len(df) == 27
    nearest = match(states(df), known, tol=1e-10)
    assert sorted(nearest.tolist()) == list(range(27))  # one row per known point
    np.testing.assert_array_equal(df["n_unstable"].to_numpy()[nearest], middle)
    kinds = df["kind"].to_numpy()[nearest]
    assert (kinds[middle == 0] == "stable").all()
    assert (kinds[middle == 3] == "unstable").all()
    assert (kinds[(middle > 0) & (middle < 3)] == "saddle").all()
    assert df["n_converged"].sum() + df.attrs["n_unconverged"] == len(h0)


# --------------------------------------------------------------------------- 4. Jacobian
def test_jacobian_matches_central_differences_and_column_convention():
    rng = np.random.default_rng(3)
    n_units, n_inputs, gamma = 6, 2, 0.37
    W_in = rng.normal(size=(n_inputs, n_units))
    W_rec = rng.normal(scale=1.2, size=(n_units, n_units))  # deliberately non-symmetric
    b = rng.normal(size=n_units)
    h = rng.uniform(-0.9, 0.9, size=n_units)
    u = rng.normal(size=n_inputs)

    J = jacobian(W_in, W_rec, b, gamma, h, u)
    eps = 1e-6
    fd = np.empty((n_units, n_units))
    for j in range(n_units):
        e = np.zeros(n_units)
        e[j] = eps
        fd[:, j] = (leaky_map(W_in, W_rec, b, gamma, h + e, u) - leaky_map(W_in, W_rec, b, gamma, h - e, u)) / (2 * eps)
    np.testing.assert_allclose(J, fd, rtol=0, atol=1e-8)  # J[i, j] = dF_i / dh_j

    s = 1 - np.tanh(u @ W_in + h @ W_rec + b) ** 2
    np.testing.assert_allclose(J, (1 - gamma) * np.eye(n_units) + gamma * s[:, None] * W_rec.T, atol=1e-14)
    wrong = (1 - gamma) * np.eye(n_units) + gamma * s[:, None] * W_rec  # the transposed-weights mistake
    assert np.abs(J - wrong).max() > 1e-2

    H = np.stack([h, -h, 0.5 * h])
    JB = jacobian(W_in, W_rec, b, gamma, H, u)
    assert JB.shape == (3, n_units, n_units)
    np.testing.assert_allclose(JB[0], J, atol=1e-15)


# --------------------------------------------------------------------------- 5. duplicates merged
def test_states_near_the_same_attractor_merge_into_one_row():
    W_in, W_rec, b, gamma = bistable_blocks([2.0], [0.1], gamma=0.2)
    hi, lo = scalar_roots(2.0, 0.1)[[2, 0]]
    rng = np.random.default_rng(1)
    h0 = np.concatenate([hi + rng.uniform(-0.05, 0.05, 37), lo + rng.uniform(-0.05, 0.05, 13)])[:, None]

    df = find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0)

    assert len(df) == 2
    assert df["n_converged"].tolist() == [37, 13]  # sorted by n_converged
    np.testing.assert_allclose(states(df)[:, 0], [hi, lo], atol=1e-12)
    assert (df["kind"] == "stable").all()


def test_many_states_in_a_larger_network_merge_and_keep_counts():
    rng = np.random.default_rng(7)
    n_units = 24
    W_rec = rng.normal(scale=0.5 / np.sqrt(n_units), size=(n_units, n_units))  # contraction: one fixed point
    W_in = rng.normal(size=(2, n_units))
    b = rng.normal(scale=0.3, size=n_units)
    h0 = rng.uniform(-1, 1, size=(300, n_units))

    df = find_fixed_points(W_in, W_rec, b, 0.25, [0.3, 0.1], h0)

    assert len(df) == 1 and df["n_converged"].iloc[0] == 300 and df["kind"].iloc[0] == "stable"


# --------------------------------------------------------------------------- 6. gamma
def test_locations_do_not_depend_on_gamma_but_eigenvalues_follow_1_minus_gamma_plus_gamma_mu():
    rng = np.random.default_rng(11)
    n_units = 4
    W_rec = np.diag([2.0, 1.7, 0.5, 2.2]) + rng.normal(scale=0.15, size=(n_units, n_units))
    W_in = rng.normal(size=(1, n_units))
    b = rng.normal(scale=0.1, size=n_units)
    h0 = rng.uniform(-1, 1, size=(200, n_units))
    u = [0.05]

    slow = find_fixed_points(W_in, W_rec, b, 0.1, u, h0, slow_point_threshold=None, outlier_distance=None)
    fast = find_fixed_points(W_in, W_rec, b, 0.7, u, h0, slow_point_threshold=None, outlier_distance=None)

    assert len(slow) >= 3  # a multistable network, not a trivial case
    assert len(slow) == len(fast)
    pairs = match(states(fast), states(slow), tol=1e-10)
    assert sorted(pairs.tolist()) == list(range(len(fast)))

    for gamma, points in ((0.1, slow), (0.7, fast)):
        eig = eigen_table(points, W_in, W_rec, b, gamma, vectors="none")
        assert len(eig) == len(points) * n_units
        for pid, h in zip(points["point_id"], states(points)):
            s = 1 - np.tanh(np.asarray(u) @ W_in + h @ W_rec + b) ** 2
            mu = np.linalg.eigvals(s[:, None] * W_rec.T)
            predicted = 1 - gamma + gamma * mu
            rows = eig[eig["point_id"] == pid]
            lam = rows["real"].to_numpy() + 1j * rows["imag"].to_numpy()
            d = np.abs(lam[:, None] - predicted[None, :])
            assert d.min(axis=1).max() < 1e-10 and d.min(axis=0).max() < 1e-10
            np.testing.assert_allclose(rows["abs"], np.abs(lam), rtol=1e-12)
            assert (np.diff(rows["abs"].to_numpy()) <= 1e-12).all()  # eig_index 0 = largest modulus
            assert rows["eig_index"].tolist() == list(range(n_units))


# --------------------------------------------------------------------------- 7. per-state inputs
def test_per_state_inputs_get_their_own_input_ids():
    w, b = 2.0, 0.0
    W_in, W_rec, bias = np.array([[1.0]]), np.array([[w]]), np.array([b])
    grid = np.linspace(-0.99, 0.99, 41)[:, None]
    h0 = np.concatenate([grid, grid])
    inputs = np.concatenate([np.full((41, 1), 1.5), np.zeros((41, 1))])  # first appearance: 1.5 then 0

    df = find_fixed_points(W_in, W_rec, bias, 0.5, inputs, h0, slow_point_threshold=None)

    assert set(df["input_id"]) == {0, 1}
    first, second = df[df["input_id"] == 0], df[df["input_id"] == 1]
    assert len(first) == 1 and len(second) == 3
    assert all(v == [1.5] for v in first["input"]) and all(v == [0.0] for v in second["input"])
    np.testing.assert_allclose(states(first)[:, 0], scalar_roots(w, b + 1.5), atol=1e-12)
    np.testing.assert_allclose(np.sort(states(second)[:, 0]), scalar_roots(w, b), atol=1e-12)
    assert second["n_converged"].sum() == 41
    # With u = 1.5, states left of the vanished pair sit in a local minimum of q (q ~ 0.5, not kept).
    assert first["n_converged"].sum() + df.attrs["n_unconverged"] == 41


# --------------------------------------------------------------------------- 8. bad arguments
@pytest.mark.parametrize(
    "change, name",
    [
        (dict(gamma=0.0), "gamma"),
        (dict(gamma=1.5), "gamma"),
        (dict(gamma=-0.2), "gamma"),
        (dict(gamma=True), "gamma"),
        (dict(W_in=np.zeros((2, 4))), "W_in"),
        (dict(W_rec=np.zeros((3, 4))), "W_rec"),
        (dict(b=np.zeros(4)), "b"),
        (dict(initial_states=np.zeros((5, 4))), "initial_states"),
        (dict(initial_states=np.full((5, 3), np.nan)), "initial_states"),
        (dict(inputs=np.zeros((3, 2))), "inputs"),
        (dict(inputs=np.zeros(3)), "inputs"),
        (dict(unique_tolerance=-1.0), "unique_tolerance"),
        (dict(q_tolerance=0.0), "q_tolerance"),
        (dict(slow_point_threshold=1e-30), "slow_point_threshold"),
        (dict(outlier_distance=0.0), "outlier_distance"),
        (dict(newton_iterations=2.5), "newton_iterations"),
    ],
)
def test_bad_arguments_raise_value_error_naming_the_argument(change, name):
    args = dict(
        W_in=np.zeros((2, 3)),
        W_rec=np.eye(3),
        b=np.zeros(3),
        gamma=0.5,
        inputs=np.zeros(2),
        initial_states=np.zeros((5, 3)),
    )
    args.update(change)
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        find_fixed_points(**args)


def test_jacobian_and_eigen_table_check_their_arguments():
    with pytest.raises(ValueError, match="^gamma"):
        jacobian(np.zeros((1, 2)), np.eye(2), np.zeros(2), 2.0, np.zeros(2), [0.0])
    with pytest.raises(ValueError, match="^h"):
        jacobian(np.zeros((1, 2)), np.eye(2), np.zeros(2), 0.5, np.zeros(3), [0.0])
    with pytest.raises(ValueError, match="argument order"):  # the old (W_rec, b, W_in, ...) order
        jacobian(np.eye(2), np.zeros(2), np.zeros((1, 2)), 0.5, np.zeros(2), [0.0])
    with pytest.raises(ValueError, match="^vectors"):
        eigen_table(pd.DataFrame(columns=POINT_COLUMNS), np.zeros((1, 2)), np.eye(2), np.zeros(2), 0.5, vectors="some")


# --------------------------------------------------------------------------- more behaviour
def test_unstable_modes_point_along_the_units_at_their_middle_root():
    ws, bs = [2.0, 2.5], [0.1, -0.2]
    W_in, W_rec, b, gamma = bistable_blocks(ws, bs, gamma=0.6)
    roots = [scalar_roots(w, bb) for w, bb in zip(ws, bs)]
    saddle = np.array([roots[0][1], roots[1][2]])  # unit 0 at its middle root, unit 1 stable
    h0 = saddle + np.array([[1e-3, -1e-3], [-2e-3, 1e-3]])

    points = find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0)
    assert len(points) == 1 and points["kind"].iloc[0] == "saddle" and points["n_unstable"].iloc[0] == 1
    eig = eigen_table(points, W_in, W_rec, b, gamma)

    assert eig["vector"].notna().tolist() == [True, False]  # only the unstable mode gets a vector
    top = eig.iloc[0]
    assert top["unstable"] and top["abs"] > 1 and top["imag"] == 0
    np.testing.assert_allclose(top["vector"], [1.0, 0.0], atol=1e-12)  # unit norm, sign fixed, along unit 0
    J = jacobian(W_in, W_rec, b, gamma, states(points)[0], [0.0])
    np.testing.assert_allclose(J @ np.array(top["vector"]), top["real"] * np.array(top["vector"]), atol=1e-12)

    seg = mode_segments(points, eig, scale=0.5)
    assert len(seg) == 1
    np.testing.assert_allclose(seg["end"].iloc[0], states(points)[0] + 0.5 * top["abs"] * np.array([1.0, 0.0]))
    np.testing.assert_allclose(seg["start"].iloc[0], states(points)[0] - 0.5 * top["abs"] * np.array([1.0, 0.0]))


def test_complex_modes_get_a_real_unit_direction_that_spans_the_rotation_plane():
    theta, gain = 0.3, 1.6
    W_rec = gain * np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    W_in, b = np.zeros((1, 2)), np.zeros(2)
    points = find_fixed_points(W_in, W_rec, b, 0.5, [0.0], np.array([[0.01, 0.02], [-0.01, 0.0]]))
    assert len(points) == 1 and points["kind"].iloc[0] == "unstable"  # origin, a spiral source
    np.testing.assert_allclose(points["state"].iloc[0], [0.0, 0.0], atol=1e-15)
    eig = eigen_table(points, W_in, W_rec, b, 0.5, vectors="all")
    assert (eig["imag"].abs() > 0.1).all()
    for v in eig["vector"]:
        assert np.linalg.norm(v) == pytest.approx(1.0)


def test_ghost_of_a_saddle_node_is_reported_as_a_slow_point():
    w = 2.0
    h_star = np.sqrt(1 - 1 / w)  # where tanh(w h + b) touches the diagonal at the bifurcation
    b = np.arctanh(h_star) - w * h_star - 0.01  # just past it: the upper pair has vanished
    assert scalar_roots(w, b).size == 1
    W_in, W_rec, bias, gamma = bistable_blocks([w], [b], gamma=1.0)
    h0 = np.concatenate([np.linspace(0.5, 0.95, 20), np.linspace(-0.95, -0.5, 5)])[:, None]

    df = find_fixed_points(W_in, W_rec, bias, gamma, [0.0], h0, slow_point_threshold=1e-3)

    kinds = df.set_index("kind")
    assert sorted(df["kind"]) == ["slow", "stable"]
    assert not kinds.loc["slow", "is_fixed_point"] and 1e-20 < kinds.loc["slow", "q"] < 1e-3
    # q = f^2 / 2 with f(h) = tanh(w h + b) - h is smallest where f' = 0, i.e. tanh(w h + b) = h_star
    assert kinds.loc["slow", "state"][0] == pytest.approx((np.arctanh(h_star) - b) / w, abs=1e-6)
    assert kinds.loc["stable", "state"][0] == pytest.approx(scalar_roots(w, b)[0], abs=1e-12)
    assert kinds.loc["slow", "n_converged"] == 20

    no_slow = find_fixed_points(W_in, W_rec, bias, gamma, [0.0], h0, slow_point_threshold=None)
    assert no_slow["kind"].tolist() == ["stable"] and no_slow.attrs["n_unconverged"] == 20


def test_states_stuck_in_a_ghost_are_given_up_early_and_the_others_still_converge():
    # Further past the saddle-node than above: the minimum of q in the ghost is 3.1e-4,
    # far above abandon_q, so the states sliding into it cannot become slow points.
    w = 2.0
    h_star = np.sqrt(1 - 1 / w)
    b = np.arctanh(h_star) - w * h_star - 0.05
    W_in, W_rec, bias, gamma = bistable_blocks([w], [b], gamma=1.0)
    h_min = (np.arctanh(h_star) - b) / w
    q_min = 0.5 * (np.tanh(w * h_min + b) - h_min) ** 2
    h0 = np.concatenate([np.linspace(0.5, 0.95, 20), np.linspace(-0.95, -0.5, 5)])[:, None]

    kept = refine_states(W_in, W_rec, bias, gamma, [0.0], h0)
    given_up = refine_states(W_in, W_rec, bias, gamma, [0.0], h0, abandon_q=1e-6)

    # the same states converge (abandoning hides nothing), the others stop at the ghost
    np.testing.assert_array_equal(given_up.status == CONVERGED, kept.status == CONVERGED)
    assert (given_up.q[given_up.status == CONVERGED] < 1e-20).all()
    stuck = given_up.status == STALLED
    assert stuck.sum() >= 5 and (given_up.status[~stuck] == CONVERGED).all()
    assert (given_up.q[stuck] < 1.01 * q_min).all()
    assert given_up.newton_iterations < kept.newton_iterations


def test_every_step_lowers_q_so_abandoning_and_chord_steps_hide_no_fixed_point():
    ws, bs = [2.0, 1.8, 2.5], [0.1, -0.05, 0.2]
    W_in, W_rec, b, gamma = bistable_blocks(ws, bs, gamma=0.4)
    known = np.array(list(itertools.product(*[scalar_roots(w, bb) for w, bb in zip(ws, bs)])))
    grid = np.linspace(-0.95, 0.95, 7)
    h0 = np.array(list(itertools.product(grid, grid, grid)))  # > 256 states: the probe runs too

    history = []
    res = refine_states(
        W_in, W_rec, b, gamma, [0.0], h0, abandon_q=1e-20, callback=lambda phase, it, q: history.append(q.copy())
    )
    plain = refine_states(W_in, W_rec, b, gamma, [0.0], h0)

    q = np.array(history)
    assert np.all(np.diff(q, axis=0) <= 0.0)  # chord, Newton and LM steps are all descent steps
    np.testing.assert_array_equal(res.status, plain.status)
    conv = res.status == CONVERGED
    match(res.states[conv], known, tol=1e-10)  # every one of the 27 points is reached by some state
    np.testing.assert_allclose(res.states, plain.states, rtol=0, atol=0)


def test_damped_step_solver_matches_a_direct_solve_and_survives_a_bad_warm_start():
    """The single-precision, warm-started CG of the Levenberg-Marquardt steps solves
    (A^T A + mu I) d = -A^T r: with enough iterations it matches a float64 direct solve,
    a warm start at the answer stays there, and a warm start that overflows float32
    after rescaling falls back to the zero start instead of producing NaN."""
    from tdnms.fixed_points.damped import cg_directions
    from tdnms.fixed_points.leaky_map import ResidualMap

    rng = np.random.default_rng(3)
    n_units, n = 24, 5
    W_rec = 1.4 * rng.normal(size=(n_units, n_units)) / np.sqrt(n_units)
    gamma = 0.3
    net = ResidualMap(W_rec, gamma)
    h = rng.uniform(-0.9, 0.9, size=(n, n_units))
    c = 0.1 * rng.normal(size=(n, n_units))
    t, r, q = net.residual(h, c)
    s = 1.0 - t * t
    grad = net.gradient(t, r)
    mu = np.full(n, 0.05)

    A = net.a_matrices(t)  # (n, N, N), column convention
    direct = np.stack([np.linalg.solve(A[k].T @ A[k] + mu[k] * np.eye(n_units), -grad[k]) for k in range(n)])
    cold = cg_directions(net, s, grad, mu, iterations=200)
    np.testing.assert_allclose(cold, direct, rtol=0, atol=1e-2 * np.abs(direct).max())
    warm = cg_directions(net, s, grad, mu, direct, iterations=200)
    np.testing.assert_allclose(warm, direct, rtol=0, atol=1e-3 * np.abs(direct).max())
    bad = cg_directions(net, s, grad * 1e-30, mu, np.full_like(direct, 1e20), iterations=200)
    assert np.all(np.isfinite(bad))
    np.testing.assert_allclose(bad * 1e30, cold, rtol=0, atol=1e-3 * np.abs(direct).max())


def test_single_precision_newton_directions_are_close_to_double_and_flagged_per_state():
    """Far from convergence Newton directions come from a float32 LU; they must agree with
    the float64 solve to about cond(A) x 1e-7, and unflagged states stay in float64."""
    from tdnms.fixed_points.leaky_map import ResidualMap
    from tdnms.fixed_points.newton import newton_directions

    rng = np.random.default_rng(4)
    n_units, n = 32, 6
    net = ResidualMap(1.2 * rng.normal(size=(n_units, n_units)) / np.sqrt(n_units), 0.25)
    h = rng.uniform(-0.8, 0.8, size=(n, n_units))
    t, r, _ = net.residual(h, 0.1 * rng.normal(size=(n, n_units)))
    exact = newton_directions(net, t, r)
    coarse = np.array([True, False] * (n // 2))
    mixed = newton_directions(net, t, r, coarse)
    A = net.a_matrices(t)
    direct = np.stack([np.linalg.solve(A[k], -r[k]) for k in range(n)])
    np.testing.assert_allclose(exact, direct, rtol=1e-10, atol=0)
    np.testing.assert_array_equal(mixed[~coarse], exact[~coarse])
    for k in np.flatnonzero(coarse):
        error = np.linalg.norm(mixed[k] - exact[k]) / np.linalg.norm(exact[k])
        assert 0 < error < 1e-5 * np.linalg.cond(A[k])


def test_random_network_from_trajectories_reaches_round_off_and_round_trips_through_parquet(tmp_path):
    rng = np.random.default_rng(5)
    n_units, gamma = 48, 0.2
    W_rec = 1.3 * np.linalg.qr(rng.normal(size=(n_units, n_units)))[0]
    W_in = rng.normal(size=(2, n_units))
    b = rng.normal(scale=0.2, size=n_units)
    u = np.array([0.2, -0.4])
    h = rng.uniform(-1, 1, size=(16, n_units))
    traj = []
    for _ in range(120):
        h = leaky_map(W_in, W_rec, b, gamma, h, u) + 0.01 * rng.normal(size=h.shape)
        traj.append(h)
    h0 = np.concatenate(traj[20:])[rng.choice(100 * 16, 300, replace=False)]

    seen = []
    res = refine_states(W_in, W_rec, b, gamma, u, h0, callback=lambda phase, it, q: seen.append((phase, it)))
    assert seen and seen[0] == ("newton", 0)
    assert res.states.shape == h0.shape and res.q.shape == (300,)
    assert (res.q[res.status == CONVERGED] < 1e-20).all()
    assert (res.status == CONVERGED).mean() > 0.9

    df = find_fixed_points(W_in, W_rec, b, gamma, u, h0)
    fixed = df[df["is_fixed_point"]]
    assert len(fixed) >= 1 and (fixed["q"] < 1e-20).all()
    assert (speed(W_in, W_rec, b, gamma, states(fixed), u) < 1e-20).all()
    assert df["q"].dtype == np.float64 and df["n_converged"].dtype == np.int64
    assert df["is_fixed_point"].dtype == bool

    path = tmp_path / "points.parquet"
    df.to_parquet(path)
    back = pd.read_parquet(path)
    np.testing.assert_allclose(np.stack(back["state"].to_numpy()), states(df))
    assert back["kind"].tolist() == df["kind"].tolist()


def test_outlier_distance_drops_far_points_and_jitter_is_seeded():
    W_in, W_rec, b, gamma = bistable_blocks([2.0], [0.1])
    lo, mid, hi = scalar_roots(2.0, 0.1)
    # 40 states tightly around the lower attractor and one near the upper one: relative to
    # the mean distance of the initial states to their centroid, the upper point is ~20x away.
    h0 = np.concatenate([lo + np.linspace(-0.01, 0.01, 40), [hi]])[:, None]

    kept = find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0, outlier_distance=None)
    dropped = find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0, outlier_distance=10.0)
    assert states(kept)[:, 0] == pytest.approx([lo, hi], abs=1e-12)
    assert states(dropped)[:, 0] == pytest.approx([lo], abs=1e-12)
    assert dropped.attrs["n_outliers_dropped"] == 1 and kept.attrs["n_outliers_dropped"] == 0

    a = refine_states(W_in, W_rec, b, gamma, [0.0], h0, jitter=0.01, seed=3)
    c = refine_states(W_in, W_rec, b, gamma, [0.0], h0, jitter=0.01, seed=3)
    np.testing.assert_array_equal(a.states, c.states)


def test_optional_descent_phase_runs_and_still_converges():
    W_in, W_rec, b, gamma = bistable_blocks([2.0, 1.8], [0.1, -0.05])
    h0 = np.random.default_rng(2).uniform(-1, 1, size=(40, 2))
    phases = []
    res = refine_states(W_in, W_rec, b, gamma, [0.0], h0, max_iterations=20, callback=lambda p, i, q: phases.append(p))
    assert "descent" in phases and res.descent_iterations > 0
    assert (res.q[res.status == CONVERGED] < 1e-20).all() and (res.status == CONVERGED).all()


def test_no_points_gives_empty_typed_tables():
    # u = 1.5: states left of the vanished pair sit in a high-q local minimum; nothing is kept
    W_in, W_rec, b = np.array([[1.0]]), np.array([[2.0]]), np.array([0.0])
    df = find_fixed_points(W_in, W_rec, b, 0.5, [1.5], np.array([[-0.9], [-0.8]]), slow_point_threshold=None)
    assert len(df) == 0 and list(df.columns) == POINT_COLUMNS and df.attrs["n_unconverged"] == 2
    assert df["q"].dtype == np.float64 and df["n_converged"].dtype == np.int64
    eig = eigen_table(df, W_in, W_rec, b, 0.5)
    assert len(eig) == 0 and {"point_id", "eig_index", "real", "imag", "abs", "vector"} <= set(eig.columns)
    assert len(mode_segments(df, eig)) == 0


# --------------------------------------------------------------------------- batched speed, options, diagnostics
def test_speed_and_map_take_batches_with_one_input_per_state_and_leading_shapes():
    rng = np.random.default_rng(8)
    n_units, n_inputs, gamma = 7, 2, 0.3
    W_in, W_rec, b = rng.normal(size=(n_inputs, n_units)), rng.normal(size=(n_units, n_units)), rng.normal(size=n_units)
    H = rng.uniform(-1, 1, size=(3, 5, n_units))  # (trials, bins, units)
    U = rng.normal(size=(3, 5, n_inputs))  # each bin's own input
    q = speed(W_in, W_rec, b, gamma, H, U)
    assert q.shape == (3, 5)
    one_by_one = [[speed(W_in, W_rec, b, gamma, H[i, j], U[i, j]) for j in range(5)] for i in range(3)]
    np.testing.assert_allclose(q, one_by_one, rtol=1e-14)
    flat = speed(W_in, W_rec, b, gamma, H.reshape(15, n_units), U.reshape(15, n_inputs))
    np.testing.assert_array_equal(flat, q.reshape(15))
    F = leaky_map(W_in, W_rec, b, gamma, H, U)
    assert F.shape == H.shape
    np.testing.assert_allclose(q, 0.5 * ((F - H) ** 2).sum(axis=-1), rtol=1e-12)
    assert jacobian(W_in, W_rec, b, gamma, H, U).shape == (3, 5, n_units, n_units)
    with pytest.raises(ValueError, match="^u"):
        speed(W_in, W_rec, b, gamma, H, U[:2])


def test_options_object_and_keywords_are_the_same_and_checked():
    from tdnms.fixed_points import FixedPointOptions

    W_in, W_rec, b, gamma = bistable_blocks([2.0, 1.8], [0.1, -0.05])
    h0 = np.random.default_rng(2).uniform(-1, 1, size=(40, 2))
    opts = FixedPointOptions(unique_tolerance=1e-5, slow_point_threshold=None)
    a = find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0, options=opts)
    c = find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0, unique_tolerance=1e-5, slow_point_threshold=None)
    pd.testing.assert_frame_equal(a, c)
    with pytest.raises(TypeError, match="no_such_option"):
        find_fixed_points(W_in, W_rec, b, gamma, [0.0], h0, no_such_option=1)
    with pytest.raises(ValueError, match="^cg_iterations"):
        FixedPointOptions(cg_iterations=0)
    with pytest.raises(ValueError, match="^armijo"):
        opts.replace(armijo=-1.0)
    assert opts.replace(chord_steps=0).chord_steps == 0  # chord steps off
    no_chord = refine_states(W_in, W_rec, b, gamma, [0.0], h0, chord_steps=0)
    assert (no_chord.status == CONVERGED).all()


def test_diagnostics_account_for_every_initial_state():
    from tdnms.fixed_points import locate_fixed_points

    w = 2.0
    h_star = np.sqrt(1 - 1 / w)
    bias = np.arctanh(h_star) - w * h_star - 0.05  # a ghost above the slow-point threshold
    W_in, W_rec, b, gamma = bistable_blocks([w], [bias], gamma=1.0)
    h0 = np.concatenate([np.linspace(0.5, 0.95, 20), np.linspace(-0.95, -0.5, 5)])[:, None]
    found = locate_fixed_points(W_in, W_rec, b, gamma, [0.0], h0)
    d = found.diagnostics()
    assert d["n_initial_states"] == 25
    assert d["n_converged_states"] + d["n_stalled"] + d["n_max_iterations"] == 25
    # the ghost (min q 3.1e-4) is above slow_point_threshold: its states are given up, not kept
    assert d["n_converged_states"] + d["n_unconverged"] == 25 and d["n_stalled"] == d["n_unconverged"] >= 5
    assert d["newton_iterations"] > 0 and d["descent_iterations"] == 0 and d["seconds"] > 0
    table = found.table()
    assert table["n_converged"].sum() + d["n_unconverged"] == 25
    assert {k: table.attrs[k] for k in d if k != "seconds"} == {k: v for k, v in d.items() if k != "seconds"}
    assert found.moduli.shape == (len(table), 1)


# --------------------------------------------------------------------------- kinds and workflow glue
def test_conditions_give_unique_point_ids_diagnostics_and_counts_over_every_kind():
    from tdnms import plots
    from tdnms.fixed_points import KINDS
    from tdnms.fixed_points.conditions import count_by_kind, fixed_points_by_condition

    W_in, W_rec, b, gamma = (
        np.array([[1.5], [0.0]]),
        np.array([[2.0]]),
        np.array([0.0]),
        0.5,
    )  # light drives the unit, odor does nothing
    params = dict(W_in=W_in, W_rec=W_rec, b=b, gamma=gamma)
    h0 = np.linspace(-0.99, 0.99, 41)[:, None]
    conditions = {"delay": [0.0, 0.0], "light": [1.0, 0.0]}
    points, eigen, diag = fixed_points_by_condition(params, h0, conditions, slow_point_threshold=None)
    assert points["point_id"].tolist() == list(range(len(points)))
    assert points.groupby("condition").size().to_dict() == {"delay": 3, "light": 1}
    assert set(eigen["point_id"]) == set(points["point_id"]) and not points.attrs
    assert diag["condition"].tolist() == ["delay", "light"] and (diag["n_initial_states"] == 41).all()
    assert "seconds" not in diag.columns
    counts = count_by_kind(points)
    assert counts["kind"].tolist() == [k for k in KINDS for _ in conditions]  # zero-filled, in the one order
    assert counts.set_index(["condition", "kind"]).loc[("delay", "saddle"), "count"] == 0
    assert set(points["kind"]) <= set(KINDS) and set(plots.KIND_STYLE) == set(KINDS)
    with pytest.raises(ValueError, match="conditions.bad"):
        fixed_points_by_condition(params, h0, {"bad": [1.0]})


def test_rule_fingerprint_covers_every_module_of_the_package():
    from pathlib import Path

    from tdnms.fingerprint import library_modules

    scripts = Path(__file__).resolve().parents[1] / "scripts"
    package = sorted((scripts / "tdnms" / "fixed_points").glob("*.py"))
    used = set(library_modules(scripts / "fixed_points.py"))
    assert set(package) <= used and scripts / "tdnms" / "parameters.py" in used
    assert "model.py" not in {p.name for p in used}  # no TensorFlow in this job
