# %% [markdown]
# # Week 1: Linear models and optimization
#
# This week you build, in NumPy only, the pieces of linear regression and classification
# and the optimizers that train them. At the end they come together in a classifier of
# handwritten digits.
#
# **How the week works**
#
# 1. Your code goes in the four module files next to this notebook: `regression.py`,
#    `classification.py`, `optimizers.py` and `training.py`. Each exercise is a function
#    or a class whose body is `raise NotImplementedError("week1.…")`. Replace that line
#    with your code. The `README.md` in the same folder gives each exercise's exact
#    contract.
# 2. Run this notebook (*Kernel → Restart & Run All*) to see your code at work. Each
#    section explains the maths, then runs and plots what your functions compute. Where an
#    exercise is not done yet, a demo prints which one to implement instead of failing.
# 3. Run the self-check at the end (or `dlgrade check week1` in a terminal) until every
#    public check passes.
# 4. Submit the four module files.
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
import warnings
from contextlib import contextmanager
from math import comb

import matplotlib.pyplot as plt
import numpy as np

try:  # draw figures in the notebook even where MPLBACKEND names another backend
    get_ipython().run_line_magic("matplotlib", "inline")
except NameError:  # not running under IPython
    pass

# Your module files, from this notebook's folder (whatever its name), imported afresh each
# time this cell runs, so that edits count without restarting the kernel.
from grader.notebook import import_week

import_week("week1")
from week1_linear_models import classification, optimizers, regression, training


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


# %% [markdown]
# ## 1. Linear regression
#
# ### 1.1 Least squares and the normal equations
#
# We have $N$ examples, the rows of a design matrix $X \in \mathbb{R}^{N\times D}$, and their
# targets $y \in \mathbb{R}^N$. A linear model predicts $\hat y = X\beta$, and least squares
# picks the $\beta$ with the smallest residual sum of squares:
#
# $$\mathrm{RSS}(\beta) = \lVert X\beta - y \rVert^2 = \sum_{i=1}^N (x_i^\top \beta - y_i)^2 .$$
#
# RSS is a convex quadratic. Its gradient $2X^\top(X\beta - y)$ is zero exactly at the
# solutions of the **normal equations**
#
# $$X^\top X \,\beta = X^\top y .$$
#
# When $X$ has full column rank ($\operatorname{rank} X = D$), $X^\top X$ is invertible and the
# minimiser is unique: $\hat\beta = (X^\top X)^{-1} X^\top y$. That formula is for reading,
# not for computing. Forming $X^\top X$ squares the condition number
# ($\kappa(X^\top X) = \kappa(X)^2$), and an explicit inverse is slower and less accurate
# than a solve. Numerical libraries factor $X$ itself instead (QR or SVD).
#
# **The rank-deficient case.** When the columns of $X$ are linearly dependent, $X^\top X$
# is singular. That happens when one quantity is recorded twice (a temperature in °C and
# in °F) or when there are more features than examples. Then every $\beta + n$ with
# $Xn = 0$ fits exactly as well as $\beta$: the minimisers form an affine subspace parallel
# to the null space of $X$. Exactly one of them is orthogonal to that null space, and it is
# the minimiser of **minimum norm**. Write the thin SVD of $X$ keeping only its $r$ non-zero
# singular values, $X = U_r \Sigma_r V_r^\top$. The minimum-norm solution is
#
# $$\beta^{+} = X^{+} y = V_r \Sigma_r^{-1} U_r^\top y ,$$
#
# where $X^{+}$ is the Moore–Penrose pseudo-inverse. When $X$ has full column rank,
# $X^{+} = (X^\top X)^{-1} X^\top$, and the two formulas agree.
#
# Below, the design has a bias column and the same temperature in °C and in °F, so it has
# rank 2 with 3 columns. The vector $n = (-32, -1.8, 1)$ spans its null space:
# $\text{°F} - 1.8\,\text{°C} - 32 = 0$ on every row.

# %%
rng = np.random.default_rng(0)
celsius = rng.uniform(10, 35, size=30)
X_temp = np.column_stack([np.ones(30), celsius, 32 + 1.8 * celsius])  # one temperature, twice
sales = 20 + 3 * celsius + rng.normal(0, 2, size=30)
null = np.array([-32.0, -1.8, 1.0])  # X_temp @ null = 0: a direction the data cannot see
print(f"rank of X: {np.linalg.matrix_rank(X_temp)} with {X_temp.shape[1]} columns; max |X n| = {np.abs(X_temp @ null).max():.1e}")

with demo("the minimum-norm solution"):
    beta = regression.least_squares(X_temp, sales)
    for name, b in [("your β", beta), ("β + 0.5 n", beta + 0.5 * null)]:
        rss = np.sum((X_temp @ b - sales) ** 2)
        print(f"{name:>10}: β = {np.round(b, 3)}, RSS = {rss:.4f}, ‖β‖ = {np.linalg.norm(b):.4f}")
    print(f"β · n = {beta @ null:.1e} (0 for the minimum-norm minimiser, which is orthogonal to the null space)")

# %% [autograde] week1.least_squares

