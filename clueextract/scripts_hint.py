"""How to install what `doctor` finds missing (the same mapping scripts/tesseract_packages.py uses)."""
from __future__ import annotations


def debian_packages(traineddata: list[str]) -> list[str]:
    """Debian packages for Tesseract and these traineddata: tesseract-ocr-<code>, underscores as
    dashes (chi_sim -> chi-sim); eng and osd come with tesseract-ocr, Debian covers tgl with fil."""
    return ["tesseract-ocr"] + ["tesseract-ocr-" + n.lower().replace("_", "-") for n in traineddata
                                if n not in ("eng", "osd", "tgl")]


def tesseract_install_command(traineddata: list[str]) -> str:
    return "scripts/install_system_deps.sh --ocr  (or: sudo apt-get install " + " ".join(debian_packages(traineddata)) + ")"
