"""Headless checks of the maps: ``coatnet-gui explain IMAGE... [--map KIND ...] [--class C] [--fill F] [--sanity]
[--json] [--out DIR]``.

Per image and map kind: the deletion and insertion areas (:mod:`model.explain.faithfulness`), the random orders'
95 % interval, the verdict (better / worse / inconclusive: :mod:`model.explain.verdicts`), the fill; with
``--sanity`` the similarity to the original map after each step of the model randomisation cascade and the
"insensitive to the model" flag (:mod:`model.explain.sanity`). ``--json`` prints one JSON object per image and
kind and line; ``--out DIR`` writes each map as ``.npy`` and its overlay on the original as ``.png``, as
``label --maps`` does. Exit status: 0 when every image was checked, 1 when some could not be read (one
``path: error: reason`` line each), 2 on usage or model errors.

The parser imports no torch; the checks' modules are imported when the command runs.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import TYPE_CHECKING

from coatnet_gui.cli import common as cli_common
from model.choices import EXPLAIN_KINDS, FILL_CHOICES

if TYPE_CHECKING:
    from PIL import Image

    from model.runtime.inference import Classifier

EXPLAIN_COMMANDS = ("explain",)
STEPS = 16


def class_from_text(text: str | None, label_names: list[str], count: int) -> int | None:
    """Return the class ``--class`` names (an index or a class name, any case), None when not given; raises
    ValueError naming the choices for anything else."""
    if text is None:
        return None
    if text.strip().isdigit() and int(text) < count:
        return int(text)
    lowered = [name.lower() for name in label_names]
    if text.strip().lower() in lowered:
        return lowered.index(text.strip().lower())
    shown = ", ".join(label_names[:12]) + (" …" if len(label_names) > 12 else "")
    raise ValueError(f"--class {text!r} is neither a class index (0-{count - 1}) nor a class name ({shown})")


def explain_image(
    clf: Classifier, image: Image.Image, kinds: list[str], class_index: int | None, fill: str, sanity: bool
) -> list[dict]:
    """Return one record per kind of ``kinds`` for ``image``: block, class, fill, areas, random intervals,
    verdicts, flat, and with ``sanity`` the cascade (``KindSanity.as_json``); the map itself under ``"grid"``
    (an array, not JSON: the caller saves or drops it)."""
    from dataclasses import replace

    from model.explain.blocks import block_label
    from model.explain.faithfulness import faithfulness
    from model.explain.maps import compute_overlay, map_kind_spec
    from model.explain.sanity import sanity_check
    from model.explain.scoring import model_input

    explanation = clf.explain(image)
    target = int(explanation.probs.argmax()) if class_index is None else class_index
    x = model_input(clf, explanation)
    cascade = sanity_check(clf, image, kinds, target).kinds if sanity else {}
    orders: tuple = ()
    records = []
    for kind in kinds:
        spec = replace(map_kind_spec(kind), class_index=target)
        result = compute_overlay(explanation, spec, (1, 1), clf.label_names)
        grid = result.panels[0].grid
        score = faithfulness(
            clf, x, grid, target, STEPS, baseline=not orders, probs=explanation.probs, fill=fill
        )  # the random orders do not depend on the map: run once per image
        orders = orders or score.random_orders
        verdicts = replace(score, random_orders=orders).verdicts
        record = {
            "map": kind,
            "block": block_label(result.block),
            "class": target,
            "class_name": clf.label_names[target] if target < len(clf.label_names) else f"class {target}",
            "fill": fill,
            "steps": STEPS,
            "deletion": round(score.map.deletion_area, 6),
            "insertion": round(score.map.insertion_area, 6),
            "random": {
                "deletion": verdicts.deletion_interval.as_json(),
                "insertion": verdicts.insertion_interval.as_json(),
            },
            "verdict": {"deletion": verdicts.deletion, "insertion": verdicts.insertion},
            "flat": verdicts.flat,
            "grid": grid,
        }
        if sanity:
            record["sanity"] = cascade[kind].as_json()
        records.append(record)
    return records


def record_line(path: str, record: dict) -> str:
    """Return one record as a line of text: kind, block, areas with their verdicts, and the sanity flag."""
    d, i = record["random"]["deletion"], record["random"]["insertion"]
    text = (
        f"{path}  {record['map']} {record['block']} for “{record['class_name']}”, fill {record['fill']}: "
        f"deletion {record['deletion']:.3f} (random {d['lo']:.3f}–{d['hi']:.3f}) {record['verdict']['deletion']}, "
        f"insertion {record['insertion']:.3f} (random {i['lo']:.3f}–{i['hi']:.3f}) {record['verdict']['insertion']}"
    )
    if record["flat"]:
        text += "; the model barely reacts to this fill"
    if "sanity" in record:
        final = record["sanity"]["steps"][-1]["spearman"]
        flag = "INSENSITIVE TO THE MODEL" if record["sanity"]["insensitive"] else "changes with the model"
        text += f"; randomised model: Spearman {final:.2f} ({flag})"
    return text


def _kinds(args: argparse.Namespace, clf: Classifier) -> list[str]:
    """Return the kinds to check: ``--map``'s, else every kind the model has; raises ValueError for a kind the
    model cannot draw."""
    from model.explain.blocks import blocks_for
    from model.explain.capture import list_blocks
    from model.explain.sanity import ATTENTION_KINDS

    attention = bool(blocks_for("attention", list_blocks(clf.net)))
    if not args.map:
        return [k for k in EXPLAIN_KINDS if attention or k not in ATTENTION_KINDS]
    missing = [k for k in args.map if k in ATTENTION_KINDS and not attention]
    if missing:
        raise ValueError(f"this model has no Transformer blocks: no {', '.join(missing)} map")
    return list(dict.fromkeys(args.map))


def _common_folder(images: list[str]) -> str:
    """Return the deepest folder holding every image in ``images``: their maps mirror the paths below it, so two
    images of the same name in different folders never write over each other's maps."""
    folders = [os.path.dirname(os.path.abspath(p)) for p in images]
    return os.path.commonpath(folders) if folders else os.getcwd()