# %% [markdown]
# ### 1.2 The hat matrix
#
# The fitted values are $\hat y = X\hat\beta = X(X^\top X)^{-1}X^\top y = H y$: the matrix $H$
# "puts the hat on $y$". $H$ is the **orthogonal projection onto the column space of $X$**.
# $\hat y$ is the point of $\operatorname{col}(X)$ closest to $y$, and the residual
# $y - \hat y = (I - H)y$ is orthogonal to every column of $X$. (Written out,
# $X^\top(y - \hat y) = 0$ is the normal equations again.) As a projection, $H$ is
#
# - **symmetric**: $H^\top = H$ (orthogonal projection);
# - **idempotent**: $H^2 = H$ (projecting twice is projecting once);
# - the identity on the columns: $HX = X$;
# - of **trace equal to the rank**: $\operatorname{tr} H = \operatorname{rank} X$. The
#   eigenvalues of a projection are 0 and 1, and there are as many 1s as the dimension of
#   the space it projects onto.
#
# In statistics, $\operatorname{tr} H$ is the number of parameters the fit really uses.
# The diagonal entries $h_{ii} \in [0, 1]$ are the **leverages**, which measure how strongly
# $y_i$ pulls its own fitted value.
#
# For a rank-deficient $X$ the formula with $(X^\top X)^{-1}$ does not exist, but the
# projection does: $H = X X^{+} = U_r U_r^\top$. The $r$ columns of $U_r$ (left singular
# vectors with non-zero singular values) are an orthonormal basis of $\operatorname{col}(X)$.
# In floating point no singular value of a rank-deficient matrix is exactly zero, so
# "non-zero" needs a tolerance relative to the largest one.

# %%
with demo("the hat matrix's properties"):
    H = regression.hat_matrix(X_temp)
    print(f"H has shape {H.shape}")
    print(f"max |H − Hᵀ| = {np.abs(H - H.T).max():.1e}")
    print(f"max |H² − H| = {np.abs(H @ H - H).max():.1e}")
    print(f"max |HX − X| = {np.abs(H @ X_temp - X_temp).max():.1e}")
    print(f"trace H = {np.trace(H):.6f}, rank X = {np.linalg.matrix_rank(X_temp)}")
    print(f"leverages: min {H.diagonal().min():.3f}, max {H.diagonal().max():.3f}, sum {H.diagonal().sum():.3f}")

with demo("the fitted values Hy = Xβ"):
    fitted = X_temp @ regression.least_squares(X_temp, sales)
    print(f"max |Hy − Xβ| = {np.abs(regression.hat_matrix(X_temp) @ sales - fitted).max():.1e}")

# %% [autograde] week1.hat_matrix

# %% [markdown]
# ### 1.3 Polynomial features
#
# A linear model is linear in its *parameters*, not necessarily in its inputs. Replace the
# input $x$ by a feature vector $\phi(x)$ and fit $y \approx \phi(x)^\top \beta$ with the same
# least squares. The **polynomial features** of total degree at most $d$ are all the monomials
# $x_{i_1} x_{i_2} \cdots x_{i_k}$ with $k \le d$. For $D = 2$ inputs and $d = 2$:
#
# $$\phi(x) = (1,\; x_1,\; x_2,\; x_1^2,\; x_1 x_2,\; x_2^2).$$
#
# The order is scikit-learn's: the bias column first, then by degree, and within one degree
# the index tuples $i_1 \le \dots \le i_k$ in lexicographic order. There are
# $\binom{D + d}{d}$ of them, which grows fast: for the 64 pixels of a digit image and
# $d = 3$, that is $\binom{67}{3} = 47\,905$ features.

# %%
x_pair = np.array([[2.0, 3.0]])
print("expected for degree 3 (1, x1, x2, x1², x1x2, x2², x1³, x1²x2, x1x2², x2³):", [1, 2, 3, 4, 6, 9, 8, 12, 18, 27])

with demo("your polynomial features"):
    print("your polynomial_features([[2, 3]], 3):                                ", regression.polynomial_features(x_pair, 3).ravel().tolist())
    for D, d in [(1, 5), (2, 3), (5, 2)]:
        shape = regression.polynomial_features(np.ones((4, D)), d).shape
        print(f"D = {D}, degree {d}: shape {shape}, C(D + d, d) = {comb(D + d, d)}")

# %% [autograde] week1.polynomial_features

# %% [markdown]
# ### 1.4 Ridge regression and the bias–variance trade-off
#
# Fit a polynomial of degree 15 to 20 noisy points by least squares, and it passes close to
# every point. It gets there with huge coefficients that make it swing wildly between the
# points. **Ridge regression** penalises the size of the coefficients:
#
# $$\hat\beta_\lambda = \arg\min_\beta \lVert X\beta - y\rVert^2 + \lambda \lVert \beta \rVert^2
#   = (X^\top X + \lambda I)^{-1} X^\top y .$$
#
# For $\lambda > 0$ the matrix $X^\top X + \lambda I$ is positive definite, so it is invertible
# even when $X$ is rank-deficient or has more columns than rows. In terms of the SVD,
#
# $$\hat\beta_\lambda = \sum_i \frac{\sigma_i}{\sigma_i^2 + \lambda}\, v_i\, u_i^\top y .$$
#
# Directions with $\sigma_i^2 \gg \lambda$ are kept, those with $\sigma_i^2 \ll \lambda$ are shrunk
# towards 0, and as $\lambda \to 0^+$, $\hat\beta_\lambda \to \beta^+$, the minimum-norm solution.
#
# **Bias and variance.** The expected error on new data splits into
# $\text{bias}^2 + \text{variance} + \text{noise}$. A high degree with $\lambda = 0$ has little
# bias but a large variance: a new draw of the noise gives a very different curve. A large
# $\lambda$ shrinks every coefficient towards 0: the variance drops, but the fit becomes too
# simple (bias). The best $\lambda$ lies in between and is chosen on held-out data (the plot
# in 1.5 shows it).
#
# In this week's contract every coefficient is penalised, including the bias column's. (In
# practice the intercept is often left out of the penalty.)
#
# Below are fits of increasing degree to the same 20 points: least squares on top, ridge
# with $\lambda = 10^{-3}$ below. The dashed curve is the truth, $\sin(\pi x)$.

