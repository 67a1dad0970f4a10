"""`cpagent doctor`: which sandbox layers work on this machine, and what to install for the rest.

Exit status 0 when the native backend is secure here (every isolation layer works), 1 otherwise.
With `--json`, stdout holds only {layers: [{name, ok, detail, hint}], secure, backends: {name: usable}}.
"""

from __future__ import annotations

import argparse

from agent import ui

EPILOG = """examples:
  cpagent doctor
  cpagent doctor --json"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="report which sandbox layers work on this machine", description=__doc__,
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sandbox.doctor import probe

    report = probe()
    if args.json:
        ui.print_json(report.to_json())
    else:
        for layer in report.layers:
            line = f"{'ok ' if layer.ok else 'MISSING '}{layer.name}: {layer.detail}"
            if layer.ok:
                ui.info(line)
            else:
                ui.warning(line)
                if layer.hint:
                    ui.hint(layer.hint)
        usable = ", ".join(name for name, ok in sorted(report.backends.items()) if ok)
        if report.secure:
            ui.success(f"the native sandbox is secure on this machine (usable backends: {usable})")
        else:
            ui.failure("the native sandbox is missing layers: untrusted code is refused unless --insecure")
            ui.hint("install what the lines above name, then run `cpagent doctor` again")
    return 0 if report.secure else 1
