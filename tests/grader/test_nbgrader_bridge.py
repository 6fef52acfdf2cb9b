"""The nbgrader bridge on a synthetic course (no exchange, no nbgrader command): how the
judge's points reach the gradebook, the autograded notebook, and the flags. The judge
is replaced by canned reports except where a test says otherwise."""

import csv
import shutil
import sqlite3
import subprocess
import sys

import pytest

pytest.importorskip("nbgrader")

import nbformat  # noqa: E402
from nbgrader.api import Gradebook  # noqa: E402

from grader import jobs  # noqa: E402
from grader import nbgrader_bridge as bridge  # noqa: E402
from grader.jobs import GRADED, Outcome  # noqa: E402
from grader.course import Week  # noqa: E402
from grader.notebook import exercise_points, grade_id_of  # noqa: E402
from grader.scoring import FAILED, HIDDEN, PASSED, PUBLIC, CheckResult, GradeReport  # noqa: E402

from conftest import CLASS_ISOLATION, ROOT  # noqa: E402

WEEK = Week.load("week1", ROOT)
NAME = WEEK.name
POINTS = exercise_points(WEEK)


def report(earned: dict[str, tuple[float, float]] | None = None, name: str = "sub") -> GradeReport:
    """A judge's report where each exercise has a 1-point public check and a hidden check
    worth the rest; `earned` maps an exercise to (public points, hidden points)."""
    results = []
    for ex, total in POINTS.items():
        pub, hid = (earned or {}).get(ex, (0.0, 0.0))
        results.append(CheckResult(ex, "public check", PASSED if pub == 1 else FAILED, pub, 1.0,
                                   "" if pub == 1 else "got 0.41, expected 0.39", PUBLIC))
        results.append(CheckResult(ex, "hidden check", PASSED if hid == total - 1 else FAILED, hid, total - 1,
                                   "" if hid == total - 1 else "wrong on other inputs", HIDDEN))
    return GradeReport(week=NAME, submission=name, results=results)


FULL = {ex: (1.0, p - 1) for ex, p in POINTS.items()}


@pytest.fixture
def judge(monkeypatch):
    """Replace the judge: judge[student] = GradeReport (default: zero everywhere)."""
    canned = {}

    def fake(week, job, **kw):
        r = canned.get(job.student, report(name=job.student))
        return Outcome(GRADED, job.student, job.fingerprint, report=r.to_dict())

    monkeypatch.setattr(jobs, "run_job", fake)
    monkeypatch.setattr(bridge, "DEFAULT_EXECUTOR", "inline")  # in this process, where the fake is
    return canned


def released(course):
    nb = nbformat.read(course / "source" / NAME / f"{NAME}.ipynb", as_version=4)
    for cell in nb.cells:
        cell.source = bridge.strip_hidden_tests(cell.source)
    return nb


def submit(course, student, notebook="released", modules=True):
    """Put a collected submission in place; `notebook` is a notebook, "released", or None."""
    dest = course / "submitted" / student / NAME
    dest.mkdir(parents=True)
    if modules:
        for f in (ROOT / "student_template" / NAME).glob("*.py"):
            shutil.copy(f, dest / f.name)
    if notebook is not None:
        nbformat.write(released(course) if notebook == "released" else notebook, dest / f"{NAME}.ipynb")
    (dest / "timestamp.txt").write_text("2025-03-01 12:00:00.000000 UTC")
    return dest


def cell_of(nb, exercise):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id_of(exercise))


def ran(cell, text, n=1):
    cell.execution_count = n
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": text}, execution_count=n)]


def autograde(course, **kw):
    return bridge.autograde(WEEK, course, **({"isolation": CLASS_ISOLATION[-1]} if CLASS_ISOLATION else {}), **kw)


def gradebook(course):
    return Gradebook(f"sqlite:///{course / 'gradebook.db'}")


# ------------------------------------------------------------------ gradebook


