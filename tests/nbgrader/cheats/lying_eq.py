"""Lying __eq__: the cell rewrites the week's module files (in the folder the notebook
runs in) so that every exercise function returns an object equal to anything, as it
would fool `assert result == expected` in an nbgrader test cell."""
import pathlib
import re

GRADE_CELLS = "keep"
CLAIMS_POINTS = False  # the out-of-process judge turns every result into float64: 0 points, honestly shown

LIAR = '''

class _Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return False
    def __gt__(self, other): return False
    def __abs__(self): return _Anything()
    def __sub__(self, other): return _Anything()
    def __array__(self, *args, **kwargs):
        import numpy
        return numpy.zeros(1)
'''
for path in sorted(pathlib.Path.cwd().glob("*.py")):
    text = path.read_text()
    names = re.findall(r"^def (\w+)\(", text, flags=re.MULTILINE)
    if names:
        path.write_text(text + LIAR + "".join(f"\ndef {n}(*args, **kwargs):\n    return _Anything()\n" for n in names))
