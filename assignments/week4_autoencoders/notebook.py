# %% [markdown]
# # Week 4: Unsupervised representation learning
#
# This week the images come without labels to learn from. You compress them into short
# **codes** and decode them back: first with PCA, the best *linear* code, in NumPy; then
# with an autoencoder, a nonlinear one, in PyTorch, which you also train to remove noise and
# whose codes you use to find similar images. You write the upsampling layers a decoder can
# use (the transposed convolution and max unpooling) in NumPy, and finally a variational
# autoencoder, whose decoder turns random codes into new images.
#
# **How the week works**
#
# 1. Your code goes in the five module files next to this notebook: `pca.py`, `unpool.py`,
#    `autoencoder.py`, `retrieval.py` and `vae.py`. Each exercise is a function whose body is
#    `raise NotImplementedError("week4.…")`. Replace that line with your code. The
#    `README.md` in the same folder gives each exercise's exact contract.
# 2. Run this notebook (*Kernel → Restart & Run All*) to see your code at work. Where an
#    exercise is not done yet, a demo prints which one to implement instead of failing.
# 3. Run the self-check at the end (or `dlgrade check week4` in a terminal) until every
#    public check passes.
# 4. Submit the five module files.
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
import torch
import torch.nn.functional as F

try:  # draw figures in the notebook even where MPLBACKEND names another backend
    get_ipython().run_line_magic("matplotlib", "inline")
except NameError:  # not running under IPython
    pass

# Your module files, from this notebook's folder (whatever its name), imported afresh each
# time this cell runs, so that edits count without restarting the kernel.
from grader.notebook import import_week

import_week("week4")
from week4_autoencoders import autoencoder, pca, retrieval, unpool, vae


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


