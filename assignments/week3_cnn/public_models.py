"""Public checks for models.py: the residual block against the grader's own PyTorch
re-implementation run with the student's weights, and the CNN classifier's output
shapes and its accuracy after training with the week's fixed recipe.

PyTorch objects stay in the student's process; the grader drives them through
handles. It makes its input tensors there with ``Tensor.new_tensor`` of one of the
model's own parameters (so they get the model's dtype and device) and reads tensors
back with ``.detach().cpu().numpy()``.

The residual block's layers are found by what they are, not by their names: walking
``named_modules()``, the block must hold exactly two ``nn.Conv2d`` (their classes or a
base class) and two ``nn.BatchNorm2d``, as attributes, in an ``nn.Sequential`` or
nested deeper. The grader reads each layer's weights from its ``state_dict()`` and
gives the batch-norm layers random scales, shifts and running statistics first
(``copy_`` into the state_dict's tensors, which share storage with the parameters), so
that a block that skips a layer cannot pass. Which convolution comes first (and which
batch norm) is the order that reproduces the block's output, tried in registration
order first and then kept for the block's later passes: the block passes only when its
output, and the running statistics it leaves behind, are the formula's for its own
layers in one fixed order.
"""

import math

import numpy as np
import torch
import torch.nn.functional as F

from grader.compare import as_array, assert_finite, close, describe
from grader import heldout
from grader.oracles import assert_close_scaled
from grader.registry import CheckFailed, check, load_rubric
from grader.sandbox import Handle, NotImplementedYet, StudentError
from grader.training import Recipe, train_and_judge

TOL = load_rubric(__file__)["models"]

CONV = "torch.nn.modules.conv.Conv2d"
BATCHNORM = "torch.nn.modules.batchnorm.BatchNorm2d"
WEIGHTS = ("weight", "bias", "running_mean", "running_var")
# (which of the two convolutions is conv1, which of the two batch norms is bn1), registration order first
ORDERS = ((0, 0), (0, 1), (1, 0), (1, 1))


# --- PyTorch objects in the student's process ---------------------------------------------


def parameters(model, what):
    """The model's parameters, as handles."""
    params = model.parameters().collect(limit=100_000)
    if not params:
        raise CheckFailed(f"{what} has no parameters (model.parameters() is empty): nothing could be trained.")
    return params


def remote_tensor(param, array):
    """A tensor holding `array` in the student's process, with the dtype and device of `param`."""
    return param.new_tensor(np.ascontiguousarray(array, dtype=np.float32))


def to_numpy(value, what):
    """A tensor living in the student's process as a float64 NumPy array."""
    if not isinstance(value, Handle) or not value.type_name.startswith("torch"):
        raise CheckFailed(f"{what} should be a torch.Tensor, got {describe(value)}")
    return as_array(value.detach().cpu().numpy(), what)


def module_of(sub, builder, args, what):
    """The student's builder called with `args`, checked to return an nn.Module (a handle)."""
    model = sub.call(builder, *args)
    # torch's own modules (torch.nn.modules...), or a class defined in the student's models.py
    if not isinstance(model, Handle) or not (model.type_name.startswith("torch.nn.")
                                             or ".models." in f".{model.type_name}"):
        raise CheckFailed(f"{what} should return a torch.nn.Module, got {describe(model)}")
    return model


# --- week3.residual: the grader's re-implementation ------------------------------------------


