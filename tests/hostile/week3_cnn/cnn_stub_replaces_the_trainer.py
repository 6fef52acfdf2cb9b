"""build_cnn is still the stub; at import the module replaces every training and evaluation step
the worker offers (grader/trainers.py, importable beside child.py) with ones that answer well
whatever the model. The loop, the parameters and the optimizer live in the judge, and every fresh
worker looks its step up before the student's module is imported: the stub stays a stub."""
MODULE = "models"
EXERCISE = "week3.cnn"
HINT = "Not implemented"
CHEAT = True


def build_cnn(in_channels, num_classes):
    raise NotImplementedError("week3.cnn")


if CHEAT:
    import sys

    import numpy as np

    for name in ("trainers", "grader.trainers"):
        try:
            trainers = __import__(name, fromlist=["_"])
        except ImportError:
            continue

        def fake_build(*args, **kwargs):
            return nn.Linear(1, 4)

        def fake_predict(model, kind, X, *args, **kwargs):
            return np.tile(np.eye(4)[0] * 9.0, (len(X), 1))

        def fake_train(*args, **kwargs):  # the trainer of earlier releases
            X_eval = args[5] if len(args) > 5 else kwargs.get("X_eval")
            return {"predictions": np.zeros(len(X_eval), dtype=np.int64), "history": [0.1], "seconds": 0.0,
                    "stopped_early": False, "device": "cpu"}

        for table in ("OPS", "TRAINERS"):
            ops = getattr(trainers, table, None)
            if isinstance(ops, dict):
                for key in list(ops):
                    ops[key] = {"build": fake_build, "predict": fake_predict}.get(key, fake_train)
        sys.modules[name] = trainers
