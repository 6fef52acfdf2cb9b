# %% [markdown]
# # Week 5: Deep learning for sequences
#
# This week the inputs are **sequences**: a sentence, a melody, a stream of readings, here
# text, one character at a time. You write, in NumPy, the networks that read them: the
# vanilla recurrent network and the LSTM, each one step at a time and then through time,
# with their backward passes (**backpropagation through time**); you see why gradients through
# time vanish or explode, and clip them. Then you write the embedding of tokens as vectors, the
# loss of a model that predicts at every position, and the **attention** that lets each
# position read any other. Finally, in PyTorch, you build a character-level language model,
# train it on a text source whose best possible loss is known exactly, and sample new text
# from it.
#
# **How the week works**
#
# 1. Your code goes in the five module files next to this notebook: `rnn.py`, `lstm.py`,
#    `embedding.py`, `attention.py` and `char_lm.py`. Each exercise is a function whose body is
#    `raise NotImplementedError("week5.…")`. Replace that line with your code. The
#    `README.md` in the same folder gives each exercise's exact contract.
# 2. Run this notebook (*Kernel → Restart & Run All*) to see your code at work. Where an
#    exercise is not done yet, a demo prints which one to implement instead of failing.
# 3. Run the self-check at the end (or `dlgrade check week5` in a terminal) until every
#    public check passes.
# 4. Submit the five module files.
#
# The notebook contains no solutions: every exercise it runs is your own code. The locked
# *autograder* cell after each exercise is for your instructor's grading. It grades your
# module files in a separate process. Leave those cells as they are.

# %%
# Setup. The notebook runs from the folder that holds your module files.
import math
import pathlib
import sys
import time
import traceback
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F

try:  # draw figures in the notebook even where MPLBACKEND names another backend
    get_ipython().run_line_magic("matplotlib", "inline")
except NameError:  # not running under IPython
    pass

# Your module files, from this notebook's folder (whatever its name), imported afresh each
# time this cell runs, so that edits count without restarting the kernel.
from grader.notebook import import_week

import_week("week5")
from week5_rnn import attention, char_lm, embedding, lstm, rnn

torch.set_num_threads(1)  # the whole notebook runs in under a minute on one CPU thread


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


def check_gradients(forward, backward, args, names, seed=0, eps=1e-2):
    """Your backward pass against numerical differentiation, one argument at a time.

    forward(*args) returns (outputs, cache), outputs a tuple of arrays; backward(upstream,
    cache) returns one gradient per argument. For each named argument, the derivative of
    Σ <v, output> along a random unit direction u of that argument: Σ <gradient, u> from your
    backward, and a fourth-order central difference of your forward, with a step large enough
    that a forward computed in float32 gives a good estimate too."""
    rng = np.random.default_rng(seed)
    outputs, cache = forward(*args)
    v = [rng.normal(size=np.shape(o)) for o in outputs]
    grads = backward(v, cache)
    for k, name in enumerate(names):
        if name is None:  # not differentiable (ids, say)
            continue
        u = rng.normal(size=np.shape(args[k]))
        u /= np.linalg.norm(u)

        def along(t):
            moved = [*args[:k], args[k] + t * u, *args[k + 1:]]
            return sum(np.vdot(vi, np.asarray(o, dtype=float)) for vi, o in zip(v, forward(*moved)[0]))

        numerical = (8 * (along(eps) - along(-eps)) - (along(2 * eps) - along(-2 * eps))) / (12 * eps)
        analytic = float(np.vdot(np.asarray(grads[k], dtype=float), u))
        print(f"{name:>8}: backward {analytic:+.8f}, numerical {numerical:+.8f}, "
              f"relative difference {abs(analytic - numerical) / max(1e-12, abs(numerical)):.1e}")


def largest_difference(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))


# %% [markdown]
# ## 1. Recurrent networks
#
# ### 1.1 One step
#
# A **recurrent network** reads a sequence $x_1, x_2, \dots, x_T$ one element at a time and
# keeps a **hidden state** $h_t$, a summary of everything read so far. The vanilla RNN updates
# it with one affine map and a tanh, the same weights at every step:
#
# $$h_t = \tanh(x_t W_x + h_{t-1} W_h + b), \qquad W_x \in \mathbb{R}^{D\times H},\; W_h \in \mathbb{R}^{H\times H},\; b \in \mathbb{R}^{H}.$$
#
# Inputs are rows: $x_t$ is a batch of shape $(N, D)$ and $h_t$ of shape $(N, H)$. Its backward
# pass is that of an affine layer after a tanh: with $a = x W_x + h_\text{prev} W_h + b$ and
# $\frac{\partial L}{\partial a} = \frac{\partial L}{\partial h} \odot (1 - h^2)$, the five gradients follow.
# PyTorch's `nn.RNNCell` computes the same step, storing $W_x^\top$ as `weight_ih` and two biases
# whose sum is $b$. Below, your `rnn_step_forward` against it, and your `rnn_step_backward`
# against numerical differentiation of your forward (the grader uses its own): for each input,
# the derivative along a random direction. A relative difference below about $10^{-6}$ (or
# $10^{-3}$ if your code computes in float32) says that your backward pass agrees with your
# forward; a mistake usually shows as $10^{-2}$ or more. The same test follows every backward
# pass of the week.

# %%
rng = np.random.default_rng(0)
N, D, H = 3, 4, 5
x, h_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H))
Wx, Wh, b = rng.normal(size=(D, H)) / 2, rng.normal(size=(H, H)) / 2, rng.normal(size=H) / 2
with demo("one step of your RNN"):
    h, _ = rnn.rnn_step_forward(x, h_prev, Wx, Wh, b)
    cell = torch.nn.RNNCell(D, H).double()
    with torch.no_grad():
        cell.weight_ih.copy_(torch.as_tensor(Wx.T))
        cell.weight_hh.copy_(torch.as_tensor(Wh.T))
        cell.bias_ih.copy_(torch.as_tensor(b))
        cell.bias_hh.zero_()
        expected = cell(torch.as_tensor(x), torch.as_tensor(h_prev)).numpy()
    print(f"largest difference from torch.nn.RNNCell: {largest_difference(h, expected):.1e}")
    check_gradients(lambda *a: (lambda h, cache: ((h,), cache))(*rnn.rnn_step_forward(*a)),
                    lambda v, cache: rnn.rnn_step_backward(v[0], cache),
                    [x, h_prev, Wx, Wh, b], ["dx", "dh_prev", "dWx", "dWh", "db"])

