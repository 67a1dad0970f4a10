"""Python 3 (the system CPython) and PyPy 3.

The interpreter must be one the sandbox can see: the Debian `/usr/bin/python3` when present, else the
first `python3` on PATH outside virtual environments and pyenv shims. "Compiling" is a syntax check
with `py_compile` inside the sandbox, so a Python program can get CE like any other.
"""

from __future__ import annotations

from sandbox.languages.base import Language

SELF_TEST = """import sys
word = sys.stdin.readline().strip()
print(f"hello, {word}")
"""

_CHECK = ("{exe}", "-m", "py_compile", "{src}")
_RUN = ("{exe}", "-B", "{src}")

PYTHON3 = Language(
    id="python3",
    name="Python 3 (CPython)",
    extension=".py",
    source_name="main.py",
    candidates=("/usr/bin/python3", "python3"),
    package="python3",
    compile_argv=_CHECK,
    run_argv=_RUN,
    binary_name="",
    self_test_source=SELF_TEST,
    env=(("PYTHONIOENCODING", "utf-8"), ("PYTHONHASHSEED", "0")),
)

PYPY3 = Language(
    id="pypy3",
    name="PyPy 3",
    extension=".py",
    source_name="main.py",
    candidates=("/usr/bin/pypy3", "pypy3"),
    package="pypy3",
    compile_argv=_CHECK,
    run_argv=_RUN,
    binary_name="",
    self_test_source=SELF_TEST,
    env=(("PYTHONIOENCODING", "utf-8"), ("PYTHONHASHSEED", "0")),
)

LANGUAGES = (PYTHON3, PYPY3)