# %%
rng = np.random.default_rng(1)
x_fit = np.sort(rng.uniform(-1, 1, 20))
y_fit = np.sin(np.pi * x_fit) + rng.normal(0, 0.25, x_fit.size)
x_grid = np.linspace(-1, 1, 300)
degrees, lam_plot = [1, 3, 9, 15], 1e-3

with demo("the polynomial fits"):
    fig, axes = plt.subplots(2, len(degrees), figsize=(13, 5.5), sharex=True, sharey=True)
    for col, degree in enumerate(degrees):
        Phi = regression.polynomial_features(x_fit[:, None], degree)
        Phi_grid = regression.polynomial_features(x_grid[:, None], degree)
        fits = [("least squares", regression.least_squares(Phi, y_fit)),
                (f"ridge, λ = {lam_plot:g}", regression.ridge(Phi, y_fit, lam_plot))]
        for row, (name, beta) in enumerate(fits):
            ax = axes[row, col]
            ax.plot(x_grid, np.sin(np.pi * x_grid), "k--", lw=1)
            ax.plot(x_grid, Phi_grid @ beta, "C0" if row == 0 else "C1", lw=2)
            ax.scatter(x_fit, y_fit, s=15, c="k", zorder=3)
            ax.set_title(f"degree {degree}, {name}\n‖β‖ = {np.linalg.norm(beta):.3g}", fontsize=9)
            ax.set_ylim(-2, 2)
    fig.tight_layout()
    plt.show()

# %% [autograde] week1.ridge

# %% [markdown]
# ### 1.5 The mean squared error and its gradient
#
# Training by gradient descent needs a loss and its gradient. The mean squared error is
#
# $$L(\beta) = \frac{1}{N}\lVert X\beta - y\rVert^2 = \frac{1}{N}\sum_{i=1}^N (x_i^\top\beta - y_i)^2 .$$
#
# Write $r = X\beta - y$. Then $L = \tfrac1N r^\top r$ and
# $dL = \tfrac2N r^\top dr = \tfrac2N r^\top X\, d\beta$, so
#
# $$\nabla L(\beta) = \frac{2}{N} X^\top (X\beta - y).$$
#
# Setting it to zero gives the normal equations once more; gradient descent on $L$ is the
# iterative alternative to solving them (section 3).
#
# **Checking a gradient.** A derivation can go wrong, so compare it with central
# differences:
#
# $$\frac{\partial L}{\partial \beta_j} \approx \frac{L(\beta + h e_j) - L(\beta - h e_j)}{2h},$$
#
# whose error is $O(h^2)$. The grader does the same, in float64, on its own side. The helper
# below is reused in section 2.

# %%
def numerical_gradient(f, w, h=1e-6):
    """∂f/∂w by central differences (f(w + h·e_j) − f(w − h·e_j)) / 2h, for an array w of any shape."""
    w = np.array(w, dtype=float)
    grad = np.zeros_like(w)
    for j in np.ndindex(w.shape):
        step = np.zeros_like(w)
        step[j] = h
        grad[j] = (f(w + step) - f(w - step)) / (2 * h)
    return grad


rng = np.random.default_rng(2)
X_small, y_small, beta_small = rng.normal(size=(8, 3)), rng.normal(size=8), rng.normal(size=3)
with demo("the gradient check of mse_grad"):
    analytic = regression.mse_grad(beta_small, X_small, y_small)
    numeric = numerical_gradient(lambda b: regression.mse_loss(b, X_small, y_small), beta_small)
    print("your mse_grad:      ", analytic)
    print("central differences:", numeric)
    print(f"max difference: {np.abs(analytic - numeric).max():.1e}")

# %% [markdown]
# The effect of $\lambda$: the training error and the error on fresh points from the same
# source, for ridge fits of degree 12 over a range of $\lambda$ (both errors computed with your
# `mse_loss`). The training error only grows with $\lambda$. The held-out error first falls
# (less variance), then rises (more bias).

# %%
rng = np.random.default_rng(3)
x_val = rng.uniform(-1, 1, 200)
y_val = np.sin(np.pi * x_val) + rng.normal(0, 0.25, x_val.size)
lams = np.logspace(-9, 2, 34)

with demo("the errors against λ"):
    Phi, Phi_val = (regression.polynomial_features(x[:, None], 12) for x in (x_fit, x_val))
    betas = [regression.ridge(Phi, y_fit, lam) for lam in lams]
    train_err = [regression.mse_loss(b, Phi, y_fit) for b in betas]
    val_err = [regression.mse_loss(b, Phi_val, y_val) for b in betas]
    best = lams[int(np.argmin(val_err))]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.loglog(lams, train_err, "o-", ms=3, label="training MSE")
    ax.loglog(lams, val_err, "o-", ms=3, label="held-out MSE")
    ax.axvline(best, color="gray", ls=":", label=f"best λ ≈ {best:.1g}")
    ax.axhline(0.25**2, color="k", ls="--", lw=1, label="noise variance")
    ax.set(xlabel="λ", ylabel="MSE", title="Ridge regression, degree 12")
    ax.legend()
    plt.show()

# %% [autograde] week1.mse