def residual_forward(x, sd, train, skip=True, relu_before_add=False, use_bn2=True, final_relu=True):
    """relu(x + bn2(conv2(relu(bn1(conv1(x)))))) in float64 from the weights `sd` (NumPy arrays keyed as
    a state_dict, with each batch norm's own options under "bnK.eps" and "bnK.momentum"); the flags
    give the variants common mistakes compute. Returns (out, new running stats)."""
    def t(key):
        return torch.tensor(np.array(sd[key], dtype=np.float64)) if sd.get(key) is not None else None

    stats = {}

    def conv(h, name):
        return F.conv2d(h, t(f"{name}.weight"), t(f"{name}.bias"), padding=1)

    def bn(h, name):
        rm, rv = t(f"{name}.running_mean"), t(f"{name}.running_var")
        momentum = sd.get(f"{name}.momentum", 0.1)
        if momentum is None:  # nn.BatchNorm2d(momentum=None): a cumulative average over the batches seen
            momentum = 1.0 / (float(sd.get(f"{name}.num_batches_tracked", 0.0)) + 1.0)
        out = F.batch_norm(h, rm, rv, t(f"{name}.weight"), t(f"{name}.bias"), training=train, momentum=momentum,
                           eps=sd.get(f"{name}.eps", 1e-5))
        stats[f"{name}.running_mean"], stats[f"{name}.running_var"] = rm.numpy(), rv.numpy()
        return out

    xt = torch.tensor(np.asarray(x, dtype=np.float64))
    h = F.relu(bn(conv(xt, "conv1"), "bn1"))
    h = conv(h, "conv2")
    h = bn(h, "bn2") if use_bn2 else h
    if relu_before_add:
        h = F.relu(h)
    out = xt + h if skip else h
    out = F.relu(out) if final_relu else out
    return out.numpy(), stats


def residual_mistakes(x, sd, train):
    """What the common wrong blocks output, with the same weights."""
    return {label: residual_forward(x, sd, train, **flags)[0] for label, flags in (
        ("leaving out the skip connection (relu(bn2(conv2(…))) without + x)", {"skip": False}),
        ("applying the ReLU before adding x (x + relu(bn2(conv2(…))))", {"relu_before_add": True, "final_relu": False}),
        ("leaving out the last ReLU (x + bn2(conv2(…)))", {"final_relu": False}),
        ("leaving out bn2", {"use_bn2": False}),
    )}


def class_names(module):
    """The qualified names of the classes `module` (a handle) is an instance of, bases included
    (a subclass of nn.Conv2d is a Conv2d)."""
    if module.type_name in (CONV, BATCHNORM):
        return [module.type_name]
    classes = module.get("__class__").mro()
    if not isinstance(classes, list):
        return []
    return [f"{c.get('__module__')}.{c.get('__qualname__')}" for c in classes[:50] if isinstance(c, Handle)]


