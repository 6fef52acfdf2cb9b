"""The weekly contract (weekly_contract.py) for weeks 1–3: reference, blank template, known-bad
examples, other correct implementations, exercise ids, public and hidden checks."""

from weekly_contract import *  # noqa: F401,F403 (the tests)
from weekly_contract import parametrize

WEEKS = ("week1_linear_models", "week2_neural_networks", "week3_cnn")


def pytest_generate_tests(metafunc):
    parametrize(metafunc, WEEKS)
