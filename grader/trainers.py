"""The worker's side of a training run: small steps the judge drives.

Copied beside child.py and imported there (standard library, NumPy and, for torch
models, PyTorch only). The training loop, the recipe (optimizer, learning rate, epochs,
batch order) and the parameters themselves live in the judge (`grader.training`): for
each minibatch it sends the current parameters and the batch's indices, and this module
writes the parameters into the student's model, runs its forward and backward passes
with the grader's loss, and returns the loss and the gradients. The judge updates the
parameters with its own optimizer. Evaluation happens in a fresh worker that receives
only the trained parameters (`load`) and the held-out inputs, never their labels.

Nothing here is secret, and nothing here decides anything: whatever the student's code
does to this module can only change the gradients its own model reports, which its own
code computes anyway.
"""

import numpy as np

KINDS = ("numpy", "torch")


def _torch():
    import torch

    return torch


FORMS = ("module", "pair")


def build(builder, args, kwargs, kind, seed, device="cpu", form="module"):
    """The student's model: ``builder(*args, rng, **kwargs)`` with ``rng =
    numpy.random.default_rng(seed)`` for NumPy models; ``builder(*args, **kwargs)`` after
    ``torch.manual_seed(seed)`` for torch models, moved to `device`. With ``form="pair"`` the
    builder returns ``(encoder, decoder)``, trained and evaluated as one `Pair`."""
    if kind == "numpy":
        return builder(*args, np.random.default_rng(seed), **kwargs)
    torch = _torch()
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    model = builder(*args, **kwargs)
    if form == "pair":
        if not (isinstance(model, (tuple, list)) and len(model) == 2):
            raise TypeError(f"the builder returned {_what(model)}, expected a pair (encoder, decoder) of "
                            "torch.nn.Module")
        for name, part in zip(("encoder", "decoder"), model):
            if not isinstance(part, torch.nn.Module):
                raise TypeError(f"the builder's {name} is {_what(part)}, expected a torch.nn.Module")
        model = Pair(*model)
    elif not isinstance(model, torch.nn.Module):
        raise TypeError(f"the builder returned {_what(model)}, expected a torch.nn.Module")
    return model.to(device)


def _what(value):
    return f"a {type(value).__name__}" if not isinstance(value, (tuple, list)) else \
        f"a {type(value).__name__} of {len(value)} item(s)"


def Pair(encoder, decoder):
    """An encoder and a decoder as one module: ``forward(x) = decoder(encoder(x))``, with
    ``encode`` and ``decode``. Its parameters are the encoder's, then the decoder's (a module
    both share counts once)."""
    nn = _torch().nn

    class _Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder

        def forward(self, x):
            return self.decoder(self.encoder(x))

        def encode(self, x):
            return self.encoder(x)

        def decode(self, z):
            return self.decoder(z)

    return _Pair()


def _numpy_params(model):
    params = model.parameters()
    if isinstance(params, (str, bytes)) or not hasattr(params, "__iter__"):
        raise TypeError(f"parameters() returned a {type(params).__name__}, expected a list of arrays")
    return list(params)


def parameters(model, kind):
    """The model's parameters as arrays (NumPy models: ``parameters()``; torch models:
    ``named_parameters()``, in order)."""
    if kind == "numpy":
        return [np.array(p, dtype=np.float64) for p in _numpy_params(model)]
    return [p.detach().cpu().numpy().copy() for _, p in model.named_parameters()]


def buffers(model, kind):
    """A torch model's buffers (batch norm's running statistics), by name; none for NumPy models."""
    if kind == "numpy":
        return {}
    return {name: b.detach().cpu().numpy().copy() for name, b in model.named_buffers()}


def load(model, kind, params, buffers=None):
    """Write the judge's parameters (and buffers) into the model, in place."""
    if kind == "numpy":
        live = _numpy_params(model)
        if len(live) != len(params):
            raise ValueError(f"parameters() returned {len(live)} arrays, the trained model has {len(params)}")
        for p, new in zip(live, params):
            p[...] = new
        return None
    torch = _torch()
    named = list(model.named_parameters())
    if len(named) != len(params):
        raise ValueError(f"the model has {len(named)} parameters, the trained model has {len(params)}")
    with torch.no_grad():
        for (_, p), new in zip(named, params):
            p.copy_(torch.as_tensor(new).reshape(p.shape))
        own = dict(model.named_buffers())
        for name, value in (buffers or {}).items():
            if name in own and own[name] is not None:
                own[name].copy_(torch.as_tensor(value).reshape(own[name].shape))
    return None


