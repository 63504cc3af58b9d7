"""photocheck accuracy evaluation on a labelled photo folder (the format of ../shared/corpus/labels.csv).

    .venv/bin/python bench/evaluate.py [FOLDER] [--json out.json] [--no-degradations]

FOLDER defaults to $PHOTOCHECK_CORPUS or ../shared/corpus. Prints: face detection recall, pose / expression /
lighting confusion matrices, identity (intruder recall, false flags, subject choice in group photos), the
AFLW2000-3D head-pose benchmark (bench/pose_benchmark.py, on ../shared/pose or $PHOTOCHECK_POSE), and
degradation detection (every clean single-face photo also checked as blurred / noisy / re-compressed /
downscaled / darkened / over-exposed copies made here: recall per rule, false alarms on the originals).
Expressions are judged in the set of each labelled person, as a user's set would be (frowns are read
against the person's own neutral photos).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pose_benchmark  # noqa: E402  (bench/ is on the path: this script's folder)
from datasets import corpus_dir, pose_dir, read_labels  # noqa: E402  (the one path helper)

# after the path set-up above, like the two imports before
from photocheck import Checker  # noqa: E402
from photocheck.discovery import PhotoSet  # noqa: E402
from photocheck.evidence.subject import match_reference, reference_from_facts  # noqa: E402
from photocheck.model import ImageFacts  # noqa: E402

POSES = ["frontal", "slight_left", "slight_right", "profile_left", "profile_right"]
EXPRESSIONS = ["neutral", "smile", "frown", "surprise", "other"]


def confusion_table(
    title: str, pairs: list[tuple[str, str]], labels: list[str], predicted: list[str]
) -> dict[str, Any]:
    counts = Counter(pairs)
    print(f"\n{title}  (rows: label, columns: photocheck)")
    print("  " + " " * 14 + "".join(f"{p[:10]:>11}" for p in predicted) + f"{'right':>9}")
    out: dict[str, Any] = {}
    for lab in labels:
        row = [counts[(lab, p)] for p in predicted]
        total = sum(row)
        right = counts[(lab, lab)]
        out[lab] = {"total": total, "right": right, "row": dict(zip(predicted, row))}
        if total:
            print(f"  {lab[:14]:14}" + "".join(f"{v:11d}" for v in row) + f"{right:>5}/{total:<3}")
    # precision: of the photos photocheck gave a label, how many carry it (columns that are labels too)
    cells = []
    for p in predicted:
        called = sum(v for (a, b), v in counts.items() if b == p and a in labels)
        if p in labels and p != "unknown" and called:  # "unknown" is no claim
            out[p]["called"] = called
            cells.append(f"{f'{counts[(p, p)]}/{called}':>11}")
        else:
            cells.append(f"{'':>11}")
    print(f"  {'precision':14}" + "".join(cells))
    return out


# -------------------------------------------------------------------------------------- per-photo facts


def measure(checker: Checker, folder: Path, rows: list[dict[str, str]]) -> list[tuple[dict[str, str], ImageFacts]]:
    out = []
    for i, row in enumerate(rows):
        out.append((row, checker.facts(str(folder / row["path"]))))
        print(f"\r  measuring {i + 1}/{len(rows)}", end="", file=sys.stderr)
    print(file=sys.stderr)
    return out


def judged_in_person_sets(checker: Checker, measured: list[tuple[dict[str, str], ImageFacts]]):
    """Every photo judged in the set of its labelled person (singletons alone)."""
    by = defaultdict(list)
    for row, facts in measured:
        by[row["identity"]].append((row, facts))
    out = []
    for name, items in by.items():
        groups = [items] if name not in ("various", "no_face") and len(items) > 1 else [[it] for it in items]
        for group in groups:
            facts = [f for _, f in group]
            result = checker.judge_set(PhotoSet(name, tuple(f.path for f in facts)), facts)
            images = {i.path: i for i in result.images}
            out.extend((row, images[f.path]) for row, f in group)
    return out


def detection(measured) -> dict[str, Any]:
    visible = [(r, f) for r, f in measured if not f.error and int(r["faces_in_image"] or 0) > 0]
    missed = [r["path"] for r, f in visible if not f.faces]
    found = len(visible) - len(missed)
    print(
        f"\nface detection: {found}/{len(visible)} photos with a visible face found ({found / max(1, len(visible)):.1%})"
    )
    if missed:
        print(f"  missed: {', '.join(missed)}")
    return {"found": found, "total": len(visible), "missed": missed}


def poses(judged) -> dict[str, Any]:
    pairs = []
    for row, img in judged:
        if row["yaw_bucket"] == "unknown":
            continue
        subject = next((f for f in img.faces if f.is_subject), None)
        pred = (subject.pose or "none") if subject else "none"
        pred = pred.replace("three-quarter", "slight").replace("-", "_")
        pairs.append((row["yaw_bucket"], pred))
    return confusion_table("pose bucket (three-quarter counted as slight)", pairs, POSES, POSES + ["none"])


def expressions(judged) -> dict[str, Any]:
    pairs = []
    for row, img in judged:
        subject = next((f for f in img.faces if f.is_subject), None)
        if row["expression"] in ("unknown", "") or subject is None or subject.expression is None:
            continue
        pairs.append((row["expression"], subject.expression))
    return confusion_table("expression", pairs, EXPRESSIONS, EXPRESSIONS)


def lighting(judged) -> dict[str, Any]:
    setting_pairs, light_pairs = [], []
    for row, img in judged:
        label = row["lighting"].split(";")
        setting_pairs.append((label[0], img.lighting["setting"]))
        kind = next((q for q in ("sunny", "overcast", "flash") if q in label[1:]), None)
        if kind:
            light_pairs.append((kind, img.lighting["light"]))
    return {
        "setting": confusion_table(
            "lighting setting", setting_pairs, ["indoor", "outdoor", "unknown"], ["indoor", "outdoor", "unknown"]
        ),  # fmt: skip
        "light": confusion_table(
            "light (labelled sunny / overcast / flash)",
            light_pairs,
            ["sunny", "overcast", "flash"],
            ["sunny", "overcast", "flash", "artificial", "unknown"],
        ),  # fmt: skip
    }


def identity(checker: Checker, measured) -> dict[str, Any]:
    by = defaultdict(list)
    for row, facts in measured:
        if row["identity"] not in ("various", "no_face") and not facts.error:
            by[row["identity"]].append((row, facts))
    people = {k: v for k, v in sorted(by.items()) if len(v) >= 4}
    caught = tried = flagged_members = members = as_warning = 0
    missed = []
    # intruder recall per group of identity pairs (the corpus's sources: celebrities, stock, Yale, AFLW model)
    per_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for owner, photos in people.items():
        base = [f for _, f in photos]
        for other, strangers in people.items():
            if other == owner:
                continue
            group = f"{_source(owner)} <- {_source(other)}"
            for _, stranger in strangers:
                facts = base + [stranger]
                result = checker.judge_set(PhotoSet(owner, tuple(f.path for f in facts)), facts)
                flagged = {p for f in result.findings if f.code == "ID01" for p in f.paths}
                warned = {p for f in result.findings if f.code == "ID01" and f.severity.value != "error" for p in f.paths}
                tried += 1
                caught += stranger.path in flagged
                as_warning += stranger.path in warned
                per_group[group][0] += stranger.path in flagged
                per_group[group][1] += 1
                if stranger.path not in flagged:
                    missed.append(f"{Path(stranger.path).name} in {owner}")
                members += len(base)
                flagged_members += len(flagged - {stranger.path})
    groups = right = 0
    for name, photos in people.items():
        solo = [f for r, f in photos if r["faces_in_image"] == "1"]
        for row, facts in photos:
            if "GROUP" not in row["quality_notes"] or not facts.faces or len(facts.faces) < 2 or len(solo) < 2:
                continue
            truth = match_reference(facts, reference_from_facts(solo, checker.pack.identity), checker.pack.identity)
            result = checker.judge_set(PhotoSet(name, tuple(f.path for _, f in photos)), [f for _, f in photos])
            img = next(i for i in result.images if i.path == facts.path)
            chosen = next((f.box for f in img.faces if f.is_subject), None)
            groups += 1
            right += chosen == truth.box
    print(f"\nidentity: {len(people)} people with >= 4 photos")
    print(f"  intruder recall {caught}/{tried} ({caught / max(1, tried):.1%}); "
          f"false flags on true members {flagged_members}/{members}")  # fmt: skip
    print(f"  of the intruders flagged, {as_warning} as a warning ('may be a different person: compare')")
    print("  intruder recall per group (owner <- intruder): " + "; ".join(
        f"{g} {c}/{n}" for g, (c, n) in sorted(per_group.items())))  # fmt: skip
    print(f"  subject chosen right in group photos: {right}/{groups}")
    if missed:
        print(f"  missed intruders: {', '.join(missed[:12])}{' ...' if len(missed) > 12 else ''}")
    return {"intruders_caught": caught, "intruders": tried, "false_flags": flagged_members, "members": members,
            "intruders_as_warning": as_warning, "per_group": {g: list(v) for g, v in per_group.items()},
            "group_subject_right": right, "group_photos": groups, "missed": missed}  # fmt: skip


def _source(identity_name: str) -> str:
    """The corpus source an identity comes from, for per-group recall."""
    for prefix, group in (("yale_", "yale"), ("human_stock", "stock"), ("aflw", "aflw"), ("kdef", "kdef")):
        if identity_name.startswith(prefix):
            return group
    return "celebrity"


# ------------------------------------------------------------------------------------------ degradations


def _png(rgb: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "PNG")
    return buf.getvalue()


def _jpeg(rgb: np.ndarray, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def degrade(rgb: np.ndarray, kind: str, face_height: int) -> bytes:
    if kind == "blurred":
        return _png(cv2.GaussianBlur(rgb, (0, 0), max(2.0, face_height / 60)))
    if kind == "noisy":
        noise = np.random.default_rng(0).normal(0, 18, rgb.shape)
        return _png(np.clip(rgb + noise, 0, 255).astype(np.uint8))
    if kind == "re-compressed":
        return _jpeg(rgb, 20)
    if kind == "downscaled":
        h, w = rgb.shape[:2]
        f = 700 / min(h, w)
        return _png(cv2.resize(rgb, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA))
    if kind == "upscaled":
        # the same pixel count, a third of the detail: shrunk to a third, then blown up again
        h, w = rgb.shape[:2]
        small = cv2.resize(rgb, (max(1, w // 3), max(1, h // 3)), interpolation=cv2.INTER_AREA)
        return _png(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC))
    if kind == "darkened":
        return _png(np.clip(rgb.astype(np.float32) * 0.2, 0, 255).astype(np.uint8))
    if kind == "over-exposed":
        return _png(np.clip(rgb.astype(np.float32) * 2.6, 0, 255).astype(np.uint8))
    raise ValueError(kind)


DEGRADATIONS = {"blurred": "FC03", "noisy": "IQ05", "re-compressed": "IQ04", "downscaled": "IQ02",
                "upscaled": "IQ03", "darkened": "LI01", "over-exposed": "LI02"}  # fmt: skip


def degradations(checker: Checker, folder: Path, measured) -> dict[str, Any]:
    """Recall of each rule on its degradation, and how often each rule fires on the untouched originals."""
    clean = [(r, f) for r, f in measured if not f.error and f.faces and len(f.faces) == 1 and r["faces_in_image"] == "1"
             and f.faces[0].yaw is not None and f.basic and min(f.basic.width, f.basic.height) >= 400]  # fmt: skip
    rules = sorted(set(DEGRADATIONS.values()))
    fired_on_original: Counter = Counter()
    recall: dict[str, list[int]] = {k: [0, 0, 0] for k in DEGRADATIONS}  # caught, tried, other error instead
    for n, (row, facts) in enumerate(clean):
        print(f"\r  degrading {n + 1}/{len(clean)}", end="", file=sys.stderr)
        original = checker.check_image(str(folder / row["path"]))
        codes = {f.code for f in original.findings}
        for rule in rules:
            fired_on_original[rule] += rule in codes
        with Image.open(folder / row["path"]) as im:
            rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
        for kind, rule in DEGRADATIONS.items():
            if rule in codes:
                continue  # already fires on the original: says nothing about the degradation
            result = checker.check_image(degrade(rgb, kind, facts.faces[0].box[3]), name=f"{kind}.png")
            found = {f.code for f in result.findings}
            recall[kind][1] += 1
            recall[kind][0] += rule in found
            # the copy is still rejected, by another error (e.g. the face is no longer found at all)
            recall[kind][2] += rule not in found and not result.usable
    print(file=sys.stderr)
    print(f"\ndegradations on {len(clean)} single-face photos (>= 400 px)")
    print(f"  {'copy':15} {'rule':6} {'recall':>14} {'other error':>12}   {'rule fires on originals':>24}")
    out = {}
    for kind, rule in DEGRADATIONS.items():
        hit, total, other = recall[kind]
        print(f"  {kind:15} {rule:6} {hit:>6}/{total:<4} {hit / max(1, total):5.0%} {other:>10}     "
              f"{fired_on_original[rule]:>14}/{len(clean):<4} {fired_on_original[rule] / max(1, len(clean)):5.0%}")  # fmt: skip
        out[kind] = {"rule": rule, "caught": hit, "tried": total, "rejected_by_another_error": other,
                     "fires_on_originals": fired_on_original[rule], "originals": len(clean)}  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    default = corpus_dir()
    ap.add_argument("folder", nargs="?", type=Path, default=default)
    ap.add_argument("--json", type=Path, help="write every number to this JSON file too")
    ap.add_argument("--no-degradations", action="store_true", help="skip the degraded-copy run (the slow part)")
    ap.add_argument("--pack", default="default", help="rule pack to evaluate (default: default)")
    ap.add_argument("--no-pose-benchmark", action="store_true", help="skip the AFLW2000-3D head-pose benchmark")
    args = ap.parse_args()
    rows = read_labels(args.folder)
    # the corpus is mostly below 1K: judge everything else without the resolution rules' errors hiding it
    with Checker(args.pack, ignore=["IQ02", "FC02"]) as checker, Checker(args.pack, ignore=["FC02"]) as per_photo:
        measured = measure(checker, args.folder, rows)
        judged = judged_in_person_sets(checker, measured)
        results: dict[str, Any] = {
            "photos": len(rows),
            "detection": detection(measured),
            "pose": poses(judged),
            "expression": expressions(judged),
            "lighting": lighting(judged),
            "identity": identity(checker, measured),
        }
        # the fitted heads judged as a new user's photos would meet them: in-sample and held out side by side
        import fit_heads

        print()
        results["heads"] = fit_heads.fit_all(measured)
        fit_heads.report(results["heads"])
        for fit in results["heads"].values():
            fit.pop("head", None)
        if not args.no_degradations:
            results["degradations"] = degradations(per_photo, args.folder, measured)
    if not args.no_pose_benchmark and (pose_dir() / "labels.csv").is_file():
        print()
        from photocheck.measure.analyzers.faces import FaceDetector

        pose_rows = read_labels(pose_dir())
        results["pose_benchmark"] = pose_benchmark.score(
            pose_benchmark.measure(pose_dir(), pose_rows, FaceDetector())
        )
        pose_benchmark.print_report(results["pose_benchmark"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
