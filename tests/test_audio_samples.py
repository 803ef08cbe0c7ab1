"""Spoken-language spans and transcripts on the speech samples, real Whisper base model.

What may differ between machines: CTranslate2's int8 kernels are not the same on every CPU
(AVX2, AVX-512, VNNI), so a score near a threshold lands on either side of it and a word or
two of a transcript can change. The tests here assert what the user relies on, with the
tolerance stated where it is used: the language of every span and its edges within 2 s,
the words of the script that was spoken (measured recall, a few words of slack), and the
decoding rules, whose conditions are forced rather than hoped for from one recording.
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

from clueextract.audio.asr import DecodingOptions, Transcriber

from conftest import SAMPLES
from sample_truth import heard_in_span, script_words, words


@pytest.fixture(scope="module")
def audio_manifest() -> dict:
    return json.loads((SAMPLES / "manifest_audio.json").read_text(encoding="utf-8"))


def test_every_span_found_with_its_language_at_the_right_times(by_path, audio_manifest):
    n = 0
    for item in audio_manifest["items"]:
        it, clues = by_path[item["path"]]
        assert it["status"] == "done", (item["path"], it["error"])
        assert it["media_type"] == item["media_type"]
        for stream in item["streams"]:
            found = sorted((c for c in clues if c["kind"] == "spoken_language"
                            and c["locator"]["stream"] == stream["index"]), key=lambda c: c["locator"]["start_s"])
            got = [(c["value"], c["locator"]["start_s"], c["locator"]["end_s"]) for c in found]
            want = [(s["language"], s["start_s"], s["end_s"]) for s in stream["spans"]]
            assert [g[0] for g in got] == [w[0] for w in want], (item["path"], got, want)
            for g, w in zip(got, want):
                assert abs(g[1] - w[1]) <= 2.0 and abs(g[2] - w[2]) <= 2.0, (item["path"], g, w)
                n += 1
    assert n >= 12


def test_switching_recordings_have_one_span_per_language(audio_manifest, by_path):
    switching = [i for i in audio_manifest["items"] if len(i["streams"][0]["spans"]) > 1]
    assert len(switching) >= 2
    for item in switching:
        _, clues = by_path[item["path"]]
        langs = [c["value"] for c in sorted((c for c in clues if c["kind"] == "spoken_language"),
                                             key=lambda c: c["locator"]["start_s"])]
        assert langs == [s["language"] for s in item["streams"][0]["spans"]]
        # each span's words were transcribed in that span's language
        for span in item["streams"][0]["spans"]:
            segs = [c for c in clues if c["kind"] == "speech_segment"
                    and span["start_s"] - 1 <= (c["locator"]["start_s"] + c["locator"]["end_s"]) / 2 <= span["end_s"] + 1]
            assert segs and all(c["language"] == span["language"] for c in segs), (item["path"], span["language"])


# Words of the spoken script (the manifest's `text`, what espeak-ng read: independent of any
# model), 4+ letters, whole words, case-folded. The manifest's own `expect_words` were kept at
# generation only where Whisper base already heard them, so recall is measured over the whole
# script instead: the words a default scan's transcript of a span does not hold today are that
# span's `expected_miss` in manifest_audio.json (scripts/sample_misses.py; measured: 390 words,
# 292 heard). Another CPU's kernels change a word or two per span (the Krakow greedy and 5-beam
# passes differ in 3 of 29 words): a span's recall may fall 3 words, or 10 % of its words if
# that is more, below the recorded one; the whole corpus's 5 % (stated floors, asserted below).
SPAN_SLACK_WORDS, SPAN_SLACK_SHARE, TOTAL_SLACK_SHARE = 3, 0.10, 0.05


def test_transcripts_hold_the_words_of_the_script(by_path, audio_manifest):
    total = heard_n = expected_missed = spans = 0
    worse = []
    for item in audio_manifest["items"]:
        _, clues = by_path[item["path"]]
        for stream in item["streams"]:
            segs = [c for c in clues if c["kind"] == "speech_segment" and c["locator"]["stream"] == stream["index"]]
            for span in stream["spans"]:
                spans += 1
                heard = heard_in_span(segs, span)
                script = script_words(span)
                known = span["expected_miss"]
                assert set(known) <= set(script), (item["path"], sorted(set(known) - set(script)))  # truth kept
                # the words picked for each span: at least one is always heard
                assert set(span["expect_words"]) & heard, (item["path"], span["language"], span["expect_words"])
                got = sum(w in heard for w in script)
                floor = (len(script) - len(known) - max(SPAN_SLACK_WORDS, SPAN_SLACK_SHARE * len(script))) / len(script)
                if got / len(script) < floor:
                    worse.append((item["path"], stream["index"], span["language"],
                                  f"recall {got}/{len(script)} < {floor:.2f} ({len(known)} expected misses)",
                                  [w for w in script if w not in heard and w not in known]))
                total += len(script)
                heard_n += got
                expected_missed += len(known)
    assert spans >= 13 and total >= 350
    assert not worse, worse
    assert heard_n / total >= 1 - expected_missed / total - TOTAL_SLACK_SHARE, (heard_n, expected_missed, total)


def test_spoken_language_votes_and_provenance(by_path):
    _, clues = by_path["speech_berlin/weather_report.flac"]
    span = next(c for c in clues if c["kind"] == "spoken_language")
    assert span["value"] == "de" and span["source"]["model"] == "whisper-base"
    assert span["source"]["model_sha256"] == "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
    top = max(span["countries"], key=lambda v: v["weight"])
    assert top["country"] == "DE" and top["weight"] <= 0.35 and "German" in top["reason"]
    seg = next(c for c in clues if c["kind"] == "speech_segment")
    assert {"avg_logprob", "no_speech_prob", "compression_ratio", "flags"} <= set(seg["extra"])
    assert seg["locator"]["stream"] == 0 and seg["locator"]["end_s"] > seg["locator"]["start_s"]


def test_video_with_two_dubbed_audio_streams(by_path):
    it, clues = by_path["speech_zurich/station_announcement.mp4"]
    assert it["media_type"] == "video"
    by_stream = {c["locator"]["stream"]: c["value"] for c in clues if c["kind"] == "spoken_language"}
    assert by_stream == {0: "de", 1: "fr"}


@pytest.mark.slow
def test_an_exported_omp_thread_limit_does_not_corrupt_whisper(tmp_path):
    """CTranslate2's OpenMP asked for more threads than OMP_THREAD_LIMIT computes garbage
    (with the limit at 1: German heard as English, no transcript; CI caught it when the
    worker thread budget exported OMP_THREAD_LIMIT=1). The budget no longer sets it, and
    a limit the user exported caps CTranslate2's threads instead."""
    import subprocess

    from conftest import CLI, ROOT, read_jsonl

    case = tmp_path / "case"
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "OMP_NUM_THREADS": "2"}
    subprocess.run([*CLI, "scan", str(SAMPLES / "speech_berlin"), "--case", str(case), "--quiet"],
                   check=True, env=env, cwd=ROOT, timeout=600)
    clues = [r for r in read_jsonl(case / "clues.jsonl") if r["record"] == "clue"]
    assert [c["value"] for c in clues if c["kind"] == "spoken_language"] == ["de"]
    heard = words(" ".join(c["normalized"] for c in clues if c["kind"] == "speech_segment"))
    assert {"berlin", "grad"} <= heard, heard  # the garbage this guards against had no transcript at all