def show_rows(rows, row_titles, col_titles=None, title=None, size=1.1):
    """Grayscale images in a grid: rows[r][c] of shape (H, W) or (1, H, W), values in [0, 1]."""
    fig, axes = plt.subplots(len(rows), len(rows[0]), figsize=(size * len(rows[0]) + 1.2, size * len(rows) + 0.4),
                             squeeze=False)
    for r, row in enumerate(rows):
        for c, img in enumerate(row):
            axes[r, c].imshow(np.asarray(img).squeeze(), cmap="gray", vmin=0, vmax=1)
            axes[r, c].set_xticks([])
            axes[r, c].set_yticks([])
            if col_titles is not None and r == 0:
                axes[r, c].set_title(col_titles[c], fontsize=8)
        axes[r, 0].set_ylabel(row_titles[r], rotation=0, ha="right", va="center", fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()


# %% [markdown]
# ## The data
#
# Grayscale 16×16 images of four shapes (circles, squares, triangles, crosses) at random
# positions and sizes, bright on a dark background, with pixel noise: `grader.datasets.shapes`
# draws them, deterministically per seed. Below, 2000 training images (seed 0) and 500 test
# images (seed 1). The labels are only used to *look* at what the codes learned; no model
# here is trained on them. When your work is graded, the models are trained and judged on
# images of the same kind from seeds only your instructor knows, with the recipes and
# thresholds of the rubric, which the cell below reads.

# %%
from grader.datasets import SHAPES, shapes

try:  # the rubric's images, recipes and thresholds, where the course folder is at hand
    from grader.course import Week

    RUBRIC = Week.load("week4").rubric
    DATA, AE, DENOISING, RETRIEVAL, VAE = (RUBRIC[k] for k in ("data", "autoencoder", "denoising", "retrieval",
                                                               "vae_train"))
except Exception:  # as published for this term
    DATA = {"size": 16, "background": [0.0, 0.2], "foreground": [0.8, 1.0]}
    AE = {"code_size": 8, "epochs": 30, "batch_size": 64, "lr": 2e-3, "mse_threshold": 0.023}
    DENOISING = {"code_size": 16, "sigma": 0.2, "epochs": 30, "batch_size": 64, "lr": 2e-3, "mse_threshold": 0.024}
    RETRIEVAL = {"k": 5, "precision_threshold": 0.35}
    VAE = {"latent_dim": 8, "epochs": 30, "batch_size": 64, "lr": 2e-3, "nelbo_threshold": 115.0}

torch.set_num_threads(1)  # the whole notebook runs in about a minute on one CPU thread
ranges = {"background": tuple(DATA["background"]), "foreground": tuple(DATA["foreground"])}
X_train, y_train = shapes(2000, DATA["size"], 0, channels=1, **ranges)
X_test, y_test = shapes(500, DATA["size"], 1, channels=1, **ranges)
D = X_train[0].size  # 256 pixels
flat_train, flat_test = X_train.reshape(len(X_train), D), X_test.reshape(len(X_test), D)
print(f"training {X_train.shape}, test {X_test.shape}, values in [{X_train.min():g}, {X_train.max():g}]; "
      f"classes {SHAPES}")
show_rows([X_train[:10]], ["images"], [SHAPES[k] for k in y_train[:10]])

# %% [markdown]
# ## 1. Principal component analysis
#
# PCA looks for the $k$ directions along which the data varies most. With the mean
# $\mu = \frac1N\sum_n x_n$ and the covariance $\Sigma = \frac1N\sum_n (x_n-\mu)(x_n-\mu)^\top$,
# the **principal components** are the eigenvectors $u_1, \dots, u_D$ of $\Sigma$, ordered by
# their eigenvalues $\lambda_1 \ge \dots \ge \lambda_D$: $\lambda_j$ is the variance of the
# data along $u_j$. The code of an image is its coordinates along the first $k$ of them, and
# the decoder puts them back together:
#
# $$z = U_k (x - \mu), \qquad \hat x = U_k^\top z + \mu, \qquad U_k = [u_1, \dots, u_k]^\top \in \mathbb{R}^{k\times D}.$$
#
# No other linear code of size $k$ reconstructs the data better in squared error, and the
# error it leaves is exactly the variance it throws away:
#
# $$\frac1N\sum_n \lVert x_n - \hat x_n\rVert^2 = \sum_{j>k} \lambda_j .$$
#
# In practice the components come from the singular value decomposition of the centred data
# $X - \mu = U S V^\top$: the rows of $V^\top$ are the eigenvectors of $\Sigma$, with
# $\lambda_j = s_j^2 / N$. An eigenvector's sign is arbitrary ($-u$ is as good as $u$); the
# grader accepts either.
#
# Below, your `pca_fit` on the training images. Each component is an image; the first ones
# are blurry blobs (where the bright shape tends to be), later ones finer and finer detail.
# The variance of the codes along each component gives its eigenvalue.

# %%
pca_model = None  # (mean, components) of all 256 components, for the sections below
with demo("the principal components"):
    mean, components = (np.asarray(a, dtype=float) for a in pca.pca_fit(flat_train, D))
    codes = np.asarray(pca.pca_encode(flat_train, mean, components), dtype=float)
    eigenvalues = (codes**2).mean(axis=0)  # the variance along each component (codes are centred)
    pca_model = (mean, components)

    fig, axes = plt.subplots(2, 9, figsize=(11, 2.8))
    axes[0, 0].imshow(mean.reshape(16, 16), cmap="gray", vmin=0, vmax=1)
    axes[0, 0].set_title("mean", fontsize=9)
    for j, ax in enumerate(axes.ravel()[1:]):
        u = components[j].reshape(16, 16)
        ax.imshow(u, cmap="RdBu_r", vmin=-np.abs(u).max(), vmax=np.abs(u).max())
        ax.set_title(f"$u_{{{j + 1}}}$", fontsize=9)
    for ax in axes.ravel():
        ax.axis("off")
    fig.suptitle("the mean image and the first 17 principal components (red +, blue −)")
    plt.show()

    ratio = np.cumsum(eigenvalues) / eigenvalues.sum()
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.6))
    ax1.semilogy(np.arange(1, D + 1), eigenvalues, ".-", ms=3)
    ax1.set(xlabel="component j", ylabel="eigenvalue λ_j (variance)", title="Variance along each component")
    ax2.plot(np.arange(1, D + 1), ratio, "-")
    for k in (2, 4, 8, 16):
        ax2.plot(k, ratio[k - 1], "o", label=f"k = {k}: {ratio[k - 1]:.0%}")
    ax2.set(xlabel="code size k", ylabel="fraction of the variance kept", title="Explained variance", xscale="log",
            ylim=(0, 1.02))
    ax2.legend()
    plt.show()

    k = 8
    Uk = components[:k]
    recon = np.asarray(pca.pca_decode(pca.pca_encode(flat_train, mean, Uk), mean, Uk), dtype=float)
    print(f"k = {k}: mean squared reconstruction error per image {np.mean(np.sum((flat_train - recon)**2, axis=1)):.4f}, "
          f"sum of the discarded eigenvalues {eigenvalues[k:].sum():.4f}")

# %% [autograde] week4.pca

