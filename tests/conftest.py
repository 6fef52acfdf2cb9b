"""Shared fixtures: the repository's course, and graded example submissions."""

import shutil
from pathlib import Path

import pytest

from grader.cli import apply_known_bad, known_bad_meta
from grader.course import Week
from grader.engine import grade_submission

ROOT = Path(__file__).resolve().parents[1]


def known_bad_patches(week_name: str) -> list[Path]:
    return sorted((ROOT / "examples" / week_name / "known_bad").glob("*.py"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def grade(tmp_path_factory):
    """grade(week, folder=None, patch=None, mode="grade") -> GradeReport, memoised per session.
    With `patch`, the folder is a copy of the reference with that known-bad patch applied."""
    cache = {}

    def _grade(week: str, folder: Path | None = None, patch: Path | None = None, mode: str = "grade"):
        key = (week, str(folder), str(patch), mode)
        if key not in cache:
            w = Week.load(week, ROOT)
            if patch is not None:
                folder = apply_known_bad(w, patch, tmp_path_factory.mktemp("bad") / w.name)
            cache[key] = grade_submission(w, folder, mode=mode, device="cpu")
        return cache[key]

    return _grade


__all__ = ["ROOT", "known_bad_patches", "known_bad_meta", "shutil"]
