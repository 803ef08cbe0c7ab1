#!/usr/bin/env bash
# System packages the project's scripts need, installed through the system package manager.
# Fonts and espeak-ng to regenerate samples_benign/ (make samples). The scan itself needs none.
set -euo pipefail
PKGS=(fonts-noto-core fonts-noto-cjk espeak-ng)
if ! command -v apt-get >/dev/null; then
  echo "no apt-get: install these packages with your system's package manager: ${PKGS[*]}" >&2
  exit 1
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
missing=()
for p in "${PKGS[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages present: ${PKGS[*]}"; exit 0; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
