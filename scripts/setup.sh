#!/usr/bin/env bash
# Set up cpagent on a fresh Debian machine: system packages, then .venv at the repository root.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(bubblewrap gcc g++ make pypy3 libseccomp2 python3-venv chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "[FAILURE] missing system packages: ${missing[*]}" >&2
        echo "[HINT] run as root, or: sudo apt-get install -y ${missing[*]}" >&2
        exit 2
    fi
    echo "[INFO] installing system packages: ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
# Exact versions we tested live in constraints.txt; pyproject.toml holds the bounds.
.venv/bin/pip install -q --disable-pip-version-check -c constraints.txt -e ".[model,train,docker,dev]" \
    2>&1 | grep -v '^WARNING: Location' || true
.venv/bin/cpagent --help >/dev/null
echo "[SUCCESS] cpagent is ready: .venv/bin/cpagent" >&2
