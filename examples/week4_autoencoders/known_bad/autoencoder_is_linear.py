"""An autoencoder without nonlinearities: one Linear layer each way. The best it can learn is
PCA's subspace, so it cannot reach a threshold PCA with the same code size misses."""
MODULE = "autoencoder"
EXERCISE = "week4.autoencoder"
HINT = "no better than PCA"
EXERCISE_SCORE = 1


def build_autoencoder(input_shape, code_size):
    size = math.prod(input_shape)
    encoder = nn.Sequential(nn.Flatten(), nn.Linear(size, code_size))
    decoder = nn.Sequential(nn.Linear(code_size, size), nn.Unflatten(1, tuple(input_shape)))
    return encoder, decoder