# %% [markdown]
# ## 2. Upsampling: a decoder's layers
#
# An encoder shrinks an image with convolutions and pooling; a convolutional decoder has to
# grow it back. Two layers do this.
#
# ### 2.1 The transposed convolution ("learnable unpooling")
#
# A **transposed convolution** runs a convolution backwards: each input pixel $x[c, i, j]$
# stamps a copy of the kernel, scaled by its value, onto the output, at position
# $(i s, j s)$, and overlapping stamps add up. With weights
# $w \in \mathbb{R}^{C_\text{in}\times C_\text{out}\times K_H\times K_W}$,
#
# $$\text{out}_\text{full}[f,\; i s + p,\; j s + q] \mathrel{+}= \sum_c x[c, i, j]\; w[c, f, p, q],$$
#
# then `padding` rows and columns are cut off each side and the bias is added:
# $H_\text{out} = (H-1)s - 2P + K_H$. It is exactly the backward pass of a convolution
# (week 3) with respect to its input, which is why it has that name, and its own backward
# pass is a convolution. With stride 2 it doubles the image size, and because its kernel is
# learned, a decoder learns how to upsample.
#
# Below, fixed kernels show what it can do: a 2×2 kernel of ones with stride 2 copies each
# pixel into a 2×2 block (nearest-neighbour upsampling); a 4×4 "tent" kernel with stride 2 and
# padding 1 interpolates bilinearly (the border comes out darker: there it blends with the
# zeros beyond the image). A 3×3 kernel with stride 2 overlaps unevenly: on a
# constant image it draws a **checkerboard**, the artefact that decoders built from such
# layers are known for.

# %%
def directional_check(forward, backward, x, seed=0, eps=1e-6):
    """(analytic, numerical) derivative of <v, forward(x)> along a random unit direction u."""
    rng = np.random.default_rng(seed)
    out = forward(x)
    v, u = rng.normal(size=np.shape(out)), rng.normal(size=np.shape(x))
    u /= np.linalg.norm(u)
    numerical = (np.vdot(v, forward(x + eps * u)) - np.vdot(v, forward(x - eps * u))) / (2 * eps)
    return float(np.vdot(backward(v), u)), float(numerical)


small = F.avg_pool2d(torch.as_tensor(X_train[:1]), 2).numpy().astype(float)  # an 8×8 image
tent = np.array([0.25, 0.75, 0.75, 0.25])
kernels = {"2×2 ones, stride 2": (np.ones((1, 1, 2, 2)), 2, 0), "4×4 tent, stride 2, padding 1":
           (np.outer(tent, tent)[None, None], 2, 1)}
