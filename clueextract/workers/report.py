"""What `scan` shows while it runs: a Rich progress bar on a terminal, plain lines in a log,
JSON Lines for pipelines (--log-json), or nothing (--quiet). All on stderr: stdout stays
free for whatever a pipeline pipes.

Each display is a context manager with the two callbacks api.scan takes: `progress`
(stage, n, total) and `events` (one dict per event).
"""
from __future__ import annotations

import json
import sys
import time
from typing import Any, Callable, Optional, TextIO


class ScanDisplay:
    """Base: shows nothing (--quiet)."""

    progress: Optional[Callable[[str, int, int], None]] = None
    events: Optional[Callable[[dict[str, Any]], None]] = None

    def __enter__(self) -> "ScanDisplay":
        return self

    def __exit__(self, *exc) -> None:
        pass


class JsonLog(ScanDisplay):
    """One JSON object per line and event, with a UTC timestamp, flushed at once."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.events = self._write

    def _write(self, event: dict[str, Any]) -> None:
        rec = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z",
               **event}
        self.stream.write(json.dumps(rec, ensure_ascii=False, default=str) + "\n")
        self.stream.flush()


class _Counts:
    def __init__(self) -> None:
        self.done = self.errors = self.total = 0
        self.t0: Optional[float] = None

    def item(self, e: dict[str, Any]) -> None:
        if self.t0 is None:
            self.t0 = time.monotonic()
        if e["status"] == "error":
            self.errors += 1
        else:
            self.done += 1

    def rate(self) -> float:
        """Items/s since the first item finished (model loading is not counted)."""
        n = self.done + self.errors
        return (n - 1) / max(1e-9, time.monotonic() - self.t0) if self.t0 is not None and n > 1 else 0.0

    def line(self) -> str:
        rate = self.rate()
        n = self.done + self.errors
        eta = f" · ETA {_hms((self.total - n) / rate)}" if rate and self.total > n else ""
        return f"{n}/{self.total} · {rate:.2f} items/s · done {self.done} · errors {self.errors}{eta}"


def _hms(s: float) -> str:
    s = int(s)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


class PlainLines(ScanDisplay):
    """For logs (stderr is not a terminal): a line every `every` items or `seconds`."""

    def __init__(self, stream: TextIO = sys.stderr, every: int = 10, seconds: float = 30.0):
        self.stream, self.every, self.seconds = stream, every, seconds
        self.c = _Counts()
        self.last = 0.0
        self.events = self._event

    def _event(self, e: dict[str, Any]) -> None:
        kind = e["event"]
        if kind == "queue":
            self.c.total = e["pending"]
            where = f"{e['workers']} worker(s) × {e['threads']} thread(s)" + (" on Ray" if e["engine"] == "ray" else "")
            self._print(f"  ingest done; {e['pending']} item(s) to process on {where}")
        elif kind == "item":
            self.c.item(e)
            n = self.c.done + self.c.errors
            if n % self.every == 0 or n == self.c.total or time.monotonic() - self.last > self.seconds:
                self._print(f"  process: {self.c.line()}")
        elif kind == "worker_lost":
            self._print(f"  worker {e['worker']} lost ({e['reason']}); {e['path']} goes back to the queue"
                        if e["times"] < 2 else f"  {e['path']}: its worker died {e['times']} times; recorded as error")

    def _print(self, s: str) -> None:
        self.last = time.monotonic()
        self.stream.write(s + "\n")
        self.stream.flush()


class RichBar(ScanDisplay):
    """A live bar on a terminal: items done of total, items/s, done/errors, ETA."""

    def __init__(self, console) -> None:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,  # noqa: PLC0415 (+3 ms at import; only a terminal shows the bar)
                                   TimeElapsedColumn, TimeRemainingColumn)

        self.console = console
        self.bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.fields[rate]}"), TextColumn("{task.fields[tally]}"),
                            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=console,
                            transient=False)
        self.c = _Counts()
        self.ingest = self.work = None
        self.progress = self._progress
        self.events = self._event

    def __enter__(self) -> "RichBar":
        self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bar.stop()

    def _progress(self, stage: str, n: int, total: int) -> None:
        if stage == "ingest":
            if self.ingest is None:
                self.ingest = self.bar.add_task("ingest", total=None, rate="", tally="")
            self.bar.update(self.ingest, completed=n, tally=f"{n} paths")

    def _event(self, e: dict[str, Any]) -> None:
        kind = e["event"]
        if kind == "queue":
            if self.ingest is not None:
                self.bar.update(self.ingest, total=self.bar.tasks[self.ingest].completed)
            self.c.total = e["pending"]
            label = f"process ({e['workers']}×{e['threads']}{' ray' if e['engine'] == 'ray' else ''})"
            self.work = self.bar.add_task(label, total=e["pending"], rate="", tally="")
        elif kind == "item" and self.work is not None:
            self.c.item(e)
            n = self.c.done + self.c.errors
            self.bar.update(self.work, completed=n, rate=f"{self.c.rate():.2f} items/s",
                            tally=f"done {self.c.done} · [red]errors {self.c.errors}[/red]" if self.c.errors
                            else f"done {self.c.done} · errors 0")
        elif kind == "worker_lost":
            self.console.print(f"[yellow]worker {e['worker']} lost[/yellow] ({e['reason']}): {e['path']} "
                               + ("goes back to the queue" if e["times"] < 2 else "recorded as error"))


def display_for(quiet: bool, log_json: bool, console) -> ScanDisplay:
    """--log-json wins (pipelines), then --quiet; a terminal gets the bar, a log gets lines."""
    if log_json:
        return JsonLog(sys.stderr)
    if quiet:
        return ScanDisplay()
    if console.is_terminal:
        return RichBar(console)
    return PlainLines(sys.stderr)
