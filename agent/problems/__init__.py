"""Problems and where they come from: our directories, datasets, Codeforces, Competitive Companion."""

from agent.problems.directory import is_problem_dir, read_problem_dir, write_problem_dir
from agent.problems.model import GeneratorInfo, Interactor, Problem, Submission, TestCase

__all__ = [
    "GeneratorInfo", "Interactor", "Problem", "Submission", "TestCase",
    "is_problem_dir", "read_problem_dir", "write_problem_dir",
]
