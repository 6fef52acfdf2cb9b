"""Training runs: a week's fixed recipe applied to the student's model.

The recipe (optimizer, learning rate, epochs, batch size, seed) belongs to the
week's checks; the loop itself (`grader.trainers`) runs in the student's
process, which receives the held-out inputs without labels and returns
predicted labels. The judge keeps the labels and computes the metric, so a
thresholds is the same on every device. Budgets are counted in epochs and capped
in wall time (`max_seconds`; the call itself is killed a minute after that).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .compare import as_array
from .registry import CheckFailed

TRAINERS = ("numpy_classifier", "torch_classifier")


@dataclass(frozen=True)
class Recipe:
    """A fixed training recipe."""

    trainer: str  # "numpy_classifier" (parameters()/gradients() models) or "torch_classifier" (nn.Module)
    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "sgd"  # "sgd" (with `momentum`) or "adam" (torch trainer)
    momentum: float = 0.0
    weight_decay: float = 0.0
    seed: int = 0
    max_seconds: float = 300.0

    def __post_init__(self):
        if self.trainer not in TRAINERS:
            raise ValueError(f"unknown trainer {self.trainer!r}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}")


@dataclass
class TrainResult:
    predictions: np.ndarray  # predicted labels for X_eval, int64 (N_eval,)
    history: list = field(default_factory=list)  # mean training loss per epoch
    seconds: float = 0.0
    device: str = "cpu"
    stopped_early: bool = False  # the wall-time cap ended training before the last epoch


def accuracy(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of predictions equal to the labels."""
    return float(np.mean(np.asarray(predictions) == np.asarray(labels)))


def train_and_predict(sub, builder: str, builder_args=(), builder_kwargs: dict | None = None, *,
                      X_train, y_train, X_eval, recipe: Recipe, device: str = "cpu",
                      num_classes: int | None = None) -> TrainResult:
    """Build the student's model with ``builder`` (``"mlp.build_mlp"``), train it
    in the student's process with `recipe` on `device`, and return its predictions
    on `X_eval` (whose labels never leave the judge)."""
    X_train = np.ascontiguousarray(X_train)
    X_eval = np.ascontiguousarray(X_eval)
    num_classes = num_classes or int(np.max(y_train)) + 1
    answer = sub._request(
        {"op": "train", "trainer": recipe.trainer, "builder": builder, "args": list(builder_args),
         "kwargs": dict(builder_kwargs or {}), "X": X_train, "y": np.asarray(y_train, dtype=np.int64),
         "X_eval": X_eval, "recipe": asdict(recipe), "device": device},
        what=f"training {builder.split('.')[-1]}", timeout=recipe.max_seconds + 60.0)
    if not isinstance(answer, dict) or "predictions" not in answer:
        raise CheckFailed("the training run returned no predictions")
    preds = as_array(answer["predictions"], "the model's predictions", shape=(len(X_eval),))
    if not np.all((preds >= 0) & (preds < num_classes)):
        raise CheckFailed(f"the model predicted labels outside [0, {num_classes}): does it output {num_classes} logits?")
    return TrainResult(predictions=preds.astype(np.int64), history=[float(h) for h in answer.get("history", [])],
                       seconds=float(answer.get("seconds", 0.0)), device=str(answer.get("device", device)),
                       stopped_early=bool(answer.get("stopped_early", False)))


def train_and_judge(sub, builder: str, builder_args=(), *, recipe: Recipe, X_train, y_train, X_eval, y_eval,
                    threshold: float, what: str, device: str = "cpu", num_classes: int | None = None,
                    explain=None) -> float:
    """Train the student's model (`train_and_predict`) and judge its accuracy on
    (X_eval, y_eval) against `threshold`: returns the accuracy, or raises CheckFailed whose
    message says what was trained, the accuracy, whether the wall-time cap stopped
    training, and `explain(result, accuracy)` (the week's advice, "" for none)."""
    result = train_and_predict(sub, builder, builder_args, X_train=X_train, y_train=y_train, X_eval=X_eval,
                               recipe=recipe, device=device, num_classes=num_classes)
    acc = accuracy(result.predictions, y_eval)
    if acc < threshold:
        stopped = (f"Training was stopped after {len(result.history)} of {recipe.epochs} epochs by the time limit of "
                   f"{recipe.max_seconds:g} s." if result.stopped_early else "")
        advice = explain(result, acc) if explain is not None else ""
        assert_accuracy(acc, threshold, what, " ".join(n for n in (stopped, advice) if n))
    return acc


def assert_accuracy(acc: float, threshold: float, what: str, advice: str = "") -> None:
    """Raise CheckFailed unless acc ≥ threshold, as every accuracy check words it:
    "<what>: accuracy 0.812, below the threshold 0.930. <advice>"."""
    if acc >= threshold:
        return
    raise CheckFailed(f"{what}: accuracy {acc:.3f}, below the threshold {threshold:.3f}." + (f" {advice}" if advice else ""))