# %% [markdown]
# ## 2. Classification
#
# ### 2.1 The sigmoid
#
# The sigmoid $\sigma(z) = \dfrac{1}{1 + e^{-z}}$ turns a score $z \in \mathbb{R}$ into a
# probability. It satisfies $\sigma(-z) = 1 - \sigma(z)$ and $\sigma'(z) = \sigma(z)(1 - \sigma(z))$.
#
# The formula as written is not safe in floating point. The largest float64 is about
# $1.8\cdot 10^{308} \approx e^{709.8}$, so for $z = -1000$, $e^{-z} = e^{1000}$ overflows to
# `inf` with a `RuntimeWarning`. (The result $1/(1 + \infty) = 0$ happens to be right.) The
# equivalent form $e^{z}/(1 + e^{z})$ fails the other way: at $z = 1000$ it gives
# $\infty/\infty =$ `nan`. The fix is to **never exponentiate a positive number**. For
# $z \ge 0$ use $1/(1 + e^{-z})$. For $z < 0$ multiply above and below by $e^{z}$:
# $\sigma(z) = e^{z}/(1 + e^{z})$. Both forms then only need $e^{-|z|} \in (0, 1]$.

# %%
z = np.array([-1e4, -1000.0, -30.0, 0.0, 30.0, 1000.0, 1e4])
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    naive = 1 / (1 + np.exp(-z))
    naive_other = np.exp(z) / (1 + np.exp(z))
print("z:               ", z)
print("1 / (1 + e^-z):  ", naive)
print("e^z / (1 + e^z): ", naive_other)
print("warnings:", sorted({str(w.message) for w in caught}))

with demo("your sigmoid at extreme scores"):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mine = classification.sigmoid(z)
    print("your sigmoid:    ", mine)
    print("warnings:", sorted({str(w.message) for w in caught}) or "none")
    print("σ(−z) = 1 − σ(z) for |z| ≤ 30:", np.allclose(classification.sigmoid(-z[2:5]), 1 - mine[2:5]))

# %% [autograde] week1.sigmoid

# %% [markdown]
# ### 2.2 Logistic regression
#
# For labels $y_i \in \{0, 1\}$, logistic regression models $P(y = 1 \mid x) = \sigma(x^\top w)$.
# Its loss is the negative log-likelihood per example, the **binary cross-entropy**. With
# scores $s = Xw$:
#
# $$L(w) = -\frac{1}{N}\sum_{i=1}^N \Big[ y_i \log\sigma(s_i) + (1 - y_i)\log\big(1 - \sigma(s_i)\big) \Big].$$
#
# Use $\log\sigma(s) = -\log(1 + e^{-s})$ and $\log(1 - \sigma(s)) = -\log(1 + e^{s})$, and it
# simplifies to
#
# $$L(w) = \frac{1}{N}\sum_{i=1}^N \Big[\log\big(1 + e^{s_i}\big) - y_i s_i\Big].$$
#
# There is no logarithm of a probability left to hit $\log 0$. The term
# $\log(1 + e^{s}) = \log(e^0 + e^s)$ still overflows if computed literally; `np.logaddexp`
# computes it stably. Differentiating,
# $\frac{d}{ds}\big[\log(1 + e^s) - ys\big] = \sigma(s) - y$, and the chain rule through
# $s = Xw$ gives
#
# $$\nabla L(w) = \frac{1}{N} X^\top\big(\sigma(Xw) - y\big):$$
#
# *prediction minus target*, weighted by the inputs, the same shape as the MSE gradient. The
# Hessian $\frac1N X^\top S X$ with $S = \operatorname{diag}(\sigma(s_i)(1 - \sigma(s_i)))$ is positive
# semi-definite, so $L$ is convex and gradient descent finds its minimum. On linearly
# separable data that minimum is never reached: $\lVert w \rVert$ grows forever, sharpening the
# boundary. A penalty (2.5) fixes that.
#
# There is no separate bias: put a column of ones in $X$ (polynomial features start with
# one).

# %%
rng = np.random.default_rng(4)
X_small = np.column_stack([np.ones(12), rng.normal(size=(12, 2))])
y_small = (rng.random(12) < 0.5).astype(float)
w_small = rng.normal(size=3)
with demo("the gradient check of logistic_grad"):
    analytic = classification.logistic_grad(w_small, X_small, y_small)
    numeric = numerical_gradient(lambda w: classification.logistic_loss(w, X_small, y_small), w_small)
    print(f"your logistic_grad vs central differences: max difference {np.abs(analytic - numeric).max():.1e}")
    print(f"loss at scores of size ~1e4 (should be finite, about 1e4): {classification.logistic_loss(1e4 * w_small, X_small, y_small):.4g}")

# %% [markdown]
# **A non-linear boundary from a linear model.** The two moons below cannot be separated by
# a line. Logistic regression on polynomial features of the two coordinates draws a curved
# boundary, and it is still a convex problem. Training is plain gradient descent,
# $w \leftarrow w - \eta \nabla L(w)$, with your `logistic_loss` and `logistic_grad`; the
# colour is the predicted $P(y = 1 \mid x)$.

# %%
from sklearn.datasets import make_moons  # generated on the spot, nothing is downloaded

X_moons, y_moons = make_moons(n_samples=200, noise=0.2, random_state=0)
X_moons = (X_moons - X_moons.mean(axis=0)) / X_moons.std(axis=0)
y_moons = y_moons.astype(float)
g1, g2 = np.meshgrid(np.linspace(-2.6, 2.6, 150), np.linspace(-2.6, 2.6, 150))
grid = np.column_stack([g1.ravel(), g2.ravel()])


def train_logistic(Phi, y, lr=0.5, steps=1500):
    """Gradient descent on your logistic loss; returns w and the loss after each step."""
    w = np.zeros(Phi.shape[1])
    losses = []
    for _ in range(steps):
        w -= lr * classification.logistic_grad(w, Phi, y)
        losses.append(classification.logistic_loss(w, Phi, y))
    return w, losses


