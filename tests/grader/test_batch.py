"""Grading a whole class (grader.cohort, `dlgrade grade-all`): discovery of submissions,
zips, hints and the class summary, and whole batches: a mixed class, a run killed
halfway and resumed, a changed submission, a judge process that dies."""

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from grader import class_summary, cohort, cohort_display, discovery, executors, jobs, store
from grader.cli import apply_known_bad, known_bad_meta, main
from grader.course import Week
from grader.report import validate_gradescope

from conftest import CLASS_ISOLATION, ROOT, kill_after_results, results_snapshot, results_stamps

WEEK = Week.load("week1", ROOT)
MODULES = WEEK.modules
REF, BLANK = WEEK.solution_dir, WEEK.template_dir
KNOWN_BAD = ROOT / "examples" / WEEK.name / "known_bad"
ADAM_BAD = KNOWN_BAD / "adam_without_bias_correction.py"
SOFTMAX_BAD = KNOWN_BAD / "softmax_over_columns.py"


def copy_modules(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for module in MODULES:
        shutil.copy(src / f"{module}.py", dest / f"{module}.py")
    return dest


def zip_modules(src: Path, dest: Path, folder: str = "") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for module in MODULES:
            zf.write(src / f"{module}.py", f"{folder}{module}.py")
    return dest


def grade_all(*args) -> int:
    return main(["grade-all", "week1", *map(str, args), "--device", "cpu", *CLASS_ISOLATION])


stamps = results_stamps


# ----------------------------------------------------------------------- discovery


def test_discover_reads_plain_folders_week_subfolders_and_zips(tmp_path):
    """Are folders, <student>/<week>/ folders, one other folder inside, and zips found, sorted, and
    other files and hidden entries (.git, .DS_Store) ignored with a reason?"""
    copy_modules(REF, tmp_path / "bob")
    copy_modules(REF, tmp_path / "alice" / WEEK.name)
    zip_modules(REF, tmp_path / "carol.zip")
    copy_modules(REF, tmp_path / "dave" / "my work")
    (tmp_path / "dave" / ".ipynb_checkpoints").mkdir()
    copy_modules(REF, tmp_path / "erin")  # files at the top win over a week folder inside
    copy_modules(BLANK, tmp_path / "erin" / WEEK.name)
    (tmp_path / "frank" / "a").mkdir(parents=True)  # no module files anywhere: graded as given
    (tmp_path / "notes.txt").write_text("not a submission")
    (tmp_path / ".DS_Store").write_text("")
    copy_modules(REF, tmp_path / ".git")
    found = discovery.discover(WEEK, tmp_path)
    assert found.layout == "folders"
    assert [(s.student, s.path) for s in found.submissions] == [
        ("alice", tmp_path / "alice" / WEEK.name), ("bob", tmp_path / "bob"), ("carol", tmp_path / "carol.zip"),
        ("dave", tmp_path / "dave" / "my work"), ("erin", tmp_path / "erin"), ("frank", tmp_path / "frank")]
    ignored = dict(found.ignored)
    assert sorted(ignored) == [".DS_Store", ".git", "notes.txt"]
    assert "hidden" in ignored[".git"] and "starts with a dot" in ignored[".DS_Store"]
    assert found.refused == []


def test_grade_and_grade_all_read_a_folder_the_same_way(tmp_path):
    """Does `dlgrade grade`'s submission (submission_at) find the same folder as grade-all's discovery?"""
    copy_modules(REF, tmp_path / "alice" / WEEK.name)
    copy_modules(REF, tmp_path / "dave" / "my work")
    zip_modules(REF, tmp_path / "carol.zip", "x/")
    found = {s.student: s.path for s in discovery.discover(WEEK, tmp_path).submissions}
    for student, path in found.items():
        entry = tmp_path / (student + ".zip" if student == "carol" else student)
        assert discovery.submission_at(WEEK, entry) == discovery.Submission(student, path)


def test_missing_week_files_names_the_week_the_files_belong_to(tmp_path):
    """When none of the week's files is found, does the message name the expected files, and the
    week whose files are there (in a folder, a folder inside it, or a zip); and is it None as soon as
    one of the week's files is there?"""
    week2 = Week.load("week2", ROOT)
    copy_modules(REF, tmp_path / "a" / WEEK.name)
    zip_modules(REF, tmp_path / "b.zip", "deep/er/")
    for path in (tmp_path / "a", tmp_path / "a" / WEEK.name, tmp_path / "b.zip"):
        sub = discovery.submission_at(week2, path)
        with discovery.unpacked(week2, sub) as (folder, _, _notes):
            why = discovery.missing_week_files(week2, sub, folder)
        assert why.startswith(f"no week2_neural_networks files found in {path}: expected perceptron.py, layers.py")
        assert why.endswith("did you mean week1?"), why
    (tmp_path / "c").mkdir()
    sub = discovery.submission_at(WEEK, tmp_path / "c")
    assert "did you mean" not in discovery.missing_week_files(WEEK, sub, sub.path)
    (tmp_path / "c" / "training.py").write_text("")
    assert discovery.missing_week_files(WEEK, sub, sub.path) is None


@pytest.mark.parametrize("give_submitted", [False, True])
def test_discover_reads_nbgrader_layout(tmp_path, give_submitted):
    """Is an nbgrader course (or its submitted/ folder) read as submitted/<student>/<week>/,
    skipping students who submitted only other weeks?"""
    copy_modules(REF, tmp_path / "submitted" / "alice" / WEEK.name)
    copy_modules(BLANK, tmp_path / "submitted" / "bob" / WEEK.name)
    (tmp_path / "submitted" / "carol" / "week2_neural_networks").mkdir(parents=True)
    (tmp_path / "source").mkdir()
    found = discovery.discover(WEEK, tmp_path / "submitted" if give_submitted else tmp_path)
    assert found.layout == "nbgrader"
    assert [(s.student, s.path.parent.name) for s in found.submissions] == [("alice", "alice"), ("bob", "bob")]
    assert [name for name, _ in found.ignored] == ["carol"]


@pytest.mark.parametrize("name", ["bad name", "-rf", "..x", "x" * 101, "ünï", "a;b", "gradebook.csv", "Summary.md"])
def test_unsafe_student_ids_are_refused(name):
    """Is every id that could not safely name a results folder refused with a reason?"""
    assert discovery.unsafe_id(name)


@pytest.mark.parametrize("name", ["alice", "s1234567", "jean-luc.picard", "a_b", "alice@uni.edu"])
def test_ordinary_student_ids_are_accepted(name):
    """Are ordinary ids (logins, numbers, e-mail addresses) accepted?"""
    assert discovery.unsafe_id(name) is None


def test_discover_refuses_unsafe_and_duplicate_ids_without_crashing(tmp_path):
    """Are unsafe folder and zip names, and ids given twice (even in another case), refused
    with a reason, the rest kept?"""
    for name in ("bad name", "alice", "gradebook.csv", "bob"):
        copy_modules(REF, tmp_path / name)
    zip_modules(REF, tmp_path / "evil$(rm).zip")
    zip_modules(REF, tmp_path / "Alice.zip")
    found = discovery.discover(WEEK, tmp_path)
    assert [s.student for s in found.submissions] == ["bob"]
    refused = dict(found.refused)
    assert sorted(refused) == ["Alice.zip", "alice", "bad name", "evil$(rm).zip", "gradebook.csv"]
    assert "the same student id as alice" in refused["Alice.zip"]


def test_discover_leaves_out_a_results_folder_inside(tmp_path):
    """Is RESULTS_DIR, when it lies inside SUBMISSIONS_DIR, not taken for a student?"""
    copy_modules(REF, tmp_path / "alice")
    (tmp_path / "results").mkdir()
    found = discovery.discover(WEEK, tmp_path, exclude=(tmp_path / "results").resolve())
    assert [s.student for s in found.submissions] == ["alice"]


# ---------------------------------------------------------------------------- zips


@pytest.mark.parametrize("folder", ["", "week1_linear_models/", "my work/"])
def test_zip_modules_at_top_or_in_one_folder_are_extracted(tmp_path, folder):
    """Are the modules extracted whether they sit at the zip's top or in one folder?"""
    z = zip_modules(REF, tmp_path / "alice.zip", folder)
    dest = tmp_path / "out"
    dest.mkdir()
    assert discovery.extract_zip(z, dest, MODULES) == []
    assert sorted(p.name for p in dest.iterdir()) == sorted(f"{m}.py" for m in MODULES)
    assert (dest / "optimizers.py").read_bytes() == (REF / "optimizers.py").read_bytes()


def test_zip_takes_the_shallowest_folder_and_skips_macos_metadata(tmp_path):
    """With copies at two depths (and __MACOSX noise), are the shallowest ones used?"""
    z = tmp_path / "a.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("deep/er/regression.py", "DEEP = 1\n")
        zf.writestr("top/regression.py", "TOP = 1\n")
        zf.writestr("__MACOSX/regression.py", "MAC = 1\n")
    dest = tmp_path / "out"
    dest.mkdir()
    discovery.extract_zip(z, dest, MODULES)
    assert (dest / "regression.py").read_text() == "TOP = 1\n"


def test_corrupt_zip_gives_a_note_and_nothing(tmp_path):
    """Is a file that is not a zip reported in a note, nothing extracted, nothing raised?"""
    z = tmp_path / "alice.zip"
    z.write_bytes(b"PK\x03\x04 this is not really a zip")
    dest = tmp_path / "out"
    dest.mkdir()
    notes = discovery.extract_zip(z, dest, MODULES)
    assert len(notes) == 1 and "could not be read as a zip file" in notes[0]
    assert list(dest.iterdir()) == []


def test_zip_never_writes_outside_and_never_extracts_links(tmp_path):
    """Are members with `..` or absolute paths and symbolic links skipped (with a note),
    and nothing written outside the destination?"""
    z = tmp_path / "alice.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("../regression.py", "EVIL = 1\n")
        zf.writestr("/tmp/classification.py", "EVIL = 1\n")
        zf.writestr("a/../../optimizers.py", "EVIL = 1\n")
        link = zipfile.ZipInfo("training.py")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    dest = tmp_path / "deep" / "out"
    dest.mkdir(parents=True)
    notes = discovery.extract_zip(z, dest, MODULES)
    assert list(dest.iterdir()) == []
    assert not (tmp_path / "deep" / "regression.py").exists() and not (tmp_path / "optimizers.py").exists()
    assert sum("outside the archive" in n for n in notes) == 3
    assert sum("symbolic link" in n for n in notes) == 1


def test_zip_bomb_and_too_many_members_are_not_extracted(tmp_path):
    """Is a zip that unpacks past the size cap, or holds too many entries, left unextracted?"""
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("regression.py", b"0" * (discovery.ZIP_MAX_BYTES + 1))
    assert bomb.stat().st_size < 100_000
    many = tmp_path / "many.zip"
    with zipfile.ZipFile(many, "w") as zf:
        for i in range(11):
            zf.writestr(f"junk{i}.txt", "")
        zf.writestr("regression.py", "X = 1\n")
    for z, kwargs, words in ((bomb, {}, "MB"), (many, {"max_members": 10}, "entries")):
        dest = tmp_path / z.stem
        dest.mkdir()
        notes = discovery.extract_zip(z, dest, MODULES, **kwargs)
        assert len(notes) == 1 and words in notes[0] and "nothing was extracted" in notes[0]
        assert list(dest.iterdir()) == []


# --------------------------------------------------------------------- fingerprints


def test_grading_key_follows_the_graders_version_and_source(monkeypatch):
    """Does the grading key change with the dlgrade version and with the grader's own source files
    (an edited checkout regrades), and only with what it depends on?"""
    key = store.grading_key(WEEK, {"device": "cpu"})
    assert store.grading_key(WEEK, {"device": "cpu"}) == key
    assert store.grading_key(WEEK, {"device": "cuda"}) != key
    monkeypatch.setattr(store, "grader_version", lambda: "99.0")
    assert store.grading_key(WEEK, {"device": "cpu"}) != key
    monkeypatch.undo()
    monkeypatch.setattr(store, "grader_digest", lambda: "0" * 64)
    assert store.grading_key(WEEK, {"device": "cpu"}) != key


def test_grader_digest_covers_the_packages_source_files(tmp_path, monkeypatch):
    """Is the grader's digest that of grader/*.py, changing when one of them changes?"""
    from grader import provenance

    fake = tmp_path / "grader"
    fake.mkdir()
    (fake / "a.py").write_text("A = 1\n")
    (fake / "provenance.py").write_text("")
    monkeypatch.setattr(provenance, "__file__", str(fake / "provenance.py"))
    before = provenance.grader_digest()
    (fake / "notes.txt").write_text("not source")
    assert provenance.grader_digest() == before
    (fake / "a.py").write_text("A = 2\n")
    assert provenance.grader_digest() != before


def test_fingerprint_follows_the_module_files_only(tmp_path):
    """Does the fingerprint change with a module file's content, and only with that?"""
    sub = discovery.Submission("alice", copy_modules(REF, tmp_path / "alice"))
    before = store.fingerprint(sub, MODULES, "key")
    (tmp_path / "alice" / "notes.txt").write_text("unrelated")
    assert store.fingerprint(sub, MODULES, "key") == before
    assert store.fingerprint(sub, MODULES, "other key") != before
    with open(tmp_path / "alice" / "training.py", "a") as f:
        f.write("\n# changed\n")
    assert store.fingerprint(sub, MODULES, "key") != before


# ---------------------------------------------------------------------------- hints


@pytest.mark.parametrize("status, output, mistake, hint", [
    ("failed", "after step 3 ...: got 0.41, expected 0.39. This is exactly what Adam without bias correction gives.",
     "Adam without bias correction", "Adam without bias correction"),
    ("failed", "at (2, 1): got 1.5\nexpected 2.", "softmax over columns (axis=0)", "softmax over columns (axis=0)"),
    # a message that merely reads like a diagnosis names no mistake: only the field does
    ("failed", "got 2: this is exactly what a lucky guess gives.", "", "got #: this is exactly what a lucky guess gives."),
    ("not implemented", "Not implemented yet: week1.adam still raises NotImplementedError.", "", "not implemented yet"),
    ("timeout", "Your code did not finish within 20 s and was stopped.", "", "timed out"),
    ("error", "Your code raised an exception: NameError: name 'np' is not defined\n  File ...", "", "raised NameError"),
    ("error", "Your code raised an exception: SGD.step raised SystemExit: 0", "", "raised SystemExit"),
    ("error", "Your code raised an exception: ridge (memory limit 4096 MB) raised MemoryError: Unable to allocate", "",
     "raised MemoryError"),
    ("error", "regression.py is missing from the submission", "",
     "regression.py is missing from the submission"),
    ("failed", "index 0 came before index 1 in 86% of 200 epochs, expected about 50%", "",
     "index # came before index # in #% of # epochs, expected about #%"),
])
def test_check_hint(status, output, mistake, hint):
    """Does a check's hint name the known mistake (from the failure's field, never read back
    from its text), the status, the exception, or the normalised first line?"""
    assert class_summary.check_hint(status, output, mistake) == hint


def test_hints_of_similar_messages_group_together():
    """Do two messages that differ only in their numbers give the same hint, and do names
    with digits in them (week1, float32) stay as they are?"""
    a = "after step 1, parameter 0 (shape (3,)), index (1,): the element moved by -0.0341352 from its start 0.821618"
    b = "after step 7, parameter 2 (shape (5,)), index (4,): the element moved by 4.4e-06 from its start -1.35975"
    assert class_summary.check_hint("failed", a) == class_summary.check_hint("failed", b) == (
        "after step #, parameter # (shape (#,)), index (#,): the element moved by # from its start #")
    assert class_summary.normalise("week1.adam in float32 for x2") == "week1.adam in float32 for x2"


def meta(student, score, exercises, isolation="bubblewrap", notes=()):
    """A grading.json as the summary reads it; exercises: (id, score, max, hint)."""
    return {"student": student, "score": score, "max_score": sum(e[2] for e in exercises), "isolation": isolation,
            "notes": list(notes), "exercises": [{"id": i, "score": s, "max_score": m, "status": "passed" if s == m
                                                 else "failed", "hint": h} for i, s, m, h in exercises]}


def test_class_summary_counts_failures_and_ranks_hints():
    """Does the summary give, per exercise, the share that lost points and the most common hint?"""
    bias, eps = "Adam without bias correction", "eps inside the square root"
    metas = [meta("a", 7, [("week1.sgd", 3, 3, ""), ("week1.adam", 4, 4, "")]),
             meta("b", 3, [("week1.sgd", 3, 3, ""), ("week1.adam", 0, 4, bias)]),
             meta("c", 3, [("week1.sgd", 3, 3, ""), ("week1.adam", 0, 4, eps)]),
             meta("d", 0, [("week1.sgd", 0, 3, "not implemented yet"), ("week1.adam", 0, 4, bias)])]
    s = class_summary.class_summary("week1_linear_models", metas, {"e": "the judge process died"}, [("x y", "unsafe")])
    adam = next(e for e in s["exercises"] if e["id"] == "week1.adam")
    assert (adam["failed"], adam["failed_percent"]) == (3, 75)
    assert adam["hints"] == [{"hint": bias, "count": 2}, {"hint": eps, "count": 1}]
    assert class_summary.exercise_line(adam) == f"75% failed week1.adam; most common: {bias}"
    assert (s["graded"], s["mean"], s["median"], s["min"], s["max"], s["full_marks"]) == (4, 3.25, 3, 0, 7, 1)
    md = class_summary.summary_markdown(s)
    assert f"75% failed week1.adam; most common: {bias} (2 of 3); then: {eps} (1)" in md
    assert "25% failed week1.sgd; most common: not implemented yet" in md
    assert "`e`: the judge process died" in md and "`x y`: unsafe" in md
    assert "not isolated" not in md.lower()


def test_summary_says_loudly_when_code_was_not_isolated():
    """Does an "rlimits only" grading make the summary and the console warn?"""
    from rich.console import Console

    metas = [meta("a", 1, [("week1.sgd", 1, 1, "")], isolation="rlimits only"),
             meta("b", 1, [("week1.sgd", 1, 1, "")], isolation="")]
    s = class_summary.class_summary("week1_linear_models", metas, {}, [])
    assert s["not_isolated"] == ["a"]
    assert "**Warning:" in class_summary.summary_markdown(s) and "NOT isolated" in class_summary.summary_markdown(s)
    console = Console(record=True, width=200)
    run = cohort.BatchRun(discovery.Discovery("folders"), s)
    cohort_display.render_run(run, Path("out"), console)
    assert "WARNING: 1 of 2 submissions were graded with rlimits only" in console.export_text()


def test_gradebook_has_one_sorted_row_per_student():
    """Is the gradebook sorted by student, with each exercise's points and unfinished students marked?"""
    metas = [meta("zoe", 3, [("week1.sgd", 3, 3, ""), ("week1.adam", 0, 4, "x")], notes=["regression.py is missing"]),
             meta("adam", 2.5, [("week1.sgd", 2.5, 3, "y"), ("week1.adam", 0, 4, "x")])]
    text = class_summary.gradebook_csv(metas, {"bob": "the judge process died"}, ["week1.sgd", "week1.adam"])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["student", "score", "max_score", "week1.sgd", "week1.adam", "status", "notes"],
                    ["adam", "2.5", "7", "2.5", "0", "graded", ""],
                    ["bob", "", "", "", "", "not graded", "the judge process died"],
                    ["zoe", "3", "7", "3", "0", "graded", "regression.py is missing"]]