def test_judge_points_become_each_grade_cells_auto_score(course, judge):
    """Does each grade cell's auto_score equal the judge's points for its exercise (sum over its checks)?"""
    submit(course, "alice")
    submit(course, "bob")
    judge["alice"] = report(FULL)
    judge["bob"] = report({"week1.adam": (1.0, 2.0)})
    run = autograde(course)
    assert [(g.student, g.score, g.max_score) for g in run.graded] == [("alice", 63, 63), ("bob", 3, 63)]
    with gradebook(course) as gb:
        assert gb.find_submission(NAME, "alice").score == 63
        bob = gb.find_submission(NAME, "bob")
        assert bob.score == 3 and bob.max_score == 63
        assert bob.timestamp.year == 2025
        adam = gb.find_grade(grade_id_of("week1.adam"), NAME, NAME, "bob")
        assert adam.auto_score == 3 and adam.max_score == 4 and not adam.needs_manual_grade
        assert gb.find_grade(grade_id_of("week1.sgd"), NAME, NAME, "bob").auto_score == 0


def test_assignment_created_from_the_source_notebook_when_generate_assignment_did_not_run(course, judge):
    """Without generate_assignment, does autograde record the assignment and its 18 grade cells from source/?"""
    submit(course, "alice")
    autograde(course)
    with gradebook(course) as gb:
        nb = gb.find_notebook(NAME, NAME)
        assert {c.name: c.max_score for c in nb.grade_cells} == {grade_id_of(e): p for e, p in POINTS.items()}


def test_missing_assignment_and_source_fails_with_instructions(course, judge):
    """With neither an assignment in the gradebook nor a source notebook, does autograde say to run generate_assignment?"""
    submit(course, "alice")
    (course / "source" / NAME / f"{NAME}.ipynb").unlink()
    with pytest.raises(bridge.BridgeError, match="generate_assignment"):
        autograde(course)


def test_rerun_keeps_manual_scores_and_replaces_auto_scores(course, judge):
    """When grading again, does a grader's manual score stay (flagged for review) while auto scores update?"""
    submit(course, "bob")
    autograde(course)
    with gradebook(course) as gb:
        g = gb.find_grade(grade_id_of("week1.sgd"), NAME, NAME, "bob")
        g.manual_score = 2.0
        gb.db.commit()
    judge["bob"] = report({"week1.adam": (1.0, 3.0)})
    assert autograde(course).graded[0].score == 2  # the same submission: its stored result
    run = autograde(course, force=True)
    assert run.graded[0].score == 6
    with gradebook(course) as gb:
        sgd = gb.find_grade(grade_id_of("week1.sgd"), NAME, NAME, "bob")
        assert sgd.manual_score == 2 and sgd.needs_manual_grade
        assert gb.find_grade(grade_id_of("week1.adam"), NAME, NAME, "bob").auto_score == 4
        assert gb.find_submission(NAME, "bob").score == 6


def test_points_scaled_when_gradebook_and_rubric_disagree(course, judge):
    """If a grade cell is worth other points than the rubric gives its exercise, is the score scaled, with a note?"""
    nb = nbformat.read(course / "source" / NAME / f"{NAME}.ipynb", as_version=4)
    cell_of(nb, "week1.adam").metadata.nbgrader.points = 8
    nbformat.write(nb, course / "source" / NAME / f"{NAME}.ipynb")
    submit(course, "bob")
    judge["bob"] = report({"week1.adam": (1.0, 2.0)})
    run = autograde(course)
    with gradebook(course) as gb:
        assert gb.find_grade(grade_id_of("week1.adam"), NAME, NAME, "bob").auto_score == 6
    assert any("scaled" in n for n in run.graded[0].notes)


def test_student_without_notebook_or_modules_still_scored(course, judge):
    """Are a submission without its notebook and one without module files both scored, with a note?"""
    submit(course, "carol", notebook=None)
    submit(course, "dan", modules=False)
    judge["carol"] = report(FULL)
    run = autograde(course)
    carol = next(g for g in run.graded if g.student == "carol")
    assert carol.score == 63 and any("missing" in n for n in carol.notes)
    nb = nbformat.read(course / "autograded" / "carol" / NAME / f"{NAME}.ipynb", as_version=4)
    assert "missing from your submission" in nb.cells[0].source
    assert len(bridge.grade_cells(nb)) == 18
    with gradebook(course) as gb:
        assert gb.find_submission(NAME, "dan").score == 0


@pytest.mark.parametrize("content", ["{not json", '{"cells": "x", "metadata": [], "nbformat": 4, "nbformat_minor": 5}'])
def test_broken_notebook_counts_as_missing(course, judge, content):
    """Is a notebook that is not valid JSON, or not a valid notebook, treated as missing rather than crashing?"""
    dest = submit(course, "gus", notebook=None)
    (dest / f"{NAME}.ipynb").write_text(content)
    judge["gus"] = report(FULL)
    run = autograde(course)
    assert run.graded[0].score == 63 and any("unreadable" in n for n in run.graded[0].notes)


