"""The dlgrade command line: exit statuses, results.json, the template check."""

import json
import math
import subprocess
import sys

import pytest

import numpy as np

from grader.cli import main, progress_info
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


def test_empty_folder_exits_2_and_results_json_says_nothing_was_found(tmp_path, capsys):
    """Does grading a folder without any of the week's files exit 2 with a clear message, and still
    write a zero-score results.json (Gradescope needs one) that says so, into a folder it creates?"""
    out = tmp_path / "new" / "folder" / "r.json"
    sub = tmp_path / "sub"
    sub.mkdir()
    assert main(["grade", "week1", str(sub), "--json", str(out), "--device", "cpu"]) == 2
    err = capsys.readouterr().err
    assert "no week1_linear_models files found in" in err and "regression.py, classification.py" in err
    data = json.loads(out.read_text())
    assert validate_gradescope(data) == []
    assert data["score"] == 0 and "Nothing was graded: no week1_linear_models files found" in data["output"]
    assert all("missing" in t["output"] for t in data["tests"])
    assert main(["grade", "week1", str(sub), "--device", "cpu"]) == 2  # without --json: the message alone


def test_missing_some_files_is_graded_as_usual(tmp_path, capsys):
    """Is a submission holding only some of the week's files graded (exit 0), not refused?"""
    (tmp_path / "regression.py").write_text((BLANK / "regression.py").read_text())
    assert main(["grade", "week1", str(tmp_path), "--device", "cpu"]) == 0
    assert "is missing" in capsys.readouterr().out


def _layouts(tmp_path):
    """alice: the files; bob: a week folder inside; carol: one other folder inside; dave.zip: a
    zipped week folder; erin.zip: the files at the zip's top."""
    import shutil
    import zipfile

    shutil.copytree(BLANK, tmp_path / "alice")
    shutil.copytree(BLANK, tmp_path / "bob" / "week1_linear_models")
    shutil.copytree(BLANK, tmp_path / "carol" / "my work")
    for name, folder in (("dave.zip", "week1_linear_models/"), ("erin.zip", "")):
        with zipfile.ZipFile(tmp_path / name, "w") as zf:
            for f in sorted(BLANK.glob("*.py")):
                zf.write(f, folder + f.name)
    return ["alice", "bob", "carol", "dave.zip", "erin.zip"]


def test_grade_reads_every_layout_grade_all_reads(tmp_path):
    """Does `dlgrade grade` find the week's files in a folder, in a week folder inside it, in one
    other folder inside it and in a zip (as grade-all does), naming the student in the feedback?"""
    for layout in _layouts(tmp_path):
        out, md = tmp_path / "out" / layout / "r.json", tmp_path / "out" / layout / "f.md"
        assert main(["grade", "week1", str(tmp_path / layout), "--json", str(out), "--markdown", str(md),
                     "--device", "cpu"]) == 0, layout
        data = json.loads(out.read_text())
        assert data["tests"] and all("not implemented" in t["output"].lower() for t in data["tests"]), layout
        assert md.read_text().startswith(f"# Feedback for week1_linear_models: {layout.removesuffix('.zip')}")


def test_grade_refuses_what_is_neither_a_folder_nor_a_zip(tmp_path, capsys):
    """Is a file that is not a .zip refused with exit 2 and a message?"""
    (tmp_path / "regression.py").write_text("")
    assert main(["grade", "week1", str(tmp_path / "regression.py")]) == 2
    assert "neither a folder nor a .zip file" in capsys.readouterr().err


@pytest.mark.parametrize("week, where, words", [
    ("week2", "week1 folder", ["no week2_neural_networks files found", "did you mean week1?"]),
    ("week2", "nested week1", ["no week2_neural_networks files found", "did you mean week1?"]),
    ("week1", "empty", ["no week1_linear_models files found", "expected regression.py"]),
])
def test_check_without_the_weeks_files_says_so_and_exits_2(tmp_path, monkeypatch, capsys, week, where, words):
    """Does `dlgrade check` on a folder holding none of the week's files (another week's, or none)
    exit 2 saying which files it expected and which week the files belong to, instead of a zero score?"""
    import shutil

    folder = {"week1 folder": REF, "nested week1": REF, "empty": None}[where]
    target = tmp_path / "work"
    if folder is None:
        target.mkdir()
    else:
        shutil.copytree(folder, target / "week1_linear_models" if where == "nested week1" else target)
    monkeypatch.chdir(target)
    assert main(["--course", str(ROOT), "check", week, "--device", "cpu"]) == 2
    captured = capsys.readouterr()
    for w in words:
        assert w in captured.err
    assert "Total" not in captured.out
    if where == "empty":
        assert "did you mean" not in captured.err


