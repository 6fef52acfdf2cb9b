# %% [markdown]
# # Week 2: Neural networks from scratch
#
# This week you build, in NumPy only, the pieces of a neural network and the backward pass
# that trains it: a perceptron and the logic gates it can (and cannot) compute, a Dense layer,
# four activations, a container that chains layers, two losses and weight initialisation. At
# the end the grader trains the network you assemble on handwritten digits.
#
# **How the week works**
#
# 1. Your code goes in the four module files next to this notebook: `perceptron.py`,
#    `layers.py`, `losses.py` and `mlp.py`. Each exercise is a function or a method whose
#    body is `raise NotImplementedError("week2.…")`. Replace that line with your code. The
#    `README.md` in the same folder gives each exercise's exact contract.
# 2. Run this notebook (*Kernel → Restart & Run All*) to see your code at work. Each
#    section explains the maths, then runs and plots what your code computes. Where an
#    exercise is not done yet, a demo prints which one to implement instead of failing.
# 3. Run the self-check at the end (or `dlgrade check week2` in a terminal) until every
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

try:  # draw figures in the notebook even where MPLBACKEND names another backend
    get_ipython().run_line_magic("matplotlib", "inline")
except NameError:  # not running under IPython
    pass

# Your module files, from this notebook's folder (whatever its name), imported afresh each
# time this cell runs, so that edits count without restarting the kernel.
from grader.notebook import import_week

import_week("week2")
from week2_neural_networks import layers, losses, mlp, perceptron


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
# ## 1. The perceptron
#
# Rosenblatt's perceptron (1958) weighs its inputs, adds a bias and fires if the sum is
# positive:
#
# $$y = \begin{cases} 1 & \text{if } w^\top x + b > 0, \\ 0 & \text{otherwise.} \end{cases}$$
#
# The threshold is strict: a sum of exactly 0 gives 0. Geometrically, the perceptron splits
# the input space by the hyperplane $w^\top x + b = 0$ and answers 1 on the side $w$ points to.
#
# **Logic gates.** On two bits $x \in \{0, 1\}^2$, one perceptron can compute AND, OR and
# NAND: each of them separates its 1s from its 0s by a line. NAND is 0 only at $(1, 1)$, so we
# need $w^\top x + b > 0$ at $(0,0)$, $(0,1)$, $(1,0)$ and $\le 0$ at $(1,1)$; for example
# $w = (-2, -2)$, $b = 3$ gives the sums $3, 1, 1, -1$.
#
# **XOR is not linearly separable.** XOR is 1 at $(0,1)$ and $(1,0)$ and 0 at $(0,0)$ and
# $(1,1)$. Suppose a line separated them: $b \le 0$, $w_1 + b > 0$, $w_2 + b > 0$ and
# $w_1 + w_2 + b \le 0$. Adding the middle two gives $w_1 + w_2 + 2b > 0$, and adding the outer
# two gives $w_1 + w_2 + 2b \le 0$: a contradiction. This is the observation of Minsky and
# Papert (1969) that stalled the field for a decade. The way out is **layers**: NAND is
# universal, and with $n = \mathrm{NAND}(a, b)$,
#
# $$\mathrm{XOR}(a, b) = \mathrm{NAND}\big(\mathrm{NAND}(a, n),\ \mathrm{NAND}(b, n)\big),$$
#
# four perceptrons in three layers. Implement `perceptron`, `nand_weights` (which defines
# `NAND_WEIGHTS`) and `xor`, built only of `perceptron` calls with `NAND_WEIGHTS`.