with demo("the decision boundaries on the two moons"):
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    for ax, degree in zip(axes[:2], [1, 3]):
        Phi = regression.polynomial_features(X_moons, degree)
        w, losses = train_logistic(Phi, y_moons)
        accuracy = np.mean((Phi @ w > 0) == y_moons)
        prob = classification.sigmoid(regression.polynomial_features(grid, degree) @ w).reshape(g1.shape)
        ax.contourf(g1, g2, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.6)
        ax.contour(g1, g2, prob, levels=[0.5], colors="k", linewidths=2)
        ax.scatter(*X_moons.T, c=y_moons, cmap="RdBu_r", edgecolors="k", s=18)
        ax.set_title(f"degree {degree}: {Phi.shape[1]} features, training accuracy {accuracy:.2f}")
        axes[2].plot(losses, label=f"degree {degree}")
    axes[2].set(xlabel="gradient-descent step", ylabel="logistic loss", title="training loss", yscale="log")
    axes[2].legend()
    fig.tight_layout()
    plt.show()

# %% [autograde] week1.logistic

# %% [markdown]
# ### 2.3 Softmax
#
# With $K$ classes, a linear model gives each example a score vector $z \in \mathbb{R}^K$ (the
# *logits*), and the **softmax** turns it into probabilities:
#
# $$\operatorname{softmax}(z)_k = \frac{e^{z_k}}{\sum_{j=1}^K e^{z_j}} .$$
#
# Adding the same constant $c$ to every logit changes nothing, because the factor $e^{c}$
# cancels:
#
# $$\operatorname{softmax}(z + c\mathbf{1}) = \operatorname{softmax}(z).$$
#
# This invariance is what makes softmax safe to compute. Take $c = -\max_j z_j$. Every
# exponent is then $\le 0$ and the largest term is $e^0 = 1$, so the denominator lies in
# $[1, K]$: no overflow and no division by zero, for logits of any size. With $K = 2$,
# softmax reduces to the sigmoid of the difference: $\operatorname{softmax}(z_1, z_2)_1 = \sigma(z_1 - z_2)$.

# %%
Z = np.array([[1.0, 2.0, 3.0], [1001.0, 1002.0, 1003.0], [-1e4, 0.0, 1e4]])
with warnings.catch_warnings(record=True), np.errstate(all="ignore"):
    warnings.simplefilter("ignore")
    print("naive exp(Z) / sum:\n", np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True))

with demo("your softmax"):
    P = classification.softmax(Z)
    print("your softmax:\n", P)
    print("row sums:", P.sum(axis=1))
    print("rows 0 and 1 equal (Z differs by a constant):", np.allclose(P[0], P[1]))

# %% [autograde] week1.softmax

# %% [markdown]
# ### 2.4 Cross-entropy via log-sum-exp
#
# The loss of an example with logits $z$ and label $y$ is the negative log-probability of its
# class. Taking the log of the softmax gives
#
# $$\ell(z, y) = -\log \operatorname{softmax}(z)_y = -z_y + \log\sum_j e^{z_j} = -z_y + \operatorname{LSE}(z),$$
#
# where the **log-sum-exp** is computed with the same shift as softmax:
# $\operatorname{LSE}(z) = m + \log\sum_j e^{z_j - m}$ with $m = \max_j z_j$. Do not compute
# $\log(\operatorname{softmax}(z))$. When the model is confidently wrong, say
# $z_y - \max_j z_j = -800$, the probability $e^{-800}$ underflows to 0, and its log is $-\infty$.
# The exact loss, about 800, is a perfectly good number, and so is its gradient.
#
# The gradient is as simple as the loss is tricky. Since $\partial\operatorname{LSE}/\partial z_k = \operatorname{softmax}(z)_k$,
#
# $$\frac{\partial \ell}{\partial z_k} = \operatorname{softmax}(z)_k - [k = y],$$
#
# and for the mean over a batch, $\nabla_Z L = (P - Y)/N$, with $Y$ the one-hot labels:
# prediction minus target once more.

# %%
Z_bad, y_bad = np.array([[0.0, 800.0, 0.0]]), np.array([0])
with np.errstate(all="ignore"):
    shifted = np.exp(Z_bad - Z_bad.max())
    print("−log(softmax) computed naively:", -np.log(shifted / shifted.sum())[0, y_bad[0]])

rng = np.random.default_rng(5)
Z_small, y_small = rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)
with demo("your cross-entropy"):
    loss, dZ = classification.softmax_cross_entropy(Z_bad, y_bad)
    print(f"your softmax_cross_entropy: loss {loss:.6g}, dZ = {dZ.ravel()}")
    loss, dZ = classification.softmax_cross_entropy(Z_small, y_small)
    numeric = numerical_gradient(lambda Zp: classification.softmax_cross_entropy(Zp, y_small)[0], Z_small)
    print(f"dZ vs central differences on a random batch: max difference {np.abs(dZ - numeric).max():.1e}")

# %% [autograde] week1.cross_entropy

# %% [markdown]
# ### 2.5 Penalties: L2 and L1
#
# A penalty $R(w)$ added to the loss trades fit for simplicity, as in ridge regression.
#
# - **L2** (ridge, weight decay): $R(w) = \lambda\sum_j w_j^2$, with $\nabla R = 2\lambda w$. A
#   gradient step $w \leftarrow w - \eta(\nabla L + 2\lambda w) = (1 - 2\eta\lambda)\,w - \eta\nabla L$
#   shrinks the weights by a constant factor each step, hence "weight decay".
# - **L1** (lasso): $R(w) = \lambda\sum_j |w_j|$. $|w|$ has no derivative at 0. A
#   **subgradient** at $w$ is the slope of any line through $(w, |w|)$ that stays below the
#   function. That is $\operatorname{sign}(w)$ for $w \ne 0$, and any $g \in [-1, 1]$ at $w = 0$.
#   The convention here takes $g = 0$ there, so the subgradient is $\lambda\operatorname{sign}(w)$,
#   with `np.sign(0) = 0`.
#
# Why L1 gives *sparse* weights: the pull of L2, $2\lambda w$, fades as $w \to 0$, so it makes
# weights small but not zero. The pull of L1 stays $\lambda$ all the way to 0, so (with a
# proper proximal step) small weights become exactly zero. Geometrically, the L1 ball has
# corners on the axes. The plot shows both penalties for $\lambda = 1$ and their (sub)gradients,
# computed by your functions.

