"""Training runs the judge drives: the loop, the recipe and the parameters stay in the
judge, the student's process computes gradients only, a fresh process evaluates the
trained parameters; progress is reported by the judge as it goes."""

import textwrap

import numpy as np
import pytest

from grader.datasets import digits
from grader.sandbox import StudentError
from grader.registry import CheckFailed
from grader.sandbox import Limits, Sandbox, Session
from grader.training import Recipe, accuracy, evaluate, train, train_and_judge, train_and_predict

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
    with pytest.raises(StudentError, match="expected a torch.nn.Module"):
        run(sub, "mod.not_a_module", recipe)


def test_recipe_rejects_unknown_trainer():
    """Is a recipe with an unknown trainer refused when it is written?"""
    with pytest.raises(ValueError):
        Recipe(trainer="magic", epochs=1, batch_size=1, lr=1.0)


def test_logits_of_the_wrong_width_fail(sub):
    """Are outputs with the wrong number of logits a failed check that says what was expected?"""
    with pytest.raises(CheckFailed, match="3 logits"):
        train_and_predict(sub, "mod.build", (64, 12), X_train=D["X_train"], y_train=D["y_train"] % 10,
                          X_eval=D["X_val"], recipe=Recipe(trainer="numpy_classifier", epochs=1, batch_size=32, lr=0.0),
                          num_classes=3)


# ---------------------------------------------------------------------------- what the student's code cannot reach

ATTACKS = '''
import gc, sys
import numpy as np
from .mod import Softmax

SEEN = {"calls": 0}


def _poison_everything():
    # Whatever the worker can reach: its frames, its modules, every object in memory.
    frame = sys._getframe()
    while frame is not None:
        for name, value in list(frame.f_locals.items()):
            if isinstance(value, dict):
                for key in ("lr", "epochs", "momentum", "recipe"):
                    if key in value and isinstance(value[key], (int, float)):
                        value[key] = value[key] * 1000
        frame = frame.f_back
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "lr" in obj and isinstance(obj.get("lr"), float):
            obj["lr"] *= 1000


class Greedy(Softmax):
    def forward(self, x):
        SEEN["calls"] += 1
        _poison_everything()
        return super().forward(x)


def build_greedy(d, k, rng):
    return Greedy(d, k, rng)


def build_stub(d, k, rng):
    raise NotImplementedError("week2.train_mlp")
'''

REPLACER = '''
import trainers  # the worker's side of the loop: replace the step it offers
from .mod import build

trainers.OPS["step"] = lambda *a, **k: {"loss": 0.0, "grads": "anything"}
'''


@pytest.fixture
def hostile(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(textwrap.dedent(MODEL))
    (folder / "attack.py").write_text(ATTACKS)
    (folder / "replacer.py").write_text(REPLACER)
    with Sandbox(folder, "pkg", ["mod", "attack", "replacer"], Limits(call_seconds=60, memory_mb=8192)) as sandbox:
        session = Session(sandbox)
        yield session
        session.close()


def test_the_worker_cannot_change_the_recipe(hostile):
    """Does a model that multiplies every learning rate it can find (frames, gc) train exactly like an honest one?"""
    honest = train(hostile, "mod.build", (64, 10), recipe=NUMPY, X_train=D["X_train"], y_train=D["y_train"])
    greedy = train(hostile, "attack.build_greedy", (64, 10), recipe=NUMPY, X_train=D["X_train"], y_train=D["y_train"])
    for a, b in zip(honest.params, greedy.params):
        np.testing.assert_array_equal(a, b)


def test_a_replaced_step_only_breaks_the_students_own_run(hostile):
    """Does replacing the worker's training step at import give malformed gradients, refused, not a score?"""
    with pytest.raises(CheckFailed, match="gradients"):
        train(hostile, "replacer.build", (64, 10), recipe=NUMPY, X_train=D["X_train"], y_train=D["y_train"])


def test_a_stub_builder_is_not_implemented(hostile):
    """Is a builder that is still the stub reported as not implemented, whatever else the module does?"""
    from grader.sandbox import NotImplementedYet

    with pytest.raises(NotImplementedYet):
        train(hostile, "attack.build_stub", (64, 10), recipe=NUMPY, X_train=D["X_train"], y_train=D["y_train"])


LOOKUP = '''
import os
import tempfile

import numpy as np
from .mod import Softmax

MEMORY = {}
SAVED = os.path.join(tempfile.gettempdir(), "memory.npz")  # the sandbox's scratch folder, with or without bubblewrap


class Lookup(Softmax):
    # Remembers every training input with the label its gradient reveals, and answers by nearest
    # neighbour: a model whose knowledge is outside its parameters.
    def forward(self, x):
        self.x = x
        if not MEMORY.get("X") and os.path.exists(SAVED):  # a fresh process: what the last one saved
            saved = np.load(SAVED)
            MEMORY["X"], MEMORY["y"] = [saved["X"]], [saved["y"]]
        if MEMORY.get("X") is not None and len(MEMORY["X"]) > 0:
            X = np.concatenate(MEMORY["X"]); y = np.concatenate(MEMORY["y"])
            near = ((x[:, None, :] - X[None]) ** 2).sum(-1).argmin(1)
            return np.eye(10)[y[near]] * 100.0
        return x @ self.W + self.b

    def backward(self, dout):
        MEMORY.setdefault("X", []).append(self.x.copy())
        MEMORY.setdefault("y", []).append((dout < 0).argmax(1))
        np.savez(SAVED, X=np.concatenate(MEMORY["X"]), y=np.concatenate(MEMORY["y"]))
        return super().backward(dout)


def build_lookup(d, k, rng):
    return Lookup(d, k, rng)
'''


def test_evaluation_sees_the_trained_parameters_only(tmp_path):
    """Does a model that memorises its training data outside its parameters (in memory, in /tmp) lose that
    memory in evaluation?"""
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(textwrap.dedent(MODEL))
    (folder / "lookup.py").write_text(LOOKUP)
    with Sandbox(folder, "pkg", ["mod", "lookup"], Limits(call_seconds=60, memory_mb=8192)) as sandbox:
        session = Session(sandbox)
        recipe = Recipe(trainer="numpy_classifier", epochs=1, batch_size=32, lr=0.0, seed=0, max_seconds=60)
        trained = train(session, "lookup.build_lookup", (64, 10), recipe=recipe, X_train=D["X_train"],
                        y_train=D["y_train"])
        logits = evaluate(session, trained, D["X_val"])
        session.close()
    assert accuracy(np.argmax(logits, 1), D["y_val"]) < 0.5  # lr 0: the parameters learned nothing


def judged_with(tmp_path, source: str, builder: str, match: str):
    """Train and judge ``mod.<builder>`` (the models above plus `source`) on inputs whose first feature
    is the label, and expect a CheckFailed matching `match`."""
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "mod.py").write_text(textwrap.dedent(MODEL) + source)
    X = np.repeat(np.arange(10.0), 20)[:, None] * np.ones((1, 64))
    y = np.repeat(np.arange(10), 20)
    with Sandbox(folder, "pkg", ["mod"], Limits(call_seconds=60, memory_mb=8192)) as sandbox:
        session = Session(sandbox)
        with pytest.raises(CheckFailed, match=match):
            train_and_judge(session, f"mod.{builder}", (64, 10), recipe=NUMPY, X_train=X, y_train=y, X_eval=X,
                            y_eval=y, threshold=0.9, what=builder)
        session.close()