# %%
bits = [(0, 0), (0, 1), (1, 0), (1, 1)]
with demo("the NAND gate and XOR"):
    w_nand, b_nand = perceptron.NAND_WEIGHTS
    print(f"NAND_WEIGHTS: w = {np.asarray(w_nand).tolist()}, b = {b_nand}")
    for a, b in bits:
        nand = perceptron.perceptron(np.array([a, b]), w_nand, b_nand)
        print(f"  a={a} b={b}:  NAND = {nand}   xor = {perceptron.xor(a, b)}")

    g1, g2 = np.meshgrid(np.linspace(-0.5, 1.5, 121), np.linspace(-0.5, 1.5, 121))
    grid = np.column_stack([g1.ravel(), g2.ravel()])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.3))
    nand_region = np.array([perceptron.perceptron(p, w_nand, b_nand) for p in grid]).reshape(g1.shape)
    axes[0].contourf(g1, g2, nand_region, levels=[-0.5, 0.5, 1.5], colors=["#f4c7c3", "#c6dbef"])
    axes[0].set_title("one perceptron with NAND_WEIGHTS: NAND")
    axes[1].set_title("XOR: no single line separates the 1s from the 0s")
    for ax, gate in zip(axes, (lambda a, b: 1 - a * b, lambda a, b: a ^ b)):
        for a, b in bits:
            ax.scatter(a, b, s=160, c="C0" if gate(a, b) else "C3", edgecolors="k", zorder=3)
            ax.annotate(str(gate(a, b)), (a, b), xytext=(9, 9), textcoords="offset points", fontsize=12)
        ax.set(xlim=(-0.5, 1.5), ylim=(-0.5, 1.5), xlabel="$x_1$", ylabel="$x_2$", aspect="equal")
    plt.show()

# %% [autograde] week2.perceptron

# %% [markdown]
# ## 2. Layers and backpropagation
#
# A neural network is a composition of simple functions, the **layers**. This week they act
# on batches: the input $x$ has shape $(N, D)$, one example per row. A **Dense** (fully
# connected) layer computes
#
# $$z = x W + b, \qquad W \in \mathbb{R}^{D_\text{in} \times D_\text{out}},\ b \in \mathbb{R}^{D_\text{out}},$$
#
# and an activation $\sigma$ follows it elementwise. Training needs the gradient of the
# loss $L$ with respect to every weight, and **backpropagation** computes all of them in one
# backward sweep, by the chain rule. Each layer only needs to know its own derivative:
# `backward(dout)` receives $\partial L/\partial(\text{its output})$ and returns
# $\partial L/\partial(\text{its input})$, setting its parameter gradients on the way.
#
# **The four equations.** Write the network as $a^0 = x$, $z^l = a^{l-1} W^l + b^l$,
# $a^l = \sigma(z^l)$ for $l = 1, \dots, L$, with the loss computed from $a^L$, and call
# $\delta^l = \partial L / \partial z^l$ (shape $(N, D_l)$) the *error* at layer $l$. Then
#
# $$\text{(BP1)}\quad \delta^L = \frac{\partial L}{\partial a^L} \odot \sigma'(z^L),$$
#
# $$\text{(BP2)}\quad \delta^l = \big(\delta^{l+1} (W^{l+1})^\top\big) \odot \sigma'(z^l),$$
#
# $$\text{(BP3)}\quad \frac{\partial L}{\partial b^l} = \sum_{n=1}^N \delta^l_n \quad(\text{the rows of } \delta^l \text{ summed}),$$
#
# $$\text{(BP4)}\quad \frac{\partial L}{\partial W^l} = (a^{l-1})^\top \delta^l .$$
#
# BP1 starts the sweep at the output; BP2 carries the error one layer back, through the
# transposed weights and the activation's derivative; BP3 and BP4 read off the parameter
# gradients. In code, BP2 is two `backward` calls: the activation's ($\odot\,\sigma'$) and the
# Dense layer's (returning $\delta W^\top$), and BP3 and BP4 are what Dense's `backward`
# stores in `grads`. The gradients are **summed** over the batch, not averaged: the loss is
# already a mean, so its gradient carries the $1/N$.
#
# **Shapes check the algebra.** $\partial L/\partial W$ must have the shape of $W$,
# $(D_\text{in}, D_\text{out})$: the only product of $x$ $(N, D_\text{in})$ and $\delta$
# $(N, D_\text{out})$ with that shape is $x^\top \delta$. Likewise $\partial L/\partial x$ is
# $(N, D_\text{in})$, which only $\delta W^\top$ gives.

