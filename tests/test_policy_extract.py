"""The program inside messy model output: fences, language tags, prose, unclosed blocks."""

from __future__ import annotations

import pytest

from policy_model import extract_code

CPP = "#include <cstdio>\nint main() {\n    puts(\"hi\");\n}\n"
PY = "import sys\nprint(sum(map(int, sys.stdin.read().split())))\n"


@pytest.mark.parametrize(
    ("text", "language", "code", "lang"),
    [
        (f"```cpp\n{CPP}```", "cpp17", CPP, "cpp17"),
        (f"Here is my solution:\n\n```c++\n{CPP}```\n\nIt runs in O(n).", "cpp17", CPP, "cpp17"),
        # the solution block wins over an example-run block, whatever the order
        (f"```\n3\n1 2 3\n```\nSolution:\n```cpp\n{CPP}```\n", "cpp17", CPP, "cpp17"),
        (f"Sure! ```python\n{PY}```", "python3", PY, "python3"),
        # a block in another language than asked for is still taken, with its own language
        (f"I used Python instead:\n```py\n{PY}```", "cpp17", PY, "python3"),
        # unclosed fence: the token budget ran out
        (f"```cpp\n{CPP}", "cpp17", CPP, "cpp17"),
        (f"~~~python\n{PY}~~~\n", "pypy3", PY, "pypy3"),
        # no fence at all, prose around the code
        (f"Here is the code:\n{PY}This reads all numbers and prints their sum.", "python3", PY, None),
        (f"cpp\n{CPP}", "cpp17", CPP, None),
        (f"```cpp\n{CPP.rstrip()}```", "cpp17", CPP, "cpp17"),  # closing fence glued to the last line
        ("", "cpp17", "", None),
        ("Sorry, I cannot solve this.", "cpp17", "", None),
    ],
)
def test_extract(text: str, language: str, code: str, lang: str | None) -> None:
    got = extract_code(text, language)
    assert got.code == code
    assert got.language == lang


def test_windows_newlines() -> None:
    assert extract_code("```cpp\r\nint main(){}\r\n```\r\n", "cpp17").code == "int main(){}\n"


def test_open_fence_completion() -> None:
    """A completion prompt ends inside ```cpp: the program comes first, then the closing fence."""
    assert extract_code(f"{CPP}```\n\nExplanation: prints hi.", "cpp17", open_fence=True).code == CPP
    assert extract_code(CPP, "cpp17", open_fence=True).code == CPP  # budget ran out before the fence
    # the model closed the fence at once and wrote a new tagged block
    assert extract_code(f"```\nNow the code:\n```cpp\n{CPP}```", "cpp17", open_fence=True).code == CPP