with demo("the transposed convolution"):
    outs = {name: np.asarray(unpool.conv_transpose2d_forward(small, w, np.zeros(1), s, p)[0])
            for name, (w, s, p) in kernels.items()}
    ones = np.ones((1, 1, 8, 8))
    checker = np.asarray(unpool.conv_transpose2d_forward(ones, np.ones((1, 1, 3, 3)), np.zeros(1), 2, 1)[0])
    fig, axes = plt.subplots(1, 4, figsize=(12, 3.4))
    axes[0].imshow(small[0, 0], cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"input {small.shape[2]}×{small.shape[3]}", fontsize=10)
    for ax, (name, out) in zip(axes[1:3], outs.items()):
        ax.imshow(out[0, 0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{name}\n→ {out.shape[2]}×{out.shape[3]}", fontsize=10)
    axes[3].imshow(checker[0, 0], cmap="magma")
    axes[3].set_title(f"3×3 ones, stride 2, padding 1,\non a constant 8×8 image → {checker.shape[2]}×{checker.shape[3]}",
                      fontsize=10)
    for ax in axes:
        ax.axis("off")
    plt.show()
    for name, (w, s, p) in kernels.items():
        expected = F.conv_transpose2d(torch.as_tensor(small), torch.as_tensor(w), stride=s, padding=p).numpy()
        print(f"{name}: largest difference from torch's conv_transpose2d {np.abs(outs[name] - expected).max():.1e}")

    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=2)
    _, cache = unpool.conv_transpose2d_forward(x, w, b, stride=2, padding=1)
    cases = {
        "dx": (lambda x_: unpool.conv_transpose2d_forward(x_, w, b, 2, 1)[0], 0, x),
        "dw": (lambda w_: unpool.conv_transpose2d_forward(x, w_, b, 2, 1)[0], 1, w),
        "db": (lambda b_: unpool.conv_transpose2d_forward(x, w, b_, 2, 1)[0], 2, b),
    }
    for name, (f, k, arg) in cases.items():
        analytic, numerical = directional_check(f, lambda v, k=k: unpool.conv_transpose2d_backward(v, cache)[k], arg)
        print(f"{name}: backward {analytic:+.8f}, numerical {numerical:+.8f}, "
              f"relative difference {abs(analytic - numerical) / max(1e-12, abs(numerical)):.1e}")

# %% [autograde] week4.conv_transpose

# %% [markdown]
# ### 2.2 Max unpooling
#
# Max pooling (week 3) keeps the largest value of each window and forgets where it was.
# **Max unpooling** undoes it as far as it can: PyTorch's `max_pool2d(..., return_indices=True)`
# also returns where each maximum was (a flat index into its channel's plane), and unpooling
# writes each value back there, with zeros everywhere else. In SegNet-style decoders the
# encoder's pooling indices are passed to the decoder, which then puts detail back at the
# right place. The backward pass reads the gradient at the same positions.
#
# Below, shapes max-pooled 2×2 by PyTorch and unpooled by your `max_unpool2d`: the sparse
# result keeps the brightest pixel of each 2×2 block where it was.

# %%
with demo("max unpooling"):
    images = torch.as_tensor(X_train[:6])
    pooled, indices = F.max_pool2d(images, 2, 2, return_indices=True)
    restored = np.asarray(unpool.max_unpool2d(pooled.numpy(), indices.numpy(), 2, 2))
    show_rows([images.numpy(), pooled.numpy(), restored], ["images", "max-pooled\n8×8", "unpooled\n16×16"],
              title="max pooling (PyTorch) and your max_unpool2d with its indices", size=1.3)
    expected = F.max_unpool2d(pooled, indices, 2, 2).numpy()
    print(f"largest difference from torch's max_unpool2d: {np.abs(restored - expected).max():.1e}")
    back = np.asarray(unpool.max_unpool2d_backward(images.numpy(), indices.numpy()))
    print("max_unpool2d_backward(images, indices) reads the images at the pooled positions, which gives the "
          f"pooled images back: {np.array_equal(back, pooled.numpy())}")

# %% [autograde] week4.max_unpool

# %% [markdown]
# ## 3. Autoencoders
#
# An **autoencoder** is a pair of networks: an encoder $z = e(x)$ maps an image to a code of
# size $k$, a decoder $\hat x = d(z)$ maps it back, and both are trained together to make
# $\hat x$ close to $x$, here in mean squared error. The code is a bottleneck: everything the
# decoder knows of the image must pass through $k$ numbers. With linear $e$ and $d$ the best
# an autoencoder can do is PCA's subspace. With nonlinear ones it can do better: the images
# are described by a few factors (which shape, where, how large, how bright), and a curved
# code can follow them where a flat one can only approximate them.
#
# `build_autoencoder(input_shape, code_size)` returns your `(encoder, decoder)`. Below, it is
# trained at code sizes 2, 4, 8 and 16 with a short loop and the grader's recipe (Adam,
# batches of 64, mean squared error, the rubric's learning rate and epochs), and its test-set
# reconstructions are shown beside PCA's at the same code size. The grader trains your
# builder at code size 8 on its own images and requires a held-out error (the dashed line)
# that PCA with 8 components does not reach.

# %%
def train_autoencoder(encoder, decoder, X, recipe, noise=None, seed=0):
    """Adam on the mean squared error between decoder(encoder(input)) and the clean images X;
    the input is noise(batch, generator) when a noise function is given. Returns the loss per epoch."""
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=recipe["lr"])
    X, size = torch.as_tensor(X), recipe["batch_size"]
    losses = []
    for _ in range(recipe["epochs"]):
        order, total = torch.randperm(len(X)), 0.0
        for start in range(0, len(X), size):
            batch = X[order[start:start + size]]
            inputs = batch if noise is None else noise(batch, generator)
            loss = F.mse_loss(decoder(encoder(inputs)), batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        losses.append(total / len(X))
    return losses


def reconstruct(encoder, decoder, X):
    with torch.no_grad():
        return decoder(encoder(torch.as_tensor(X))).numpy()


def pca_reconstruct(X, k):
    mean, components = pca_model
    flat = X.reshape(len(X), -1)
    return np.asarray(pca.pca_decode(pca.pca_encode(flat, mean, components[:k]), mean, components[:k])).reshape(X.shape)


CODE_SIZES = (2, 4, 8, 16)
autoencoders, mse = {}, {"autoencoder": {}, "PCA": {}}
start = time.perf_counter()
with demo("your autoencoder"):
    for k in CODE_SIZES:
        torch.manual_seed(0)  # the same initial weights at every run
        encoder, decoder = autoencoder.build_autoencoder((1, 16, 16), k)
        train_autoencoder(encoder, decoder, X_train, AE)
        encoder.eval()
        decoder.eval()
        autoencoders[k] = (encoder, decoder)
        mse["autoencoder"][k] = float(np.mean((reconstruct(encoder, decoder, X_test) - X_test) ** 2))
    print(f"trained {len(CODE_SIZES)} autoencoders in {time.perf_counter() - start:.1f} s")
if pca_model is not None:
    mse["PCA"] = {k: float(np.mean((pca_reconstruct(X_test, k) - X_test) ** 2)) for k in CODE_SIZES}
for name, by_size in mse.items():
    if by_size:
        print(f"{name:>11}: test MSE " + ", ".join(f"k = {k}: {v:.4f}" for k, v in by_size.items()))

# %%
shown = X_test[:8]
rows, titles = [shown], ["test images"]
for k in CODE_SIZES:
    if k in autoencoders:
        rows.append(reconstruct(*autoencoders[k], shown))
        titles.append(f"AE, k = {k}\nMSE {mse['autoencoder'][k]:.4f}")
    if pca_model is not None:
        rows.append(pca_reconstruct(shown, k))
        titles.append(f"PCA, k = {k}\nMSE {mse['PCA'][k]:.4f}")
if len(rows) == 1:
    print("Implement pca.py (week4.pca) and build_autoencoder (week4.autoencoder) to see their reconstructions.")
else:
    show_rows(rows, titles, title="reconstructions of test images from codes of size k (test-set MSE per pixel)")
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for name, by_size in mse.items():
        if by_size:
            ax.plot(list(by_size), list(by_size.values()), "o-", label=name)
    ax.plot([AE["code_size"]], [AE["mse_threshold"]], "k_", ms=20, mew=1.5,
            label=f"the grader's threshold at k = {AE['code_size']}")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set(xticks=CODE_SIZES, xticklabels=CODE_SIZES, xlabel="code size k", ylabel="test MSE per pixel",
           title="A nonlinear code against the best linear one")
    ax.legend()
    plt.show()

# %% [autograde] week4.autoencoder

# %% [markdown]
# ## 4. Denoising autoencoders
#
# A **denoising autoencoder** is given a corrupted image and trained to output the clean
# one. It cannot just copy its input; it has to learn what images of this kind look like,
# and pull a noisy one back towards them. Here the corruption is Gaussian noise,
#
# $$\tilde x = x + \sigma\,\varepsilon, \qquad \varepsilon \sim \mathcal N(0, I),$$
#
# drawn afresh for every batch. `add_noise(x, sigma, generator)` draws $\varepsilon$ from the
# `torch.Generator` it is given (only from it, so that a seeded run is reproducible) with
# the shape, dtype and device of `x`. Below: its statistics, then the same builder as in
# section 3, trained as the grader does (the rubric's code size and σ, noise drawn afresh for
# each batch) on noisy inputs against clean targets. The grader requires a held-out error well
# below the noisy input's own, σ².

# %%
SIGMA = DENOISING["sigma"]
with demo("your add_noise"):
    zeros = torch.zeros(200, 1, 16, 16)
    noise = autoencoder.add_noise(zeros, SIGMA, torch.Generator().manual_seed(0))
    again = autoencoder.add_noise(zeros, SIGMA, torch.Generator().manual_seed(0))
    print(f"add_noise(zeros, sigma={SIGMA}): mean {noise.mean().item():+.4f}, standard deviation "
          f"{noise.std().item():.4f}, dtype {noise.dtype}, shape {tuple(noise.shape)}; "
          f"same generator seed, same noise: {torch.equal(noise, again)}")

denoiser = None
with demo("your denoising autoencoder"):
    start = time.perf_counter()
    torch.manual_seed(0)
    encoder, decoder = autoencoder.build_autoencoder((1, 16, 16), DENOISING["code_size"])
    train_autoencoder(encoder, decoder, X_train, DENOISING, noise=lambda x, g: autoencoder.add_noise(x, SIGMA, g))
    encoder.eval()
    decoder.eval()
    denoiser = (encoder, decoder)
    noisy = autoencoder.add_noise(torch.as_tensor(X_test), SIGMA, torch.Generator().manual_seed(1)).numpy()
    denoised = reconstruct(encoder, decoder, noisy)
    print(f"trained in {time.perf_counter() - start:.1f} s. Test MSE against the clean images: "
          f"noisy inputs {np.mean((noisy - X_test) ** 2):.4f}, denoised {np.mean((denoised - X_test) ** 2):.4f} "
          f"(the grader's threshold: {DENOISING['mse_threshold']})")
    show_rows([noisy[:8].clip(0, 1), denoised[:8], X_test[:8]], [f"noisy\nσ = {SIGMA}", "denoised", "clean"],
              title="the denoising autoencoder on test images")

# %% [autograde] week4.denoising

# %% [markdown]
# ## 5. Retrieval in code space
#
# An encoder's codes can serve as a **search index**: to find images like a query, encode it
# and look for the nearest codes. `nearest_neighbors(codes, queries, n)` returns, for each
# query, the indices of the `n` codes nearest to it in Euclidean distance, nearest first
# (ties by lower index). Below: test images as queries, the training images' codes (of the
# code size 8 autoencoder) as the database. No label was used in training, yet neighbours
# often share the query's shape. The score is the **precision@5**: the fraction of the 5
# nearest neighbours that have the query's class, averaged over the 500 test queries (a
# random guess scores 0.25; the grader asks for 0.35 in your trained code space). It is also shown in raw pixel space (256 numbers per image) and
# in PCA's code space of the same size: 8 numbers of the autoencoder keep much more of what
# tells the shapes apart than PCA's 8, though less than all 256 pixels.

# %%
def precision_at(neighbours, k=5):
    return float(np.mean(y_train[np.asarray(neighbours)[:, :k]] == y_test[:, None]))


def encode(encoder, X):
    with torch.no_grad():
        return encoder(torch.as_tensor(X)).numpy()


with demo("retrieval"):
    spaces = {"pixels (256 numbers)": (flat_train, flat_test)}
    if pca_model is not None:
        mean, components = pca_model
        spaces["PCA codes (8)"] = tuple(np.asarray(pca.pca_encode(f, mean, components[:8]))
                                        for f in (flat_train, flat_test))
    if 8 in autoencoders:
        spaces["autoencoder codes (8)"] = (encode(autoencoders[8][0], X_train), encode(autoencoders[8][0], X_test))
    for name, (database, queries) in spaces.items():
        found = retrieval.nearest_neighbors(database, queries, 5)
        print(f"precision@5 in {name}: {precision_at(found):.3f}")
    name, (database, queries) = list(spaces.items())[-1]
    picks = [int(np.flatnonzero(y_test == c)[0]) for c in range(len(SHAPES))]
    found = np.asarray(retrieval.nearest_neighbors(database, queries[picks], 8))
    fig, axes = plt.subplots(len(picks), 9, figsize=(10, 1.25 * len(picks) + 0.5))
    for r, (q, row) in enumerate(zip(picks, found)):
        axes[r, 0].imshow(X_test[q, 0], cmap="gray", vmin=0, vmax=1)
        axes[r, 0].set_title("query", fontsize=8)
        for c, i in enumerate(row):
            axes[r, c + 1].imshow(X_train[i, 0], cmap="gray", vmin=0, vmax=1)
            axes[r, c + 1].set_title(SHAPES[y_train[i]], fontsize=8, color="k" if y_train[i] == y_test[q] else "C3")
    for ax in axes.ravel():
        ax.axis("off")
    fig.suptitle(f"the 8 nearest training images in {name} (red: another shape)")
    plt.show()

# %% [autograde] week4.retrieval

# %% [markdown]
# ### A two-dimensional code
#
# With a code of size 2 the whole data set can be drawn, one point per image, coloured by
# its (unused) label. Two numbers cannot hold much: both codes spend them on what matters most
# for the squared error, where the shape is, how large and how bright against its background
# (compare the k = 2 reconstructions above), and the four classes overlap. Which shape it is
# only changes a few pixels at the edge of the blob: it needs the larger codes of section 3.
# An autoencoder learns what its loss rewards, which need not be what a person would call the
# content of an image.

# %%
panels = []
if pca_model is not None:
    mean, components = pca_model
    panels.append(("PCA, the first 2 components", np.asarray(pca.pca_encode(flat_test, mean, components[:2]))))
if 2 in autoencoders:
    panels.append(("autoencoder, code size 2", encode(autoencoders[2][0], X_test)))
if not panels:
    print("Implement pca.py (week4.pca) or build_autoencoder (week4.autoencoder) to see a 2-D code space.")
else:
    fig, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 4.6), squeeze=False)
    for ax, (title, z) in zip(axes[0], panels):
        for c, name in enumerate(SHAPES):
            ax.scatter(z[y_test == c, 0], z[y_test == c, 1], s=8, alpha=0.7, label=name)
        ax.set(title=title, xlabel="$z_1$", ylabel="$z_2$")
        ax.legend(markerscale=2)
    fig.suptitle("the test images' 2-D codes, coloured by shape")
    plt.show()

