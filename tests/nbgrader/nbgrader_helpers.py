"""Helpers for the nbgrader tests: running real nbgrader commands as the instructor or as
a student, running `dlgrade nbgrader ...`, and building the cheat notebooks."""

from __future__ import annotations

import argparse
import ast
import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from grader import cli
from grader.nbgrader_bridge import register_cli

ROOT = Path(__file__).resolve().parents[2]
WEEK = "week1_linear_models"
CHEATS = sorted((Path(__file__).parent / "cheats").glob("*.py"))


def nbgrader(*args: str, cwd: Path, home: Path, check: bool = True) -> subprocess.CompletedProcess:
    """Run the real `nbgrader` command line in `cwd` with its own HOME (so nothing of the
    machine's Jupyter configuration or nbgrader cache leaks in)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("JUPYTER")}
    env["HOME"] = str(home)
    # Kernels nbgrader starts import this checkout's grader, whichever (if any) the environment has installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def fetch_and_submit(course: Path, base: Path, week: str, solved: tuple = ("alice",), students=("alice", "bob")):
    """Each student fetches `week` into their own folder and HOME under `base` and submits it:
    those in `solved` with the reference's module files, the others the release untouched."""
    for student in students:
        work = base / student  # the student's own folder and HOME
        work.mkdir()
        shutil.copy(course / "nbgrader_config_student.py", work / "nbgrader_config.py")
        nbgrader("fetch_assignment", week, cwd=work, home=work)
        if student in solved:
            for module in (ROOT / "solutions" / week).glob("*.py"):
                shutil.copy(module, work / week / module.name)
        nbgrader("submit", week, "--student", student, cwd=work, home=work)


def dlgrade(*argv: str) -> int:
    """`dlgrade ...` with the nbgrader subcommand registered (as cli.py does); `nbgrader
    autograde` is given --isolation rlimits where bubblewrap cannot run (it refuses otherwise)."""
    from grader.isolation import probe

    if "autograde" in argv and "--isolation" not in argv and not probe()[0]:
        argv = (*argv, "--isolation", "rlimits")
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    if "nbgrader" not in subparsers.choices:
        register_cli(subparsers)
    args = parser.parse_args(list(argv))
    return args.func(args)


def cheat_meta(path: Path) -> dict:
    """GRADE_CELLS, CLAIMS_POINTS and the docstring of a cheat file, read without running it."""
    tree = ast.parse(path.read_text())
    meta = {"GRADE_CELLS": "keep", "CLAIMS_POINTS": False, "DOC": (ast.get_docstring(tree) or "").strip()}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in meta:
            meta[node.targets[0].id] = ast.literal_eval(node.value)
    return meta


def is_grade_cell(cell) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("grade"))


def cheat_notebook(released, path: Path, saved_outputs: bool = False):
    """The released notebook plus the cheat cell of `path` (before the first autograder
    cell), with its autograder cells kept, deleted or edited as the cheat says. With
    `saved_outputs`, the autograder cells carry the outputs the cheat's declaration
    (CLAIMS_POINTS) says a student's own run would save; the slow test checks those
    declarations against real runs."""
    meta = cheat_meta(path)
    nb = copy.deepcopy(released)
    first = next(i for i, c in enumerate(nb.cells) if is_grade_cell(c))
    nb.cells.insert(first, nbformat.v4.new_code_cell(path.read_text(), id=f"cheat-{path.stem}"[:64]))
    if meta["GRADE_CELLS"] == "delete":
        nb.cells = [c for c in nb.cells if not is_grade_cell(c)]
    elif meta["GRADE_CELLS"] == "edit":
        for c in nb.cells:
            if is_grade_cell(c):
                c.source = f"{c.metadata.nbgrader.points:g}"
    claim = meta["CLAIMS_POINTS"]
    if saved_outputs and claim is not False:  # otherwise: as if the autograder cells never ran
        for n, c in enumerate(nb.cells, start=1):
            if is_grade_cell(c):
                value = c.metadata.nbgrader.points if claim is True else claim
                c.execution_count = n
                c.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": f"{value:g}"},
                                                    execution_count=n)]
    return nb


def place_submission(course: Path, student: str, notebook, modules_from: Path, timestamp: str) -> Path:
    """Put a submission straight into `course/submitted/<student>/<week>/` (what `nbgrader
    collect` would write): the notebook, the module files of `modules_from`, timestamp.txt."""
    dest = course / "submitted" / student / WEEK
    shutil.copytree(modules_from, dest, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    if notebook is not None:
        nbformat.write(notebook, dest / f"{WEEK}.ipynb")
    (dest / "timestamp.txt").write_text(timestamp)
    return dest


def scores(course: Path) -> dict[str, float]:
    """Student -> total score of the week in the course's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {s.student.id: s.score for s in gb.find_assignment(WEEK).submissions}
