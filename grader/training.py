"""Training runs the student's code cannot steer, judged on data it cannot see.

The loop runs here, in the judge. The student's process builds the model with the
student's builder and, for each minibatch, receives the current parameters and the
batch, runs the model's forward and backward passes with the grader's loss and returns
the gradients (`grader.trainers`, in the worker). The judge keeps the parameters, the
recipe (optimizer, learning rate, epochs, seeds, batch order) and its own optimizer
state: nothing the student's code can import, walk to through frames or find in memory
decides how it is trained. Evaluation is done by a fresh worker that receives only the
trained parameters and buffers (the model rebuilt there by the student's builder) and
the held-out inputs; their labels or targets never leave the judge, which computes the
metric. The held-out data come from the course secret (`grader.heldout`).

Budgets are counted in epochs and capped in wall time (`max_seconds`, checked after each
epoch; each call is killed a minute past it), so a threshold means the same on every
device. The interface is general: classification (cross-entropy on labels) or
reconstruction (mean squared error on targets), and evaluation returns the raw outputs
of any of the model's methods.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import numpy as np

from .compare import as_array
from .registry import CheckFailed
from .sandbox import StudentProblem, StudentTimeout

TRAINERS = ("numpy_classifier", "torch_classifier", "torch_regression", "torch_vae", "torch_lm", "torch_caption")
FORMS = ("module", "pair")
CLOCK = time.monotonic
TOO_LONG = "a generate that returns more than max_len ids"


@dataclass(frozen=True)
class Recipe:
    """A fixed training recipe."""

    trainer: str  # "numpy_classifier" (parameters()/gradients() models), "torch_classifier", "torch_regression",
    # "torch_vae" (the grader's negative ELBO, `grader.trainers.negative_elbo`; the targets are the inputs),
    # "torch_lm" (a language model on sequences of ids, `grader.trainers.next_token_loss`),
    # "torch_caption" (a captioner on images and their captions' ids, `grader.trainers.caption_loss`)
    epochs: int
    batch_size: int
    lr: float
    optimizer: str = "sgd"  # "sgd" (with `momentum`) or "adam" (torch models)
    momentum: float = 0.0
    weight_decay: float = 0.0
    seed: int = 0
    max_seconds: float = 300.0
    form: str = "module"  # what the builder returns: "module", or "pair" (encoder, decoder), see trainers.Pair
    input_noise: float = 0.0  # Gaussian noise of this standard deviation added to each training batch's inputs

    def __post_init__(self):
        if self.trainer not in TRAINERS:
            raise ValueError(f"unknown trainer {self.trainer!r}")
        if self.optimizer not in ("sgd", "adam"):
            raise ValueError(f"unknown optimizer {self.optimizer!r}")
        if self.form not in FORMS:
            raise ValueError(f"unknown form {self.form!r}")
        if self.input_noise and self.loss != "mse":
            raise ValueError("input_noise is for regression (a denoiser's inputs; its targets stay clean)")

    @property
    def kind(self) -> str:
        return "numpy" if self.trainer.startswith("numpy") else "torch"

    @property
    def loss(self) -> str:
        return {"torch_regression": "mse", "torch_vae": "neg_elbo", "torch_lm": "next_token",
                "torch_caption": "caption"}.get(self.trainer, "cross_entropy")

    def step_seed(self, epoch: int, start: int) -> int:
        """The seed of one training step's randomness (a VAE's ε, a denoiser's input noise)."""
        return int(np.random.SeedSequence([self.seed, epoch, start]).generate_state(1)[0])


@dataclass
class Trained:
    """A model trained by `train`: what the judge kept of it."""

    builder: str
    args: list
    kwargs: dict
    recipe: Recipe
    params: list  # the trained parameters (NumPy arrays), in the order of the model's own list
    buffers: dict = field(default_factory=dict)  # a torch model's buffers after training, by name
    history: list = field(default_factory=list)  # mean training loss per epoch
    seconds: float = 0.0
    device: str = "cpu"
    stopped_early: bool = False  # the wall-time cap ended training before the last epoch


@dataclass
class TrainResult:
    """Predictions of a trained model on held-out inputs (classification)."""

    predictions: np.ndarray  # predicted labels, int64 (N_eval,)
    controls: dict  # predicted labels of the `controls` models ("untrained", "scrambled")
    history: list = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"
    stopped_early: bool = False