# %% [markdown]
# ## 6. Variational autoencoders
#
# An autoencoder's decoder turns codes back into images, but a random code gives garbage: the
# codes of real images fill an irregular region of the code space. A **variational
# autoencoder** (VAE) makes that region known. Its encoder gives each image a distribution
# over codes, $q(z \mid x) = \mathcal N(\mu(x), \operatorname{diag} e^{\ell(x)})$ ($\ell$ the
# log-variance), its decoder the logits of Bernoulli pixel means $p(x \mid z)$, and it is
# trained to minimise the **negative ELBO** (evidence lower bound) of each image,
#
# $$-\text{ELBO}(x) = \mathbb E_{z\sim q(z\mid x)}\big[-\log p(x\mid z)\big]
#   + \mathrm{KL}\big(q(z\mid x)\,\big\|\,\mathcal N(0, I)\big),$$
#
# a reconstruction term (binary cross-entropy summed over pixels) plus a term that pulls
# every $q(z \mid x)$ towards the standard normal. Afterwards, codes drawn from
# $\mathcal N(0, I)$ decode to plausible images.
#
# ### 6.1 The reparameterisation and the KL term
#
# To train through the sampling, $z$ is written as a function of noise that does not depend
# on the parameters, $z = \mu + e^{\ell/2}\,\varepsilon$ with $\varepsilon \sim \mathcal N(0, I)$
# (`reparameterize(mu, logvar, eps)`), so that gradients flow to $\mu$ and $\ell$. The KL
# term between two Gaussians has a closed form:
#
# $$\mathrm{KL} = \tfrac12 \sum_j \big(e^{\ell_j} + \mu_j^2 - 1 - \ell_j\big),$$
#
# summed over the latent dimensions and averaged over the batch by `gaussian_kl`, which also
# returns its gradients. Below: samples of your `reparameterize` against the density they
# should follow, your KL against a Monte Carlo estimate $\mathbb E_q[\log q(z) - \log p(z)]$
# from those samples, and its gradients against numerical differentiation.