def explain_command(args: argparse.Namespace) -> int:
    """Run ``explain``; return the exit status."""
    from model.data.decode import ImageLoadError, load_image
    from model.explain.folder_maps import MapSettings, save_map
    from model.weights.layout import WeightsError

    try:
        clf = cli_common.open_classifier(args)
        if clf.maps_unavailable:  # an ONNX file: predictions only
            return cli_common.usage_error(f"explain: {clf.maps_unavailable}")
        kinds = _kinds(args, clf)
        target = class_from_text(args.class_, clf.label_names, len(clf.label_names))
        if args.out:
            os.makedirs(args.out, exist_ok=True)
    except (WeightsError, ValueError) as exc:
        return cli_common.usage_error(str(exc))
    except OSError as exc:
        return cli_common.usage_error(f"cannot create --out {args.out}: {exc.strerror or exc}")
    if not args.json:
        print(cli_common.describe(clf))
    failed = 0
    root = _common_folder(args.images)
    for path in args.images:
        try:
            image = load_image(path)
        except ImageLoadError as exc:
            failed += 1
            cli_common.report_failure(path, str(exc))
            continue
        for record in explain_image(clf, image, kinds, target, args.fill, args.sanity):
            grid = record.pop("grid")
            if args.out:
                settings = MapSettings(out_dir=args.out, kind=record["map"])
                npy, png = save_map(clf, root, os.path.relpath(os.path.abspath(path), root), grid, settings)
                record.update({"map_file": npy, "overlay_file": png})
            line = json.dumps({"path": str(path), **record}, ensure_ascii=False) if args.json else None
            print(line or record_line(str(path), record), flush=True)
    return cli_common.EXIT_SOME_FAILED if failed else cli_common.EXIT_OK


def add_explain_command(sub: argparse._SubParsersAction) -> None:
    """Register ``explain`` on the ``coatnet-gui`` sub-command parser ``sub``."""
    parser = cli_common.add_command(sub, "explain", "score each map against random orders and check it is not blind")
    parser.add_argument("images", nargs="+", help="image files")
    parser.add_argument(
        "--map",
        nargs="+",
        choices=tuple(EXPLAIN_KINDS),
        metavar="KIND",
        help=f"the kinds of map (default: every kind the model has): {', '.join(EXPLAIN_KINDS)}",
    )
    parser.add_argument("--class", dest="class_", metavar="C", help="the class, an index or a name (default: top-1)")
    parser.add_argument(
        "--fill",
        choices=tuple(FILL_CHOICES),
        default="blur",
        help="what replaces removed pixels: blur (default), mean, noise, road (ROAD's imputation; the slowest)",
    )
    parser.add_argument(
        "--sanity",
        action="store_true",
        help="also randomise a copy of the model from the head down and report how much each map changes",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per image and map, a line each")
    parser.add_argument("--out", metavar="DIR", help="write each map (.npy) and its overlay (.png) into DIR")
    cli_common.add_model_arguments(parser)
    parser.set_defaults(run=explain_command)
