"""Calibrate week 4's thresholds: held-out reconstruction MSE of autoencoders (against PCA with
the same code size), the denoiser's MSE against the clean images, same-class precision@k of
retrieval in code space, and the negative ELBO per image of VAEs, each trained with the rubric's
recipe over several secrets.

    python benchmarks/calibrate_week4.py [--seeds 5] [--parts autoencoder,denoising,vae] [--set autoencoder.epochs=20 ...]

For every seed s the course secret is "calibrate-s" (grader.heldout: the training, validation and
test images are drawn from it), and each network is trained once with the rubric's recipe (its
recipe seed + s) and judged on the validation and the test images, as the checks do: an encoder
and its decoder each run by a fresh evaluation. Training runs in this process with one thread, as
in the sandbox, through the grader's own loop (grader.training with a LocalSession), on the CPU. It
runs the course's own code (reference, examples, the networks below): an instructor's tool, never
pointed at student code. The figures go into the comments of assignments/week4_autoencoders/rubric.toml.

Networks:
  reference        solutions/week4_autoencoders (MLP autoencoder and VAE)
  conv             examples/week4_autoencoders/conv_networks (convolutional autoencoder and VAE)
  alternative      examples/week4_autoencoders/alternative_correct (LeakyReLU MLP autoencoder, one-hidden-layer ELU VAE)
  linear           examples/week4_autoencoders/known_bad/autoencoder_is_linear.py (autoencoder only)
  pca              PCA with the same code size, fitted on the training images (autoencoder, denoising)
  z_ignored        a VAE whose decoder ignores z (the best it can do is the mean image; VAE only)
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

WEEK = "week4_autoencoders"


def load(path: Path, name: str, prelude: str = ""):
    """A module from `path` (with `prelude` prepended: a known-bad patch needs the reference's imports)."""
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(prelude + path.read_text(), str(path), "exec"), module.__dict__)
    return module


class ZIgnored(nn.Module):
    """A VAE whose decoder's output does not depend on z: logits of one image for all."""

    def __init__(self, input_shape, latent_dim):
        super().__init__()
        self.latent_dim = latent_dim
        self.mu = nn.Linear(1, latent_dim)
        self.logits = nn.Parameter(torch.zeros(input_shape))

    def encode(self, x):
        ones = torch.ones(len(x), 1, dtype=x.dtype, device=x.device)
        return self.mu(ones) * 0, self.mu(ones) * 0

    def decode(self, z):
        return self.logits.expand(len(z), *self.logits.shape)


def modules(name: str) -> dict:
    reference = ROOT / "solutions" / WEEK
    if name == "reference":
        return {m: load(reference / f"{m}.py", m) for m in ("autoencoder", "vae", "retrieval")}
    if name in ("conv", "alternative"):
        folder = ROOT / "examples" / WEEK / {"conv": "conv_networks", "alternative": "alternative_correct"}[name]
        return {m: load(folder / f"{m}.py", m) for m in ("autoencoder", "vae", "retrieval")}
    if name == "linear":
        base = modules("reference")
        patch = ROOT / "examples" / WEEK / "known_bad" / "autoencoder_is_linear.py"
        prelude = "import math\nimport torch\nfrom torch import nn\n"
        return {**base, "autoencoder": load(patch, "autoencoder", prelude)}
    if name == "z_ignored":
        base = modules("reference")
        vae = load(ROOT / "solutions" / WEEK / "vae.py", "vae")
        vae.build_vae = ZIgnored
        return {**base, "vae": vae}
    raise ValueError(name)


def pca_mse(X_train, X_eval, k, target=None):
    A = X_train.reshape(len(X_train), -1).astype(np.float64)
    B = X_eval.reshape(len(X_eval), -1).astype(np.float64)
    mean = A.mean(axis=0)
    _, _, vt = np.linalg.svd(A - mean, full_matrices=False)
    R = (B - mean) @ vt[:k].T @ vt[:k] + mean
    T = B if target is None else target.reshape(len(target), -1)
    return float(((R - T) ** 2).mean()), (A - mean) @ vt[:k].T, (B - mean) @ vt[:k].T


def precision(nn_module, codes_db, codes_q, y_db, y_q, k):
    idx = np.asarray(nn_module.nearest_neighbors(codes_db, codes_q, k))
    return float((y_db[idx] == y_q[:, None]).mean())


def data(cfg, split):
    n = {"train": cfg["n_train"], "val": cfg["n_val"], "test": cfg["n_test"]}[split]
    return heldout.shapes(n, cfg["size"], f"week4.shapes.{split}", channels=1, background=cfg["background"],
                          foreground=cfg["foreground"])


