"""Public checks for the trained networks of autoencoder.py and retrieval.py: the
autoencoder's shapes and its reconstruction error after training with the week's fixed
recipe, the denoiser trained on noisy images, and retrieval by the student's
nearest_neighbors in the trained encoder's code space.

Every network is trained by the grader's loop (grader.training: the judge keeps the
parameters and the optimizer; the student's process computes each batch's gradients) on
images drawn from the course secret. The encoder and the decoder are run by two fresh
processes: the decoder gets the codes and nothing else, so whatever it knows of an image
passed through the code. The network as built, and the trained one with the entries of
every parameter array shuffled, must both miss each threshold: the result must come from
what was learned in training.
"""

import numpy as np

from grader import heldout
from grader.compare import as_array
from grader.registry import CheckFailed, check, load_rubric
from grader.sandbox import NotImplementedYet, StudentProblem
from .public_retrieval import exact_neighbors, neighbors
from grader.training import Recipe, Trained, codes, encode_decode, evaluate, once, scrambled_parameters, train

RUBRIC = load_rubric(__file__)
BUILDER = "autoencoder.build_autoencoder"
CONTROLS = {"untrained": "as the builder makes it, before any training",
            "scrambled": "with the entries of each trained parameter array shuffled"}


# --- data and training runs ------------------------------------------------------------------------


def images(rubric, split):
    """The shapes images (and their classes) of `split` ("train", "val" or "test"), drawn from the
    course secret (grader.heldout), never from a seed in these public checks."""
    d = rubric["data"]
    n = {"train": d["n_train"], "val": d["n_val"], "test": d["n_test"]}[split]
    return heldout.shapes(n, d["size"], f"week4.shapes.{split}", channels=1, background=d["background"],
                          foreground=d["foreground"])


def input_shape(rubric):
    return (1, rubric["data"]["size"], rubric["data"]["size"])


def recipe(cfg, trainer="torch_regression", **extra) -> Recipe:
    """A table's fixed recipe (Adam; epochs, batch size, learning rate, seed and time cap from the rubric)."""
    return Recipe(trainer=trainer, epochs=cfg["epochs"], batch_size=cfg["batch_size"], lr=cfg["lr"], optimizer="adam",
                  seed=cfg["seed"], max_seconds=cfg["max_seconds"], **extra)


def describe_recipe(r: Recipe, n: int) -> str:
    return f"{r.epochs} epochs of Adam, lr {r.lr:g}, batches of {r.batch_size}, {n} images"


def trained_pair(sub, ref, table):
    """build_autoencoder trained with the recipe of the rubric's `table` ("autoencoder", or
    "denoising": inputs with Gaussian noise of [denoising] sigma, clean targets), judged on the
    validation and the test images at once (with its controls), once per grading: the checks of
    week4.retrieval use the same run's codes as those of week4.autoencoder. Returns a dict:
    "trained", "codes" (train, val and test, "autoencoder" only), "mse" and "controls" ({control:
    {split: MSE}}), the MSEs against the clean images."""
    cfg = ref.rubric[table]
    r = recipe(cfg, form="pair", input_noise=cfg.get("sigma", 0.0))
    X_train, _ = images(ref.rubric, "train")
    targets = {split: images(ref.rubric, split)[0] for split in ("val", "test")}
    inputs = dict(targets) if table == "autoencoder" else \
        {split: noisy(X, cfg["sigma"], split) for split, X in targets.items()}
    args = [input_shape(ref.rubric), cfg["code_size"]]
    k = cfg["code_size"]

    def make():
        trained = train(sub, BUILDER, args, recipe=r, X_train=X_train, y_train=X_train, device=ref.device,
                        what="build_autoencoder")
        every = {**inputs, "train": X_train} if table == "autoencoder" else inputs
        z, out = encode_decode(sub, trained, every, k, what="build_autoencoder", decode=tuple(targets))
        result = {"trained": trained, "codes": z, "mse": {s: mse(out[s], targets[s]) for s in targets}, "controls": {}}
        rng = np.random.default_rng()  # fresh entropy: the submission cannot predict the shuffle
        for control, extra in (("untrained", {"untrained": True}),
                               ("scrambled", {"params": scrambled_parameters(trained, rng)})):
            _, out = encode_decode(sub, trained, inputs, k, what="build_autoencoder", **extra)
            result["controls"][control] = {s: mse(out[s], targets[s]) for s in targets}
        return result

    return once(sub, ("pair", table, repr(r), repr(args), ref.device, hash(X_train.tobytes())), make)