# %% [markdown]
# ### 2.1 A gradient check, step by step
#
# A backward pass is easy to get subtly wrong, and a network with a wrong gradient often
# still learns a little, which hides the bug. So check every backward against **numerical
# differentiation**. Pick a random upstream gradient $g$ and the scalar
# $\ell(x, W, b) = \sum (\text{forward}(x) \odot g)$, whose gradients are exactly what
# `backward(g)` computes. Then nudge one entry at a time by $\pm h$:
#
# $$\frac{\partial \ell}{\partial \theta_j} \approx \frac{\ell(\theta + h e_j) - \ell(\theta - h e_j)}{2h},$$
#
# with an error of $O(h^2)$. Compare with the **relative error**
# $\max_j |a_j - n_j| / \max(\max_j |a_j| + \max_j |n_j|, 10^{-12})$: around $10^{-9}$ or less in float64 is
# right, $10^{-4}$ and above is a bug. The grader does the same, in float64, on its side (with
# numdifftools, which extrapolates over several step sizes). Note how the helper nudges
# `layer.params["W"]` **in place**: the layer must compute with the very arrays in its
# `params` dict.

# %%
def numerical_gradient(f, array, h=1e-6):
    """∂f/∂array by central differences, nudging `array` in place (and restoring it)."""
    grad = np.zeros_like(array, dtype=float)
    for j in np.ndindex(array.shape):
        old = array[j]
        array[j] = old + h
        plus = f()
        array[j] = old - h
        minus = f()
        array[j] = old
        grad[j] = (plus - minus) / (2 * h)
    return grad


def relative_error(a, n):
    a, n = np.asarray(a, dtype=float), np.asarray(n, dtype=float)
    return np.abs(a - n).max() / max(np.abs(a).max() + np.abs(n).max(), 1e-12)


rng = np.random.default_rng(0)
with demo("the gradient check of Dense"):
    dense = layers.Dense(4, 3, rng)
    dense.params["b"][:] = rng.normal(size=3)  # in place: a non-zero bias
    x = rng.normal(size=(5, 4))
    g = rng.normal(size=(5, 3))  # a random upstream gradient ∂ℓ/∂out

    def ell():
        return float(np.sum(dense.forward(x) * g))

    out = dense.forward(x)
    dx = dense.backward(g)
    analytic = {"x": dx, "W": dense.grads["W"].copy(), "b": dense.grads["b"].copy()}
    print(f"out has shape {out.shape}; params W {dense.params['W'].shape}, b {dense.params['b'].shape}")
    for name, target in (("x", x), ("W", dense.params["W"]), ("b", dense.params["b"])):
        numeric = numerical_gradient(ell, target)
        print(f"∂ℓ/∂{name}: relative error {relative_error(analytic[name], numeric):.1e}")

# %% [autograde] week2.dense

# %% [markdown]
# ## 3. Activations
#
# Without an activation between them, two Dense layers collapse into one:
# $(xW_1 + b_1)W_2 + b_2 = x(W_1W_2) + (b_1W_2 + b_2)$, still linear. The activation is what
# lets depth add expressive power.
#
# | activation | $\sigma(x)$ | $\sigma'(x)$ |
# |---|---|---|
# | ReLU | $\max(x, 0)$ | $1$ if $x > 0$, else $0$ |
# | LeakyReLU | $x$ if $x > 0$, else $\alpha x$ | $1$ if $x > 0$, else $\alpha$ |
# | Sigmoid | $1/(1 + e^{-x})$ | $\sigma(x)\,(1 - \sigma(x))$ |
# | Tanh | $\tanh x$ | $1 - \tanh^2 x$ |
#
# The sigmoid and tanh derivatives are cheapest from the **output** the forward pass
# already computed, so save it. Both saturate: for $|x| \gtrsim 5$ their derivative is
# nearly 0, and a gradient passing through many saturated units vanishes. ReLU does not
# saturate for $x > 0$ and is the default in hidden layers; its derivative at exactly 0 is
# taken as 0 (a subgradient). LeakyReLU keeps a small slope $\alpha$ for $x < 0$, so that a
# unit whose inputs are all negative still gets a gradient. Each activation's `backward`
# multiplies `dout` by $\sigma'$ elementwise: that is the $\odot\,\sigma'(z)$ of BP1 and BP2.
#
# The plots below are drawn by your layers: `forward(x)`, and `backward` of a gradient of
# ones, which gives $\sigma'(x)$.