class Block:
    """The student's ResidualBlock(channels), driven through handles: its two convolutions and
    two batch norms, found by their classes wherever the block registered them."""

    def __init__(self, sub, channels):
        self.what = f"ResidualBlock({channels})"
        self.channels = channels
        self.handle = module_of(sub, "models.ResidualBlock", [channels], self.what)
        self.param = parameters(self.handle, self.what)[0]
        self.convs, self.bns = self.find_layers()
        self.order = None  # (conv1, bn1) indices into convs and bns, once an order reproduced the output
        self.state()  # the layers' weights and shapes, before reading the layers' options

    def find_layers(self):
        """([(name, handle)] of the two nn.Conv2d, the same of the two nn.BatchNorm2d), in registration order."""
        convs, bns = [], []
        for item in self.handle.named_modules().collect(limit=1000):
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)
                    and isinstance(item[1], Handle)):
                raise CheckFailed(f"{self.what}.named_modules() should give (name, module) pairs, got {describe(item)}")
            name, module = item
            if not name:
                continue  # the block itself
            classes = class_names(module)
            if CONV in classes:
                convs.append((name, module))
            elif BATCHNORM in classes:
                bns.append((name, module))
        if len(convs) != 2 or len(bns) != 2:
            found = "; ".join(f"{len(layers)} {kind} ({', '.join(n for n, _ in layers) or 'none'})"
                              for kind, layers in (("nn.Conv2d", convs), ("nn.BatchNorm2d", bns)))
            raise CheckFailed(f"{self.what} has {found}: expected two of each, each its own layer (conv1, conv2, bn1 "
                              "and bn2 of relu(x + bn2(conv2(relu(bn1(conv1(x))))))), registered in the block as "
                              "attributes (directly, or in an nn.Sequential or another submodule) so that the grader "
                              "can read their weights.")
        return convs, bns

    def state(self):
        """{"conv": [weights of each convolution], "bn": [the same of each batch norm]}, each a dict of
        NumPy arrays keyed as its state_dict, after checking that the keys and shapes are a
        3×3 convolution from C to C channels and a batch norm over C channels."""
        C = self.channels
        out = {"conv": [], "bn": []}
        for kind, layers, required in (("conv", self.convs, ("weight",)), ("bn", self.bns, WEIGHTS)):
            for name, layer in layers:
                label = f"{self.what}.{name}"
                sd = layer.state_dict()
                keys = sd.keys().collect(limit=1000)
                missing = [k for k in required if k not in keys]
                if missing:
                    advice = ("nn.BatchNorm2d(channels) with its learned scale and shift and its running "
                              "statistics" if kind == "bn" else "nn.Conv2d(channels, channels, 3, padding=1)")
                    raise CheckFailed(f"{label}.state_dict() has no {', '.join(missing)} (its keys: "
                                      f"{', '.join(map(str, keys))}): use {advice}.")
                weights = {k: to_numpy(sd[k], f"{label}.state_dict()['{k}']") for k in keys if k in WEIGHTS}
                if kind == "bn":
                    weights.update(self.bn_options(layer, label, sd if "num_batches_tracked" in keys else None))
                if kind == "conv" and weights["weight"].shape != (C, C, 3, 3):
                    raise CheckFailed(f"{label}.weight has shape {weights['weight'].shape}, expected ({C}, {C}, 3, 3): "
                                      f"a 3×3 convolution from {C} to {C} channels.")
                if kind == "bn" and any(weights[k].shape != (C,) for k in WEIGHTS):
                    raise CheckFailed(f"{label} normalises {weights['weight'].shape} channels, expected ({C},): "
                                      f"nn.BatchNorm2d({C}).")
                out[kind].append(weights)
        return out

    @staticmethod
    def bn_options(layer, label, sd):
        """A batch norm's own eps and momentum (the table fixes neither: any the student chose is
        recomputed as it is), and the batches it has counted where momentum is None."""
        eps, momentum = layer.get("eps"), layer.get("momentum")
        if not (isinstance(eps, float) and math.isfinite(eps) and eps >= 0):
            raise CheckFailed(f"{label}.eps is {describe(eps)}, expected a non-negative float")
        if momentum is not None and not (isinstance(momentum, float) and 0.0 <= momentum <= 1.0):
            raise CheckFailed(f"{label}.momentum is {describe(momentum)}, expected a float in [0, 1] or None")
        options = {"eps": eps, "momentum": momentum}
        if momentum is None:
            if sd is None:
                raise CheckFailed(f"{label} has momentum=None but keeps no num_batches_tracked")
            options["num_batches_tracked"] = float(to_numpy(sd["num_batches_tracked"], f"{label}.num_batches_tracked"))
        return options

    def named(self, state, order):
        """`state`'s weights keyed as the formula names them ("conv1.weight", "bn2.running_var", ...)
        for `order` = (which convolution is conv1, which batch norm is bn1)."""
        (c1, b1), sd = order, {}
        for kind, first in (("conv", c1), ("bn", b1)):
            for number, index in ((1, first), (2, 1 - first)):
                sd.update({f"{kind}{number}.{k}": v for k, v in state[kind][index].items()})
        return sd

    def label(self, order):
        """Which of the student's layers play conv1, bn1, conv2 and bn2 in `order`, in words."""
        (c1, b1) = order
        names = (self.convs[c1][0], self.bns[b1][0], self.convs[1 - c1][0], self.bns[1 - b1][0])
        return ", ".join(f"{formula} = {self.what}.{name}"
                         for formula, name in zip(("conv1", "bn1", "conv2", "bn2"), names))

    def randomise_batchnorm(self, seed):
        """Random γ, β and running statistics in both batch-norm layers (in the student's process)."""
        rng = np.random.default_rng(seed)
        C = self.channels
        for _, layer in self.bns:
            sd = layer.state_dict()
            for key, values in (("weight", rng.uniform(0.5, 1.5, C) * rng.choice([-1, 1], C)),
                                ("bias", rng.normal(0, 0.5, C)), ("running_mean", rng.normal(0, 0.3, C)),
                                ("running_var", rng.uniform(0.5, 2.0, C))):
                sd[key].copy_(remote_tensor(self.param, values))

    def forward(self, x, train):
        """The block's output for `x` (NumPy) in training or evaluation mode, as NumPy."""
        (self.handle.train if train else self.handle.eval)()
        out = self.handle.forward(remote_tensor(self.param, x))
        return to_numpy(out, f"the output of {self.what} for x of shape {x.shape}")


