"""Public checks for lstm.py: one LSTM step and the LSTM through time against PyTorch's
torch.nn.LSTMCell and a one-layer torch.nn.LSTM(batch_first=True) (float64, the same weights:
Wx = weight_ihᵀ, Wh = weight_hhᵀ, b = bias_ih + bias_hh, gates in the order i, f, g, o), and
their backward passes against the grader's own numerical differentiation of those modules.

The step has two outputs, h and c: its backward is judged as the vector–Jacobian product of the
map to (h, c), for a random upstream gradient on both (dh and dc). Through time the upstream
gradient is on every hidden state, or on the last one only (zeros elsewhere), as for rnn.py
(see public_rnn.py); over six steps and more, both h and the cell state c carry gradient back
from step t + 1, and neither may be dropped.
"""

import itertools

import numpy as np
import torch

from grader.backward import Backward, cache_from_forward, unpack
from grader.compare import as_array
from grader.registry import CheckFailed, check

from .public_rnn import (TOL, assert_backward, assert_values, call_module, check_through_time, module_with, t64,
                         rnn_shape_message, weight_shape_hints)

GATES = "ifgo"


def lstm_step_t(x, h_prev, c_prev, Wx, Wh, b):
    """torch.nn.LSTMCell on tensors: h and c side by side, shape (N, 2H)."""
    return torch.cat(call_module("LSTMCell", Wx, Wh, b, x, (h_prev, c_prev)), dim=-1)


def lstm_t(x, h0, Wx, Wh, b):
    """A one-layer torch.nn.LSTM(batch_first=True) on tensors, from h0 and c0 = 0: every hidden state (N, T, H)."""
    h0 = h0[None]
    return call_module("LSTM", Wx, Wh, b, x, (h0, torch.zeros_like(h0)))[0]


@torch.no_grad()
def torch_lstm_step(x, h_prev, c_prev, Wx, Wh, b):
    """torch.nn.LSTMCell's h and c side by side, (N, 2H), in float64."""
    return torch.cat(module_with("LSTMCell", Wx, Wh, b)(t64(x), (t64(h_prev), t64(c_prev))), dim=-1).numpy()


@torch.no_grad()
def torch_lstm(x, h0, Wx, Wh, b):
    """A one-layer torch.nn.LSTM(batch_first=True)'s every hidden state (N, T, H) from h0 and c0 = 0, in float64."""
    h0 = t64(h0)[None]
    return module_with("LSTM", Wx, Wh, b)(t64(x), (h0, torch.zeros_like(h0)))[0].numpy()


def lstm_problem(N, T, D, H, seed, scale=1.0):
    """x (N, T, D), h0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,): inputs and h0 standard normal,
    Wx and Wh normal with standard deviation scale/√D and scale/√H, b with 0.5·scale, and the
    forget gate's bias raised by 1 (as LSTMs are often initialised) so that the cell state
    carries gradient over several steps. At scale 1 some gate pre-activations reach |a| ≈ 3
    (σ′ < 0.05); the hidden checks go further."""
    rng = np.random.default_rng(seed)
    b = rng.normal(size=4 * H) * 0.5 * scale
    b[H:2 * H] += 1.0
    return (rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, 4 * H)) * scale / np.sqrt(D),
            rng.normal(size=(H, 4 * H)) * scale / np.sqrt(H), b)


def lstm_step_problem(N, D, H, seed, scale=1.0):
    """x (N, D), h_prev (N, H) in (−1, 1), c_prev (N, H) normal, Wx, Wh, b as `lstm_problem`."""
    x, h0, Wx, Wh, b = lstm_problem(N, 1, D, H, seed, scale)
    c_prev = np.random.default_rng(seed + 1000).normal(size=h0.shape)
    return x[:, 0], np.tanh(h0), c_prev, Wx, Wh, b


# --- the grader's own float64 LSTM, with the known mistakes as switches ------------------------


