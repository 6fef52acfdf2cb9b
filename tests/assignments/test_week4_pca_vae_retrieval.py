"""Week 4's own tests of the PCA, VAE-piece, exact-retrieval and add_noise checks: the decisions
test_weeks does not cover. Components are judged up to sign and, for repeated eigenvalues,
on their eigenspace; torch tensors are accepted where vae.py returns them; neighbours tie
exactly on integer codes whatever algebra computes the distances; add_noise is judged on
statistics and on where its randomness comes from. Each submission here is the reference
with some functions replaced, graded on the exercises these checks belong to only.
"""

import shutil
import textwrap

import pytest

from grader.course import Week
from grader.scoring import PASSED

from conftest import ROOT, grader_of

WEEK = "week4_autoencoders"
week = Week.load(WEEK, ROOT)
MINE = {"week4.pca", "week4.vae", "week4.retrieval", "week4.denoising"}
# The check files these tests are about. week4.retrieval and week4.denoising also have trained checks
# (public_autoencoder.py, hidden_autoencoder.py); the course these tests grade holds only the files
# below, so that no training runs here.
OWN_FILES = ("public_pca", "hidden_pca", "public_vae", "hidden_vae", "public_retrieval", "hidden_retrieval",
             "public_noise", "hidden_noise")


@pytest.fixture(scope="module")
def grade(tmp_path_factory):
    """grade(folder=None, patch=None, only=MINE) -> GradeReport, memoised, on a copy of the course whose
    week 4 holds the rubric and OWN_FILES' checks alone."""
    return grader_of(tmp_path_factory, WEEK, OWN_FILES, MINE)


def submission(tmp_path, module, code):
    """The reference with `code` appended to `module`.py (its definitions replace the reference's)."""
    dest = tmp_path / WEEK
    shutil.copytree(week.solution_dir, dest, ignore=shutil.ignore_patterns("__pycache__"))
    path = dest / f"{module}.py"
    path.write_text(path.read_text() + "\n\n" + textwrap.dedent(code))
    return dest


def failures(report):
    return [(r.title, r.output) for r in report.results if r.status != PASSED]


@pytest.mark.parametrize("folder", [week.solution_dir, ROOT / "examples" / WEEK / "alternative_correct"],
                         ids=["reference", "alternative_correct"])
def test_correct_implementations_score_full_marks(grade, folder):
    """Do the reference and the float32 alternative (eigh of a float32 covariance, loops, torch tensors
    from vae.py, the ‖q‖² − 2q·c + ‖c‖² expansion, Box–Muller noise) pass every check of these exercises?"""
    report = grade(folder, only=MINE)
    assert failures(report) == []


def test_blank_template_is_not_implemented(grade):
    """Does the template score 0 with 'not implemented yet' naming each exercise?"""
    report = grade(week.template_dir, only=MINE)
    assert report.score == 0
    for r in report.results:
        assert r.status != PASSED and f"Not implemented yet: {r.id}" in r.output, r.output


# --- week4.pca ---------------------------------------------------------------------------------


def test_pca_any_signs_and_any_basis_of_repeated_eigenspaces_pass(grade, tmp_path):
    """Is a fit whose rows have random signs, and whose rows inside every repeated eigenvalue's
    eigenspace (the null space of rank-deficient data included) are rotated at random, judged correct?"""
    folder = submission(tmp_path, "pca", """
        def pca_fit(X, k):
            X = np.asarray(X, dtype=float)
            mean = X.mean(axis=0)
            lam, V = np.linalg.eigh((X - mean).T @ (X - mean) / len(X))
            lam, V = lam[::-1], V[:, ::-1].copy()
            rng = np.random.default_rng(len(X) * 100 + k)
            start = 0
            while start < len(lam):  # groups of equal eigenvalues, rotated by a random orthogonal matrix
                stop = start + 1
                while stop < len(lam) and abs(lam[stop] - lam[start]) <= 1e-9 * max(lam[0], 1e-300):
                    stop += 1
                Q = np.linalg.qr(rng.normal(size=(stop - start, stop - start)))[0]
                V[:, start:stop] = V[:, start:stop] @ Q
                start = stop
            return mean, (V * rng.choice([-1.0, 1.0], size=len(lam))).T[:k]
    """)
    assert failures(grade(folder, only={"week4.pca"})) == []


def test_pca_rows_out_of_order_fail_with_the_order_hint(grade, tmp_path):
    """Are the right eigenvectors in the wrong order (the 2nd before the 1st) refused, with advice on the order?"""
    folder = submission(tmp_path, "pca", """
        def pca_fit(X, k):
            X = np.asarray(X, dtype=float)
            mean = X.mean(axis=0)
            vt = np.linalg.svd(X - mean, full_matrices=True)[2].copy()
            vt[[0, 1]] = vt[[1, 0]]
            return mean, vt[:k]
    """)
    failed = failures(grade(folder, only={"week4.pca"}))
    assert failed and all("order the components by decreasing eigenvalue" in out for _, out in failed)