def matches(got, expected):
    """Whether `got` is `expected` within the [models] tolerance (atol at the scale of `expected`)."""
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    return close(got, expected, TOL["rtol"], TOL["atol"] * scale)


def assert_residual(block, x, train):
    """One forward pass of the student's block against the re-implementation with its own weights
    (and, in training mode, the running statistics it leaves behind). The first pass that matches
    one order of the layers fixes which are conv1 and bn1 for the block's later passes; a pass that
    matches none is reported against the registration order."""
    state = block.state()
    got = block.forward(x, train)
    mode = "training" if train else "evaluation"
    what = f"the output of {block.what} in {mode} mode for x of shape {x.shape}"
    orders = [block.order] if block.order else ORDERS
    runs = [(order, block.named(state, order)) for order in orders]
    runs = [(order, sd, *residual_forward(x, sd, train)) for order, sd in runs]
    order, sd, expected, stats = next((run for run in runs if matches(got, run[2])), runs[0])
    if got.shape != expected.shape:
        raise CheckFailed(f"{what} has shape {got.shape}, expected {expected.shape} (the input's shape): 3×3 "
                          "convolutions with padding=1 and stride 1 keep the height and width.")
    assert_finite(got, what)
    if (got < 0).any():
        what += " (it has negative values: the final ReLU must come after adding x)"
    assert_close_scaled(got, expected, what, rtol=TOL["rtol"], atol=TOL["atol"],
                        mistakes=residual_mistakes(x, sd, train),
                        hint=f"Expected relu(x + bn2(conv2(relu(bn1(conv1(x)))))) computed with your block's weights "
                             f"({block.label(order)}, or any other order of the two convolutions and of the two batch "
                             "norms).")
    if train:
        after = block.named(block.state(), order)
        for key, want in stats.items():
            assert_close_scaled(after[key], want, f"{block.what}'s {key} after a forward pass in training mode "
                                f"({block.label(order)})", rtol=TOL["rtol"], atol=TOL["atol"],
                                hint="Is each batch norm used exactly once per forward pass?")
    block.order = order


# --- week3.cnn ----------------------------------------------------------------------------------


ANY_SIZE = ("build_cnn must work for any number of input channels (its first convolution takes in_channels) and any "
            "image size from 16×16 to 64×64: end the convolutional part with a global pooling (nn.AdaptiveAvgPool2d(1) "
            "or nn.AdaptiveMaxPool2d(1)) so that the head does not depend on the image size.")


def cnn_logits(sub, channels, classes, size, seed):
    """build_cnn(channels, classes) in evaluation mode on 2 random images of `size` (H, W): the logits."""
    what = f"build_cnn({channels}, {classes})"
    model = module_of(sub, "models.build_cnn", [channels, classes], what)
    param = parameters(model, what)[0]
    model.eval()
    x = np.random.default_rng(seed).uniform(0, 1, size=(2, channels, *size))
    try:
        out = model.forward(remote_tensor(param, x))
    except NotImplementedYet:
        raise
    except StudentError as e:
        raise CheckFailed(f"the model of {what} failed on a batch of shape {x.shape}: {e.type}: {e.text}. {ANY_SIZE}")
    return to_numpy(out, f"the output of {what} for a batch of shape {x.shape}")


def recipe(cfg) -> Recipe:
    """The week's fixed training recipe from the rubric's [cnn] table."""
    return Recipe(trainer="torch_classifier", epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"],
                  optimizer="adam", seed=cfg["seed"], max_seconds=cfg["max_seconds"])