# %%
rng = np.random.default_rng(2)
mu, logvar = np.array([[1.5, -1.0]]), np.log(np.array([[0.25, 2.0]]))
eps = rng.normal(size=(100_000, 2))
with demo("your reparameterize"):
    z = np.asarray(vae.reparameterize(np.repeat(mu, len(eps), 0), np.repeat(logvar, len(eps), 0), eps), dtype=float)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
    for j, ax in enumerate(axes):
        m, s = mu[0, j], np.exp(logvar[0, j] / 2)
        grid = np.linspace(m - 4 * s, m + 4 * s, 200)
        ax.hist(z[:, j], bins=80, density=True, alpha=0.6, label="your samples")
        ax.plot(grid, np.exp(-((grid - m) / s) ** 2 / 2) / (s * np.sqrt(2 * np.pi)), "k", label=f"N({m:g}, {s**2:g})")
        ax.set(title=f"dimension {j + 1}: mean {z[:, j].mean():.3f}, variance {z[:, j].var():.3f}", xlabel="z")
        ax.legend()
    plt.show()
    with demo("your gaussian_kl"):
        value, dmu, dlogvar = vae.gaussian_kl(mu, logvar)
        log_q_minus_log_p = np.sum(-logvar / 2 - eps**2 / 2 + z**2 / 2, axis=1)
        print(f"gaussian_kl: {float(value):.4f}; Monte Carlo estimate from your samples: {log_q_minus_log_p.mean():.4f} "
              f"± {log_q_minus_log_p.std() / np.sqrt(len(eps)):.4f}")

