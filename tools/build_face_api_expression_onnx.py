"""Convert face-api.js's FaceExpressionNet weights to ONNX, once, with numpy and onnx (no torch, no TensorFlow).

Input: `face_expression_model-weights_manifest.json` and `face_expression_model-shard1` from the public repository
justadudewhohacks/face-api.js at commit a86f011d72124e5fb93e59d5c4ab98f699dd5c9c (`weights/`, MIT, "Copyright (c)
2018 Vincent Mühler"; a copy with its README and LICENSE is in ../shared/models/face_api_expression). Output:
`photocheck/models/expression_face_api.onnx`, which photocheck runs with onnxruntime.

The network (face-api.js `FaceExpressionNet` on its `FaceFeatureExtractor`): a 112x112 RGB face, (pixel - mean) / 255
with the channel means [122.782, 117.001, 104.298]; four dense blocks of 32, 64, 128, 256 channels, each halving
the size (112 -> 56 -> 28 -> 14 -> 7):

    out1 = relu(conv0(x))                (block 0: a plain 3x3 stride-2 convolution; the others separable)
    out2 = sep(out1); out3 = sep(relu(out1 + out2)); out4 = sep(relu(out1 + out2 + out3))
    block = relu(out1 + out2 + out3 + out4)

where sep is a depthwise 3x3 and a pointwise 1x1 convolution plus a bias; TensorFlow's 'same' padding, which at
stride 2 on an even size pads only the bottom and right by one. Then a 7x7 average pool, a dense 256 -> 7 layer
and a softmax over neutral, happy, sad, angry, fearful, disgusted, surprised. The weights are uint8, value =
q * scale + min per tensor (the manifest's quantisation); biases are float32.

Checked before writing: the input files against their published sha256; onnxruntime running the graph against a
plain numpy forward pass of the same weights (random faces); and upstream's own two test faces, which must read
angry > 0.95 and surprised > 0.95.

    python tools/build_face_api_expression_onnx.py [--weights ../shared/models/face_api_expression] [--output FILE]

Needs `onnx` (pip install onnx); only this script does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_3ddfa_onnx import finish_model, np_conv  # noqa: E402  (shared with the pose build)
from onnx_writer import GraphWriter, tf_same_pads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WEIGHTS = ROOT.parent / "shared" / "models" / "face_api_expression"
OUTPUT = ROOT / "photocheck" / "models" / "expression_face_api.onnx"
MANIFEST = "face_expression_model-weights_manifest.json"
SHARD = "face_expression_model-shard1"
SHA256 = {
    MANIFEST: "960cbe959fe0328965dd18662d839f197df6e27607da4f726cd0c826e47fc936",
    SHARD: "9a9840f2cf1f4c7eab95f197512569345c00d2426754d4608b92af30e0300f3d",
}
MEAN_RGB = (122.782, 117.001, 104.298)
SIZE = 112
CLASSES = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
CHANNELS = (32, 64, 128, 256)


def load(folder: Path) -> dict[str, np.ndarray]:
    """Every tensor of the manifest, dequantised to float64, by its upstream name."""
    for name, digest in SHA256.items():
        got = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        if got != digest:
            sys.exit(f"{folder / name}: sha256 {got} is not upstream's {digest}")
    manifest = json.loads((folder / MANIFEST).read_text())
    data = (folder / SHARD).read_bytes()
    arrays: dict[str, np.ndarray] = {}
    pos = 0
    for spec in manifest[0]["weights"]:
        count = int(np.prod(spec["shape"]))
        q = spec.get("quantization")
        if q is not None:
            assert q["dtype"] == "uint8"
            raw = np.frombuffer(data, np.uint8, count, pos).astype(np.float64)
            values = raw * q["scale"] + q["min"]
            pos += count
        else:
            values = np.frombuffer(data, "<f4", count, pos).astype(np.float64)
            pos += 4 * count
        arrays[spec["name"]] = values.reshape(spec["shape"])
    if pos != len(data):
        sys.exit(f"{SHARD}: {len(data) - pos} bytes left over after the manifest's tensors")
    return arrays


_tf_same = tf_same_pads


# ---------------------------------------------------------------------------------------------- numpy


def _np_conv_same(x: np.ndarray, w_oihw: np.ndarray, stride: int, groups: int = 1) -> np.ndarray:
    before, after = _tf_same(x.shape[1], stride, w_oihw.shape[2])
    padded = np.pad(x, ((0, 0), (before, after), (before, after)))
    return np_conv(padded, w_oihw, stride, 0, groups)


def _sep(a: dict[str, np.ndarray], name: str, x: np.ndarray, stride: int) -> np.ndarray:
    depth = a[f"{name}/depthwise_filter"].transpose(2, 3, 0, 1)  # [3, 3, C, 1] -> [C, 1, 3, 3]
    point = a[f"{name}/pointwise_filter"].transpose(3, 2, 0, 1)  # [1, 1, in, out] -> [out, in, 1, 1]
    y = _np_conv_same(x, depth, stride, groups=x.shape[0])
    return np_conv(y, point, 1, 0) + a[f"{name}/bias"][:, None, None]


def numpy_forward(a: dict[str, np.ndarray], face: np.ndarray) -> np.ndarray:
    """The seven probabilities of one normalised CHW face, in plain numpy."""
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    x = face.astype(np.float64)
    for block in range(4):
        n = f"dense{block}"
        if block == 0:
            w = a[f"{n}/conv0/filters"].transpose(3, 2, 0, 1)
            out1 = relu(_np_conv_same(x, w, 2) + a[f"{n}/conv0/bias"][:, None, None])
        else:
            out1 = relu(_sep(a, f"{n}/conv0", x, 2))
        out2 = _sep(a, f"{n}/conv1", out1, 1)
        out3 = _sep(a, f"{n}/conv2", relu(out1 + out2), 1)
        out4 = _sep(a, f"{n}/conv3", relu(out1 + out2 + out3), 1)
        x = relu(out1 + out2 + out3 + out4)
    pooled = x.mean(axis=(1, 2))
    logits = pooled @ a["fc/weights"] + a["fc/bias"]
    e = np.exp(logits - logits.max())
    return e / e.sum()


# ----------------------------------------------------------------------------------------------- onnx


def build(a: dict[str, np.ndarray]):  # -> onnx.ModelProto
    from onnx import TensorProto, helper

    g = GraphWriter()
    nodes, inits, const, node = g.nodes, g.inits, g.const, g.node

    def conv(x: str, w: np.ndarray, b: np.ndarray | None, stride: int, size: int, groups: int = 1) -> str:
        k = w.shape[2]
        before, after = _tf_same(size, stride, k) if k > 1 else (0, 0)
        inputs = [x, const(w)] + ([const(b)] if b is not None else [])
        return node("Conv", inputs, kernel_shape=[k, k], strides=[stride, stride], group=groups,
                    pads=[before, before, after, after])  # fmt: skip

    def sep(x: str, n: str, stride: int, size: int, channels: int) -> str:
        depth = a[f"{n}/depthwise_filter"].transpose(2, 3, 0, 1)
        point = a[f"{n}/pointwise_filter"].transpose(3, 2, 0, 1)
        y = conv(x, depth, None, stride, size, groups=channels)
        return conv(y, point, a[f"{n}/bias"], 1, size // stride)

    x, size, channels = "input", SIZE, 3
    for block, width in enumerate(CHANNELS):
        n = f"dense{block}"
        if block == 0:
            out1 = node("Relu", [conv(x, a[f"{n}/conv0/filters"].transpose(3, 2, 0, 1), a[f"{n}/conv0/bias"], 2, size)])
        else:
            out1 = node("Relu", [sep(x, f"{n}/conv0", 2, size, channels)])
        size //= 2
        out2 = sep(out1, f"{n}/conv1", 1, size, width)
        s12 = node("Add", [out1, out2])
        out3 = sep(node("Relu", [s12]), f"{n}/conv2", 1, size, width)
        s123 = node("Add", [s12, out3])
        out4 = sep(node("Relu", [s123]), f"{n}/conv3", 1, size, width)
        x, channels = node("Relu", [node("Add", [s123, out4])]), width
    pooled = node("Flatten", [node("GlobalAveragePool", [x])])
    logits = node("Add", [node("MatMul", [pooled, const(a["fc/weights"])]), const(a["fc/bias"])])
    nodes.append(helper.make_node("Softmax", [logits], ["probabilities"], axis=1))
    return finish_model(
        nodes, inits, "face_api_expression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, len(CLASSES)])],
        "face-api.js FaceExpressionNet (MIT, justadudewhohacks/face-api.js@a86f011); input (RGB - mean) / 255, "
        "NCHW 112x112; output probabilities of " + ", ".join(CLASSES),
    )  # fmt: skip


def test_face(path: Path) -> np.ndarray:
    """Upstream's way in: the picture padded to a centred square (black), resized to 112 bilinearly, normalised."""
    from PIL import Image

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=np.float32)
    h, w = rgb.shape[:2]
    side = max(h, w)
    square = np.zeros((side, side, 3), np.float32)
    square[(side - h) // 2 : (side - h) // 2 + h, (side - w) // 2 : (side - w) // 2 + w] = rgb
    resized = np.asarray(Image.fromarray(square.astype(np.uint8)).resize((SIZE, SIZE), Image.BILINEAR), np.float32)
    return ((resized - np.array(MEAN_RGB, np.float32)) / 255.0).transpose(2, 0, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args()
    import onnxruntime

    arrays = load(args.weights)
    data = build(arrays).SerializeToString()
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(3):
        face = rng.uniform(-0.5, 0.5, (3, SIZE, SIZE)).astype(np.float32)
        got = session.run(None, {"input": face[None]})[0][0]
        worst = max(worst, float(np.max(np.abs(got - numpy_forward(arrays, face)))))
    if worst > 1e-4:
        sys.exit(f"onnxruntime and the numpy reference disagree by {worst:.2e}: not written")
    for picture, expected in (("angry_cropped.jpg", "angry"), ("surprised_cropped.jpg", "surprised")):
        probs = session.run(None, {"input": test_face(args.weights / picture)[None]})[0][0]
        read = dict(zip(CLASSES, (round(float(p), 4) for p in probs)))
        print(f"  {picture}: {read}")
        if read[expected] <= 0.95:
            sys.exit(
                f"{picture} reads {expected} {read[expected]}, not above 0.95 as upstream's test says: not written"
            )
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"  onnxruntime vs the numpy reference: max difference {worst:.2e}")


if __name__ == "__main__":
    main()
