"""Public checks for mlp.py: the network build_mlp returns (its output shape, its number
of parameters, that it is not affine and that its logits can be negative), and what it
learns when the grader trains it with the week's fixed loop on the digits. Any activation
passes: the table asks for Dense+activation blocks.

The training loop is the grader's (grader/training.py): minibatch SGD with momentum, run by
the grader on its own copy of the parameters, which it writes into the arrays
``parameters()`` returns before each minibatch; ``gradients()`` after the student's backward
pass (with the grader's own softmax cross-entropy) gives the update. The trained network is
rebuilt in a fresh process that receives the trained parameters and the held-out inputs, and
returns logits; the labels never leave the grader. The digits are split with the course's
secret seed and rotated by a secret fixed rotation (grader/heldout.py), so that a copy of the
data set cannot be used to look the held-out answers up.
"""

import numpy as np

from grader.compare import as_array, describe, fmt
from grader.heldout import digits
from grader.registry import CheckFailed, check, load_rubric
from grader.training import Recipe, train_and_judge

from .public_layers import live_parameters, write_into

RUBRIC = load_rubric(__file__)["training"]
TOL = load_rubric(__file__)["layers"]
ARCHITECTURE = (64, [64], 10)  # build_mlp(64, [64], 10, rng) on the 8×8 digits


def recipe():
    return Recipe(trainer="numpy_classifier", epochs=RUBRIC["epochs"], batch_size=RUBRIC["batch_size"],
                  lr=RUBRIC["lr"], momentum=RUBRIC["momentum"], seed=RUBRIC["seed"], max_seconds=RUBRIC["max_seconds"])


def build(sub, in_features, hidden, out_features, seed):
    what = f"build_mlp({in_features}, {hidden}, {out_features}, rng)"
    return sub.mlp.build_mlp(in_features, hidden, out_features, sub.rng(seed), _keep=True), what


def logits(model, x, what, out_features):
    out = as_array(model.forward(x), f"{what}.forward(x) for x of shape {x.shape}")
    if out.shape != (x.shape[0], out_features):
        raise CheckFailed(f"{what}.forward(x) for x of shape {x.shape} has shape {out.shape}, expected "
                          f"{(x.shape[0], out_features)}: one logit per class for each example")
    if not np.isfinite(out).all():
        raise CheckFailed(f"{what}.forward(x) holds non-finite values")
    return out


def negative_once_bias_lowered(model, what, params, out_features, x):
    """Whether the outputs on x go negative once the last Dense layer's b (the one parameter of shape
    (out_features,)) is lowered, in place, far below them, as they must when the last layer is a
    Dense: its outputs are x·W + b. (A network with sigmoid layers may have only positive logits at
    its initial weights.) b is put back afterwards."""
    arrays = [as_array(p, f"{what}.parameters()[{i}]") for i, p in enumerate(params)]
    last = [i for i, p in enumerate(arrays) if p.shape == (out_features,)]
    if len(last) != 1:
        return False
    i = last[0]
    handle = live_parameters(model, len(arrays))[i]
    lowered = arrays[i] - 10.0 * (1.0 + float(np.abs(logits(model, x, what, out_features)).max()))
    write_into(handle, lowered)
    try:
        if not np.allclose(as_array(model.parameters()[i], what), lowered, rtol=1e-6):
            raise CheckFailed(f"writing into {what}.parameters()[{i}] in place did not change it: parameters() must "
                              "return the layers' own arrays (see week2.sequential)")
        return bool((logits(model, x, what, out_features) < 0).any())
    finally:
        write_into(handle, arrays[i])