def sigmoid(z):
    """1 / (1 + exp(−z)), as ½·(1 + tanh(z/2)) (no overflow)."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def permuted(W, order, H):
    """W's four gate blocks of width H rearranged so that a correct LSTM with them reads, in the
    order i, f, g, o, what an LSTM that reads the blocks in `order` reads (order: a string such as "ifog")."""
    blocks = {gate: W[..., k * H:(k + 1) * H] for k, gate in enumerate(order)}
    return np.concatenate([blocks[gate] for gate in GATES], axis=-1)


def lstm_numpy(x, h0, c0, Wx, Wh, b, *, order=GATES, tanh_c=True, g_tanh=True, carry_c=True):
    """(every h (N, T, H), every c (N, T, H)) in float64, with the known mistakes as switches: the
    gates read in another `order`, h = o·c without tanh, g through a sigmoid, c reset to c0 at
    every step."""
    H = h0.shape[1]
    Wx, Wh, b = (permuted(W, order, H) for W in (Wx, Wh, b))
    h, c, hs, cs = h0, c0, [], []
    for t in range(x.shape[1]):
        a = x[:, t] @ Wx + h @ Wh + b
        i, f, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), sigmoid(a[:, 3 * H:])
        g = np.tanh(a[:, 2 * H:3 * H]) if g_tanh else sigmoid(a[:, 2 * H:3 * H])
        c = f * (c if carry_c else c0) + i * g
        h = o * (np.tanh(c) if tanh_c else c)
        hs.append(h)
        cs.append(c)
    return np.stack(hs, axis=1), np.stack(cs, axis=1)


def lstm_bptt(x, h0, c0, Wx, Wh, b, dh, dc=None, *, tanh_c_derivative=True, forget_in_dc_prev=True, carry_c=True,
              recurrent=True, keep=None, backward_order=GATES):
    """(dx, dh0, dc0, dWx, dWh, db) of the LSTM from (h0, c0) (x (N, T, D)) for the upstream
    gradient dh (N, T, H) of every h and dc (N, H) of the last c, by backpropagation through time
    in float64, with the known mistakes as switches: dc's path through tanh(c) taken as dh·o
    (`tanh_c_derivative` False); dc_prev = dc_total without the forget gate; the gradient of c
    from the next step (or the upstream dc) not added (`carry_c` False); dh_next not added
    (`recurrent` False); one step's weight gradients kept (`keep`: "first" for t = 0, "last" for
    t = T − 1); the gate gradients concatenated in `backward_order`."""
    N, T, _ = x.shape
    H = h0.shape[1]
    steps, h, c = [], h0, c0
    for t in range(T):
        a = x[:, t] @ Wx + h @ Wh + b
        i, f, g, o = sigmoid(a[:, :H]), sigmoid(a[:, H:2 * H]), np.tanh(a[:, 2 * H:3 * H]), sigmoid(a[:, 3 * H:])
        c_prev, h_prev = c, h
        c = f * c_prev + i * g
        h = o * np.tanh(c)
        steps.append((h_prev, c_prev, i, f, g, o, np.tanh(c)))
    dx = np.zeros_like(x)
    sums = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
    kept = None
    dh_next, dc_next = np.zeros_like(h0), (np.zeros_like(h0) if dc is None else dc)
    for t in reversed(range(T)):
        h_prev, c_prev, i, f, g, o, tanh_c = steps[t]
        dh_t = dh[:, t] + (dh_next if recurrent else 0.0)
        dc_total = (dc_next if carry_c else 0.0) + dh_t * o * ((1.0 - tanh_c**2) if tanh_c_derivative else 1.0)
        da = {"i": dc_total * g * i * (1 - i), "f": dc_total * c_prev * f * (1 - f),
              "g": dc_total * i * (1 - g**2), "o": dh_t * tanh_c * o * (1 - o)}
        da = np.concatenate([da[gate] for gate in backward_order], axis=1)
        dx[:, t], dh_next = da @ Wx.T, da @ Wh.T
        dc_next = dc_total * f if forget_in_dc_prev else dc_total
        step = (x[:, t].T @ da, h_prev.T @ da, da.sum(axis=0))
        sums = [s + d for s, d in zip(sums, step)]
        if (keep == "first" and t == 0) or (keep == "last" and t == T - 1):
            kept = step
    dWx, dWh, db = kept if keep else sums
    return dx, dh_next, dc_next, dWx, dWh, db


def wrong_order_grads(x, h0, c0, Wx, Wh, b, dh, dc, order):
    """The gradients of an LSTM that reads its gates in `order`, forward and backward alike."""
    H = h0.shape[1]
    grads = lstm_bptt(x, h0, c0, *(permuted(W, order, H) for W in (Wx, Wh, b)), dh, dc)
    inverse = "".join(GATES[order.index(gate)] for gate in GATES)  # permuted(permuted(W, order), inverse) = W
    return grads[:3] + tuple(permuted(d, inverse, H) for d in grads[3:])


WRONG_ORDERS = ["".join(p) for p in itertools.permutations(GATES) if "".join(p) != GATES]


def order_label(order):
    return (f"reading the gates in the order {', '.join(order)} (Wx, Wh and b hold them in torch's order i, f, g, o: "
            f"input, forget, candidate g, output)")


TANH_C = "forgetting dc's path through tanh(c) (what h = o·tanh(c) sends to c is dh·o·(1 − tanh²(c)), not dh·o)"
NO_FORGET = "dc_prev without the forget gate (dc_prev = f·dc_total, not dc_total)"
ORDER_IFOG = ("differentiating an LSTM that reads the gates in the order i, f, o, g (Wx, Wh and b hold them in torch's "
              "order i, f, g, o)")


def lstm_forward_mistakes(x, h0, c0, Wx, Wh, b, step):
    """The outputs that common mistakes give: (h, c) side by side for a step, every h through time."""

    def out(**bug):
        hs, cs = lstm_numpy(x, h0, c0, Wx, Wh, b, **bug)
        return np.concatenate([hs[:, 0], cs[:, 0]], axis=-1) if step else hs

    mistakes = {order_label(order): out(order=order) for order in WRONG_ORDERS}
    mistakes["leaving out tanh(c) (h = o·c instead of o·tanh(c))"] = out(tanh_c=False)
    mistakes["the candidate g through a sigmoid instead of tanh"] = out(g_tanh=False)
    if not step:
        mistakes["resetting the cell state to zero at every step (c is carried through time)"] = out(carry_c=False)
    return mistakes


# --- forward passes -----------------------------------------------------------------------


def assert_lstm_step_forward(sub, x, h_prev, c_prev, Wx, Wh, b):
    """The student's lstm_step_forward against torch.nn.LSTMCell; returns the cache."""
    what = (f"lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b) for x of shape {x.shape}, h_prev and c_prev of shape "
            f"{h_prev.shape}")
    h, c, cache = unpack(sub.lstm.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b), what, ("h", "c", "cache"))
    expected = torch_lstm_step(x, h_prev, c_prev, Wx, Wh, b)
    H = h_prev.shape[1]
    got = [as_array(h, f"the h of {what}"), as_array(c, f"the c of {what}")]
    for name, arr in zip("hc", got):
        if arr.shape != h_prev.shape:
            raise CheckFailed(f"the {name} of {what} has shape {arr.shape}, expected (N, H) = {h_prev.shape}.")
    as64 = [np.asarray(a, dtype=np.float64) for a in (x[:, None], h_prev, c_prev, Wx, Wh, b)]
    mistakes = lstm_forward_mistakes(*as64, step=True)
    # c first: it is where a gate read from the wrong block usually shows
    for name, k in (("c", 1), ("h", 0)):
        part = slice(k * H, (k + 1) * H)
        assert_values(got[k], expected[:, part], f"the {name} of {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                      mistakes={label: value[:, part] for label, value in mistakes.items()},
                      hint="Expected [a_i, a_f, a_g, a_o] = x·Wx + h_prev·Wh + b (blocks of width H), i = σ(a_i), "
                           "f = σ(a_f), g = tanh(a_g), o = σ(a_o), c = f·c_prev + i·g and h = o·tanh(c), as "
                           "torch.nn.LSTMCell with Wx = weight_ihᵀ, Wh = weight_hhᵀ, b = bias_ih + bias_hh.")
    return cache


