"""The KL term summed over the batch instead of averaged, value and gradients alike."""
MODULE = "vae"
EXERCISE = "week4.vae"
HINT = "the KL summed over the batch instead of averaged"
EXERCISE_SCORE = 2


def gaussian_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    var = np.exp(logvar)
    return float(0.5 * np.sum(var + mu**2 - 1.0 - logvar)), mu, 0.5 * (var - 1.0)
