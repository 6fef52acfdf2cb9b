"""The weekly contract (weekly_contract.py) for week 4, in a file of its own so that it runs beside
weeks 1–3's: its trained exercises make it the slowest week to grade."""

from weekly_contract import *  # noqa: F401,F403 (the tests)
from weekly_contract import parametrize

WEEKS = ("week4_autoencoders",)


def pytest_generate_tests(metafunc):
    parametrize(metafunc, WEEKS)
