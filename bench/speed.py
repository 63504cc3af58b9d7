"""photocheck speed benchmark: ratios against the time to merely decode the same photos, and against peers.

    .venv/bin/python bench/speed.py                  # 12 MP JPEGs + HEICs, scaling at 10 / 100 / 1000 photos
    .venv/bin/python bench/speed.py --sizes 10,100   # quicker
    .venv/bin/pip install -e '.[bench]'              # CleanVision, the peer image-issue finder (optional)

It builds realistic phone-like photos from ../shared/corpus (or $PHOTOCHECK_CORPUS): upscaled to 12 MP (and sets
at 8 and 48 MP), sensor-like noise, JPEG quality 90, half of them stored sideways with an EXIF orientation tag;
and HEICs.
Then, in one run and alternating between contenders (so machine noise hits all alike), it times each
contender in its own process (start-up included, as a user would see it) and records the process's peak
memory. Every figure printed is a ratio measured in this run; nothing is compared with a stored number.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import resource  # noqa: F401  (peak memory, in the wrapper below)
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image

pillow_heif.register_heif_opener()

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CORES = os.cpu_count() or 1

sys.path.insert(0, str(ROOT / "bench"))
from datasets import corpus_dir, read_labels  # noqa: E402  (the one path helper)

# ------------------------------------------------------------------------------------------ the photos


def source_photos(n: int) -> list[Path]:
    """Single-face corpus photos of people, the kind a user uploads."""
    rows = read_labels(corpus_dir())
    picks = [corpus_dir() / r["path"] for r in rows if r["faces_in_image"] == "1" and r["yaw_bucket"] != "unknown"]
    if not picks:
        sys.exit(f"no corpus photos under {corpus_dir()} (set PHOTOCHECK_CORPUS)")
    return [picks[i % len(picks)] for i in range(n)]


def phone_photo(src: Path, seed: int, shrink: float = 1.0, long_side: int = 4000) -> Image.Image:
    """A 12 MP (4000 x 3000) phone-like frame from a corpus photo: upscaled to fill, with sensor-like noise.
    `long_side` 3264: an 8 MP (3264 x 2448) frame, which photocheck analyses at full scale (half would be under
    its 1800 px analysis minimum), as a 12 MP photo resized by a messaging app or an older phone's is.
    `shrink` < 1: the photo at that size in the middle of a smooth colour field made from it, so that its face
    is a small part of the frame (the half-body case: the face 10-20 % of the short side). The field is the
    photo reduced to 4 x 3 pixels and enlarged again: a blurred enlargement of the photo itself (as this set
    once had) still holds a face, which the detectors found as a second, larger head behind the person."""
    im = Image.open(src).convert("RGB")
    short_side = long_side * 3 // 4
    size = (short_side, long_side) if im.height >= im.width else (long_side, short_side)
    scale = max(size[0] / im.width, size[1] / im.height)
    big = im.resize((round(im.width * scale), round(im.height * scale)), Image.LANCZOS)
    left, top = (big.width - size[0]) // 2, (big.height - size[1]) // 2
    frame = big.crop((left, top, left + size[0], top + size[1]))
    if shrink < 1.0:
        from PIL import ImageFilter

        small = frame.resize((round(size[0] * shrink), round(size[1] * shrink)), Image.LANCZOS)
        field = frame.resize((4, 3) if size[0] > size[1] else (3, 4), Image.BOX)
        frame = field.resize(size, Image.BICUBIC).filter(ImageFilter.GaussianBlur(20))
        frame.paste(small, ((size[0] - small.width) // 2, (size[1] - small.height) // 2))
    a = np.asarray(frame).astype(np.float32)
    rng = np.random.default_rng(seed)
    # shot noise grows with brightness, read noise does not
    a += rng.normal(0.0, 1.0, a.shape).astype(np.float32) * (1.5 + 0.012 * a)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


def build_set(folder: Path, n: int, kind: str, seed0: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, src in enumerate(source_photos(n)):
        im = phone_photo(src, seed0 + i, shrink=0.4 if kind == "halfbody" else 1.0,
                         long_side={"8mp": 3264, "48mp": 8000}.get(kind, 4000))  # fmt: skip
        if kind == "heic":
            im.save(folder / f"IMG_{i:04d}.HEIC", quality=90)
        elif i % 2:
            # stored sideways, as a phone held upright writes it: the viewer rotates by the EXIF tag
            exif = Image.Exif()
            exif[0x0112] = 6
            im.transpose(Image.Transpose.ROTATE_90).save(folder / f"IMG_{i:04d}.jpg", quality=90, exif=exif)
        else:
            im.save(folder / f"IMG_{i:04d}.jpg", quality=90)
    return folder


# -------------------------------------------------------------------------------------- the contenders

DECODE = """
import sys, os
from concurrent.futures import ProcessPoolExecutor
from PIL import Image, ImageOps
import pillow_heif
pillow_heif.register_heif_opener()
def decode(p):
    with Image.open(p) as im:
        ImageOps.exif_transpose(im).convert("RGB").load()
