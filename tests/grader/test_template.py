"""Tests for grader.template: stubbing marked regions, rendering and writing templates,
and the freshness of the committed week-1 template."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.course import SOLUTION_BEGIN, STUB_ID
from grader.template import TemplateError, render_week, stale_templates, stub_source, write_templates

REPO = Path(__file__).resolve().parents[2]
WEEK1 = "week1_linear_models"
WEEK1_IDS = {
    "week1.polynomial_features", "week1.least_squares", "week1.hat_matrix", "week1.ridge",
    "week1.mse", "week1.sigmoid", "week1.logistic", "week1.softmax", "week1.cross_entropy",
    "week1.penalties", "week1.sgd", "week1.momentum", "week1.nesterov", "week1.adagrad",
    "week1.rmsprop", "week1.adam", "week1.minibatches", "week1.train_softmax",
}  # fmt: skip

FUNCTION = '''\
import numpy as np


def sigmoid(z):
    """σ(z) = 1 / (1 + exp(−z))."""
    ### BEGIN SOLUTION week1.sigmoid
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    ### END SOLUTION
'''


def src(text):
    return textwrap.dedent(text).lstrip("\n")


def make_week(root, files, week=WEEK1):
    """Write `files` (relative path -> text) as solutions/<week>/ under `root`."""
    for rel, text in files.items():
        path = root / "solutions" / week / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "solutions" / week


# --- stub_source ---------------------------------------------------------------------


def test_stub_keeps_signature_and_docstring():
    """Does a stubbed function keep its signature and docstring, with the raise at body indentation?"""
    stub = stub_source(FUNCTION, "regression.py")
    assert stub == FUNCTION.split("    ### BEGIN")[0] + '    raise NotImplementedError("week1.sigmoid")\n'
    assert "np.exp" not in stub and "SOLUTION" not in stub


def test_stub_in_a_method_uses_the_method_indentation():
    """Is a region inside a method replaced at the method body's indentation, leaving code before it?"""
    text = src('''
        class SGD(Optimizer):
            """w ← w − lr·g."""

            def __init__(self, params, lr):
                super().__init__(params)
                ### BEGIN SOLUTION week1.sgd
                self.lr = lr
                ### END SOLUTION

            def step(self, grads):
                """One update, in place."""
                ### BEGIN SOLUTION week1.sgd
                for p, g in zip(self.params, grads):
                    p -= self.lr * g
                ### END SOLUTION
        ''')
    stub = stub_source(text, "optimizers.py")
    assert stub == src('''
        class SGD(Optimizer):
            """w ← w − lr·g."""

            def __init__(self, params, lr):
                super().__init__(params)
                raise NotImplementedError("week1.sgd")

            def step(self, grads):
                """One update, in place."""
                raise NotImplementedError("week1.sgd")
        ''')
    compile(stub, "optimizers.py", "exec")


def test_several_regions_in_one_file_each_get_their_own_id():
    """With several regions in one file, does each become a raise carrying its own id?"""
    text = FUNCTION + src('''

        def softmax(Z):
            """Row-wise softmax."""
            ### BEGIN SOLUTION week1.softmax
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            return E / E.sum(axis=1, keepdims=True)
            ### END SOLUTION
        ''')
    stub = stub_source(text, "classification.py")
    assert [m.group("id") for m in STUB_ID.finditer(stub)] == ["week1.sigmoid", "week1.softmax"]
    assert '    """Row-wise softmax."""\n    raise NotImplementedError("week1.softmax")\n' in stub


def test_file_without_markers_is_unchanged():
    """Does a file with no markers (an __init__.py) come back byte for byte?"""
    text = '"""Week 1."""\r\n\r\nX = 1\r\n'
    assert stub_source(text, "__init__.py") == text