def test_instructor_notes_go_to_the_instructors_files_only():
    """Does grading.json keep the instructor-only notes apart (the student's files never hold them), and
    does the gradebook, the instructor's, list them after the student's notes?"""
    from grader.scoring import CheckResult, GradeReport

    report = GradeReport("week1_linear_models", "zoe", [CheckResult("week1.sgd", "update", "passed", 3, 3)],
                         notes=["regression.py is missing"], instructor_notes=["WARNING: student code was NOT isolated"])
    m = class_summary.student_meta(report, "fp")
    assert m["notes"] == ["regression.py is missing"]
    assert m["instructor_notes"] == ["WARNING: student code was NOT isolated"]
    rows = list(csv.reader(io.StringIO(class_summary.gradebook_csv([m], {}, ["week1.sgd"]))))
    assert rows[1][-1] == "regression.py is missing; WARNING: student code was NOT isolated"


def test_bad_arguments_exit_2(tmp_path):
    """Do an unknown week, a missing folder and --jobs 0 exit with status 2?"""
    out = tmp_path / "out"
    assert main(["grade-all", "week9", str(tmp_path), "--out", str(out)]) == 2
    assert main(["grade-all", "week1", str(tmp_path / "nope"), "--out", str(out)]) == 2
    assert main(["grade-all", "week1", str(tmp_path), "--out", str(out), "--jobs", "0"]) == 2