# %% [autograde] week5.rnn_step

# %% [markdown]
# ### 1.2 Through time
#
# `rnn_forward` runs the step over a whole sequence, $x$ of shape $(N, T, D)$, from $h_0$, and
# returns every hidden state, $(N, T, H)$. Unrolled, the network is a deep feed-forward network
# with one layer per time step, every layer sharing the same weights, and its backward pass is
# that network's: **backpropagation through time** (BPTT). Walk the steps backwards; the
# gradient reaching $h_t$ is what the layers above send it, `dh[:, t]`, plus what flows back
# from step $t+1$ through $h_{t+1} = \tanh(\dots + h_t W_h + \dots)$; the weights' gradients
# are the sums of their gradients at every step. Below: your `rnn_forward` against
# `torch.nn.RNN` (one layer, `batch_first=True`), and your `rnn_backward` against numerical
# differentiation, with an upstream gradient on every step.

# %%
rng = np.random.default_rng(1)
N, T, D, H = 2, 6, 3, 4
x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
Wx, Wh, b = rng.normal(size=(D, H)) / 2, rng.normal(size=(H, H)) / 2, rng.normal(size=H) / 2
with demo("your RNN through time"):
    h, _ = rnn.rnn_forward(x, h0, Wx, Wh, b)
    net = torch.nn.RNN(D, H, batch_first=True).double()
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.as_tensor(Wx.T))
        net.weight_hh_l0.copy_(torch.as_tensor(Wh.T))
        net.bias_ih_l0.copy_(torch.as_tensor(b))
        net.bias_hh_l0.zero_()
        expected = net(torch.as_tensor(x), torch.as_tensor(h0)[None])[0].numpy()
    print(f"hidden states {np.shape(h)}; largest difference from torch.nn.RNN: {largest_difference(h, expected):.1e}")
    check_gradients(lambda *a: (lambda h, cache: ((h,), cache))(*rnn.rnn_forward(*a)),
                    lambda v, cache: rnn.rnn_backward(v[0], cache),
                    [x, h0, Wx, Wh, b], ["dx", "dh0", "dWx", "dWh", "db"])

# %% [markdown]
# ### 1.3 Vanishing and exploding gradients
#
# How much does the loss at the last step learn about an input far back? Between two hidden
# states the chain rule multiplies one Jacobian per step,
#
# $$\frac{\partial h_T}{\partial h_t} = \prod_{s=t+1}^{T} \frac{\partial h_s}{\partial h_{s-1}}, \qquad
#   \frac{\partial h_s}{\partial h_{s-1}} = \operatorname{diag}(1 - h_s^2)\, W_h^\top ,$$
#
# $T - t$ factors of the same kind. Their product shrinks or grows roughly geometrically with
# the distance: when the factors are contractions (small recurrent weights, or saturated tanh
# units, where $1 - h^2 \approx 0$), the gradient **vanishes**, and the network cannot learn
# that an early input matters for a late output; when they stretch (large recurrent weights), it
# **explodes**, and one gradient step can throw the weights far away.
#
# Below, with your `rnn_forward` and `rnn_backward`: 8 random sequences of 80 steps, 64
# hidden units, $W_x = I$ (so that `dx[:, t]` is the gradient reaching the pre-activation of
# step $t$), and $W_h = g\,M/\sqrt{H}$ for one random Gaussian matrix $M$ at several gains $g$. The
# only upstream gradient is on the last hidden state. The curves show the norm of the gradient
# reaching $x_t$ against the distance $T - t$, on a log scale: straight lines, whose slope is the
# log of the average factor per step.

# %%
rng = np.random.default_rng(2)
N, T, H = 8, 80, 64
x = 0.5 * rng.normal(size=(N, T, H))
M = rng.normal(size=(H, H)) / np.sqrt(H)
upstream = np.zeros((N, T, H))
upstream[:, -1] = rng.normal(size=(N, H)) / np.sqrt(H)
GAINS = (0.5, 1.0, 2.0, 3.0)
gradient_norms = {}
with demo("vanishing and exploding gradients"):
    for g in GAINS:
        _, cache = rnn.rnn_forward(x, np.zeros((N, H)), np.eye(H), g * M, np.zeros(H))
        dx = np.asarray(rnn.rnn_backward(upstream, cache)[0], dtype=float)
        gradient_norms[g] = np.linalg.norm(dx, axis=2).mean(axis=0)[::-1]  # by distance T − t = 0, 1, …
    fig, ax = plt.subplots(figsize=(7, 4))
    for g, norms in gradient_norms.items():
        ax.semilogy(np.arange(T), norms, label=f"g = {g:g}")
    ax.set(xlabel="distance T − t (steps back from the loss)", ylabel="‖∂L/∂x_t‖ (mean over 8 sequences)",
           title="The gradient through time of a vanilla RNN")
    ax.legend(fontsize=9)
    plt.show()
    for g, norms in gradient_norms.items():
        print(f"g = {g:g}: the gradient 50 steps back is {norms[50] / norms[0]:.1e} times the one at the last step")

# %% [autograde] week5.rnn