def untrained_pair(args) -> Trained:
    """The pair ``build_autoencoder(*args)`` as built (nothing trained), for `codes` and `reconstruct`."""
    return Trained(builder=BUILDER, args=list(args), kwargs={}, recipe=recipe(RUBRIC["autoencoder"], form="pair"),
                   params=[])


def mse(a, b) -> float:
    return float(np.mean((np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)) ** 2))


def pca_basis(X_train, k):
    """The mean (D,) and the first k principal components (k, D) of the flattened X_train."""
    A = X_train.reshape(len(X_train), -1).astype(np.float64)
    mean = A.mean(axis=0)
    return mean, np.linalg.svd(A - mean, full_matrices=False)[2][:k]


def pca_mse(X_train, X_eval, k) -> float:
    """The mean squared error of PCA with k components fitted on X_train, reconstructing X_eval:
    the best a linear code of size k does."""
    mean, components = pca_basis(X_train, k)
    B = X_eval.reshape(len(X_eval), -1).astype(np.float64)
    return mse((B - mean) @ components.T @ components + mean, B)


def noisy(X, sigma, split):
    """X with the grader's own Gaussian noise (fixed per split; the student's add_noise is not used)."""
    rng = np.random.default_rng(heldout.secret_seed(f"week4.denoising.noise.{split}"))
    return (X + sigma * rng.standard_normal(X.shape)).astype(np.float32)


def judge_reconstruction(run, split, threshold, what, advice):
    """The trained pair's MSE on `split` (of `trained_pair`'s run) must be ≤ threshold, and the
    controls' must not be. Returns the MSE."""
    for control, by_split in run["controls"].items():
        if by_split[split] <= threshold:
            raise CheckFailed(f"{what}: the network {CONTROLS[control]}, has a mean squared error of "
                              f"{by_split[split]:.5f} (threshold {threshold:.5f}): its reconstructions do not come from "
                              "the parameters the grader trained. They must be earned by what the network learns in "
                              "training.")
    got, trained = run["mse"][split], run["trained"]
    if got > threshold:
        stopped = (f"Training was stopped after {len(trained.history)} of {trained.recipe.epochs} epochs by the time "
                   f"limit of {trained.recipe.max_seconds:g} s. " if trained.stopped_early else "")
        raise CheckFailed(f"{what}: mean squared error {got:.5f}, above the threshold {threshold:.5f}. {stopped}"
                          + advice(got))
    return got


# --- week4.autoencoder -------------------------------------------------------------------------------


def check_pair_shapes(sub, args, seed):
    """build_autoencoder(*args) as built: the encoder maps N inputs to (N, code_size) codes, and the
    decoder maps those back to (N, *input_shape)."""
    shape, k = args
    X = np.random.default_rng(seed).uniform(0, 1, size=(3, *shape)).astype(np.float32)
    pair = untrained_pair(args)
    what = f"build_autoencoder({shape}, {k})"
    z = codes(sub, pair, X, k, what=what, untrained=True)
    out = as_array(evaluate(sub, pair, z, method="decode", what=what, untrained=True),
                   f"the decoder's output of {what}")
    if out.shape != X.shape:
        raise CheckFailed(f"the decoder of {what} maps codes of shape {z.shape} to shape {out.shape}, expected "
                          f"{X.shape}: (N, *input_shape), the shape of the encoder's inputs.")


