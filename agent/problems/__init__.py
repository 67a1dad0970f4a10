"""Problems and where they come from: our directories, datasets, Codeforces, Competitive Companion."""

# -- the model ------------------------------------------------------------------------------------------
from agent.problems.model import GeneratorInfo, Interactor, Problem, Submission, TestCase

# -- our problem directory (read and write) --------------------------------------------------------------
from agent.problems.directory import is_problem_dir, read_problem_dir, write_problem_dir

# -- every source through one door: directories, datasets, JSON, saved pages, Codeforces specifiers ---------
from agent.problems.loader import load_problem, load_problems

__all__ = [
    "GeneratorInfo", "Interactor", "Problem", "Submission", "TestCase",
    "is_problem_dir", "read_problem_dir", "write_problem_dir",
    "load_problem", "load_problems",
]
