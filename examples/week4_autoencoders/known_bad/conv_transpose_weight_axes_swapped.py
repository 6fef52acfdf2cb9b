"""Transposed convolution that reads w as conv2d's (C_out, C_in, KH, KW): w[f, c] weighs input
channel c into output channel f (it only runs when C_in = C_out)."""
MODULE = "unpool"
EXERCISE = "week4.conv_transpose"
HINT = "reading w as (C_out, C_in, KH, KW)"
EXERCISE_SCORE = 0


def conv_transpose2d_forward(x, w, b, stride=1, padding=0):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    N, _, H, W = x.shape
    F_, _, KH, KW = w.shape  # conv2d's layout: filters first
    s, p = stride, padding
    full = np.zeros((N, F_, (H - 1) * s + KH, (W - 1) * s + KW))
    for i in range(H):
        for j in range(W):
            full[:, :, i * s:i * s + KH, j * s:j * s + KW] += np.einsum("nc,fckl->nfkl", x[:, :, i, j], w)
    out = full[:, :, p:full.shape[2] - p, p:full.shape[3] - p] + np.asarray(b, dtype=float)[None, :, None, None]
    return out, (x, w, s, p)
