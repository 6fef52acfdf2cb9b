# %% [markdown]
# # Week 3: Convolutional networks
#
# This week you build the layers of a convolutional network in NumPy (convolution, max
# pooling, batch normalization, dropout) with their backward passes, and data augmentation.
# Then, in PyTorch, a residual block and a small CNN, which you compare with a network of
# Linear layers on images of shapes.
#
# **How the week works**
#
# 1. Your code goes in the four module files next to this notebook: `conv.py`,
#    `normalization.py`, `augment.py` and `models.py`. Each exercise is a function or a
#    class whose body is `raise NotImplementedError("week3.…")`. Replace that line with
#    your code. The `README.md` in the same folder gives each exercise's exact contract.
# 2. Run this notebook (*Kernel → Restart & Run All*) to see your code at work. Where an
#    exercise is not done yet, a demo prints which one to implement instead of failing.
# 3. Run the self-check at the end (or `dlgrade check week3` in a terminal) until every
#    public check passes.
# 4. Submit the four module files.
#
# The notebook contains no solutions: every exercise it runs is your own code. The locked
# *autograder* cell after each exercise is for your instructor's grading. It grades your
# module files in a separate process. Leave those cells as they are.

# %%
# Setup. The notebook runs from the folder that holds your module files.
import pathlib
import sys
import time
import traceback
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

try:  # draw figures in the notebook even where MPLBACKEND names another backend
    get_ipython().run_line_magic("matplotlib", "inline")
except NameError:  # not running under IPython
    pass

# Your module files, from this notebook's folder (whatever its name), imported afresh each
# time this cell runs, so that edits count without restarting the kernel.
from grader.notebook import import_week

import_week("week3")
from week3_cnn import augment, conv, models, normalization


@contextmanager
def demo(what):
    """Run a demo of your code; an unfinished exercise or an error prints a message instead of stopping the notebook."""
    try:
        yield
    except NotImplementedError as e:
        plt.close("all")
        frame = traceback.extract_tb(e.__traceback__)[-1]
        exercise = str(e) or frame.name
        print(f"{exercise} is not implemented yet — implement it in {pathlib.Path(frame.filename).name} to see {what}.")
    except Exception as e:
        plt.close("all")
        print(f"Your code raised an error, so {what} cannot be shown:")
        traceback.print_exception(type(e), e, e.__traceback__.tb_next, file=sys.stdout)  # from the demo's code on


# %% [markdown]
# ## 1. Convolution
#
# ### 1.1 A sliding dot product
#
# A fully connected layer gives every output its own weight for every input pixel. A
# **convolutional** layer slides one small filter over the image instead and takes, at each
# position, the dot product of the filter with the patch under it. For an input
# $x \in \mathbb{R}^{N\times C\times H\times W}$ (examples, channels, rows, columns), filters
# $w \in \mathbb{R}^{F\times C\times K_H\times K_W}$ and biases $b \in \mathbb{R}^F$,
#
# $$\text{out}[n, f, i, j] = b_f + \sum_{c=1}^{C}\sum_{p=0}^{K_H-1}\sum_{q=0}^{K_W-1}
#   x_{\text{pad}}[n, c,\; i s + p,\; j s + q]\; w[f, c, p, q],$$
#
# where $s$ is the **stride** (the step between windows) and $x_{\text{pad}}$ is $x$ with
# **padding** $P$ rows and columns of zeros added on every side. The output has
#
# $$H_{\text{out}} = \left\lfloor \frac{H + 2P - K_H}{s} \right\rfloor + 1$$
#
# rows, and likewise columns. Two things make this layer fit images: its weights are
# **shared** across positions (a vertical edge is a vertical edge anywhere), and each
# output sees only a small **local** patch. A 3×3 convolution from 64 to 64 channels has
# 36 928 parameters whatever the image size; a Linear layer between two 64×32×32 maps
# would have over 4 billion.
#
# Deep learning libraries compute this *cross-correlation*; the convolution of signal
# processing flips the kernel first. With learned filters the difference does not matter,
# but to match `torch.nn.functional.conv2d` you must not flip.
#
# Below, a 3×3 filter that takes the left column minus the right column responds to
# vertical edges: positive where the image gets darker from left to right, negative where
# it gets brighter, zero on flat regions.

