"""Shared plumbing for the atheris harnesses in fuzz/.

Each harness module defines `check(data: bytes)`, which runs one input through a parser
and lets through only what is a real bug: the parser's own clear error types are caught
there (they are how bad input is meant to be reported); anything else propagates, and
atheris records the input under fuzz/crashes/<harness>/. `check` imports the code under
test lazily, so `run()` can import it inside atheris' instrumentation first (coverage
guidance), and tests/test_fuzz_regressions.py can call `check` without atheris at all.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run(check: Callable[[bytes], None], modules: Iterable[str], include: Iterable[str] = ("clueextract",)) -> None:
    """Fuzz `check` with libFuzzer (argv holds libFuzzer flags and corpus folders). Python code
    of the packages in `include` imported by `modules` is instrumented for coverage."""
    import importlib

    import atheris

    with atheris.instrument_imports(include=list(include)):
        for name in modules:
            importlib.import_module(name)
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()