# %%
ws = np.linspace(-2, 2, 201)
with demo("the penalties"):
    print("l1_penalty([−1, 0, 2], 0.5) =", classification.l1_penalty(np.array([-1.0, 0.0, 2.0]), 0.5))
    print("l2_penalty([−1, 0, 2], 0.5) =", classification.l2_penalty(np.array([-1.0, 0.0, 2.0]), 0.5))
    fig, (ax_value, ax_grad) = plt.subplots(1, 2, figsize=(11, 3.8))
    for name, penalty in [("L2", classification.l2_penalty), ("L1", classification.l1_penalty)]:
        values = [penalty(np.array([w]), 1.0)[0] for w in ws]
        ax_value.plot(ws, values, lw=2, label=name)
        ax_grad.plot(ws, penalty(ws, 1.0)[1], ".", ms=3, label=f"{name} (sub)gradient")
    ax_value.set(xlabel="w", title="penalty, λ = 1")
    ax_grad.set(xlabel="w", title="(sub)gradient, λ = 1 (L1's is 0 at w = 0)")
    ax_value.legend()
    ax_grad.legend()
    fig.tight_layout()
    plt.show()

# %% [autograde] week1.penalties

# %% [markdown]
# ## 3. Optimization
#
# ### Gradient descent on an ill-conditioned problem
#
# Take the quadratic $f(w) = \tfrac12 w^\top A w$, with $A$ symmetric positive definite, so that
# $\nabla f(w) = Aw$. Gradient descent, $w \leftarrow w - \eta A w$, multiplies the component of
# $w$ along each eigenvector of $A$ by $1 - \eta\lambda_i$ per step. It is stable only if
# $\eta < 2/\lambda_{\max}$. Even with the best $\eta$, the slowest component shrinks by only
# $(\kappa - 1)/(\kappa + 1)$ per step, where $\kappa = \lambda_{\max}/\lambda_{\min}$ is the
# condition number. Meanwhile the steep direction zig-zags. Below, $A$ has eigenvalues 1
# and 25 ($\kappa = 25$) along axes rotated by 30°. Every method in this section is a way
# around this, through a memory of past gradients (momentum) or a step size per
# coordinate (adaptive methods).
#
# **The interface.** An optimizer is built around the arrays it trains and updates them
# **in place** (`p -= …`). Whoever holds those arrays (a model, this notebook) sees them
# change:
#
# ```python
# w = np.array([1.0, 2.0])
# opt = optimizers.SGD([w], lr=0.1)
# for _ in range(100):
#     opt.step([A @ w])      # one gradient per parameter, in the same order
# ```
#
# Each optimizer keeps its state (velocities, averages of squared gradients) per parameter,
# starting at 0. Below, $g$ is the gradient of a parameter $w$ at the current step,
# $\eta$ = `lr`, and every operation is elementwise.
#
# ### SGD
#
# $$w \leftarrow w - \eta\, g .$$
#
# "Stochastic" because in training, $g$ is the gradient of a random minibatch: an unbiased
# but noisy estimate of the full gradient.

# %% [autograde] week1.sgd

# %% [markdown]
# ### Momentum
#
# $$h \leftarrow \mu\, h + \eta\, g, \qquad w \leftarrow w - h,$$
#
# with $\mu$ = `momentum` and $h$ starting at 0. This is *heavy-ball* momentum, the same as
# `torch.optim.SGD(momentum=μ)`. (PyTorch writes $v \leftarrow \mu v + g$, $w \leftarrow w - \eta v$:
# the same thing for a constant $\eta$, with $h = \eta v$.) The velocity $h$ adds up
# gradients that keep their direction and averages away those that flip sign, which damps
# the zig-zag and speeds up the slow direction.

# %% [autograde] week1.momentum

# %% [markdown]
# ### Nesterov momentum
#
# $$v \leftarrow \mu\, v + g, \qquad w \leftarrow w - \eta\,(g + \mu\, v),$$
#
# with $v$ starting at 0, as in `torch.optim.SGD(momentum=μ, nesterov=True)`. Nesterov's method
# evaluates the gradient at the point momentum is about to carry us to ("look ahead"). This
# form is the same method after a change of variables that keeps the gradient at the
# current $w$. It reacts sooner than heavy-ball momentum when the velocity overshoots.

# %% [autograde] week1.nesterov

# %% [markdown]
# ### AdaGrad
#
# $$G \leftarrow G + g^2, \qquad w \leftarrow w - \eta\,\frac{g}{\sqrt{G} + \varepsilon},$$
#
# with $G$ starting at 0 and $\varepsilon$ *outside* the square root, as in `torch.optim.Adagrad`.
# Each coordinate gets its own step size, $\eta/\sqrt{\sum_t g_t^2}$. Coordinates with large
# gradients take smaller steps, rare features larger ones. Because $G$ only grows, the steps
# only shrink, and they may become too small before the minimum is reached.

# %% [autograde] week1.adagrad

