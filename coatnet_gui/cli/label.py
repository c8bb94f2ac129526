"""Headless batch commands: ``coatnet-gui label DIR ...`` and ``coatnet-gui undo-sort MANIFEST``.

``label`` writes its results to ``--out`` (CSV or JSON Lines by suffix; default ``DIR/coatnet-labels.csv``)
through a journal ``<out>.journal`` that is deleted once the output is complete: a run that was killed or
interrupted continues with ``--resume``. Progress (images/s, ETA) goes to stderr, the summary to stdout.
``--maps OUT_DIR`` also saves a map and an overlay per image or frame (:mod:`model.explain.folder_maps`). CSV
cells are spreadsheet-safe (:func:`model.batch.export.csv_cell`) unless ``--csv-raw``. Video files give one row per
sampled frame (``--every N`` / ``--fps F``, default :data:`model.video.files.DEFAULT_FPS`; on either engine), named
``video#t=SECONDS`` with ``frame`` and ``time`` columns; ``--sort-into`` sorts images only. Exit status as for
``classify``: 0 all labelled, 1 some failed (error rows), 2 usage/model errors, 130 interrupted.

The parser imports no torch, numpy or Pillow (``label --help`` answers at once): the batch pipeline, the maps, the
weights and the scan are imported by the functions that run a command; a cached export's run never imports torch.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from coatnet_gui.cli import common as cli_common
from model.batch.export import ExportCounts, export_format, write_export
from model.batch.journal import Journal, JournalError, read_records
from model.batch.manifest import read_manifest
from model.batch.progress import BatchProgress, format_seconds
from model.batch.sort import apply_sort, folder_names, is_frame_record, plan_sort
from model.batch.undo import ForeignManifest, undo_sort
from model.choices import MAP_KINDS, MAP_ORDERS
from model.video.files import DEFAULT_FPS, Sampling, is_video, split_key

if TYPE_CHECKING:
    from model.explain.folder_maps import MapStep
    from model.runtime.inference import Classifier
    from model.runtime.predictor import Predictor

BATCH_COMMANDS = ("label", "undo-sort")
DEFAULT_OUT = "coatnet-labels.csv"
EXIT_INTERRUPTED = 130
_SHOW_FAILURES = 10
RAY_MISSING = "--engine ray needs Ray, which is not installed: pip install 'coatnet-lens[cluster]'"


def progress_line(p: BatchProgress, width: int = 24, runtime: str = "") -> str:
    """Return one line for the terminal: bar, counts, percentage, images/s, ETA, failures and the ``runtime`` that
    runs the network now (when given)."""
    frac = p.done / p.total if p.total else 1.0
    fill = int(frac * width)
    eta = format_seconds(p.eta) if p.eta is not None else "--:--"
    failed = f"  {p.failed} failed" if p.failed else ""
    bar = "#" * fill + "." * (width - fill)
    runs = f"  [{runtime}]" if runtime else ""
    return f"[{bar}] {p.done}/{p.total} {frac:4.0%}  {p.rate:6.1f} img/s  ETA {eta}{failed}{runs}"


class TerminalProgress:
    """Draws :func:`progress_line` on ``stream``: redrawn in place at most 5 times a second on a terminal,
    a new line every 10 s otherwise."""

    def __init__(self, stream: TextIO | None = None, runtime: Callable[[], str] | None = None):
        self.stream = stream or sys.stderr  # looked up now: a redirected stderr is honoured
        self.runtime = runtime or str  # says what runs the network now ("" when not given)
        self.tty = self.stream.isatty()
        self.last = 0.0
        self.progress = BatchProgress()

    def update(self, records: list[dict], progress: BatchProgress) -> None:
        """Take one chunk's records and the progress (the callback of :func:`label_folder`)."""
        self.progress = progress
        now = time.monotonic()
        if now - self.last >= (0.2 if self.tty else 10.0):
            self.last = now
            line = progress_line(progress, runtime=self.runtime())
            self.stream.write(("\r" if self.tty else "") + line + ("" if self.tty else "\n"))
            self.stream.flush()

    def finish(self) -> None:
        """Draw the final state and end the line."""
        self.stream.write(("\r" if self.tty else "") + progress_line(self.progress, runtime=self.runtime()) + "\n")
        self.stream.flush()


