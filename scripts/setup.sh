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
pip_install() {
    local log
    log=$(mktemp)
    if ! .venv/bin/pip install -q --disable-pip-version-check "$@" >"$log" 2>&1; then
        grep -v '^WARNING: Location' "$log" >&2 || true
        rm -f "$log"
        echo "[FAILURE] pip install $* failed" >&2
        echo "[HINT] check the network to the package registry, then run scripts/setup.sh again" >&2
        exit 2
    fi
    rm -f "$log"
}
pip_install --upgrade pip
# Exact versions we tested live in constraints.txt; pyproject.toml holds the bounds.
pip_install -c constraints.txt -e ".[model,train,docker,ray,parity,dev]"
.venv/bin/cpagent --help >/dev/null
echo "[SUCCESS] cpagent is ready: .venv/bin/cpagent" >&2