def test_only_refused_submissions_exit_1_with_a_summary(tmp_path, capsys):
    """With nothing gradable but a refused name, is there no crash, exit 1, and a summary naming it?"""
    copy_modules(REF, tmp_path / "subs" / "bad name")
    assert grade_all(tmp_path / "subs", "--out", tmp_path / "out") == 1
    assert "refused 'bad name'" in capsys.readouterr().out
    assert "`bad name`" in (tmp_path / "out" / "summary.md").read_text()
    assert (tmp_path / "out" / "gradebook.csv").read_text().count("\n") == 1


# ------------------------------------------------------------------- whole batches


# Hostile students in the class: their attacks cost only their own exercise (see test_week1_hostile).
HOSTILE = {"exits": "momentum_calls_os_exit", "floods": "softmax_floods_stdout",
           "lingers": "adagrad_leaves_background_processes"}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """A class of twelve: correct (plain, nested, zipped), buggy, blank, broken and hostile submissions."""
    root = tmp_path_factory.mktemp("class")
    subs = root / "subs"
    copy_modules(REF, subs / "ref_plain")
    copy_modules(REF, subs / "ref_nested" / WEEK.name)
    zip_modules(REF, subs / "ref_zip.zip", f"{WEEK.name}/")
    apply_known_bad(WEEK, ADAM_BAD, subs / "bad_adam")
    apply_known_bad(WEEK, SOFTMAX_BAD, subs / "bad_softmax")
    copy_modules(BLANK, subs / "blank")
    (subs / "empty").mkdir()
    (subs / "corrupt.zip").write_bytes(b"definitely not a zip")
    with zipfile.ZipFile(subs / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("regression.py", b"\0" * (discovery.ZIP_MAX_BYTES + 1))
    for name, attack in HOSTILE.items():
        apply_known_bad(WEEK, ROOT / "tests" / "hostile" / WEEK.name / f"{attack}.py", subs / name)
    return subs


@pytest.fixture(scope="module")
def graded(klass, tmp_path_factory):
    """The class graded in one uninterrupted run: (results folder, exit status, console output)."""
    out = tmp_path_factory.mktemp("results") / "out"
    proc = subprocess.run([sys.executable, "-m", "grader", "grade-all", "week1", str(klass), "--out", str(out),
                           "--jobs", "2", "--device", "cpu", *CLASS_ISOLATION], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    return out, proc.returncode, proc.stdout + proc.stderr


def test_grade_all_grades_a_mixed_class(klass, graded):
    """Does grade-all give each student a valid results.json with the right score, a gradebook,
    a summary naming a known-bad patch's mistake, and a histogram?"""
    out, code, console = graded
    assert code == 0, console
    students = sorted(p.stem for p in klass.iterdir())
    scores = {}
    for student in students:
        data = json.loads((out / student / "results.json").read_text())
        assert validate_gradescope(data) == [], student
        assert (out / student / "feedback.md").read_text().startswith(f"# Feedback for {WEEK.name}: {student}")
        scores[student] = data["score"]
    assert scores["ref_plain"] == scores["ref_nested"] == scores["ref_zip"] == 63
    assert scores["blank"] == scores["empty"] == scores["corrupt"] == scores["bomb"] == 0
    assert "Nothing was graded: no week1_linear_models files found in empty" in (out / "empty" / "feedback.md").read_text()
    assert "Nothing was graded" not in (out / "blank" / "feedback.md").read_text()
    assert 0 < scores["bad_adam"] < 63 and 0 < scores["bad_softmax"] < 63
    assert scores["exits"] == 59 and scores["floods"] == 63 and scores["lingers"] == 63
    corrupt = json.loads((out / "corrupt" / "results.json").read_text())
    assert "corrupt.zip could not be read as a zip file" in corrupt["output"]
    assert "regression.py is missing from the submission" in corrupt["output"]
    assert "nothing was extracted" in (out / "bomb" / "feedback.md").read_text()

    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert [r["student"] for r in rows] == students
    assert all(r["status"] == "graded" and r["max_score"] == "63" for r in rows)
    bad_adam = next(r for r in rows if r["student"] == "bad_adam")
    assert bad_adam["week1.adam"] == "0" and bad_adam["week1.sgd"] == "4"
    assert "execution" not in (out / "gradebook.csv").read_text()

    summary = (out / "summary.md").read_text()
    for patch, exercise in ((ADAM_BAD, "week1.adam"), (SOFTMAX_BAD, "week1.softmax")):
        line = next(line for line in summary.splitlines() if f"failed {exercise};" in line)
        assert line.startswith(f"- 42% failed {exercise}; most common: ")  # 5 of 12: blank, empty, 2 zips, the bug
        assert known_bad_meta(patch)["HINT"] in line.split("; then: ")[1]
    assert "12 submissions graded." in summary
    assert json.loads((out / "summary.json").read_text())["graded"] == 12
    assert (out / "histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "[12/12]" in console and "ref_plain 63/63" in console


def test_rerun_skips_everything_and_changes_nothing(klass, graded, tmp_path):
    """Does a second run over unchanged submissions grade nobody and rewrite identical class files?"""
    out = tmp_path / "out"
    shutil.copytree(graded[0], out)
    before, stamped = results_snapshot(out), stamps(out)
    assert grade_all(klass, "--out", out, "--jobs", "2") == 0
    assert results_snapshot(out) == before and stamps(out) == stamped


def test_killed_run_resumes_to_the_uninterrupted_result(klass, graded, tmp_path):
    """After SIGKILL of the whole run halfway, is every file whole, and does a re-run grade only the
    unfinished students and end with exactly the files of an uninterrupted run?"""
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader", "grade-all", "week1", str(klass), "--out", str(out), "--jobs", "2",
           "--device", "cpu", *CLASS_ISOLATION]
    kill_after_results(cmd, out, 5, timeout=120)
    done = stamps(out)
    assert 5 <= len(done) < 12, "the run was not killed halfway"
    for p in out.rglob("*"):  # whole, never half-written (temporary files aside)
        if p.name in ("results.json", "grading.json"):
            json.loads(p.read_text())
        elif p.name == "feedback.md":
            assert p.read_text().endswith(("after any change.\n", "before you resubmit.\n"))

    scratch = Path((out / store.SCRATCH_RECORD).read_text().strip())
    assert scratch.is_dir() and scratch.name.startswith(store.SCRATCH_PREFIX)
    assert grade_all(klass, "--out", out, "--jobs", "2") == 0
    assert results_snapshot(out) == results_snapshot(graded[0])
    assert {s: v for s, v in stamps(out).items() if s in done} == done  # finished students were not regraded
    assert not list(out.rglob("*.tmp")) and not scratch.exists()  # the killed run's scratch folder is gone
    assert not (out / store.SCRATCH_RECORD).exists() and not (out / store.LOCK).exists()


def test_changed_submission_is_regraded(klass, graded, tmp_path):
    """When one student's module file changes after grading, is that student (and only they) regraded?"""
    subs, out = tmp_path / "subs", tmp_path / "out"
    shutil.copytree(klass, subs)
    shutil.copytree(graded[0], out)
    before = stamps(out)
    copy_modules(REF, subs / "blank")  # blank now submits the reference
    assert grade_all(subs, "--out", out, "--jobs", "2") == 0
    after = stamps(out)
    assert [s for s in after if after[s] != before[s]] == ["blank"]
    assert json.loads((out / "blank" / "results.json").read_text())["score"] == 63
    row = next(r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())) if r["student"] == "blank")
    assert row["score"] == "63"


