"""Public checks for build_vae (vae.py): its encode and decode shapes, and its negative
ELBO per held-out image after training with the week's fixed recipe.

The grader trains the VAE with its own negative ELBO (grader.trainers.negative_elbo: the
student's reparameterize and gaussian_kl are not used there) and computes the held-out
negative ELBO itself, in float64: one fresh process encodes the images (mu, logvar), the
grader draws ε and forms z = mu + exp(logvar / 2)·ε, and another fresh process decodes z
into logits, without the images. The negative ELBO bounds −log p(x) from above whatever
the encoder outputs, so it cannot be lowered by anything but a better model; the network
as built and the trained one with its parameters shuffled must both miss the threshold.
"""

import numpy as np

from grader.compare import as_array
from grader.registry import CheckFailed, check, load_rubric
from grader.training import Trained, evaluate, negative_elbo, scrambled_parameters, train

from .public_autoencoder import CONTROLS, describe_recipe, images, input_shape, once, recipe

RUBRIC = load_rubric(__file__)
BUILDER = "vae.build_vae"


def trained_vae(sub, ref):
    """build_vae trained with the [vae_train] recipe and its negative ELBO per image on the
    validation and the test images (with its controls'), once per grading: a dict with
    "trained", "nelbo" ({split: value}) and "controls" ({control: {split: value}})."""
    cfg = ref.rubric["vae_train"]
    r = recipe(cfg, trainer="torch_vae")
    X_train, _ = images(ref.rubric, "train")
    inputs = {split: images(ref.rubric, split)[0] for split in ("val", "test")}
    args = [input_shape(ref.rubric), cfg["latent_dim"]]
    kwargs = dict(what="build_vae", samples=cfg["samples"])

    def make():
        trained = train(sub, BUILDER, args, recipe=r, X_train=X_train, y_train=None, device=ref.device,
                        what="build_vae")
        result = {"trained": trained, "nelbo": negative_elbo(sub, trained, inputs, cfg["latent_dim"], **kwargs),
                  "controls": {}}
        rng = np.random.default_rng()  # fresh entropy: the submission cannot predict the shuffle
        for control, extra in (("untrained", {"untrained": True}),
                               ("scrambled", {"params": scrambled_parameters(trained, rng)})):
            result["controls"][control] = negative_elbo(sub, trained, inputs, cfg["latent_dim"], **kwargs, **extra)
        return result

    return once(sub, ("vae", repr(r), repr(args), ref.device, hash(X_train.tobytes())), make)


def check_vae_shapes(sub, shape, latent_dim, seed):
    """build_vae(shape, latent_dim) as built: encode gives (mu, logvar) of shape (N, latent_dim),
    decode gives logits of shape (N, *shape)."""
    X = np.random.default_rng(seed).uniform(0, 1, size=(3, *shape)).astype(np.float32)
    what = f"build_vae({shape}, {latent_dim})"
    model = Trained(builder=BUILDER, args=[shape, latent_dim], kwargs={}, recipe=recipe(RUBRIC["vae_train"], trainer="torch_vae"),
                    params=[])
    out = evaluate(sub, model, X, method="encode", what=what, untrained=True)
    if not (isinstance(out, list) and len(out) == 2):
        raise CheckFailed(f"encode(x) of {what} should return (mu, logvar), two tensors")
    for name, value in zip(("mu", "logvar"), out):
        got = as_array(value, f"the {name} of {what}")
        if got.shape != (len(X), latent_dim):
            raise CheckFailed(f"encode(x) of {what} gives {name} of shape {got.shape} for x of shape {X.shape}, expected "
                              f"(N, latent_dim) = ({len(X)}, {latent_dim})")
    z = np.random.default_rng(seed + 1).standard_normal((len(X), latent_dim)).astype(np.float32)
    logits = as_array(evaluate(sub, model, z, method="decode", what=what, untrained=True), f"the logits of {what}")
    if logits.shape != X.shape:
        raise CheckFailed(f"decode(z) of {what} gives logits of shape {logits.shape} for z of shape {z.shape}, expected "
                          f"{X.shape}: (N, *input_shape), one logit per pixel.")


def judge_vae(sub, ref, split, split_name):
    """Train build_vae (once per grading) and judge its negative ELBO per image on `split`."""
    cfg = ref.rubric["vae_train"]
    X_train, _ = images(ref.rubric, "train")
    run = trained_vae(sub, ref)
    trained, got = run["trained"], run["nelbo"][split]
    threshold = cfg["nelbo_threshold"]
    for control, by_split in run["controls"].items():
        without = by_split[split]
        if without <= threshold:
            raise CheckFailed(f"the VAE {CONTROLS[control]}, has a negative ELBO of {without:.2f} nats per image "
                              f"(threshold {threshold:.2f}): it does not come from the parameters the grader trained.")
    if got > threshold:
        what = (f"build_vae({input_shape(ref.rubric)}, {cfg['latent_dim']}) trained with the fixed recipe "
                f"({describe_recipe(trained.recipe, len(X_train))}, the grader's negative ELBO) and scored on the "
                f"{split_name} images")
        stopped = (f" Training was stopped after {len(trained.history)} of {trained.recipe.epochs} epochs by the time "
                   f"limit of {trained.recipe.max_seconds:g} s." if trained.stopped_early else "")
        final = trained.history[-1] if trained.history else float("nan")
        raise CheckFailed(f"{what}: negative ELBO {got:.2f} nats per image, above the threshold {threshold:.2f}.{stopped} "
                          f"The final training loss was {final:.2f}. " + diagnosis(sub, trained, cfg["latent_dim"]))


def diagnosis(sub, trained, latent_dim):
    """Why a trained VAE misses the threshold, from what its decoder makes of 16 random z."""
    z = np.random.default_rng().standard_normal((16, latent_dim)).astype(np.float32)
    try:
        logits = as_array(evaluate(sub, trained, z, method="decode", what="build_vae"), "decode(z)")
    except Exception:  # the run was judged already; this only words the advice
        logits = None
    if logits is not None and logits.size and np.all((logits >= 0) & (logits <= 1)):
        return ("Every output of decode lies in [0, 1]: it looks like pixel means, passed through a sigmoid. decode "
                "must return logits, with no sigmoid: the grader applies it (a sigmoid on top of a sigmoid keeps every "
                "pixel near grey).")
    if logits is not None and logits.size and float(np.max(np.std(logits, axis=0))) < 1e-4:
        return ("decode gives the same logits for every z: a decoder that ignores z can only draw one picture for all "
                "images (about 130 nats here). Make decode a function of z, and encode a function of the image.")
    return ("A decoder that ignores z scores about 130 nats here: make decode depend on z, encode return (mu, logvar) of "
            "the image (logvar is the log of the variance), and decode return logits (no sigmoid: the grader applies it).")


@check("week4.vae_train", points=1)
def vae_shapes(sub, ref):
    """Check that build_vae's encode gives (mu, logvar) of shape (N, latent_dim) and decode gives logits shaped as the input, for 1×16×16 and 2×8×8 inputs."""
    for k, (shape, latent) in enumerate((((1, 16, 16), 8), ((2, 8, 8), 3))):
        check_vae_shapes(sub, shape, latent, seed=450 + k)


@check("week4.vae_train", points=3, name="reaches the negative ELBO threshold on the validation images")
def vae_reaches_threshold_on_validation(sub, ref):
    """Check that the VAE trained on the shapes images has a negative ELBO per validation image (computed by the grader) at most the threshold."""
    judge_vae(sub, ref, "val", "validation")