def recipe(cfg, trainer, seed, **extra):
    return training.Recipe(trainer=trainer, epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                           optimizer="adam", seed=cfg["seed"] + seed, max_seconds=cfg["max_seconds"], **extra)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--parts", default="autoencoder,denoising,vae")
    parser.add_argument("--models", default="reference,conv,linear,pca,z_ignored")
    parser.add_argument("--set", nargs="*", default=[], help="TABLE.KEY=VALUE overrides of the rubric")
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open(ROOT / "assignments" / WEEK / "rubric.toml", "rb") as f:
        rubric = tomllib.load(f)
    for item in args.set:
        key, value = item.split("=")
        table, key = key.split(".")
        rubric[table][key] = type(rubric[table][key])(float(value)) if not isinstance(rubric[table][key], str) else value
    parts, models = args.parts.split(","), args.models.split(",")
    d, rows = rubric["data"], []
    for s in range(args.seeds):
        os.environ["DLGRADE_SECRET"] = f"calibrate-{s}"
        heldout._shapes.cache_clear()
        X_train, y_train = data(d, "train")
        evals = {split: data(d, split) for split in ("val", "test")}
        noise_rng = np.random.default_rng(1000 + s)
        for model in models:
            if model == "pca":
                for part in ("autoencoder", "denoising"):
                    if part not in parts:
                        continue
                    cfg = rubric[part]
                    for split, (X, y) in evals.items():
                        if part == "autoencoder":
                            mse, codes_db, codes_q = pca_mse(X_train, X, cfg["code_size"])
                            ref = modules("reference")["retrieval"]
                            p = precision(ref, codes_db, codes_q, y_train, y, rubric["retrieval"]["k"])
                            rows.append((s, part, model, split, mse, 0.0))
                            rows.append((s, "retrieval", model, split, p, 0.0))
                        else:
                            noisy = X + cfg["sigma"] * noise_rng.standard_normal(X.shape)
                            mse, _, _ = pca_mse(X_train, noisy, cfg["code_size"], target=X)
                            rows.append((s, part, model, split, mse, 0.0))
                            rows.append((s, part, "noisy input", split, float(((noisy - X) ** 2).mean()), 0.0))
                continue
            mods = modules(model)
            sess = training.LocalSession(mods)
            for part in parts:
                if part in ("autoencoder", "denoising") and model in ("reference", "conv", "alternative", "linear") and \
                        not (part == "denoising" and model == "linear"):
                    cfg = rubric[part]
                    r = recipe(cfg, "torch_regression", s, form="pair", input_noise=cfg.get("sigma", 0.0))
                    started = time.time()
                    trained = training.train(sess, "autoencoder.build_autoencoder", [(1, d["size"], d["size"]),
                                             cfg["code_size"]], recipe=r, X_train=X_train, y_train=X_train)
                    seconds = time.time() - started
                    for split, (X, y) in evals.items():
                        inputs = X if part == "autoencoder" else \
                            (X + cfg["sigma"] * noise_rng.standard_normal(X.shape)).astype(np.float32)
                        out = training.reconstruct(sess, trained, inputs, cfg["code_size"], what=model)
                        rows.append((s, part, model, split, float(((out - X) ** 2).mean()), seconds))
                        for control in ("untrained", "scrambled"):
                            extra = {"untrained": True} if control == "untrained" else \
                                {"params": training.scrambled_parameters(trained, np.random.default_rng(s))}
                            out = training.reconstruct(sess, trained, inputs, cfg["code_size"], what=model, **extra)
                            rows.append((s, part, f"{model} {control}", split, float(((out - X) ** 2).mean()), 0.0))
                        if part == "autoencoder":
                            k = rubric["retrieval"]["k"]
                            db = training.codes(sess, trained, X_train, cfg["code_size"], what=model)
                            q = training.codes(sess, trained, X, cfg["code_size"], what=model)
                            rows.append((s, "retrieval", model, split, precision(mods["retrieval"], db, q, y_train, y, k), 0))
                            q = training.codes(sess, trained, X, cfg["code_size"], what=model, untrained=True)
                            db = training.codes(sess, trained, X_train, cfg["code_size"], what=model, untrained=True)
                            rows.append((s, "retrieval", f"{model} untrained", split,
                                         precision(mods["retrieval"], db, q, y_train, y, k), 0))
                if part == "vae" and model in ("reference", "conv", "alternative", "z_ignored"):
                    cfg = rubric["vae_train"]
                    r = recipe(cfg, "torch_vae", s)
                    started = time.time()
                    trained = training.train(sess, "vae.build_vae", [(1, d["size"], d["size"]), cfg["latent_dim"]],
                                             recipe=r, X_train=X_train, y_train=None)
                    seconds = time.time() - started
                    for split, (X, y) in evals.items():
                        kw = dict(what=model, samples=cfg["samples"], seed=s)
                        rng = np.random.default_rng(s)
                        for label, extra in (("", {}), (" untrained", {"untrained": True}),
                                             (" scrambled", {"params": training.scrambled_parameters(trained, rng)})):
                            value = training.negative_elbo(sess, trained, {"X": X}, cfg["latent_dim"], **kw, **extra)["X"]
                            rows.append((s, "vae", model + label, split, value, 0 if label else seconds))
            for row in rows:
                if row[0] == s and row[2].split()[0] == model:
                    print(f"secret {row[0]}  {row[1]:<12} {row[2]:<22} {row[3]:<5} {row[4]:.5g}"
                          + (f"  ({row[5]:.1f} s training)" if row[5] else ""), flush=True)
    print("\nsummary: min / mean / max over secrets and splits (thresholds from the rubric)")
    thresholds = {"autoencoder": rubric["autoencoder"]["mse_threshold"],
                  "denoising": rubric["denoising"]["mse_threshold"],
                  "retrieval": rubric["retrieval"]["precision_threshold"], "vae": rubric["vae_train"]["nelbo_threshold"]}
    for part in ("autoencoder", "denoising", "retrieval", "vae"):
        for model in dict.fromkeys(r[2] for r in rows if r[1] == part):
            values = np.array([r[4] for r in rows if r[1] == part and r[2] == model])
            times = [r[5] for r in rows if r[1] == part and r[2] == model and r[5]]
            t = f"  {np.mean(times):.1f} s/run" if times else ""
            print(f"  {part:<12} {model:<22} {values.min():.5g} / {values.mean():.5g} / {values.max():.5g}"
                  f"   (threshold {thresholds[part]}){t}")


if __name__ == "__main__":
    main()
