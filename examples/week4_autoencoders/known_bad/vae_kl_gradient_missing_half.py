"""The KL's gradient with respect to logvar without the factor ½ (the value is right)."""
MODULE = "vae"
EXERCISE = "week4.vae"
HINT = "dlogvar missing the ½ of the KL"
EXERCISE_SCORE = 2


def gaussian_kl(mu, logvar):
    mu = np.asarray(mu, dtype=float)
    logvar = np.asarray(logvar, dtype=float)
    N = mu.shape[0]
    var = np.exp(logvar)
    return float(0.5 * np.sum(var + mu**2 - 1.0 - logvar) / N), mu / N, (var - 1.0) / N
