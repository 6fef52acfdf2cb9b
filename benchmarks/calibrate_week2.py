"""Calibrate week 2's accuracy threshold: held-out accuracy of the reference build_mlp, of
the independently written correct submission and of deliberately weak networks, each
trained by the grader's own loop (grader/trainers.py) with the week's recipe, over
several seeds.

    python benchmarks/calibrate_week2.py [--seeds 10]

Runs the course's own code (reference and example submissions) in this process: it is an
instructor's tool, never pointed at student code. The figures go into the comments of
assignments/week2_neural_networks/rubric.toml.
"""

import argparse
import importlib
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.cli import apply_known_bad  # noqa: E402
from grader.course import Week  # noqa: E402
from grader.datasets import digits  # noqa: E402
from grader.trainers import numpy_classifier  # noqa: E402

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


def measure(build_mlp, recipe, seeds):
    """(validation accuracies, test accuracies, seconds per run): trained on train (seed s) and on
    train+val (seed s + 1), as the public and the hidden check do with seeds 0 and 1."""
    d = digits()
    X_tv = np.concatenate([d["X_train"], d["X_val"]])
    y_tv = np.concatenate([d["y_train"], d["y_val"]])
    val, test, secs = [], [], []
    for s in seeds:
        for X, y, X_eval, y_eval, seed, out in ((d["X_train"], d["y_train"], d["X_val"], d["y_val"], s, val),
                                                 (X_tv, y_tv, d["X_test"], d["y_test"], s + 1, test)):
            t = time.perf_counter()
            try:
                with np.errstate(all="ignore"):
                    result = numpy_classifier(build_mlp, ARCHITECTURE, {}, X, y, X_eval, dict(recipe, seed=seed))
                out.append(float(np.mean(result["predictions"] == y_eval)))
            except FloatingPointError:  # the loss diverged: the grader reports an error, no accuracy
                out.append(0.0)
            secs.append(time.perf_counter() - t)
    return np.array(val), np.array(test), np.array(secs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args()
    week = Week.load("week2", ROOT)
    rubric = week.rubric["training"]
    threshold = rubric["accuracy_threshold"]
    recipe = {"epochs": rubric["epochs"], "batch_size": rubric["batch_size"], "lr": rubric["lr"],
              "momentum": rubric["momentum"], "weight_decay": 0.0, "max_seconds": rubric["max_seconds"]}
    seeds = range(args.seeds)
    with tempfile.TemporaryDirectory() as tmp:
        models = {"reference": week.solution_dir,
                  "alternative_correct": ROOT / "examples" / week.name / "alternative_correct"}
        for name in WEAK:
            patch = ROOT / "examples" / week.name / "known_bad" / f"{name}.py"
            models[name] = apply_known_bad(week, patch, Path(tmp) / f"m_{name}" / week.name)
        print(f"threshold {threshold:.3f}; {args.seeds} seeds; build_mlp{tuple(ARCHITECTURE)} trained by the grader's "
              f"loop ({recipe['epochs']} epochs, batch {recipe['batch_size']}, lr {recipe['lr']}, momentum "
              f"{recipe['momentum']}); accuracy on validation (trained on train) and test (trained on train+val)")
        print(f"{'model':34s} {'val min':>8s} {'val mean':>8s} {'test min':>8s} {'test mean':>9s} "
              f"{'max val/test':>12s} {'s/run':>6s}")
        for i, (label, folder) in enumerate(models.items()):
            mlp = load_mlp(Path(folder), f"_calibrate_week2_{i}")
            val, test, secs = measure(mlp.build_mlp, recipe, seeds)
            print(f"{label:34s} {val.min():8.3f} {val.mean():8.3f} {test.min():8.3f} {test.mean():9.3f} "
                  f"{max(val.max(), test.max()):12.3f} {secs.mean():6.3f}")
        print("margins: the correct models' worst run minus the threshold, and the threshold minus the best weak run "
              "that the threshold is meant to stop; record them in the rubric")


if __name__ == "__main__":
    main()