def test_check_finds_the_week_folder_in_the_current_folder(tmp_path, monkeypatch, capsys):
    """Run from a folder holding the week's folder, does `dlgrade check` grade what is in it?"""
    import shutil

    shutil.copytree(BLANK, tmp_path / "week1_linear_models")
    monkeypatch.chdir(tmp_path)
    assert main(["--course", str(ROOT), "check", "week1", "--device", "cpu"]) == 0
    assert "not implemented" in capsys.readouterr().out.lower()


def test_unreleased_week_names_the_available_ones(tmp_path, capsys):
    """Does asking for a week the course has not released say which weeks are available?"""
    import shutil

    for week in ("week1_linear_models", "week2_neural_networks"):
        shutil.copytree(ROOT / "assignments" / week, tmp_path / "assignments" / week)
    assert main(["--course", str(tmp_path), "grade", "week6", str(REF)]) == 2
    assert "week6_captioning is not released" in capsys.readouterr().err
    assert main(["--course", str(tmp_path), "check", "week6"]) == 2
    assert "(available: week1, week2)" in capsys.readouterr().err


def test_help_lists_the_released_weeks(capsys):
    """Does `dlgrade grade --help` list the weeks released in the course?"""
    with pytest.raises(SystemExit):
        main(["grade", "--help"])
    assert "week1, week2, week3" in " ".join(capsys.readouterr().out.split())


def test_version_comes_from_the_distribution(capsys, monkeypatch):
    """Does `dlgrade --version` print the dlgrade distribution's version, with a fallback when it is
    not installed?"""
    from importlib import metadata

    from grader import provenance

    with pytest.raises(SystemExit) as e:
        main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"dlgrade {provenance.grader_version()}"

    def not_installed(name):
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    assert provenance.grader_version().startswith(__import__("tomllib").loads(
        (ROOT / "pyproject.toml").read_text())["project"]["version"])


@pytest.mark.parametrize("args, message", [
    (["grade", "week1", str(REF), "--call-timeout", "-1"], "--call-timeout must be more than 0 seconds, got -1"),
    (["grade", "week1", str(REF), "--call-timeout", "nan"], "--call-timeout must be a number of seconds, got nan"),
    (["check", "week1", str(REF), "--memory-mb", "10"], "--memory-mb must be at least 256 MB, got 10"),
    (["grade-all", "week1", "SUBS", "--out", "OUT", "--call-timeout", "0"], "--call-timeout must be more than 0"),
    (["grade-all", "week1", "SUBS", "--out", "OUT", "--student-timeout", "-5"],
     "--student-timeout must be a number of seconds above 0, got -5"),
    (["grade-all", "week1", "SUBS", "--out", "OUT", "--student-timeout", "inf"], "--student-timeout must be"),
])
def test_a_limit_that_makes_no_sense_on_the_command_line_exits_2_before_grading(args, message, tmp_path, capsys):
    """Is a negative, zero or non-finite limit on the command line refused with exit status 2 and a message
    naming the option, before anything is graded or written?"""
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    args = [{"SUBS": str(tmp_path / "subs"), "OUT": str(tmp_path / "out")}.get(a, a) for a in args]
    assert main([*args, "--device", "cpu"]) == 2
    assert f"error: {message}" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_rubric_with_a_negative_limit_is_refused_naming_the_key(tmp_path, capsys):
    """Does a week whose rubric sets a negative time limit stop grading with exit status 2, naming the key?"""
    rubric = (ROOT / "assignments" / "week1_linear_models" / "rubric.toml").read_text()
    assert "\nexercise_seconds = 130\n" in rubric
    week = tmp_path / "course" / "assignments" / "week1_linear_models"
    week.mkdir(parents=True)
    (week / "rubric.toml").write_text(rubric.replace("\nexercise_seconds = 130\n", "\nexercise_seconds = -130\n"))
    assert main(["--course", str(tmp_path / "course"), "grade", "week1", str(REF), "--device", "cpu"]) == 2
    assert "error: the rubric's [limits] exercise_seconds must be more than 0 seconds, got -130" in capsys.readouterr().err