def accuracy(predictions: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of predictions equal to the labels."""
    return float(np.mean(np.asarray(predictions) == np.asarray(labels)))


# ---------------------------------------------------------------------------- the judge's optimizers


class _SGD:
    """SGD with momentum and L2 weight decay, as torch.optim.SGD (no dampening, no Nesterov):
    v ← μv + g + λp, p ← p − ηv. NumPy models' parameters in float64; others keep their dtype."""

    def __init__(self, params, recipe):
        self.params = [np.array(p, dtype=np.float64 if recipe.kind == "numpy" else None) for p in params]
        self.velocity = [np.zeros_like(p) for p in self.params]
        self.recipe = recipe

    def values(self):
        return self.params

    def step(self, grads):
        r = self.recipe
        for p, g, v in zip(self.params, grads, self.velocity):
            v *= r.momentum
            v += g + r.weight_decay * p
            p -= r.lr * v


class _Adam:
    """Adam as torch.optim.Adam computes it (β = (0.9, 0.999), ε = 1e-8, L2 weight decay added to the
    gradient, bias-corrected), in NumPy and in the parameters' own dtype. The judge does not run
    torch's optimizer itself: a torch op in the judge wakes its thread pool, whose spinning threads
    then compete with the student's process for the CPU between steps."""

    betas, eps = (0.9, 0.999), 1e-8

    def __init__(self, params, recipe):
        self.params = [np.array(p) for p in params]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.recipe = recipe
        self.t = 0

    def values(self):
        return self.params

    def step(self, grads):
        r, (b1, b2) = self.recipe, self.betas
        self.t += 1
        step_size = r.lr / (1 - b1 ** self.t)
        root_correction = np.sqrt(1 - b2 ** self.t)
        for p, g, m, v in zip(self.params, grads, self.m, self.v):
            g = np.asarray(g, dtype=p.dtype)
            if r.weight_decay:
                g = g + r.weight_decay * p
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * g * g
            p -= (step_size * m / (np.sqrt(v) / root_correction + self.eps)).astype(p.dtype)


def _optimizer(params, recipe):
    return _Adam(params, recipe) if recipe.optimizer == "adam" else _SGD(params, recipe)


# ---------------------------------------------------------------------------- talking to the worker


def _runtime(sub, fn: str, *args, what: str, timeout: float | None = None, keep: bool = False, **kwargs):
    sub.warm = True  # a worker started for this pays no one-time initialisation (Sandbox.spawn)
    return sub._request({"op": "runtime", "fn": fn, "args": list(args), "kwargs": kwargs, "keep": keep},
                        what=what, timeout=timeout)


def _arrays(value, what: str, like: list | None = None) -> list[np.ndarray]:
    """A list of finite real arrays (shaped as `like`, when given)."""
    if not isinstance(value, list):
        raise CheckFailed(f"{what}: expected a list of arrays")
    if like is not None and len(value) != len(like):
        raise CheckFailed(f"{what}: {len(value)} arrays for {len(like)} parameters")
    out = []
    for i, v in enumerate(value):
        a = as_array(v, f"{what}[{i}]", shape=None if like is None else like[i].shape)
        out.append(a)
    return out


def _inputs(X, recipe: Recipe) -> np.ndarray:
    """Inputs as they travel to the worker: float32 for torch models (their default dtype; half the
    bytes), as they are for NumPy models."""
    X = np.asarray(X)
    if recipe.kind == "torch" and np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float32)
    return np.ascontiguousarray(X)


def _build(sub, builder, args, kwargs, recipe, device, what, timeout):
    return _runtime(sub, "build", builder, list(args), dict(kwargs), recipe.kind, recipe.seed, device, recipe.form,
                    what=f"building the model ({what})", timeout=timeout, keep=True)


