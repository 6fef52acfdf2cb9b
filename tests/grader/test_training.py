"""Training runs in the student's process with the grader's fixed loop; the judge
gets predictions only, and progress as it goes."""

import textwrap

import numpy as np
import pytest

from grader.datasets import digits
from grader.registry import CheckFailed
from grader.sandbox import Limits, Sandbox, Session
from grader.training import Recipe, accuracy, train_and_predict

MODEL = '''
import numpy as np

class Softmax:
    """A linear classifier with the parameters()/gradients() interface."""
    def __init__(self, d, k, rng):
        self.W = 0.01 * rng.normal(size=(d, k)); self.b = np.zeros(k)
        self.dW = np.zeros_like(self.W); self.db = np.zeros_like(self.b)
    def forward(self, x):
        self.x = x
        return x @ self.W + self.b
    def backward(self, dout):
        self.dW[...] = self.x.T @ dout; self.db[...] = dout.sum(0)
        return dout @ self.W.T
    def parameters(self):
        return [self.W, self.b]
    def gradients(self):
        return [self.dW, self.db]

def build(d, k, rng):
    return Softmax(d, k, rng)

def build_frozen(d, k, rng):
    m = Softmax(d, k, rng)
    m.parameters = lambda: [m.W.copy(), m.b.copy()]   # copies: updates never reach the model
    return m

def build_torch(d, k):
    import torch
    return torch.nn.Sequential(torch.nn.Linear(d, 32), torch.nn.ReLU(), torch.nn.Linear(32, k))

def build_slow(d, k, rng):
    import time
    m = Softmax(d, k, rng)
    forward = m.forward
    def slow(x):
        time.sleep(0.01)
        return forward(x)
    m.forward = slow
    return m

def not_a_module(d, k):
    return "model"
'''


@pytest.fixture
def sub(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(textwrap.dedent(MODEL))
    with Sandbox(folder, "pkg", ["mod"], Limits(call_seconds=60, memory_mb=8192)) as sandbox:
        session = Session(sandbox)
        yield session
        session.close()


D = digits()
NUMPY = Recipe(trainer="numpy_classifier", epochs=10, batch_size=32, lr=0.1, momentum=0.9, seed=0, max_seconds=60)


def run(sub, builder, recipe=NUMPY, args=(64, 10)):
    return train_and_predict(sub, builder, args, X_train=D["X_train"], y_train=D["y_train"], X_eval=D["X_val"],
                             recipe=recipe)


def test_numpy_trainer_trains_the_students_model(sub):
    """Does the fixed loop train a correct parameters()/gradients() model to a good held-out accuracy, reporting each epoch?"""
    seen = []
    sub.on_progress = seen.append
    result = run(sub, "mod.build")
    assert accuracy(result.predictions, D["y_val"]) > 0.9
    assert len(result.history) == 10 and result.history[-1] < result.history[0]
    assert [p["epoch"] for p in seen] == list(range(1, 11))
    assert not result.stopped_early


def test_numpy_trainer_is_reproducible(sub):
    """Does the same recipe give the same predictions twice?"""
    assert np.array_equal(run(sub, "mod.build").predictions, run(sub, "mod.build").predictions)


def test_parameters_that_are_copies_do_not_learn(sub):
    """Does a model whose parameters() returns copies stay at chance level?"""
    assert accuracy(run(sub, "mod.build_frozen").predictions, D["y_val"]) < 0.5


def test_torch_trainer(sub):
    """Does the torch trainer train an nn.Module on the CPU and predict held-out labels?"""
    recipe = Recipe(trainer="torch_classifier", epochs=5, batch_size=64, lr=1e-2, optimizer="adam", max_seconds=60)
    result = run(sub, "mod.build_torch", recipe)
    assert result.device == "cpu" and accuracy(result.predictions, D["y_val"]) > 0.85


def test_wall_time_cap_stops_training_early(sub):
    """Does a run past its wall-time cap stop after the current epoch and say so?"""
    recipe = Recipe(trainer="numpy_classifier", epochs=50, batch_size=32, lr=0.1, momentum=0.9, max_seconds=0.5)
    result = run(sub, "mod.build_slow", recipe)
    assert result.stopped_early and len(result.history) < 50


def test_builder_returning_something_else_fails_clearly(sub):
    """Is a builder that returns no nn.Module reported, naming what it returned?"""
    recipe = Recipe(trainer="torch_classifier", epochs=1, batch_size=64, lr=1e-3, optimizer="adam")
    from grader.sandbox import StudentError

    with pytest.raises(StudentError, match="expected a torch.nn.Module"):
        run(sub, "mod.not_a_module", recipe)


def test_recipe_rejects_unknown_trainer():
    """Is a recipe with an unknown trainer refused when it is written?"""
    with pytest.raises(ValueError):
        Recipe(trainer="magic", epochs=1, batch_size=1, lr=1.0)


def test_predictions_outside_the_classes_fail(sub):
    """Are predicted labels outside [0, K) a failed check rather than a crash?"""
    with pytest.raises(CheckFailed, match="outside"):
        train_and_predict(sub, "mod.build", (64, 12), X_train=D["X_train"], y_train=D["y_train"] % 10,
                          X_eval=D["X_val"], recipe=Recipe(trainer="numpy_classifier", epochs=1, batch_size=32, lr=0.0),
                          num_classes=3)
