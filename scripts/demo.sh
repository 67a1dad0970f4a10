#!/usr/bin/env bash
# The main job on the bundled examples: evaluate the whole pipeline with each problem's own submissions as the
# candidate pool (--policy dataset), print the summary, and write the HTML cluster report.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN_DIR=${RUN_DIR:-runs/examples}
.venv/bin/cpagent eval examples --policy dataset -o "$RUN_DIR" --html "$RUN_DIR/report.html"
.venv/bin/cpagent clusters "$RUN_DIR"
echo "[INFO] open $RUN_DIR/report.html in a browser to inspect the clusters" >&2
