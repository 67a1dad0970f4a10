"""The HTML cluster report renders in a real browser (Debian's headless chromium): chart, tables, screenshot."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from agent.cli import main
from agent.store import RunStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _fake_run(run_dir: Path) -> None:
    """A small but complete run written through the store's own API (no sandbox needed)."""
    store = RunStore(run_dir)
    store.add_problem("demo", "id1", "Demo", 0)
    codes = {"a": "print(1)\n", "b": "print(1)  \n", "c": "print(2)\n", "d": "print(<script>)\n"}
    rows = [(i, cid, {"language": "python3", "code": code, "label": None}) for i, (cid, code) in enumerate(codes.items())]
    store.add_samples("demo", rows)
    for cid in codes:
        store.put_verdict("public_verdicts", "demo", cid, "AC", {})
    store.put_blob("demo", "clusters", {
        "clusters": [
            {"index": 0, "members": ["a", "b"], "signature": ["OK:1", "OK:2", "RE"], "distinctions": []},
            {"index": 1, "members": ["c"], "signature": ["OK:1", "OK:3", "RE"], "distinctions": [{"other": 0, "inputs": ["k1"]}]},
            {"index": 2, "members": ["d"], "signature": ["TLE", "TLE", "TLE"], "distinctions": []},
        ],
        "reason": "",
        "showcase": {"inputs": [{"key": "k1", "text": "5\n1 2 3 4 5\n"}], "outputs": {"0": {"k1": "1"}, "1": {"k1": "2"}}},
    })
    store.put_blob("demo", "scores", {"a": 0.9, "b": 0.8, "c": 0.2, "d": 0.1})
    store.put_blob("demo", "selection", {"ids": ["a", "c", "d"], "strategy": "alphacode2", "note": ""})
    store.put_verdict("hidden_verdicts", "demo", "a", "AC", {})
    store.close()


def test_report_is_self_contained_and_escaped(tmp_path):
    _fake_run(tmp_path / "run")
    out = tmp_path / "report.html"
    assert main(["clusters", str(tmp_path / "run"), "--html", str(out)]) == 0
    text = out.read_text()
    assert "<svg" in text and "class='clusters'" in text and "class='distinguishing'" in text
    assert "print(&lt;script&gt;)" in text and "<script>" not in text
    # Nothing is fetched from outside: no scripts, stylesheets or images by address.
    assert "src=" not in text and "<link" not in text and "@import" not in text


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(tmp_path):
    _fake_run(tmp_path / "run")
    report = tmp_path / "report.html"
    assert main(["clusters", str(tmp_path / "run"), "--html", str(report)]) == 0
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", report.as_uri()], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    # The browser parsed the chart and both tables into its DOM.
    assert "<svg" in dom.stdout and "<rect" in dom.stdout
    assert 'class="clusters"' in dom.stdout and 'class="distinguishing"' in dom.stdout
    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1200,900", report.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.is_file() and shot.stat().st_size > 5000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