def test_thread_budget_never_exports_omp_thread_limit(monkeypatch):
    from clueextract.audio.whisper import cpu_threads
    from clueextract.workers.local import apply_thread_budget

    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "2")  # kept by the budget (setdefault): nothing leaks into later tests
    monkeypatch.setenv("OMP_THREAD_LIMIT", "0")
    monkeypatch.delenv("OMP_THREAD_LIMIT")
    apply_thread_budget(1)
    assert "OMP_THREAD_LIMIT" not in os.environ and cpu_threads(2) == 2
    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")
    assert cpu_threads(2) == 1


# -- the decoding rules, on a real chunk of speech -------------------------------------------------
KRAKOW = "speech_krakow/train_announcement.m4a"
CHUNK_S = (11.0, 24.2)  # "... nie zbliżać się do krawędzi peronu. Wagon restauracyjny znajduje się w środku
#                         składu. Życzymy przyjemnej podróży." (~13 s: about 1.5 s a pass on 2 cores)


class Recording(Transcriber):
    """A Transcriber that notes the beam width of every pass it decodes (the passes are the
    real Whisper decodes; nothing of the rule under test is replaced)."""

    def __init__(self, model, opts: DecodingOptions):
        super().__init__(model, opts)
        self.passes: list[int] = []
        self._inside = False

    def _note(self, beam_size, decode, *args):
        outer = not self._inside  # one pass, however the decoders call each other
        if outer:
            self.passes.append(beam_size)
            self._inside = True
        try:
            return decode(*args)
        finally:
            if outer:
                self._inside = False

    def _decode(self, unit, language, beam_size):
        return self._note(beam_size, super()._decode, unit, language, beam_size)

    def _decode_batch(self, items, beam_size):  # the batched decoder, where there is one
        return self._note(beam_size, super()._decode_batch, items, beam_size)