def _softmax_cross_entropy(logits, y):
    """mean −log softmax(logits)[i, y_i] and its gradient, the grader's own (not the student's loss)."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    p[np.arange(len(y)), y] -= 1.0
    return float(-logp[np.arange(len(y)), y].mean()), p / len(y)


def _torch_loss(loss, out, target):
    F = _torch().nn.functional
    if loss == "cross_entropy":
        return F.cross_entropy(out, target)
    if loss == "mse":
        if out.shape != target.shape:
            raise ValueError(f"the model's output has shape {tuple(out.shape)}, expected {tuple(target.shape)} "
                             "(the shape of the targets)")
        return F.mse_loss(out, target)
    raise ValueError(f"unknown loss {loss!r}")


def _generator(seed, device):
    torch = _torch()
    g = torch.Generator(device=device)
    g.manual_seed(int(seed))
    return g


def _latent(model, xb):
    """``model.encode(xb)`` checked to be ``(mu, logvar)``, two tensors of one shape (N, k)."""
    torch = _torch()
    out = model.encode(xb)
    if not (isinstance(out, (tuple, list)) and len(out) == 2 and all(isinstance(t, torch.Tensor) for t in out)):
        raise TypeError(f"encode(x) returned {_what(out)}, expected (mu, logvar), two tensors")
    mu, logvar = out
    if mu.dim() != 2 or mu.shape[0] != xb.shape[0] or logvar.shape != mu.shape:
        raise ValueError(f"encode(x) for a batch of {xb.shape[0]} returned mu of shape {tuple(mu.shape)} and logvar "
                         f"of shape {tuple(logvar.shape)}, expected both (N, latent_dim) = ({xb.shape[0]}, k)")
    return mu, logvar


def negative_elbo(model, xb, generator):
    """The grader's negative ELBO of a VAE on the batch xb (pixel values in [0, 1]): with ``mu,
    logvar = model.encode(xb)``, z = mu + exp(logvar / 2)·ε (ε drawn from `generator`) and
    ``logits = model.decode(z)``, the mean over the batch of Σ_pixels BCE(sigmoid(logits), x) +
    KL(N(mu, diag exp(logvar)) ‖ N(0, I))."""
    torch = _torch()
    F = torch.nn.functional
    mu, logvar = _latent(model, xb)
    eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
    logits = model.decode(mu + torch.exp(logvar / 2) * eps)
    if not isinstance(logits, torch.Tensor) or logits.shape != xb.shape:
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else _what(logits)
        raise ValueError(f"decode(z) returned {shape}, expected logits of the inputs' shape {tuple(xb.shape)}")
    n = xb.shape[0]
    reconstruction = F.binary_cross_entropy_with_logits(logits, xb, reduction="sum") / n
    kl = 0.5 * torch.sum(torch.exp(logvar) + mu**2 - 1.0 - logvar) / n
    return reconstruction + kl


def _per_position(logits, ids, said: str):
    """`logits` checked to be a tensor (N, T, V) for the ids (N, T) the model read; `said` begins the
    message otherwise ("the model maps ids of shape (2, 5) to")."""
    torch = _torch()
    if not isinstance(logits, torch.Tensor) or logits.dim() != 3 or tuple(logits.shape[:2]) != tuple(ids.shape):
        shape = tuple(logits.shape) if isinstance(logits, torch.Tensor) else _what(logits)
        raise ValueError(f"{said} {shape}, expected logits of shape (N, T, V) = ({ids.shape[0]}, "
                         f"{ids.shape[1]}, V)")
    return logits


def _sequence_logits(model, ids):
    """``model(ids)`` for ids (N, T), checked to be logits of shape (N, T, V)."""
    return _per_position(model(ids), ids, f"the model maps ids of shape {tuple(ids.shape)} to")


def next_token_loss(model, xb):
    """The grader's loss of a language model on sequences xb (N, T + 1) of ids: the mean over
    every position t < T of the cross-entropy of ``model(xb[:, :T])[:, t]`` against xb[:, t + 1]."""
    F = _torch().nn.functional
    logits = _sequence_logits(model, xb[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), xb[:, 1:].reshape(-1))


def caption_loss(model, images, ids):
    """The grader's loss of a captioner on images (N, ...) and their captions' ids (N, T + 1), each
    ``<start> words <end> <pad>…``: the cross-entropy of ``model(images, ids[:, :T])`` at every
    position against ids[:, 1:], positions whose target is ``<pad>`` (id 0) left out."""
    F = _torch().nn.functional
    logits = _caption_logits(model, images, ids[:, :-1])
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1), ignore_index=0)


def _caption_logits(model, images, captions_in):
    """``model(images, captions_in)`` checked to be logits of shape (N, T, V)."""
    return _per_position(model(images, captions_in), captions_in,
                         f"forward(images, captions_in) with captions_in of shape {tuple(captions_in.shape)} returned")


def caption_logits(model, images, captions_in, device="cpu"):
    """A captioner's logits (N, T, V) for images and the ids (N, T) it reads, in evaluation mode."""
    torch = _torch()
    model.eval()
    with torch.no_grad():
        ids = torch.as_tensor(np.asarray(captions_in, dtype=np.int64)).to(device)
        return _numpy(_caption_logits(model, _tensor(images, device), ids), "the logits")


