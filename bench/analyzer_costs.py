"""What the light analysis and the two learned signals cost per photo, against decoding the same photo (issues: the
light analysis at most ~3 ms per photo; the scene network and face-api.js's expression network together at most
~5 ms per photo).

    .venv/bin/python bench/analyzer_costs.py [FOLDER]

For each labelled corpus photo (or each photo in FOLDER), measures in one run, warm, on one core:
- the plain decode floor, `Image.open(p).load()`;
- the scene analysis (sky, vegetation, backdrop) on the shared 256 px frame;
- the face-light measures (direction, hardness, warmth) on the subject face at stats scale;
- the scene network (MobileNet V1 0.5-160) on the 256 px frame, and face-api.js's expression network on the
  subject face (both warm, one onnxruntime thread).
Prints the medians in ms and the light analysis as a ratio of the decode.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from datasets import corpus_dir, read_labels  # noqa: E402  (the one path helper)

from photocheck.measure.analyzers.face_light import measure_face_light  # noqa: E402
from photocheck.measure.analyzers.faces import DETECT_LONG_SIDE, FaceDetector  # noqa: E402
from photocheck.measure.analyzers.frames import make_frame, region_at  # noqa: E402
from photocheck.measure.analyzers.lighting import analyze_lighting  # noqa: E402
from photocheck.measure.imageio import load_path  # noqa: E402


def best_of(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times) * 1000.0


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else corpus_dir()
    if (folder / "labels.csv").exists():
        paths = [folder / r["path"] for r in read_labels(folder)]
    else:
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))
    detector = FaceDetector()
    decode, scene, face, light_over_decode, networks = [], [], [], [], []
    for p in paths:
        try:
            img = load_path(p)
        except Exception:
            continue
        h, w = img.rgb.shape[:2]
        frame = make_frame(img.rgb, DETECT_LONG_SIDE)
        small = region_at(img.rgb, frame, (0, 0, w, h), min(1.0, 256 / max(h, w)))
        faces = [f for f in detector.detect(img.rgb, frame) if f.landmarks is not None]
        k = small.shape[1] / w
        box = None
        t_face = 0.0
        if faces:
            raw = max(faces, key=lambda f: f.box[2] * f.box[3])
            box = tuple(v * k for v in raw.box)
            x, y, bw, bh = raw.box
            s = min(1.0, 256 / max(bh, 1.0))
            x0, y0 = int(max(0, x - 0.06 * bh)), int(max(0, y - 0.06 * bh))
            x1, y1 = int(min(w, x + bw + 0.06 * bh)), int(min(h, y + bh + 0.06 * bh))
            region = region_at(img.rgb, frame, (x0, y0, x1, y1), s)
            lm = (raw.landmarks[:, :2] - np.array([x0, y0])) * s
            t_face = best_of(lambda region=region, lm=lm, height=bh * s: measure_face_light(region, lm, height))
            face.append(t_face)
        t_scene = best_of(lambda img=img, small=small, box=box: analyze_lighting(img, small, box))
        t_net = best_of(lambda small=small: detector.scene.features(small))
        if faces:
            t_net += best_of(lambda img=img, raw=raw, frame=frame: detector.face_api.probabilities(img.rgb, raw.box, frame))
        networks.append(t_net)
        t_decode = best_of(lambda p=p: Image.open(p).load(), 3)
        scene.append(t_scene)
        decode.append(t_decode)
        light_over_decode.append((t_scene + t_face) / t_decode)
    detector.close()
    med = statistics.median
    print(f"{len(decode)} photos from {folder}")
    print(f"  plain decode (Image.open().load())  median {med(decode):6.2f} ms")
    print(f"  scene (sky, vegetation, backdrop)   median {med(scene):6.2f} ms   max {max(scene):.2f}")
    if face:
        print(
            f"  face light (direction, hardness)    median {med(face):6.2f} ms   max {max(face):.2f}   ({len(face)} faces)"
        )
    print(f"  light analysis / decode, per photo  median {med(light_over_decode):.3f}×")
    print(f"  scene + face-api networks           median {med(networks):6.2f} ms   max {max(networks):.2f}")


if __name__ == "__main__":
    main()