@pytest.fixture(scope="module")
def krakow_chunk():
    """Whisper base (as a scan loads it) and the last three sentences of the Krakow announcement
    as one transcription unit, decoded once greedily and once by 5-beam search."""
    from clueextract.audio import whisper
    from clueextract.audio.spans import RATE, Unit

    from audio_tools import decode_pcm

    model, _ = whisper.load("whisper-base", threads=2)
    pcm = decode_pcm(SAMPLES / KRAKOW, RATE).astype(np.float32) / 32768.0
    a, b = (int(t * RATE) for t in CHUNK_S)

    def unit():
        return Unit(CHUNK_S[0], CHUNK_S[0] + len(pcm[a:b]) / RATE, pcm[a:b].copy(), [])

    greedy = Recording(model, DecodingOptions(fallback_beam_size=1)).transcribe(unit(), "pl")  # never a 2nd pass
    beam = Recording(model, DecodingOptions(beam_size=5)).transcribe(unit(), "pl")  # 5 beams from the start
    assert greedy and beam
    return model, unit, greedy, beam


def _mean_logprob(segments) -> float:
    return sum(t.avg_logprob for t in segments) / len(segments)


def _same(a, b) -> bool:
    key = lambda t: (t.start, t.end, t.text, t.beam_size, round(t.avg_logprob, 6))  # noqa: E731
    return [key(t) for t in a] == [key(t) for t in b]


def test_a_pass_failing_the_log_probability_check_is_decoded_again_by_5_beam_search(krakow_chunk):
    """Forced: a threshold of 0 fails every pass (a mean log-probability is never above 0), and
    no_speech_threshold 1 keeps every segment counted as speech. The second pass is 5-beam
    search at temperature 0 - never sampling - and, both failing, the pass kept is the one
    with the better mean log-probability (asr.Transcriber.transcribe)."""
    model, unit, greedy, beam = krakow_chunk
    assert all(t.avg_logprob < 0.0 for t in greedy + beam)  # the forced condition holds
    rec = Recording(model, DecodingOptions(log_prob_threshold=0.0, no_speech_threshold=1.0))
    kept = rec.transcribe(unit(), "pl")
    assert rec.passes == [1, 5]
    assert all(t.temperature == 0.0 for t in kept)
    expected = beam if _mean_logprob(beam) > _mean_logprob(greedy) else greedy
    assert _same(kept, expected), ([(t.beam_size, t.avg_logprob, t.text) for t in kept],
                                   _mean_logprob(greedy), _mean_logprob(beam))
    assert all("low_confidence" in t.flags for t in kept)  # what the user sees of a doubtful pass


def test_a_pass_failing_the_compression_check_is_decoded_again_by_5_beam_search(krakow_chunk):
    """Forced the other way Whisper's rule fails a pass: a compression-ratio threshold of 0
    (every text compresses to more than 0). Same second pass, same choice; every segment of
    either pass counts as a repetition loop and is marked dropped."""
    model, unit, greedy, beam = krakow_chunk
    rec = Recording(model, DecodingOptions(compression_ratio_threshold=0.0))
    kept = rec.transcribe(unit(), "pl")
    assert rec.passes == [1, 5]
    expected = beam if _mean_logprob(beam) > _mean_logprob(greedy) else greedy
    assert _same(kept, expected)
    assert all(t.dropped and "repetition_loop" in t.flags and t.temperature == 0.0 for t in kept)


def test_a_pass_that_passes_is_kept_without_a_second(krakow_chunk):
    """Forced: thresholds no pass can fail. One greedy pass, returned as it is."""
    model, unit, greedy, _ = krakow_chunk
    rec = Recording(model, DecodingOptions(log_prob_threshold=-1e9, compression_ratio_threshold=1e9))
    kept = rec.transcribe(unit(), "pl")
    assert rec.passes == [1]
    assert _same(kept, greedy) and all(t.beam_size == 1 and not t.flags for t in kept)


def test_the_chunk_is_read_by_both_passes(krakow_chunk):
    """What the decodes above worked on is speech Whisper reads: of the manifest's words
    'peronu', 'składu', 'podróży' (whole words), at least two in each pass - one of slack for
    another CPU's kernels (measured: all three in both)."""
    _, _, greedy, beam = krakow_chunk
    for segments in (greedy, beam):
        heard = words(" ".join(t.text for t in segments))
        assert len({"peronu", "składu", "podróży"} & heard) >= 2, heard