def assert_structure(sub, in_features, hidden, out_features, seed):
    """Output shape, parameter count, not affine (with hidden layers), logits of both signs."""
    model, what = build(sub, in_features, hidden, out_features, seed)
    params = model.parameters()
    if not isinstance(params, list):
        raise CheckFailed(f"{what}.parameters() should return a list of arrays, got {describe(params)}")
    sizes = [in_features, *hidden, out_features]
    expected = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    count = sum(as_array(p, f"{what}.parameters()[{i}]").size for i, p in enumerate(params))
    if count != expected:
        layers = ", ".join(f"Dense({a}, {b})" for a, b in zip(sizes[:-1], sizes[1:]))
        raise CheckFailed(f"{what} has {count} parameters in all, expected {expected}: the Dense layers {layers}, "
                          "each with its W and b (an activation after each Dense but the last)")
    rng = np.random.default_rng(seed + 100)
    x, y = 3.0 * rng.normal(size=(2, 64, in_features))
    out = logits(model, np.concatenate([x, y, (x + y) / 2]), what, out_features)
    fx, fy, mid = out[:64], out[64:128], out[128:]
    if not (out < 0).any() and not negative_once_bias_lowered(model, what, params, out_features, x):
        raise CheckFailed(f"{what}.forward gives no negative output on 192 inputs, nor once the last layer's bias is "
                          "lowered far below its outputs: the last layer must be a Dense producing logits, with no "
                          "activation after it")
    # Only an affine map f(x) = Ax + c has f((x + y)/2) = (f(x) + f(y))/2 for every x and y. (An odd
    # test, f(x) + f(−x) = 2f(0), would also hold for tanh or sigmoid layers whose biases are 0.)
    gap = np.abs(mid - (fx + fy) / 2).max()
    if hidden and gap <= 1e-6 * max(1.0, np.abs(out).max()):
        raise CheckFailed(f"{what} is an affine map (f((x + y)/2) = (f(x) + f(y))/2 on 64 random pairs x, y): a "
                          "stack of Dense layers without activations between them is one linear model. Put an "
                          "activation (ReLU, say) after every Dense layer but the last.")
    return model, what


@check("week2.train_mlp", points=1)
def mlp_structure(sub, ref):
    """Check that build_mlp returns a network mapping (N, in) to (N, out) logits, with the right number of parameters and an activation between its Dense layers."""
    for hidden in ([5], [6, 5], []):
        assert_structure(sub, 7, hidden, 3, seed=60 + len(hidden))


def training_advice(result, acc):
    """The week's reading of a training run that missed the threshold."""
    history = result.history
    if len(history) < 2:
        return ""
    if history[-1] > 0.9 * history[0]:
        return (f"The training loss hardly went down ({fmt(history[0])} in the first epoch, {fmt(history[-1])} in the "
                "last): the loop updates the arrays parameters() returns, in place, with gradients(), so check that "
                "parameters() returns the layers' own arrays and that backward sets every layer's grads (the checks "
                "of week2.dense and week2.sequential).")
    return (f"The training loss went from {fmt(history[0])} to {fmt(history[-1])}: the network learns, but not enough. "
            "Is a backward pass slightly wrong (the checks of week2.dense, week2.activations)?")


def judge_training(sub, split, device):
    """Train build_mlp(64, [64], 10) on the digits' training split with the week's recipe (once per
    grading: the public and the hidden check share the run) and judge its accuracy on `split`
    ("val" or "test")."""
    d = digits()
    names = {"val": "validation", "test": "held-out test"}
    train_and_judge(sub, "mlp.build_mlp", [ARCHITECTURE[0], list(ARCHITECTURE[1]), ARCHITECTURE[2]],
                    recipe=recipe(), X_train=d["X_train"], y_train=d["y_train"], X_eval=d[f"X_{split}"],
                    y_eval=d[f"y_{split}"], threshold=RUBRIC["accuracy_threshold"], device=device,
                    explain=training_advice,
                    what=f"after training build_mlp(64, [64], 10, rng) with the grader's loop ({RUBRIC['epochs']} "
                         f"epochs of SGD with momentum), the {names[split]} split")


@check("week2.train_mlp", points=2, timeout=RUBRIC["max_seconds"] + 60)
def mlp_reaches_threshold_on_validation(sub, ref):
    """Check that build_mlp(64, [64], 10), trained by the grader's fixed loop on the digits' training split, reaches the threshold on the validation split."""
    judge_training(sub, "val", device=ref.device)
