"""Where a class's submission files came from (grader/provenance.py), reading a submission
without following links (grader.sandbox.open_folder), and what grade-all and nbgrader
autograde do with both: refused modules, flags for the instructor, and no class graded
without bubblewrap unless asked. Nothing here runs student code; the attacks graded for
real are in tests/assignments/test_class_hostile.py."""

import csv
import io
import json
import os
import pwd
import shutil
import zipfile
from pathlib import Path

import pytest

from grader import class_summary, cohort, discovery, isolation, provenance, store
from grader.cli import main
from grader.course import Week
from grader.sandbox import LinkRefused, _read_module, open_folder, read_modules

from conftest import ROOT

WEEK = Week.load("week1", ROOT)
REF, BLANK = WEEK.solution_dir, WEEK.template_dir


def copy_modules(src: Path, dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for module in WEEK.modules:
        shutil.copy(src / f"{module}.py", dest / f"{module}.py")
    return dest


def other_user() -> pwd.struct_passwd:
    """A user of this machine other than the one running the tests."""
    user = next((u for u in sorted(pwd.getpwall(), key=lambda u: u.pw_uid)
                 if u.pw_uid != os.geteuid() and discovery.unsafe_id(u.pw_name) is None), None)
    if user is None:
        pytest.skip("this machine has no other user to name as a student")
    return user


def no_bubblewrap(monkeypatch):
    monkeypatch.setattr(isolation, "probe", lambda: (False, "bubblewrap (bwrap) is not installed"))


# ------------------------------------------------------------------------ reading


def test_open_folder_follows_the_path_to_the_entry_but_no_link_from_it_down(tmp_path):
    """Is the instructor's path above the student's entry followed, while a link as the entry,
    as the week folder or deeper is refused and named?"""
    real = tmp_path / "real"
    (real / "subs" / "alice" / "week1").mkdir(parents=True)
    (tmp_path / "via").symlink_to(real)  # the instructor's own link, above the entries
    subs = tmp_path / "via" / "subs"
    os.close(open_folder(subs / "alice" / "week1", subs / "alice"))
    (subs / "mallory").mkdir()
    (subs / "mallory" / "week1").symlink_to(REF)
    (subs / "trudy").symlink_to(subs / "alice")
    with pytest.raises(LinkRefused) as e:
        open_folder(subs / "mallory" / "week1", subs / "mallory")
    assert e.value.shown == "week1"
    with pytest.raises(LinkRefused) as e:
        open_folder(subs / "trudy" / "week1", subs / "trudy")
    assert e.value.shown == ""
    os.close(open_folder(subs / "mallory" / "week1"))  # no root: a path the instructor gave, followed
    with pytest.raises(FileNotFoundError):
        open_folder(subs / "nobody", subs / "nobody")


def test_read_module_reads_regular_files_only(tmp_path):
    """Is a module file read only when it is a regular file, never through a link or from a FIFO?"""
    (tmp_path / "ok.py").write_text("X = 1\n")
    (tmp_path / "link.py").symlink_to(REF / "regression.py")
    os.mkfifo(tmp_path / "fifo.py")
    fd = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        assert _read_module(fd, "ok.py") == b"X = 1\n"
        assert _read_module(fd, "link.py") == "link.py is a symbolic link; submit the file itself"
        assert _read_module(fd, "fifo.py") == "fifo.py is not a regular file"
        assert _read_module(fd, "absent.py") == "absent.py is missing from the submission"
    finally:
        os.close(fd)


def test_read_modules_follows_no_link_from_the_entry_down_and_keeps_refused_modules_out(tmp_path):
    """With the student's entry as root, does a linked week folder leave every module unread; are
    refused modules given their reason without being read?"""
    entry = tmp_path / "alice"
    (entry / "real").mkdir(parents=True)
    (entry / "real" / "a.py").write_text("A = 1\n")
    (entry / "week").symlink_to(entry / "real")
    read = read_modules(entry / "week", ["a", "b"], root=entry)
    assert all("symbolic link, which grading never follows" in why for why in read.values())
    read = read_modules(entry / "real", ["a", "b"], root=entry, refused={"a": "a.py was a link when submitted"})
    assert read == {"a": "a.py was a link when submitted", "b": "b.py is missing from the submission"}
    assert read_modules(entry / "real", ["a"], root=entry) == {"a": b"A = 1\n"}


def test_link_on_path_names_the_first_link_and_where_it_points(tmp_path):
    (tmp_path / "alice" / "week1").mkdir(parents=True)
    assert provenance.link_on_path(tmp_path / "alice", tmp_path / "alice" / "week1") is None
    (tmp_path / "mallory").mkdir()
    (tmp_path / "mallory" / "week1").symlink_to(tmp_path / "alice" / "week1")
    (tmp_path / "trudy").symlink_to(tmp_path / "alice")
    assert provenance.link_on_path(tmp_path / "mallory", tmp_path / "mallory" / "week1") == (
        "mallory/week1", str(tmp_path / "alice" / "week1"))
    assert provenance.link_on_path(tmp_path / "trudy", tmp_path / "trudy" / "week1") == (
        "trudy", str(tmp_path / "alice"))


# ------------------------------------------------------------------------ vetting


def test_reference_copies_are_byte_for_byte(tmp_path):
    """Are exactly the module files identical to the reference named (not the stubs, not a changed copy)?"""
    folder = copy_modules(REF, tmp_path / "sub")
    assert provenance.reference_copies(WEEK, folder) == WEEK.modules
    shutil.copy(BLANK / "optimizers.py", folder / "optimizers.py")
    with open(folder / "training.py", "a") as f:
        f.write("\n")
    assert provenance.reference_copies(WEEK, folder) == [m for m in WEEK.modules if m not in ("optimizers", "training")]


def exchange(course: Path, inbound_path: Path | None = None, course_id: str = "idl") -> Path:
    """An nbgrader_config.py in `course` naming an exchange; returns its inbound folder (created)."""
    root = course.parent / "exchange"
    inbound = root / course_id / "inbound"
    inbound.mkdir(parents=True)
    course.mkdir(exist_ok=True)
    (course / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.course_id = {course_id!r}\nc.Exchange.root = {str(root)!r}\n")
    return inbound


def test_exchange_inbound_is_read_from_the_course_config(tmp_path):
    assert provenance.exchange_inbound(tmp_path)[0] is None
    inbound = exchange(tmp_path / "course")
    assert provenance.exchange_inbound(tmp_path / "course") == (inbound, "")
    (tmp_path / "course" / "nbgrader_config.py").write_text("c = get_config()\n")
    assert "course_id" in provenance.exchange_inbound(tmp_path / "course")[1]


def test_links_in_the_collected_inbound_submission_refuse_those_modules(tmp_path):
    """A student's inbound submission with optimizers.py linked to the reference: collect copied
    the reference into submitted/. Is optimizers refused (and nothing else), with the link and
    the reference copy flagged? Does an older inbound submission that was not collected refuse nothing?"""
    course = tmp_path / "course"
    inbound = exchange(course)
    stamp = "2025-03-01 12:00:00.000000 UTC"
    record = inbound / f"mallory+{WEEK.name}+{stamp}+abc"
    copy_modules(BLANK, record)
    (record / "optimizers.py").unlink()
    (record / "optimizers.py").symlink_to(REF / "optimizers.py")
    (record / "timestamp.txt").write_text(stamp)
    folder = copy_modules(BLANK, course / "submitted" / "mallory" / WEEK.name)
    shutil.copy(REF / "optimizers.py", folder / "optimizers.py")  # what collect made of the link
    (folder / "timestamp.txt").write_text(stamp)
    found = provenance.vet_nbgrader(WEEK, "mallory", folder, inbound)
    assert list(found.refused) == ["optimizers"] and "symbolic link" in found.refused["optimizers"]
    assert any("optimizers.py identical to the reference" in f for f in found.flags)
    assert any("holds symbolic links" in f and str(REF / "optimizers.py") in f for f in found.flags)

    (folder / "timestamp.txt").write_text("2025-03-02 08:00:00.000000 UTC")  # a later, clean submission collected
    newer = inbound / f"mallory+{WEEK.name}+2025-03-02 08:00:00.000000 UTC+def"
    copy_modules(BLANK, newer)
    found = provenance.vet_nbgrader(WEEK, "mallory", folder, inbound)
    assert found.refused == {} and any("holds symbolic links" in f for f in found.flags)


def test_an_inbound_submission_owned_by_someone_else_is_flagged(tmp_path):
    """A submission put in the exchange under the id of a user of this machine by another user
    (here: the user running the tests) is flagged, naming the owner; an id that is no user is not checked."""
    victim = other_user()
    course = tmp_path / "course"
    inbound = exchange(course)
    for student in (victim.pw_name, "not-a-user-here"):
        copy_modules(BLANK, inbound / f"{student}+{WEEK.name}+2025-03-01 12:00:00 UTC+x")
        copy_modules(BLANK, course / "submitted" / student / WEEK.name)
    flags = provenance.vet_nbgrader(WEEK, victim.pw_name, course / "submitted" / victim.pw_name / WEEK.name,
                                    inbound).flags
    me = pwd.getpwuid(os.geteuid()).pw_name
    assert len(flags) == 1 and f"owned by {me} (uid {os.geteuid()}), not by {victim.pw_name}" in flags[0]
    assert provenance.vet_nbgrader(WEEK, "not-a-user-here", course / "submitted" / "not-a-user-here" / WEEK.name,
                                   inbound).flags == []


def test_files_owned_by_the_grading_user_are_not_flagged_but_by_a_third_are(tmp_path):
    """In the folder graded, are files owned by the grading user (collect's and the instructor's
    copies) left alone, and files owned by a user who is neither that nor the student flagged?"""
    victim = other_user()
    folder = copy_modules(REF, tmp_path / victim.pw_name)
    files = [folder / f"{m}.py" for m in WEEK.modules]
    assert provenance.vet_entry(victim.pw_name, folder, folder, files).flags == []
    if os.geteuid() != 0:
        pytest.skip("changing a file's owner needs root")
    third = next((u for u in pwd.getpwall() if u.pw_uid not in (0, victim.pw_uid)), None)
    if third is None:
        pytest.skip("this machine has no third user")
    os.chown(files[0], third.pw_uid, -1)
    flags = provenance.vet_entry(victim.pw_name, folder, folder, files).flags
    assert len(flags) == 1 and f"regression.py owned by {third.pw_name}" in flags[0]


# ------------------------------------------------------------------------ grade-all


def test_a_symlinked_zip_is_never_opened(tmp_path):
    zf = tmp_path / "stolen.zip"
    with zipfile.ZipFile(zf, "w") as z:
        z.write(REF / "regression.py", "regression.py")
    (tmp_path / "mallory.zip").symlink_to(zf)
    dest = tmp_path / "out"
    dest.mkdir()
    notes = discovery.extract_zip(tmp_path / "mallory.zip", dest, WEEK.modules)
    assert len(notes) == 1 and "symbolic link" in notes[0] and list(dest.iterdir()) == []


def test_fingerprint_follows_what_vetting_found(tmp_path):
    sub = discovery.Submission("alice", copy_modules(REF, tmp_path / "alice"), tmp_path / "alice")
    plain = store.fingerprint(sub, WEEK.modules, "key")
    assert store.fingerprint(sub, WEEK.modules, "key", provenance.Vetting()) == plain
    assert store.fingerprint(sub, WEEK.modules, "key", provenance.Vetting(flags=["x"])) != plain


def test_flags_reach_the_summary_and_gradebook_but_not_the_students_files():
    """Are a student's flags listed in summary.md/json and gradebook.csv (the instructor's files)?"""
    meta = {"student": "mallory", "score": 0, "max_score": 1, "isolation": "bubblewrap", "notes": ["a note"],
            "flags": ["mallory/week1 is a symbolic link to /course/solutions"],
            "exercises": [{"id": "week1.sgd", "score": 0, "max_score": 1, "status": "error", "hint": "x"}]}
    s = class_summary.class_summary(WEEK.name, [meta], {}, [], ["the exchange was not checked"])
    assert s["flagged"] == [{"student": "mallory", "flags": meta["flags"]}]
    md = class_summary.summary_markdown(s)
    assert "## Flagged" in md and "is a symbolic link to /course/solutions" in md and "exchange was not checked" in md
    rows = list(csv.reader(io.StringIO(class_summary.gradebook_csv([meta], {}, ["week1.sgd"]))))
    assert rows[1][-1] == "a note; FLAGGED: mallory/week1 is a symbolic link to /course/solutions"


def test_a_class_is_not_graded_without_bubblewrap_unless_asked(tmp_path, monkeypatch, capsys):
    """Without bubblewrap, does grade-all exit 2 with an error naming the fix and grade nobody,
    and does --isolation rlimits grade the class, saying so in the summary?"""
    no_bubblewrap(monkeypatch)
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    out = tmp_path / "out"
    for asked in ([], ["--isolation", "auto"], ["--isolation", "bubblewrap"]):
        assert main(["grade-all", "week1", str(tmp_path / "subs"), "--out", str(out), "--jobs", "1", *asked]) == 2
        err = capsys.readouterr().err
        assert "bubblewrap (bwrap) is not installed" in err and "--isolation rlimits" in err
        assert not (out / "alice").exists()
    assert main(["grade-all", "week1", str(tmp_path / "subs"), "--out", str(out), "--jobs", "1", "--device", "cpu",
                 "--isolation", "rlimits"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["not_isolated"] == ["alice"] and summary["graded"] == 1


def test_a_rubric_asking_for_rlimits_needs_the_command_line_too(monkeypatch):
    week = Week.load("week1", ROOT)
    week.rubric = {**week.rubric, "limits": {**week.rubric.get("limits", {}), "isolation": "rlimits"}}
    with pytest.raises(store.BatchError, match="pass --isolation rlimits"):
        cohort.class_isolation(week, None)
    assert cohort.class_isolation(week, "rlimits") == "rlimits"
    no_bubblewrap(monkeypatch)
    with pytest.raises(store.BatchError, match="not installed"):
        cohort.class_isolation(WEEK, "auto")


# ------------------------------------------------------------------ nbgrader autograde


@pytest.fixture
def judged(monkeypatch):
    """The judge replaced (in this process) by a blank report; records (student, keyword arguments,
    job) of each call."""
    from grader import jobs
    from grader import nbgrader_bridge as bridge
    from grader.scoring import GradeReport

    calls = []

    def fake(week, job, **kw):
        calls.append((job.student, kw, job))
        report = GradeReport(week=week.name, submission=job.student, results=[])
        return jobs.Outcome(jobs.GRADED, job.student, job.fingerprint, report=report.to_dict())

    monkeypatch.setattr(jobs, "run_job", fake)
    monkeypatch.setattr(bridge, "DEFAULT_EXECUTOR", "inline")
    return calls


def submitted(course: Path, student: str, timestamp: str = "2025-03-01 12:00:00.000000 UTC") -> Path:
    folder = copy_modules(BLANK, course / "submitted" / student / WEEK.name)
    (folder / "timestamp.txt").write_text(timestamp)
    return folder


def test_nbgrader_autograde_needs_bubblewrap_unless_asked(course, judged, monkeypatch):
    """Without bubblewrap, does autograde refuse (and the CLI exit 2) before judging anyone, and
    does isolation="rlimits" judge with rlimits?"""
    from grader import nbgrader_bridge as bridge

    submitted(course, "alice")
    no_bubblewrap(monkeypatch)
    with pytest.raises(bridge.BridgeError, match="--isolation rlimits"):
        bridge.autograde(WEEK, course)
    assert main(["--course", str(ROOT), "nbgrader", "autograde", "week1", "--course", str(course)]) == 2
    assert judged == []
    bridge.autograde(WEEK, course, isolation="rlimits")
    assert [(s, kw["limits"].isolation) for s, kw, _ in judged] == [("alice", "rlimits")]


def test_an_unparsable_timestamp_costs_only_that_student(course, judged):
    """Are the students after one whose timestamp.txt is not a time still recorded, and is that
    student recorded too, without a time and with a note?"""
    from nbgrader.api import Gradebook

    from grader import nbgrader_bridge as bridge

    submitted(course, "alice", "not a time at all")
    submitted(course, "bob")
    submitted(course, "carol", "9999-99-99 99:99:99 UTC")
    run = bridge.autograde(WEEK, course, isolation="rlimits")
    notes = {g.student: g.notes for g in run.graded}
    assert any("timestamp.txt could not be read as a time" in n for n in notes["alice"])
    assert any("timestamp.txt could not be read as a time" in n for n in notes["carol"])
    assert not any("timestamp" in n for n in notes["bob"])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission(WEEK.name, "alice").timestamp is None
        assert gb.find_submission(WEEK.name, "bob").timestamp.year == 2025
        assert gb.find_submission(WEEK.name, "carol").timestamp is None


def test_nbgrader_autograde_reads_nothing_through_a_link(course, judged, tmp_path):
    """With submitted/<student>/ or its week folder a link, is nothing behind it sent to the judge
    (every module refused as a link), no notebook read, nothing copied to autograded/, and the link
    flagged in dlgrade_flags.csv and formgrader?"""
    from nbgrader.api import Gradebook

    from grader import nbgrader_bridge as bridge

    alice = submitted(course, "alice")
    (course / "submitted" / "mallory").mkdir()
    (course / "submitted" / "mallory" / WEEK.name).symlink_to(REF)
    (course / "submitted" / "trudy").symlink_to(alice.parent)
    run = bridge.autograde(WEEK, course, isolation="rlimits")
    sent = {s: job.modules for s, _, job in judged}
    assert sorted(sent) == ["alice", "mallory", "trudy"]
    assert all(isinstance(data, bytes) for data in sent["alice"].values())
    for student in ("mallory", "trudy"):
        assert all("symbolic link, which grading never follows" in why for why in sent[student].values())
    flagged = {g.student: g.provenance for g in run.graded}
    assert flagged["alice"] == []
    assert "symbolic link to" in flagged["mallory"][0] and str(REF) in flagged["mallory"][0]
    assert "trudy is a symbolic link" in flagged["trudy"][0]
    for student in ("mallory", "trudy"):
        assert list((course / "autograded" / student / WEEK.name).glob("*.py")) == []
    with open(course / bridge.FLAGS_FILE, newline="") as f:
        assert {r["student"] for r in csv.DictReader(f)} == {"mallory", "trudy"}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        assert gb.find_submission_notebook(WEEK.name, WEEK.name, "mallory").flagged
        assert not gb.find_submission_notebook(WEEK.name, WEEK.name, "alice").flagged
