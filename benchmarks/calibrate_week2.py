"""Calibrate week 2's accuracy threshold: held-out accuracy of the reference build_mlp, of
the independently written correct submission and of deliberately weak networks, each
trained by the grader's own loop (grader.training.train, in this process through a
LocalSession) with the week's recipe, over several seeds: seed s is the course secret
"calibrate-s" (grader.heldout: its split and rotation of the digits) and the recipe's seed.

    python benchmarks/calibrate_week2.py [--seeds 10]

Runs the course's own code (reference and example submissions) in this process: it is an
instructor's tool, never pointed at student code. The figures go into the comments of
assignments/week2_neural_networks/rubric.toml.
"""

import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.cli import apply_known_bad  # noqa: E402
from grader.course import Week  # noqa: E402
from grader import heldout, training  # noqa: E402
from grader.heldout import DIGITS_NOISE  # noqa: E402

# Known-bad examples whose network still trains, with something wrong in it.
WEAK = ["mlp_without_activations", "mlp_relu_on_logits", "dense_grads_averaged_over_batch",
        "dense_backward_forgets_bias", "dense_grads_accumulate", "sequential_gradients_cached",
        "sequential_parameters_copies"]
ARCHITECTURE = [64, [64], 10]


def load_mlp(folder: Path, alias: str):
    """The mlp module of the week package in `folder`, imported under a fresh package name."""
    spec = importlib.util.spec_from_file_location(alias, folder / "__init__.py", submodule_search_locations=[str(folder)])
    package = importlib.util.module_from_spec(spec)
    sys.modules[alias] = package
    spec.loader.exec_module(package)
    return importlib.import_module(f"{alias}.mlp")


NOISE = None  # set from --noise


def measure(mlp, recipe, seeds):
    """(validation accuracies, test accuracies, seconds per run): one training run on the training split
    per seed, judged on the validation and the test split, as the public and the hidden check do."""
    val, test, secs = [], [], []
    session = training.LocalSession({"mlp": mlp})
    for s in seeds:
        os.environ["DLGRADE_SECRET"] = f"calibrate-{s}"
        d = heldout.digits(NOISE)
        t = time.perf_counter()
        try:
            with np.errstate(all="ignore"):
                trained = training.train(session, "mlp.build_mlp", ARCHITECTURE,
                                         recipe=training.Recipe(**recipe, seed=s), X_train=d["X_train"],
                                         y_train=d["y_train"])
            for split, out in (("val", val), ("test", test)):
                logits = training.evaluate(session, trained, d[f"X_{split}"])
                out.append(float(np.mean(np.argmax(logits, 1) == d[f"y_{split}"])))
        except training.CheckFailed:  # the loss diverged: the grader reports it, no accuracy
            val.append(0.0)
            test.append(0.0)
        secs.append(time.perf_counter() - t)
    return np.array(val), np.array(test), np.array(secs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--noise", type=float, default=None,
                    help="the digits' noise (default grader.heldout.DIGITS_NOISE; 0 measures what the noise costs)")
    args = ap.parse_args()
    global NOISE
    NOISE = DIGITS_NOISE if args.noise is None else args.noise
    week = Week.load("week2", ROOT)
    rubric = week.rubric["training"]
    threshold = rubric["accuracy_threshold"]
    recipe = {"trainer": "numpy_classifier", "epochs": rubric["epochs"], "batch_size": rubric["batch_size"],
              "lr": rubric["lr"], "momentum": rubric["momentum"], "max_seconds": rubric["max_seconds"]}
    seeds = range(args.seeds)
    with tempfile.TemporaryDirectory() as tmp:
        models = {"reference": week.solution_dir,
                  "alternative_correct": ROOT / "examples" / week.name / "alternative_correct"}
        for name in WEAK:
            patch = ROOT / "examples" / week.name / "known_bad" / f"{name}.py"
            models[name] = apply_known_bad(week, patch, Path(tmp) / f"m_{name}" / week.name)
        print(f"threshold {threshold:.3f}; {args.seeds} seeds; build_mlp{tuple(ARCHITECTURE)} trained by the grader's "
              f"loop ({recipe['epochs']} epochs, batch {recipe['batch_size']}, lr {recipe['lr']}, momentum "
              f"{recipe['momentum']}); accuracy on validation and test of one run trained on train")
        print(f"{'model':34s} {'val min':>8s} {'val mean':>8s} {'test min':>8s} {'test mean':>9s} "
              f"{'max val/test':>12s} {'s/run':>6s}")
        for i, (label, folder) in enumerate(models.items()):
            mlp = load_mlp(Path(folder), f"_calibrate_week2_{i}")
            val, test, secs = measure(mlp, recipe, seeds)
            print(f"{label:34s} {val.min():8.3f} {val.mean():8.3f} {test.min():8.3f} {test.mean():9.3f} "
                  f"{max(val.max(), test.max()):12.3f} {secs.mean():6.3f}")
        print("margins: the correct models' worst run minus the threshold, and the threshold minus the best weak run "
              "that the threshold is meant to stop; record them in the rubric")


if __name__ == "__main__":
    main()
