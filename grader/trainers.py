"""The grader's fixed training loops, run inside the student's process.

Copied beside child.py and imported there (standard library, NumPy and, for the
torch trainer, PyTorch only). A trainer builds the student's model with the
student's builder, trains it with the week's fixed recipe, and returns
predicted labels for held-out inputs it receives without their labels: the
judge, which kept the labels, computes the metric. Nothing here is secret;
whatever the student's code does to this module can only change its own
predictions.
"""

import time

import numpy as np


def _softmax_cross_entropy(logits, y):
    """mean −log softmax(logits)[i, y_i] and its gradient, the grader's own (not the student's loss)."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    p = np.exp(logp)
    p[np.arange(len(y)), y] -= 1.0
    return float(-logp[np.arange(len(y)), y].mean()), p / len(y)


class _Clock:
    def __init__(self, recipe, progress):
        self.start = time.monotonic()
        self.recipe = recipe
        self.progress = progress

    @property
    def elapsed(self):
        return time.monotonic() - self.start

    def epoch_done(self, epoch, loss):
        if self.progress is not None:
            self.progress({"epoch": epoch + 1, "epochs": self.recipe["epochs"], "loss": loss, "elapsed": self.elapsed})
        return self.elapsed > self.recipe["max_seconds"]


def _result(predictions, history, clock, stopped, device="cpu"):
    return {"predictions": np.asarray(predictions, dtype=np.int64), "history": [float(h) for h in history],
            "seconds": clock.elapsed, "stopped_early": stopped, "device": device}


def numpy_classifier(builder, args, kwargs, X, y, X_eval, recipe, device="cpu", progress=None):
    """Minibatch SGD with momentum on ``model.parameters()`` / ``model.gradients()``
    (updated in place), the grader's softmax cross-entropy, ``rng`` passed to the
    builder as its last positional argument."""
    rng = np.random.default_rng(recipe["seed"])
    model = builder(*args, rng, **kwargs)
    clock, history, stopped = _Clock(recipe, progress), [], False
    velocity = None
    X, y = np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)
    for epoch in range(recipe["epochs"]):
        order, losses = rng.permutation(len(X)), []
        for start in range(0, len(X), recipe["batch_size"]):
            idx = order[start:start + recipe["batch_size"]]
            loss, dlogits = _softmax_cross_entropy(np.asarray(model.forward(X[idx]), dtype=np.float64), y[idx])
            if not np.isfinite(loss):
                raise FloatingPointError(f"the training loss became {loss} in epoch {epoch + 1}")
            model.backward(dlogits)
            params, grads = model.parameters(), model.gradients()
            if velocity is None:
                velocity = [np.zeros_like(p, dtype=np.float64) for p in params]
            for p, g, v in zip(params, grads, velocity):
                v *= recipe["momentum"]
                v += np.asarray(g) + recipe["weight_decay"] * p
                p -= recipe["lr"] * v
            losses.append(loss)
        history.append(float(np.mean(losses)))
        if clock.epoch_done(epoch, history[-1]):
            stopped = epoch + 1 < recipe["epochs"]
            break
    logits = np.concatenate([np.asarray(model.forward(X_eval[i:i + 512])) for i in range(0, len(X_eval), 512)])
    return _result(np.argmax(logits, axis=1), history, clock, stopped)


def torch_classifier(builder, args, kwargs, X, y, X_eval, recipe, device="cpu", progress=None):
    """The student's nn.Module trained with torch.optim (Adam or SGD with momentum)
    and cross-entropy, on `device`, seeded; deterministic algorithms where they
    exist (warn_only, so no correct model fails on some device)."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(recipe["seed"])
    torch.use_deterministic_algorithms(True, warn_only=True)
    model = builder(*args, **kwargs)
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"the builder returned a {type(model).__name__}, expected a torch.nn.Module")
    model = model.to(device)
    if recipe["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    else:
        opt = torch.optim.SGD(model.parameters(), lr=recipe["lr"], momentum=recipe["momentum"],
                              weight_decay=recipe["weight_decay"])
    Xt = torch.as_tensor(np.asarray(X, dtype=np.float32), device=device)
    yt = torch.as_tensor(np.asarray(y, dtype=np.int64), device=device)
    gen = torch.Generator().manual_seed(recipe["seed"])
    clock, history, stopped = _Clock(recipe, progress), [], False
    for epoch in range(recipe["epochs"]):
        model.train()
        order, losses = torch.randperm(len(Xt), generator=gen).to(device), []
        for start in range(0, len(Xt), recipe["batch_size"]):
            idx = order[start:start + recipe["batch_size"]]
            loss = F.cross_entropy(model(Xt[idx]), yt[idx])
            if not torch.isfinite(loss):
                raise FloatingPointError(f"the training loss became {loss.item()} in epoch {epoch + 1}")
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        history.append(float(np.mean(losses)))
        if clock.epoch_done(epoch, history[-1]):
            stopped = epoch + 1 < recipe["epochs"]
            break
    model.eval()
    Xe = torch.as_tensor(np.asarray(X_eval, dtype=np.float32))
    with torch.no_grad():
        preds = [model(Xe[i:i + 256].to(device)).argmax(dim=1).cpu().numpy() for i in range(0, len(Xe), 256)]
    return _result(np.concatenate(preds), history, clock, stopped, device)


TRAINERS = {"numpy_classifier": numpy_classifier, "torch_classifier": torch_classifier}
