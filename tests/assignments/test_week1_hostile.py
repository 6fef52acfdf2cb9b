"""Hostile and broken week 1 submissions: each attack is confined to the exercise
it sits in, scores what the honest behaviour earns, and the grader keeps going."""


import numpy as np
import pytest

from grader.cli import apply_known_bad, known_bad_meta
from grader.course import Week
from grader.engine import grade_submission
from grader.sandbox import Limits
from grader.scoring import PASSED

from conftest import ROOT

WEEK = Week.load("week1", ROOT)
ATTACKS = sorted((ROOT / "tests" / "hostile" / WEEK.name).glob("*.py"))
LIMITS = Limits.from_rubric(WEEK.rubric, call_seconds=2, import_seconds=2, exercise_seconds=8, memory_mb=2048)


@pytest.mark.parametrize("attack", ATTACKS, ids=[p.stem for p in ATTACKS])
def test_attack_costs_only_its_exercise(attack, tmp_path):
    """Does the attacked exercise score only what honest behaviour earns, with the others untouched?"""
    meta = known_bad_meta(attack)
    sub = apply_known_bad(WEEK, attack, tmp_path / WEEK.name)
    before = np.allclose(1.0, 2.0)
    report = grade_submission(WEEK, sub, device="cpu", limits=LIMITS)
    assert np.allclose(1.0, 2.0) == before is False  # the judge's numpy is untouched
    targets = meta["EXERCISE"].split()
    for e in report.exercises():
        if e.id in targets:
            if meta["EXERCISE_SCORE"] is None:
                assert e.score == e.max_score, [c.output for c in e.checks]
            else:
                assert e.score == meta["EXERCISE_SCORE"], [(c.status, c.output) for c in e.checks]
                failing = "\n".join(c.output for c in e.checks if c.status != PASSED)
                hints = meta["HINT"] if isinstance(meta["HINT"], tuple) else (meta["HINT"],)
                assert any(h in failing for h in hints), failing
        else:
            assert e.score == e.max_score, (e.id, [c.output for c in e.checks if c.status != PASSED])
    for r in report.results:  # feedback stays small and readable, and no check breaks
        assert len(r.output) < 3000
        assert "Internal grader error" not in r.output


def test_syntax_error_costs_only_that_file(tmp_path):
    """Does a syntax error in one module cost only the exercises in that module, naming the line?"""
    sub = tmp_path / WEEK.name
    apply_known_bad(WEEK, ATTACKS[0], sub)  # any copy of the reference
    for f in sub.glob("*.py"):
        f.write_text((WEEK.solution_dir / f.name).read_text())
    (sub / "classification.py").write_text("def sigmoid(z:\n    return z\n")
    report = grade_submission(WEEK, sub, device="cpu", limits=LIMITS)
    for e in report.exercises():
        if WEEK.exercise_modules[e.id] == "classification":
            assert e.score == 0 and all("SyntaxError" in c.output and "line 1" in c.output for c in e.checks)
        else:
            assert e.score == e.max_score


def test_missing_file_and_non_python_file(tmp_path):
    """Does a missing module and a module that is not Python give clear messages and zero for their exercises only?"""
    sub = tmp_path / WEEK.name
    sub.mkdir()
    for f in WEEK.solution_dir.glob("*.py"):
        (sub / f.name).write_text(f.read_text())
    (sub / "optimizers.py").unlink()
    (sub / "training.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    report = grade_submission(WEEK, sub, device="cpu", limits=LIMITS)
    for e in report.exercises():
        module = WEEK.exercise_modules[e.id]
        if module == "optimizers":
            assert e.score == 0 and all("optimizers.py is missing" in c.output for c in e.checks)
        elif module == "training":
            assert e.score == 0 and all("training.py could not be imported" in c.output for c in e.checks)
        else:
            assert e.score == e.max_score