# %% [markdown]
# ### 1.4 Gradient clipping
#
# Exploding gradients have a simple remedy: before each step, when the gradient's total norm
# (over all the parameters together) exceeds a threshold, scale it down to that norm,
#
# $$g \leftarrow g \cdot \frac{\text{max\_norm}}{\lVert g\rVert} \quad\text{if } \lVert g\rVert > \text{max\_norm},
#   \qquad \lVert g\rVert = \Big(\sum_\text{arrays}\sum g^2\Big)^{1/2}.$$
#
# The direction is kept, only the size of the step is capped. `clip_grad_norm(grads, max_norm)`
# does this in place on a list of NumPy arrays and returns the norm before clipping, as PyTorch's
# `torch.nn.utils.clip_grad_norm_` does for parameters' gradients.
#
# Below, after a comparison with PyTorch, a small experiment: an RNN of 16 hidden units reads 15
# random numbers and must output the first one after reading the last, through a linear
# read-out, in squared error (predicting 0 scores 1, the variance of the numbers). It starts from
# large recurrent weights ($W_h = g\,M/\sqrt{H}$ with $g = 1.5$, as in section 1.3) and is
# trained by plain gradient descent (learning rate 0.15, batches of 32), twice from the same
# initial weights on the same batches: with the gradient clipped to norm 1, and without. Left,
# the gradient's norm at every step (before clipping); right, the loss. Without clipping, rare
# steps meet gradients orders of magnitude larger than usual, and each of them throws away what
# was learned; with clipping those steps are ordinary ones, and training proceeds.

# %%
with demo("your clip_grad_norm"):
    rng = np.random.default_rng(3)
    for max_norm in (100.0, 1.0):
        grads = [rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=(2, 3, 2))]
        tensors = [torch.nn.Parameter(torch.zeros(g.shape, dtype=torch.float64)) for g in grads]
        for t, g in zip(tensors, grads):
            t.grad = torch.as_tensor(g.copy())
        expected_norm = float(torch.nn.utils.clip_grad_norm_(tensors, max_norm))
        norm = rnn.clip_grad_norm(grads, max_norm)
        after = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads)))
        print(f"max_norm {max_norm:g}: your norm {float(norm):.6f} (torch: {expected_norm:.6f}); norm after clipping "
              f"{after:.6f}; largest difference from torch's clipped gradients "
              f"{max(largest_difference(g, t.grad) for g, t in zip(grads, tensors)):.1e}")


def train_memory_rnn(clip, steps=800, T=15, H=16, N=32, gain=1.5, lr=0.15, seed=3):
    """Gradient descent on 'output the first of T numbers after reading them all', with your rnn_forward,
    rnn_backward and (if clip is a number) clip_grad_norm. Returns the gradient norms and the losses."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=(1, H)), gain * rng.normal(size=(H, H)) / np.sqrt(H), np.zeros(H),
              rng.normal(size=(H, 1)) / np.sqrt(H), np.zeros(1)]  # Wx, Wh, b, and the read-out Wy, by
    batches = np.random.default_rng(100)
    norms, losses = [], []
    with np.errstate(all="ignore"):  # the run without clipping may overflow
        for _ in range(steps):
            Wx, Wh, b, Wy, by = params
            x = batches.normal(size=(N, T, 1))
            h, cache = rnn.rnn_forward(x, np.zeros((N, H)), Wx, Wh, b)
            h = np.asarray(h, dtype=float)
            error = h[:, -1] @ Wy + by - x[:, 0]
            losses.append(float(np.mean(error**2)))
            dpred = 2 * error / N
            dh = np.zeros_like(h)
            dh[:, -1] = dpred @ Wy.T
            _, _, dWx, dWh, db = rnn.rnn_backward(dh, cache)
            grads = [np.array(g, dtype=float) for g in (dWx, dWh, db)] + [h[:, -1].T @ dpred, dpred.sum(axis=0)]
            if clip is None:
                norms.append(float(np.sqrt(sum(np.sum(g**2) for g in grads))))
            else:
                norms.append(float(rnn.clip_grad_norm(grads, clip)))
            if not np.isfinite(losses[-1]):
                break
            params = [p - lr * g for p, g in zip(params, grads)]
    return np.array(norms), np.array(losses)


def running_mean(values, width=20):
    return np.convolve(values, np.ones(width) / width, mode="valid")


with demo("clipping's effect on training"):
    start = time.perf_counter()
    runs = {"without clipping": train_memory_rnn(None), "clipped to norm 1": train_memory_rnn(1.0)}
    print(f"trained twice in {time.perf_counter() - start:.1f} s")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    for (name, (norms, losses)), color in zip(runs.items(), ("C3", "C0")):
        ax1.semilogy(norms, color=color, lw=0.8, label=name)
        ax2.semilogy(np.arange(19, 19 + len(running_mean(losses))), running_mean(losses), color=color, label=name)
        print(f"{name}: largest gradient norm {np.nanmax(norms):.3g}, loss over the last 100 steps "
              f"{np.mean(losses[-100:]):.3g}")
    ax1.axhline(1.0, color="k", ls=":", lw=1, label="max_norm = 1")
    ax1.set(xlabel="step", ylabel="gradient norm (before clipping)", title="The gradient's norm at each step")
    ax2.axhline(1.0, color="gray", ls="--", lw=1, label="predicting 0")
    ax2.set(xlabel="step", ylabel="squared error (mean over 20 steps)", title="The loss")
    ax1.legend()
    ax2.legend()
    plt.show()

# %% [autograde] week5.clip

# %% [markdown]
# ## 2. Long short-term memory
#
# ### 2.1 One step
#
# An **LSTM** keeps two states: the hidden state $h_t$, which it shows to the layers above, and a
# **cell state** $c_t$, a memory that it changes only by adding to it and by letting it fade.
# Three **gates**, numbers between 0 and 1 for each unit, decide what happens at each step: the
# input gate $i$ how much of the candidate $g$ to write, the forget gate $f$ how much of the old
# memory to keep, and the output gate $o$ how much of the memory to show. One affine map of width
# $4H$ computes all four, in the order $i, f, g, o$:
#
# $$[a_i, a_f, a_g, a_o] = x_t W_x + h_{t-1} W_h + b, \qquad i = \sigma(a_i),\; f = \sigma(a_f),\; g = \tanh(a_g),\; o = \sigma(a_o),$$
#
# $$c_t = f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t).$$
#
# $W_x \in \mathbb{R}^{D\times 4H}$ is PyTorch's `weight_ih` transposed, in the same gate order, and
# $b$ the sum of its two biases. The backward pass gets the gradients of both $h$ and $c$ (the
# cell state carries gradient back from the next step) and returns one for each input, $c_{t-1}$
# included. Below, your `lstm_step_forward` against `torch.nn.LSTMCell`, and your
# `lstm_step_backward` against numerical differentiation.

# %%
def lstm_weights(D, H, rng, forget_bias=0.0):
    """Random LSTM weights (Wx, Wh, b), gates i, f, g, o, with forget_bias added to the forget gate's bias."""
    b = rng.normal(size=4 * H) / 2
    b[H:2 * H] += forget_bias
    return rng.normal(size=(D, 4 * H)) / np.sqrt(D), rng.normal(size=(H, 4 * H)) / np.sqrt(H), b


