"""C with gcc: C11 (the default for .c files) and C99 (what Codeflaws and old Codeforces used).

`-DONLINE_JUDGE` is defined as on Codeforces: many old solutions read a local file unless it is set.
"""

from __future__ import annotations

from sandbox.languages.base import Language

SELF_TEST = r"""#include <stdio.h>
#include <math.h>
int main(void) {
    char word[64];
    if (scanf("%63s", word) != 1) return 1;
    printf("hello, %s\n", word);
    return sqrt(4.0) == 2.0 ? 0 : 1;
}
"""

_COMPILE = ("{exe}", "{flags}", "{src}", "-o", "{bin}", "-lm")


def _c(lang_id: str, std: str) -> Language:
    return Language(
        id=lang_id,
        name=f"C ({std[5:].upper()}, gcc)",
        extension=".c",
        source_name="main.c",
        candidates=("gcc",),
        package="gcc",
        compile_argv=_COMPILE,
        flags=(std, "-O2", "-pipe", "-DONLINE_JUDGE", "-fno-diagnostics-color"),
        self_test_source=SELF_TEST,
    )


C11 = _c("c11", "-std=c11")
C99 = _c("c99", "-std=c99")

LANGUAGES = (C11, C99)
