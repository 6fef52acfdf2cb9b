"""Hidden checks for build_vae: the public check's training run, judged on the held-out test images."""

from grader.registry import check

from .public_vae_training import judge_vae


@check("week4.vae_train", points=3, name="reaches the negative ELBO threshold on the held-out test images")
def vae_reaches_threshold_on_test(sub, ref):
    """Check that the VAE trained on the training images (the public check's run) has a negative ELBO per held-out test image at most the threshold."""
    judge_vae(sub, ref, "test", "held-out test")
