"""Audio stage: decode every audio stream (PyAV), find speech (Silero VAD), identify the
spoken language per span over the whole track, and transcribe each span in its language."""

import os

# faster-whisper imports huggingface_hub, which reads these when it is first imported:
# set them before any module of this package can import faster_whisper. Models are only
# ever loaded from a local path (see whisper.py); this makes a stray hub call fail fast.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
