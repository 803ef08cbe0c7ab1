"""Whisper's device choice: CUDA only when the model really runs there, CPU otherwise.

Measured on an H200 with CUDA 13 (scripts/gpu_check.py): CTranslate2 4.8.5 saw the GPU,
loaded the model on it, and failed at the first encoder pass ("Library libcublas.so.12 is not
found"). Every audio item of a scan would have failed; the child-process probe sends it to
the CPU instead. These tests run the real probe against the real model."""
from __future__ import annotations

import pytest

from clueextract.audio import whisper


def _base_folder():
    return whisper.resolve("whisper-base")[0]


def test_probe_and_choice_agree_with_the_machine():
    folder = _base_folder()
    ok, detail = whisper.cuda_probe(str(folder))
    device, compute, why = whisper.pick_device(folder)
    if whisper.cuda_devices() == 0:
        # No GPU here: the probe must fail with CTranslate2's own CUDA message, not pass.
        assert not ok and "CUDA" in detail, detail
        assert (device, compute) == ("cpu", "int8") and "no CUDA device" in why
    else:
        assert (device, compute) == (("cuda", "float16") if ok else ("cpu", "int8")), why
        assert detail in why


def test_probe_reports_the_childs_error_line(tmp_path):
    """A model the child cannot load: the reason recorded is CTranslate2's error, one line."""
    (tmp_path / "model.bin").write_bytes(b"not a model")
    ok, detail = whisper.cuda_probe(str(tmp_path))
    assert not ok
    assert detail.startswith("RuntimeError") and "\n" not in detail, detail


def test_loaded_model_identity_names_the_device_used():
    model, ident = whisper.load("whisper-base", threads=1)
    assert ident.device == model.model.device
    assert f"{ident.device} {ident.compute_type}" in ident.engine


@pytest.mark.slow  # doctor probes and loads every engine (7 CPU s)
def test_doctor_says_where_speech_and_ocr_run():
    from conftest import run_cli

    out = run_cli("doctor").stdout
    device, compute, _ = whisper.pick_device(_base_folder())
    row = next(line for line in out.splitlines() if "ASR device" in line)
    assert f"{device} {compute}" in row, out
    from clueextract.ocr.rapid import onnx_device

    ocr_row = next(line for line in out.splitlines() if "OCR device" in line)
    assert onnx_device() in ocr_row.split(), ocr_row  # the device RapidOCR really uses, not only the label


def test_ocr_stays_on_cpu_unless_asked_and_only_goes_to_cuda_when_a_session_gets_it():
    """RapidOCR on CUDA was 4x slower per image on an H200 (clueextract.ocr.rapid.onnx_device),
    so CPU is the default; asked for CUDA, it is used only when onnxruntime opens a model there."""
    import os
    import subprocess
    import sys

    code = "from clueextract.ocr.rapid import onnx_device; print(onnx_device())"
    env = {k: v for k, v in os.environ.items() if k != "CLUEEXTRACT_OCR_DEVICE"}
    default = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert default.stdout.strip() == "cpu"
    asked = subprocess.run([sys.executable, "-c", code], env={**env, "CLUEEXTRACT_OCR_DEVICE": "cuda"},
                           capture_output=True, text=True, check=True)
    import onnxruntime

    if "CUDAExecutionProvider" not in onnxruntime.get_available_providers():
        assert asked.stdout.strip() == "cpu"
    else:  # onnxruntime-gpu: CUDA exactly when a session really gets the CUDA provider
        from clueextract.models import verified_path
        from clueextract.ocr.rapid import CLS

        sess = onnxruntime.InferenceSession(str(verified_path(CLS)),
                                            providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
        expected = "cuda" if sess.get_providers()[0] == "CUDAExecutionProvider" else "cpu"
        assert asked.stdout.strip() == expected