files = sorted(os.path.join(sys.argv[1], f) for f in os.listdir(sys.argv[1]))
jobs = int(sys.argv[2])
if jobs == 1:
    for f in files: decode(f)
else:
    with ProcessPoolExecutor(jobs) as ex: list(ex.map(decode, files, chunksize=4))
"""

# the floor users feel (speed issue): Pillow merely decoding each file, no RGB copy, no rotation
PLAIN_DECODE = """
import sys, os
from PIL import Image
import pillow_heif
pillow_heif.register_heif_opener()
for f in sorted(os.listdir(sys.argv[1])):
    with Image.open(os.path.join(sys.argv[1], f)) as im:
        im.load()
"""

# the issue's own measure: on one core, models loaded, each photo's full measurement (identity included) against
# Pillow merely decoding it, the two alternated photo by photo in one process and the fastest of `repeats` kept for
# each, so a burst of machine noise (single CLI runs here move by +-0.1 and more) hits neither side alone.
# The fastest check of each photo is also split into the parts photocheck's own code does not decide (its decode to
# the analysis image, MediaPipe's landmarker graph, the onnxruntime networks) and the rest (timers wrapped around
# those three calls): how far below the target the rest would have to go.
ONE_CORE = """
import json, os, sys, time
os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
from PIL import Image
import pillow_heif
pillow_heif.register_heif_opener()
from mediapipe.tasks.python.vision import FaceLandmarker
from photocheck import Checker
from photocheck.measure.allocator import keep_freed_buffers
from photocheck.measure.analyzers.bundled import LazyNet
from photocheck.measure.measurer import Measurer
spent = {"decode": 0.0, "landmarker graph": 0.0, "networks": 0.0}
def timed(owner, method, part):
    inner = getattr(owner, method)
    def wrapper(*args, **kwargs):
        t = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - t
    setattr(owner, method, wrapper)
timed(Measurer, "_load", "decode")
timed(FaceLandmarker, "detect", "landmarker graph")
timed(LazyNet, "run", "networks")
files = [os.path.join(sys.argv[1], f) for f in sorted(os.listdir(sys.argv[1]))]
repeats = int(sys.argv[2])
keep_freed_buffers()  # as photocheck's CLI and workers do
measurer = Checker(cache=False).measurer
measurer.facts(files[0])  # models built and warm
best = {"check": [float("inf")] * len(files), "floor": [float("inf")] * len(files)}
parts = [dict(spent) for _ in files]
for _ in range(repeats):
    for i, f in enumerate(files):
        t = time.perf_counter()
        with Image.open(f) as im:
            im.load()
        best["floor"][i] = min(best["floor"][i], time.perf_counter() - t)
        spent.update(dict.fromkeys(spent, 0.0))
        t = time.perf_counter()
        measurer.facts(f)
        took = time.perf_counter() - t
        if took < best["check"][i]:
            best["check"][i], parts[i] = took, dict(spent)
out = {k: sum(v) / len(v) for k, v in best.items()}
out.update({k: sum(p[k] for p in parts) / len(parts) for k in spent})
print(json.dumps(out))
"""

CLEANVISION = """
import sys
from cleanvision import Imagelab
Imagelab(data_path=sys.argv[1]).find_issues(verbose=False)
"""

# what the face_recognition package does with its defaults, written against dlib directly:
# HOG face detection on the full-resolution frame, 5-point landmarks, 128-D encoding
FACE_RECOGNITION = """
import sys, os
import numpy as np, dlib, face_recognition_models as frm
from PIL import Image, ImageOps
import pillow_heif
pillow_heif.register_heif_opener()
detector = dlib.get_frontal_face_detector()
shapes = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
encoder = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
for f in sorted(os.listdir(sys.argv[1])):
    with Image.open(os.path.join(sys.argv[1], f)) as im:
        rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    for box in detector(rgb, 0):
        encoder.compute_face_descriptor(rgb, shapes(rgb, box))