def train(sub, builder: str, builder_args=(), builder_kwargs: dict | None = None, *, recipe: Recipe, X_train,
          y_train, device: str = "cpu", what: str | None = None) -> Trained:
    """Train the model ``builder(*builder_args, **builder_kwargs)`` (``"mlp.build_mlp"``) with
    `recipe` on (X_train, y_train): the loop, the parameters and the optimizer live here;
    a worker of its own computes each minibatch's gradients (see the module's docstring).
    Targets are labels (classification) or arrays shaped like the model's outputs
    (regression). The worker is discarded afterwards."""
    what = what or builder.split(".")[-1]
    X_train = _inputs(X_train, recipe)
    if recipe.loss == "mse":
        targets = _inputs(y_train, recipe)
    elif recipe.loss in ("neg_elbo", "next_token"):
        targets = np.zeros(len(X_train), dtype=np.int64)  # unused: the targets are the inputs (a VAE's; the next ids)
    else:
        targets = np.ascontiguousarray(np.asarray(y_train, dtype=np.int64))
    started = CLOCK()
    deadline = started + recipe.max_seconds + 60.0

    def left():
        seconds = deadline - CLOCK()
        if seconds <= 0:
            raise StudentTimeout(f"did not finish training within {recipe.max_seconds + 60:g} s (the recipe's "
                                 f"cap of {recipe.max_seconds:g} s per run, plus a minute) and was stopped")
        return seconds

    sub.restart()  # a worker that has run nothing else
    try:
        model = _build(sub, builder, builder_args, builder_kwargs or {}, recipe, device, what, left())
        first = _runtime(sub, "parameters", model, recipe.kind, what=f"reading {what}'s parameters", timeout=left())
        params = _arrays(first, f"the parameters of {what}")
        if not params:
            raise CheckFailed(f"{what} has no parameters to train")
        opt = _optimizer(params, recipe)
        Xh, th = sub.store(X_train), sub.store(targets)
        order_rng = np.random.default_rng(recipe.seed)
        history, stopped = [], False
        for epoch in range(recipe.epochs):
            order, losses = order_rng.permutation(len(X_train)), []
            for start in range(0, len(X_train), recipe.batch_size):
                idx = order[start:start + recipe.batch_size]
                out = _runtime(sub, "step", model, recipe.kind, opt.values(), Xh, th, idx, recipe.loss, device,
                               recipe.step_seed(epoch, start), recipe.input_noise, what=f"training {what}",
                               timeout=left())
                if not isinstance(out, dict):
                    raise CheckFailed(f"training {what}: the training step returned no gradients")
                loss = out.get("loss")
                if not isinstance(loss, (int, float)) or not np.isfinite(loss):
                    raise CheckFailed(f"the training loss of {what} became {loss} in epoch {epoch + 1}: the "
                                      "network's outputs or gradients overflow")
                grads = _arrays(out.get("grads"), f"the gradients of {what}", like=params)
                if not all(np.isfinite(g).all() for g in grads):
                    raise CheckFailed(f"the gradients of {what} hold NaN or infinite values in epoch {epoch + 1}")
                opt.step(grads)
                losses.append(float(loss))
            history.append(float(np.mean(losses)))
            elapsed = CLOCK() - started
            if sub.on_progress is not None:
                sub.on_progress({"epoch": epoch + 1, "epochs": recipe.epochs, "loss": history[-1],
                                 "elapsed": elapsed})
            if elapsed > recipe.max_seconds:
                stopped = epoch + 1 < recipe.epochs
                break
        buffers = _runtime(sub, "buffers", model, recipe.kind, what=f"reading {what}'s buffers", timeout=left())
        if not isinstance(buffers, dict):
            raise CheckFailed(f"the buffers of {what} could not be read")
        buffers = {str(k): as_array(v, f"{what}'s buffer {k}") for k, v in buffers.items()}
        return Trained(builder=builder, args=list(builder_args), kwargs=dict(builder_kwargs or {}), recipe=recipe,
                       params=[np.array(p) for p in opt.values()], buffers=buffers, history=history,
                       seconds=CLOCK() - started, device=device, stopped_early=stopped)
    finally:
        sub.restart()


def evaluate(sub, trained: Trained, X_eval, *, method: str = "forward", batch_size: int = 256,
             what: str | None = None, timeout: float = 120.0, params: list | None = None, untrained: bool = False):
    """The trained model's outputs on `X_eval` (``model.<method>``, evaluation mode), computed by
    a fresh worker that receives the trained parameters and buffers and the inputs, nothing else
    (`params` replaces the trained parameters; `untrained`: the model as the builder makes it,
    nothing loaded; see `controls`). A method with several outputs gives a list of arrays."""
    what = what or trained.builder.split(".")[-1]
    r = trained.recipe
    X_eval = _inputs(X_eval, r)
    with _fresh_model(sub, trained, params, untrained, what, timeout) as model:
        when = "before training" if untrained else "after training"
        return _runtime(sub, "predict", model, r.kind, X_eval, method, batch_size, trained.device,
                        what=f"{what} {when}", timeout=timeout)


