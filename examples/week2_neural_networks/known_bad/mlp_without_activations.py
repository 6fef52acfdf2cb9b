"""build_mlp stacks Dense layers with no activation between them: the network is one linear model."""
MODULE = "mlp"
EXERCISE = "week2.train_mlp"
HINT = "is an affine map"
EXERCISE_SCORE = 4  # a linear model clears the accuracy threshold (see the rubric): training passes


def build_mlp(in_features, hidden, out_features, rng):
    sizes = [in_features, *hidden, out_features]
    return Sequential(*[Dense(a, b, rng) for a, b in zip(sizes[:-1], sizes[1:])])
