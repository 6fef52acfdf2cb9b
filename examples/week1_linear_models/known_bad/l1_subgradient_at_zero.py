"""The l1 subgradient as λ where w ≥ 0 and −λ elsewhere, so it is λ (not 0) at w = 0."""
MODULE = "classification"
EXERCISE = "week1.penalties"
HINT = "exactly 0"
EXERCISE_SCORE = 2  # right wherever no weight is exactly 0


def l1_penalty(w, lam):
    return float(lam * np.sum(np.abs(w))), lam * np.where(w >= 0, 1.0, -1.0)