# %%
image = np.zeros((1, 1, 8, 10))
image[0, 0, 2:6, 3:7] = 1.0  # a bright square on a dark background
edge = np.array([[1.0, 0.0, -1.0]] * 3)[None, None]  # (F, C, KH, KW) = (1, 1, 3, 3)

with demo("the edge detector"):
    out, _ = conv.conv2d_forward(image, edge, np.zeros(1), stride=1, padding=1)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.2), gridspec_kw={"width_ratios": [10, 3, 10]})
    for ax, data, title in ((axes[0], image[0, 0], "input (8×10)"), (axes[1], edge[0, 0], "filter"),
                            (axes[2], out[0, 0], f"output {out.shape[2]}×{out.shape[3]} (padding 1)")):
        im = ax.imshow(data, cmap="RdBu_r", vmin=-3, vmax=3)
        ax.set_title(title)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(im, ax=axes, shrink=0.8)
    plt.show()
    for stride, padding in ((1, 0), (2, 1), (3, 0)):
        shape = conv.conv2d_forward(image, edge, np.zeros(1), stride=stride, padding=padding)[0].shape
        print(f"stride {stride}, padding {padding}: output shape {shape}")

# %% [autograde] week3.conv_forward

# %% [markdown]
# ### 1.2 The backward pass
#
# Given $\partial L/\partial\,\text{out}$ (`dout`), each output pixel sends its gradient back
# along the connections it was computed from:
#
# - $\partial L/\partial b_f = \sum_{n,i,j} \text{dout}[n,f,i,j]$;
# - $\partial L/\partial w[f,c,p,q] = \sum_{n,i,j} \text{dout}[n,f,i,j]\; x_{\text{pad}}[n,c,is+p,js+q]$: a
#   correlation of the input with `dout`;
# - $\partial L/\partial x_{\text{pad}}[n,c,is+p,js+q] \mathrel{+}= \sum_f \text{dout}[n,f,i,j]\; w[f,c,p,q]$ for
#   every window: each input pixel collects from every window that read it (windows $s$
#   apart!), and the padding is cut off at the end.
#
# A backward pass is easy to get almost right. The standard test compares it with
# **numerical differentiation**: for a random upstream gradient $v$, the derivative of
# $\langle v, \text{out}(x)\rangle$ along a random direction $u$ must equal
# $\langle \partial L/\partial x, u\rangle$. The grader does this, and more, with its own
# float64 function; here your forward is used for the numerical side.

# %%
def directional_check(forward, backward, x, seed=0, eps=1e-6):
    """(analytic, numerical) derivative of <v, forward(x)> along a random unit direction u."""
    rng = np.random.default_rng(seed)
    out = forward(x)
    v, u = rng.normal(size=out.shape), rng.normal(size=x.shape)
    u /= np.linalg.norm(u)
    numerical = (np.vdot(v, forward(x + eps * u)) - np.vdot(v, forward(x - eps * u))) / (2 * eps)
    return float(np.vdot(backward(v), u)), float(numerical)


with demo("the gradient check of your convolution"):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, 3, 3)), rng.normal(size=4)
    _, cache = conv.conv2d_forward(x, w, b, stride=2, padding=1)
    cases = {
        "dx": (lambda x_: conv.conv2d_forward(x_, w, b, 2, 1)[0], lambda v: conv.conv2d_backward(v, cache)[0], x),
        "dw": (lambda w_: conv.conv2d_forward(x, w_, b, 2, 1)[0], lambda v: conv.conv2d_backward(v, cache)[1], w),
        "db": (lambda b_: conv.conv2d_forward(x, w, b_, 2, 1)[0], lambda v: conv.conv2d_backward(v, cache)[2], b),
    }
    for name, (f, back, arg) in cases.items():
        analytic, numerical = directional_check(f, back, arg)
        print(f"{name}: backward {analytic:+.8f}, numerical {numerical:+.8f}, "
              f"relative difference {abs(analytic - numerical) / max(1e-12, abs(numerical)):.1e}")

