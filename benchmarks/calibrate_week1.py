"""Calibrate week 1's accuracy threshold: held-out accuracy of the reference
train_softmax_classifier and of deliberately weak models, over several seeds.

    python benchmarks/calibrate_week1.py [--seeds 10]

Seed s is the course secret "calibrate-s" (grader.heldout: the split, noise and rotation of the
digits the checks use) and the rng seed of the training runs.

Runs the course's own code (reference and known-bad examples) in this process:
it is an instructor's tool, never pointed at student code. The figures go into
the comments of assignments/week1_linear_models/rubric.toml.
"""

import argparse
import importlib
import os
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.cli import apply_known_bad  # noqa: E402
from grader.course import Week  # noqa: E402
from grader.heldout import DIGITS_NOISE, digits  # noqa: E402

WEAK = ["train_softmax_undertrained", "train_softmax_labels_off_by_one", "train_softmax_bias_last"]


def load_training(folder: Path):
    """The training module of the week package in `folder`, imported by its folder name."""
    sys.path.insert(0, str(folder.parent))
    try:
        return importlib.import_module(f"{folder.name}.training")
    finally:
        sys.path.pop(0)


def accuracy(W, X, y):
    return float(np.mean(np.argmax(W[0] + X @ W[1:], axis=1) == y))


NOISE = None  # set from --noise


def measure(train, seeds):
    val, test, secs = [], [], []
    for s in seeds:
        os.environ["DLGRADE_SECRET"] = f"calibrate-{s}"
        d = digits(NOISE)
        X_tv = np.concatenate([d["X_train"], d["X_val"]])
        y_tv = np.concatenate([d["y_train"], d["y_val"]])
        t = time.perf_counter()
        W = train(d["X_train"], d["y_train"], 10, np.random.default_rng(s))
        secs.append(time.perf_counter() - t)
        val.append(accuracy(W, d["X_val"], d["y_val"]))
        W = train(X_tv, y_tv, 10, np.random.default_rng(s + 99))
        test.append(accuracy(W, d["X_test"], d["y_test"]))
    return np.array(val), np.array(test), np.array(secs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--noise", type=float, default=None,
                    help="the digits' noise (default grader.heldout.DIGITS_NOISE; 0 measures what the noise costs)")
    args = ap.parse_args()
    global NOISE
    NOISE = DIGITS_NOISE if args.noise is None else args.noise
    week = Week.load("week1", ROOT)
    threshold = tomllib.loads((week.assignment_dir / "rubric.toml").read_text())["training"]["accuracy_threshold"]
    seeds = range(args.seeds)
    with tempfile.TemporaryDirectory() as tmp:
        models = {"reference": week.solution_dir}
        for name in WEAK:
            patch = ROOT / "examples" / week.name / "known_bad" / f"{name}.py"
            models[name] = apply_known_bad(week, patch, Path(tmp) / f"m_{name}" / week.name)
        print(f"threshold {threshold:.3f}; {args.seeds} seeds; accuracy on validation (trained on train) "
              f"and test (trained on train and validation)")
        print(f"{'model':36s} {'val min':>8s} {'val mean':>8s} {'test min':>8s} {'test mean':>9s} {'max val/test':>12s} {'s/run':>6s}")
        for label, folder in models.items():
            mod = load_training(folder)
            val, test, secs = measure(mod.train_softmax_classifier, seeds)
            print(f"{label:36s} {val.min():8.3f} {val.mean():8.3f} {test.min():8.3f} {test.mean():9.3f} "
                  f"{max(val.max(), test.max()):12.3f} {secs.mean():6.3f}")
            for m in [k for k in sys.modules if k.startswith(week.name)]:
                del sys.modules[m]
        print("margins: the reference's worst run minus the threshold, and the threshold minus the best weak run; "
              "record them in the rubric")


if __name__ == "__main__":
    main()
