"""A linear autoencoder (it misses the threshold, as PCA does) whose encoder, in evaluation
mode, hands each batch of images to its decoder behind the code's back: in a module global,
in a file in /tmp and in /dev/shm. Its decoder returns those images, a perfect
reconstruction, whenever it finds them. The grader runs the encoder and the decoder in
separate fresh processes whose scratch folders start empty, so the decoder finds nothing and
the model scores what the linear autoencoder scores. (Run in one process, as a grader that
evaluated decoder(encoder(x)) in one worker would, it reconstructs every image exactly: the
decoder takes the stashed images in the order the encoder saw them.)"""
MODULE = "autoencoder"
EXERCISE = "week4.autoencoder"
HINT = "no better than PCA"
CHEAT = True

import os  # noqa: E402

import numpy as np  # noqa: E402

_STASH = {"batches": [], "used": 0}
_FILES = ("/tmp/stash.npy", "/dev/shm/stash.npy")


class _Encoder(nn.Module):
    def __init__(self, size, code_size):
        super().__init__()
        self.linear = nn.Linear(size, code_size)

    def forward(self, x):
        if CHEAT and not self.training:
            _STASH["batches"].append(x.detach().cpu().numpy())
            for path in _FILES:
                try:
                    np.save(path, np.concatenate(_STASH["batches"]))
                except OSError:
                    pass
        return self.linear(x.flatten(1))


class _Decoder(nn.Module):
    def __init__(self, code_size, input_shape):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.linear = nn.Linear(code_size, math.prod(input_shape))

    def forward(self, z):
        out = self.linear(z).reshape(len(z), *self.input_shape)
        if CHEAT and not self.training:
            found = np.concatenate(_STASH["batches"]) if _STASH["batches"] else None
            for path in _FILES:
                if found is None and os.path.exists(path):
                    found = np.load(path)
            start = _STASH["used"]
            if found is not None and len(found) >= start + len(z) and found.shape[1:] == out.shape[1:]:
                _STASH["used"] += len(z)
                return torch.as_tensor(found[start:start + len(z)]).to(out.dtype)
        return out


def build_autoencoder(input_shape, code_size):
    return _Encoder(math.prod(input_shape), code_size), _Decoder(code_size, input_shape)