def test_accuracy_before_training_is_not_credited(tmp_path):
    """Does a model that is accurate before training (its answers do not come from the trained parameters) fail?"""
    judged_with(tmp_path, '''

class Oracle(Softmax):
    def forward(self, x):
        self.x = x
        return np.eye(10)[np.rint(x[:, 0]).astype(int) % 10] * 100.0 + 0.0 * (x @ self.W)


def build_oracle(d, k, rng):
    return Oracle(d, k, rng)
''', "build_oracle", "do not come from the parameters the grader trained")


def test_accuracy_that_ignores_the_trained_values_is_not_credited(tmp_path):
    """Does a model that answers by a rule of its own once its parameters were loaded (any values
    other than its initial ones) fail the shuffled-parameters control?"""
    judged_with(tmp_path, '''

class Sleeper(Softmax):
    def __init__(self, d, k, rng):
        super().__init__(d, k, rng)
        self.initial = self.W.copy()

    def forward(self, x):
        self.x = x
        if not np.array_equal(self.W, self.initial):
            return np.eye(10)[np.rint(x[:, 0]).astype(int) % 10] * 100.0
        return x @ self.W + self.b


def build_sleeper(d, k, rng):
    return Sleeper(d, k, rng)
''', "build_sleeper", "shuffled")


def test_one_training_run_serves_several_held_out_sets(sub):
    """Do two judgements of the same builder, recipe and data in one exercise share a single training run?"""
    seen = []
    sub.on_progress = seen.append
    for X_eval, y_eval in ((D["X_val"], D["y_val"]), (D["X_test"], D["y_test"])):
        train_and_judge(sub, "mod.build", (64, 10), recipe=NUMPY, X_train=D["X_train"], y_train=D["y_train"],
                        X_eval=X_eval, y_eval=y_eval, threshold=0.9, what="the softmax")
    assert [p["epoch"] for p in seen] == list(range(1, 11))


@pytest.mark.parametrize("optimizer, extra", [("adam", {}), ("adam", {"weight_decay": 0.01}),
                                              ("sgd", {"momentum": 0.9, "weight_decay": 0.01})])
def test_the_judges_optimizers_match_torch(optimizer, extra):
    """Do the judge's NumPy optimizers take the steps torch.optim takes, in float32?"""
    import torch

    from grader.training import _optimizer

    rng = np.random.default_rng(0)
    params = [rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=5).astype(np.float32)]
    recipe = Recipe(trainer="torch_classifier", epochs=1, batch_size=1, lr=0.01, optimizer=optimizer, **extra)
    mine = _optimizer(params, recipe)
    theirs = [torch.nn.Parameter(torch.from_numpy(p.copy())) for p in params]
    kw = {"lr": 0.01, "weight_decay": extra.get("weight_decay", 0.0)}
    opt = torch.optim.Adam(theirs, **kw) if optimizer == "adam" else torch.optim.SGD(theirs, momentum=0.9, **kw)
    for _ in range(20):
        grads = [rng.normal(size=p.shape).astype(np.float32) for p in params]
        mine.step(grads)
        for t, g in zip(theirs, grads):
            t.grad = torch.from_numpy(g)
        opt.step()
    for a, t in zip(mine.values(), theirs):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, t.detach().numpy(), rtol=1e-5, atol=1e-6)
