"""Calibrate the numerical judgement of week 2's build_mlp (assignments/week2_neural_networks/
hidden_mlp.py, the [mlp] table of its rubric): how often one attempt fails a correct network, and
how surely it fails one whose backward does not match its forward.

    python benchmarks/calibrate_week2_gradients.py [--draws 400]

Each draw is one attempt as the check makes it, on NumPy networks written here (float64 and
float32) of the check's shape (10, [9, 7, 6], 4): He-normal W, b ~ N(0, 0.5²), x ~ N(0, 1) of 8
rows, then grader.gradcheck.check_directional (3 probes) with respect to x and to all the
parameters, at the rubric's step and tolerances, and at a tenth of the tolerances (the margin).
"Reused" networks (widths 7, 7, 7, so that nothing raises) run every hidden block's backward with
the last block's saved input, as one activation object in every block does. The figures go into
the comments of the rubric's [mlp] table.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import gradcheck  # noqa: E402
from grader.course import Week  # noqa: E402

ACTIVATIONS = {  # name -> (σ, σ')
    "LeakyReLU(0.2)": (lambda z: np.where(z > 0, z, 0.2 * z), lambda z: np.where(z > 0, 1.0, 0.2)),
    "ReLU6": (lambda z: np.clip(z, 0.0, 6.0), lambda z: ((z > 0) & (z < 6)).astype(float)),
    "softplus": (lambda z: np.logaddexp(0.0, z), lambda z: 0.5 * (1.0 + np.tanh(z / 2))),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2),
}


class Network:
    """Dense+activation blocks and a last Dense, computing in `dtype`; `reused` makes every hidden
    block's backward use the last hidden block's saved pre-activation."""

    def __init__(self, sizes, act, dtype, rng, reused=False):
        self.sizes, (self.f, self.df), self.dtype, self.reused = sizes, act, dtype, reused
        self.params = [rng.normal(0.0, np.sqrt(2.0 / a), size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]
        self.params += [rng.normal(0.0, 0.5, size=b) for b in sizes[1:]]
        self.params = [p.astype(dtype) for p in self.params]

    def forward(self, x):
        L = len(self.sizes) - 1
        h, self.inputs, self.z = np.asarray(x, dtype=self.dtype), [], []
        for k in range(L):
            self.inputs.append(h)
            z = h @ self.params[k] + self.params[L + k]
            self.z.append(z)
            h = self.f(z).astype(self.dtype) if k < L - 1 else z
        return h

    def backward(self, dout):
        L = len(self.sizes) - 1
        g, grads = np.asarray(dout, dtype=self.dtype), [None] * (2 * L)
        for k in reversed(range(L)):
            if k < L - 1:
                g = g * self.df(self.z[L - 2] if self.reused else self.z[k]).astype(self.dtype)
            grads[k], grads[L + k] = self.inputs[k].T @ g, g.sum(axis=0)
            g = g @ self.params[k].T
        self.grads = grads
        return g

    def theta(self):
        return np.concatenate([p.ravel().astype(np.float64) for p in self.params])

    def put(self, t):
        at = 0
        for p in self.params:
            p[...] = t[at:at + p.size].reshape(p.shape)  # rounded to dtype, as a float32 student's arrays are
            at += p.size


def attempt(net, x, seed, tol):
    """Whether one attempt passes (both directional checks)."""
    theta = net.theta()

    def vjp_x(v):
        net.forward(x)
        return net.backward(v)

    def forward_params(t):
        net.put(t)
        return net.forward(x)

    def vjp_params(v):
        net.put(theta)
        net.forward(x)
        net.backward(v)
        return np.concatenate([g.ravel().astype(np.float64) for g in net.grads])

    try:
        gradcheck.check_directional(net.forward, x, vjp_x, name="f", arg="x", rng=seed, **tol)
        gradcheck.check_directional(forward_params, theta, vjp_params, name="f", arg="params", rng=seed + 1, **tol)
        return True
    except gradcheck.GradientMismatch:
        return False
    finally:
        net.put(theta)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--draws", type=int, default=400)
    args = ap.parse_args()
    mlp = Week.load("week2", ROOT).rubric["mlp"]
    tol = {"rtol": mlp["fd_rtol"], "atol": mlp["fd_atol"], "eps": mlp["fd_step"]}
    tenth = dict(tol, rtol=tol["rtol"] / 10, atol=tol["atol"] / 10)
    print(f"step {tol['eps']:g}, rtol {tol['rtol']:g}, atol {tol['atol']:g}; {args.draws} draws; fraction of "
          "attempts failing at the rubric's tolerances and at a tenth of them")
    for reused, sizes in ((False, [10, 9, 7, 6, 4]), (True, [10, 7, 7, 7, 4])):
        for name, act in ACTIVATIONS.items():
            for dtype in (np.float64, np.float32):
                fails = np.zeros(2)
                for s in range(args.draws):
                    rng = np.random.default_rng(s)
                    net = Network(sizes, act, dtype, rng, reused=reused)
                    x = rng.normal(size=(8, sizes[0]))
                    fails += [not attempt(net, x, s, tol), not attempt(net, x, s, tenth)]
                label = f"{'reused ' if reused else ''}{name} {np.dtype(dtype).name}"
                print(f"{label:32s} {fails[0] / args.draws:7.2%} {fails[1] / args.draws:7.2%}")


if __name__ == "__main__":
    main()
