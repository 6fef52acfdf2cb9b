"""The reparameterisation with logvar taken for the standard deviation: z = mu + logvar·eps."""
MODULE = "vae"
EXERCISE = "week4.vae"
HINT = "using logvar as the standard deviation"
EXERCISE_SCORE = 3


def reparameterize(mu, logvar, eps):
    return np.asarray(mu, dtype=float) + np.asarray(logvar, dtype=float) * np.asarray(eps, dtype=float)
