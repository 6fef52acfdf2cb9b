"""build_mlp puts a ReLU after the last Dense as well, so the logits can never be negative."""
MODULE = "mlp"
EXERCISE = "week2.train_mlp"
HINT = "no activation after it"


def build_mlp(in_features, hidden, out_features, rng):
    sizes = [in_features, *hidden, out_features]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [Dense(fan_in, fan_out, rng), ReLU()]
    return Sequential(*layers)
