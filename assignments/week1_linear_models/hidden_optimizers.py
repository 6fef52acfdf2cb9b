"""Hidden checks for optimizers.py: longer runs, three parameters of different
shapes, gradients from 1e-9 to 1e2 (so a misplaced eps shows), and
hyperparameters other than the defaults, passed by keyword."""

from grader.registry import check

from .public_optimizers import OPTIMIZERS, follow_trajectory

SHAPES = [(4,), (3, 5), (2, 2, 3)]

# Non-default hyperparameters, so that a hard-coded default is caught.
HYPER = {
    "week1.sgd": {},
    "week1.momentum": {"momentum": 0.7},
    "week1.nesterov": {"momentum": 0.6},
    "week1.adagrad": {"eps": 1e-7},
    "week1.rmsprop": {"alpha": 0.9, "eps": 1e-6},
    "week1.adam": {"betas": (0.8, 0.99), "eps": 1e-7},
}


def _defaults_check(exercise):
    @check(exercise, points=2, name="matches torch.optim over 50 steps, gradients from 1e-9 to 1e2, default settings")
    def long_run_defaults(sub, ref):
        """Check that the optimizer follows torch.optim for 50 steps on three parameters with tiny and large gradients."""
        follow_trajectory(sub, exercise, SHAPES, steps=50, scales=(1e-9, 1e2), seed=7, lr=0.01, hp={})

    return long_run_defaults


def _settings_check(exercise):
    settings = ", ".join(f"{k}={v}" for k, v in HYPER[exercise].items()) or "lr=0.3"

    @check(exercise, points=1, name=f"matches torch.optim over 30 steps with {settings}")
    def long_run_settings(sub, ref):
        """Check that the optimizer honours hyperparameters passed by keyword."""
        lr = 0.3 if not HYPER[exercise] else 0.02
        follow_trajectory(sub, exercise, SHAPES, steps=30, scales=(1e-6, 1e1), seed=11, lr=lr, hp=HYPER[exercise])

    return long_run_settings


for _exercise in OPTIMIZERS:
    _short = _exercise.split(".")[1]
    globals()[f"{_short}_long_run"] = _defaults_check(_exercise)
    globals()[f"{_short}_settings"] = _settings_check(_exercise)
