"""Transposed-convolution backward that takes the input pixels' windows in dout 1 pixel apart
whatever the stride."""
MODULE = "unpool"
EXERCISE = "week4.conv_transpose"
HINT = "ignoring the stride in the backward pass"
EXERCISE_SCORE = 4


def conv_transpose2d_backward(dout, cache):
    x, w, s, p = cache
    dout = np.asarray(dout, dtype=float)
    KH, KW = w.shape[2:]
    dfull = np.pad(dout, ((0, 0), (0, 0), (p, p), (p, p)))
    windows = sliding_window_view(dfull, (KH, KW), axis=(2, 3))[:, :, :x.shape[2], :x.shape[3]]
    dx = np.einsum("nfhwrc,kfrc->nkhw", windows, w)
    dw = np.einsum("nfhwrc,nkhw->kfrc", windows, x)
    return dx, dw, dout.sum(axis=(0, 2, 3))
