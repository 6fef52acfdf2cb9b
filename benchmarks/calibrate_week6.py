"""Calibrate week 6's captioning thresholds: exact-caption accuracy, truthfulness and corpus BLEU-4
on held-out scenes, for correct captioners and weak ones, each trained with the rubric's
[captioner] recipe over several secrets.

    python benchmarks/calibrate_week6.py [--seeds 3] [--networks reference,alternative,...] [--set epochs=4 ...]

For every seed s the course secret is "calibrate-s" (grader.heldout: the training, validation and
test scenes are drawn from it), and each network is trained once with the rubric's recipe (its
recipe seed + s) through the grader's own loop (grader.training with a LocalSession: one thread, in
this process, on the CPU) and judged on the validation and test scenes as the checks do
(assignments/week6_captioning/public_captioning.py). It runs the course's own code (reference,
examples, the networks below): an instructor's tool, never pointed at student code. The figures go
into the comments of assignments/week6_captioning/rubric.toml.

Networks:
  reference     solutions/week6_captioning/captioning.py (CNN with batch norm, GRU reading its features at every step)
  alternative   examples/week6_captioning/alternative_correct/captioning.py (grid features, transformer decoder)
  blind         examples/week6_captioning/known_bad/captioner_ignores_the_image.py (the caption prior)
  pooled        the reference with its CNN's features averaged over the image (weak: where things are is lost)
  shallow       one convolution of 8 channels, pooled to 4×4 (weak: too little of the shapes survives)
"""

import argparse
import importlib.util
import os
import sys
import time
import tomllib
from pathlib import Path

import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader import training  # noqa: E402
from grader.registry import load_checks  # noqa: E402

WEEK = "week6_captioning"
PRELUDE = "import torch\nfrom torch import nn\n"


def load(path: Path, name: str, prelude: str = "", base: str = ""):
    """A module from `path` (after the text of `base` and `prelude`: a known-bad patch replaces the reference's definitions)."""
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(prelude + base + "\n" + path.read_text(), str(path), "exec"), module.__dict__)
    return module


def checks_module():
    """The week's public check module (its data, encoding and judging)."""
    load_checks(ROOT / "assignments" / WEEK, include_hidden=False)
    return next(m for name, m in sys.modules.items() if name.endswith(".public_captioning"))


def builders():
    reference = ROOT / "solutions" / WEEK / "captioning.py"
    ref = lambda: load(reference, "reference").build_captioner  # noqa: E731
    found = {"reference": ref}
    alternative = ROOT / "examples" / WEEK / "alternative_correct" / "captioning.py"
    if alternative.exists():
        found["alternative"] = lambda: load(alternative, "alternative").build_captioner
    blind = ROOT / "examples" / WEEK / "known_bad" / "captioner_ignores_the_image.py"
    found["blind"] = lambda: load(blind, "blind", base=reference.read_text()).build_captioner

    def pooled():
        module = load(reference, "pooled")

        def build(vocab_size):
            model = module.build_captioner(vocab_size)
            convs = list(model.encoder)[:-3]  # the convolutions, without Flatten, Linear and ReLU
            model.encoder = nn.Sequential(*convs, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 128), nn.ReLU())
            return model
        return build

    def shallow():
        module = load(reference, "shallow")

        def build(vocab_size):
            model = module.build_captioner(vocab_size)
            model.encoder = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(8), nn.Flatten(),
                                          nn.Linear(8 * 16, 128), nn.ReLU())
            return model
        return build

    found.update(pooled=pooled, shallow=shallow)
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--networks", default="reference,alternative,blind,pooled,shallow")
    parser.add_argument("--set", nargs="*", default=[], help="[captioner] values to change, e.g. epochs=4")
    args = parser.parse_args()
    with open(ROOT / "assignments" / WEEK / "rubric.toml", "rb") as f:
        rubric = tomllib.load(f)
    cfg = rubric["captioner"]
    for item in args.set:
        key, _, value = item.partition("=")
        cfg[key] = type(cfg[key])(value)
    torch.set_num_threads(1)
    checks = checks_module()
    available = builders()
    names = [n for n in args.networks.split(",") if n in available]
    print(f"recipe: {checks.describe_recipe(cfg)}; thresholds {rubric['quality']}", flush=True)
    worst = {}
    for s in range(args.seeds):
        os.environ["DLGRADE_SECRET"] = f"calibrate-{s}"
        checks._scenes.cache_clear()
        X, drawn = checks.data(cfg, "train")
        ids = checks.encode([d.caption for d in drawn], cfg["max_words"])
        held = {split: checks.data(cfg, split) for split in checks.SPLITS}
        for name in names:
            session = training.LocalSession({"captioning": type("m", (), {"build_captioner": staticmethod(available[name]())})})
            recipe = checks.recipe({**cfg, "seed": cfg["seed"] + s})
            started = time.perf_counter()
            trained = training.train(session, "captioning.build_captioner", [len(checks.VOCAB)], recipe=recipe,
                                     X_train=X, y_train=ids)
            line = []
            for split, (images, scenes) in held.items():
                got = checks.words_of(training.generated_ids(session, trained, images, cfg["max_len"],
                                                             len(checks.VOCAB), what=name))
                j = checks.judged(got, scenes)
                for metric in checks.METRICS:
                    worst.setdefault(name, {}).setdefault(metric, []).append(j[metric])
                mistakes = " ".join(f"{m} {r:.3f}" for m, r in j["mistakes"].items())
                line.append(f"{split}: exact {j['exact']:.3f} truthful {j['truthful']:.3f} BLEU {j['bleu']:.3f} "
                            f"({mistakes})")
            print(f"seed {s} {name:12s} {time.perf_counter() - started:5.1f} s, final loss {trained.history[-1]:.3f}; "
                  + "; ".join(line), flush=True)
    for name, by_metric in worst.items():
        print(name, " ".join(f"{m} {min(v):.3f}–{max(v):.3f}" for m, v in by_metric.items()))


if __name__ == "__main__":
    main()