"""


def timed(cmd: list[str]) -> float:
    """Wall seconds of one run of a command (its start-up included)."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode not in (0, 1):  # photocheck exits 1 when it has findings
        raise RuntimeError(f"{' '.join(cmd[:4])}... failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall


def photocheck_cmd(folder: Path, jobs: int, cache: Path | None) -> list[str]:
    cmd = [PY, "-m", "photocheck", "check", str(folder), "--format", "json", "--output", os.devnull,
           "--jobs", str(jobs)]  # fmt: skip
    return cmd + (["--cache-dir", str(cache)] if cache else ["--no-cache"])


def has_module(name: str) -> bool:
    return subprocess.run([PY, "-c", f"import {name}"], capture_output=True).returncode == 0


def peak_rss_mb(cmd: list[str]) -> float:
    """Peak RSS of one command run alone (GNU time is not assumed: a wrapper reads its own children)."""
    wrapper = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([PY, "-c", wrapper, *cmd], capture_output=True, text=True).stdout.strip()
    return int(out or 0) / 1024


# ------------------------------------------------------------------------------------------- the runs


def compare(folder: Path, n: int, repeats: int, work: Path, peers: bool) -> dict[str, dict[str, float]]:
    """Median wall time of every contender on one folder, run in rotating order."""
    contenders: dict[str, list[str] | None] = {}
    contenders["plain decode floor: open().load(), 1 proc"] = [PY, "-c", PLAIN_DECODE, str(folder)]
    for jobs in sorted({1, CORES}):
        contenders[f"decode floor, {jobs} proc"] = [PY, "-c", DECODE, str(folder), str(jobs)]
        contenders[f"photocheck cold, --jobs {jobs}"] = None  # fresh cache each time, built below
        contenders[f"photocheck warm, --jobs {jobs}"] = photocheck_cmd(folder, jobs, work / f"warm-{jobs}")
    if peers:
        if has_module("dlib") and has_module("face_recognition_models"):  # the test extra installs them
            contenders["face_recognition-style (dlib HOG + encode, full res)"] = [PY, "-c", FACE_RECOGNITION, str(folder)]
        else:
            print("  (dlib not installed: pip install -e '.[test]' to compare with a face_recognition-style pass)")
        if has_module("cleanvision"):
            contenders["CleanVision Imagelab.find_issues"] = [PY, "-c", CLEANVISION, str(folder)]
        else:
            print("  (CleanVision not installed: pip install -e '.[bench]' to compare with it)")
    # warm caches exist before any timing
    for jobs in sorted({1, CORES}):
        subprocess.run(photocheck_cmd(folder, jobs, work / f"warm-{jobs}"), capture_output=True)
    times: dict[str, list[float]] = {k: [] for k in contenders}
    peaks: dict[str, float] = {}
    names = list(contenders)
    for r in range(repeats):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            cmd = contenders[name]
            if cmd is None:
                jobs = int(name.rsplit(" ", 1)[1])
                cache = work / f"cold-{jobs}-{r}"
                shutil.rmtree(cache, ignore_errors=True)
                cmd = photocheck_cmd(folder, jobs, cache)
            times[name].append(timed(cmd))
    for name, cmd in contenders.items():  # peak memory: one more run of each, alone
        if cmd is None:
            cmd = photocheck_cmd(folder, int(name.rsplit(" ", 1)[1]), work / "peak")
        peaks[name] = peak_rss_mb(cmd)
        shutil.rmtree(work / "peak", ignore_errors=True)
    return {k: {"wall": statistics.median(v), "per_photo": statistics.median(v) / n, "peak_mb": peaks.get(k, 0.0)}
            for k, v in times.items()}  # fmt: skip


def marginal(folder: Path, work: Path, repeats: int) -> dict[str, float]:
    """Marginal per-photo cost, start-up and model loading taken out: (time for all n photos - time for the
    first one) / (n - 1), for a cold photocheck --jobs 1 and for the plain decode floor, in one run."""
    files = sorted(folder.iterdir())
    one = work / "one"
    one.mkdir(parents=True, exist_ok=True)
    shutil.copy(files[0], one / files[0].name)
    n = len(files)
    t: dict[str, list[float]] = {"pc-all": [], "pc-one": [], "floor-all": [], "floor-one": []}
    for r in range(repeats):
        for key, target in (("all", folder), ("one", one)):
            cache = work / f"cache-{key}-{r}"
            t[f"pc-{key}"].append(timed(photocheck_cmd(target, 1, cache)))
            shutil.rmtree(cache, ignore_errors=True)
            t[f"floor-{key}"].append(timed([PY, "-c", PLAIN_DECODE, str(target)]))
    med = {k: statistics.median(v) for k, v in t.items()}
    pc = (med["pc-all"] - med["pc-one"]) / max(1, n - 1)
    floor = (med["floor-all"] - med["floor-one"]) / max(1, n - 1)
    print(f"  marginal per photo: photocheck {pc * 1000:.0f} ms, plain decode {floor * 1000:.0f} ms; "
          f"start-up + first photo {med['pc-one']:.2f} s")
    return {"marginal photocheck per photo / marginal plain decode (--jobs 1)": pc / floor if floor > 0 else float("nan"),
            "start-up + first photo, s (not a ratio)": med["pc-one"]}


def one_core(folder: Path, repeats: int) -> dict[str, float]:
    """Per photo, in one process pinned to one core, models warm: the fastest of `repeats` full measurements
    against the fastest of `repeats` plain decodes, alternated photo by photo (the issue's definition)."""
    out = subprocess.run([PY, "-c", ONE_CORE, str(folder), str(max(3, repeats))], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"one-core measurement failed: {out.stderr[-2000:]}")
    t = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  one core, in process, models warm: check {t['check'] * 1000:.0f} ms, plain decode "
          f"{t['floor'] * 1000:.0f} ms per photo (fastest of {max(3, repeats)} each, alternated)")
    fixed = ("decode", "landmarker graph", "networks")
    rest = t["check"] - sum(t[k] for k in fixed)
    parts = ", ".join(f"{k} {t[k] * 1000:.1f}" for k in fixed)
    print(f"    of the check: {parts}, the rest {rest * 1000:.1f} ms")
    return {"one core, in process, models warm: check / plain decode": t["check"] / t["floor"],
            "  decode + landmarker graph + networks alone / plain decode": sum(t[k] for k in fixed) / t["floor"],
            "  the rest of the check / plain decode": rest / t["floor"]}  # fmt: skip