def judge_autoencoder(sub, ref, split, split_name):
    """Train build_autoencoder with the [autoencoder] recipe (once per grading) and judge its
    reconstruction error on the images of `split`."""
    cfg = ref.rubric["autoencoder"]
    X_train, _ = images(ref.rubric, "train")
    X, _ = images(ref.rubric, split)
    run = trained_pair(sub, ref, "autoencoder")
    trained = run["trained"]
    k = cfg["code_size"]
    pca = pca_mse(X_train, X, k)

    def advice(got):
        if got >= 0.97 * pca:
            return (f"That is no better than PCA with {k} components, which reaches {pca:.5f} on these images: a linear "
                    "code can at best match PCA. Put nonlinear activations (ReLU) between the Linear (or "
                    "convolutional) layers of both the encoder and the decoder.")
        final = trained.history[-1] if trained.history else float("nan")
        if final < 0.8 * got:
            return (f"The training loss fell to {final:.5f}, so the network reconstructs its training images better "
                    "than held-out ones in evaluation mode: check what changes between model.train() and "
                    "model.eval() (batch norm running statistics, dropout).")
        return (f"PCA with {k} components reaches {pca:.5f}; the network learns (final training loss {final:.5f}) but "
                "not enough within the recipe's budget: two or three hidden layers of a few hundred units with ReLU, "
                "in the encoder and the decoder, do it.")

    what = (f"build_autoencoder({input_shape(ref.rubric)}, {k}) trained with the fixed recipe "
            f"({describe_recipe(trained.recipe, len(X_train))}, mean squared error) and scored on the {split_name} images")
    judge_reconstruction(run, split, cfg["mse_threshold"], what, advice)


@check("week4.autoencoder", points=1)
def autoencoder_shapes(sub, ref):
    """Check that build_autoencoder's encoder maps (N, *input_shape) to (N, code_size) codes and its decoder maps them back, for 1×16×16 and 2×8×8 inputs."""
    for k, args in enumerate((((1, 16, 16), 8), ((2, 8, 8), 3))):
        check_pair_shapes(sub, args, seed=400 + k)


@check("week4.autoencoder", points=3, name="reconstructs the validation images below the MSE threshold")
def autoencoder_reaches_threshold_on_validation(sub, ref):
    """Check that the autoencoder trained on the shapes images reconstructs the validation images with a mean squared error at most the threshold, which PCA with the same code size misses."""
    judge_autoencoder(sub, ref, "val", "validation")


# --- week4.denoising (the trained part; add_noise has its own checks) -----------------------------------


def judge_denoiser(sub, ref, split, split_name):
    """Train build_autoencoder on noisy images with clean targets ([denoising] recipe, once per
    grading) and judge its error against the clean images of `split` from their noisy versions."""
    cfg = ref.rubric["denoising"]
    X_train, _ = images(ref.rubric, "train")
    X, _ = images(ref.rubric, split)
    noise = mse(noisy(X, cfg["sigma"], split), X)
    try:
        run = trained_pair(sub, ref, "denoising")
    except NotImplementedYet:  # the stub of week4.autoencoder: said under this exercise's own id
        raise NotImplementedYet({"type": "NotImplementedError", "message": "week4.denoising trains your "
                                 "build_autoencoder (week4.autoencoder) as the denoiser, which"}) from None
    trained = run["trained"]

    def advice(got):
        if got >= 0.9 * noise:
            return (f"The noisy inputs themselves are at {noise:.5f} from the clean images: the network passes the noise "
                    "through. Its output is compared with the clean image, and it must go through the code of size "
                    f"{cfg['code_size']}.")
        final = trained.history[-1] if trained.history else float("nan")
        return (f"The noisy inputs are at {noise:.5f}; the network learns (final training loss {final:.5f}) but not "
                "enough within the recipe's budget: a builder that passes week4.autoencoder's threshold passes this one.")

    what = (f"build_autoencoder({input_shape(ref.rubric)}, {cfg['code_size']}) trained to remove Gaussian noise of "
            f"σ = {cfg['sigma']:g} ({describe_recipe(trained.recipe, len(X_train))}, mean squared error against the clean "
            f"images) and scored on the noisy {split_name} images")
    judge_reconstruction(run, split, cfg["mse_threshold"], what, advice)