def torch_lstm_weights(module, Wx, Wh, b, suffix=""):
    """Copy (Wx, Wh, b) into an nn.LSTMCell (suffix "") or a one-layer nn.LSTM (suffix "_l0")."""
    with torch.no_grad():
        getattr(module, "weight_ih" + suffix).copy_(torch.as_tensor(Wx.T))
        getattr(module, "weight_hh" + suffix).copy_(torch.as_tensor(Wh.T))
        getattr(module, "bias_ih" + suffix).copy_(torch.as_tensor(b))
        getattr(module, "bias_hh" + suffix).zero_()


rng = np.random.default_rng(4)
N, D, H = 3, 4, 5
x, h_prev, c_prev = rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(N, H))
Wx, Wh, b = lstm_weights(D, H, rng)
with demo("one step of your LSTM"):
    h, c, _ = lstm.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b)
    cell = torch.nn.LSTMCell(D, H).double()
    torch_lstm_weights(cell, Wx, Wh, b)
    with torch.no_grad():
        h_torch, c_torch = cell(torch.as_tensor(x), (torch.as_tensor(h_prev), torch.as_tensor(c_prev)))
    print(f"largest difference from torch.nn.LSTMCell: h {largest_difference(h, h_torch):.1e}, "
          f"c {largest_difference(c, c_torch):.1e}")
    check_gradients(lambda *a: (lambda h, c, cache: ((h, c), cache))(*lstm.lstm_step_forward(*a)),
                    lambda v, cache: lstm.lstm_step_backward(v[0], v[1], cache),
                    [x, h_prev, c_prev, Wx, Wh, b], ["dx", "dh_prev", "dc_prev", "dWx", "dWh", "db"])

# %% [autograde] week5.lstm_step

# %% [markdown]
# ### 2.2 Through time, and the gates at work
#
# `lstm_forward` runs the step over a sequence from $h_0$ and $c_0 = 0$, as a one-layer
# `torch.nn.LSTM(batch_first=True)` does, and `lstm_backward` backpropagates through time: the
# gradient of $h_t$ *and* that of $c_t$ flow back from step $t+1$.
#
# What the gates do is easiest to see on weights set by hand. The LSTM below has one unit and
# reads three inputs per step: a *value* (random noise in $[-1, 1]$), a *write* signal and a
# *read* signal (0 or 1). Its weights open the input gate and close the forget gate when *write*
# is on (so the cell forgets the old value and stores the new one), keep the forget gate near 1
# otherwise (so the memory stays), and open the output gate only when *read* is on (so the unit
# shows its memory only then):
#
# $$a_i = 16\,\text{write} - 8, \quad a_f = 8 - 16\,\text{write}, \quad a_g = 1.5\,\text{value}, \quad a_o = 16\,\text{read} - 8 .$$
#
# The figure runs your `lstm_step_forward` step by step on one sequence, and recomputes the
# gates from the weights and the hidden state your step returns, for display. The noise read at
# every other step never reaches the memory; the value written is held until it is overwritten.

# %%
rng = np.random.default_rng(5)
N, T, D, H = 2, 6, 3, 4
x, h0 = rng.normal(size=(N, T, D)), rng.normal(size=(N, H))
Wx, Wh, b = lstm_weights(D, H, rng, forget_bias=1.0)
with demo("your LSTM through time"):
    h, _ = lstm.lstm_forward(x, h0, Wx, Wh, b)
    net = torch.nn.LSTM(D, H, batch_first=True).double()
    torch_lstm_weights(net, Wx, Wh, b, "_l0")
    with torch.no_grad():
        expected = net(torch.as_tensor(x), (torch.as_tensor(h0)[None], torch.zeros(1, N, H, dtype=torch.float64)))[0]
    print(f"hidden states {np.shape(h)}; largest difference from torch.nn.LSTM: {largest_difference(h, expected):.1e}")
    check_gradients(lambda *a: (lambda h, cache: ((h,), cache))(*lstm.lstm_forward(*a)),
                    lambda v, cache: lstm.lstm_backward(v[0], cache),
                    [x, h0, Wx, Wh, b], ["dx", "dh0", "dWx", "dWh", "db"])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