with demo("the gradients of your gaussian_kl"):
    m, lv = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    _, dmu, dlogvar = vae.gaussian_kl(m, lv)
    for name, f, grad, arg in (("dmu", lambda a: np.array(vae.gaussian_kl(a, lv)[0]), dmu, m),
                               ("dlogvar", lambda a: np.array(vae.gaussian_kl(m, a)[0]), dlogvar, lv)):
        analytic, numerical = directional_check(f, lambda v, g=grad: float(v) * np.asarray(g), arg)
        print(f"{name}: gradient {analytic:+.8f}, numerical {numerical:+.8f}, "
              f"relative difference {abs(analytic - numerical) / max(1e-12, abs(numerical)):.1e}")

# %% [autograde] week4.vae

# %% [markdown]
# ### 6.2 Training a VAE
#
# `build_vae(input_shape, latent_dim)` returns your model, with `encode(x) -> (mu, logvar)`
# and `decode(z) -> logits`. Below it is trained with latent dimension 8 (as the grader
# does) on the negative ELBO, written in PyTorch with the reparameterisation above: one
# $\varepsilon$ per image and step, binary cross-entropy with logits summed over the pixels,
# plus the KL term, averaged over the batch. Then two things a plain autoencoder cannot do
# well: **samples**, codes drawn from $\mathcal N(0, I)$ decoded into images (the pixel means
# $\sigma(\text{logits})$), and an **interpolation**, the decoded images along the straight
# line between the codes ($\mu$) of two test images, one in the top left and one in the
# bottom right. The grader trains your VAE with its own recipe and judges its held-out
# negative ELBO per image.
#
# Expect blurred shapes more than crisp ones. Every number the code carries costs KL, and the
# few pixels at a shape's edge that tell a circle from a square save fewer nats of
# cross-entropy than describing them would cost: the VAE keeps where the shape is, its size
# and brightness, and lets most of the rest go. Its samples are new images of that kind:
# blurred shapes at some place, of some size and brightness. Along the interpolation, watch where the decoded
# images turn faint or blurred: there the straight line crosses parts of the code space that
# the prior covers but no training image was encoded to.

