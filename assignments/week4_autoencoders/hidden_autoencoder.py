"""Hidden checks for the trained networks of autoencoder.py and retrieval.py: the public
checks' training runs, judged on the held-out test images."""

from grader.registry import check

from .public_autoencoder import judge_autoencoder, judge_denoiser, judge_retrieval


@check("week4.autoencoder", points=3, name="reconstructs the held-out test images below the MSE threshold")
def autoencoder_reaches_threshold_on_test(sub, ref):
    """Check that the autoencoder trained on the training images (the public check's run) reconstructs the held-out test images with a mean squared error at most the threshold."""
    judge_autoencoder(sub, ref, "test", "held-out test")


@check("week4.denoising", points=2, name="denoises the held-out test images below the MSE threshold")
def denoiser_reaches_threshold_on_test(sub, ref):
    """Check that the denoiser (the public check's run) restores the noisy held-out test images with a mean squared error at most the threshold."""
    judge_denoiser(sub, ref, "test", "held-out test")


@check("week4.retrieval", points=2, name="retrieves same-class images in the trained code space (test queries)")
def retrieval_precision_on_test(sub, ref):
    """Check that nearest_neighbors, in the trained encoder's code space, finds images of the query's class for the held-out test queries."""
    judge_retrieval(sub, ref, "test", "held-out test")
