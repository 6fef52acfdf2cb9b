"""A multilayer perceptron assembled from the layers of layers.py."""

from .layers import Dense, ReLU, Sequential


def build_mlp(in_features, hidden, out_features, rng):
    """Dense → ReLU → … → Dense: a fully connected network producing logits.

    ``build_mlp(64, [128, 64], 10, rng)`` is
    ``Sequential(Dense(64, 128), ReLU(), Dense(128, 64), ReLU(), Dense(64, 10))``
    (each Dense drawing its initial weights from ``rng``). The last layer has no
    activation: its outputs are the logits, which the loss turns into probabilities.

    Args:
        in_features: the input size D.
        hidden: the widths of the hidden layers, a list (possibly empty: then the
            network is a single Dense layer, softmax regression).
        out_features: the number of outputs K (classes).
        rng: a ``numpy.random.Generator`` for the initial weights.

    Returns:
        A ``Sequential`` mapping (N, in_features) to logits (N, out_features).
    """
    ### BEGIN SOLUTION week2.train_mlp
    sizes = [in_features, *hidden]
    layers = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        layers += [Dense(fan_in, fan_out, rng), ReLU()]
    layers.append(Dense(sizes[-1], out_features, rng))
    return Sequential(*layers)
    ### END SOLUTION
