"""Hidden checks for models.py: the residual block in evaluation mode after a training
step, with 1 and 8 channels and non-square images; the CNN trained on the shapes
data's training images (the public check's run), judged on the held-out test images."""

import numpy as np

from grader.registry import check

from .public_models import Block, assert_residual, judge_cnn


@check("week3.residual", points=2)
def residual_block_eval_mode_and_other_shapes(sub, ref):
    """Check that ResidualBlock is right in training and then evaluation mode (running statistics), for 1 and 8 channels and non-square images."""
    rng = np.random.default_rng(320)
    for k, (channels, shape) in enumerate(((1, (2, 1, 7, 9)), (8, (4, 8, 5, 5)))):
        block = Block(sub, channels)
        block.randomise_batchnorm(seed=321 + k)
        assert_residual(block, rng.normal(size=shape), train=True)
        assert_residual(block, rng.normal(size=shape), train=False)


@check("week3.cnn", points=3, name="reaches the accuracy threshold on the held-out test images of the shapes data")
def cnn_reaches_threshold_on_test(sub, ref):
    """Check that the CNN trained on the training images (the public check's run) reaches the threshold on the held-out test images."""
    judge_cnn(sub, ref, "test", "held-out test")