def print_table(title: str, rows: dict[str, dict[str, float]]) -> None:
    print(f"\n{title}")
    print(f"  {'contender':58} {'wall s':>8} {'ms/photo':>9} {'peak MB':>8}")
    for name, r in rows.items():
        print(f"  {name:58} {r['wall']:8.2f} {r['per_photo'] * 1000:9.0f} {r['peak_mb']:8.0f}")


def ratios(rows: dict[str, dict[str, float]]) -> dict[str, float]:
    out = {}
    for jobs in sorted({1, CORES}):
        floor = rows[f"decode floor, {jobs} proc"]["wall"]
        cold = rows[f"photocheck cold, --jobs {jobs}"]["wall"]
        warm = rows[f"photocheck warm, --jobs {jobs}"]["wall"]
        out[f"photocheck cold / decode floor (--jobs {jobs})"] = cold / floor
        out[f"photocheck warm / cold (--jobs {jobs})"] = warm / cold
    cold1 = rows["photocheck cold, --jobs 1"]["wall"]
    out["photocheck cold --jobs 1 / plain decode floor (open().load())"] = (
        cold1 / rows["plain decode floor: open().load(), 1 proc"]["wall"]
    )
    for name, r in rows.items():
        if not name.startswith(("photocheck", "decode", "plain")):
            out[f"photocheck cold --jobs 1 / {name}"] = cold1 / r["wall"]
    return out