T = 30
value = np.random.default_rng(6).uniform(-1, 1, size=T)
write, read = np.zeros(T), np.zeros(T)
write[[3, 16]] = 1
read[[10, 13, 24]] = 1
value[[3, 16]] = 0.8, -0.6  # the values written
inputs = np.stack([value, write, read], axis=1)[None]  # (N = 1, T, D = 3)
# columns: the gates i, f, g, o of the one unit; rows: value, write, read
Wx_memory = np.array([[0.0, 0.0, 1.5, 0.0], [16.0, -16.0, 0.0, 0.0], [0.0, 0.0, 0.0, 16.0]])
Wh_memory, b_memory = np.zeros((1, 4)), np.array([-8.0, 8.0, 0.0, -8.0])
with demo("the gates of your LSTM"):
    h, c = np.zeros((1, 1)), np.zeros((1, 1))
    gates, cells, hidden = [], [], []
    for t in range(T):
        a = inputs[:, t] @ Wx_memory + h @ Wh_memory + b_memory  # the gates, recomputed for display
        gates.append(sigmoid(a[0, [0, 1, 3]]))
        h, c, _ = lstm.lstm_step_forward(inputs[:, t], h, c, Wx_memory, Wh_memory, b_memory)
        h, c = np.asarray(h, dtype=float), np.asarray(c, dtype=float)
        cells.append(c[0, 0])
        hidden.append(h[0, 0])
    gates = np.array(gates)
    steps = np.arange(T)
    fig, axes = plt.subplots(3, 1, figsize=(10, 6.5), sharex=True)
    axes[0].bar(steps, value, color="0.7", label="value (noise)")
    axes[0].bar(steps[write == 1], value[write == 1], color="C2", label="value when write = 1")
    for t in steps[read == 1]:
        axes[0].axvline(t, color="C1", lw=2, alpha=0.5)
    axes[0].plot([], [], color="C1", lw=2, alpha=0.5, label="read = 1")
    axes[0].set(ylabel="inputs", title="An LSTM unit that stores a value on 'write' and shows it on 'read'")
    for k, (name, color) in enumerate((("input gate i", "C2"), ("forget gate f", "C0"), ("output gate o", "C1"))):
        axes[1].plot(steps, gates[:, k], "o-", ms=3, color=color, label=name)
    axes[1].set(ylabel="gate", ylim=(-0.05, 1.05))
    axes[2].plot(steps, cells, "-", color="C4", label="cell state c")
    axes[2].plot(steps, hidden, "o", color="k", ms=4, label="hidden state h")
    axes[2].plot(steps, np.tanh(1.5 * value), ".", color="0.6", ms=3, label="tanh(1.5 · value): what would be stored")
    axes[2].set(xlabel="step t", ylabel="state")
    for ax in axes:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    plt.show()

# %% [markdown]
# This memory is why LSTMs learn long-range dependencies that vanilla RNNs cannot. Along the cell
# state the gradient is multiplied by the forget gate at each step, $\partial c_t / \partial
# c_{t-1} = \operatorname{diag}(f_t)$ (plus the paths through $h$), with no squashing weight matrix in
# between: where the forget gates stay near 1, the gradient travels far. This is also why LSTMs
# are often initialised with a **positive forget-gate bias**. Below, the experiment of section 1.3
# with your `lstm_forward` and `lstm_backward`: random weights, 64 units, 80 steps, and forget-gate
# biases of 0 to 3, beside the vanilla RNN with $g = 1$.

# %%
with demo("the gradient through time of your LSTM"):
    rng = np.random.default_rng(7)
    N, T, H = 8, 80, 64
    x = 0.5 * rng.normal(size=(N, T, H))
    upstream = np.zeros((N, T, H))
    upstream[:, -1] = rng.normal(size=(N, H)) / np.sqrt(H)
    fig, ax = plt.subplots(figsize=(7, 4))
    if 1.0 in gradient_norms:
        ax.semilogy(np.arange(T), gradient_norms[1.0], "k--", label="vanilla RNN, g = 1 (section 1.3)")
    Wx0, Wh0, b0 = lstm_weights(H, H, rng)
    for forget_bias in (0.0, 1.0, 2.0, 3.0):
        b = b0.copy()
        b[H:2 * H] += forget_bias
        _, cache = lstm.lstm_forward(x, np.zeros((N, H)), Wx0, Wh0, b)
        dx = np.asarray(lstm.lstm_backward(upstream, cache)[0], dtype=float)
        norms = np.linalg.norm(dx, axis=2).mean(axis=0)[::-1]
        ax.semilogy(np.arange(T), norms, label=f"LSTM, forget-gate bias + {forget_bias:g} "
                                                f"(mean f ≈ {sigmoid(b[H:2 * H]).mean():.2f})")
    ax.set(xlabel="distance T − t (steps back from the loss)", ylabel="‖∂L/∂x_t‖ (mean over 8 sequences)",
           title="The gradient through time of an LSTM")
    ax.legend(fontsize=8)
    plt.show()

# %% [autograde] week5.lstm

# %% [markdown]
# ## 3. Embeddings and the loss of a sequence model
#
# ### 3.1 Embeddings
#
# Tokens (characters, words) arrive as integer **ids** $0, \dots, V-1$. An **embedding** maps each
# id to a learned vector: row `ids[n, t]` of a matrix $W \in \mathbb{R}^{V\times D}$. It is a linear
# layer applied to one-hot vectors, $\text{onehot}(\text{id})\, W$, without building them. Its
# backward pass sends each position's gradient to the row that position read: row $v$ of $dW$ is
# the sum over every position whose id is $v$. An id that appears several times collects all its
# gradients. (Beware of NumPy here: in `dW[ids] += dout`, a repeated index is written once, not
# added up.) Below, your embedding against PyTorch's `F.embedding` and its autograd gradient, on
# ids where some repeat many times.

# %%
rng = np.random.default_rng(8)
V, D = 6, 4
W = rng.normal(size=(V, D))
ids = np.array([[0, 3, 3, 1, 3], [3, 5, 0, 3, 3]])  # id 3 six times, id 2 and id 4 never
with demo("your embedding"):
    out, cache = embedding.embedding_forward(ids, W)
    dout = rng.normal(size=(*ids.shape, D))
    dW = embedding.embedding_backward(dout, cache)
    W_torch = torch.tensor(W, requires_grad=True)
    F.embedding(torch.as_tensor(ids), W_torch).backward(torch.as_tensor(dout))
    print(f"out {np.shape(out)}: largest difference from F.embedding "
          f"{largest_difference(out, F.embedding(torch.as_tensor(ids), torch.as_tensor(W))):.1e}")
    print(f"dW {np.shape(dW)}: largest difference from torch's gradient {largest_difference(dW, W_torch.grad):.1e}")
    print(f"row 3 of dW (id 3 appears {np.sum(ids == 3)} times): {np.round(np.asarray(dW)[3], 4)}; "
          f"rows 2 and 4 (ids never read): {np.abs(np.asarray(dW)[[2, 4]]).max():g}")

# %% [autograde] week5.embedding

