"""Language plugins: the registry, toolchain lookup, and each installed language's self-test run for real."""

from __future__ import annotations


import pytest

from sandbox import SandboxError
from sandbox.compile_cache import CompileCache
from sandbox.compiler import compile_source
from sandbox.languages import available_languages, get_language, language_ids
from sandbox.languages.base import Language, _which_system
from sandbox.languages.detect import language_for_path, language_for_source

EXPECTED_IDS = {"c11", "c99", "cpp17", "cpp20", "python3", "pypy3"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> CompileCache:
    return CompileCache(tmp_path_factory.getbasetemp() / "compile-cache")


def test_registry_has_every_contract_id():
    assert EXPECTED_IDS <= set(language_ids())


def test_unknown_language_hint_lists_ids():
    with pytest.raises(SandboxError) as info:
        get_language("cobol")
    assert "cpp17" in info.value.hint and "python3" in info.value.hint


def test_missing_compiler_names_debian_package():
    lang = Language(
        id="x",
        name="X",
        extension=".x",
        source_name="a.x",
        candidates=("/nonexistent/xcc",),
        package="xcc-package",
    )
    assert not lang.available()
    with pytest.raises(SandboxError) as info:
        lang.toolchain()
    assert "apt-get install -y xcc-package" in info.value.hint


def test_c_flags_follow_the_contract():
    assert "-std=c99" in get_language("c99").flags and "-O2" in get_language("c99").flags
    assert "-lm" in get_language("c99").compile_command()
    assert "-std=c11" in get_language("c11").flags
    assert get_language("cpp17").pch_header == "bits/stdc++.h"


def test_python_interpreter_is_visible_to_the_sandbox():
    exe = get_language("python3").toolchain().executable
    assert ".venv" not in str(exe) and "shims" not in str(exe)


def test_which_system_skips_virtualenvs_and_shims(monkeypatch, tmp_path):
    fake = tmp_path / ".venv" / "bin"
    fake.mkdir(parents=True)
    (fake / "python3").write_text("#!/bin/sh\n")
    (fake / "python3").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    found = _which_system("python3")
    assert found is None or ".venv" not in str(found)


def test_detect_by_extension_and_content():
    assert language_for_path("a.cpp") == "cpp17"
    assert language_for_path("a.c") == "c11"
    assert language_for_path("a.py") == "python3"
    assert language_for_path("a.txt") is None
    assert language_for_source("a.c", "#include <bits/stdc++.h>\nusing namespace std;\n") == "cpp17"
    assert language_for_source("a.py", "#!/usr/bin/env pypy3\nprint(1)\n") == "pypy3"
    assert language_for_source("a.c", "#include <stdio.h>\nint main(){}\n") == "c11"


@pytest.mark.parametrize("lang_id", sorted(EXPECTED_IDS))
def test_self_test_program_runs(backend, cache, lang_id, tmp_path):
    if lang_id not in available_languages():
        pytest.skip(f"{lang_id}: toolchain not installed on this machine")
    lang = get_language(lang_id)
    compiled = compile_source(backend, lang.self_test_source, lang_id, cache=cache)
    assert compiled.ok, compiled.message
    stdin = tmp_path / "in.txt"
    stdin.write_bytes(lang.self_test_input)
    result = backend.run(compiled.run_spec(stdin=stdin, cpu_time_s=5.0))
    assert result.ok, (result.status, result.stderr)
    assert result.stdout == lang.self_test_output