@pytest.mark.parametrize(
    "body, line, message",
    [
        ("    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", 2, "needs an exercise id"),
        (
            "    ### BEGIN SOLUTION week1.a\n    ### BEGIN SOLUTION week1.b\n    ### END SOLUTION\n",
            3,
            "inside the region opened on line 2",
        ),
        ("    return 1\n    ### END SOLUTION\n", 3, "END SOLUTION without a BEGIN"),
        ("    ### BEGIN SOLUTION week1.a\n    return 1\n", 2, "has no END SOLUTION"),
        ("    ### BEGIN SOLUTION sigmoid\n    return 1\n    ### END SOLUTION\n", 2, "malformed marker"),
    ],
    ids=["begin-without-id", "nested-begin", "end-without-begin", "unterminated", "bad-id"],
)
def test_malformed_markers_are_errors_with_file_and_line(body, line, message):
    """Is each malformed marker reported as a TemplateError naming the file, the line and the fault?"""
    with pytest.raises(TemplateError, match=f"^bad.py:{line}: .*{message}"):
        stub_source("def f():\n" + body, "bad.py")


def test_region_at_module_level_is_an_error():
    """Is a region at module level refused, since its raise would break the whole import?"""
    text = "import numpy as np\n### BEGIN SOLUTION week1.sigmoid\nX = 1\n### END SOLUTION\n"
    with pytest.raises(TemplateError, match=r"^bad.py:2: .*module level"):
        stub_source(text, "bad.py")


# --- render_week, write_templates, stale_templates ----------------------------------


def test_render_week_stubs_python_and_copies_the_rest(tmp_path):
    """Does render_week stub .py files, copy README.md verbatim and skip caches and dotfiles?"""
    readme = "# Week 1\r\n\r\nBias row first.\r\n"
    folder = make_week(
        tmp_path,
        {"classification.py": FUNCTION, "README.md": readme, "__pycache__/x.pyc": "junk", ".notes": "junk"},
    )
    rendered = render_week(folder)
    assert sorted(rendered) == ["README.md", "classification.py"]
    assert (folder / "README.md").read_bytes() == readme.encode()
    assert rendered["README.md"] == readme
    assert 'raise NotImplementedError("week1.sigmoid")' in rendered["classification.py"]


def test_render_week_refuses_a_stub_that_does_not_compile(tmp_path):
    """Is a solution whose stub would not compile reported instead of written?"""
    text = "def f():\n    ### BEGIN SOLUTION week1.a\n    return 1\n    ### END SOLUTION\n  x = 1\n"
    folder = make_week(tmp_path, {"broken.py": text})
    with pytest.raises(TemplateError, match="does not compile"):
        render_week(folder)


def test_write_templates_is_idempotent_and_removes_extra_files(tmp_path):
    """Does write_templates write the template once, then change nothing, and delete orphans?"""
    make_week(tmp_path, {"classification.py": FUNCTION, "README.md": "# Week 1\n"})
    target = tmp_path / "student_template" / WEEK1

    first = write_templates(tmp_path)
    assert sorted(p.name for p in first) == ["README.md", "classification.py"]
    assert write_templates(tmp_path) == []

    (target / "old_module.py").write_text("x = 1\n")
    (target / "__pycache__").mkdir()
    (target / "__pycache__" / "classification.cpython-311.pyc").write_bytes(b"\0")
    assert write_templates(tmp_path) == [target / "old_module.py"]
    assert not (target / "old_module.py").exists()
    assert (target / "__pycache__" / "classification.cpython-311.pyc").exists()
    assert stale_templates(tmp_path) == []


def test_write_templates_restricted_to_named_weeks(tmp_path):
    """Does write_templates accept short week ids, and refuse a week without solutions?"""
    make_week(tmp_path, {"classification.py": FUNCTION})
    assert write_templates(tmp_path, ["week1"]) == [tmp_path / "student_template" / WEEK1 / "classification.py"]
    with pytest.raises(TemplateError, match="week2_neural_networks"):
        write_templates(tmp_path, ["week2"])