def assert_lstm_forward(sub, x, h0, Wx, Wh, b):
    """The student's lstm_forward against a one-layer torch.nn.LSTM; returns the cache."""
    N, T, _ = np.shape(x)
    H = np.shape(h0)[1]
    what = f"lstm_forward(x, h0, Wx, Wh, b) for x of shape {np.shape(x)} and h0 of shape {np.shape(h0)}"
    h, cache = unpack(sub.lstm.lstm_forward(x, h0, Wx, Wh, b), what, ("h", "cache"))
    expected = torch_lstm(x, h0, Wx, Wh, b)
    got = as_array(h, f"the h of {what}")
    if got.shape != expected.shape:
        raise CheckFailed(f"the h of {what} {rnn_shape_message(got.shape, N, T, H)}")
    x64, h064, *weights = (np.asarray(a, dtype=np.float64) for a in (x, h0, Wx, Wh, b))
    assert_values(got, expected, f"the h of {what}", rtol=TOL["rtol"], atol=TOL["atol"],
                  mistakes=lstm_forward_mistakes(x64, h064, np.zeros_like(h064), *weights, step=False),
                  hint="Expected the LSTM step applied from h0 and c0 = 0, h and c both carried to the next step, "
                       "h[:, t] = h_t, as torch.nn.LSTM(batch_first=True).")
    return cache


# --- backward passes ---------------------------------------------------------------------


