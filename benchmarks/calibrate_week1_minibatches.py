"""Calibrate week 1's shuffling statistics: the cell-by-cell tests of
hidden_training.order_is_uniform (pairs, positions, transitions between consecutive
epochs) on the reference, the other correct examples and the known-bad examples at the
check's own seed, and the false-alarm rate of a correct shuffle, exactly (binomial
tails, union bound) and by simulation.

    python benchmarks/calibrate_week1_minibatches.py [--seeds 20000]

Runs the course's own code in this process: an instructor's tool, never pointed at
student code. Each figure is the worst cell's deviation as a fraction of its bound
(> 1 fails). The figures go into the comments of
assignments/week1_linear_models/rubric.toml ([training]).
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from scipy.stats import binom

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.cli import known_bad_meta  # noqa: E402
from grader.course import Week  # noqa: E402
from grader.oracles import proportion_bound, sigmas_for  # noqa: E402
from grader.registry import load_checks  # noqa: E402

N, BATCH, SEED = 6, 4, 2024  # as in order_is_uniform


def worst_by_table(order_tests, positions, false_alarm):
    """{table: the worst |fraction − p| / bound among its cells}."""
    tests = order_tests(positions)
    sigmas = sigmas_for(false_alarm, tests=len(tests))
    worst = {}
    for frac, p, draws, what, _ in tests:
        table = "pairs" if "came before" in what else "transitions" if "moved" in what else "positions"
        worst[table] = max(worst.get(table, 0.0), abs(frac - p) / proportion_bound(p, draws, sigmas))
    return worst


def positions_of(iterate, epochs, seed):
    """positions[e, i] of `iterate`'s epochs drawn from one generator, or None if an epoch is not a permutation."""
    rng = np.random.default_rng(seed)
    positions = np.empty((epochs, N), dtype=np.int64)
    for e in range(epochs):
        order = np.concatenate(list(iterate(N, BATCH, rng)))
        if sorted(order.tolist()) != list(range(N)):
            return None
        positions[e, order] = np.arange(N)
    return positions


def exact_false_alarm(epochs, false_alarm):
    """Σ over the cells of P(a correct shuffle's fraction falls outside the bound), exact binomial tails."""
    tests = [(0.5, epochs)] * (N * (N - 1) // 2) + [(1 / N, epochs)] * N * N + [(1 / N, epochs - 1)] * N * N
    sigmas = sigmas_for(false_alarm, tests=len(tests))
    total = 0.0
    for p, k in tests:
        b = proportion_bound(p, k, sigmas)
        total += binom.cdf(np.ceil(k * (p - b)) - 1, k, p) + binom.sf(np.floor(k * (p + b)), k, p)
    return total, sigmas


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=20000, help="simulated correct shuffles")
    args = ap.parse_args()
    week = Week.load("week1", ROOT)
    load_checks(week.assignment_dir, include_hidden=True)
    ht = next(m for n, m in sys.modules.items() if n.endswith("hidden_training"))
    rubric = ht.RUBRIC
    epochs, false_alarm = rubric["uniformity_epochs"], rubric["uniformity_false_alarm"]

    sources = {"reference": week.solution_dir / "training.py"}
    examples = ROOT / "examples" / week.name
    sources.update({d.name: d / "training.py" for d in sorted(examples.iterdir()) if d.is_dir() and d.name != "known_bad"})
    sources.update({f"known_bad/{p.stem}": p for p in sorted((examples / "known_bad").glob("*.py"))
                    if known_bad_meta(p)["EXERCISE"] == "week1.minibatches"})
    print(f"{epochs} epochs of n = {N}, batch {BATCH}, seed {SEED}; worst cell / bound per table (> 1 fails)")
    for name, path in sources.items():
        ns = {"np": np}
        exec(compile(path.read_text(), str(path), "exec"), ns)
        positions = positions_of(ns["iterate_minibatches"], epochs, SEED)
        if positions is None:
            print(f"  {name:55s} an epoch is not a permutation (caught by the coverage checks)")
            continue
        worst = worst_by_table(ht.order_tests, positions, false_alarm)
        print(f"  {name:55s} " + "  ".join(f"{k} {v:6.3f}" for k, v in sorted(worst.items())))

    exact, sigmas = exact_false_alarm(epochs, false_alarm)
    print(f"\nuniformity_false_alarm {false_alarm:g} -> {sigmas:.3f} sigmas per cell; "
          f"exact binomial false alarm ≤ {exact:.3g} (union bound over the cells)")
    rng = np.random.default_rng(0)
    fails, worst_seen = 0, 0.0
    for _ in range(args.seeds):
        positions = rng.random((epochs, N)).argsort(axis=1).argsort(axis=1)  # uniform, independent epochs
        w = max(worst_by_table(ht.order_tests, positions, false_alarm).values())
        fails += w > 1.0
        worst_seen = max(worst_seen, w)
    print(f"simulated correct shuffles: {fails} of {args.seeds} failed; the worst came to {worst_seen:.3f} of its bound")


if __name__ == "__main__":
    main()
