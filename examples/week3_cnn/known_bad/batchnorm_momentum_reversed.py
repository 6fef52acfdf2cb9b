"""Batch normalization whose running statistics weigh the old value by momentum and the new batch by 1 − momentum."""
MODULE = "normalization"
EXERCISE = "week3.batchnorm"
HINT = "the momentum reversed"
EXERCISE_SCORE = 1

_correct_batchnorm_forward = batchnorm_forward


def batchnorm_forward(x, gamma, beta, state, train, momentum=0.1, eps=1e-5):
    if not train:
        return _correct_batchnorm_forward(x, gamma, beta, state, train, momentum, eps)
    # The correct update with the weights swapped: running ← momentum·running + (1 − momentum)·batch.
    return _correct_batchnorm_forward(x, gamma, beta, state, train, 1.0 - momentum, eps)
