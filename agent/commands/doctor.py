"""`cpagent doctor`: which sandbox layers work on this machine, and what to install for the rest.

Exit status 0 when the native backend is secure here (every isolation layer works), 1 otherwise.
With `--json`, stdout holds only {layers: [{name, ok, detail, hint}], secure, backends: {name: usable}}.
With `--executor ray[:ADDRESS]` the report adds `cluster`: every Ray node, its CPUs and sandbox layers, and
whether runs go to it; the exit status is then 0 when at least one node can run untrusted code.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from agent import ui

if TYPE_CHECKING:
    from sandbox.ray_backend import ClusterReport

EPILOG = """examples:
  cpagent doctor
  cpagent doctor --json
  cpagent doctor --executor ray:127.0.0.1:6379"""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="report which sandbox layers work on this machine", description=__doc__,
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--executor", default="local", metavar="local|ray[:ADDRESS]",
                   help="also report the nodes of this Ray cluster (see docs/ray.md)")
    p.add_argument("--insecure", action="store_true", help="with --executor ray: count nodes missing layers as usable")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sandbox.doctor import probe

    report = probe()
    cluster = None
    if args.executor != "local":
        from sandbox.ray_backend import cluster_report, parse_executor

        _, address = parse_executor(args.executor)
        cluster = cluster_report(address, insecure=args.insecure)
    if args.json:
        ui.print_json(report.to_json() | ({"cluster": cluster.to_json()} if cluster is not None else {}))
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
    if cluster is not None:
        return _print_cluster(cluster, quiet=args.json)
    return 0 if report.secure else 1


def _print_cluster(cluster: ClusterReport, *, quiet: bool) -> int:
    usable = [n for n in cluster.nodes if n.used]
    if not quiet:
        for n in cluster.nodes:
            gpus = f", {n.gpus} GPU" if n.gpus else ""
            where = f"node {n.node_id[:12]} {n.hostname or '?'} ({n.address}), {n.cpus} CPU{gpus}"
            if n.used:
                ui.info(f"ok {where}: {n.slots} sandbox slots"
                        + ("" if n.secure else f" (INSECURE: {', '.join(n.missing)})"))
            else:
                ui.warning(f"NOT USED {where}: {n.reason}")
        if usable:
            ui.success(f"the Ray cluster at {cluster.address}: {len(usable)} of {len(cluster.nodes)} nodes usable, "
                       f"{cluster.slots} sandbox slots")
        else:
            ui.failure(f"no node of the Ray cluster at {cluster.address} can run untrusted code")
            ui.hint("run `cpagent doctor` on each node and install what it names")
    return 0 if usable else 1