def reporting_failures(records: Iterable[dict], stream: TextIO = sys.stderr) -> Iterator[dict]:
    """Yield ``records`` unchanged, writing one ``path: error: reason`` line for each of the first failed ones
    (this run's and an earlier one's alike) and at the end how many more there were."""
    shown = more = 0
    for record in records:
        if record["error"]:
            if shown < _SHOW_FAILURES:
                cli_common.report_failure(record["path"], record["error"], stream)
                shown += 1
            else:
                more += 1
        yield record
    if more:
        stream.write(f"... and {more} more failures (see the error column)\n")
    stream.flush()


def _images_only(records: Iterable[dict], skipped: list[int]) -> Iterator[dict]:
    """Yield the records that are not video frames; count the others in ``skipped[0]``."""
    for record in records:
        skipped[0] += (frame := is_frame_record(record))
        if not frame:
            yield record


def _sort(args: argparse.Namespace, journal_path: Path, label_names: list[str]) -> None:
    """Sort the labelled files into class folders under ``--sort-into`` (or print the plan with --dry-run); video
    frames are left out (a video is not one class)."""
    verb, done = ("move", "moved") if args.move else ("copy", "copied")
    frames = [0]
    try:
        steps = list(
            plan_sort(
                _images_only(read_records(journal_path), frames),
                args.dir,
                args.sort_into,
                folder_names(label_names),
                args.uncertain_below,
            )
        )
        if frames[0]:
            print(f"sort: {frames[0]} video frames are not sorted (only images go into class folders)")
        if args.dry_run:
            for step in steps:
                print(f"would {verb} {step.src} -> {step.dst}")
            print(f"dry run: {len(steps)} files would be {done}; nothing changed")
            return
        result = apply_sort(steps, args.sort_into, move=args.move)
    except ValueError as exc:
        print(f"sort refused, nothing {done}: {exc}", file=sys.stderr)
        return
    for src, reason in result.failed:
        cli_common.report_failure(src, reason)
    print(f"sorted {result.done} files into {args.sort_into} ({verb}), {len(result.failed)} failed")
    print(f"manifest: {result.manifest}; undo with: coatnet-gui undo-sort '{result.manifest}'")


def _resume_note(journal: Journal, journal_path: Path) -> None:
    """Say on stderr how much an earlier run did, or that there was none."""
    if not journal.resumed:
        print(f"no journal at {journal_path}; starting from the beginning", file=sys.stderr)
        return
    what = "images or video frames" if any(split_key(key)[1] is not None for key in journal.done) else "images"
    print(f"resuming: {len(journal.done)} {what} already done", file=sys.stderr)