# %%
def negative_elbo(model, x):
    """Mean over the batch of (Σ_pixels BCE(sigmoid(logits), x) + KL(q(z|x) ‖ N(0, I)))."""
    mu, logvar = model.encode(x)
    z = mu + torch.exp(logvar / 2) * torch.randn_like(mu)
    reconstruction = F.binary_cross_entropy_with_logits(model.decode(z), x, reduction="sum")
    kl = 0.5 * torch.sum(logvar.exp() + mu**2 - 1 - logvar)
    return (reconstruction + kl) / len(x)


LATENT = VAE["latent_dim"]
vae_model = None
with demo("your VAE"):
    start = time.perf_counter()
    torch.manual_seed(0)
    model = vae.build_vae((1, 16, 16), LATENT)
    opt = torch.optim.Adam(model.parameters(), lr=VAE["lr"])
    X, size = torch.as_tensor(X_train), VAE["batch_size"]
    model.train()
    for epoch in range(VAE["epochs"]):
        order = torch.randperm(len(X))
        for begin in range(0, len(X), size):
            loss = negative_elbo(model, X[order[begin:begin + size]])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        held_out = negative_elbo(model, torch.as_tensor(X_test)).item()
    vae_model = model
    print(f"trained in {time.perf_counter() - start:.1f} s; test negative ELBO per image {held_out:.1f} nats "
          f"(the grader's threshold: {VAE['nelbo_threshold']:g})")

if vae_model is not None:
    with torch.no_grad():
        recon = torch.sigmoid(vae_model.decode(vae_model.encode(torch.as_tensor(X_test[:8]))[0])).numpy()
        samples = torch.sigmoid(vae_model.decode(torch.randn(16, LATENT, generator=torch.Generator().manual_seed(3))))
    show_rows([X_test[:8], recon, *samples.numpy().reshape(2, 8, 16, 16)],
              ["test images", "decoded μ", "samples", "samples"],
              title=f"the VAE's reconstructions, and decoded samples of z ~ N(0, I) (latent dimension {LATENT})")

    # where each test image's shape is: the centre of its pixels brighter than the image's median
    bright = np.clip(X_test[:, 0] - np.median(X_test[:, 0], axis=(1, 2), keepdims=True), 0, None)
    rows, cols = np.mgrid[0:16, 0:16]
    corner = ((bright * (rows + cols)).sum(axis=(1, 2)) / bright.sum(axis=(1, 2)))
    a, b = int(np.argmin(corner)), int(np.argmax(corner))
    with torch.no_grad():
        mu_ab, _ = vae_model.encode(torch.as_tensor(X_test[[a, b]]))
        t = torch.linspace(0, 1, 9)[:, None]
        path = torch.sigmoid(vae_model.decode((1 - t) * mu_ab[0] + t * mu_ab[1])).numpy()
    show_rows([[X_test[a], *path, X_test[b]]], ["interpolation"],
              ["image A"] + [f"t = {v:.2f}" for v in t[:, 0]] + ["image B"],
              title="decoding the codes (1 − t)·μ(A) + t·μ(B)")

# %% [autograde] week4.vae_train

# %% [markdown]
# ## 7. Check your work
#
# The cell below runs the public checks on your module files, as `dlgrade check week4` does
# in a terminal, and prints a table with one row per exercise. Where a check fails, the
# feedback says what was called, what came back and what was expected, and names the
# mistake when it recognises it.
#
# Passing the public checks is necessary, not sufficient. Your instructor grades with these
# **and with hidden checks** on other inputs: rank-deficient data and other code sizes for
# PCA, other strides, paddings, channel counts and kernel shapes, unpooling with other window
# sizes, thousands of noise draws, ties in retrieval, and the held-out images for the trained
# models. Follow each contract in `README.md`, not just the examples it is tried on here.

# %% [selfcheck]