@contextmanager
def _fresh_model(sub, trained: Trained, params, untrained: bool, what: str, timeout: float):
    """A handle to the model rebuilt by the student's builder in a fresh worker, the trained parameters
    (or `params`) and buffers loaded unless `untrained`; the worker is discarded afterwards."""
    r = trained.recipe
    sub.restart()
    try:
        model = _build(sub, trained.builder, trained.args, trained.kwargs, r, trained.device, what, timeout)
        if not untrained:
            _runtime(sub, "load", model, r.kind, trained.params if params is None else params, trained.buffers,
                     what=f"loading the trained parameters into {what}", timeout=timeout)
        yield model
    finally:
        sub.restart()


def controls(sub, trained: Trained, X_eval, *, method: str = "forward", batch_size: int = 256,
             what: str | None = None, timeout: float = 120.0) -> dict:
    """The outputs on `X_eval` of two models whose answers must not be as good as the trained one's,
    each computed by a fresh worker of its own, which cannot tell it from the real evaluation:
    ``"untrained"``, the model as the builder makes it, and ``"scrambled"``, the trained model with
    the entries of every parameter array shuffled (the same values, in random places). A model
    that answers as well without its trained parameters did not learn its answers in training
    (it computes them some other way: a look-up, a hand-written rule)."""
    rng = np.random.default_rng()  # fresh entropy: the submission cannot predict the shuffle
    kwargs = dict(method=method, batch_size=batch_size, what=what, timeout=timeout)
    return {"scrambled": evaluate(sub, trained, X_eval, params=scrambled_parameters(trained, rng), **kwargs),
            "untrained": evaluate(sub, trained, X_eval, untrained=True, **kwargs)}


def scrambled_parameters(trained: Trained, rng: np.random.Generator) -> list:
    """The trained parameters with the entries of each array shuffled (see `controls`)."""
    return [rng.permutation(p.ravel()).reshape(p.shape) for p in trained.params]


class LocalSession:
    """The course's own code trained in this process by the same loop (`train`, `evaluate`,
    `controls`): for instructors' calibration tools, never for student code. `modules` maps
    the module names builders are given by ("mlp" in "mlp.build_mlp") to imported modules."""

    def __init__(self, modules: dict):
        from . import trainers

        self.modules = modules
        self.ops = trainers.OPS
        self.memo: dict = {}
        self.shared_memo: dict = {}
        self.on_progress = None

    def restart(self):
        pass

    def store(self, value):
        return value

    def _request(self, req: dict, what: str = "", timeout: float | None = None):
        args = list(req.get("args", ()))
        if req["fn"] == "build":
            module, _, name = args[0].partition(".")
            args[0] = getattr(self.modules[module], name)
        return self.ops[req["fn"]](*args, **req.get("kwargs", {}))


def trained_once(sub, key, make, shared: bool = False):
    """``make()``'s result, computed once per exercise (the checks of one exercise share it): one
    training run judged on several held-out sets. `shared`: once per grading, for the checks of
    every exercise that runs in the same sandbox (a trained encoder judged by two exercises)."""
    memo = sub.shared_memo if shared else sub.memo
    if key not in memo:
        memo[key] = make()
    return memo[key]


def once(sub, key, make):
    """``make()`` once per grading, for every check of every exercise that needs it, and its
    failure too: a run that failed is not started again by the next check, which fails the
    same way (`trained_once` with ``shared=True``)."""
    def attempt():
        try:
            return make()
        except (StudentProblem, CheckFailed) as e:
            return e

    outcome = trained_once(sub, key, attempt, shared=True)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def _labels(outputs, n: int, num_classes: int, what: str) -> np.ndarray:
    logits = as_array(outputs, what, shape=(n, num_classes))
    return np.argmax(logits, axis=1).astype(np.int64)