def _interrupted(bar: TerminalProgress, journal_path: Path) -> int:
    """Say that the run stopped and how to go on; return :data:`EXIT_INTERRUPTED`."""
    bar.finish()
    print(
        f"interrupted; {bar.progress.done} done are kept in {journal_path}: rerun with --resume to go on",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED


def _summary(counts: ExportCounts, progress: BatchProgress, out: Path) -> None:
    """Print the one-line summary of a finished run."""
    earlier = f" ({progress.resumed} by the earlier run)" if progress.resumed else ""
    print(
        f"labelled {counts.labelled}, failed {counts.failed}{earlier}, {format_seconds(progress.seconds)} "
        f"({progress.rate:.1f} images/s) -> {out}"
    )


def _label_on_ray(args: argparse.Namespace) -> int:
    """Run ``label --engine ray`` on a Ray cluster (:mod:`model.cluster`); return the exit status. Ray is
    imported only here, so the other commands and the window never load it."""
    try:
        import ray
    except ImportError:
        return cli_common.usage_error(RAY_MISSING)
    from model.cluster.output import output_format, write_output
    from model.cluster.run import ClusterSettings, connect, label_source, run_settings
    from model.cluster.source import SourceError, iter_source, open_source
    from model.weights.layout import WeightsError
    from model.weights.loading import load_model

    if args.sort_into:
        return cli_common.usage_error("--sort-into works with the local engine only")
    if args.batch_size < 0 or args.actors < 0 or (args.gpus_per_actor or 0) < 0:
        return cli_common.usage_error("--batch-size, --actors and --gpus-per-actor must be 0 (automatic) or more")
    try:
        source = open_source(args.dir)
        out = Path(args.out) if args.out else Path(args.dir if source.fs is None else ".") / DEFAULT_OUT
        output_format(out)
        sampling = Sampling(args.every, args.fps)
        if args.dry_run:
            kinds = [is_video(e.rel) for e in iter_source(source, args.recursive, videos=True)]
            also = f" and {sum(kinds)} video files" if any(kinds) else ""
            print(f"dry run: would label {kinds.count(False)} images{also} in {source.name} and write {out}")
            return cli_common.EXIT_OK
        loaded = load_model(args.model, progress=cli_common.download_progress(), labels=args.labels)
        cli_common.warn_about_model(loaded.warnings)
        settings = ClusterSettings(
            args.recursive, args.topk, args.batch_size, args.actors, args.gpus_per_actor, sampling
        )
        journal_path = out.with_name(out.name + ".journal")
        journal = Journal(journal_path, run_settings(loaded, source, settings), resume=args.resume)
    except (SourceError, ValueError, WeightsError, JournalError) as exc:
        return cli_common.usage_error(str(exc))
    where = f"the Ray cluster at {args.address}" if args.address else "a local Ray"
    names = loaded.info.label_set + (f" from {loaded.info.label_source}" if loaded.info.label_source else "")
    print(f"model: {loaded.info.name} | labels: {names} | engine: {where}", file=sys.stderr)
    if args.resume:
        _resume_note(journal, journal_path)
    bar = TerminalProgress()
    try:
        connect(args.address)
        with journal:
            progress = label_source(loaded, source, journal, settings, on_chunk=bar.update)
    except KeyboardInterrupt:
        return _interrupted(bar, journal_path)
    except (ConnectionError, SourceError, ray.exceptions.RayError) as exc:
        bar.finish()
        return cli_common.usage_error(f"{exc}; what was done is kept in {journal_path}: rerun with --resume")
    finally:
        ray.shutdown()
    bar.finish()
    frames = any("time" in record for record in read_records(journal_path))
    counts = write_output(reporting_failures(read_records(journal_path)), out, raw=args.csv_raw, frames=frames)
    _summary(counts, progress, out)
    journal_path.unlink()
    return cli_common.EXIT_SOME_FAILED if counts.failed else cli_common.EXIT_OK


def _map_step(args: argparse.Namespace, clf: Classifier, root: Path) -> MapStep:
    """Return the batch step that saves the maps of ``--maps``/``--map``/``--map-stage``/``--map-steps``/
    ``--map-orders``; raises ValueError with the reason when they do not fit the model or the folder."""
    from model.explain.folder_maps import MapSettings, MapStep, resolve_block

    out_dir = Path(args.maps).resolve()
    if out_dir == root.resolve() or (args.recursive and out_dir.is_relative_to(root.resolve())):
        raise ValueError(f"--maps {args.maps} would put the maps among the images it labels; choose another folder")
    if args.map_steps < 0 or args.map_steps == 1:
        raise ValueError("--map-steps must be 0 (no deletion score) or 2 or more")
    if args.map_orders < 0 or args.map_orders == 1:
        raise ValueError("--map-orders must be 0 (no verdict) or 2 or more (an interval needs a spread)")
    block = resolve_block(clf.net, args.map, args.map_stage or "")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ValueError(f"cannot create --maps {args.maps}: {exc.strerror or exc}") from None
    return MapStep(MapSettings(str(out_dir), args.map, block.name, args.map_steps, orders=args.map_orders))


def label_command(args: argparse.Namespace) -> int:
    """Run ``label``; return the exit status."""
    from model.batch.pipeline import BatchSettings, label_folder, open_journal
    from model.batch.scan import count_images, iter_images
    from model.weights.layout import WeightsError

    if not args.maps and (args.map_stage or args.map != "gradcam"):
        return cli_common.usage_error("--map and --map-stage need --maps OUT_DIR")
    if args.maps and args.engine == "ray":
        return cli_common.usage_error("--maps works with the local engine only")
    if args.engine == "ray":
        if args.model.lower().endswith(".onnx"):
            return cli_common.usage_error("--engine ray runs PyTorch checkpoints; use the local engine for ONNX")
        return _label_on_ray(args)
    root = Path(args.dir)
    if not root.is_dir():
        return cli_common.usage_error(f"{root} is not a folder")
    out = Path(args.out) if args.out else root / DEFAULT_OUT
    try:
        export_format(out)
    except ValueError as exc:
        return cli_common.usage_error(str(exc))
    if args.batch_size < 0 or args.workers < 0:
        return cli_common.usage_error("--batch-size and --workers must be 0 (automatic) or more")
    if args.move and not args.sort_into:
        return cli_common.usage_error("--move needs --sort-into DEST")
    if args.uncertain_below is not None and not (args.sort_into and 0 <= args.uncertain_below <= 1):
        return cli_common.usage_error("--uncertain-below needs --sort-into DEST and a probability from 0 to 1")
    try:
        sampling = Sampling(args.every, args.fps)
    except ValueError as exc:
        return cli_common.usage_error(str(exc))
    videos = sum(1 for e in iter_images(root, args.recursive, videos=True) if is_video(e.rel))
    if args.dry_run and not args.sort_into:
        n = count_images(root, args.recursive)
        also = f" and {videos} video files" if videos else ""
        print(f"dry run: would label {n} images{also} in {root} and write {out}")
        return cli_common.EXIT_OK
    try:
        sizes = (args.batch_size,) if args.batch_size else ()
        clf: Predictor = cli_common.open_classifier(args, batch_work=True, batch_sizes=sizes)
    except WeightsError as exc:
        return cli_common.usage_error(str(exc))
    print(cli_common.describe(clf), file=sys.stderr)
    if args.maps and clf.maps_unavailable:
        return cli_common.usage_error(f"--maps: {clf.maps_unavailable}")
    try:
        step = _map_step(args, clf, root) if args.maps else None
    except ValueError as exc:
        return cli_common.usage_error(str(exc))
    settings = BatchSettings(args.recursive, args.topk, args.batch_size, args.workers, step, sampling)
    journal_path = out.with_name(out.name + ".journal")
    try:
        journal = open_journal(journal_path, clf, root, settings, resume=args.resume)
    except JournalError as exc:
        return cli_common.usage_error(str(exc))
    if args.resume:
        _resume_note(journal, journal_path)
    bar = TerminalProgress(runtime=lambda: clf.runtime_now)
    try:
        with journal:
            progress = label_folder(clf, root, journal, settings, on_chunk=bar.update)
    except KeyboardInterrupt:
        return _interrupted(bar, journal_path)
    bar.finish()
    frames = bool(videos) and any("time" in record for record in read_records(journal_path))
    counts = write_export(reporting_failures(read_records(journal_path)), out, raw=args.csv_raw, frames=frames)
    _summary(counts, progress, out)
    if args.sort_into:
        _sort(args, journal_path, clf.label_names)
    journal_path.unlink()
    return cli_common.EXIT_SOME_FAILED if counts.failed else cli_common.EXIT_OK


def undo_sort_command(args: argparse.Namespace) -> int:
    """Run ``undo-sort``; return the exit status."""
    try:
        manifest = read_manifest(args.manifest)
        if args.show:
            print(manifest.describe())
            trust = (
                "signed by this app for this user" if manifest.trusted else "FOREIGN: not signed by this app for you"
            )
            print(trust)
            return cli_common.EXIT_OK
        if not manifest.trusted and args.accept_foreign:
            print(manifest.describe(), file=sys.stderr)
        result = undo_sort(manifest, allow_foreign=args.accept_foreign)
    except ForeignManifest as exc:
        return cli_common.usage_error(f"{exc} See it with --show; allow it with --accept-foreign.")
    except (OSError, ValueError) as exc:
        return cli_common.usage_error(str(exc))
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(f"restored {result.restored} files, {len(result.problems)} left as they are")
    return cli_common.EXIT_SOME_FAILED if result.problems else cli_common.EXIT_OK


def add_sampling_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """Add ``--every N`` / ``--fps F`` (which frames of a video file get a ``what``; one or the other)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--every", type=int, metavar="N", help=f"video files: a {what} for every N-th decoded frame")
    group.add_argument(
        "--fps",
        type=float,
        metavar="F",
        help=f"video files: a {what} for F frames per second of video, on the frames' timestamps (default: "
        f"{DEFAULT_FPS:g}); each named VIDEO#t=SECONDS (3 decimals)",
    )


def add_batch_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``label`` and ``undo-sort`` on the ``coatnet-gui`` sub-command parser ``sub``."""
    label = cli_common.add_command(sub, "label", "label every image of a folder; write CSV or JSON Lines")
    label.add_argument("dir", help="the folder of images (with --engine ray also a URL: s3://, gs://, abfs://, ...)")
    label.add_argument("-r", "--recursive", action="store_true", help="include sub-folders")
    label.add_argument(
        "--out", help=f"results file, .csv or .jsonl, or with --engine ray .parquet (default: DIR/{DEFAULT_OUT})"
    )
    label.add_argument(
        "--csv-raw",
        action="store_true",
        help="write CSV cells exactly as they are, for programs; by default a cell that a spreadsheet would run "
        "as a formula (starting with = + - @, tab or CR) is written behind a ' (train reads that back exactly)",
    )
    cli_common.add_topk_argument(label, "to keep per image, in the results file")
    label.add_argument("--batch-size", type=int, default=0, help="images per model call (default: by input size)")
    label.add_argument("--workers", type=int, default=0, help="decode threads (default: one per CPU core)")
    label.add_argument("--resume", action="store_true", help="continue an interrupted run from its journal")
    add_sampling_arguments(label, "row")
    label.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="'local' (default): this machine; 'ray': a Ray cluster (pip install 'coatnet-lens[cluster]'), whose "
        "actors place themselves (a GPU if Ray gives them one, else the CPU); see docs/CLUSTER.md",
    )
    label.add_argument("--address", help="with --engine ray: 'auto' or ray://HOST:PORT (default: start a local Ray)")
    label.add_argument("--actors", type=int, default=0, help="with --engine ray: classifier actors (default: by GPUs)")
    label.add_argument(
        "--gpus-per-actor", type=float, metavar="G", help="with --engine ray: GPUs per actor (default: 1 if any)"
    )
    label.add_argument(
        "--maps",
        metavar="OUT_DIR",
        help="also save per image the map (.npy) and an overlay on the original (.png) into OUT_DIR; the results "
        "gain the map, overlay and deletion columns, and the verdict against random orders (better, worse or "
        "inconclusive) with their interval and the fill",
    )
    label.add_argument(
        "--map", choices=tuple(MAP_KINDS), default="gradcam", help="with --maps: which map (default: %(default)s)"
    )
    label.add_argument(
        "--map-stage",
        metavar="BLOCK",
        help="with --maps: the block, e.g. S2 (its last block), S3.1 or stages.2.blocks.1 (default: by map)",
    )
    label.add_argument(
        "--map-steps",
        type=int,
        default=16,
        metavar="K",
        help="with --maps: deletion steps of the faithfulness score, 0 for none (default: %(default)s)",
    )
    label.add_argument(
        "--map-orders",
        type=int,
        default=MAP_ORDERS,
        metavar="N",
        help="with --maps: seeded random orders per image behind the verdict; each costs as much as the map's score; "
        "0 for the area alone (default: %(default)s)",
    )
    label.add_argument("--sort-into", metavar="DEST", help="then copy (or --move) each image into DEST/<class>/")
    label.add_argument(
        "--uncertain-below",
        type=float,
        metavar="P",
        help="with --sort-into: images whose top-1 probability is below P (0-1) go to DEST/uncertain/ instead",
    )
    mode = label.add_mutually_exclusive_group()
    mode.add_argument("--copy", action="store_true", help="with --sort-into: copy (the default)")
    mode.add_argument("--move", action="store_true", help="with --sort-into: move (undo with undo-sort)")
    label.add_argument(
        "--dry-run",
        action="store_true",
        help="with --sort-into, print the plan and copy/move nothing; without, only count images",
    )
    cli_common.add_model_arguments(label)
    cli_common.add_runtime_argument(label)
    label.set_defaults(run=label_command)
    undo = cli_common.add_command(sub, "undo-sort", "undo a --sort-into run from its manifest")
    undo.add_argument("manifest", help="the coatnet-sort-*.jsonl file that the sort wrote into DEST")
    undo.add_argument("--show", action="store_true", help="print every entry of the manifest and change nothing")
    undo.add_argument(
        "--accept-foreign",
        action="store_true",
        help="undo a manifest this app did not sign for you (after --show): only copies inside DEST are removed",
    )
    undo.set_defaults(run=undo_sort_command)
