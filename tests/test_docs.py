"""The repository's own docs stay true to the course: docs/exercises.md names every
exercise of every released week, with the file it lives in."""

from grader.course import WEEKS, Week
from grader.kit import released_weeks

from conftest import ROOT

DOC = ROOT / "docs" / "exercises.md"


def test_exercises_doc_lists_every_released_exercise_with_its_file():
    """Does docs/exercises.md have a row for every exercise id of every released week, naming its module file?"""
    rows = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 2 and cells[1].startswith("`week") and "." in cells[1]:
            rows[cells[1].strip("`")] = line
    weeks = released_weeks(ROOT)
    assert weeks
    for name in weeks:
        week = Week.load(name, ROOT)
        for exercise, module in week.exercise_modules.items():
            assert exercise in rows, f"{exercise} is not in {DOC.name}"
            assert f"`{module}.py`" in rows[exercise], f"{exercise}'s row does not name {module}.py"
    released = {e for name in weeks for e in Week.load(name, ROOT).exercise_modules}
    assert set(rows) == released  # nothing more: no unreleased or renamed exercise


def test_exercises_doc_says_which_weeks_are_not_released():
    """Is every week without a release listed as not released yet?"""
    text = DOC.read_text()
    for name in WEEKS:
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}`"))
        assert ("not released yet" in row) == (name not in released_weeks(ROOT)), row
