"""How much the directional check saves: calls of f and wall time of `check_directional`
(3 probes) against `check_gradient_full` / `check_vjp_full` (numdifftools' whole
Jacobian), for a smooth scalar and a smooth vector function of growing input size.

Run as ``python benchmarks/gradcheck_bench.py`` (add ``--quick`` to skip 64×64).
"""

from __future__ import annotations

import sys

import numpy as np

from grader.gradcheck import (
    GradCheckStats,
    check_directional,
    check_gradient_full,
    check_vjp_full,
)

SHAPES = [(10,), (100,), (1000,), (64, 64)]
OUTPUTS = 16  # size of the vector function's output


def softplus_loss(shape, rng):
    """f(x) = mean(log(1 + exp(a ⊙ x))), scalar; ∇f = a ⊙ sigmoid(a ⊙ x) / x.size."""
    a = rng.standard_normal(shape)

    def f(x):
        return np.mean(np.logaddexp(0.0, a * x))

    def grad(x):
        return a / (1 + np.exp(-a * x)) / x.size

    return f, grad


def tanh_layer(shape, rng):
    """f(x) = tanh(W·vec(x)), W (16, x.size); vjp(v) = Wᵀ(v ⊙ (1 − f²)) shaped like x."""
    W = rng.standard_normal((OUTPUTS, int(np.prod(shape)))) / np.sqrt(np.prod(shape))

    def f(x):
        return np.tanh(W @ x.ravel())

    def backward(x):
        return lambda v: (W.T @ (v * (1 - f(x) ** 2))).reshape(x.shape)

    return f, backward


def measure(shape, kind):
    """(function, size, rows): the figures of both checks on one function and input size."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    fast, full = GradCheckStats(), GradCheckStats()
    if kind == "scalar":
        f, grad = softplus_loss(shape, rng)
        check_directional(f, x, grad(x), name="softplus_loss", arg="x", probes=3, stats=fast)
        check_gradient_full(f, x, grad(x), name="softplus_loss", arg="x", stats=full)
        label, full_name = "mean softplus (scalar)", "check_gradient_full"
    else:
        f, backward = tanh_layer(shape, rng)
        check_directional(f, x, backward(x), name="tanh_layer", arg="x", probes=3, stats=fast)
        check_vjp_full(f, x, backward(x), name="tanh_layer", arg="x", stats=full)
        label, full_name = f"tanh(W·x), {OUTPUTS} outputs", "check_vjp_full"
    size = "×".join(map(str, shape))
    return [
        (label, size, "check_directional (3 probes)", fast.evaluations, fast.seconds),
        (label, size, f"{full_name} (numdifftools)", full.evaluations, full.seconds),
    ]


def table(rows):
    """The rows as an aligned text table, with the full check's cost relative to the fast one."""
    header = ("function", "x", "check", "calls of f", "seconds", "× fast")
    lines, fast = [], {}
    for label, size, check, calls, seconds in rows:
        key = (label, size)
        if key not in fast:
            fast[key] = seconds
            ratio = ""
        else:
            ratio = f"{seconds / fast[key]:.0f}"
        lines.append((label, size, check, str(calls), f"{seconds:.4f}", ratio))
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]
    right = {3, 4, 5}

    def fmt(row):
        cells = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths)))
        return "  ".join(cells).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(r) for r in lines)])


def main(argv):
    shapes = SHAPES[:-1] if "--quick" in argv else SHAPES
    rows = []
    for kind in ("scalar", "vector"):
        for shape in shapes:
            rows += measure(shape, kind)
    print(table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