def test_pca_repeated_rows_in_an_eigenspace_fail_as_not_orthonormal(grade, tmp_path):
    """Is a fit whose rows lie in the right eigenspaces but repeat one vector refused as not orthonormal?"""
    folder = submission(tmp_path, "pca", """
        def pca_fit(X, k):
            X = np.asarray(X, dtype=float)
            mean = X.mean(axis=0)
            vt = np.linalg.svd(X - mean, full_matrices=True)[2].copy()
            vt[2] = vt[1]
            return mean, vt[:k]
    """)
    report = grade(folder, only={"week4.pca"})
    assert report.score == 0 and all("not orthonormal" in out for _, out in failures(report))


# --- week4.vae ---------------------------------------------------------------------------------


def test_vae_pieces_returning_torch_tensors_that_require_grad_pass(grade, tmp_path):
    """Are torch tensors (float64, still attached to the autograd graph) accepted as results of
    reparameterize and gaussian_kl?"""
    folder = submission(tmp_path, "vae", """
        def reparameterize(mu, logvar, eps):
            mu, logvar, eps = (torch.tensor(np.asarray(a, dtype=float)) for a in (mu, logvar, eps))
            return mu + torch.exp(logvar / 2) * eps

        def gaussian_kl(mu, logvar):
            mu = torch.tensor(np.asarray(mu, dtype=float), requires_grad=True)
            logvar = torch.tensor(np.asarray(logvar, dtype=float), requires_grad=True)
            value = 0.5 * (logvar.exp() + mu ** 2 - 1 - logvar).sum(dim=1).mean()
            dmu, dlogvar = torch.autograd.grad(value, (mu, logvar), create_graph=True)
            return value, dmu, dlogvar
    """)
    assert failures(grade(folder, only={"week4.vae"})) == []


def test_gaussian_kl_returning_an_object_fails_clearly(grade, tmp_path):
    """Is a KL value that is neither numbers nor a tensor refused with a message saying so?"""
    folder = submission(tmp_path, "vae", """
        def gaussian_kl(mu, logvar):
            return object(), np.zeros(np.shape(mu)), np.zeros(np.shape(mu))
    """)
    failed = failures(grade(folder, only={"week4.vae"}))
    assert len(failed) == 2 and all("should be numbers (a NumPy array or a torch tensor)" in out for _, out in failed)


# --- week4.retrieval (exact part) ------------------------------------------------------------------


def test_nearest_neighbors_as_lists_of_ints_with_the_expansion_in_float64_pass(grade, tmp_path):
    """Do Python lists of ints pass, from distances by the expansion ‖q‖² − 2q·c + ‖c‖² (float64), ties
    broken by a stable sort?"""
    folder = submission(tmp_path, "retrieval", """
        def nearest_neighbors(codes, queries, n):
            c = np.asarray(codes, dtype=float)
            q = np.asarray(queries, dtype=float)
            d = (q ** 2).sum(axis=1)[:, None] - 2 * q @ c.T + (c ** 2).sum(axis=1)[None, :]
            return [[int(i) for i in row] for row in np.argsort(d, axis=1, kind="stable")[:, :n]]
    """)
    assert failures(grade(folder, only={"week4.retrieval"})) == []


def test_nearest_neighbors_returning_distances_fails_clearly(grade, tmp_path):
    """Are sorted distances instead of indices refused with a message saying that indices are expected?"""
    folder = submission(tmp_path, "retrieval", """
        def nearest_neighbors(codes, queries, n):
            c = np.asarray(codes, dtype=float)
            q = np.asarray(queries, dtype=float)
            return np.sort(np.sqrt(((q[:, None] - c[None]) ** 2).sum(axis=2)), axis=1)[:, :n] + 0.5
    """)
    failed = failures(grade(folder, only={"week4.retrieval"}))
    assert failed and all("expected integer indices into codes" in out for _, out in failed)


# --- week4.denoising: add_noise -----------------------------------------------------------------------


@pytest.mark.parametrize("code,message", [
    ("return (x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype)).numpy()",
     "should be a torch.Tensor"),
    ("generator.manual_seed(0)\n            return x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype)",
     "do not re-seed it"),
    ("u = torch.rand(x.shape, generator=generator, dtype=x.dtype)\n            return x + sigma * (u - 0.5) * 12 ** 0.5",
     "not distributed as a standard normal"),
    ("return x + sigma * torch.randn(x.shape[-1:], generator=generator, dtype=x.dtype)",
     "are correlated"),
    ("return x + sigma * torch.randn(x.shape, generator=generator, dtype=torch.float64)",
     "expected x's dtype float32"),
], ids=["returns-numpy", "reseeds-generator", "uniform-noise-unit-variance", "same-noise-every-row", "float64-noise-for-float32-x"])
def test_add_noise_mistakes_are_named(grade, tmp_path, code, message):
    """Does each wrong add_noise fail the public statistics or generator check with a message that says what is wrong?"""
    folder = submission(tmp_path, "autoencoder", f"""
        def add_noise(x, sigma, generator):
            {code}
    """)
    report = grade(folder, only={"week4.denoising"})
    assert any(message in out for _, out in failures(report)), failures(report)
