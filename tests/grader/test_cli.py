"""The dlgrade command line: exit statuses, results.json, the template check."""

import json
import subprocess
import sys

import pytest

from grader.cli import main
from grader.report import validate_gradescope

from conftest import ROOT

REF = ROOT / "solutions" / "week1_linear_models"
BLANK = ROOT / "student_template" / "week1_linear_models"


def run(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "grader", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_grade_writes_valid_results_json_and_exits_zero(tmp_path):
    """Does `dlgrade grade` on a blank submission exit 0 and write a schema-valid results.json and feedback?"""
    out, md = tmp_path / "results.json", tmp_path / "feedback.md"
    proc = run("grade", "week1", str(BLANK), "--json", str(out), "--markdown", str(md), "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert validate_gradescope(data) == []
    assert data["score"] == 0 and data["tests"]
    assert all(t["name"].startswith("week1.") for t in data["tests"])
    assert {t["visibility"] for t in data["tests"]} == {"visible", "after_published"}
    assert "not implemented yet" in proc.stdout.lower()
    assert "week1.adam" in md.read_text()


def test_grade_reference_prints_full_total():
    """Does grading the reference print a total of full marks?"""
    proc = run("grade", "week1_linear_models", str(REF), "--device", "cpu")
    assert proc.returncode == 0, proc.stderr
    assert "(100.0%)" in proc.stdout


@pytest.mark.parametrize("args", [["grade", "week1", "/no/such/folder"], ["grade", "week9", str(REF)],
                                  ["grade", "week1"], ["frobnicate"]])
def test_grader_that_cannot_run_exits_nonzero(args, capsys):
    """Do bad arguments and unreadable folders give a clear message and a non-zero exit status?"""
    try:
        code = main(args)
    except SystemExit as e:  # argparse usage errors
        code = e.code
    assert code == 2


def test_empty_folder_grades_zero_with_missing_file_messages(tmp_path, capsys):
    """Does an empty submission folder grade to zero, saying which files are missing?"""
    out = tmp_path / "r.json"
    assert main(["grade", "week1", str(tmp_path), "--json", str(out), "--device", "cpu"]) == 0
    data = json.loads(out.read_text())
    assert data["score"] == 0
    assert all("missing" in t["output"] for t in data["tests"])


def test_template_check_passes_on_committed_templates():
    """Are the committed student templates fresh?"""
    proc = run("template", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_runs_public_checks_only(capsys):
    """Does `dlgrade check` run only the public checks?"""
    assert main(["check", "week1", str(REF), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "Public checks only" in out