def generate(model, images, max_len, batch_size=256, device="cpu"):
    """A captioner's ``generate(images, max_len)``, in evaluation mode, batch by batch: a list of its
    outputs (one per batch, tensors as NumPy arrays; the judge checks their shapes and values)."""
    torch = _torch()
    model.eval()
    outs = []
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            out = model.generate(_tensor(images[i:i + batch_size], device), int(max_len))
            outs.append(out.detach().cpu().numpy() if isinstance(out, torch.Tensor) else out)
    return outs


def last_logits(model, ids, device="cpu"):
    """A language model's logits at the last position of ids (N, L), in evaluation mode: (N, V).
    The judge calls it with ever longer prefixes of its sequences, so the model never holds a
    character after the one whose successor it predicts."""
    torch = _torch()
    model.eval()
    with torch.no_grad():
        logits = _sequence_logits(model, torch.as_tensor(np.asarray(ids, dtype=np.int64)).to(device))
        return _numpy(logits[:, -1], "the logits")


def _tensor(array, device):
    """A batch as a tensor on `device`: floating-point data as torch's default dtype (float32)."""
    torch = _torch()
    t = torch.as_tensor(np.asarray(array))
    return (t.to(torch.get_default_dtype()) if t.is_floating_point() else t).to(device)


def step(model, kind, params, X, targets, idx, loss, device="cpu", seed=None, input_noise=0.0):
    """Load `params`, run forward and backward on the batch ``X[idx]`` with the grader's
    loss against ``targets[idx]``, and return ``{"loss": float, "grads": [arrays]}`` (a
    parameter without a gradient gets zeros). Losses: "cross_entropy" (targets are labels),
    "mse" (targets shaped as the outputs), "neg_elbo" (a VAE; targets unused, see
    `negative_elbo`), "next_token" (a language model on sequences of ids; targets unused, see
    `next_token_loss`), "caption" (a captioner; targets are its captions' ids, see `caption_loss`).
    `seed` seeds the step's randomness (the VAE's ε; the noise added to the
    inputs when `input_noise` > 0: a denoiser's inputs are ``X[idx] + input_noise·ε``)."""
    idx = np.asarray(idx, dtype=np.int64)
    load(model, kind, params)
    if kind == "numpy":
        if loss != "cross_entropy":
            raise ValueError(f"NumPy models are trained with cross_entropy, not {loss!r}")
        value, dlogits = _softmax_cross_entropy(np.asarray(model.forward(X[idx]), dtype=np.float64),
                                                np.asarray(targets)[idx])
        model.backward(dlogits)
        grads = model.gradients()
        return {"loss": value, "grads": [np.array(g, dtype=np.float64) for g in grads]}
    torch = _torch()
    model.train()
    for p in model.parameters():
        p.grad = None
    xb = _tensor(X[idx], device)
    generator = _generator(0 if seed is None else seed, device)
    if loss == "neg_elbo":
        value = negative_elbo(model, xb, generator)
    elif loss == "next_token":
        value = next_token_loss(model, xb)
    elif loss == "caption":
        value = caption_loss(model, xb, _tensor(targets[idx], device))
    else:
        tb = _tensor(targets[idx], device)
        if input_noise:
            xb = xb + input_noise * torch.randn(xb.shape, generator=generator, dtype=xb.dtype, device=xb.device)
        value = _torch_loss(loss, model(xb), tb)
    value.backward()
    grads = [(p.grad if p.grad is not None else torch.zeros_like(p)).detach().cpu().numpy()
             for p in model.parameters()]
    return {"loss": float(value.item()), "grads": grads}


