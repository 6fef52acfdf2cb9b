"""The l2 penalty's gradient as λw, without the factor 2 of the square."""
MODULE = "classification"
EXERCISE = "week1.penalties"
HINT = "missing the factor 2"
EXERCISE_SCORE = 1  # the l1 check at w = 0 does not involve l2_penalty


def l2_penalty(w, lam):
    return float(lam * np.sum(w**2)), lam * w
