"""os._exit in a cell: the kernel process ends before any autograder cell runs."""
import os

GRADE_CELLS = "keep"
CLAIMS_POINTS = False  # nothing after this cell runs, so no autograder cell has an output

os._exit(0)
