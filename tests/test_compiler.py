"""Compiling in the sandbox: CE with bounded messages, the cache (a hit costs no compile), the PCH, IE."""

from __future__ import annotations

from pathlib import Path

import pytest

from sandbox import RunResult, RunSpec, SandboxError, Status
from sandbox.backend import Backend
from sandbox.compile_cache import CompileCache
from sandbox.compiler import CompileLimits, compile_source
from sandbox.languages import get_language

CPP = """#include <bits/stdc++.h>
using namespace std;
int main() { long long a, b; cin >> a >> b; cout << a + b << endl; }
"""


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> CompileCache:
    return CompileCache(tmp_path_factory.getbasetemp() / "compile-cache")


class Counting(Backend):
    """Wraps a backend and counts runs, to prove a cache hit runs nothing."""

    name = "counting"

    def __init__(self, inner: Backend) -> None:
        super().__init__(1)
        self.inner, self.calls = inner, 0

    def _run_once(self, spec: RunSpec) -> RunResult:
        self.calls += 1
        return self.inner.run(spec)


class Broken(Backend):
    name = "broken"

    def _run_once(self, spec: RunSpec) -> RunResult:
        return RunResult(Status.IE, message="setup failed", backend=self.name)


def _run(backend: Backend, compiled, stdin: bytes, tmp_path: Path) -> bytes:
    f = tmp_path / "stdin"
    f.write_bytes(stdin)
    result = backend.run(compiled.run_spec(stdin=f, cpu_time_s=2.0))
    assert result.ok, result
    return result.stdout


def test_compile_and_run_cpp(backend, cache, tmp_path):
    compiled = compile_source(backend, CPP, "cpp17", cache=cache)
    assert compiled.ok and compiled.status is Status.OK
    assert _run(backend, compiled, b"2 40\n", tmp_path) == b"42\n"


def test_cache_hit_runs_no_compile(backend, tmp_path):
    counting = Counting(backend)
    cache = CompileCache(tmp_path / "cache")
    source = '#include <stdio.h>\nint main(void){puts("x");return 0;}\n'
    first = compile_source(counting, source, "c99", cache=cache)
    assert first.ok and not first.cached and counting.calls == 1
    again = compile_source(counting, source, "c99", cache=cache)
    assert again.cached and again.compile_s == 0.0 and counting.calls == 1
    assert again.key == first.key
    # A fresh cache object on the same directory (another process) hits too.
    third = compile_source(counting, source, "c99", cache=CompileCache(tmp_path / "cache"))
    assert third.cached and counting.calls == 1
    assert _run(backend, third, b"", tmp_path) == b"x\n"


def test_key_depends_on_source_and_flags(backend, cache):
    a = compile_source(backend, "int main(){return 0;}\n", "c99", cache=cache)
    b = compile_source(backend, "int main(){return 0;}\n", "c11", cache=cache)
    c = compile_source(backend, "int main(){return 0; }\n", "c99", cache=cache)
    assert len({a.key, b.key, c.key}) == 3


def test_compile_error_is_ce_with_bounded_message(backend, cache):
    source = (
        "int main() {\n"
        + "  undefined_function_%d();\n" * 1
        + "".join(f"  int x{i} = undeclared{i};\n" for i in range(500))
        + "}\n"
    )
    compiled = compile_source(backend, source, "c11", cache=cache)
    assert compiled.status is Status.CE and not compiled.ok
    assert "undeclared" in compiled.message
    assert len(compiled.message) < 4200
    with pytest.raises(ValueError):
        compiled.run_spec()
    # Compile errors are cached too: a sampled program that fails once fails again for free.
    assert compile_source(backend, source, "c11", cache=cache).cached


def test_python_syntax_error_is_ce(backend, cache):
    compiled = compile_source(backend, "def f(:\n    pass\n", "python3", cache=cache)
    assert compiled.status is Status.CE
    assert "SyntaxError" in compiled.message


def test_python_runs_from_source(backend, cache, tmp_path):
    compiled = compile_source(
        backend, "a, b = map(int, input().split())\nprint(a + b)\n", "python3", cache=cache
    )
    assert compiled.ok
    assert _run(backend, compiled, b"1 2\n", tmp_path) == b"3\n"


def test_compile_time_limit_is_ce(backend, tmp_path):
    # A full <bits/stdc++.h> compile without the PCH needs over a second of CPU; give it far less.
    compiled = compile_source(
        backend,
        CPP,
        "cpp17",
        cache=CompileCache(tmp_path / "c"),
        use_pch=False,
        limits=CompileLimits(cpu_time_s=0.2, wall_time_s=0.4),
    )
    assert compiled.status is Status.CE
    assert "time limit" in compiled.message


def test_sandbox_failure_is_ie_and_not_cached(tmp_path):
    cache = CompileCache(tmp_path / "cache")
    compiled = compile_source(Broken(1), "int main(){}\n", "c11", cache=cache)
    assert compiled.status is Status.IE and not compiled.ok
    assert "setup failed" in compiled.message
    assert not list((tmp_path / "cache").rglob("meta.json"))


def test_precompiled_header_is_offered_and_used(backend, cache, tmp_path):
    lang = get_language("cpp17")
    tool = lang.toolchain()
    gch = cache.precompiled_header(tool.executable, tool.version, lang.flags, "bits/stdc++.h")
    assert gch is not None and gch.name == "stdc++.h.gch"
    counting = Counting(backend)
    seen: list[RunSpec] = []
    original = counting._run_once

    def spy(spec: RunSpec) -> RunResult:
        seen.append(spec)
        return original(spec)

    counting._run_once = spy  # type: ignore[method-assign]
    compiled = compile_source(counting, CPP + "// pch\n", "cpp17", cache=cache)
    assert compiled.ok
    assert "-I" in seen[0].command and any(f.name == "pch/bits/stdc++.h.gch" for f in seen[0].files)
    assert _run(backend, compiled, b"5 6\n", tmp_path) == b"11\n"


def test_missing_compiler_raises_sandbox_error(backend, monkeypatch):
    import sandbox.languages as languages
    from sandbox.languages.base import Language

    ghost = Language(
        id="ghost",
        name="Ghost C",
        extension=".g",
        source_name="main.g",
        candidates=("/nonexistent/ghostcc",),
        package="ghostcc",
    )
    monkeypatch.setitem(languages._REGISTRY, "ghost", ghost)
    with pytest.raises(SandboxError) as info:
        compile_source(backend, "x", "ghost")
    assert "ghostcc" in info.value.hint