def test_stale_templates_reports_changed_missing_and_extra_files(tmp_path):
    """Does stale_templates name a hand-edited, a missing and an extra template file?"""
    make_week(tmp_path, {"classification.py": FUNCTION, "README.md": "# Week 1\n"})
    assert len(stale_templates(tmp_path)) == 2  # nothing generated yet: both missing
    write_templates(tmp_path)
    target = tmp_path / "student_template" / WEEK1
    (target / "classification.py").write_text(FUNCTION)  # the solution leaked into the template
    (target / "README.md").unlink()
    (target / "extra.py").write_text("")
    problems = stale_templates(tmp_path)
    assert len(problems) == 3
    assert any(f"{WEEK1}/classification.py: differs" in p for p in problems)
    assert any(f"{WEEK1}/README.md: missing" in p for p in problems)
    assert any(f"{WEEK1}/extra.py: extra" in p for p in problems)


# --- the real repository ---------------------------------------------------------------

TEMPLATE = REPO / "student_template" / WEEK1
SOLUTIONS = REPO / "solutions" / WEEK1

# Calls every function and method whose stub raises, with placeholder arguments (the
# optimizers' __init__ runs super().__init__(params) first, so they get lists), and
# reports what each raised, beside its source.
CALL_EVERY_STUB = """
import importlib, inspect, json, sys
package, modules = sys.argv[1], sys.argv[2:]
raised = {}
for name in modules:
    module = importlib.import_module(f"{package}.{name}")
    targets = []
    for obj in vars(module).values():
        if getattr(obj, "__module__", None) != module.__name__:
            continue
        if inspect.isfunction(obj):
            targets.append((obj, None))
        elif inspect.isclass(obj):
            targets += [(f, object.__new__(obj)) for f in vars(obj).values() if inspect.isfunction(f)]
    for f, self in targets:
        source = inspect.getsource(f)
        if "NotImplementedError" not in source:
            continue
        args = [[] for p in inspect.signature(f).parameters.values() if p.default is p.empty]
        if self is not None:
            args[0] = self
        try:
            f(*args)
            outcome = "returned"
        except NotImplementedError as e:
            outcome = str(e)
        except Exception as e:
            outcome = f"{type(e).__name__}: {e}"
        raised[f"{name}.{f.__qualname__}"] = [outcome, source]
print(json.dumps(raised))
"""


def solution_ids():
    """Every exercise id in the week-1 solution markers, with the file it was found in."""
    found = []
    for path in sorted(SOLUTIONS.glob("*.py")):
        for line in path.read_text().splitlines():
            m = SOLUTION_BEGIN.match(line)
            if m:
                found.append((m.group("id"), path.name))
    return found


def test_committed_template_is_fresh():
    """Is the committed student_template/ exactly what the solutions generate (run `dlgrade template`)?"""
    assert stale_templates(REPO) == []


def test_solution_markers_use_exactly_the_week1_ids():
    """Is every marker id in the solutions a week-1 id from the spec, and does each of the 18 appear?"""
    ids = {exercise for exercise, _ in solution_ids()}
    assert ids - WEEK1_IDS == set(), "unknown ids in the solution markers"
    assert WEEK1_IDS - ids == set(), "spec ids without a marked solution"


@pytest.mark.parametrize("path", sorted(TEMPLATE.glob("*.py")), ids=lambda p: p.name)
def test_template_file_compiles(path):
    """Does every .py file of the week-1 template compile?"""
    compile(path.read_text(), str(path), "exec")


def test_every_template_stub_raises_its_own_id():
    """Does the template import in a fresh process, and does each stubbed function or method
    raise NotImplementedError carrying the id of the exercise it belongs to?"""
    modules = [p.stem for p in sorted(TEMPLATE.glob("*.py")) if p.stem != "__init__"]
    result = subprocess.run(
        [sys.executable, "-c", CALL_EVERY_STUB, WEEK1, *modules],
        cwd=TEMPLATE.parent,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    raised = json.loads(result.stdout)
    ids = {}
    for qualname, (outcome, source) in raised.items():
        ids[qualname] = STUB_ID.search(source).group("id")
        assert outcome == ids[qualname], f"{qualname} raised {outcome!r}"
    assert set(ids.values()) == WEEK1_IDS
    stubs = sum(len(STUB_ID.findall(p.read_text())) for p in TEMPLATE.glob("*.py"))
    assert len(ids) == stubs, "some stubs sit outside a module-level function or class method"