def test_only_named_students(course, judge):
    """Does --student grade just that student, and is an unknown student an error?"""
    submit(course, "alice")
    submit(course, "bob")
    assert [g.student for g in autograde(course, students=["bob"]).graded] == ["bob"]
    with pytest.raises(bridge.BridgeError, match="zed"):
        autograde(course, students=["zed"])


# ------------------------------------------------------------------------ flags


def test_flags_only_claims_the_judge_does_not_confirm(course, judge):
    """Is a saved result flagged only when it matches neither the judge's public points nor its total?"""
    nb = released(course)
    ran(cell_of(nb, "week1.adam"), "4")  # judge: 0 -> flagged
    ran(cell_of(nb, "week1.sgd"), "1.0")  # the public check's point, as the released cell computes it
    ran(cell_of(nb, "week1.momentum"), "4")  # the judge's total (an instructor's run)
    ran(cell_of(nb, "week1.adagrad"), "'all good'")  # nbgrader reads unreadable output as full marks
    cell_of(nb, "week1.rmsprop").execution_count = 5  # ran clean with no result: nbgrader's full marks
    submit(course, "dave", nb)
    submit(course, "alice")
    judge["dave"] = report({"week1.sgd": (1.0, 0.0), "week1.momentum": (1.0, 3.0)})
    run = autograde(course)
    flagged = {(f.exercise, f.notebook_reported, f.judge) for f in run.flags}
    assert flagged == {("week1.adam", 4, 0), ("week1.adagrad", 4, 0), ("week1.rmsprop", 4, 0)}
    with open(course / bridge.FLAGS_FILE, newline="") as f:
        rows = list(csv.DictReader(f))
    assert {(r["student"], r["exercise"]) for r in rows} == {("dave", e) for e, _, _ in flagged}
    assert tuple(rows[0]) == bridge.FLAG_COLUMNS
    with gradebook(course) as gb:
        assert gb.find_submission_notebook(NAME, NAME, "dave").flagged
        assert not gb.find_submission_notebook(NAME, NAME, "alice").flagged


def test_flags_file_keeps_other_weeks_and_students(course, judge):
    """Does a new run replace only its own (week, student) rows of dlgrade_flags.csv?"""
    (course / bridge.FLAGS_FILE).write_text(
        ",".join(bridge.FLAG_COLUMNS) + "\nweek2_neural_networks,erin,week2.dense,3,0,0,3,x\n"
        f"{NAME},frank,week1.adam,4,0,0,4,x\n{NAME},dave,week1.sgd,4,0,0,4,x\n")
    submit(course, "dave")
    autograde(course)
    lines = (course / bridge.FLAGS_FILE).read_text().splitlines()
    assert len(lines) == 3 and "erin" in lines[1] and "frank" in lines[2]


@pytest.mark.parametrize("outputs, count, expected", [
    ([], None, None),
    ([], 3, 4.0),
    ([{"output_type": "execute_result", "data": {"text/plain": "2.5"}}], 1, 2.5),
    ([{"output_type": "execute_result", "data": {"text/plain": ["2"]}}], 1, 2.0),
    ([{"output_type": "execute_result", "data": {"text/plain": "'text'"}}], 1, 4.0),
    ([{"output_type": "execute_result", "data": {"text/plain": "nan"}}], 1, None),
    ([{"output_type": "error", "ename": "E", "evalue": "", "traceback": []}], 1, None),
    ([{"output_type": "stream", "name": "stderr", "text": "x"}], 1, None),
])
def test_saved_claim_follows_nbgraders_reading(outputs, count, expected):
    """Does saved_claim read a cell's saved outputs as nbgrader would score them (None: no claim)?"""
    cell = nbformat.from_dict({"cell_type": "code", "source": "", "metadata": {"nbgrader": {"points": 4}},
                               "outputs": outputs, "execution_count": count})
    assert bridge.saved_claim(cell) == expected


# ------------------------------------------------------------ autograded notebook


