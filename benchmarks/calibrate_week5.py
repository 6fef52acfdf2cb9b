"""Calibrate week 5's language-model threshold: held-out bits per character above the text
source's entropy rate H, for correct language models and weak ones, each trained with the
rubric's [char_lm] recipe over several secrets.

    python benchmarks/calibrate_week5.py [--seeds 3] [--networks reference,gru,...] [--set epochs=3 n_train=3000 ...]

For every seed s the course secret is "calibrate-s" (grader.heldout: the Markov chain itself and
the training, validation and test sequences are drawn from it), and each network is trained once
with the rubric's recipe (its recipe seed + s) through the grader's own loop (grader.training with a
LocalSession: one thread, in this process, on the CPU) and judged causally on the validation and the
test sequences, as the checks do (grader.training.next_token_logits). It runs the course's own code
(reference, examples, the networks below): an instructor's tool, never pointed at student code. The
figures go into the comments of assignments/week5_rnn/rubric.toml.

Networks:
  reference     solutions/week5_rnn/char_lm.py (embedding, one-layer LSTM of 128 units, linear read-out)
  alternative   examples/week5_rnn/alternative_correct/char_lm.py
  gru           embedding, one-layer GRU of 128 units
  conv          embedding, two causal convolutions of width 3 (receptive field 5), ReLU
  transformer   embedding + learned positions, two causal self-attention layers of width 64
  small_rnn     embedding of 16, a vanilla RNN of 32 units (weak: too small for the recipe's budget)
  bigram        examples/week5_rnn/known_bad/char_lm_bigram.py (sees one character)
  non_causal    examples/week5_rnn/known_bad/char_lm_convolution_padded_both_sides.py (looks ahead)
The best possible model of order k − 1 (and 1, a bigram) is printed for each chain: its entropy
H(X_t | k − 1 previous characters), computed exactly.
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

WEEK = "week5_rnn"
PRELUDE = "import torch\nfrom torch import nn\n"


def load(path: Path, name: str, prelude: str = ""):
    """A module from `path` (with `prelude` prepended: a known-bad patch needs the reference's imports)."""
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(prelude + path.read_text(), str(path), "exec"), module.__dict__)
    return module


class GRU(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(vocab_size, 32), nn.GRU(32, 128, batch_first=True)
        self.out = nn.Linear(128, vocab_size)

    def forward(self, ids):
        return self.out(self.rnn(self.embed(ids))[0])


class CausalConv(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, 32)
        self.convs = nn.ModuleList([nn.Conv1d(32, 128, 3), nn.Conv1d(128, 128, 3)])
        self.out = nn.Linear(128, vocab_size)

    def forward(self, ids):
        h = self.embed(ids).transpose(1, 2)
        for conv in self.convs:
            h = torch.relu(conv(nn.functional.pad(h, (2, 0))))  # padded on the left only
        return self.out(h.transpose(1, 2))


class Transformer(nn.Module):
    def __init__(self, vocab_size, width=64, max_len=64):
        super().__init__()
        self.embed, self.position = nn.Embedding(vocab_size, width), nn.Embedding(max_len, width)
        layer = nn.TransformerEncoderLayer(width, 4, 2 * width, dropout=0.0, batch_first=True)
        self.layers = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.out = nn.Linear(width, vocab_size)

    def forward(self, ids):
        T = ids.shape[1]
        h = self.embed(ids) + self.position(torch.arange(T, device=ids.device))
        mask = nn.Transformer.generate_square_subsequent_mask(T, device=ids.device)
        return self.out(self.layers(h, mask=mask, is_causal=True))


class SmallRNN(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(vocab_size, 16), nn.RNN(16, 32, batch_first=True)
        self.out = nn.Linear(32, vocab_size)

    def forward(self, ids):
        return self.out(self.rnn(self.embed(ids))[0])


def builders():
    examples = ROOT / "examples" / WEEK
    found = {"reference": lambda: load(ROOT / "solutions" / WEEK / "char_lm.py", "reference").build_char_lm}
    alternative = examples / "alternative_correct" / "char_lm.py"
    if alternative.exists():
        found["alternative"] = lambda: load(alternative, "alternative").build_char_lm
    found.update(gru=lambda: GRU, conv=lambda: CausalConv, transformer=lambda: Transformer, small_rnn=lambda: SmallRNN,
                 bigram=lambda: load(examples / "known_bad" / "char_lm_bigram.py", "bigram", PRELUDE).build_char_lm,
                 non_causal=lambda: load(examples / "known_bad" / "char_lm_convolution_padded_both_sides.py",
                                         "non_causal", PRELUDE).build_char_lm)
    return found


class Module:
    def __init__(self, fn):
        self.build_char_lm = fn


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--networks", default="reference,alternative,gru,conv,transformer,small_rnn,bigram,non_causal")
    parser.add_argument("--set", nargs="*", default=[], help="[char_lm] values to change, e.g. epochs=3")
    args = parser.parse_args()
    with open(ROOT / "assignments" / WEEK / "rubric.toml", "rb") as f:
        cfg = tomllib.load(f)["char_lm"]
    for item in args.set:
        key, value = item.split("=")
        cfg[key] = type(cfg[key])(float(value)) if isinstance(cfg[key], (int, float)) else value
    torch.set_num_threads(1)
    available = builders()
    names = [n for n in args.networks.split(",") if n in available]
    print(f"recipe: {cfg['epochs']} epochs, lr {cfg['lr']:g}, batch {cfg['batch_size']}, {cfg['n_train']} sequences of "
          f"{cfg['length']}; margin {cfg['margin']:g}")
    worst = {}
    for s in range(args.seeds):
        os.environ["DLGRADE_SECRET"] = f"calibrate-{s}"
        src = heldout.markov_text("week5.text", vocab_size=cfg["vocab_size"], order=cfg["order"],
                                  concentration=cfg["concentration"])
        k, H = src.order, src.entropy_rate()
        text = {split: src.sequences(cfg[f"n_{split}"], cfg["length"], heldout.secret_seed(f"week5.text.{split}"))
                for split in ("train", "val", "test")}
        print(f"seed {s}: H = {H:.4f}; best of order {k - 1}: H + {src.conditional_entropy(k - 1) - H:.3f}, "
              f"bigram: H + {src.conditional_entropy(1) - H:.3f}")
        for name in names:
            session = training.LocalSession({"char_lm": Module(available[name]())})
            recipe = training.Recipe(trainer="torch_lm", epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                                     optimizer="adam", seed=cfg["seed"] + s, max_seconds=1e9)
            started = time.monotonic()
            trained = training.train(session, "char_lm.build_char_lm", [src.vocab_size], recipe=recipe,
                                     X_train=text["train"], y_train=None, what=name)
            seconds = time.monotonic() - started
            excess = {}
            for split in ("val", "test"):
                logits = training.next_token_logits(session, trained, text[split], first=k, what=name)
                excess[split] = training.bits_per_character(logits, text[split][:, k:]) - H
            worst.setdefault(name, []).extend(excess.values())
            print(f"  {name:12s} val H + {excess['val']:.3f}  test H + {excess['test']:.3f}  "
                  f"(margin left {cfg['margin'] - max(excess.values()):+.3f}; trained in {seconds:.1f} s)", flush=True)
    print("worst excess over H per network:",
          ", ".join(f"{n} {max(v):.3f} (best {min(v):.3f})" for n, v in worst.items()))


if __name__ == "__main__":
    main()