def advice(result, acc):
    """What most likely keeps a CNN below the threshold, from its training run (`explain` of
    grader.training.train_and_judge)."""
    final_loss = result.history[-1] if result.history else float("nan")
    if result.stopped_early:
        return "Make the network cheaper."
    if final_loss < 0.3:
        return (f"The training loss fell to {final_loss:.3f}, so the network fits its training images but does worse "
                "on held-out ones in evaluation mode: check what changes between model.train() and model.eval() "
                "(batch norm running statistics, dropout).")
    if acc < 0.7:
        return ("A network of Linear layers on the flattened pixels stays far below it with this recipe (about "
                "0.3–0.65): use convolutions, which share their weights across positions, with pooling.")
    return (f"The network learns (final training loss {final_loss:.3f}) but not fast enough for the recipe's "
            "budget: batch normalization after each convolution and a global max pooling help most here.")


def shapes_data(cfg, split):
    """The shapes images and labels the CNN is trained ("train") or judged ("val", "test") on: drawn
    from the course secret (grader.heldout), never from a seed in these public checks."""
    n = {"train": cfg["n_train"], "val": cfg["n_val"], "test": cfg["n_test"]}[split]
    return heldout.shapes(n, cfg["size"], f"week3.shapes.{split}")


def judge_cnn(sub, ref, split, split_name):
    """Train build_cnn with the rubric's recipe (`ref.rubric`, so a test may shrink it) on the training
    images, once per grading (the public and the hidden check share the run), and judge its accuracy
    on the images of `split`."""
    cfg = ref.rubric["cnn"]
    r = recipe(cfg)
    X_train, y_train = shapes_data(cfg, "train")
    X_eval, y_eval = shapes_data(cfg, split)
    channels = X_train.shape[1]
    classes = int(y_train.max()) + 1
    what = (f"build_cnn trained with the fixed recipe ({r.epochs} epochs of Adam, lr {r.lr:g}, batches of "
            f"{r.batch_size}, {len(X_train)} images) and scored on the {split_name} images")
    train_and_judge(sub, "models.build_cnn", [channels, classes], recipe=r, X_train=X_train, y_train=y_train,
                    X_eval=X_eval, y_eval=y_eval, threshold=cfg["accuracy_threshold"], what=what, device=ref.device,
                    num_classes=classes, explain=advice)


@check("week3.residual", points=2)
def residual_block_matches_reference(sub, ref):
    """Check that ResidualBlock computes relu(x + bn2(conv2(relu(bn1(conv1(x)))))) in training mode, with the input's shape, running statistics updated."""
    block = Block(sub, 4)
    block.randomise_batchnorm(seed=300)
    assert_residual(block, np.random.default_rng(301).normal(size=(3, 4, 6, 5)), train=True)


@check("week3.cnn", points=1)
def cnn_logits_have_the_right_shape(sub, ref):
    """Check that build_cnn maps (N, C, H, W) images to (N, num_classes) logits for 1, 3 and 5 channels and sizes 16×16 to 64×64."""
    for k, (channels, classes, size) in enumerate(((3, 4, (32, 32)), (1, 3, (16, 16)), (5, 7, (64, 64)),
                                                   (3, 4, (20, 48)))):
        logits = cnn_logits(sub, channels, classes, size, seed=310 + k)
        if logits.shape != (2, classes):
            raise CheckFailed(f"build_cnn({channels}, {classes}) maps a batch of shape (2, {channels}, {size[0]}, "
                              f"{size[1]}) to shape {logits.shape}, expected (2, {classes}): one logit per class. "
                              + ANY_SIZE)
        assert_finite(logits, f"the logits of build_cnn({channels}, {classes})")


@check("week3.cnn", points=3, name="reaches the accuracy threshold on the validation images of the shapes data")
def cnn_reaches_threshold_on_validation(sub, ref):
    """Check that the CNN trained on the shapes data's training split reaches the threshold on its validation split."""
    judge_cnn(sub, ref, "val", "validation")