def lstm_step_backward_mistakes(x, h_prev, c_prev, Wx, Wh, b):
    """For upstream gradient v = [dh, dc] (N, 2H): the gradients common mistakes give, by output
    (0: dx, 1: dh_prev, 2: dc_prev, 3: dWx, 4: dWh, 5: db)."""
    H = h_prev.shape[1]

    def grads(v, order=None, **bug):
        v = np.asarray(v, dtype=np.float64)
        args = (x[:, None], h_prev, c_prev, Wx, Wh, b, v[:, None, :H], v[:, H:])
        out = wrong_order_grads(*args, order) if order else lstm_bptt(*args, **bug)
        return (out[0][:, 0],) + out[1:]

    def mistakes(v, which):
        out = {TANH_C: grads(v, tanh_c_derivative=False)[which],
               "the upstream dc not added to the cell state's gradient (dc_total = dc + dh·o·(1 − tanh²(c)))":
                   grads(v, carry_c=False)[which],
               "the gate gradients concatenated in the order i, f, o, g (torch's order, which Wx, Wh and b follow, is "
               "i, f, g, o)": grads(v, backward_order="ifog")[which],
               ORDER_IFOG: grads(v, order="ifog")[which]}
        if which == 2:
            out[NO_FORGET] = grads(v, forget_in_dc_prev=False)[which]
        return out

    return mistakes


def check_lstm_step_backward(sub, x, h_prev, c_prev, Wx, Wh, b, full=True):
    """The student's lstm_step_backward against the grader's numerical differentiation of
    torch.nn.LSTMCell's (h, c), for x, h_prev, c_prev, Wx, Wh and b in turn (the cache comes from
    the student's lstm_step_forward)."""
    N, H = h_prev.shape
    setting = f"x of shape {x.shape}, h_prev and c_prev of shape {h_prev.shape}"
    what = f"lstm_step_backward(dh, dc, cache) ({setting})"
    cache = lstm_step_cache(sub, x, h_prev, c_prev, Wx, Wh, b)
    mistakes = lstm_step_backward_mistakes(x, h_prev, c_prev, Wx, Wh, b)
    args = (x, h_prev, c_prev, Wx, Wh, b)
    names = ("dx", "dh_prev", "dc_prev", "dWx", "dWh", "db")
    for which, arg in enumerate(("x", "h_prev", "c_prev", "Wx", "Wh", "b")):
        def f(value, which=which):
            return torch_lstm_step(*(value if k == which else a for k, a in enumerate(args)))

        backward = Backward(lambda v: sub.lstm.lstm_step_backward(v[:, :H], v[:, H:], cache), what, names, which)
        assert_backward(f, args[which], backward, name=f"lstm_step's (h, c) ({setting}; v = [dh, dc])", arg=arg,
                        full=full, mistakes=lambda v, which=which: mistakes(v, which),
                        shape_hints=weight_shape_hints(N, 4 * H, which, 5),
                        hint="The gradient reaching c is dc_total = dc + dh·o·(1 − tanh²(c)); then da_i = dc_total·g·"
                             "i(1 − i), da_f = dc_total·c_prev·f(1 − f), da_g = dc_total·i·(1 − g²), da_o = dh·tanh(c)·"
                             "o(1 − o), dc_prev = dc_total·f, and da = [da_i, da_f, da_g, da_o] goes back through "
                             "Wx and Wh as in the RNN.")


def lstm_step_cache(sub, x, h_prev, c_prev, Wx, Wh, b):
    """The cache of the student's lstm_step_forward, for judging lstm_step_backward."""

    def forward():  # (h, c, cache) as the (out, cache) pair cache_from_forward reads
        result = unpack(sub.lstm.lstm_step_forward(x, h_prev, c_prev, Wx, Wh, b), "lstm_step_forward(...)",
                        ("h", "c", "cache"))
        return result[0], result[2]

    return cache_from_forward(forward, lambda: sub.lstm.lstm_step_backward(np.zeros((1, 1)), np.zeros((1, 1)), None),
                              "lstm_step_backward", "lstm_step_forward", "week5.lstm_step")