# %%
with demo("the activations and their derivatives"):
    xs = np.linspace(-4, 4, 401)[None, :]
    fig, (ax_f, ax_d) = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, layer in [("ReLU", layers.ReLU()), ("LeakyReLU(0.1)", layers.LeakyReLU(negative_slope=0.1)),
                        ("Sigmoid", layers.Sigmoid()), ("Tanh", layers.Tanh())]:
        ax_f.plot(xs[0], layer.forward(xs)[0], lw=2, label=name)
        ax_d.plot(xs[0], layer.backward(np.ones_like(xs))[0], lw=2, label=name)
        assert layer.params == {} and layer.grads == {}, f"{name} should have empty params and grads"
    ax_f.set(title="forward(x)", xlabel="x", ylim=(-1.5, 4))
    ax_d.set(title="backward(ones): the derivative", xlabel="x", ylim=(-0.1, 1.1))
    ax_f.legend()
    fig.tight_layout()
    plt.show()

# %% [autograde] week2.activations

# %% [markdown]
# ## 4. Chaining layers: Sequential
#
# `Sequential(*layers)` runs `forward` through the layers in order and `backward` in
# reverse, each layer receiving the gradient the one after it returned. That is all of
# backpropagation: BP1 to BP4 happen inside the layers.
#
# `parameters()` lists every layer's parameter arrays and `gradients()` their gradients in
# the same order, which is all an optimizer needs:
#
# ```python
# for p, g in zip(model.parameters(), model.gradients()):
#     p -= lr * g          # in place: the layers compute with these very arrays
# ```
#
# For this to train anything, `parameters()` must return the layers' own arrays, not copies,
# and the update must be in place (`p = p - lr * g` would only rebind a name). The grader
# trains your network with exactly such a loop.
#
# The gradient check of a whole network below nudges each array `parameters()` returns, in
# place, and watches the loss change. If `parameters()` returned copies, the loss would not
# move, and the numerical gradient would be 0.

# %%
rng = np.random.default_rng(1)
with demo("the gradient check of a whole network"):
    net = layers.Sequential(layers.Dense(6, 5, rng), layers.Tanh(), layers.Dense(5, 4, rng), layers.Sigmoid(),
                            layers.Dense(4, 3, rng))
    x, target = rng.normal(size=(7, 6)), rng.normal(size=(7, 3))

    def net_loss():
        return float(np.mean((net.forward(x) - target) ** 2))

    out = net.forward(x)
    dx = net.backward(2 * (out - target) / out.size)  # ∂ mean((out − target)²) / ∂out
    print(f"{len(net.parameters())} parameter arrays; dx has shape {np.shape(dx)}")
    for i, (p, g) in enumerate(zip(net.parameters(), net.gradients())):
        print(f"parameters()[{i}] {str(p.shape):8s} relative error {relative_error(g, numerical_gradient(net_loss, p)):.1e}")

# %% [autograde] week2.sequential

# %% [markdown]
# ## 5. Losses
#
# The loss layer starts the backward sweep: its `backward()` returns
# $\partial L/\partial(\text{prediction})$, which the network's `backward` takes as `dout`.
#
# **Softmax cross-entropy** (classification, as in week 1): with logits $Z$ $(N, K)$ and labels $y$,
#
# $$L = \frac1N \sum_{i=1}^N \Big(\operatorname{LSE}(Z_i) - Z_{i, y_i}\Big), \qquad \frac{\partial L}{\partial Z} = \frac{\operatorname{softmax}(Z) - Y}{N},$$
#
# where $Y$ is one-hot and $\operatorname{LSE}(z) = m + \log\sum_j e^{z_j - m}$, $m = \max_j z_j$,
# is the stable log-sum-exp: never take $\log(\operatorname{softmax})$, which gives $-\infty$ when a
# probability underflows.
#
# **Mean squared error** (regression): over **every element** of a prediction of any shape,
#
# $$L = \frac{1}{|P|} \sum_{j} (P_j - T_j)^2, \qquad \frac{\partial L}{\partial P} = \frac{2\,(P - T)}{|P|},$$
#
# with $|P|$ the number of elements (`pred.size`), as `torch.nn.functional.mse_loss` computes it.

# %%
with demo("the losses"):
    ce, mse = losses.SoftmaxCrossEntropy(), losses.MSELoss()
    Z = np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3], [1e4, 0.0, -1e4]])
    y = np.array([0, 1, 2])
    print(f"cross-entropy {ce.forward(Z, y):.6g} (the third row, confidently wrong, adds 2e4/3: large but finite)")
    print("∂L/∂Z =\n", np.round(ce.backward(), 4))
    P, T = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.5, 2.0], [2.0, 4.0]])
    print(f"MSE {mse.forward(P, T):.4g} (= (0.25 + 0 + 1 + 0) / 4), ∂L/∂P = {mse.backward().tolist()}")