def test_template_check_passes_on_committed_templates():
    """Are the committed student templates fresh?"""
    proc = run("template", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_check_runs_public_checks_only(capsys):
    """Does `dlgrade check` run only the public checks?"""
    assert main(["check", "week1", str(REF), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "Public checks only" in out


def test_grading_shows_student_text_on_the_terminal_as_plain_text_only(tmp_path, monkeypatch):
    """Graded on a colour terminal, does a submission that forges training-progress messages full of escape
    sequences and markup (tests/hostile/.../sigmoid_forges_progress_messages_with_terminal_escapes.py), prints
    some and raises some, put no escape sequence of its own on the instructor's terminal (no clipboard write,
    hyperlink, cleared screen, C1 control or bell), nothing forged at all from the progress messages, and no
    raw control character into results.json or feedback.md; and is the isolation warning of --isolation
    rlimits on the terminal only?"""
    import io
    import re

    from rich.console import Console

    from grader import cli
    from grader.course import Week

    week = Week.load("week1", ROOT)
    sub = cli.apply_known_bad(week, ROOT / "tests" / "hostile" / week.name /
                              "sigmoid_forges_progress_messages_with_terminal_escapes.py", tmp_path / week.name)
    escapes = "\\x1b]52;c;ZWNobyBwd25lZA==\\x07 \\x1b[2J\\x1b[H EXC-MARKER \\x9b31m \\x1b]8;;https://evil.example/\\x1b\\\\link"
    with open(sub / "regression.py", "a") as f:
        f.write(f'\n\ndef mse_loss(beta, X, y):\n    print("{escapes}", flush=True)\n    import os\n    os._exit(1)\n'
                f'\n\ndef mse_grad(beta, X, y):\n    raise ValueError("{escapes} [link=https://evil.example/]EXC-LINK[/link]")\n')
    terminal = io.StringIO()
    monkeypatch.setattr(cli, "_console", lambda: Console(file=terminal, force_terminal=True, color_system="truecolor",
                                                         width=160, highlight=False))
    out, md = tmp_path / "results.json", tmp_path / "feedback.md"
    assert main(["grade", "week1", str(sub), "--json", str(out), "--markdown", str(md), "--device", "cpu",
                 "--isolation", "rlimits", "-v"]) == 0
    shown = terminal.getvalue()
    for bad in ("\x1b]", "\x1b[2J", "\x1b[H", "\x9b", "\x07"):
        assert bad not in shown, repr(bad)
    assert "FORGED" not in shown  # forged progress is refused, not even shown as text
    assert "EXC-MARKER" in shown and "\\x1b[2J" in shown  # student text: shown, as text
    assert "[link=https://evil.example/]EXC-LINK[/link]" in shown
    assert "Total: 57 / 63" in shown  # sigmoid (3) is lost to its forgeries, mse (3) to the exceptions
    assert "could read every file" in shown
    raw_controls = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    for path in (out, md):
        text = path.read_text(encoding="utf-8")
        assert "\x1b" not in text and not raw_controls.search(text), path.name
        assert "could read every file" not in text, path.name
    data = json.loads(out.read_text())
    assert not any(raw_controls.search(t["output"]) for t in data["tests"])


def test_training_progress_line_is_built_from_numbers_only():
    """Is the terminal's training status line made from validated numbers, and nothing shown for a forged report?"""
    from grader.cli import training_line

    line = training_line("week2.train_mlp", {"epoch": 3, "epochs": 10, "loss": 0.25, "elapsed": 1.5, "note": "\x1b[2J"})
    assert line.plain == "week2.train_mlp: training epoch 3/10, loss 0.2500, 1.5 s"
    for forged in ({"epoch": "\x1b]52;c;eA==\x07"}, {"epoch": 1, "loss": "[link=https://evil.example]x[/link]"},
                   "\x1b[2J", {"elapsed": float("nan")}):
        assert training_line("week2.train_mlp", forged) is None


@pytest.mark.parametrize("raw, expected", [
    ({"epoch": 3, "epochs": 10, "loss": 0.25, "elapsed": 1.5}, {"epoch": 3, "epochs": 10, "loss": 0.25, "elapsed": 1.5}),
    ({"epoch": np.int64(3), "epochs": 10.0, "loss": np.float32(0.5)}, {"epoch": 3, "epochs": 10, "loss": 0.5}),
    ({"epoch": 1, "loss": float("nan")}, "nan loss"),
    ({"epoch": 1, "extra": "\x1b[2J"}, {"epoch": 1}),
    ({"epoch": "\x1b]52;c;ZXZpbA==\x07", "epochs": 10}, None),
    ({"epoch": 1, "epochs": "\x1b[2J\x1b[HTotal: 63 / 63"}, None),
    ({"epoch": 1, "loss": "[link=https://evil.example]x[/link]"}, None),
    ({"epoch": True}, None),
    ({"epoch": 1.5}, None),
    ({"epoch": -1}, None),
    ({"elapsed": float("inf")}, None),
    ({"elapsed": -2.0}, None),
    ({"loss": [0.5]}, None),
    ({"other": 1}, None),
    ("\x1b[2J", None),
    ([1, 2], None),
])
def test_progress_reports_are_numbers_or_nothing(raw, expected):
    """Is a progress report kept only as the numbers it should be, and dropped whole when
    any field is something else (a string of escape sequences, markup, a bool, a list)?"""
    info = progress_info(raw)
    if expected == "nan loss":
        assert info["epoch"] == 1 and math.isnan(info["loss"])
    else:
        assert info == expected
        assert info is None or all(type(v) in (int, float) for v in info.values())


# ------------------------------------------------------- what the terminal and logs show

LONG_FEEDBACK = ("after step 3, parameter 0 (the weights of the first layer), index (12, 7): got 0.41237, expected "
                 "-0.39815; the update has the wrong sign, so the loss grows instead of shrinking. Check that the "
                 "gradient is subtracted and that the momentum buffer starts at zero.")


def fake_grading(calls):
    """A stand-in for grade_submission that answers at once: one exercise lost points with LONG_FEEDBACK."""
    from grader.scoring import CheckResult, GradeReport

    def grade(week, folder, **kwargs):
        calls.append(folder)
        if kwargs.get("progress"):
            kwargs["progress"]("week1.adam", 0, 1)
        return GradeReport(week.name, folder.name, [CheckResult("week1.sgd", "update", "passed", 2, 2),
                                                    CheckResult("week1.adam", "steps", "failed", 0, 3, LONG_FEEDBACK)])
    return grade


def test_demo_says_what_it_grades_and_prints_each_week_when_it_is_done(monkeypatch, capsys):
    """Written to a log, does `dlgrade demo` print a line before each submission it grades ("week1: grading
    reference (1/N)…"), one per submission, and each week's table before the next week starts?"""
    from grader import cli

    calls = []
    monkeypatch.setattr(cli, "grade_submission", fake_grading(calls))
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["demo", "week1", "week2"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    started = [line for line in lines if ": grading " in line]
    assert len(started) == len(calls) > 4
    n1 = sum(1 for line in started if line.startswith("week1: "))
    assert started[0] == f"week1: grading reference (1/{n1})…"
    assert started[1] == f"week1: grading blank template (2/{n1})…"
    assert started[n1].startswith("week2: grading reference (1/")
    assert "week1.adam (1/1)" not in out  # a log gets one line per submission, not per exercise
    assert out.index("week1_linear_models: bundled example submissions") < out.index("week2: grading reference")
    assert out.index(f"week1: grading reference (1/{n1})") < out.index("week1_linear_models: bundled example")


def test_demo_feedback_column_is_readable_in_a_log_file(monkeypatch, capsys):
    """In a log file, is the demo's feedback column wide (not 13 characters) and the message whole in it?"""
    from grader import cli

    monkeypatch.setattr(cli, "grade_submission", fake_grading([]))
    monkeypatch.delenv("COLUMNS", raising=False)
    assert main(["demo", "week1"]) == 0
    out = capsys.readouterr().out
    rows = [line.split("│") for line in out.splitlines() if line.startswith("│")]
    first = [cells for cells in rows][: next(i for i, cells in enumerate(rows[1:], 1) if cells[1].strip())]
    feedback = " ".join(cells[3].strip() for cells in first)
    assert feedback == f"week1.adam: {LONG_FEEDBACK}"
    assert min(len(cells[3]) for cells in rows) >= 50
    assert max(len(line) for line in out.splitlines()) <= 120


def test_progress_shows_in_a_log_without_flooding_it():
    """Outside a terminal, is there one line per exercise started and at most one training line every
    30 s; on a terminal, one status line per report, overwritten by the next?"""
    import io
    import re

    from rich.console import Console

    from grader import cli

    log = io.StringIO()
    console = Console(file=log, width=100)
    now = [0.0]
    progress, training = cli._progress(console), cli._training_progress(console, clock=lambda: now[0])
    progress("week2.train_mlp", 3, 12)
    for t in (0.0, 1.0, 29.0, 31.0, 40.0):
        now[0] = t
        training("week2.train_mlp", {"epoch": int(t), "epochs": 50, "loss": 0.5})
    assert log.getvalue().splitlines() == ["grading week2.train_mlp (4/12)…",
                                           "week2.train_mlp: training epoch 0/50, loss 0.5000",
                                           "week2.train_mlp: training epoch 31/50, loss 0.5000"]
    tty = io.StringIO()
    console = Console(file=tty, width=60, force_terminal=True, no_color=True)
    training = cli._training_progress(console, clock=lambda: 0.0)
    for epoch in range(3):
        training("week2.train_mlp", {"epoch": epoch})
    shown = re.sub(r"\x1b\[[0-9;]*m", "", tty.getvalue()).split("\r")
    assert len(shown) == 4 and shown[-1] == ""
    assert all(len(s) == 59 for s in shown[:3])  # padded: a shorter line leaves nothing behind


def test_check_names_the_students_folder_not_the_week_twice(tmp_path, capsys):
    """Checking alice/week1_linear_models, does the title name alice rather than the week a second time?"""
    import shutil

    sub = tmp_path / "alice" / "week1_linear_models"
    shutil.copytree(BLANK, sub)
    assert main(["check", "week1", str(sub), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "week1_linear_models · alice · public checks only" in out
    assert "week1_linear_models · week1_linear_models" not in out