def test_dead_judge_costs_an_attempt_of_its_student_only(tmp_path, monkeypatch, capsys):
    """When the judge grading one student dies every time, is that student alone reported "not graded:
    infrastructure" after the bounded attempts (never a zero, exit 1), the judge replaced each time, the
    others graded once, and the student graded by the next run?"""
    subs, out = tmp_path / "subs", tmp_path / "out"
    copy_modules(BLANK, subs / "alice")
    copy_modules(BLANK, subs / "bob")
    copy_modules(BLANK, subs / "carol")
    monkeypatch.setenv(jobs.KILL_JUDGE_ENV, "alice")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))  # where the run's scratch folder is made
    assert grade_all(subs, "--out", out, "--jobs", "1") == 1
    console = " ".join(capsys.readouterr().out.split())
    assert ("alice not graded: infrastructure: the judge process died while grading it (exit code -9) "
            f"({executors.MAX_TRIES} attempts)") in console
    assert "could not be graded; re-run to retry" in console
    assert not (out / "alice" / "results.json").exists()
    assert list(tmp.iterdir()) == []  # the dead judges' sandbox folders are gone with the scratch folder
    assert sorted(stamps(out)) == ["bob", "carol"]
    row = next(r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())) if r["student"] == "alice")
    assert (row["status"], row["score"]) == ("not graded", "")
    assert row["notes"].startswith("infrastructure: the judge process died")

    monkeypatch.delenv(jobs.KILL_JUDGE_ENV)
    before = stamps(out)
    assert grade_all(subs, "--out", out, "--jobs", "2") == 0
    after = stamps(out)
    assert sorted(after) == ["alice", "bob", "carol"]
    assert {s: after[s] for s in before} == before


