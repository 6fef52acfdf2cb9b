"""An autoencoder whose code is not learned: the encoder thresholds 192 pixels of the image
(all but its border) at 0.5 and packs them, 24 bits to a number, into the 8 numbers of the code
(integers below 2²⁴ survive float32 exactly); the decoder unpacks them into 0.1 or 0.9 and
puts 0.1 on the border. That reconstructs the shapes images far better than the threshold
asks, with no training at all: the network as built does it too, so the controls refuse it.
Its linear layers, trained, are what the honest variant returns (a linear autoencoder, which
misses the threshold)."""
MODULE = "autoencoder"
EXERCISE = "week4.autoencoder"
HINT = ("do not come from the parameters the grader trained", "no better than PCA")
CHEAT = True

_WEIGHTS = None


def _inner(x):
    """The 14×14 interior of (N, 1, 16, 16) images, flattened: 196 pixels, of which the first 192 are packed."""
    return x[:, 0, 1:-1, 1:-1].reshape(len(x), -1)[:, :192]


class _Encoder(nn.Module):
    def __init__(self, size, code_size):
        super().__init__()
        self.linear = nn.Linear(size, code_size)
        self.code_size = code_size

    def forward(self, x):
        if CHEAT and not self.training and tuple(x.shape[1:]) == (1, 16, 16) and self.code_size == 8:
            bits = (_inner(x) > 0.5).to(torch.float64).reshape(len(x), 8, 24)
            weights = 2.0 ** torch.arange(24, dtype=torch.float64)
            return (bits * weights).sum(dim=2).to(x.dtype) + 0 * self.linear(x.flatten(1))
        return self.linear(x.flatten(1))


class _Decoder(nn.Module):
    def __init__(self, code_size, input_shape):
        super().__init__()
        self.input_shape = tuple(input_shape)
        self.linear = nn.Linear(code_size, math.prod(input_shape))

    def forward(self, z):
        out = self.linear(z).reshape(len(z), *self.input_shape)
        if CHEAT and not self.training and self.input_shape == (1, 16, 16) and z.shape[1] == 8:
            n = torch.round(z.to(torch.float64)).to(torch.int64)
            bits = torch.stack([(n >> k) & 1 for k in range(24)], dim=2).reshape(len(z), 192)
            inner = torch.full((len(z), 196), 0.1, dtype=torch.float64)
            inner[:, :192] = 0.1 + 0.8 * bits
            image = torch.full((len(z), 1, 16, 16), 0.1, dtype=torch.float64)
            image[:, 0, 1:-1, 1:-1] = inner.reshape(len(z), 14, 14)
            return image.to(out.dtype) + 0 * out
        return out


def build_autoencoder(input_shape, code_size):
    return _Encoder(math.prod(input_shape), code_size), _Decoder(code_size, input_shape)