def compile_photocheck() -> None:
    """Write photocheck's bytecode, as pip does on install, before anything is timed. Where
    PYTHONDONTWRITEBYTECODE is set (as in some CI and container images), no run would ever write it, and every
    timed run would compile the modules changed since it was last written: tens of ms of start-up no user pays."""
    spec = importlib.util.find_spec("photocheck")
    if spec is not None and spec.origin:
        compileall.compile_dir(str(Path(spec.origin).parent), quiet=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--photos", type=int, default=20, help="photos in the comparison set (default 20)")
    ap.add_argument("--sizes", default="10,100,1000", help="set sizes for the scaling run (default 10,100,1000)")
    ap.add_argument("--repeats", type=int, default=3, help="timed runs per contender (median; default 3)")
    ap.add_argument("--no-peers", action="store_true", help="skip CleanVision and the face_recognition-style pass")
    ap.add_argument("--json", type=Path, help="also write all numbers to this JSON file")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="photocheck-bench-"))
    results: dict[str, object] = {"cores": CORES}
    compile_photocheck()
    try:
        print(f"photocheck speed benchmark — {CORES} cores, Python {sys.version.split()[0]}, work dir {work}")
        jpegs = build_set(work / "jpeg", args.photos, "jpeg")
        halfbody = build_set(work / "halfbody", max(4, args.photos // 2), "halfbody", seed0=2000)
        eight_mp = build_set(work / "8mp", max(4, args.photos // 2), "8mp", seed0=3000)
        big = build_set(work / "48mp", max(4, args.photos // 4), "48mp", seed0=4000)
        heics = build_set(work / "heic", max(4, args.photos // 2), "heic", seed0=1000)
        for label, folder in (("12 MP JPEG (quality 90, half EXIF-rotated), face-filling", jpegs),
                              ("12 MP JPEG half-body (face 10-20 % of the short side)", halfbody),
                              ("8 MP JPEG (3264 x 2448, analysed at full scale), face-filling", eight_mp),
                              ("48 MP JPEG (8000 x 6000, analysed at a quarter), face-filling", big),
                              ("12 MP HEIC", heics)):  # fmt: skip
            n = len(list(folder.iterdir()))
            # the peers read 48 MP at full resolution (dlib's HOG: seconds a photo): they run on the other sets
            peers = not args.no_peers and folder is not big
            rows = compare(folder, n, args.repeats, work / f"run-{folder.name}", peers=peers)
            print_table(f"{label}: {n} photos, median of {args.repeats}", rows)
            r = ratios(rows)
            r.update(marginal(folder, work / f"marginal-{folder.name}", args.repeats))
            r.update(one_core(folder, args.repeats))
            print("  ratios:")
            for k, v in r.items():
                print(f"    {k:70} {v:6.2f}{'' if 'not a ratio' in k else 'x'}")
            results[label] = {"rows": rows, "ratios": r}

        print("\nscaling: photocheck cold, --jobs all cores, distinct 12 MP JPEGs")
        print(f"  {'photos':>7} {'wall s':>8} {'ms/photo':>9} {'peak MB':>8} {'warm s':>8} {'warm/cold':>10}")
        scaling = []
        for n in [int(x) for x in args.sizes.split(",") if x]:
            folder = build_set(work / f"scale-{n}", n, "jpeg", seed0=5000)
            cache = work / f"scale-cache-{n}"
            cold = timed(photocheck_cmd(folder, CORES, cache))
            warm = timed(photocheck_cmd(folder, CORES, cache))
            shutil.rmtree(cache, ignore_errors=True)
            peak = peak_rss_mb(photocheck_cmd(folder, CORES, None))
            scaling.append({"photos": n, "cold": cold, "warm": warm, "peak_mb": peak})
            print(f"  {n:7d} {cold:8.2f} {cold / n * 1000:9.0f} {peak:8.0f} {warm:8.2f} {warm / cold:10.3f}")
            shutil.rmtree(folder, ignore_errors=True)
        results["scaling"] = scaling
        if len(scaling) >= 2:
            a, b = scaling[0], scaling[-1]
            print(f"  per-photo time {b['photos']} vs {a['photos']} photos: "
                  f"{(b['cold'] / b['photos']) / (a['cold'] / a['photos']):.2f}x; "
                  f"peak memory {b['peak_mb'] / max(a['peak_mb'], 1):.2f}x")  # fmt: skip
        if args.json:
            args.json.write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
