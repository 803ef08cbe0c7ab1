"""Fuzz container metadata on bytes: PyAV (FFmpeg) opening whatever it is given, the tag
reader `container_clues` (never raises), `tag_clues` on arbitrary tag dictionaries, the
ISO 6709 point parser, and the audio stage's `probe` (its clear error is av.FFmpegError,
the one error the audio stage expects from it).

Input byte 0 picks the path: 0-127 the rest is a media file; 128-255 the rest feeds a
FuzzedDataProvider that builds tag dictionaries and ISO 6709 strings.
"""
from __future__ import annotations

import io

from _harness import run


def check(data: bytes) -> None:
    import av

    from clueextract.audio.decode import probe
    from clueextract.metadata.container import container_clues, parse_iso6709, tag_clues

    if not data:
        return
    body = data[1:]
    if data[0] < 128:
        container_clues(io.BytesIO(body))
        try:
            probe(io.BytesIO(body))
        except av.FFmpegError:
            pass
        return
    import atheris  # its FuzzedDataProvider turns bytes into typed values (also in the regression tests)

    fdp = atheris.FuzzedDataProvider(body)
    scopes = []
    for _ in range(fdp.ConsumeIntInRange(0, 4)):
        stream = fdp.ConsumeIntInRange(-1, 3)
        tags = {fdp.ConsumeUnicodeNoSurrogates(24): fdp.ConsumeUnicodeNoSurrogates(48)
                for _ in range(fdp.ConsumeIntInRange(0, 6))}
        scopes.append((None if stream < 0 else stream, tags))
    point = fdp.ConsumeUnicodeNoSurrogates(64)
    tag_clues(scopes + [(None, {"location": point, "com.apple.quicktime.creationdate": point})])
    parse_iso6709(point)


if __name__ == "__main__":
    run(check, ["clueextract.metadata.container", "clueextract.metadata.exif", "clueextract.audio.decode"])