# %% [autograde] week2.loss

# %% [markdown]
# ## 6. Initialisation
#
# The weights must start random (equal weights would make every unit of a layer compute,
# and learn, the same thing), and the **scale** matters. A unit sums $D_\text{in}$ inputs times
# weights: if the inputs have variance $v$ and the weights variance $s^2$, independent and of
# mean 0, the sum has variance $D_\text{in}\, s^2\, v$. Too small a scale and the signal
# shrinks geometrically with depth, too large and it explodes; the gradients do the same on
# the way back.
#
# - **He** (Kaiming, 2015), for ReLU: $s^2 = 2/D_\text{in}$. ReLU zeroes half of its inputs and
#   halves the second moment, and the factor 2 makes up for it, so the scale stays constant
#   through the layers.
# - **Xavier** (Glorot, 2010), for tanh and sigmoid: $s^2 = 2/(D_\text{in} + D_\text{out})$, a
#   compromise between keeping the forward signal ($1/D_\text{in}$) and the backward gradient
#   ($1/D_\text{out}$). Drawn as a normal, or as $U(-a, a)$ with $a = \sqrt{6/(D_\text{in} + D_\text{out})}$,
#   since $U(-a, a)$ has variance $a^2/3$.
#
# The grader judges your initialisers on statistics of large draws (mean and variance within
# 6 standard errors), so any correct use of `rng` passes. Below, a batch goes through 30
# ReLU layers of width 256, initialised three ways; the plot shows the standard deviation of
# the activations at each depth.

# %%
rng = np.random.default_rng(2)
with demo("the signal through a deep ReLU network"):
    width, depth = 256, 30
    inits = {"N(0, 0.01²)": lambda fi, fo, r: r.normal(0.0, 0.01, size=(fi, fo)),
             "Xavier (your xavier_init)": layers.xavier_init, "He (your he_init)": layers.he_init}
    W_he = layers.he_init(400, 300, rng)
    W_xavier = layers.xavier_init(400, 300, rng)
    print(f"he_init(400, 300):     mean {W_he.mean():+.4f}, variance {W_he.var():.5f} (2/400 = {2 / 400:.5f})")
    print(f"xavier_init(400, 300): mean {W_xavier.mean():+.4f}, variance {W_xavier.var():.5f} (2/700 = {2 / 700:.5f})")
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, init in inits.items():
        h, stds = rng.normal(size=(500, width)), []
        for _ in range(depth):
            h = np.maximum(h @ init(width, width, rng), 0.0)
            stds.append(h.std())
        ax.semilogy(range(1, depth + 1), np.maximum(stds, 1e-300), "o-", ms=3, label=name)
    ax.set(xlabel="layer", ylabel="std of the activations", title=f"{depth} ReLU layers of width {width}")
    ax.legend()
    plt.show()

# %% [autograde] week2.init

# %% [markdown]
# ## 7. A multilayer perceptron on the digits
#
# `build_mlp(in_features, hidden, out_features, rng)` puts the pieces together:
# `Sequential(Dense(in, h₁), ReLU(), …, Dense(h_last, out))`, whose last layer produces logits.
# With `hidden = []` it is a single Dense layer: softmax regression, the linear model of
# week 1.
#
# The grader trains `build_mlp(64, [64], 10, rng)` itself, with a fixed loop you do not
# write: 30 epochs of minibatch SGD (batch 32, learning rate 0.1, momentum 0.9, in place on
# `parameters()` with `gradients()`) on the digits (8×8 images, 10 classes, a fixed 60/20/20
# stratified split), and measures the held-out accuracy. The loop below is the same one
# (with your own cross-entropy), so what you see here is what the grader will see.
#
# A linear model does well on these small images too (about 0.96), and the MLP gains one or
# two points. Accuracy alone cannot tell the two apart on 360 test images, which is why the
# grader also checks that your network is not an affine map and that its backward pass is the
# derivative of its forward. Any activation will do (ReLU, LeakyReLU, Tanh, Sigmoid, one of
# your own), as long as every block has its own activation object.

# %%
try:  # the threshold of the week's rubric, where the course folder is at hand
    from grader.course import Week

    THRESHOLD = Week.load("week2").rubric["training"]["accuracy_threshold"]