# %% [markdown]
# ### 3.2 The temporal softmax loss
#
# A sequence model predicts at every position: logits of shape $(N, T, V)$, one distribution over
# the next token per position, against targets of shape $(N, T)$. Its loss is the cross-entropy
# averaged over the positions that count, given by a mask (sequences of different lengths are
# padded to one length, and the padding must not count):
#
# $$L = \frac{\sum_{n,t} m_{n,t}\,\big(-\log \operatorname{softmax}(z_{n,t})[y_{n,t}]\big)}{\sum_{n,t} m_{n,t}},
#   \qquad \frac{\partial L}{\partial z_{n,t}} = \frac{m_{n,t}}{\sum m}\,\big(\operatorname{softmax}(z_{n,t}) - \text{onehot}(y_{n,t})\big).$$
#
# As in week 1, compute it with the log-sum-exp trick, so that logits of size $10^4$ give a finite
# loss. PyTorch's `F.cross_entropy` computes the same with `ignore_index` marking the positions
# that do not count. Below, your `temporal_softmax_loss` against it, on ordinary logits and on
# logits ten thousand times larger, and your gradient against torch's autograd.

# %%
rng = np.random.default_rng(9)
N, T, V = 3, 5, 7
logits, targets = rng.normal(size=(N, T, V)), rng.integers(0, V, size=(N, T))
mask = np.ones((N, T), dtype=bool)
mask[0, 3:], mask[2, 1:] = False, False  # padding: sequences of 3, 5 and 1 positions
with demo("your temporal softmax loss"):
    for scale in (1.0, 1e4):
        z = torch.tensor(scale * logits, requires_grad=True)
        expected = F.cross_entropy(z.reshape(-1, V), torch.as_tensor(np.where(mask, targets, -100)).reshape(-1),
                                   ignore_index=-100)
        expected.backward()
        loss, dlogits = embedding.temporal_softmax_loss(scale * logits, targets, mask)
        print(f"logits × {scale:g}: your loss {float(loss):.6f}, F.cross_entropy {expected.item():.6f}; largest "
              f"difference from torch's gradient {largest_difference(dlogits, z.grad):.1e}; gradient at the masked "
              f"positions {np.abs(np.asarray(dlogits)[~mask]).max():g}")

# %% [autograde] week5.temporal_softmax

# %% [markdown]
# ## 4. Attention
#
# A recurrent network passes everything it knows along one state, step by step. **Attention**
# lets each position look anywhere directly. A query $q_i$ is compared with every key $k_j$; the
# scores, through a softmax, become weights that sum to 1, and the output is the weighted mean of
# the values $v_j$:
#
# $$\text{out} = \operatorname{softmax}\!\Big(\frac{q k^\top}{\sqrt d}\Big)\, v, \qquad q \in \mathbb{R}^{T_q\times d},\; k \in \mathbb{R}^{T_k\times d},\; v \in \mathbb{R}^{T_k\times d_v},$$
#
# the softmax over the keys, for each sequence of a batch. Dividing by $\sqrt d$ keeps the scores
# of random vectors of size about 1 whatever $d$. **Causal** attention, used by a model that
# predicts the next token, hides the future: query $i$ may only attend to keys $j \le i$ (their
# scores are $-\infty$ before the softmax). As any softmax, compute it stably, subtracting each
# row's largest score. The backward pass goes back through the same three steps; with $P$ the
# weights and $S$ the scores, the softmax's backward is $dS = P \odot (dP - \sum_j dP \odot P)$.
#
# Below, your `attention_forward` against PyTorch's `F.scaled_dot_product_attention` (causal and
# not, and with scores in the thousands), and your `attention_backward` against numerical
# differentiation.

# %%
rng = np.random.default_rng(10)
N, T, d, dv = 2, 5, 4, 3
q, k, v = rng.normal(size=(N, T, d)), rng.normal(size=(N, T, d)), rng.normal(size=(N, T, dv))
with demo("your attention"):
    for causal in (False, True):
        for scale in (1.0, 100.0):
            out, _ = attention.attention_forward(scale * q, scale * k, v, causal=causal)
            expected = F.scaled_dot_product_attention(*(torch.as_tensor(a) for a in (scale * q, scale * k, v)),
                                                      is_causal=causal)
            print(f"causal={causal!s:5}, q and k × {scale:3g}: largest difference from "
                  f"F.scaled_dot_product_attention {largest_difference(out, expected):.1e}")
    for causal in (False, True):
        print(f"backward, causal={causal}:")
        check_gradients(lambda *a: (lambda o, cache: ((o,), cache))(*attention.attention_forward(*a, causal=causal)),
                        lambda up, cache: attention.attention_backward(up[0], cache),
                        [q, k, v], ["dq", "dk", "dv"])

# %% [markdown]
# ### Attention weights
#
# Your `attention_forward` returns the outputs, not the weights, but with the identity as the
# values ($v = I$, so $d_v = T_k$) the output *is* the matrix of weights: row $i$ holds how much
# query $i$ reads of each key. Two toy examples, on text of the week's source (section 5):
#
# - **Alignment.** To reverse a string, output position $i$ should read input position
#   $T - 1 - i$. Keys encode their position ($k_j = 5\,e_j$), queries the position they look for
#   ($q_i = 5\,e_{T-1-i}$). With the one-hot vectors of the characters as values, the output
#   spells the string backwards.
# - **Self-attention by content.** Each position's query and key is 5 times the one-hot vector of
#   its character: a position attends to every position holding the same character. Without a
#   mask it also sees the ones *after* it; with the causal mask only those before it (and itself).
#   A language model must be causal: otherwise, it could read the character it is asked to
#   predict.

# %%
def weights_of(q, k, causal=False):
    """The attention weights of one sequence, from your attention_forward with the identity as values."""
    out, _ = attention.attention_forward(q[None], k[None], np.eye(len(k))[None], causal=causal)
    return np.asarray(out, dtype=float)[0]


