"""Padded encoder passes of speech chunks, in batches, and the languages read from them.

One padded 30 s encoder pass per chunk is what transcription needs; everything the chunk
pass knows about language comes from that same output: the chunk's language
(detect_language on the whole output) and the languages of window-sized slices of it (one
detect_language call for all slices of a batch, all of one length). There is no second
encoder pass for language.

Batching does not change results: CTranslate2 4.8.5 int8 on CPU gave bit-identical encoder
outputs, tokens, scores and no-speech probabilities for 4 chunks encoded and decoded one by
one or as one batch (measured here; benchmarks/bench_audio.py). What it saves is decoder
time: 4 greedy decodes of 24 s of dense speech cost 1.90 CPU-s as one batch against 3.36 one
by one (2 shared cores; a greedy step reads all decoder weights once for the whole batch).
The encoder is the other way round on CPU: 4 padded passes took 1.25 s of wall (2.17 CPU-s)
one by one against 1.68 s (2.65 CPU-s) as one batch on 2 threads, 2.22 against 2.51 s on one
thread (fastest of 5, real Whisper base int8 here), and detect_language on stacked outputs
cost 0.13 against 0.09 s per two chunks: a padded pass holds 1500 x 1500 attention scores
per head, and a batch of them no longer fits the cache (one pass of 2000 frames costs
0.18 CPU-s, of 3000 frames 0.53-0.63). So on CPU chunks are encoded one at a time
(encoder_batch), each chunk's languages read from its own output right away, and decoded in
batches; on CUDA both go in batches. On the real recordings of bench_audio this took the
stage from 0.77 to 0.73 of a plain transcribe()'s wall time (same clues, interleaved runs).

Encoder outputs are kept as host arrays ([1500, d] per chunk, 3 MB for base): a batch for
the decoder or for detect_language is any subset of chunks, stacked. A CUDA model gets
them back with `to_cpu=True` and takes host input, as faster-whisper's multi-GPU path does.
"""
from __future__ import annotations

import math
from typing import Iterable, Iterator, Sequence, TypeVar

import ctranslate2
import numpy as np
from faster_whisper.audio import pad_or_trim

from .spans import SpokenLanguageIdentifier, Unit

T = TypeVar("T")
POSITIONS_PER_S = 50  # Whisper's encoder: 1500 positions for 30 s


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    size = max(1, size)
    for i in range(0, len(items), size):
        yield items[i:i + size]


def storage(array: np.ndarray):
    return ctranslate2.StorageView.from_array(np.ascontiguousarray(array))


def encoder_batch(model, batch_size: int) -> int:
    """Chunks per encoder call: one on CPU (batches cost more there, see above), batch_size on
    a GPU."""
    return max(1, batch_size) if getattr(model.model, "device", "cpu") != "cpu" else 1


def encode_array(model, features: np.ndarray) -> np.ndarray:
    """Encoder output of a [batch, mels, 3000] feature array, as a host array."""
    return np.array(model.model.encode(storage(features), to_cpu=True))


class ChunkEncoder:
    def __init__(self, model, lid: SpokenLanguageIdentifier, batch_size: int):
        self.model = model          # faster_whisper.WhisperModel
        self.lid = lid
        self.batch_size = encoder_batch(model, batch_size)  # chunks per encoder call
        self.passes = 0             # padded encoder passes so far (one per chunk)

    def encode(self, chunks: Iterable[Unit], slice_s: float = 0.0) -> None:
        """Features, padded encoder output and language probabilities of every chunk; with
        slice_s, also the top language of each slice_s-long slice of a longer chunk's output
        (chunk.slices: list of (start_s, end_s, language, probability))."""
        fe = self.model.feature_extractor
        todo = list(chunks)
        for batch in batched(todo, self.batch_size):
            feats = [fe(u.audio) for u in batch]
            x = np.stack([pad_or_trim(f[..., :fe.nb_max_frames]) for f in feats])
            out = encode_array(self.model, x)
            self.passes += len(batch)
            results = self.model.model.detect_language(storage(out))
            for u, f, enc, res in zip(batch, feats, out, results):
                u.features, u.encoder_output = f, enc
                self.lid.set_probs(u, res)
            if slice_s > 0:
                self._slices(batch, slice_s)

    def _slices(self, batch: Sequence[Unit], slice_s: float) -> None:
        n = int(round(slice_s * POSITIONS_PER_S))
        where: list[tuple[Unit, float, float]] = []
        views: list[np.ndarray] = []
        for u in batch:
            u.slices = []
            content = min(u.encoder_output.shape[0], int(math.ceil(u.duration * POSITIONS_PER_S)))
            if content <= n:  # a chunk no longer than a slice: its own language says it all
                continue
            starts = list(range(0, content - n, n)) + [content - n]  # the last one ends at the content's end
            for p in starts:
                views.append(u.encoder_output[p:p + n])
                where.append((u, u.track_time(p / POSITIONS_PER_S), u.track_time((p + n) / POSITIONS_PER_S)))
        if not views:
            return
        probe = Unit(0.0, 0.0, np.empty(0, np.float32), [])
        for (u, a, b), res in zip(where, self.model.model.detect_language(storage(np.stack(views)))):
            self.lid.set_probs(probe, res)
            top = max(probe.probs.items(), key=lambda kv: (kv[1], kv[0])) if probe.probs else ("und", 0.0)
            u.slices.append((round(a, 2), round(b, 2), top[0], round(top[1], 4)))
