"""Shared fixtures: the repository's course, and graded example submissions."""

import ast
import copy
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from grader import isolation
from grader.cli import apply_known_bad, known_bad_meta
from grader.course import Week
from grader.engine import grade_submission

ROOT = Path(__file__).resolve().parents[1]

# The course secret the held-out data are drawn from (grader.heldout): fixed, so that test runs
# are reproducible and never create ~/.config/dlgrade/secret. The thresholds hold for any secret
# (the rubrics' calibrations are over several); tests/grader/test_heldout.py covers the file.
os.environ["DLGRADE_SECRET"] = "dlgrade tests"

# grade-all and nbgrader autograde grade a class under bubblewrap only, unless --isolation rlimits
# is given: where bubblewrap cannot run, the tests of those commands give it.
CLASS_ISOLATION = [] if isolation.probe()[0] else ["--isolation", "rlimits"]


def results_snapshot(results: Path) -> dict:
    """Every file under a results folder, timings left out: results.json's and report.json's
    execution time and report.json's seconds per check (the only things two gradings of the same
    submission may differ in)."""
    import json

    out = {}
    for p in sorted(results.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            if p.name in ("results.json", "report.json"):
                data = json.loads(data)
                data.pop("execution_time")
                for r in data.get("results", []) if p.name == "report.json" else []:
                    r.pop("seconds")
            out[p.relative_to(results).as_posix()] = data
    return out


def results_stamps(results: Path) -> dict:
    """student -> (inode, mtime) of their results.json: which results a run wrote again."""
    return {p.parent.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in results.glob("*/results.json")}


def kill_after_results(cmd: list[str], results: Path, count: int, timeout: float) -> None:
    """Run `cmd` (from the repository, in a session of its own) and SIGKILL it with every process
    it started once `results` holds `count` students' results.json (or it ended, or `timeout`)."""
    import signal
    import subprocess
    import time

    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while len(list(results.glob("*/results.json"))) < count and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def known_bad_patches(week_name: str) -> list[Path]:
    return sorted((ROOT / "examples" / week_name / "known_bad").glob("*.py"))


# What the default test run changes in a week's rubric. Training build_cnn with week 3's own
# recipe takes about 25 s per submission on 2 cores, so tests use about a sixth of its budget
# with the same threshold, calibrated like the rubric (benchmarks/calibrate_week3.py --set
# epochs=4 n_train=1000 n_val=300 n_test=300: see [cnn] there). Slow tests use the rubric as is.
TEST_RUBRIC = {
    "week3_cnn": {"cnn": {"n_train": 1000, "n_val": 300, "n_test": 300, "epochs": 4}},
    # 8 epochs instead of 30 and fewer held-out images, with the MSE thresholds raised to match (measured,
    # 2 secrets: the reference lands at 0.0264–0.0277 and 0.0275–0.0282, conv_networks at 0.0257–0.0272 and
    # 0.0287–0.0298, alternative_correct lower; the linear autoencoder at 0.0417 or more, the noisy input
    # at 0.040); the negative ELBO threshold holds as it is (correct VAEs 105.5–108.8, one that ignores z
    # 151). That PCA misses the autoencoder's threshold is tested with the full recipe (slow tests).
    "week4_autoencoders": {"data": {"n_val": 300, "n_test": 300},
                           "autoencoder": {"epochs": 8, "mse_threshold": 0.032},
                           "denoising": {"epochs": 8, "mse_threshold": 0.033},
                           "vae_train": {"epochs": 8}},
    # 3 epochs of 3000 sequences at a higher learning rate instead of 5 of 8000, and fewer held-out sequences,
    # with the margin above the entropy rate raised to match (measured: the reference lands 0.22 above H; a
    # bigram model 1.19 above it, a model that looks ahead 0.8 above it and is caught by the causality checks
    # anyway). The full recipe's margin is tested in the slow tests.
    "week5_rnn": {"char_lm": {"n_train": 3000, "epochs": 3, "lr": 1e-2, "n_val": 300, "n_test": 300,
                              "n_controls": 100, "margin": 0.45}},
    # 3 epochs of 2000 scenes at a higher learning rate instead of 8 of 4000, and fewer held-out scenes, with
    # the thresholds lowered to match (benchmarks/calibrate_week6.py --set n_train=2000 epochs=3 lr=6e-3
    # n_val=200 n_test=200, 2 secrets: the reference lands at exact 0.16–0.23, BLEU 0.54–0.62, still
    # learning the shapes; the caption prior at exact ≤ 0.005, BLEU ≤ 0.163). The full recipe's thresholds
    # are tested in the slow tests.
    "week6_captioning": {"captioner": {"n_train": 2000, "epochs": 3, "lr": 6e-3, "n_val": 200, "n_test": 200,
                                       "n_controls": 100},
                         "quality": {"exact": 0.07, "truthful": 0.07, "bleu": 0.35}},
}


def for_tests(week: Week, changes: dict | None = None) -> Week:
    """`week` with `changes` (default: its TEST_RUBRIC entry; {} for none) merged, table by
    table, into a copy of its rubric, which is where the checks read their recipes."""
    changes = TEST_RUBRIC.get(week.name, {}) if changes is None else changes
    if changes:
        week.rubric = copy.deepcopy(week.rubric)
        for table, values in changes.items():
            week.rubric.setdefault(table, {}).update(values)
    return week


def check_module(week: Week, name: str):
    """The loaded check file of `week` (public and hidden) that defines the check function `name`, or
    whose file is named `name` ("public_sample"): its helpers are module attributes."""
    from grader.registry import load_checks

    for c in load_checks(week.assignment_dir, include_hidden=True):
        module = c.fn.__module__
        if c.fn.__name__ == name or module.endswith("." + name):
            return sys.modules[module]
    raise LookupError(f"no check {name!r} in {week.name}")


def grader_of(tmp_path_factory, week_name: str, own_files, default_only: set):
    """grade(folder=None, patch=None, only=default_only) -> GradeReport, memoised, on a copy of the
    course whose `week_name` holds its rubric and the check files `own_files` alone (so that a test of
    a few exercises runs none of the week's other checks, training runs among them)."""
    week = Week.load(week_name, ROOT)
    course = tmp_path_factory.mktemp("course")
    assignment = course / "assignments" / week_name
    assignment.mkdir(parents=True)
    shutil.copy(week.assignment_dir / "rubric.toml", assignment)
    for path in [*(week.assignment_dir / f"{name}.py" for name in own_files), *week.data_files]:
        shutil.copy(path, assignment)
    for folder in ("solutions", "student_template"):
        shutil.copytree(ROOT / folder / week_name, course / folder / week_name,
                        ignore=shutil.ignore_patterns("__pycache__"))
    w = for_tests(Week.load(week_name, course))
    cache = {}

    def _grade(folder=None, patch=None, only=None):
        only = set(only or default_only)
        key = (str(folder), str(patch), tuple(sorted(only)))
        if key not in cache:
            if patch is not None:
                folder = apply_known_bad(w, patch, tmp_path_factory.mktemp("bad") / week_name)
            cache[key] = grade_submission(w, folder, device="cpu", only=only)
        return cache[key]

    return _grade


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def grade(tmp_path_factory):
    """grade(week, folder=None, patch=None, mode="grade", only=None) -> GradeReport, memoised per
    session, with the week's TEST_RUBRIC changes. With `patch`, the folder is a copy of the
    reference with that known-bad patch applied; `only` limits grading to those exercises."""
    cache = {}

    def _grade(week: str, folder: Path | None = None, patch: Path | None = None, mode: str = "grade",
               only: set | None = None):
        key = (week, str(folder), str(patch), mode, tuple(sorted(only or ())))
        if key not in cache:
            w = for_tests(Week.load(week, ROOT))
            if patch is not None:
                folder = apply_known_bad(w, patch, tmp_path_factory.mktemp("bad") / w.name)
            cache[key] = grade_submission(w, folder, mode=mode, device="cpu", only=only)
        return cache[key]

    return _grade


# Attacks that carry a copy of scikit-learn's digits in their own file (as a student would paste it)
# hold this line instead of the 550 lines of the copy, which `pasted` puts back before grading.
SHIPPED_DIGITS = "_DIGITS = SHIPPED_DIGITS"


def patched_reference(week: Week, folder: Path, modules: dict) -> Path:
    """A copy of `week`'s reference in `folder` with `modules` ({module: code}) appended to those
    modules, so that its definitions replace the reference's (as a known-bad patch does)."""
    shutil.copytree(week.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for module, code in modules.items():
        path = folder / f"{module}.py"
        path.write_text(path.read_text() + "\n\n" + code)
    return folder


def reference_with(week: Week, folder: Path, source: Path, modules) -> Path:
    """A copy of `week`'s reference in `folder` whose `modules` (names without ".py") are the files of
    the folder `source` (another correct submission's), so that only those are graded as its."""
    shutil.copytree(week.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
    for module in modules:
        shutil.copy(source / f"{module}.py", folder / f"{module}.py")
    return folder


def pasted(text: str) -> str:
    """A hostile patch's text as the student submitted it: the line that starts with
    `SHIPPED_DIGITS` replaced by the copy of the digits in tests/hostile/shipped_digits.txt."""
    lines = text.splitlines(keepends=True)
    at = [i for i, line in enumerate(lines) if line.startswith(SHIPPED_DIGITS)]
    if not at:
        return text
    copy = (ROOT / "tests" / "hostile" / "shipped_digits.txt").read_text()
    return "".join(copy if i in at else line for i, line in enumerate(lines))


def apply_attack(week: Week, patch: Path, dest: Path) -> Path:
    """`grader.cli.apply_known_bad`, reading one more header of a hostile patch: with
    ``BASE = "student_template"`` the module it patches starts from the blank stub (a student who
    filled in the template), not from the reference; the other modules are the reference's. The
    patched module is `pasted`."""
    apply_known_bad(week, patch, dest)
    module = dest / f"{known_bad_meta(patch)['MODULE']}.py"
    if attack_base(patch) == "student_template":
        stub = (week.template_dir / module.name).read_text()
        module.write_text(stub + "\n\n# --- attack: " + patch.name + " ---\n" + patch.read_text())
    module.write_text(pasted(module.read_text()))
    return dest


def imported_top_levels(path: Path) -> set[str]:
    """The top-level names a module imports (relative imports left out)."""
    names = set()
    for node in ast.walk(ast.parse(Path(path).read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def attack_base(patch: Path) -> str:
    """A hostile patch's BASE header: "reference" (the default) or "student_template"."""
    for node in ast.parse(patch.read_text()).body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", None) for t in node.targets] == ["BASE"]:
            base = ast.literal_eval(node.value)
            if base not in ("reference", "student_template"):
                raise ValueError(f"{patch.name}: BASE must be 'reference' or 'student_template', not {base!r}")
            return base
    return "reference"


__all__ = ["ROOT", "TEST_RUBRIC", "apply_attack", "pasted", "imported_top_levels", "attack_base", "for_tests", "known_bad_patches", "known_bad_meta",
           "shutil"]


@contextmanager
def own_week_modules(week_name: str):
    """A fake week with a real week's name loads its checks and reference under the same
    sys.modules names: keep the two apart while the fake one is used, and put the real ones
    back after."""
    prefixes = (f"_dlgrade_assignment_{week_name}", f"_dlgrade_reference_{week_name}")
    saved = {k: v for k, v in sys.modules.items() if k.startswith(prefixes)}
    for k in saved:
        del sys.modules[k]
    try:
        yield
    finally:
        for k in [k for k in sys.modules if k.startswith(prefixes)]:
            del sys.modules[k]
        sys.modules.update(saved)


@pytest.fixture(scope="module")
def template_course(tmp_path_factory):
    """A course made by `init_course` for week 1, with an empty gradebook (made once per test module:
    creating a gradebook runs alembic in a subprocess, about 2 s)."""
    pytest.importorskip("nbgrader")
    from nbgrader.api import Gradebook

    from grader import nbgrader_bridge as bridge

    course = tmp_path_factory.mktemp("template") / "course"
    bridge.init_course(course, ["week1"], root=ROOT)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}"):
        pass
    return course


@pytest.fixture
def course(template_course, tmp_path):
    """A fresh copy of `template_course` (no generate_assignment, no release)."""
    dest = tmp_path / "course"
    shutil.copytree(template_course, dest)
    return dest