def show_weights(ax, P, rows, cols, title):
    ax.imshow(P, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(len(cols)), list(cols), fontsize=8)
    ax.set_yticks(range(len(rows)), list(rows), fontsize=8)
    ax.set(xlabel="key", ylabel="query", title=title)


from grader.datasets import markov_text

src = markov_text(0)
with demo("the attention weights"):
    ids = src.sequences(1, 14, seed=11)[0]
    text, T = src.decode(ids), len(ids)
    positions = 5.0 * np.eye(T)
    onehot = np.eye(src.vocab_size)[ids]
    out, _ = attention.attention_forward(positions[::-1][None], positions[None], onehot[None])
    reversed_text = src.decode(np.argmax(np.asarray(out)[0], axis=1))
    print(f"input {text!r}; read by the reversing attention: {reversed_text!r}")
    fig, axes = plt.subplots(1, 3, figsize=(15, 5))
    show_weights(axes[0], weights_of(positions[::-1], positions), [f"{i}" for i in range(T)], text,
                 "alignment: query i reads key T − 1 − i")
    for ax, causal in zip(axes[1:], (False, True)):
        show_weights(ax, weights_of(5.0 * onehot, 5.0 * onehot, causal), text, text,
                     f"self-attention by character, causal={causal}")
    fig.tight_layout()
    plt.show()

# %% [autograde] week5.attention

# %% [markdown]
# ## 5. A character-level language model
#
# ### The text
#
# A **language model** gives the probability of the next character given all the ones before it,
# $p(x_{t+1} \mid x_1, \dots, x_t)$. It is trained on text by minimising the cross-entropy of its
# predictions at every position, and measured in **bits per character**: the mean of
# $-\log_2 p(\text{the actual next character})$ on text it did not see.
#
# The text here comes from a source whose rules are known exactly, so that we know how well a
# model *could* do: `grader.datasets.markov_text`, a **Markov chain of order 3** over the 8
# characters "abcdefgh": the next character is drawn from a distribution that depends on the last
# 3 characters (and nothing else), one distribution for each of the $8^3 = 512$ contexts. No model
# can do better, on average, than the true distributions themselves, whose cross-entropy is the
# source's **entropy rate** $H$. A model that looks back fewer characters does worse: the best
# possible loss with $j$ characters of context, $H_j = H(X_t \mid X_{t-j}, \dots, X_{t-1})$, is
# computed exactly too ($H_0$: the character frequencies alone; $H_1$: a bigram model; $H_3 = H$).
# Its distributions are peaked: the next character depends strongly on each of the last three.
#
# When your work is graded, your model is trained by the grader's recipe on text from a chain of
# the same kind, drawn from your instructor's secret, and its held-out bits per character must
# come close to that chain's $H$, closer than any model that sees fewer than 3 characters can.

# %%
print(f"alphabet {src.alphabet!r}, order {src.order}; entropy rate H = {src.entropy_rate():.4f} bits per character")
print("a sample of the text:", src.decode(src.sequences(1, 80, seed=12)))
floors = [src.conditional_entropy(j) for j in range(src.order + 1)]
fig, ax = plt.subplots(figsize=(6, 3.6))
ax.bar(range(src.order + 1), floors, color=["0.6"] * src.order + ["C0"])
ax.axhline(np.log2(src.vocab_size), color="k", ls=":", lw=1, label=f"uniform guess: log₂ {src.vocab_size} = 3 bits")
for j, value in enumerate(floors):
    ax.text(j, value + 0.03, f"{value:.3f}", ha="center", fontsize=9)
ax.set(xticks=range(src.order + 1), xticklabels=["H₀\nfrequencies", "H₁\nbigram", "H₂", "H₃ = H\nthe source"],
       ylabel="bits per character", ylim=(0, 3.4), title="The best possible loss with j characters of context")
ax.legend(loc="lower left", fontsize=8)
plt.show()

# %% [markdown]
# ### Training your model
#
# `build_char_lm(vocab_size)` returns your PyTorch model: it maps ids of shape $(N, T)$ to logits of
# shape $(N, T, V)$, where position $t$ predicts the character at $t+1$ and **may depend only on the
# ids at positions $\le t$** (an embedding, a recurrent layer from `torch.nn` and a linear read-out
# at every position do this). Below it is trained with the grader's recipe: Adam with learning rate
# $3\cdot10^{-3}$, batches of 64 sequences of 33 characters (inputs `ids[:, :-1]`, targets
# `ids[:, 1:]`), the cross-entropy at every position. How many sequences and epochs the grader
# trains for is set in the rubric; here 6000 sequences for 4 epochs, which takes 10 to 20 seconds
# on one CPU thread.
#
# The held-out loss is measured, as the grader measures it, at the positions whose whole context is
# there: the targets at positions $t \ge 3$, which follow three characters. Earlier positions
# cannot reach $H$: with only $t$ characters of context the best loss is $H_t$.

# %%
LR, BATCH, LENGTH, SEQUENCES, EPOCHS = 3e-3, 64, 33, 6000, 4
train_ids = torch.as_tensor(src.sequences(SEQUENCES, LENGTH, seed=0))
test_ids = torch.as_tensor(src.sequences(1000, LENGTH, seed=1))


def bits_per_position(model, ids):
    """The model's −log₂ p(next character) at every position, (N, LENGTH − 1), without gradients."""
    with torch.no_grad():
        logits = model(ids[:, :-1]).double()
        return F.cross_entropy(logits.transpose(1, 2), ids[:, 1:], reduction="none") / math.log(2)


