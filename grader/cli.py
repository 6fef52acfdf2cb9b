"""The ``dlgrade`` command line.

    dlgrade grade WEEK SUBMISSION [--json PATH] [--markdown PATH] [--device auto|cpu|cuda]
    dlgrade grade-all WEEK SUBMISSIONS_DIR --out RESULTS_DIR [--jobs N] [--student NAME ...] [--force]
                      [--executor local|ray] [--ray-address ADDRESS]
    dlgrade check WEEK [SUBMISSION]
    dlgrade template [--check]
    dlgrade kit OUT [WEEK ...]
    dlgrade gradescope WEEK --out autograder.zip
    dlgrade demo [WEEK ...]
    dlgrade nbgrader init COURSE_DIR [--weeks ...]
    dlgrade nbgrader autograde WEEK [--nbgrader-course COURSE_DIR]

A SUBMISSION is a folder holding the week's module files, a folder holding the week's
folder, or a .zip: read like one entry of grade-all (`grader.discovery.submission_at`).

Exit status: 0 whenever grading completed, whatever the score; 2 when the grader
could not run (bad arguments, an unreadable folder, a broken course) or, for grade and
check, when the submission holds none of the week's module files; for grade-all,
1 when some submissions could not be graded or were refused.
"""

from __future__ import annotations

import argparse
import math
import numbers
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.text import Text

from . import report as reports
from .course import CourseError, Week, find_course_root, readable_dir
from .engine import grade_submission
from .registry import ChecksError
from .sandbox import Limits, SandboxError
from .scoring import NOT_IMPLEMENTED

EXIT_OK, EXIT_USAGE = 0, 2


def _console() -> Console:
    return reports.make_console()


def _limits(args, week: Week) -> Limits:
    return Limits.from_rubric(week.rubric, call_seconds=args.call_timeout, memory_mb=args.memory_mb,
                              isolation=getattr(args, "isolation", None))


def _status(console: Console, text: str | Text) -> None:
    """Show what is being worked on: a status line that the next one overwrites on a terminal
    (padded with spaces to the width, so a shorter line or the table that follows leaves nothing of
    it), a plain line elsewhere (a log file keeps every one)."""
    text = text if isinstance(text, Text) else Text(text, style="dim")
    if console.is_terminal:
        text = text.copy()
        text.truncate(max(console.width - 1, 1), pad=True)
        console.print(text, end="\r", no_wrap=True, overflow="crop")
    else:
        console.print(text, soft_wrap=True)


def _progress(console: Console):
    """Which exercise is being graded: one line per exercise, a status line on a terminal."""
    def show(exercise, n, total):
        _status(console, f"grading {reports.printable(exercise)} ({n + 1}/{total})…")
    return show


# Training progress, as shown on the terminal. The judge's own training loop (grader.training)
# reports it, but the loss in it is a number the student's code computed.

PROGRESS_FIELDS = {"epoch": int, "epochs": int, "loss": float, "elapsed": float}


def progress_info(raw) -> dict | None:
    """A progress report reduced to numbers: the fields of PROGRESS_FIELDS it
    has, as ints (epoch, epochs: whole numbers from 0 to 10⁹) and floats (loss: any float, a
    diverging run's nan included; elapsed: finite, not negative). None, so that nothing is shown,
    when it has none of them or any of them is something else (a string, a bool, a list: a
    forged message): only numbers the grader formats itself reach a terminal."""
    if not isinstance(raw, dict):
        return None
    info = {}
    for key, kind in PROGRESS_FIELDS.items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return None
        value = float(value)
        if kind is int:
            if not (math.isfinite(value) and value == int(value) and 0 <= value <= 1e9):
                return None
            info[key] = int(value)
        elif key == "loss" or (math.isfinite(value) and value >= 0):
            info[key] = value
        else:
            return None
    return info or None