def train_and_predict(sub, builder: str, builder_args=(), builder_kwargs: dict | None = None, *,
                      X_train, y_train, X_eval, recipe: Recipe, device: str = "cpu",
                      num_classes: int | None = None) -> TrainResult:
    """Train the student's classifier (`train`, once per exercise for the same builder, recipe and
    training data) and return its predicted labels on `X_eval`, and those of its `controls`."""
    num_classes = num_classes or int(np.max(y_train)) + 1
    key = ("train", builder, repr(list(builder_args)), repr(builder_kwargs), repr(asdict(recipe)), device,
           np.asarray(X_train).tobytes().__hash__(), np.asarray(y_train).tobytes().__hash__())
    trained = trained_once(sub, key, lambda: train(sub, builder, builder_args, builder_kwargs, recipe=recipe,
                                                   X_train=X_train, y_train=y_train, device=device))
    what = f"{builder.split('.')[-1]}'s outputs"
    outputs = {"trained": evaluate(sub, trained, X_eval), **controls(sub, trained, X_eval)}
    try:
        labels = {k: _labels(v, len(X_eval), num_classes, f"{what} on the held-out inputs") for k, v in outputs.items()}
    except CheckFailed as e:
        raise CheckFailed(f"{e} (does it output {num_classes} logits per example?)") from None
    return TrainResult(predictions=labels.pop("trained"), controls=labels, history=trained.history,
                       seconds=trained.seconds, device=trained.device, stopped_early=trained.stopped_early)


def train_and_judge(sub, builder: str, builder_args=(), *, recipe: Recipe, X_train, y_train, X_eval, y_eval,
                    threshold: float, what: str, device: str = "cpu", num_classes: int | None = None,
                    explain=None) -> float:
    """Train the student's model (`train_and_predict`) and judge its accuracy on (X_eval, y_eval)
    against `threshold`: returns the accuracy, or raises CheckFailed whose message says what was
    trained, the accuracy, whether the wall-time cap stopped training, and `explain(result,
    accuracy)` (the week's advice, "" for none). A model that reaches the threshold without its
    trained parameters (`controls`) did not learn it in training, and fails too."""
    result = train_and_predict(sub, builder, builder_args, X_train=X_train, y_train=y_train, X_eval=X_eval,
                               recipe=recipe, device=device, num_classes=num_classes)
    acc = accuracy(result.predictions, y_eval)
    for control, accuracy_without in ((k, accuracy(v, y_eval)) for k, v in result.controls.items()):
        if accuracy_without >= threshold:
            without = {"untrained": "as the builder makes it, before any training",
                       "scrambled": "with the entries of each trained parameter array shuffled"}[control]
            raise CheckFailed(f"{what}: the model {without}, has accuracy {accuracy_without:.3f} (threshold "
                              f"{threshold:.3f}): its answers do not come from the parameters the grader trained. "
                              "The accuracy must be earned by what the network learns in training.")
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


# ---------------------------------------------------------------------------- encoders and decoders


def _finite(value, what: str, shape: tuple | None = None) -> np.ndarray:
    a = as_array(value, what, shape=shape)
    if not np.isfinite(a).all():
        raise CheckFailed(f"{what} hold NaN or infinite values")
    return a


def _split(array: np.ndarray, sizes: dict) -> dict:
    out, start = {}, 0
    for name, n in sizes.items():
        out[name] = array[start:start + n]
        start += n
    return out


def encode_decode(sub, trained: Trained, inputs: dict, code_size: int, *, what: str, decode=None,
                  params: list | None = None, untrained: bool = False) -> tuple[dict, dict]:
    """The codes ``encode(X)`` of an encoder–decoder pair (a `Recipe` of form "pair") for each
    named input set, and ``decode`` of the codes of the sets named in `decode` (default: all):
    ``({name: codes}, {name: outputs})``. The encoder and the decoder are each run by a fresh
    worker of its own (all sets in one call each): the decoder gets the codes and nothing else,
    so whatever it knows of an image passed through the code. Codes are checked to be finite
    and of shape (N, code_size), outputs to be finite and shaped as their inputs."""
    sizes = {name: len(X) for name, X in inputs.items()}
    X = np.concatenate([_inputs(X, trained.recipe) for X in inputs.values()])
    out = evaluate(sub, trained, X, method="encode", what=what, params=params, untrained=untrained)
    try:
        z = _finite(out, f"the codes of {what}", shape=(len(X), code_size))
    except CheckFailed as e:
        raise CheckFailed(f"{e} (the encoder must map a batch of N inputs to codes of shape (N, {code_size}))") from None
    z = _split(z, sizes)
    names = list(inputs) if decode is None else list(decode)
    if not names:
        return z, {}
    wanted = np.concatenate([z[name] for name in names])
    out = evaluate(sub, trained, wanted, method="decode", what=what, params=params, untrained=untrained)
    shape = (len(wanted), *np.shape(next(iter(inputs.values())))[1:])
    outputs = _finite(out, f"the reconstructions of {what}", shape=shape)
    return z, _split(outputs, {name: sizes[name] for name in names})