def test_judge_that_dies_once_is_retried_within_the_run(tmp_path, monkeypatch):
    """When a judge dies once while grading a student, is the student graded in the same run, by the
    next attempt, with the same result as an undisturbed grading?"""
    subs, out, quiet = tmp_path / "subs", tmp_path / "out", tmp_path / "quiet"
    copy_modules(REF, subs / "alice")
    copy_modules(BLANK, subs / "bob")
    (tmp_path / "once").mkdir()
    assert grade_all(subs, "--out", quiet, "--jobs", "1") == 0
    monkeypatch.setenv(jobs.KILL_ONCE_ENV, "alice")
    monkeypatch.setenv(jobs.HOOK_DIR_ENV, str(tmp_path / "once"))
    assert grade_all(subs, "--out", out, "--jobs", "1") == 0
    assert (tmp_path / "once" / "killed-alice").exists()  # it did die once
    assert results_snapshot(out) == results_snapshot(quiet)


def test_stuck_judge_is_replaced_after_the_student_timeout(tmp_path, monkeypatch, capsys):
    """When grading one student hangs in the grader itself (not in student code, which has its own
    limits), is its judge killed after --student-timeout, that student reported, and the rest graded?"""
    subs, out = tmp_path / "subs", tmp_path / "out"
    for name in ("alice", "bob", "carol"):
        copy_modules(BLANK, subs / name)
    monkeypatch.setenv(jobs.HANG_JUDGE_ENV, "bob")
    # Long enough for alice's and carol's honest grading on a busy machine (a blank week 1 takes
    # about 0.3 s when the machine is idle, and was seen to take over 4 s under load).
    assert grade_all(subs, "--out", out, "--jobs", "2", "--student-timeout", "30", "--max-tries", "1") == 1
    console = " ".join(capsys.readouterr().out.split())
    assert "bob not graded: infrastructure: grading took longer than 30 s and was stopped" in console
    assert "(1 attempt)" in console
    assert sorted(stamps(out)) == ["alice", "carol"]