def training_line(exercise: str, info) -> Text | None:
    """The status line of a training run's progress report, or None when the report is not
    numbers (its loss comes from student code: `progress_info` keeps
    numbers only, and the line is built from them here, never from text)."""
    info = progress_info(info)
    if info is None:
        return None
    parts = []
    if "epoch" in info:
        parts.append(f"training epoch {info['epoch']}" + (f"/{info['epochs']}" if "epochs" in info else ""))
    if "loss" in info:
        parts.append(f"loss {info['loss']:.4f}")
    if "elapsed" in info:
        parts.append(f"{info['elapsed']:.1f} s")
    return Text(f"{reports.printable(exercise)}: {', '.join(parts) or 'training'}", style="dim")


TRAINING_LINE_EVERY = 30.0  # seconds between two training lines where the output is not a terminal


def _training_progress(console: Console, clock=time.monotonic):
    """The progress of long training runs (epoch, loss, elapsed time): every report on a
    terminal's status line; elsewhere (a log) a line at most every `TRAINING_LINE_EVERY` seconds,
    so that a long run shows it is alive without flooding the log."""
    last: list[float] = []

    def show(exercise, info):
        line = training_line(exercise, info)
        if line is None:
            return
        if not console.is_terminal:
            now = clock()
            if last and now - last[0] < TRAINING_LINE_EVERY:
                return
            last[:] = [now]
        _status(console, line)
    return show


def _output_file(path: str | None) -> Path | None:
    """`path` (--json, --markdown) with its parent folders created."""
    if not path:
        return None
    try:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CourseError(f"cannot create the folder of {path} ({e.strerror})") from None
    if Path(path).is_dir():
        raise CourseError(f"{path} is a folder; give a file name")
    return Path(path)


