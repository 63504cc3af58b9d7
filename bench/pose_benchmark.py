"""Head-pose benchmark on AFLW2000-3D (../shared/pose or $PHOTOCHECK_POSE), with photocheck's real detector.

    .venv/bin/python bench/pose_benchmark.py [--json out.json] [--limit N]

Each photo goes through `FaceDetector.detect` exactly as in a check (landmarker, tiles, FaceBoxes, pose
network, fusion); the subject is the prominent face (photocheck's rule without identity). Prints yaw MAE
overall and by |yaw| 0-30 / 30-60 / 60-99 (as the published tables), pitch and roll MAE, and the rates the
guidance depends on: side right (|yaw| >= 20), profile read (|yaw| >= 60 -> bucket profile), frontal read
(|yaw| < 10 -> bucket frontal), face found. tests/test_pose_benchmark.py asserts these numbers.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from datasets import pose_dir, read_labels  # noqa: E402

from photocheck.evidence.labels import PoseOptions, pose_bucket  # noqa: E402
from photocheck.evidence.subject import prominent_face  # noqa: E402
from photocheck.measure.analyzers.face_measures import measure_face  # noqa: E402
from photocheck.measure.analyzers.faces import DETECT_LONG_SIDE, FaceDetector  # noqa: E402
from photocheck.measure.analyzers.frames import make_frame  # noqa: E402

RANGES = ((0, 30), (30, 60), (60, 99))


def measure(folder: Path, rows: list[dict[str, str]], detector: FaceDetector) -> list[dict[str, Any]]:
    """Per photo: the labels and photocheck's subject face (None when no face was found)."""
    out = []
    for row in rows:
        rgb = np.asarray(Image.open(folder / row["path"]).convert("RGB"))
        frame = make_frame(rgb, DETECT_LONG_SIDE)
        faces = [measure_face(raw, rgb, 1.0, frame) for raw in detector.detect(rgb, frame)]
        i = prominent_face(faces)
        out.append({"row": row, "face": None if i is None else faces[i]})
    return out


def score(measured: list[dict[str, Any]], opts: PoseOptions | None = None) -> dict[str, Any]:
    opts = opts or PoseOptions()
    true = np.array([[float(m["row"][k]) for k in ("yaw", "pitch", "roll")] for m in measured])
    found = np.array([m["face"] is not None and m["face"].yaw is not None for m in measured])
    est = np.array([[m["face"].yaw, m["face"].pitch, m["face"].roll] if f else [np.nan] * 3
                    for m, f in zip(measured, found)], dtype=float)  # fmt: skip
    buckets = [pose_bucket(m["face"], opts) if f else None for m, f in zip(measured, found)]
    t, e = true[found], est[found]
    err = np.abs(e - t)
    ay = np.abs(t[:, 0])
    res: dict[str, Any] = {
        "photos": len(measured),
        "face_found": float(found.mean()),
        "yaw_mae": float(err[:, 0].mean()),
        "pitch_mae": float(err[:, 1].mean()),
        "roll_mae": float(err[:, 2].mean()),
    }
    for lo, hi in RANGES:
        sel = (ay >= lo) & (ay < hi)
        res[f"yaw_mae_{lo}_{hi}"] = float(err[sel, 0].mean())
        res[f"n_{lo}_{hi}"] = int(sel.sum())
    turned = ay >= 20
    res["side_right"] = float(np.mean(np.sign(e[turned, 0]) == np.sign(t[turned, 0])))
    all_true = np.abs(true[:, 0])
    # over all photos of the range: a profile not found at all is a profile missed
    prof = [buckets[i] for i in np.flatnonzero(all_true >= 60)]
    res["profile_read"] = float(np.mean([x is not None and x.startswith("profile") for x in prof]))
    front = [buckets[i] for i in np.flatnonzero(all_true < 10)]
    res["frontal_read"] = float(np.mean([x == "frontal" for x in front]))
    res["by_detector"] = {d: int(sum(1 for m in measured if m["face"] and m["face"].detector == d))
                          for d in sorted({m["face"].detector for m in measured if m["face"]})}  # fmt: skip
    return res


def print_report(res: dict[str, Any]) -> None:
    print(f"AFLW2000-3D head pose, {res['photos']} photos: face found {res['face_found']:.1%}")
    ranges = "  ".join(f"{lo}-{hi}: {res[f'yaw_mae_{lo}_{hi}']:.2f} (n={res[f'n_{lo}_{hi}']})" for lo, hi in RANGES)
    print(f"  yaw MAE {res['yaw_mae']:.2f}°   {ranges}")
    print(f"  pitch MAE {res['pitch_mae']:.2f}°   roll MAE {res['roll_mae']:.2f}°")
    print(f"  side right (|yaw| >= 20): {res['side_right']:.1%}   profile read (|yaw| >= 60): "
          f"{res['profile_read']:.1%}   frontal read (|yaw| < 10): {res['frontal_read']:.1%}")  # fmt: skip
    print(f"  subject face by detector: {res['by_detector']}")


def model_timings(folder: Path, rows: list[dict[str, str]], repeats: int = 50) -> dict[str, float]:
    """Milliseconds per call, models warm, on one core's worth of work: FaceBoxes on a 640 px frame, the pose
    network on one face (crop, resize, forward, angles)."""
    from photocheck.measure.analyzers.face_boxes import FaceBoxes
    from photocheck.measure.analyzers.head_pose import FACE_BOXES_CROP, HeadPoseNet

    boxes, pose = FaceBoxes(), HeadPoseNet()
    rgb = np.asarray(Image.open(folder / rows[0]["path"]).convert("RGB"))
    found = boxes.detect(rgb)
    box = found[0][0] if found else (0.0, 0.0, float(rgb.shape[1]), float(rgb.shape[0]))
    out = {}
    for name, call in (("face_boxes_ms", lambda: boxes.detect(rgb)),
                       ("pose_network_ms", lambda: pose.estimate(rgb, box, FACE_BOXES_CROP))):  # fmt: skip
        call()
        t0 = time.perf_counter()
        for _ in range(repeats):
            call()
        out[name] = (time.perf_counter() - t0) / repeats * 1000
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", type=Path)
    ap.add_argument("--limit", type=int)
    args = ap.parse_args()
    folder = pose_dir()
    if not (folder / "labels.csv").is_file():
        sys.exit(f"pose photos not found at {folder} (set PHOTOCHECK_POSE)")
    rows = read_labels(folder)[: args.limit]
    detector = FaceDetector()
    t0 = time.perf_counter()
    res = score(measure(folder, rows, detector))
    res["seconds"] = time.perf_counter() - t0
    res.update(model_timings(folder, rows))
    print_report(res)
    print(f"  per call, warm: FaceBoxes {res['face_boxes_ms']:.1f} ms, pose network {res['pose_network_ms']:.1f} ms")
    if args.json:
        args.json.write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