def codes(sub, trained: Trained, X, code_size: int, *, what: str, **kwargs) -> np.ndarray:
    """The codes ``encode(X)`` of an encoder–decoder pair (see `encode_decode`)."""
    return encode_decode(sub, trained, {"X": X}, code_size, what=what, decode=(), **kwargs)[0]["X"]


def reconstruct(sub, trained: Trained, X, code_size: int, *, what: str, **kwargs) -> np.ndarray:
    """``decode(encode(X))`` of an encoder–decoder pair, each by a fresh worker (see `encode_decode`)."""
    return encode_decode(sub, trained, {"X": X}, code_size, what=what, **kwargs)[1]["X"]


def bce_with_logits(logits: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ over each image's pixels of the binary cross-entropy of sigmoid(logits) against x, in
    float64: softplus(l) − x·l, computed stably."""
    l = np.asarray(logits, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    per_pixel = np.maximum(l, 0.0) - x * l + np.log1p(np.exp(-np.abs(l)))
    return per_pixel.reshape(len(l), -1).sum(axis=1)


def negative_elbo(sub, trained: Trained, inputs: dict, latent_dim: int, *, what: str, samples: int = 1, seed=None,
                  params: list | None = None, untrained: bool = False) -> dict:
    """The mean negative ELBO per image of a VAE on each named input set (pixel values in
    [0, 1]), computed here with the grader's own loss (`grader.trainers.negative_elbo`'s formula,
    in float64): ``encode`` of all sets by one fresh worker, z = mu + exp(logvar / 2)·ε with this
    side's ε (`samples` draws per image, averaged), and ``decode(z)`` by another, which gets z
    and nothing else."""
    sizes = {name: len(X) for name, X in inputs.items()}
    X = np.concatenate([_inputs(X, trained.recipe) for X in inputs.values()])
    out = evaluate(sub, trained, X, method="encode", what=what, params=params, untrained=untrained)
    if not (isinstance(out, list) and len(out) == 2):
        raise CheckFailed(f"encode(x) of {what} should return (mu, logvar), two tensors")
    shape = (len(X), latent_dim)
    mu, logvar = (_finite(o, f"the {name} of {what}", shape=shape) for o, name in zip(out, ("mu", "logvar")))
    if logvar.max() > 50:
        raise CheckFailed(f"the logvar of {what} reaches {logvar.max():.3g}: exp(logvar) overflows")
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((samples, *shape))
    z = (mu + np.exp(logvar / 2) * eps).reshape(samples * len(X), latent_dim)
    logits = evaluate(sub, trained, z, method="decode", what=what, params=params, untrained=untrained)
    logits = _finite(logits, f"the logits decode(z) of {what}", shape=(samples * len(X), *X.shape[1:]))
    reconstruction = bce_with_logits(logits, np.tile(X, (samples,) + (1,) * (X.ndim - 1)))
    per_image = reconstruction.reshape(samples, len(X)).mean(axis=0) + 0.5 * np.sum(np.exp(logvar) + mu**2 - 1.0 - logvar,
                                                                                       axis=1)
    return {name: float(v.mean()) for name, v in _split(per_image, sizes).items()}


# ---------------------------------------------------------------------------- language models


def prefix_logits(sub, trained: Trained, ids, lengths, *, what: str, timeout: float = 300.0,
                  params: list | None = None, untrained: bool = False) -> np.ndarray:
    """A language model's logits at the last position of each prefix ``ids[:, :L]`` of the
    sequences ids (N, T), for L in `lengths` (increasing, 1 … T): shape (N, len(lengths), V).

    Causal by construction: a fresh worker rebuilds the model (the trained parameters loaded) and
    is sent the prefixes one length at a time, shortest first, keeping only the logits at each
    prefix's last position. Whatever the model does, when it gives the logits after L ids it has
    never held an id after position L − 1."""
    ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64))
    n, T = ids.shape
    lengths = [int(L) for L in lengths]
    if not lengths or lengths != sorted(set(lengths)) or not 1 <= lengths[0] <= lengths[-1] <= T:
        raise ValueError(f"lengths must increase within 1..{T}")
    deadline = CLOCK() + timeout
    with _fresh_model(sub, trained, params, untrained, what, timeout) as model:
        rows = []
        for L in lengths:
            left = deadline - CLOCK()
            if left <= 0:
                raise StudentTimeout(f"{what} did not give its logits for {n} sequences of {T} ids within {timeout:g} s")
            out = _runtime(sub, "last_logits", model, ids[:, :L], trained.device,
                           what=f"{what} on prefixes of {L} ids", timeout=left)
            rows.append(_leading(_finite(out, f"the logits of {what} after {L} ids"), (n,), 2,
                                 f"the logits of {what} at the last position of {n} prefixes of {L} ids"))
    if len({r.shape[1] for r in rows}) != 1:
        raise CheckFailed(f"{what} gives a different number of logits for prefixes of different lengths")
    return np.stack(rows, axis=1)


def next_token_logits(sub, trained: Trained, ids, *, first: int, what: str, **kwargs) -> np.ndarray:
    """A language model's logits for the id after each prefix ``ids[:, :L]``, L = first … T − 1,
    of the sequences ids (N, T): shape (N, T − first, V), row j predicting ids[:, first + j]
    (`prefix_logits`: no held-out target reaches the worker before it has been predicted, so no
    model can lower its loss by looking ahead)."""
    T = np.shape(ids)[1]
    if not 1 <= first < T:
        raise ValueError(f"first must be in 1..{T - 1}")
    return prefix_logits(sub, trained, ids, range(first, T), what=what, **kwargs)


def lookahead(sub, trained: Trained, ids, *, what: str, timeout: float = 300.0, untrained: bool = False
              ) -> tuple[float, int, np.ndarray]:
    """How much a trained language model's logits at a position depend on the ids after it: with
    ``full = model(ids)`` (every position at once) and the causal logits of `prefix_logits`,
    ``(largest |full − causal| / (1 + |causal|), the position where it is, full)``. A causal model's
    difference is float rounding; one that reads later ids (a bidirectional RNN, a convolution padded
    on both sides, attention without its mask) differs by the logits' own size. `ids` should be text
    the model may see whole (training text), never held-out text. `untrained`: the model as the
    builder makes it, nothing loaded."""
    ids = np.ascontiguousarray(np.asarray(ids, dtype=np.int64))
    n, T = ids.shape
    full = _leading(_finite(evaluate(sub, trained, ids, what=what, timeout=timeout, untrained=untrained),
                            f"the logits of {what}"), (n, T), 3,
                    f"the logits of {what} for ids of shape {(n, T)}")
    causal = prefix_logits(sub, trained, ids, range(1, T + 1), what=what, timeout=timeout, untrained=untrained)
    if causal.shape != full.shape:
        raise CheckFailed(f"{what} gives {full.shape[-1]} logits per position for whole sequences but "
                          f"{causal.shape[-1]} for prefixes")
    gap = np.abs(full.astype(np.float64) - causal) / (1.0 + np.abs(causal.astype(np.float64)))
    worst = np.unravel_index(int(np.argmax(gap)), gap.shape)
    return float(gap[worst]), int(worst[1]), full


def _leading(a: np.ndarray, leading: tuple, ndim: int, what: str) -> np.ndarray:
    """`a` checked to have `ndim` axes, the first ones `leading`, and at least one entry on the last."""
    if a.ndim != ndim or a.shape[:len(leading)] != tuple(leading) or a.shape[-1] < 1:
        expected = ", ".join([*map(str, leading), "V"])
        raise CheckFailed(f"{what} have shape {a.shape}, expected ({expected})")
    return a


def bits_per_character(logits, targets) -> float:
    """The mean cross-entropy in bits of logits (..., V) against the ids `targets` (...), computed
    here in float64 with log-sum-exp."""
    z = np.asarray(logits, dtype=np.float64)
    targets = np.asarray(targets, dtype=np.int64)
    z = z - z.max(axis=-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    picked = np.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]
    return float(-picked.mean() / np.log(2.0))


# ---------------------------------------------------------------------------- captioners


def generated_ids(sub, trained: Trained, images, max_len: int, vocab_size: int, *, what: str, batch_size: int = 256,
                  timeout: float = 300.0, params: list | None = None, untrained: bool = False,
                  cut: bool = False, end: int | None = None) -> np.ndarray:
    """A captioner's ``generate(images, max_len)`` computed by a fresh worker that holds the trained
    parameters (`params` instead, or nothing loaded when `untrained`) and the images, nothing else:
    int64 ids (N, L), L ≤ max_len, each batch's rows padded on the right with id 0 (``<pad>``) to the
    widest batch. CheckFailed when the ids are not integers in [0, vocab_size) of shape (n, ≤ max_len);
    with `cut`, rows longer than max_len are cut to it instead (where the captions' quality is judged
    apart from generate's shape). `end`: the id that ends a caption; what a row holds after its first
    `end` is not judged (it reads as 0)."""
    images = _inputs(images, trained.recipe)
    n = len(images)
    with _fresh_model(sub, trained, params, untrained, what, timeout) as model:
        when = "before training" if untrained else "after training"
        outs = _runtime(sub, "generate", model, images, int(max_len), batch_size, trained.device,
                        what=f"{what}.generate {when}", timeout=timeout)
    if not isinstance(outs, list) or len(outs) != -(-n // batch_size):
        raise CheckFailed(f"{what}.generate: its outputs could not be read back")
    rows, start = [], 0
    for out in outs:
        batch = min(batch_size, n - start)
        if cut and getattr(out, "ndim", 0) == 2 and len(out) == batch:
            out = out[:, :max_len]
        rows.append(ids_of(out, batch, max_len, vocab_size, f"{what}.generate(images, max_len={max_len}) for a batch "
                                                            f"of {batch} image{'s' * (batch != 1)}", end=end))
        start += batch
    width = max(r.shape[1] for r in rows)
    return np.concatenate([np.pad(r, ((0, 0), (0, width - r.shape[1]))) for r in rows])


def ids_of(out, n: int, max_len: int, vocab_size: int, what: str, end: int | None = None) -> np.ndarray:
    """`out` checked to be ids: whole numbers in [0, vocab_size), shape (n, L) with L ≤ max_len; as int64.
    With `end`, the entries after each row's first `end` are not judged: they read as 0."""
    a = as_array(out, what)
    if a.ndim != 2 or a.shape[0] != n or a.shape[1] > max_len:
        longer = a.ndim == 2 and a.shape[0] == n
        raise CheckFailed(f"{what} returned an array of shape {a.shape}, expected ids of shape (N, L) = ({n}, L) with "
                          f"L ≤ max_len = {max_len}: one row of at most max_len generated ids per image",
                          mistake=TOO_LONG if longer else None)
    if end is not None and a.size:
        a[np.cumsum(np.cumsum(a == end, axis=1), axis=1) > 1] = 0  # after the first `end`
    if a.size and (not np.isfinite(a).all() or (a != np.round(a)).any()):
        raise CheckFailed(f"{what} returned values that are not whole numbers: expected ids (a LongTensor)")
    if a.size and (a.min() < 0 or a.max() >= vocab_size):
        raise CheckFailed(f"{what} returned ids from {a.min():g} to {a.max():g}, outside the vocabulary's "
                          f"[0, {vocab_size})")
    return a.astype(np.int64)


def caption_logits(sub, trained: Trained, images, captions_in, *, what: str, timeout: float = 300.0,
                   untrained: bool = False) -> np.ndarray:
    """A captioner's ``forward(images, captions_in)``, logits (N, T, V), computed by a fresh worker
    that holds the trained parameters (nothing loaded when `untrained`), in evaluation mode."""
    images = _inputs(images, trained.recipe)
    captions_in = np.ascontiguousarray(np.asarray(captions_in, dtype=np.int64))
    with _fresh_model(sub, trained, None, untrained, what, timeout) as model:
        out = _runtime(sub, "caption_logits", model, images, captions_in, trained.device,
                       what=f"{what}'s forward(images, captions_in)", timeout=timeout)
    return _leading(_finite(out, f"the logits of {what}"), captions_in.shape, 3,
                    f"the logits of {what}'s forward(images, captions_in) for captions_in of shape {captions_in.shape}")