lm, curve = None, {"epoch": [], "held-out": [], "train": []}
with demo("your language model"):
    start = time.perf_counter()
    torch.manual_seed(0)
    model = char_lm.build_char_lm(src.vocab_size)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    steps_per_epoch = math.ceil(SEQUENCES / BATCH)
    model.eval()
    curve["epoch"].append(0.0)
    curve["held-out"].append(bits_per_position(model, test_ids)[:, src.order - 1:].mean().item())
    for epoch in range(EPOCHS):
        order = torch.randperm(SEQUENCES)
        for step in range(steps_per_epoch):
            model.train()
            batch = train_ids[order[step * BATCH:(step + 1) * BATCH]]
            logits = model(batch[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, src.vocab_size), batch[:, 1:].reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            curve["train"].append(loss.item() / math.log(2))
            if (step + 1) % 16 == 0 or step + 1 == steps_per_epoch:
                model.eval()
                curve["epoch"].append(epoch + (step + 1) / steps_per_epoch)
                curve["held-out"].append(bits_per_position(model, test_ids)[:, src.order - 1:].mean().item())
    model.eval()
    lm = model
    print(f"trained in {time.perf_counter() - start:.1f} s; held-out loss at positions ≥ {src.order}: "
          f"{curve['held-out'][-1]:.4f} bits per character (H = {floors[-1]:.4f}, bigram H₁ = {floors[1]:.4f})")

if lm is not None:
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.2))
    ax1.plot(np.arange(1, len(curve["train"]) + 1) / steps_per_epoch, curve["train"], color="0.7", lw=0.8,
             label="training batches (all positions)")
    ax1.plot(curve["epoch"], curve["held-out"], "o-", ms=3, color="C0", label=f"held out (positions ≥ {src.order})")
    ax1.axhline(floors[1], color="C3", ls="--", label=f"the bigram's floor H₁ = {floors[1]:.3f}")
    ax1.axhline(floors[-1], color="k", ls="--", label=f"the entropy rate H = {floors[-1]:.3f}")
    ax1.set(xlabel="epoch", ylabel="bits per character", title="Your language model's learning curve",
            ylim=(floors[-1] - 0.2, 3.2))
    ax1.legend(fontsize=8)

    by_position = bits_per_position(lm, test_ids).mean(dim=0).numpy()
    targets_at = np.arange(1, LENGTH)  # the target at position t follows t characters
    ax2.plot(targets_at, by_position, "o-", ms=4, label="your model, held out")
    ax2.step(targets_at, [floors[min(t, src.order)] for t in targets_at], where="mid", color="k", ls="--",
             label="the best possible loss with t characters of context")
    ax2.set(xlabel="position t of the predicted character", ylabel="bits per character",
            title="The held-out loss at each position", ylim=(floors[-1] - 0.4, 3.2))
    ax2.legend(fontsize=8)
    plt.show()
    if curve["held-out"][-1] < floors[-1] - 0.1:  # far beyond the noise of 30 000 held-out characters
        print("Your model beats the best possible loss: it must be reading the characters it predicts. "
              "Make position t depend on ids[:, :t + 1] only.")

# %% [autograde] week5.char_lm

# %% [markdown]
# ## 6. Sampling text
#
# A language model generates text one character at a time: given a prefix, draw the next
# character from the model's distribution, append it, and repeat, each time feeding the model
# everything so far. `sample(model, prefix, length, temperature, generator)` does this with a
# **temperature** $\tau$: the next character is drawn from $\operatorname{softmax}(z / \tau)$ of the
# logits $z$ at the last position. $\tau = 1$ samples the model's own distribution; $\tau < 1$
# sharpens it towards the most likely character (as $\tau \to 0$, the argmax: the same text every
# time, often stuck in a loop); $\tau > 1$ flattens it towards uniform noise. The randomness must
# come from the `torch.Generator` it is given, only: the same seed gives the same text.
#
# Below, your `sample` on your trained model from a held-out prefix, at several temperatures. To
# judge the samples, the true source scores them: their mean $-\log_2 p_\text{source}$ per character,
# how surprising the text is to the chain that defines the language. A perfect model sampled at
# $\tau = 1$ would score $H$ on average; cold samples are safe, likely text (below $H$, but
# repetitive), hot ones drift into sequences the source almost never writes.

# %%
TEMPERATURES = (0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0)
if lm is None:
    print("Train your language model in section 5 (week5.char_lm) to sample text from it.")
else:
    with demo("samples of your language model"):
        prefix = test_ids[0, :10]
        surprise = {}
        for tau in TEMPERATURES:
            drawn = np.asarray(char_lm.sample(lm, prefix, 300, tau, torch.Generator().manual_seed(13))).astype(np.int64)
            full = np.concatenate([prefix.numpy(), drawn.reshape(-1)])
            p = src.probabilities(full[None])[0]  # p[t]: the source's distribution of the character after position t
            chosen = p[np.arange(len(prefix) - 1, len(full) - 1), full[len(prefix):]]
            surprise[tau] = float(np.mean(-np.log2(np.maximum(chosen, 1e-300))))
            if tau in (0.1, 0.5, 1.0, 2.0):
                print(f"τ = {tau:<4g}{src.decode(prefix)} | {src.decode(drawn[:70])}")
        fig, ax = plt.subplots(figsize=(6.5, 3.8))
        ax.plot(list(surprise), list(surprise.values()), "o-", label="your samples (300 characters each)")
        ax.axhline(floors[-1], color="k", ls="--", label=f"the entropy rate H = {floors[-1]:.3f}")
        ax.set(xscale="log", xticks=TEMPERATURES, xticklabels=[f"{t:g}" for t in TEMPERATURES], xlabel="temperature τ",
               ylabel="−log₂ p_source per character", title="How the true source scores your samples")
        ax.minorticks_off()
        ax.legend(fontsize=8)
        plt.show()

# %% [autograde] week5.sample

# %% [markdown]
# ## 7. Check your work
#
# The cell below runs the public checks on your module files, as `dlgrade check week5` does
# in a terminal, and prints a table with one row per exercise. Where a check fails, the
# feedback says what was called, what came back and what was expected, and names the
# mistake when it recognises it.
#
# Passing the public checks is necessary, not sufficient. Your instructor grades with these
# **and with hidden checks** on other inputs: other sizes and seeds, longer sequences, upstream
# gradients on one step only, repeated ids, masks that keep a single position, causal attention
# with large scores, other max norms, and, for the language model, text from another chain of the
# same kind and thousands of sampled characters. Follow each contract in `README.md`, not just the
# examples it is tried on here.

# %% [selfcheck]