# %% [autograde] week3.conv_backward

# %% [markdown]
# ## 2. Receptive fields and pooling
#
# **Max pooling** keeps the largest value of each window, typically 2×2 with stride 2: the
# map shrinks by half in each direction, the strongest responses survive, and a feature that
# moves by a pixel often gives the same output (a little translation invariance). It has no
# parameters. Its backward pass routes each gradient to the one input that was the maximum
# of its window (with ties, to the first one, as PyTorch does); where windows overlap, a
# pixel that wins several of them collects the sum.
#
# The **receptive field** of a unit is the patch of the input it depends on. Each 3×3
# convolution adds 2 pixels to it (times the product of the strides before it), and each
# pooling multiplies the step between neighbouring units. Below, a one-hot gradient at the
# centre of the last map is sent back through 3×3 convolution → 2×2 pooling → 3×3
# convolution → 2×2 pooling → 3×3 convolution with *your* backward passes. The receptive
# field is 18×18 here: 1 + 2 = 3 through the last convolution, (3 − 1)·2 + 2 = 6 through
# the pooling, 8, 16, then 18. The input pixels that receive a non-zero gradient all lie
# inside it, though not all of it: max pooling passes each gradient to one pixel per window.

# %%
with demo("the receptive field"):
    rng = np.random.default_rng(2)
    h = rng.normal(size=(1, 1, 40, 40))
    caches = []
    for layer in ("conv", "pool", "conv", "pool", "conv"):
        if layer == "conv":
            k = rng.uniform(0.5, 1.5, size=(1, 1, 3, 3))
            h, c = conv.conv2d_forward(h, k, np.zeros(1), stride=1, padding=1)
            caches.append(("conv", c))
        else:
            h, c = conv.maxpool2d_forward(h, 2, 2)
            caches.append(("pool", c))
    g = np.zeros_like(h)
    g[0, 0, h.shape[2] // 2, h.shape[3] // 2] = 1.0
    for kind, c in reversed(caches):
        g = conv.conv2d_backward(g, c)[0] if kind == "conv" else conv.maxpool2d_backward(g, c)
    rows, cols = np.nonzero(np.abs(g[0, 0]) > 0)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.imshow(np.abs(g[0, 0]) > 0, cmap="Greys")
    ax.set_title(f"pixels reached by one unit's gradient\n(they span {rows.max() - rows.min() + 1}×"
                 f"{cols.max() - cols.min() + 1} pixels)")
    plt.show()

# %% [autograde] week3.maxpool

# %% [markdown]
# ## 3. Batch normalization and dropout
#
# ### 3.1 Batch normalization
#
# During training, **batch normalization** standardises each feature with the statistics of
# the current batch, then lets the network rescale it:
#
# $$\mu = \frac1N\sum_n x_n, \qquad \sigma^2 = \frac1N\sum_n (x_n - \mu)^2, \qquad
#   \text{out}_n = \gamma\,\frac{x_n - \mu}{\sqrt{\sigma^2 + \varepsilon}} + \beta .$$
#
# Every layer then sees inputs of a stable scale, whatever the layers before it do, and
# larger learning rates become safe. At test time there may be a single example, so the
# layer uses **running statistics** gathered during training instead:
# $\text{running} \leftarrow (1 - m)\,\text{running} + m\,\text{batch statistic}$, with momentum
# $m$ the weight of the *new* batch (0.1 in PyTorch), and the *unbiased* variance
# (divided by $N - 1$) going into the running variance. Because $\mu$ and $\sigma^2$ depend on
# every example of the batch, the backward pass has two more terms than a plain scaling:
#
# $$\frac{\partial L}{\partial x} = \frac{1}{\sqrt{\sigma^2+\varepsilon}}\Big(g - \overline{g} - \hat x\, \overline{g\,\hat x}\Big),
#   \qquad g = \gamma\,\frac{\partial L}{\partial\,\text{out}},$$
#
# with $\hat x$ the normalised input and bars the means over the batch.
#
# Below: features on wildly different scales, normalised batch after batch, and the running
# statistics converging to the data's mean and variance.

# %%
rng = np.random.default_rng(3)
scales, shifts = np.array([0.01, 1.0, 100.0]), np.array([5.0, -2.0, 300.0])
with demo("batch normalization"):
    state = {"running_mean": np.zeros(3), "running_var": np.ones(3)}
    history = []
    for step in range(60):
        batch = shifts + scales * rng.normal(size=(32, 3))
        out, _ = normalization.batchnorm_forward(batch, np.ones(3), np.zeros(3), state, True)
        history.append(np.array(state["running_mean"]) / shifts)
    print("last batch after normalization: mean", np.round(out.mean(axis=0), 6), "std", np.round(out.std(axis=0), 4))
    print("(feature 0's spread, 0.01, is not far above √eps ≈ 0.003, so eps shrinks its standard deviation a little)")
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(np.array(history), label=[f"feature {k} (mean {s:g})" for k, s in enumerate(shifts)])
    ax.axhline(1.0, color="k", lw=0.8, ls="--")
    ax.set(xlabel="training step", ylabel="running mean / true mean", title="Running mean, momentum 0.1")
    ax.legend()
    plt.show()
    test = shifts + scales * rng.normal(size=(1, 3))
    out, _ = normalization.batchnorm_forward(test, np.ones(3), np.zeros(3), state, False)
    print("one test example in evaluation mode:", np.round(out, 3))

# %% [autograde] week3.batchnorm

# %% [markdown]
# ### 3.2 Dropout
#
# **Dropout** sets each activation to zero with probability $p$ during training, a different
# random subset at every step, so that no unit can rely on any other being there: an
# ensemble of thinned networks sharing weights. *Inverted* dropout scales the kept units by
# $1/(1-p)$, so that the expected activation is unchanged and the network is used as it is at
# test time, where dropout does nothing. The backward pass lets the gradient through the
# same kept units, with the same scale.

# %%
with demo("dropout"):
    rng = np.random.default_rng(4)
    x = np.ones((2000, 50))
    for p in (0.2, 0.5, 0.8):
        out, mask = normalization.dropout_forward(x, p, True, rng)
        print(f"p = {p}: dropped {np.mean(out == 0):.3f} of the units, kept ones = {out[out != 0].max():.3f}, "
              f"mean activation {out.mean():.3f} (input 1.0)")
    out, _ = normalization.dropout_forward(x[:1, :20], 0.5, True, rng)
    print("one row, p = 0.5:", np.round(out[0], 1))

# %% [autograde] week3.dropout

# %% [markdown]
# ## 4. The shapes data and augmentation
#
# The CNN of section 6 learns to tell four shapes apart: circles, squares, triangles and
# crosses, drawn at random positions, sizes and colours on random backgrounds, with noise.
# The grader generates them (`grader.datasets.shapes`), deterministically per seed; the images
# your network is trained and judged on when graded come from seeds only your instructor knows.
#
# **Data augmentation** makes more training images out of each one by transformations that
# keep the label: here a horizontal flip and a small shift (pad with zeros, crop back at a
# random offset). The network then has to recognise a shape wherever it is and whichever way
# it faces, instead of memorising pixels. It is applied to every training batch afresh, so
# the network rarely sees the same image twice.

# %%
try:  # the rubric's recipe and threshold, where the course folder is at hand
    from grader.course import Week

    CNN = Week.load("week3").rubric["cnn"]
except Exception:
    CNN = {"n_train": 2000, "n_val": 500, "n_test": 500, "size": 32, "epochs": 12, "batch_size": 64,
           "lr": 1e-3, "accuracy_threshold": 0.85}  # as published for this term
from grader.datasets import SHAPES, shapes_split

# Seed 0 here, for your experiments; grading draws its images from your instructor's secret
# (grader.heldout), from the same generator.
data = shapes_split(CNN["n_train"], CNN["n_val"], CNN["n_test"], CNN["size"], 0)
X_train, y_train, X_val, y_val = (np.array(data[k]) for k in ("X_train", "y_train", "X_val", "y_val"))
print(f"training {X_train.shape}, validation {X_val.shape}; classes {SHAPES}")

with demo("your augmentation"):
    originals = X_train[:6]
    rows = [originals] + [augment.random_flip_crop(originals, 4, np.random.default_rng(s)) for s in range(3)]
    fig, axes = plt.subplots(4, 6, figsize=(10, 7))
    for r, batch in enumerate(rows):
        for c in range(6):
            axes[r, c].imshow(batch[c].transpose(1, 2, 0))
            axes[r, c].axis("off")
            if r == 0:
                axes[r, c].set_title(SHAPES[y_train[c]])
    fig.suptitle("first row: the images; below: three draws of random_flip_crop(images, pad=4, rng)")
    plt.show()

# %% [autograde] week3.augment

# %% [markdown]
# ## 5. Residual blocks
#
# Deep plain stacks of layers are hard to train: the gradient has to pass through every
# layer, and each can shrink or distort it. A **residual block** learns a correction
# $F(x)$ to its input instead of a whole new representation,
#
# $$\text{out} = \operatorname{relu}\big(x + F(x)\big), \qquad F(x) = \text{bn}_2(\text{conv}_2(\operatorname{relu}(\text{bn}_1(\text{conv}_1(x))))),$$
#
# with 3×3 convolutions of padding 1 so that $F(x)$ has the shape of $x$. The identity path
# carries the signal and the gradient through unchanged; a block whose $F$ is zero does no
# harm, so adding blocks cannot make the network worse at fitting. This is what lets ResNets
# train with over a hundred layers.

# %%
with demo("your residual block"):
    block = models.ResidualBlock(8)
    x = torch.randn(4, 8, 16, 16)
    block.train()
    out = block(x)
    print(f"ResidualBlock(8): input {tuple(x.shape)} -> output {tuple(out.shape)}, "
          f"{sum(p.numel() for p in block.parameters())} parameters, smallest output {out.min().item():.3f}")
    with torch.no_grad():  # with F(x) = 0 the block is relu(x)
        block.bn2.weight.zero_()
        block.bn2.bias.zero_()
    print("with bn2's scale and shift set to 0, out == relu(x):", torch.allclose(block(x), torch.relu(x)))

# %% [autograde] week3.residual

# %% [markdown]
# ## 6. A CNN against an MLP
#
# `build_cnn(in_channels, num_classes)` returns your network. Below it is trained with a
# short version of the grader's recipe (Adam, learning rate 1e-3, batches of 64, a few
# epochs instead of the grader's), next to an MLP with about as many parameters: the image
# flattened into one hidden Linear layer. The MLP has to learn a circle at every position
# separately; the CNN's filters are shared across positions, and a global pooling at the end
# asks "is this feature anywhere in the image?". The grader trains your CNN with the full
# recipe and requires the held-out accuracy printed below.

# %%
def train(model, X, y, epochs, seed=0):
    """The grader's recipe, shortened: Adam, cross-entropy, batches of 64. Returns the loss per epoch."""
    torch.manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=CNN["lr"])
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    losses = []
    for _ in range(epochs):
        model.train()
        order, total = torch.randperm(len(Xt)), 0.0
        for start in range(0, len(Xt), CNN["batch_size"]):
            idx = order[start:start + CNN["batch_size"]]
            loss = F.cross_entropy(model(Xt[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / len(Xt))
    return losses


def evaluate(model, X, y):
    model.eval()
    with torch.no_grad():
        return float((model(torch.as_tensor(X)).argmax(dim=1).numpy() == y).mean())


torch.set_num_threads(2)
epochs = 4
torch.manual_seed(0)  # the same initial weights at every run
mlp = nn.Sequential(nn.Flatten(), nn.Linear(X_train[0].size, 8), nn.ReLU(), nn.Linear(8, 4))
results = {}
start = time.perf_counter()
results["MLP"] = (train(mlp, X_train, y_train, epochs), evaluate(mlp, X_val, y_val), mlp)
print(f"MLP: {sum(p.numel() for p in mlp.parameters())} parameters, validation accuracy {results['MLP'][1]:.3f}")
with demo("your CNN"):
    torch.manual_seed(0)
    cnn = models.build_cnn(3, 4)
    results["your CNN"] = (train(cnn, X_train, y_train, epochs), evaluate(cnn, X_val, y_val), cnn)
    print(f"your CNN: {sum(p.numel() for p in cnn.parameters())} parameters, validation accuracy "
          f"{results['your CNN'][1]:.3f} (the grader needs {CNN['accuracy_threshold']} after {CNN['epochs']} epochs)")
print(f"trained in {time.perf_counter() - start:.1f} s")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
for name, (losses, acc, _) in results.items():
    ax1.plot(range(1, epochs + 1), losses, "o-", label=name)
ax1.set(xlabel="epoch", ylabel="training loss", title="Training loss")
ax1.legend()
ax2.bar(list(results), [acc for _, acc, _ in results.values()], color=["C0", "C1"][:len(results)])
ax2.axhline(CNN["accuracy_threshold"], color="k", ls="--", lw=1, label="threshold")
ax2.set(ylim=(0, 1.05), ylabel="validation accuracy", title="Held-out accuracy")
ax2.legend()
plt.show()

# %% [markdown]
# ### What the CNN learned
#
# The first layer's filters look at 3×3 colour patches; shown as small images, they are
# mostly colour-contrast and edge detectors. Their outputs, the **feature maps**, light up
# where the pattern occurs: the edges of the shape, its inside, the background.

# %%
cnn = results.get("your CNN", (None, None, None))[2]
convs = [m for m in cnn.modules() if isinstance(m, nn.Conv2d)] if cnn is not None else []
if cnn is None:
    print("week3.cnn is not implemented yet — implement build_cnn in models.py to see its filters.")
elif not convs:
    print("Your CNN has no nn.Conv2d layer whose filters could be shown.")
else:
    first = convs[0]
    filters = first.weight.detach().numpy()
    k = min(12, len(filters))
    with torch.no_grad():
        maps = torch.relu(first(torch.as_tensor(X_val[:1]))).numpy()[0]
    fig, axes = plt.subplots(2, k + 1, figsize=(1.1 * (k + 1), 2.6))
    axes[0, 0].imshow(X_val[0].transpose(1, 2, 0))
    axes[0, 0].set_title(SHAPES[y_val[0]], fontsize=9)
    for i in range(k):
        f = filters[i].transpose(1, 2, 0) if filters.shape[1] == 3 else filters[i].mean(axis=0)
        axes[0, i + 1].imshow((f - f.min()) / (f.max() - f.min() + 1e-12))
        axes[1, i + 1].imshow(maps[i], cmap="magma")
    for ax in axes.ravel():
        ax.axis("off")
    fig.suptitle("a validation image; your first layer's filters (top) and their ReLU feature maps (bottom)")
    plt.show()

# %% [autograde] week3.cnn

# %% [markdown]
# ## 7. Check your work
#
# The cell below runs the public checks on your module files, as `dlgrade check week3` does
# in a terminal, and prints a table with one row per exercise. Where a check fails, the
# feedback says what was called, what came back and what was expected, and names the
# mistake when it recognises it.
#
# Passing the public checks is necessary, not sufficient. Your instructor grades with these
# **and with hidden checks** on other inputs: other strides, paddings and kernel shapes,
# ties in max pooling, several batch-norm steps, thousands of augmented images, other
# channel counts, and the test split for the CNN. Follow each contract in `README.md`, not
# just the examples it is tried on here.

# %% [selfcheck]