def test_no_segment_is_sampled_and_second_passes_are_5_beam(by_path):
    # Whisper's usual fallback samples at temperatures 0.2-0.6, and CTranslate2's sampler is
    # seeded from the OS: the Krakow announcement's last segment came out different from one
    # scan to the next. Whether a pass of a real recording fails the checks depends on the
    # CPU (the Krakow greedy pass failed it, under -1.0, where this test was written, and
    # scored -0.62 on a 2-core AMD EPYC with AVX-512, issue 20): the rule
    # itself is tested above with its condition forced; here, only what holds everywhere.
    segs = [c for _, clues in by_path.values() for c in clues if c["kind"] == "speech_segment"]
    assert segs and all(c["extra"]["temperature"] == 0.0 for c in segs)
    assert {c["extra"]["beam_size"] for c in segs} <= {1, 5}
    krakow = words(" ".join(c["normalized"] for c in by_path[KRAKOW][1] if c["kind"] == "speech_segment"))
    assert len({"peronu", "składu", "podróży"} & krakow) >= 2, krakow  # one of slack, as above


@pytest.mark.slow
def test_same_recording_same_transcript_every_time():
    from clueextract.audio.stage import AudioStage
    from clueextract.records import ItemResult
    from clueextract.text.extract import TextClueExtractor

    stage = AudioStage("whisper-base", ["pl", "de", "en"], 2, DecodingOptions())
    text = TextClueExtractor(["pl", "de", "en"], ["PL", "DE", "GB"], entities=False)
    runs = []
    for _ in range(2):
        result = ItemResult()
        with open(SAMPLES / KRAKOW, "rb") as f:
            stage.run(f, result, text)
        runs.append([(c.value, c.confidence, c.locator, c.extra) for c in result.clues if c.kind == "speech_segment"])
    assert runs[0] and runs[0] == runs[1]


def _krakow_through_the_stage(opts: DecodingOptions):
    """The Krakow announcement through AudioStage, the public entry a scan uses (whatever the
    transcriber's internals become): its speech_segment clues and the stage's speech info."""
    from clueextract.audio.stage import AudioStage
    from clueextract.records import ItemResult
    from clueextract.text.extract import TextClueExtractor

    stage = AudioStage("whisper-base", ["pl", "de", "en"], 2, opts)
    result = ItemResult()
    with open(SAMPLES / KRAKOW, "rb") as f:
        stage.run(f, result, TextClueExtractor(["pl", "de", "en"], ["PL", "DE", "GB"], entities=False))
    langs = [c.value for c in result.clues if c.kind == "spoken_language"]
    return [c for c in result.clues if c.kind == "speech_segment"], result.info["speech"][0], langs


@pytest.mark.slow
def test_forced_fallback_conditions_through_the_audio_stage():
    """The same rule as the forced tests above, through AudioStage and DecodingOptions only.
    Every pass fails the log-probability check (threshold 0): every segment kept is marked
    low_confidence, decoded at temperature 0 by a greedy or 5-beam pass. Every pass fails
    the compression check (threshold 0): every segment is a repetition loop, dropped and
    listed as such, and the spoken language is still found. No pass can fail: one greedy
    pass, no flags. None of this depends on where the real recording's scores fall."""
    low, _, langs = _krakow_through_the_stage(DecodingOptions(log_prob_threshold=0.0, no_speech_threshold=1.0))
    assert low and langs == ["pl"]
    assert all("low_confidence" in c.extra["flags"] and c.extra["temperature"] == 0.0
               and c.extra["beam_size"] in (1, 5) for c in low), [c.extra for c in low]
    loops, info, langs = _krakow_through_the_stage(DecodingOptions(compression_ratio_threshold=0.0))
    assert not loops and langs == ["pl"]
    assert info["dropped_segments"] and all("repetition_loop" in d["flags"] for d in info["dropped_segments"])
    plain, info, _ = _krakow_through_the_stage(DecodingOptions(log_prob_threshold=-1e9, compression_ratio_threshold=1e9))
    assert plain and all(c.extra["beam_size"] == 1 and not c.extra["flags"] for c in plain), [c.extra for c in plain]
    assert len({"peronu", "składu", "podróży"} & words(" ".join(c.value for c in plain))) >= 2  # one of slack