def test_default_student_timeout_follows_the_limits():
    """Is the default per-student timeout finite and above what the limits allow for every exercise?"""
    from grader.sandbox import Limits

    week = Week.load("week1", ROOT)
    limits = Limits.from_rubric(week.rubric)
    seconds = executors.student_seconds(week, limits)
    assert len(week.exercise_modules) * limits.exercise_seconds < seconds < 24 * 3600


# ------------------------------------------------------------- lock, scratch, selection


def test_lock_is_exclusive_and_survives_being_unlinked_by_the_run_that_held_it(tmp_path, monkeypatch):
    """Is the lock refused while held; and when the holder removes the file between another run's
    open and its flock, does that run retry on the new file rather than hold a lock on the old one?"""
    import fcntl

    path = tmp_path / store.LOCK
    held = store.acquire_lock(path)
    with pytest.raises(store.BatchError, match="another grade-all is writing"):
        store.acquire_lock(path)
    held.close()

    real_flock, calls = fcntl.flock, []

    def flock_after_the_holder_ended(f, op):
        calls.append(os.fstat(f.fileno()).st_ino)
        if len(calls) == 1:  # the holder unlinks the file it held; a third run creates a new one
            path.unlink()
            path.write_text("")
        return real_flock(f, op)

    monkeypatch.setattr(store.fcntl, "flock", flock_after_the_holder_ended)
    lock = store.acquire_lock(path)
    assert len(calls) == 2 and calls[0] != calls[1]
    assert os.fstat(lock.fileno()).st_ino == path.stat().st_ino
    lock.close()