# %% [markdown]
# ### RMSprop
#
# $$G \leftarrow \alpha\, G + (1 - \alpha)\, g^2, \qquad w \leftarrow w - \eta\,\frac{g}{\sqrt{G} + \varepsilon},$$
#
# with $G$ starting at 0, as in `torch.optim.RMSprop`. This is AdaGrad with a *moving
# average* of $g^2$ instead of a sum: old gradients are forgotten at rate $\alpha$, so the
# step sizes adapt without decaying to zero.

# %% [autograde] week1.rmsprop

# %% [markdown]
# ### Adam
#
# Adam combines momentum (a moving average $m$ of $g$) with RMSprop (a moving average $v$ of
# $g^2$), both starting at 0, and corrects their bias. At each step:
#
# $$t \leftarrow t + 1, \qquad m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2,$$
#
# $$\hat m = \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad w \leftarrow w - \eta\,\frac{\hat m}{\sqrt{\hat v} + \varepsilon},$$
#
# with $t = 1$ at the first step, as in `torch.optim.Adam`. **Why the correction:** for
# gradients of constant mean, $\mathbb{E}[m_t] = (1 - \beta_1^t)\,\mathbb{E}[g]$, because the
# average started at 0 and has only had $t$ steps to fill up. Dividing by $1 - \beta_1^t$
# removes that bias, and likewise for $v$, whose $1 - \beta_2^t = 0.001$ at $t = 1$ matters
# even more. Without the correction, the first steps are far from $\eta$ in size.

# %% [autograde] week1.adam

# %% [markdown]
# ### The six optimizers on the ill-conditioned quadratic
#
# Each optimizer starts from the same point and takes 100 steps on
# $f(w) = \tfrac12 w^\top A w$, with a learning rate suited to it. The first plot shows the
# paths over the contours of $f$; the second shows $f(w_t)$ against the step (log scale).
#
# Things to look for, and to try by changing `settings`:
#
# - SGD zig-zags across the narrow valley at first, then crawls along it. It diverges for
#   `lr` above $2/25 = 0.08$.
# - Momentum and Nesterov gain the most here: the velocity carries them along the valley.
#   Their `momentum` is 0.7. With the default 0.9 they overshoot and circle the minimum on a
#   problem this small: try it.
# - AdaGrad, RMSprop and Adam rescale each *coordinate*. That helps when the steep and flat
#   directions are the axes, but this valley is rotated by 30°, so they gain little. Set
#   `theta = 0`, and AdaGrad and RMSprop overtake momentum.
# - Adam's step, $\eta\,\hat m/(\sqrt{\hat v} + \varepsilon)$, is up to about $\eta$ in size however
#   small the gradient is, because $\hat m/\sqrt{\hat v}$ does not shrink with it. At a constant
#   `lr` Adam therefore circles the minimum for a long time before it settles; in practice
#   the learning rate is decreased during training.

# %%
theta = np.pi / 6
R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
A = R @ np.diag([1.0, 25.0]) @ R.T  # eigenvalues 1 and 25: condition number 25
w_start = np.array([-4.3, -1.5])
steps = 100
settings = {  # name: (class, keyword arguments)
    "SGD": (optimizers.SGD, dict(lr=0.07)),
    "Momentum": (optimizers.Momentum, dict(lr=0.03, momentum=0.7)),
    "Nesterov": (optimizers.Nesterov, dict(lr=0.03, momentum=0.7)),
    "AdaGrad": (optimizers.AdaGrad, dict(lr=1.0)),
    "RMSprop": (optimizers.RMSprop, dict(lr=0.1)),
    "Adam": (optimizers.Adam, dict(lr=0.3)),
}


def f_quadratic(w):
    return 0.5 * w @ A @ w


paths = {}
for name, (cls, kwargs) in settings.items():
    with demo(f"the path of {name}"):
        w = w_start.copy()
        opt = cls([w], **kwargs)
        path = [w.copy()]
        for _ in range(steps):
            opt.step([A @ w])
            path.append(w.copy())
        paths[name] = np.array(path)

if paths:
    u1, u2 = np.meshgrid(np.linspace(-5, 1.5, 200), np.linspace(-3, 1, 200))
    levels = 0.5 * (A[0, 0] * u1**2 + 2 * A[0, 1] * u1 * u2 + A[1, 1] * u2**2)
    fig, ax = plt.subplots(figsize=(10, 6.5))
    ax.contour(u1, u2, levels, levels=np.geomspace(0.01, 40, 14), colors="gray", linewidths=0.6)
    for name, path in paths.items():
        ax.plot(*path.T, ".-", ms=3, lw=1.2, label=f"{name} (" + ", ".join(f"{k}={v}" for k, v in settings[name][1].items()) + ")")
    ax.plot(*w_start, "ko")
    ax.plot(0, 0, "k*", ms=12)
    ax.set(xlim=(-5, 1.5), ylim=(-3, 1), aspect="equal", title="Paths on f(w) = ½ wᵀAw, κ = 25")
    ax.legend(fontsize=8, loc="lower right")
    plt.show()

    fig, ax = plt.subplots(figsize=(7, 4))
    for name, path in paths.items():
        ax.semilogy([max(f_quadratic(w), 1e-16) for w in path], label=name)
    ax.set(xlabel="step", ylabel="f(w)", title="Loss against steps")
    ax.legend(fontsize=8)
    plt.show()

