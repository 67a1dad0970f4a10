#!/usr/bin/env bash
# The main job on the bundled examples: judge every bundled submission of every example problem.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for dir in examples/*/; do
    [ -f "$dir/problem.md" ] || continue
    .venv/bin/cpagent test --all "$dir" || status=1
done
exit $status