def test_old_scratch_folder_is_removed_only_when_it_is_ours(tmp_path, monkeypatch):
    """Does a run remove the scratch folder a killed run recorded, and leave alone what the record
    names outside the temporary folder, or a link?"""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    results = tmp_path / "out"
    results.mkdir()
    scratch = store.make_scratch(results)
    assert scratch.parent == tmp_path / "tmp" and scratch.stat().st_mode & 0o777 == 0o700
    (scratch / "left.txt").write_text("by a killed judge")
    store.remove_old_scratch(results)
    assert not scratch.exists() and not (results / store.SCRATCH_RECORD).exists()
    victim = tmp_path / ("dlgrade-scratch-" + "x")
    victim.mkdir()
    link = tmp_path / "tmp" / "dlgrade-scratch-link"
    link.symlink_to(victim)
    for planted in (victim, link):
        (results / store.SCRATCH_RECORD).write_text(str(planted))
        store.remove_old_scratch(results)
        assert victim.is_dir() and not (results / store.SCRATCH_RECORD).exists()


def test_grade_all_selects_students_forces_regrades_says_what_it_ignored_and_cleans_up(tmp_path, monkeypatch,
                                                                                        capsys):
    """Does --student grade only those students, --force regrade up-to-date ones, an unknown --student
    exit 2; is a hidden folder reported as ignored; does a planted file in the temporary folder not
    matter (a private scratch folder); and are the lock file and the scratch folder gone at the end?"""
    subs, out, tmp = tmp_path / "subs", tmp_path / "out", tmp_path / "tmp"
    for name in ("alice", "bob", ".git"):
        copy_modules(BLANK, subs / name)
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    (tmp / ("dlgrade-scratch-" + "0" * 16)).write_text("planted")
    seen = []
    real_run = executors.LocalExecutor.run

    def spy(self, tasks, on_outcome):
        seen.append((sorted(t.student for t in tasks), os.stat(self.config["scratch"]).st_mode & 0o777))
        return real_run(self, tasks, on_outcome)

    monkeypatch.setattr(executors.LocalExecutor, "run", spy)
    assert grade_all(subs, "--out", out, "--jobs", "1", "--student", "bob") == 0
    console = capsys.readouterr().out
    assert seen == [(["bob"], 0o700)]
    assert "ignored 1 entry that is not a submission: '.git' (-v says why)" in " ".join(console.split())
    assert sorted(stamps(out)) == ["bob"]
    row = next(r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())) if r["student"] == "alice")
    assert (row["status"], row["notes"]) == ("not graded", "not graded yet")
    assert not (out / store.LOCK).exists() and not (out / store.SCRATCH_RECORD).exists()
    assert [p.name for p in tmp.iterdir()] == ["dlgrade-scratch-" + "0" * 16]

    before = stamps(out)
    assert grade_all(subs, "--out", out, "--jobs", "1") == 0  # alice only: bob is up to date
    assert seen[-1][0] == ["alice"] and stamps(out)["bob"] == before["bob"]
    before = stamps(out)
    assert grade_all(subs, "--out", out, "--jobs", "1", "--student", "alice", "--force") == 0
    assert seen[-1][0] == ["alice"] and stamps(out)["bob"] == before["bob"] and stamps(out)["alice"] != before["alice"]
    assert grade_all(subs, "--out", out, "--jobs", "1", "--student", "nobody") == 2
    assert "no gradable submission for nobody" in capsys.readouterr().err
    assert len(seen) == 3 and not (out / store.LOCK).exists()



