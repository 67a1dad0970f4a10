"""C++ with g++: C++17 and C++20, -O2, with a precompiled <bits/stdc++.h>.

The precompiled header is built once per compiler version and flags into the compile cache, then
offered to each compile through `-I <pch dir>`: gcc looks for `bits/stdc++.h.gch` in that directory
before the real header. It is deliberately not forced with `-include`, which would change what a
program means (a global `int y1;` clashes with <cmath> once everything is included).
"""

from __future__ import annotations

from sandbox.languages.base import Language

SELF_TEST = r"""#include <bits/stdc++.h>
using namespace std;
int main() {
    string word;
    if (!(cin >> word)) return 1;
    vector<string> parts{"hello,", word};
    cout << parts[0] << ' ' << parts[1] << '\n';
    return 0;
}
"""

_COMPILE = ("{exe}", "{flags}", "{src}", "-o", "{bin}")


def _cpp(lang_id: str, std: str) -> Language:
    return Language(
        id=lang_id,
        name=f"C++{std[-2:]} (g++)",
        extension=".cpp",
        source_name="main.cpp",
        candidates=("g++",),
        package="g++",
        compile_argv=_COMPILE,
        flags=(std, "-O2", "-pipe", "-DONLINE_JUDGE", "-fno-diagnostics-color"),
        pch_header="bits/stdc++.h",
        self_test_source=SELF_TEST,
    )


CPP17 = _cpp("cpp17", "-std=gnu++17")
CPP20 = _cpp("cpp20", "-std=gnu++20")

LANGUAGES = (CPP17, CPP20)
