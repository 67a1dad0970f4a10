"""The command line's outer contract: help, unknown input, and clean failures."""

from __future__ import annotations

import subprocess
import sys

from agent.cli import main


def test_help_lists_commands(capsys):
    try:
        main(["--help"])
    except SystemExit as exc:
        assert exc.code == 0
    out = capsys.readouterr().out
    assert "cpagent" in out


def test_no_command_is_usage_error():
    assert main([]) == 2


def test_console_script_runs():
    proc = subprocess.run([sys.executable, "-m", "agent", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "COMMAND" in proc.stdout
