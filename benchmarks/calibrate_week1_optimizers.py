"""Calibrate week 1's optimizer tolerances: how far correct float64 and float32
implementations stray from torch.optim's float64 trajectory, and how far the known
mistakes do, on the public and hidden problems of the optimizer checks.

    python benchmarks/calibrate_week1_optimizers.py

For every optimizer and problem it prints, per implementation, the smallest
``atol_float32`` that implementation needs (with rtol and atol_path as in the rubric)
and its worst element as a fraction of the rubric's allowance; then the smallest
factor by which a known mistake (the checks' own list of mistakes, and the known-bad
examples) exceeds the allowance. Runs the course's own code in this process: an
instructor's tool, never pointed at student code. The figures go into the comments of
assignments/week1_linear_models/rubric.toml ([optimizers]).
"""

import importlib.util
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grader.cli import apply_known_bad, known_bad_meta  # noqa: E402
from grader.course import Week  # noqa: E402
from grader.registry import load_checks  # noqa: E402


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(module, class_name, params, grads, lr, hp):
    """The trajectory of `module.class_name` on float64 copies of `params`."""
    ps = [p.copy() for p in params]
    opt = getattr(module, class_name)(ps, lr, **hp)
    out = []
    for gs in grads:
        opt.step(gs)
        out.append([np.array(p, dtype=np.float64) for p in ps])
    return out


def main():
    week = Week.load("week1", ROOT)
    load_checks(week.assignment_dir, include_hidden=True)
    po = next(m for n, m in sys.modules.items() if n.endswith("public_optimizers"))
    ho = next(m for n, m in sys.modules.items() if n.endswith("hidden_optimizers"))
    tol = po.TOL
    problems = [("public", [(3,), (2, 4)], 10, (1e-8, 10.0), 1, lambda ex: (0.05, {})),
                ("hidden", ho.SHAPES, 50, (1e-9, 1e2), 7, lambda ex: (0.01, {})),
                ("settings", ho.SHAPES, 30, (1e-6, 1e1), 11,
                 lambda ex: (0.3 if not ho.HYPER[ex] else 0.02, ho.HYPER[ex]))]
    examples = ROOT / "examples" / week.name
    correct = {"reference": week.solution_dir / "optimizers.py"}
    correct.update({d.name: d / "optimizers.py" for d in sorted(examples.iterdir())
                    if d.is_dir() and d.name != "known_bad"})
    with tempfile.TemporaryDirectory() as tmp:
        bad = {}
        for patch in sorted((examples / "known_bad").glob("*.py")):
            meta = known_bad_meta(patch)
            if meta["MODULE"] == "optimizers":
                folder = apply_known_bad(week, patch, Path(tmp) / patch.stem / week.name)
                bad[patch.stem] = (meta["EXERCISE"], load_module(folder / "optimizers.py", f"bad_{patch.stem}"))
        modules = {name: load_module(path, f"ok_{name}") for name, path in correct.items()}

        need = {name: 0.0 for name in modules}
        share = {name: 0.0 for name in modules}
        mistakes = {}  # "exercise: mistake" -> its worst ratio over the problems (it fails if any catches it)
        for ex, (class_name, *_) in po.OPTIMIZERS.items():
            for label, shapes, steps, scales, seed, settings in problems:
                lr, hp = settings(ex)
                params, grads = po.problem(shapes, steps, scales, seed)
                expected = po.torch_trajectory(ex, tuple(shapes), steps, tuple(scales), seed, lr,
                                               tuple(sorted(hp.items())))
                no_f32 = po.allowances(params, expected, tol["atol_path"], 0.0)
                unit = po.allowances(params, expected, 0.0, 1.0)  # 2⁻²⁴·Σ|w_s|
                atol = po.allowances(params, expected, tol["atol_path"], tol["atol_float32"])

                def worst_ratio(traj):
                    return max(r for t in range(steps) for r, _ in po._ratios(traj[t], expected[t], params, atol[t],
                                                                               tol["rtol"]))

                row = f"{ex:15s} {label:8s}"
                for name, module in modules.items():
                    traj = run(module, class_name, params, grads, lr, hp)
                    c = max(float(np.max((np.abs(g - w) - tol["rtol"] * np.abs(w - p0) - a0) / u))
                            for t in range(steps) for g, w, p0, a0, u in
                            zip(traj[t], expected[t], params, no_f32[t], unit[t]))
                    r = worst_ratio(traj)
                    need[name], share[name] = max(need[name], c), max(share[name], r)
                    row += f" | {name} needs {max(c, 0.0):5.2f}, at {r:6.3g}"
                print(row)
                zoo = po.mistake_trajectories(ex, params, grads, lr, hp)
                zoo.update({f"known_bad/{stem}": run(module, class_name, params, grads, lr, hp)
                            for stem, (target, module) in bad.items() if target == ex})
                for what, traj in zoo.items():
                    key = f"{ex}: {what}"
                    mistakes[key] = max(mistakes.get(key, 0.0), worst_ratio(traj))
        print(f"\nrubric: rtol {tol['rtol']:g}, atol_path {tol['atol_path']:g}, atol_float32 {tol['atol_float32']:g}")
        for name in modules:
            print(f"{name:24s} needs atol_float32 ≥ {max(need[name], 0.0):.2f}; worst element at "
                  f"{share[name]:.3g} of the allowance")
        ratio, what = min((r, k) for k, r in mistakes.items())
        print(f"smallest excess of a mistake (on its most telling problem): {ratio:.3g} times the allowance "
              f"({what})")


if __name__ == "__main__":
    main()