def cmd_grade(args) -> int:
    """Grade one submission (a folder, a folder holding the week's folder, or a .zip: read like
    one entry of grade-all). When none of the week's files is found: exit 2, and the results
    files (--json, --markdown) say so with a zero score, since Gradescope needs a results file."""
    from .discovery import missing_week_files, submission_at, unpacked

    week = Week.load(args.week, args.course)
    sub = submission_at(week, args.submission)
    json_path, markdown_path = _output_file(args.json), _output_file(args.markdown)
    console = _console()
    with unpacked(week, sub) as (folder, _, notes):
        missing = missing_week_files(week, sub, folder, shown_as=args.submission)
        if missing and not (json_path or markdown_path):
            print(f"error: {missing}", file=sys.stderr)
            return EXIT_USAGE
        result = grade_submission(week, folder, mode="grade", device=args.device, limits=_limits(args, week),
                                  progress=_progress(console), on_training=_training_progress(console))
    result.submission = sub.student
    result.notes = notes + ([f"Nothing was graded: {missing}"] if missing else []) + result.notes
    if not missing:
        reports.render_table(result, console, verbose=args.verbose)
    if json_path:
        reports.write_gradescope(result, json_path)
    if markdown_path:
        reports.write_markdown(result, markdown_path)
    if missing:
        print(f"error: {missing} The results files say so, with a score of zero.", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_OK


def cmd_grade_all(args) -> int:
    """Grade every student's submission into RESULTS_DIR (see grader.cohort); exit status 1
    when some could not be graded or were refused, so that a re-run is called for."""
    from .cohort import grade_all
    from .cohort_display import Progress, render_run
    from .store import BatchError

    week = Week.load(args.week, args.course)
    src = readable_dir(args.submissions)
    check_cohort_options(args, week)
    out = Path(args.out)
    if out.resolve() == src.resolve():
        raise CourseError("--out must not be the submissions folder itself")
    console = _console()
    try:
        run = grade_all(week, src, out, jobs=args.jobs, device=args.device, call_timeout=args.call_timeout,
                        memory_mb=args.memory_mb, isolation=getattr(args, "isolation", None),
                        student_timeout=args.student_timeout, progress=Progress(console),
                        students=args.students, force=args.force, executor=args.executor,
                        ray_address=args.ray_address, max_tries=args.max_tries)
    except BatchError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    render_run(run, out, console, verbose=args.verbose)
    if run.interrupted:
        console.print("Interrupted: re-run the same command to finish (graded students are kept).", soft_wrap=True)
        return 130
    if run.failed:
        console.print(f"{len(run.failed)} submission(s) could not be graded; re-run to retry.", style="bold red",
                      soft_wrap=True)
    if run.discovery.refused:
        console.print(f"{len(run.discovery.refused)} submission(s) were refused; rename them and re-run.",
                      style="bold red", soft_wrap=True)
    return EXIT_OK if run.complete else 1


def check_cohort_options(args, week: Week) -> None:
    """The options of grade-all and nbgrader autograde, refused here, once, rather than by every
    student's worker."""
    for option in ("jobs", "max_tries"):
        value = getattr(args, option)
        if value is not None and value < 1:
            raise ValueError(f"--{option.replace('_', '-')} must be at least 1, got {value}")
    if args.student_timeout is not None and not (math.isfinite(args.student_timeout) and args.student_timeout > 0):
        raise ValueError(f"--student-timeout must be a number of seconds above 0, got {args.student_timeout:g}")
    _limits(args, week)
    if args.device == "cuda" and args.executor == "local":  # a Ray cluster's GPUs are its workers'
        from .engine import select_device

        select_device("cuda")
    if args.executor == "ray":
        from .ray_executor import require_ray

        require_ray()


def add_cohort_options(parser) -> None:
    """--jobs, --executor, --ray-address, --student-timeout, --max-tries, --student and --force,
    shared by grade-all and nbgrader autograde."""
    parser.add_argument("--jobs", type=int, default=None,
                        help="students graded at once (default: the number of cores here; with --executor ray, "
                             "the cluster's CPUs)")
    parser.add_argument("--executor", choices=["local", "ray"], default="local",
                        help="where grading runs: local (judge processes on this machine, the default) or ray "
                             "(a Ray cluster: pip install 'dlgrade[ray]')")
    parser.add_argument("--ray-address", default=None,
                        help="the Ray cluster to join (default: $RAY_ADDRESS, else a local cluster started for the run)")
    parser.add_argument("--student-timeout", type=float, default=None,
                        help="seconds one student's grading may take before its worker is presumed stuck and the "
                             "attempt abandoned (default: twice the most the week's limits allow)")
    parser.add_argument("--max-tries", type=int, default=None,
                        help="attempts at one student when the machine fails (a worker that dies or does not "
                             "answer, a sandbox that cannot start) before it is reported not graded: "
                             "infrastructure (default: 3); what student code does is never retried")
    parser.add_argument("--student", dest="students", action="append", metavar="NAME",
                        help="grade only this student (repeatable; the class files still cover everyone)")
    parser.add_argument("--force", action="store_true",
                        help="regrade even the submissions whose results are up to date")


def cmd_check(args) -> int:
    """The public checks on DIR (default: the current folder, or its <week folder>/), read like
    `cmd_grade`'s submission; exit 2 when none of the week's files is there."""
    from .discovery import missing_week_files, submission_at, unpacked

    week = Week.load(args.week, args.course)
    sub = submission_at(week, args.dir or Path.cwd())
    console = _console()
    with unpacked(week, sub) as (folder, _, notes):
        missing = missing_week_files(week, sub, folder, shown_as=args.dir or str(Path.cwd()))
        if missing:
            print(f"error: {missing}", file=sys.stderr)
            return EXIT_USAGE
        result = grade_submission(week, folder, mode="check", device=args.device, limits=_limits(args, week),
                                  progress=_progress(console), on_training=_training_progress(console))
    result.submission = sub.student
    result.notes = notes + result.notes
    reports.render_table(result, console, verbose=args.verbose)
    console.print("Public checks only: the instructor's grading also runs hidden checks on other inputs.")
    return EXIT_OK


def cmd_template(args) -> int:
    """Regenerate (or with --check, verify) what is generated from sources: the
    student templates from solutions/ and each week's notebook from its notebook.py."""
    from .notebook import NotebookError, stale_notebooks, write_notebooks
    from .template import TemplateError, stale_templates, write_templates

    root = find_course_root(args.course)
    try:
        if args.check:
            stale = stale_templates(root) + stale_notebooks(root)
            if stale:
                print("generated files are stale; run 'dlgrade template':\n  " + "\n  ".join(stale))
                return 1
            print("student_template/ and the notebooks are up to date.")
            return EXIT_OK
        changed = write_templates(root) + write_notebooks(root)
    except (TemplateError, NotebookError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"student_template/ and notebooks regenerated ({len(changed)} file(s) changed).")
    return EXIT_OK


def example_submissions(week: Week, workdir: Path) -> list[tuple[str, Path, set[str] | None]]:
    """The week's bundled examples as (label, submission folder, exercises to grade):
    the reference, the blank template and each other correct implementation, graded
    whole, and each known-bad patch applied to a copy of the reference, graded on the
    exercises it declares (EXERCISE and ALSO_COSTS), since the rest is the reference."""
    examples = week.root / "examples" / week.name
    subs = [("reference", week.solution_dir, None), ("blank template", week.template_dir, None)]
    for folder in sorted(p for p in examples.glob("*") if p.is_dir() and p.name != "known_bad"):
        subs.append((folder.name, folder, None))
    for patch in sorted((examples / "known_bad").glob("*.py")):
        meta = known_bad_meta(patch)
        subs.append((patch.stem, apply_known_bad(week, patch, workdir / patch.stem),
                     {meta["EXERCISE"], *meta["ALSO_COSTS"]}))
    return subs


def known_bad_meta(patch: Path) -> dict:
    """MODULE, EXERCISE, HINT, EXERCISE_SCORE and ALSO_COSTS of a known-bad patch, read
    without running it. ALSO_COSTS lists exercises that legitimately lose points too
    (a layer bug that stops the week's model from learning costs its training run)."""
    import ast

    meta = {"EXERCISE_SCORE": 0, "ALSO_COSTS": []}
    for node in ast.parse(patch.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("MODULE", "EXERCISE", "HINT", "EXERCISE_SCORE", "ALSO_COSTS"):
                meta[node.targets[0].id] = ast.literal_eval(node.value)
    meta["DOC"] = (ast.get_docstring(ast.parse(patch.read_text())) or "").strip()
    return meta


def apply_known_bad(week: Week, patch: Path, dest: Path) -> Path:
    """Copy the reference into `dest` and append `patch` to the module it names,
    so that its definitions replace the reference's."""
    meta = known_bad_meta(patch)
    shutil.copytree(week.solution_dir, dest, ignore=shutil.ignore_patterns("__pycache__"))
    target = dest / f"{meta['MODULE']}.py"
    target.write_text(target.read_text() + "\n\n# --- known bug: " + patch.name + " ---\n" + patch.read_text())
    return dest


def cmd_demo(args) -> int:
    """Grade each week's bundled examples, saying which one is being graded, and print each week's
    table as soon as the week is done."""
    from rich.table import Table

    console = _console()
    weeks = args.weeks or [p.name for p in sorted((find_course_root(args.course) / "examples").glob("week*"))]
    for name in weeks:
        week = Week.load(name, args.course)
        table = Table(title=f"{week.name}: bundled example submissions", title_justify="left")
        table.add_column("submission", overflow="fold", max_width=32)  # long file names fold
        table.add_column("score", no_wrap=True)
        table.add_column("feedback on the first exercise that lost points", ratio=1, min_width=30)
        with tempfile.TemporaryDirectory(prefix="dlgrade-demo-") as tmp:
            subs = example_submissions(week, Path(tmp))
            for i, (label, folder, only) in enumerate(subs, 1):
                doing = f"{week.name.split('_')[0]}: grading {label} ({i}/{len(subs)})"
                _status(console, doing + "…")

                def show(exercise, n, total, doing=doing):
                    if console.is_terminal:  # a log gets one line per submission
                        _status(console, f"{doing}: {reports.printable(exercise)} ({n + 1}/{total})…")

                result = grade_submission(week, folder, device=args.device, limits=_limits(args, week), only=only,
                                          progress=show)
                result.submission = label
                graded = Text(reports.printable(label))
                if only:  # a known bug is graded on the exercises it costs
                    graded.append(f"\n{', '.join(sorted(only))}", style="dim")
                table.add_row(graded, f"{result.score:g} / {result.max_score:g}",
                              Text(" ".join(_first_feedback(result).split())))
                if args.verbose:
                    reports.render_table(result, console, verbose=True)
        console.print(table)
    return EXIT_OK


def _first_feedback(result) -> str:
    """The demo's feedback cell: the first exercise that lost points and its `key_feedback`."""
    lost = [e for e in result.exercises() if e.score < e.max_score]
    if not lost:
        return "-"
    if all(e.status == NOT_IMPLEMENTED for e in lost):
        return f"{len(lost)} exercises: not implemented yet"
    first = lost[0]
    more = f" (and {len(lost) - 1} more exercises)" if len(lost) > 1 else ""
    return f"{reports.printable(first.id)}: {reports.key_feedback(first, limit=420)}{more}"


def add_isolation_option(parser, whole_class: bool = False) -> None:
    """--isolation. Grading a whole class never falls back to rlimits on its own."""
    if whole_class:
        text = ("how student code is confined: bubblewrap (default; auto means the same here: a whole class is "
                "never graded without it unless you ask) or rlimits (resource limits only: every submission "
                "could read the solutions and other students' files)")
    else:
        text = ("how student code is confined: bubblewrap (required), rlimits (resource limits only) "
                "or auto (default: bubblewrap where it runs, else rlimits with a warning)")
    parser.add_argument("--isolation", choices=["auto", "bubblewrap", "rlimits"], default=None, help=text)


def _week_help() -> str:
    """The weeks argument's help: the weeks released in the course found from here."""
    from .course import available_weeks, short_id

    try:
        weeks = available_weeks(find_course_root())
    except CourseError:
        weeks = []
    if not weeks:
        return "week1 … week6, or the week's folder name"
    return f"the week: {', '.join(short_id(w) for w in weeks)} (released in the course found from here), " \
           "or the week's folder name"


def build_parser() -> argparse.ArgumentParser:
    from .provenance import grader_version

    p = argparse.ArgumentParser(prog="dlgrade", description="Grade Introduction to Deep Learning exercises.")
    p.add_argument("--version", action="version", version=f"dlgrade {grader_version()}")
    p.add_argument("--course", help="the course folder (holding assignments/); found automatically by default")
    week_help = _week_help()
    sub = p.add_subparsers(dest="command", required=True)

    def common(q, whole_class=False):
        q.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                       help="where training runs happen (default: CUDA when available)")
        q.add_argument("--call-timeout", type=float, default=None, help="seconds allowed per call into student code")
        q.add_argument("--memory-mb", type=int, default=None, help="memory limit of the student process, in MB")
        add_isolation_option(q, whole_class)
        q.add_argument("-v", "--verbose", action="store_true", help="show every check and its full feedback")

    g = sub.add_parser("grade", help="grade one submission with all checks")
    g.add_argument("week", help=week_help)
    g.add_argument("submission", help="the week's module files: their folder, a folder holding the week's folder, "
                                      "or a .zip")
    g.add_argument("--json", help="write Gradescope results.json here")
    g.add_argument("--markdown", help="write the student's feedback as Markdown here")
    common(g)
    g.set_defaults(func=cmd_grade)

    ga = sub.add_parser("grade-all", help="grade a whole class: one submission per student, resumable")
    ga.add_argument("week", help=week_help)
    ga.add_argument("submissions", help="folder with one folder or .zip per student, or an nbgrader course")
    ga.add_argument("--out", required=True, help="results folder: <student>/results.json, gradebook.csv, summary.md")
    common(ga, whole_class=True)
    add_cohort_options(ga)
    ga.set_defaults(func=cmd_grade_all)

    c = sub.add_parser("check", help="run the public checks on your own work")
    c.add_argument("week", help=week_help)
    c.add_argument("dir", nargs="?", help="your copy of the week, as for grade (default: . or ./<week folder>)")
    common(c)
    c.set_defaults(func=cmd_check)

    t = sub.add_parser("template", help="regenerate student_template/ from solutions/ and the notebooks from their sources")
    t.add_argument("--check", action="store_true", help="fail if the committed templates are stale")
    t.set_defaults(func=cmd_template)

    from .nbgrader_bridge import register_cli

    register_cli(sub)

    from . import gradescope, kit

    kit.register_cli(sub)
    gradescope.register_cli(sub)

    d = sub.add_parser("demo", help="grade the bundled example submissions of each week")
    d.add_argument("weeks", nargs="*")
    common(d)
    d.set_defaults(func=cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CourseError, ChecksError, SandboxError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