except Exception:
    THRESHOLD = 0.93  # as published for this term
print(f"Held-out accuracy needed: {THRESHOLD}")

from grader.datasets import digits

d = digits()
X_train, y_train, X_val, y_val = (np.array(d[k]) for k in ("X_train", "y_train", "X_val", "y_val"))
print(f"training {X_train.shape}, validation {X_val.shape}, test {d['X_test'].shape}")


def train(hidden, epochs=30, batch_size=32, lr=0.1, momentum=0.9, seed=0):
    """The grader's recipe with your build_mlp and your loss; returns the model and its history."""
    rng = np.random.default_rng(seed)
    model = mlp.build_mlp(64, hidden, 10, rng)
    loss_fn = losses.SoftmaxCrossEntropy()
    velocity = [np.zeros_like(p) for p in model.parameters()]
    history = {"loss": [], "val_accuracy": []}
    for _ in range(epochs):
        order, epoch_losses = rng.permutation(len(X_train)), []
        for start in range(0, len(X_train), batch_size):
            idx = order[start:start + batch_size]
            epoch_losses.append(loss_fn.forward(model.forward(X_train[idx]), y_train[idx]))
            model.backward(loss_fn.backward())
            for p, g, v in zip(model.parameters(), model.gradients(), velocity):
                v *= momentum
                v += g
                p -= lr * v
        history["loss"].append(np.mean(epoch_losses))
        history["val_accuracy"].append(np.mean(model.forward(X_val).argmax(axis=1) == y_val))
    return model, history


runs = {}
for label, hidden in (("MLP 64-64-10", [64]), ("linear (hidden = [])", [])):
    with demo(f"the training of the {label}"):
        start = time.perf_counter()
        runs[label] = train(hidden)
        history = runs[label][1]
        print(f"{label}: {time.perf_counter() - start:.1f} s, final training loss {history['loss'][-1]:.4f}, "
              f"validation accuracy {history['val_accuracy'][-1]:.3f}")

if runs:
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(12, 4))
    for label, (_, history) in runs.items():
        epochs = range(1, len(history["loss"]) + 1)
        ax_loss.semilogy(epochs, history["loss"], "o-", ms=3, label=label)
        ax_acc.plot(epochs, history["val_accuracy"], "o-", ms=3, label=label)
    ax_acc.axhline(THRESHOLD, color="k", ls="--", lw=1, label=f"threshold {THRESHOLD}")
    ax_loss.set(xlabel="epoch", ylabel="mean training loss", title="Training curves")
    ax_acc.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0.8, 1.0), title="Validation accuracy")
    ax_loss.legend()
    ax_acc.legend(loc="lower right")
    fig.tight_layout()
    plt.show()

# %% [markdown]
# Which digits does the MLP get wrong? Below are the first ten misclassified validation
# images, with the true and the predicted label. Several are hard for a person too, at 8×8 pixels.

# %%
if "MLP 64-64-10" in runs:
    model = runs["MLP 64-64-10"][0]
    predicted = model.forward(X_val).argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_val)
    print(f"{len(wrong)} of {len(y_val)} validation digits misclassified")
    fig, axes = plt.subplots(1, 10, figsize=(12, 1.9))
    for ax, i in zip(axes, [*wrong[:10], *[None] * 10]):
        ax.axis("off")
        if i is not None:
            ax.imshow(X_val[i].reshape(8, 8), cmap="gray_r")
            ax.set_title(f"{y_val[i]} → {predicted[i]}", fontsize=9)
    fig.suptitle("Misclassified validation digits (true → predicted)", fontsize=10)
    plt.show()

# %% [autograde] week2.train_mlp

# %% [markdown]
# ## 8. Check your work
#
# The cell below runs the public checks on your module files, as `dlgrade check week2` does
# in a terminal, and prints a table with one row per exercise. Where a check fails, the
# feedback says what was called, what came back and what was expected, and names the
# mistake when it recognises it.
#
# Passing the public checks is necessary, not sufficient. Your instructor grades with these
# **and with hidden checks** on other inputs: other shapes and batch sizes, a single sample,
# extreme values, repeated backward passes, a deeper network, and the test split for the
# trained network. Follow each contract in `README.md`, not just the examples it is tried on
# here.

# %% [selfcheck]
