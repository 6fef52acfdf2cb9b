"""The student template, generated from the reference solutions.

Every exercise body in ``solutions/<week>/`` sits between two marker lines::

        ### BEGIN SOLUTION week1.sigmoid
        ...
        ### END SOLUTION

and the template replaces each such region, markers included, with one line
``raise NotImplementedError("week1.sigmoid")`` at the marker's indentation.
Docstrings, signatures and everything outside the markers stay as they are; files
other than ``.py`` (a week's README) are copied verbatim. ``student_template/`` is
only ever written by ``write_templates``; ``stale_templates`` says whether the
committed copy still matches what the solutions generate.
"""

from __future__ import annotations

from pathlib import Path

from grader.course import SOLUTION_BEGIN, SOLUTION_END, WEEKS, resolve_week


class TemplateError(ValueError):
    """A solution file's markers are malformed, or its stub would not compile."""


def stub_source(text: str, path_for_errors: str) -> str:
    """Return `text` with every marked solution region replaced by its stub line.

    Args:
        text: the source of one solution file.
        path_for_errors: the file's name, used only in error messages.

    Returns:
        The stubbed source; a file without markers comes back unchanged.

    Raises:
        TemplateError: a BEGIN without an exercise id, a BEGIN inside a region, an
            END outside one, a region left open, a region at module level (its
            ``raise`` would break the whole import), or a marker line that is
            neither, naming the file and line.
    """
    out: list[str] = []
    region = None  # (line number, indentation, id, newline) of the open BEGIN
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        content = line.rstrip("\r\n")
        where = f"{path_for_errors}:{number}"
        begin = SOLUTION_BEGIN.match(content)
        if begin:
            if region:
                raise TemplateError(f"{where}: BEGIN SOLUTION inside the region opened on line {region[0]}")
            if not begin.group("id"):
                raise TemplateError(f"{where}: BEGIN SOLUTION needs an exercise id, as in '... SOLUTION week1.x'")
            if not begin.group("indent"):
                raise TemplateError(f"{where}: solution region at module level; put it inside a function body")
            region = (number, begin.group("indent"), begin.group("id"), line[len(content) :] or "\n")
        elif SOLUTION_END.match(content):
            if not region:
                raise TemplateError(f"{where}: END SOLUTION without a BEGIN SOLUTION before it")
            _, indent, exercise, newline = region
            out.append(f'{indent}raise NotImplementedError("{exercise}"){newline}')
            region = None
        elif content.lstrip().startswith(("### BEGIN SOLUTION", "### END SOLUTION")):
            raise TemplateError(f"{where}: malformed marker {content.strip()!r}; the id looks like week1.sigmoid")
        elif not region:
            out.append(line)
    if region:
        raise TemplateError(f"{path_for_errors}:{region[0]}: BEGIN SOLUTION {region[2]} has no END SOLUTION")
    return "".join(out)


def _week_files(folder: Path) -> dict[str, Path]:
    """Relative POSIX path -> file, for every file under `folder` that belongs to a week
    (not ``__pycache__``, not dotfiles)."""
    if not folder.is_dir():
        return {}
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            files[rel.as_posix()] = path
    return files


def render_week(solution_dir: Path) -> dict[str, str]:
    """Return the template of one week: relative path -> file content.

    ``.py`` files are stubbed with `stub_source` and must still compile; every other
    file is copied verbatim. Files are read and returned as UTF-8 text, line endings
    untouched.

    Raises:
        TemplateError: a malformed marker, a stub that does not compile, or a file
            that is not UTF-8 text.
    """
    rendered = {}
    for rel, path in _week_files(Path(solution_dir)).items():
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError as e:
            raise TemplateError(f"{path}: not UTF-8 text ({e}); week folders hold only text files") from None
        if path.suffix == ".py":
            text = stub_source(text, str(path))
            try:
                compile(text, f"{path} (stubbed)", "exec")
            except SyntaxError as e:
                raise TemplateError(f"{path}: the stubbed file does not compile: line {e.lineno}: {e.msg}") from None
        rendered[rel] = text
    return rendered


def _render_all(root: Path, weeks: list[str] | None) -> dict[str, dict[str, str]]:
    """Week name -> rendered template, for the named weeks (default: every week with solutions)."""
    if weeks is None:
        names = [w for w in WEEKS if (root / "solutions" / w).is_dir()]
    else:
        names = [resolve_week(w) for w in weeks]
        missing = [w for w in names if not (root / "solutions" / w).is_dir()]
        if missing:
            raise TemplateError(f"no solutions to generate from: {', '.join(f'solutions/{w}' for w in missing)}")
    return {week: render_week(root / "solutions" / week) for week in names}


def write_templates(root: Path, weeks: list[str] | None = None) -> list[Path]:
    """Regenerate ``root/student_template/<week>/`` from ``root/solutions/<week>/``.

    Writes missing and changed files, deletes files that no solution file generates
    (``__pycache__`` and dotfiles are left alone), and touches nothing else. Every
    week is rendered before anything is written, so a malformed marker leaves the
    templates as they were.

    Args:
        root: the course root.
        weeks: week names or short ids; by default every week under ``solutions/``.

    Returns:
        The paths written or deleted; empty when the templates were already fresh.
    """
    root = Path(root)
    changed = []
    for week, rendered in _render_all(root, weeks).items():
        target = root / "student_template" / week
        for rel, text in rendered.items():
            path = target / rel
            data = text.encode("utf-8")
            if not path.is_file() or path.read_bytes() != data:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                changed.append(path)
        for rel, path in _week_files(target).items():
            if rel not in rendered:
                path.unlink()
                changed.append(path)
    return changed


def stale_templates(root: Path) -> list[str]:
    """List how the committed ``student_template/`` differs from what the solutions generate.

    Returns:
        One line per missing, changed or extra file, e.g.
        ``student_template/week1_linear_models/optimizers.py: differs from its solution's stub``;
        empty when every week's template is fresh.
    """
    root = Path(root)
    problems = []
    for week, rendered in _render_all(root, None).items():
        present = _week_files(root / "student_template" / week)
        for rel in sorted(rendered.keys() | present.keys()):
            name = f"student_template/{week}/{rel}"
            if rel not in present:
                problems.append(f"{name}: missing (generated from solutions/{week}/{rel})")
            elif rel not in rendered:
                problems.append(f"{name}: extra (no file in solutions/{week}/ generates it)")
            elif present[rel].read_bytes() != rendered[rel].encode("utf-8"):
                problems.append(f"{name}: differs from what solutions/{week}/{rel} generates")
    return problems
