"""Hidden checks for mlp.py: a deeper network, its use of rng, and that it computes, forward
and backward, what the same stack built by hand from the student's own layers computes
with the same weights (so a layer bug costs the layer's exercise, not this one); accuracy
on the held-out test split after training on training and validation data with another seed."""

import numpy as np

from grader.compare import as_array, assert_close
from grader.datasets import digits
from grader.registry import CheckFailed, check
from grader.sandbox import StudentError

from .public_layers import assert_values, read_dict, set_params
from .public_mlp import RUBRIC, assert_structure, build, judge_training, logits

DEEP = (10, [9, 7, 6], 4)  # every weight shape (and its transpose) differs from every other


@check("week2.train_mlp", points=1)
def mlp_deeper_and_seeded(sub, ref):
    """Check that build_mlp(10, [9, 7, 6], 4, rng) is right too, and that its initial weights come from rng alone."""
    model, what = assert_structure(sub, *DEEP, seed=70)
    x = np.random.default_rng(71).normal(size=(5, DEEP[0]))
    first = logits(model, x, what, DEEP[2])
    again, _ = build(sub, *DEEP, seed=70)
    assert_close(logits(again, x, what, DEEP[2]), first, f"the logits of a second {what} with the same seed",
                 rtol=1e-12, atol=1e-12, hint="Draw the initial weights from the rng argument only (not np.random or "
                                              "a new generator), so that the same seed gives the same network.")
    other, _ = build(sub, *DEEP, seed=72)
    if np.allclose(logits(other, x, what, DEEP[2]), first):
        raise CheckFailed(f"{what} gives the same network for two different seeds: draw the initial weights from the "
                          "rng argument")


def by_shape(arrays, shape, what):
    found = [i for i, a in enumerate(arrays) if a.shape == shape]
    if len(found) != 1:
        raise CheckFailed(f"{what} should have exactly one parameter of shape {shape}, found {len(found)}")
    return found[0]


@check("week2.train_mlp", points=1)
def mlp_matches_hand_built_network(sub, ref):
    """Check that build_mlp(10, [9, 7, 6], 4) computes, forward and backward, what Sequential(Dense, ReLU, …, Dense) built from your own layers computes with the same weights."""
    in_features, hidden, out_features = DEEP
    model, what = build(sub, in_features, hidden, out_features, seed=73)
    sizes = [in_features, *hidden, out_features]
    dense = [sub.layers.Dense(a, b, sub.rng(74), _keep=True) for a, b in zip(sizes[:-1], sizes[1:])]
    layers = []
    for k, layer in enumerate(dense):
        layers += [layer] + ([sub.layers.ReLU(_keep=True)] if k < len(dense) - 1 else [])
    hand = sub.layers.Sequential(*layers, _keep=True)
    by_hand = "Sequential(" + ", ".join(f"Dense({a}, {b}), ReLU()" for a, b in zip(sizes[:-2], sizes[1:-1])) + \
              f", Dense({sizes[-2]}, {sizes[-1]})) built from your layers with the same weights"
    values = model.parameters()
    if not isinstance(values, list):
        raise CheckFailed(f"{what}.parameters() should return a list of arrays")
    arrays = [as_array(v, f"{what}.parameters()[{i}]") for i, v in enumerate(values)]
    owner = {}  # index in the model's parameters -> (Dense layer k, name)
    for k, layer in enumerate(dense):
        shapes = {name: p.shape for name, p in read_dict(layer, "params", f"Dense layer {k}").items()}
        chosen = {name: by_shape(arrays, shape, what) for name, shape in shapes.items()}
        set_params(layer, {name: arrays[i] for name, i in chosen.items()}, f"Dense layer {k}")
        owner.update({i: (k, name) for name, i in chosen.items()})
    rng = np.random.default_rng(75)
    x = 2.0 * rng.normal(size=(8, in_features))
    dout = rng.normal(size=(8, out_features))
    out_model, out_hand = logits(model, x, what, out_features), as_array(hand.forward(x), "the hand-built forward")
    assert_values(out_model, out_hand, f"{what}.forward(x), compared with {by_hand},",
                  hint="build_mlp must return Dense, ReLU, Dense, ReLU, …, Dense: a ReLU after every Dense but the "
                       "last, and nothing after the last.")
    backward_hint = ("Give every hidden layer its own ReLU object: a layer saves what its backward needs in forward, "
                     "so one object cannot serve two places in the network.")
    dx_hand = hand.backward(dout)
    try:
        dx_model = model.backward(dout)
    except StudentError as e:  # the same layers built by hand went through: the stack is at fault
        raise CheckFailed(f"{what}.backward(dout): {e.message}\nThe same stack built by hand, {by_hand}, did not "
                          f"raise. {backward_hint}") from None
    if isinstance(dx_hand, np.ndarray):  # else your Sequential returns no dx: week2.sequential says so
        assert_values(dx_model, dx_hand, f"{what}.backward(dout), compared with {by_hand},", hint=backward_hint)
    grads = model.gradients()
    if not isinstance(grads, list) or len(grads) != len(arrays):
        raise CheckFailed(f"{what}.gradients() should be a list of {len(arrays)} arrays, one per parameter")
    hand_grads = [read_dict(layer, "grads", f"Dense layer {k}") for k, layer in enumerate(dense)]
    for i, (k, name) in sorted(owner.items()):
        if name not in hand_grads[k]:
            raise CheckFailed(f"after backward, Dense layer {k}'s grads has no {name!r}")
        assert_values(grads[i], hand_grads[k][name], f"{what}.gradients()[{i}] after backward (the gradient of "
                      f"Dense layer {k}'s {name}), compared with {by_hand},", hint=backward_hint)


@check("week2.train_mlp", points=2, timeout=RUBRIC["max_seconds"] + 60)
def mlp_reaches_threshold_on_test(sub, ref):
    """Check that build_mlp(64, [64], 10), trained on training and validation data with another seed, reaches the threshold on the held-out test split."""
    d = digits()
    X = np.concatenate([d["X_train"], d["X_val"]])
    y = np.concatenate([d["y_train"], d["y_val"]])
    judge_training(sub, X, y, d["X_test"], d["y_test"], seed=1, split_name="held-out test", device=ref.device)