def lstm_backward_mistakes(x, h0, Wx, Wh, b, embed=lambda v: v):
    """For upstream gradient v (made into dh (N, T, H) by `embed`): the gradients common mistakes
    give, by output (0: dx, 1: dh0, 2: dWx, 3: dWh, 4: db)."""
    c0 = np.zeros_like(h0)

    def mistakes(v, which):
        dh = embed(np.asarray(v, dtype=np.float64))

        def grads(**bug):
            out = wrong_order_grads(x, h0, c0, Wx, Wh, b, dh, None, "ifog") if bug.pop("ifog", False) else \
                lstm_bptt(x, h0, c0, Wx, Wh, b, dh, **bug)
            return out[:2] + out[3:]  # dc0 is not an output

        out = {
            "not carrying dc through time (the cell state's gradient from step t + 1, dc_next, dropped or reset to "
            "zero at every step)": grads(carry_c=False)[which],
            "dropping the recurrent gradient (dh_next, what flows back from step t + 1 through Wh, not added to "
            "dh[:, t])": grads(recurrent=False)[which],
            TANH_C: grads(tanh_c_derivative=False)[which],
            ORDER_IFOG: grads(ifog=True)[which],
        }
        out[NO_FORGET] = grads(forget_in_dc_prev=False)[which]
        if which >= 2:
            out["not summing dWx, dWh and db over the time steps (only the step t = 0, the last one the backward "
                "loop visits, is kept)"] = grads(keep="first")[which]
            out["not summing dWx, dWh and db over the time steps (only the last step, t = T − 1, is kept)"] = \
                grads(keep="last")[which]
        return out

    return mistakes


def lstm_cache(sub, x, h0, Wx, Wh, b):
    """The cache of the student's lstm_forward, for judging lstm_backward."""
    return cache_from_forward(lambda: sub.lstm.lstm_forward(x, h0, Wx, Wh, b),
                              lambda: sub.lstm.lstm_backward(np.zeros((1, 1, 1)), None),
                              "lstm_backward", "lstm_forward", "week5.lstm")


def check_lstm_backward(sub, x, h0, Wx, Wh, b, last_only=False, full=True):
    """The student's lstm_backward against numerical differentiation of torch.nn.LSTM (`check_through_time`;
    the cache comes from the student's lstm_forward)."""
    check_through_time(sub, "lstm", torch_lstm, lstm_cache(sub, x, h0, Wx, Wh, b), lstm_backward_mistakes,
                       lambda H: 4 * H,
                       "Going back from t = T − 1 to 0, the gradient reaching h_t is dh[:, t] plus dh_prev of step "
                       "t + 1, and the one reaching c_t is dc_prev of step t + 1 (zero after the last step); dWx, dWh "
                       "and db are summed over the steps.", x, h0, Wx, Wh, b, last_only=last_only, full=full)


# --- week5.lstm_step ------------------------------------------------------------------------


@check("week5.lstm_step", points=1)
def lstm_step_forward_matches_torch(sub, ref):
    """Check that lstm_step_forward's h and c match torch.nn.LSTMCell with Wx = weight_ihᵀ, Wh = weight_hhᵀ and b = bias_ih + bias_hh (gates i, f, g, o)."""
    for k, (N, D, H) in enumerate(((3, 4, 5), (1, 2, 3), (4, 5, 2))):
        assert_lstm_step_forward(sub, *lstm_step_problem(N, D, H, seed=60 + k))


@check("week5.lstm_step", points=2)
def lstm_step_backward_numerical(sub, ref):
    """Check that lstm_step_backward gives dx, dh_prev, dc_prev, dWx, dWh and db matching numerical differentiation of torch.nn.LSTMCell's h and c, with upstream gradients on both."""
    check_lstm_step_backward(sub, *lstm_step_problem(3, 3, 4, seed=70, scale=1.5))


# --- week5.lstm ------------------------------------------------------------------------------


@check("week5.lstm", points=1)
def lstm_forward_matches_torch(sub, ref):
    """Check that lstm_forward returns every hidden state of a one-layer torch.nn.LSTM (batch_first=True, c0 = 0) with the same weights, over 1 and 7 steps."""
    assert_lstm_forward(sub, *lstm_problem(3, 7, 4, 5, seed=80))
    assert_lstm_forward(sub, *lstm_problem(2, 1, 3, 2, seed=81))


@check("week5.lstm", points=2)
def lstm_backward_numerical_every_step(sub, ref):
    """Check that lstm_backward gives dx, dh0, dWx, dWh and db matching numerical differentiation of torch.nn.LSTM over 6 steps, with an upstream gradient on every hidden state."""
    check_lstm_backward(sub, *lstm_problem(2, 6, 3, 3, seed=90))


@check("week5.lstm", points=1)
def lstm_backward_numerical_last_step(sub, ref):
    """Check that lstm_backward matches numerical differentiation over 7 steps with an upstream gradient on the last hidden state only: every other gradient comes back through h and c."""
    check_lstm_backward(sub, *lstm_problem(2, 7, 3, 3, seed=91), last_only=True)