# ------------------------------------------------------------- store and retries


def test_store_keeps_the_first_result_of_a_fingerprint(tmp_path):
    """When the same submission's result arrives twice (a worker presumed lost answers after all),
    is the first kept untouched and the second dropped and counted; does a new fingerprint replace it?"""
    from grader.scoring import CheckResult, GradeReport

    def report(score):
        return GradeReport(WEEK.name, "alice", [CheckResult("week1.mse", "value", "passed" if score else "failed",
                                                            score, 2.0)])

    results = store.Store(tmp_path)
    first = report(2.0)
    assert results.put("alice", "fp", first, class_summary.student_meta(first, "fp"))
    before = stamps(tmp_path)
    assert not results.put("alice", "fp", report(0.0), class_summary.student_meta(report(0.0), "fp"))
    assert stamps(tmp_path) == before and results.duplicates == 1
    assert results.report("alice") == first and results.finished("alice", "fp")["score"] == 2.0
    assert results.put("alice", "other fp", report(0.0), class_summary.student_meta(report(0.0), "other fp"))
    assert results.finished("alice", "fp") is None and results.finished("alice", "other fp")["score"] == 0.0


def test_retries_repeat_only_the_machines_faults_and_only_so_often():
    """Is an infrastructure fault retried up to max_tries attempts and then reported with every
    attempt's reason, a graded outcome or a grader error reported at once, and a task that never
    reached a worker put back without costing an attempt?"""
    heard = []
    tasks = [executors.Task(s, "fp", lambda: None) for s in ("a", "b", "c")]
    queue = executors.Retries(tasks, heard.append, max_tries=2)
    a = queue.next()
    queue.done(a, jobs.Outcome(jobs.INFRASTRUCTURE, "a", "fp", why="the sandbox could not run"))
    assert heard == [] and queue.next() is a and a.tries == 2
    queue.fault(a, "the judge process died")
    assert heard[-1].kind == jobs.INFRASTRUCTURE and heard[-1].why == (
        "the sandbox could not run; the judge process died (2 attempts)")
    b = queue.next()
    queue.unsent(b)
    assert queue.next() is b and b.tries == 1
    queue.done(b, jobs.Outcome(jobs.ERROR, "b", "fp", why="the grader failed"))
    c = queue.next()
    queue.done(c, jobs.Outcome(jobs.GRADED, "c", "fp", report={}))
    assert [o.kind for o in heard] == [jobs.INFRASTRUCTURE, jobs.ERROR, jobs.GRADED] and queue.next() is None


def test_ray_is_optional(tmp_path, monkeypatch, capsys):
    """Does the core never import Ray, and does --executor ray without it exit 2 saying how to install it?"""
    code = "import sys, grader.cli, grader.cohort, grader.nbgrader_bridge; sys.exit('ray' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails
    copy_modules(BLANK, tmp_path / "subs" / "alice")
    assert grade_all(tmp_path / "subs", "--out", tmp_path / "out", "--executor", "ray") == 2
    assert "install it with: pip install 'dlgrade[ray]'" in capsys.readouterr().err
