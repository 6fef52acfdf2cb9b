"""build_mlp puts the same ReLU object after every hidden layer: its saved mask is the last forward's, so backward is wrong."""
MODULE = "mlp"
EXERCISE = "week2.train_mlp"
HINT = "its own ReLU object"
EXERCISE_SCORE = 6  # with one hidden layer (the structure and training checks) one ReLU is all there is


def build_mlp(in_features, hidden, out_features, rng):
    relu = ReLU()
    sizes = [in_features, *hidden]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [Dense(fan_in, fan_out, rng), relu]
    layers.append(Dense(sizes[-1], out_features, rng))
    return Sequential(*layers)