def test_autograded_notebook_is_the_submitted_one_sanitised(course, judge, tmp_path):
    """Are autograder cells restored (no edits, no hidden tests) with the judge's output, duplicates and invented
    grade cells stripped, saved outputs cleared, deleted cells restored, and does nbgrader's feedback render it?"""
    nb = released(course)
    adam = cell_of(nb, "week1.adam")
    adam.source = "points = 4\npoints"
    nb.cells.append(nbformat.from_dict(dict(adam, id="dup")))  # a copy of a grade cell
    bonus = nbformat.v4.new_code_cell("100", id="bonus")
    bonus.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "week1_bonus", "points": 100,
                                  "locked": True, "schema_version": 3}
    nb.cells.append(bonus)
    mine = nbformat.v4.new_code_cell("print('hi')", id="mine")
    mine.outputs = [nbformat.v4.new_output("display_data", data={"text/html": "<script>alert(1)</script>"})]
    nb.cells.append(mine)
    nb.cells.remove(cell_of(nb, "week1.sgd"))
    nb.cells.append(nbformat.v4.new_markdown_cell("### BEGIN HIDDEN TESTS is only text here"))
    submit(course, "eve", nb)
    judge["eve"] = report({"week1.adam": (1.0, 0.0)})
    autograde(course)

    out = nbformat.read(course / "autograded" / "eve" / NAME / f"{NAME}.ipynb", as_version=4)
    graded = bridge.grade_cells(out)
    assert sorted(graded) == sorted(grade_id_of(e) for e in POINTS)
    adam = graded[grade_id_of("week1.adam")]
    assert adam.source == bridge.strip_hidden_tests(cell_of(released(course), "week1.adam").source)
    assert "hidden=True" not in adam.source
    stdout, result = adam.outputs
    assert stdout.text.startswith("week1.adam: 1 / 4 points")
    assert "wrong on other inputs" in stdout.text
    assert result["data"]["text/plain"] == "1"
    assert sum(1 for c in out.cells if "nbgrader" in c.metadata) == 18
    assert all(not c.get("outputs") for c in out.cells if "nbgrader" not in c.metadata)
    assert "restored by the grader" in "".join(c.source for c in out.cells if c.cell_type == "markdown")
    assert (course / "autograded" / "eve" / NAME / "optimizers.py").is_file()

    # nbgrader's own generate_feedback reads it without error and shows the judge's feedback.
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "generate_feedback", NAME, "--student", "eve"],
                          cwd=course, capture_output=True, text=True, timeout=300, env={"HOME": str(tmp_path),
                                                                                         "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr
    html = (course / "feedback" / "eve" / NAME / f"{NAME}.html").read_text()
    assert "week1.adam: 1 / 4 points" in html and "&lt;script&gt;" not in html and "alert(1)" not in html


def test_feedback_text_shows_checks_and_hidden_marks():
    """Does an exercise's feedback list every check with status, points, hidden mark and message?"""
    text = bridge.feedback_text("week1.adam", (1.0, 1.0, 4.0), report({"week1.adam": (1.0, 0.0)}))
    lines = text.splitlines()
    assert lines[0].startswith("week1.adam: 1 / 4 points")
    assert "passed  1/1  public check" in lines[1]
    assert "failed  0/3  hidden check (hidden check)" in lines[2]
    assert lines[3].strip() == "wrong on other inputs"


def test_strip_hidden_tests():
    """Does strip_hidden_tests remove every hidden region and nothing else?"""
    src = "a\n### BEGIN HIDDEN TESTS\nsecret()\n### END HIDDEN TESTS\nb\n  ### BEGIN HIDDEN TESTS\nx\n  ### END HIDDEN TESTS\n"
    assert bridge.strip_hidden_tests(src) == "a\nb\n"


# ---------------------------------------------------------------- gradebook.db


def test_gradebook_restored_when_judging_changes_it(course, judge, monkeypatch):
    """If gradebook.db changes while student code runs, is it restored, the changed copy kept, and a note given?"""
    submit(course, "mallory")
    original = jobs.run_job

    def tampering(week, job, **kw):
        (course / "gradebook.db").write_bytes(b"owned")
        (course / "gradebook.db-journal").write_bytes(b"journal")
        return original(week, job, **kw)

    monkeypatch.setattr(jobs, "run_job", tampering)
    run = autograde(course)
    assert any("restored" in n for n in run.notes) and any("journal" in n for n in run.notes)
    assert (course / "gradebook.db.changed-during-grading").read_bytes() == b"owned"
    assert not (course / "gradebook.db-journal").exists()
    with gradebook(course) as gb:
        assert gb.find_submission(NAME, "mallory").score == 0


def test_real_submission_writing_the_gradebook_changes_nothing(course):
    """With the real judge, does a module that overwrites gradebook.db at import leave the gradebook as it was?"""
    sub = submit(course, "mallory")
    db = course / "gradebook.db"
    (sub / "regression.py").write_text(
        f"import sqlite3\ncon = sqlite3.connect({str(db)!r})\n"
        "con.execute('UPDATE grade SET manual_score = 999')\ncon.commit()\n"
        f"open({str(db)!r}, 'ab').write(b'x' * 100)\n" + (sub / "regression.py").read_text())
    autograde(course)
    with gradebook(course) as gb:
        assert gb.find_submission(NAME, "mallory").score == 0
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT count(*) FROM grade WHERE manual_score IS NOT NULL").fetchone() == (0,)


def test_autograde_isolates_each_failure_and_a_rerun_finishes_the_rest(course, monkeypatch):
    """With the real judges: one student whose sandbox cannot start, one whose timestamp.txt is not a
    time and one whose judge is killed mid-run. Are the others graded and recorded (the broken
    timestamp with a note), the two failures reported "infrastructure" after the bounded attempts and
    kept out of the gradebook (no zero), and does a re-run grade and record them, regrading no one else?"""
    from nbgrader.api import MissingEntry

    submit(course, "alice")
    (submit(course, "bob") / "timestamp.txt").write_text("not a time")
    submit(course, "carol")
    dave = submit(course, "dave")
    for module in WEEK.modules:
        shutil.copy(WEEK.solution_dir / f"{module}.py", dave / f"{module}.py")
    monkeypatch.setenv(jobs.NO_SANDBOX_ENV, "alice")
    monkeypatch.setenv(jobs.KILL_JUDGE_ENV, "carol")
    run = autograde(course, jobs=2, max_tries=2)
    assert sorted(g.student for g in run.graded) == ["bob", "dave"] and not run.complete
    assert run.not_graded["alice"].startswith("infrastructure: the sandbox could not run")
    assert run.not_graded["carol"].startswith("infrastructure: the judge process died while grading it")
    assert all(why.endswith("(2 attempts)") for why in run.not_graded.values())
    bob = next(g for g in run.graded if g.student == "bob")
    assert any("timestamp.txt could not be read as a time" in n for n in bob.notes)
    with gradebook(course) as gb:
        assert gb.find_submission(NAME, "dave").score == 63
        assert gb.find_submission(NAME, "bob").timestamp is None
        for student in ("alice", "carol"):
            with pytest.raises(MissingEntry):
                gb.find_submission(NAME, student)
    results = course / bridge.RESULTS_FOLDER / NAME
    summary = (results / "summary.md").read_text()
    assert "alice" in summary and "carol" in summary and "Could not be graded" in summary
    done = {p.parent.name: p.stat().st_mtime_ns for p in results.glob("*/results.json")}
    assert sorted(done) == ["bob", "dave"]

    monkeypatch.delenv(jobs.NO_SANDBOX_ENV)
    monkeypatch.delenv(jobs.KILL_JUDGE_ENV)
    run = autograde(course, jobs=2)
    assert sorted(g.student for g in run.graded) == ["alice", "bob", "carol", "dave"] and run.complete
    assert {p.parent.name: p.stat().st_mtime_ns for p in results.glob("*/results.json") if p.parent.name in done} == done
    with gradebook(course) as gb:
        assert gb.find_submission(NAME, "dave").score == 63
        assert gb.find_submission(NAME, "alice").score == gb.find_submission(NAME, "carol").score == 0


def test_autograde_cli_exits_1_until_every_student_is_recorded(course, monkeypatch, capsys):
    """Does `dlgrade nbgrader autograde` say who was not graded and exit 1, then 0 once a re-run
    recorded everyone?"""
    from grader.cli import main

    submit(course, "alice")
    submit(course, "bob")
    monkeypatch.setenv(jobs.NO_SANDBOX_ENV, "bob")
    args = ["--course", str(ROOT), "nbgrader", "autograde", "week1", "--nbgrader-course", str(course),
            "--max-tries", "1", *(["--isolation", CLASS_ISOLATION[-1]] if CLASS_ISOLATION else [])]
    assert main(args) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "not recorded: bob: infrastructure: the sandbox could not run" in out and "re-run the same command" in out
    monkeypatch.delenv(jobs.NO_SANDBOX_ENV)
    assert main(args) == 0


# -------------------------------------------------------------------- init, CLI


def test_init_writes_a_course_nbgrader_reads(tmp_path):
    """Does init write source/<week>/ (notebook and every stub file) and a config nbgrader loads with the exchange?"""
    from traitlets.config.loader import PyFileConfigLoader

    course = tmp_path / "idl"
    bridge.init_course(course, ["week1"], root=ROOT)
    src = course / "source" / NAME
    assert sorted(p.name for p in src.iterdir()) == sorted(
        [f"{NAME}.ipynb"] + [p.name for p in (ROOT / "student_template" / NAME).iterdir() if p.name != "__pycache__"])
    cfg = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    assert cfg.CourseDirectory.course_id == "idl"
    assert cfg.CourseDirectory.root == str(course)
    assert cfg.Exchange.root == str(tmp_path / "exchange") and (tmp_path / "exchange").is_dir()
    assert "optimizers.py" in cfg.Autograde.exclude_overwriting[NAME]
    student = PyFileConfigLoader("nbgrader_config_student.py", path=str(course)).load_config()
    assert student.Exchange.root == str(tmp_path / "exchange") and student.CourseDirectory.course_id == "idl"
    with pytest.raises(bridge.BridgeError, match="--force"):
        bridge.init_course(course, ["week1"], root=ROOT)
    with pytest.raises(bridge.BridgeError, match="course id"):
        bridge.init_course(tmp_path / "x", ["week1"], root=ROOT, course_id="a+b")


def test_cli_keeps_the_kits_course_apart_from_nbgraders(capsys):
    """Does `dlgrade --course KIT nbgrader autograde week1 --nbgrader-course DIR` keep both folders apart,
    and is autograde's former `--course DIR` still read as the nbgrader course, with a note?"""
    from grader.cli import build_parser

    parser = build_parser()  # registers the nbgrader subcommand
    args = parser.parse_args(["--course", "kit", "nbgrader", "autograde", "week1", "--nbgrader-course", "nbg",
                              "--student", "a", "--student", "b"])
    assert (args.course, args.nbgrader_course, args.students) == ("kit", "nbg", ["a", "b"])
    assert args.func is bridge.cmd_autograde
    assert "now --nbgrader-course" not in capsys.readouterr().err
    args = parser.parse_args(["--course", "kit", "nbgrader", "autograde", "week1", "--course", "nbg"])
    assert (args.course, args.nbgrader_course) == ("kit", "nbg")
    assert "now --nbgrader-course" in capsys.readouterr().err
    args = parser.parse_args(["nbgrader", "autograde", "week1"])
    assert (args.course, args.nbgrader_course) == (None, None)
    args = parser.parse_args(["nbgrader", "init", "c", "--weeks", "week1", "week2", "--exchange", "x"])
    assert (args.course_dir, args.weeks, args.exchange, args.func) == ("c", ["week1", "week2"], "x", bridge.cmd_init)


def test_autograde_help_shows_the_new_option_only(capsys):
    """Does `dlgrade nbgrader autograde --help` show --nbgrader-course and hide the former --course?"""
    from grader.cli import main

    with pytest.raises(SystemExit):
        main(["nbgrader", "autograde", "--help"])
    out = capsys.readouterr().out
    assert "[--nbgrader-course COURSE_DIR]" in out and "[--course" not in out
    assert not any(line.strip().startswith("--course") for line in out.splitlines())


def test_autograde_defaults_to_the_current_nbgrader_course(tmp_path, monkeypatch):
    """Without --nbgrader-course, is the current folder taken when it is an nbgrader course, and a clear
    error given when it is not?"""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(bridge.BridgeError, match="not an nbgrader course.*--nbgrader-course"):
        bridge.nbgrader_course(None)
    (tmp_path / "nbgrader_config.py").write_text("c = get_config()\n")
    assert bridge.nbgrader_course(None) == tmp_path
    assert bridge.nbgrader_course("elsewhere") == bridge.Path("elsewhere")


def test_autograde_outside_an_nbgrader_course_exits_2(tmp_path, monkeypatch, capsys):
    """Does `dlgrade nbgrader autograde week1` outside an nbgrader course exit 2 with the message?"""
    from grader.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["--course", str(ROOT), "nbgrader", "autograde", "week1"]) == 2
    assert "pass --nbgrader-course" in capsys.readouterr().err
