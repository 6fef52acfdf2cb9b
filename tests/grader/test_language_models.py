"""Training and judging language models (grader.training's torch_lm trainer, next_token_logits,
lookahead, bits_per_character) on small models run by a real sandbox: the grader's loss, causal
evaluation that never shows the model a character after the one it predicts, and the look-ahead
measure that tells a causal model from one that reads later ids."""

import textwrap

import numpy as np
import pytest
import torch

from grader.datasets import markov_text
from grader.registry import CheckFailed
from grader.sandbox import Limits, Sandbox, Session, StudentError
from grader.training import Recipe, Trained, bits_per_character, evaluate, lookahead, next_token_logits, train

MODEL = '''
import torch
from torch import nn

SEEN = {"longest": 0}


class LSTM(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(vocab_size, 16), nn.LSTM(16, 32, batch_first=True)
        self.out = nn.Linear(32, vocab_size)

    def forward(self, ids):
        return self.out(self.rnn(self.embed(ids))[0])


class BiGRU(nn.Module):
    def __init__(self, vocab_size):
        super().__init__()
        self.embed, self.rnn = nn.Embedding(vocab_size, 16), nn.GRU(16, 16, batch_first=True, bidirectional=True)
        self.out = nn.Linear(32, vocab_size)

    def forward(self, ids):
        return self.out(self.rnn(self.embed(ids))[0])


class Spy(nn.Module):
    """Logit 0: the longest input this process has been shown so far; logit 1: this input's length."""

    def __init__(self, vocab_size):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(vocab_size))

    def forward(self, ids):
        SEEN["longest"] = max(SEEN["longest"], ids.shape[1])
        out = self.bias.expand(*ids.shape, -1).clone()
        out[..., 0] = float(SEEN["longest"])
        out[..., 1] = float(ids.shape[1])
        return out


class LastOnly(LSTM):
    def forward(self, ids):
        return super().forward(ids)[:, -1]


def build(vocab_size):
    return LSTM(vocab_size)


def build_bidirectional(vocab_size):
    return BiGRU(vocab_size)


def build_spy(vocab_size):
    return Spy(vocab_size)


def build_last_only(vocab_size):
    return LastOnly(vocab_size)
'''


@pytest.fixture
def sub(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(textwrap.dedent(MODEL))
    with Sandbox(folder, "pkg", ["mod"], Limits(call_seconds=120, memory_mb=8192), preload=("numpy", "torch")) as box:
        session = Session(box)
        yield session
        session.close()


SOURCE = markov_text(0)
TEXT = SOURCE.sequences(600, 17, seed=1)
HELD = SOURCE.sequences(200, 17, seed=2)
RECIPE = Recipe(trainer="torch_lm", epochs=4, batch_size=32, lr=1e-2, optimizer="adam", max_seconds=120)


def untrained(builder):
    return Trained(builder=builder, args=[SOURCE.vocab_size], kwargs={}, recipe=RECIPE, params=[])


def test_a_language_model_learns_from_the_graders_loss(sub):
    """Does the torch_lm trainer bring the held-out bits per character of a small LSTM, judged causally from
    position `order` on, below what the characters' frequencies give, which it scores worse than as built?"""
    k = SOURCE.order
    trained = train(sub, "mod.build", [SOURCE.vocab_size], recipe=RECIPE, X_train=TEXT, y_train=None)
    before = bits_per_character(next_token_logits(sub, trained, HELD, first=k, what="lm", untrained=True), HELD[:, k:])
    after = bits_per_character(next_token_logits(sub, trained, HELD, first=k, what="lm"), HELD[:, k:])
    assert trained.history[-1] < trained.history[0]
    # as built no better than the characters' frequencies; trained, better than them
    assert after < SOURCE.conditional_entropy(0) - 0.1 < before


def test_causal_evaluation_never_shows_a_later_id(sub):
    """Does the worker that gives the logits after a prefix of L ids never have been shown more than L ids,
    even after a whole-sequence evaluation of the same model (each evaluation has a fresh worker)?"""
    model = untrained("mod.build_spy")
    full = evaluate(sub, model, HELD[:5], untrained=True)
    assert np.all(np.asarray(full)[..., 0] == HELD.shape[1])  # the spy reports what it saw
    logits = next_token_logits(sub, model, HELD[:5], first=3, what="spy", untrained=True)
    lengths = np.arange(3, HELD.shape[1])
    assert logits.shape == (5, len(lengths), SOURCE.vocab_size)
    assert np.array_equal(logits[..., 0], np.broadcast_to(lengths, (5, len(lengths))))
    assert np.array_equal(logits[..., 1], logits[..., 0])


def test_lookahead_tells_a_bidirectional_model_from_a_causal_one(sub):
    """Is the look-ahead of a causal LSTM float rounding, and that of a bidirectional GRU the logits' own size?"""
    causal, _, full = lookahead(sub, untrained("mod.build"), TEXT[:8], what="lstm", untrained=True)
    peeking, position, _ = lookahead(sub, untrained("mod.build_bidirectional"), TEXT[:8], what="bigru", untrained=True)
    assert causal < 1e-5 and peeking > 1e-2 and 0 <= position < TEXT.shape[1] - 1
    assert full.shape == (8, TEXT.shape[1], SOURCE.vocab_size)


def test_logits_of_the_wrong_shape_fail_clearly(sub):
    """Is a model that returns the last position's logits only (N, V) refused in training and in evaluation,
    saying that logits of shape (N, T, V) are expected?"""
    with pytest.raises(StudentError, match=r"expected logits of shape \(N, T, V\)"):
        train(sub, "mod.build_last_only", [SOURCE.vocab_size], recipe=RECIPE, X_train=TEXT, y_train=None)
    with pytest.raises((StudentError, CheckFailed), match=r"\(N, T, V\)"):
        next_token_logits(sub, untrained("mod.build_last_only"), HELD[:4], first=3, what="lm", untrained=True)


def test_bits_per_character_is_the_cross_entropy_in_bits():
    """Does bits_per_character equal torch's cross-entropy divided by ln 2, finite for logits of 1e4?"""
    rng = np.random.default_rng(0)
    logits, targets = rng.normal(size=(4, 6, 8)) * 1e4, rng.integers(0, 8, size=(4, 6))
    expected = torch.nn.functional.cross_entropy(torch.tensor(logits).reshape(-1, 8), torch.tensor(targets).reshape(-1))
    assert bits_per_character(logits, targets) == pytest.approx(expected.item() / np.log(2), rel=1e-12)