@check("week4.denoising", points=2, name="denoises the validation images below the MSE threshold")
def denoiser_reaches_threshold_on_validation(sub, ref):
    """Check that build_autoencoder trained on noisy shapes images restores the noisy validation images with a mean squared error (against the clean ones) at most the threshold, well below the noise's own."""
    judge_denoiser(sub, ref, "val", "validation")


# --- week4.retrieval (precision in the trained code space) -------------------------------------------


def pca_codes(X_train, X, size):
    """The codes of X_train and X in PCA's space of `size` components, fitted on X_train."""
    mean, components = pca_basis(X_train, size)
    return ((X_train.reshape(len(X_train), -1) - mean) @ components.T,
            (X.reshape(len(X), -1) - mean) @ components.T)


def precision_at(idx, y_db, y_queries) -> float:
    return float(np.mean(y_db[idx] == y_queries[:, None]))


def code_space(sub, ref, split):
    """The codes of the training images (the database) and of the images of `split` (the queries)
    that nearest_neighbors is judged in, and that space in words: those of the encoder trained for
    week4.autoencoder, when exact nearest neighbours reach the threshold there; otherwise (an
    encoder that could not be trained, or whose codes do not keep the classes apart) PCA's,
    fitted by the grader on the training images, where exact neighbours reach it. So this
    exercise judges nearest_neighbors alone, whatever build_autoencoder does."""
    cfg, table = ref.rubric["autoencoder"], ref.rubric["retrieval"]
    X_train, y_train = images(ref.rubric, "train")
    X, y = images(ref.rubric, split)
    size = cfg["code_size"]
    try:
        z = trained_pair(sub, ref, "autoencoder")["codes"]
    except (StudentProblem, CheckFailed) as e:
        why = f"build_autoencoder could not be trained ({str(e).splitlines()[0][:300]})"
    else:
        exact = precision_at(exact_neighbors(z["train"], z[split], table["k"]), y_train, y)
        if exact >= table["precision_threshold"]:
            return z["train"], z[split], f"the codes of the encoder trained for week4.autoencoder (size {size})"
        why = (f"exact nearest neighbours reach a precision of only {exact:.3f} in the codes of your trained encoder, "
               "which do not keep the classes apart")
    db, queries = pca_codes(X_train, X, size)
    return db, queries, f"PCA's codes with {size} components, fitted by the grader on the training images, since {why}"


def judge_retrieval(sub, ref, split, split_name):
    """Same-class precision@k of the student's nearest_neighbors: the queries are the images of
    `split`, the database the training images, both encoded as `code_space` says."""
    k = ref.rubric["retrieval"]["k"]
    threshold = ref.rubric["retrieval"]["precision_threshold"]
    neighbors(sub, np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[3.0, 3.0]]), 1)  # a stub says so first
    _, y_train = images(ref.rubric, "train")
    _, y = images(ref.rubric, split)
    db, queries, space = code_space(sub, ref, split)
    what = f"nearest_neighbors(codes of the {len(db)} training images, codes of the {len(queries)} {split_name} images, {k})"
    idx = neighbors(sub, db, queries, k, what)
    precision = precision_at(idx, y_train, y)
    if precision < threshold:
        exact = precision_at(exact_neighbors(db, queries, k), y_train, y)
        raise CheckFailed(f"{what}: same-class precision@{k} {precision:.3f}, below the threshold {threshold:.3f}, in "
                          f"{space}, where the exact nearest neighbours score {exact:.3f} (four classes: random indices "
                          "score about 0.25). Check that the nearest codes come first (ascending distance) and that "
                          "each row answers its own query.")


@check("week4.retrieval", points=2, name="retrieves same-class images in the trained code space (validation queries)")
def retrieval_precision_on_validation(sub, ref):
    """Check that nearest_neighbors, in the code space of the trained encoder, finds images of the query's class: same-class precision@5 of validation queries against the training images at least the threshold."""
    judge_retrieval(sub, ref, "val", "validation")