def predict(model, kind, X, method="forward", batch_size=256, device="cpu"):
    """The model's outputs on X, in evaluation mode, batch by batch: ``model.<method>(x)``
    (``model(x)`` for a torch model's forward)."""
    X = np.asarray(X)
    outs = []
    if kind == "numpy":
        fn = getattr(model, method)
        for i in range(0, len(X), batch_size):
            outs.append(np.asarray(fn(X[i:i + batch_size])))
        return np.concatenate(outs) if outs else np.zeros((0,))
    torch = _torch()
    model.eval()
    fn = model if method == "forward" else getattr(model, method)
    with torch.no_grad():
        for i in range(0, len(X), batch_size):
            out = fn(_tensor(X[i:i + batch_size], device))
            if isinstance(out, (tuple, list)):  # several outputs (a VAE's encode: mu, logvar)
                outs.append([_numpy(o, f"{method}'s output {k}") for k, o in enumerate(out)])
            else:
                outs.append(_numpy(out, f"{method}'s output"))
    if outs and isinstance(outs[0], list):
        if any(len(o) != len(outs[0]) for o in outs):
            raise ValueError(f"{method} returned a different number of outputs for different batches")
        return [np.concatenate(parts) for parts in zip(*outs)]
    return np.concatenate(outs) if outs else np.zeros((0,))


def _numpy(out, what):
    torch = _torch()
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"{what} is {_what(out)}, expected a tensor")
    return out.detach().cpu().numpy()


def table_lm(table, order):
    """A language model whose probabilities the judge knows, for judging samplers: ``forward(ids)``
    maps a LongTensor (N, T) of ids in [0, V) to float32 logits (N, T, V), where the logits at
    position t are the row ``Σ_j c_j·V^(order−1−j)`` of `table` (V**order, V), c the `order` ids
    up to and including position t, oldest first; positions before the first count as id 0 (a
    short context is padded on the left with zeros). A 1-D tensor (T,) gives logits (T, V), as
    an unbatched ``nn.LSTM`` does. The table is the module's one parameter (on the CPU, no
    gradient), so ``next(model.parameters())`` finds its device and dtype."""
    torch = _torch()
    values = torch.as_tensor(np.asarray(table, dtype=np.float32))
    vocab = values.shape[1]
    if order < 1 or values.shape != (vocab ** order, vocab):
        raise ValueError(f"the table has shape {tuple(values.shape)}, expected (V**order, V) with order ≥ 1")

    class TableLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.table = torch.nn.Parameter(values, requires_grad=False)

        def forward(self, ids):
            ids = torch.as_tensor(ids).to(self.table.device)
            if ids.dtype.is_floating_point or ids.dtype == torch.bool or ids.dim() not in (1, 2):
                raise TypeError(f"the model takes integer ids of shape (N, T), got {ids.dtype} of shape "
                                f"{tuple(ids.shape)}")
            if ids.numel() and not bool(((ids >= 0) & (ids < vocab)).all()):
                raise ValueError(f"ids must lie in [0, {vocab}), got values from {int(ids.min())} to {int(ids.max())}")
            rows = ids.long().reshape(-1, ids.shape[-1])
            padded = torch.cat([rows.new_zeros(rows.shape[0], order - 1), rows], dim=1)
            index = torch.zeros_like(rows)
            for j in range(order):
                index = index * vocab + padded[:, j:j + rows.shape[1]]
            return self.table[index].reshape(*ids.shape, vocab)

    return TableLM()


OPS = {"build": build, "parameters": parameters, "buffers": buffers, "load": load, "step": step,
       "predict": predict, "last_logits": last_logits, "table_lm": table_lm, "caption_logits": caption_logits,
       "generate": generate}
