"""Week 2, mlp: Dense+activation blocks whose activation alternates, Tanh first, then LeakyReLU:
build_mlp(64, [64], 10) is Dense, Tanh, Dense; (10, [9, 7, 6], 4) mixes both."""

from .layers import Dense, LeakyReLU, Sequential, Tanh


def build_mlp(in_features, hidden, out_features, rng):
    layers, width = [], in_features
    for k, h in enumerate(hidden):
        layers += [Dense(width, h, rng), Tanh() if k % 2 == 0 else LeakyReLU()]
        width = h
    return Sequential(*layers, Dense(width, out_features, rng))
