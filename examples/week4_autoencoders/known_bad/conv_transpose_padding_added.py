"""Transposed convolution that pads its full output with `padding` rows and columns of zeros
each side (as conv2d pads its input) instead of cutting them off."""
MODULE = "unpool"
EXERCISE = "week4.conv_transpose"
HINT = "padding added instead of cut off"
EXERCISE_SCORE = 3


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    N, _, H, W = x.shape
    _, F_, KH, KW = w.shape
    s, p = stride, padding
    full = np.zeros((N, F_, (H - 1) * s + KH, (W - 1) * s + KW))
    for i in range(H):
        for j in range(W):
            full[:, :, i * s:i * s + KH, j * s:j * s + KW] += np.einsum("nc,cfkl->nfkl", x[:, :, i, j], w)
    out = np.pad(full, ((0, 0), (0, 0), (p, p), (p, p))) + np.asarray(b, dtype=float)[None, :, None, None]
    return out, (x, w, s, p)
