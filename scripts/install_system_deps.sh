#!/usr/bin/env bash
# System packages the project needs, installed through the system package manager when permitted.
#   scripts/install_system_deps.sh --ocr      Tesseract + the traineddata every language pack names (scan, tests)
#   scripts/install_system_deps.sh --samples  fonts and espeak-ng (regenerating samples_benign/)
#   scripts/install_system_deps.sh --browser  Chromium + ChromeDriver (the browser tests of clueextract serve)
#   scripts/install_system_deps.sh --train-fonts  the fonts scripts/train_script_id.py renders with (training only)
# Without apt-get, or without root/sudo, it prints what to install and exits 0: the scan then
# runs with the engines it has, and `clueextract doctor` says what is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
want=()
for arg in "$@"; do
  case "$arg" in
    --ocr) want+=($(${PYTHON:-.venv/bin/python} scripts/tesseract_packages.py)) ;;
    --samples) want+=(fonts-noto-core fonts-noto-cjk espeak-ng) ;;
    --browser) want+=(chromium chromium-driver) ;;  # /usr/bin/chromium, /usr/bin/chromedriver
    --train-fonts) want+=(fonts-noto-core fonts-noto-extra fonts-noto-cjk fonts-noto-ui-core fonts-noto-mono
                          fonts-dejavu-core fonts-liberation2 fonts-freefont-ttf fonts-indic fonts-tlwg-garuda-ttf
                          fonts-tlwg-kinnari-ttf fonts-tlwg-laksaman-ttf fonts-tlwg-loma-ttf fonts-tlwg-norasi-ttf
                          fonts-tlwg-purisa-ttf fonts-tlwg-sawasdee-ttf fonts-tlwg-umpush-ttf fonts-tlwg-waree-ttf
                          fonts-khmeros fonts-lao fonts-sil-padauk fonts-sil-abyssinica fonts-kacst fonts-arabeyes
                          fonts-nanum fonts-unfonts-core fonts-wqy-zenhei fonts-wqy-microhei fonts-ipafont-gothic
                          fonts-ipafont-mincho fonts-vlgothic fonts-urw-base35 fonts-sil-scheherazade
                          fonts-hosny-amiri fonts-lklug-sinhala fonts-smc fonts-taml fonts-beng fonts-deva
                          fonts-gujr fonts-guru fonts-knda fonts-mlym fonts-orya fonts-telu fonts-sil-ezra
                          fonts-dejima-mincho fonts-hanazono fonts-arphic-uming fonts-arphic-ukai fonts-baekmuk
                          fonts-bpg-georgian fonts-sil-andika fonts-sil-gentium fonts-sil-charis
                          fonts-crosextra-carlito fonts-cantarell fonts-roboto fonts-open-sans fonts-lato
                          fonts-linuxlibertine fonts-stix fonts-texgyre) ;;
    *) echo "usage: $0 [--ocr] [--samples] [--browser] [--train-fonts]" >&2; exit 2 ;;
  esac
done
[ ${#want[@]} -gt 0 ] || { echo "usage: $0 [--ocr] [--samples] [--browser] [--train-fonts]" >&2; exit 2; }
missing=()
for p in "${want[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages present: ${want[*]}"; exit 0; fi
if ! command -v apt-get >/dev/null; then
  echo "WARNING: no apt-get here; install these with your package manager: ${missing[*]}" >&2
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO="sudo"; else
    echo "WARNING: not root and no password-less sudo; to install run: sudo apt-get install ${missing[*]}" >&2
    exit 0
  fi
fi
# Another apt-get (a parallel build) holding the dpkg lock is waited for, not taken as a failure.
APT_OPTS=(-o DPkg::Lock::Timeout=300)
$SUDO apt-get "${APT_OPTS[@]}" update -qq || echo "WARNING: apt-get update failed; trying the install anyway" >&2
if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get "${APT_OPTS[@]}" install -y -qq --no-install-recommends "${missing[@]}"; then
  echo "WARNING: could not install: ${missing[*]}; the scan will use the engines it has (see clueextract doctor)" >&2
fi
exit 0
