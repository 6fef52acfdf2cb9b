"""Calibrate week 3's accuracy threshold: held-out accuracy of the reference build_cnn,
of other CNNs, and of same-budget MLPs, trained with the week's fixed recipe, over several seeds.

    python benchmarks/calibrate_week3.py [--seeds 5] [--models reference,mlp_24k,...] [--set epochs=6 ...]

For every seed s the course secret is "calibrate-s" (grader.heldout: the training, validation and
test images are drawn from it), and each model is trained once with the rubric's recipe (recipe
seed s) and judged on the validation and on the test images, as the checks do. Training runs in
this process with one thread, as in the sandbox, through the grader's own loop
(grader.training.train with a LocalSession), on the CPU. It runs the course's own code
(reference, examples, the models below): an instructor's tool, never pointed at student code. The
figures go into the comments of assignments/week3_cnn/rubric.toml.

Models:
  reference            solutions/week3_cnn/models.py
  alternative_correct  examples/week3_cnn/alternative_correct/models.py (average pooling, a residual block)
  sequential_body      examples/week3_cnn/sequential_body/models.py (its ResidualBlock between two max poolings)
  cnn_no_batchnorm     conv-ReLU-maxpool ×2, conv-ReLU, global average pooling (a plain textbook CNN)
  lenet                5×5 convolutions, average pooling to 4×4, two Linear layers
  mlp_24k              examples/week3_cnn/known_bad/cnn_is_an_mlp.py (≈ the reference's parameter count)
  mlp_1.6m             the same MLP with 512 hidden units (65 times the reference's parameters)
"""

import argparse
import importlib.util
import os
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import heldout, training  # noqa: E402


def load(path: Path, name: str, prelude: str = ""):
    """A module from `path` (with `prelude` prepended: a known-bad patch needs the reference's imports)."""
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(prelude + path.read_text(), str(path), "exec"), module.__dict__)
    return module


def cnn_no_batchnorm(c, k):
    return nn.Sequential(nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, k))


def lenet(c, k):
    return nn.Sequential(nn.Conv2d(c, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.AdaptiveAvgPool2d(4), nn.Flatten(),
                         nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, k))


def mlp(hidden):
    def build(c, k):
        return nn.Sequential(nn.AdaptiveAvgPool2d(32), nn.Flatten(), nn.Linear(c * 32 * 32, hidden), nn.ReLU(),
                             nn.Linear(hidden, k))
    return build


def builders():
    reference = load(ROOT / "solutions" / "week3_cnn" / "models.py", "reference_models")
    alternative = load(ROOT / "examples" / "week3_cnn" / "alternative_correct" / "models.py", "alternative_models")
    sequential = load(ROOT / "examples" / "week3_cnn" / "sequential_body" / "models.py", "sequential_models")
    mlp_patch = load(ROOT / "examples" / "week3_cnn" / "known_bad" / "cnn_is_an_mlp.py", "mlp_models",
                     prelude="from torch import nn\n")
    return {"reference": reference.build_cnn, "alternative_correct": alternative.build_cnn,
            "sequential_body": sequential.build_cnn,
            "cnn_no_batchnorm": cnn_no_batchnorm, "lenet": lenet, "mlp_24k": mlp_patch.build_cnn,
            "mlp_1.6m": mlp(512)}


def params(builder):
    model = builder(3, 4)
    model(torch.zeros(1, 3, 32, 32))  # materialise lazy layers, if any
    return sum(p.numel() for p in model.parameters())


def run(builder, cfg, seed):
    """Train `builder` once with the rubric's recipe on the images drawn from the secret "calibrate-<seed>";
    return (validation accuracy, test accuracy, seconds of the run)."""
    os.environ["DLGRADE_SECRET"] = f"calibrate-{seed}"
    data = {split: heldout.shapes(cfg[f"n_{split}"], cfg["size"], f"week3.shapes.{split}")
            for split in ("train", "val", "test")}
    X, y = data["train"]
    recipe = training.Recipe(trainer="torch_classifier", epochs=cfg["epochs"], batch_size=cfg["batch_size"],
                             lr=cfg["lr"], optimizer="adam", seed=seed, max_seconds=cfg["max_seconds"])
    session = training.LocalSession({"m": type("m", (), {"build": staticmethod(builder)})})
    t = time.perf_counter()
    trained = training.train(session, "m.build", [X.shape[1], int(y.max()) + 1], recipe=recipe, X_train=X, y_train=y)
    seconds = time.perf_counter() - t
    accs = [float(np.mean(np.argmax(training.evaluate(session, trained, data[s][0]), 1) == data[s][1]))
            for s in ("val", "test")]
    return accs[0], accs[1], seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--models", default="reference,alternative_correct,cnn_no_batchnorm,lenet,mlp_24k,mlp_1.6m")
    ap.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                    help="override entries of the rubric's [cnn] table (e.g. epochs=6 n_train=1000), as the tests do")
    args = ap.parse_args()
    torch.set_num_threads(1)  # the sandbox runs student code with one thread
    cfg = tomllib.loads((ROOT / "assignments" / "week3_cnn" / "rubric.toml").read_text())["cnn"]
    for item in args.set:
        key, _, value = item.partition("=")
        cfg[key] = type(cfg[key])(value)
    threshold = cfg["accuracy_threshold"]
    table = builders()
    print(f"threshold {threshold:.3f}; {args.seeds} seeds; {cfg['epochs']} epochs, batch {cfg['batch_size']}, Adam lr "
          f"{cfg['lr']:g}; {cfg['n_train']} training images of {cfg['size']}×{cfg['size']}; CPU, 1 thread")
    print(f"{'model':20s} {'params':>9s} {'val min':>8s} {'val mean':>8s} {'test min':>8s} {'test mean':>9s} "
          f"{'max':>6s} {'s/run':>6s}")
    for name in args.models.split(","):
        builder = table[name]
        val, test, secs = [], [], []
        for s in range(args.seeds):
            v, t, sec = run(builder, cfg, s)
            val.append(v)
            test.append(t)
            secs.append(sec)
        print(f"{name:20s} {params(builder):9d} {min(val):8.3f} {np.mean(val):8.3f} {min(test):8.3f} "
              f"{np.mean(test):9.3f} {max(val + test):6.3f} {np.mean(secs):6.1f}", flush=True)
    print("margins: the reference's worst run minus the threshold, and the threshold minus the best MLP run; "
          "record them in the rubric")


if __name__ == "__main__":
    main()