# %% [markdown]
# ## 4. Training a classifier
#
# ### 4.1 Minibatches
#
# A full gradient costs a pass over all $N$ examples. The gradient of a random **minibatch**
# of $B$ examples is an unbiased estimate of it, at $B/N$ of the cost. Training draws batches
# *without replacement*, epoch by epoch. An **epoch** is one pass over the data: draw a fresh
# random permutation of $0, \dots, N-1$ and cut it into consecutive batches of $B$. The last
# batch holds the remaining $N \bmod B$ if $B$ does not divide $N$. Every example is seen
# exactly once per epoch, and reshuffling at every epoch keeps the order of the data from
# shaping the updates. All randomness comes from the generator `rng` that is passed in, so a
# run can be repeated exactly.

# %%
with demo("your minibatches"):
    rng = np.random.default_rng(0)
    for epoch in range(2):
        batches = list(training.iterate_minibatches(10, 4, rng))
        print(f"epoch {epoch}: {[b.tolist() for b in batches]}")
        print(f"         every index exactly once: {np.array_equal(np.sort(np.concatenate(batches)), np.arange(10))}")

# %% [autograde] week1.minibatches

# %% [markdown]
# ### 4.2 Softmax regression on the digits
#
# The digits data: 1797 grey-scale images of 8×8 pixels (64 features, scaled to $[0, 1]$),
# 10 classes, in a fixed stratified split of 60% training, 20% validation and 20% test.
#
# `train_softmax_classifier(X, y, num_classes, rng)` trains multinomial logistic regression:
# scores $= b + XW'$, probabilities = softmax of the scores, minimising the mean
# cross-entropy of 2.4 by minibatch gradient descent. It returns one matrix `W` of shape
# $(D + 1, K)$ whose **first row is the bias**:
# `scores = W[0] + X @ W[1:]` $=$ `np.hstack([np.ones((N, 1)), X]) @ W`, and the predicted
# class is `scores.argmax(axis=1)`. The recipe is yours: learning rate, batch size, number
# of epochs, optimizer, regularisation, feature scaling. Keep it to a few seconds.
#
# The public check trains on the training split and measures accuracy on the validation
# split. A hidden check trains on training and validation together, with another seed, and
# measures accuracy on the test split. Both must reach the threshold printed below. Tune on
# the validation split only: the test split is there to tell you how well you did.

# %%
try:  # the threshold of the week's rubric, where the course folder is at hand
    from grader.course import Week

    THRESHOLD = Week.load("week1").rubric["training"]["accuracy_threshold"]
except Exception:
    THRESHOLD = 0.93  # as published for this term
print(f"Held-out accuracy needed: {THRESHOLD}")

from grader.datasets import digits

d = digits()
X_train, y_train, X_val, y_val = (np.array(d[k]) for k in ("X_train", "y_train", "X_val", "y_val"))
print(f"training {X_train.shape}, validation {X_val.shape}, test {d['X_test'].shape}")
fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for k, ax in enumerate(axes):
    ax.imshow(X_train[np.flatnonzero(y_train == k)[0]].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(k))
    ax.axis("off")
plt.show()


# %%
def accuracy(W, X, y):
    """Fraction of rows of X whose highest score W[0] + X @ W[1:] is at their label."""
    return float(np.mean((W[0] + X @ W[1:]).argmax(axis=1) == y))


with demo("your digit classifier"):
    start = time.perf_counter()
    W = np.asarray(training.train_softmax_classifier(X_train, y_train, 10, np.random.default_rng(0)))
    seconds = time.perf_counter() - start
    expected_shape = (X_train.shape[1] + 1, 10)
    if W.shape != expected_shape:
        raise ValueError(f"W has shape {W.shape}; expected {expected_shape} (bias in the first row)")
    val_accuracy = accuracy(W, X_val, y_val)
    print(f"trained in {seconds:.2f} s")
    print(f"training accuracy {accuracy(W, X_train, y_train):.3f}, validation accuracy {val_accuracy:.3f} "
          f"({'reaches' if val_accuracy >= THRESHOLD else 'below'} the threshold {THRESHOLD})")

    predicted = (W[0] + X_val @ W[1:]).argmax(axis=1)
    per_class = [np.mean(predicted[y_val == k] == k) for k in range(10)]
    wrong = np.flatnonzero(predicted != y_val)[:10]
    fig = plt.figure(figsize=(12, 5.5), layout="constrained")
    top, bottom = fig.subfigures(2, 1, height_ratios=[1.7, 1])
    ax = top.subplots()
    ax.bar(range(10), per_class)
    ax.axhline(val_accuracy, color="C1", lw=2, label=f"overall {val_accuracy:.3f}")
    ax.axhline(THRESHOLD, color="k", ls="--", lw=1, label=f"threshold {THRESHOLD}")
    ax.set(xticks=range(10), xlabel="class", ylabel="accuracy", ylim=(0.5, 1.02), title="Validation accuracy per class")
    ax.legend(loc="lower right")
    for ax, i in zip(bottom.subplots(1, 10), [*wrong, *[None] * 10]):
        ax.axis("off")
        if i is not None:
            ax.imshow(X_val[i].reshape(8, 8), cmap="gray_r")
            ax.set_title(f"{y_val[i]} → {predicted[i]}", fontsize=9)
    bottom.suptitle("Misclassified validation digits (true → predicted)", fontsize=10)
    plt.show()

# %% [autograde] week1.train_softmax

# %% [markdown]
# ## 5. Check your work
#
# The cell below runs the public checks on your module files, as `dlgrade check week1` does
# in a terminal, and prints a table with one row per exercise. Where a check fails, the
# feedback says what was called, what came back and what was expected, and names the
# mistake when it recognises it.
#
# Passing the public checks is necessary, not sufficient. Your instructor grades with these
# **and with hidden checks** on other inputs: other shapes and seeds, extreme values, many
# more optimizer steps, and the test split for the classifier. Follow each contract in
# `README.md`, not just the examples it is tried on here.

# %% [selfcheck]
