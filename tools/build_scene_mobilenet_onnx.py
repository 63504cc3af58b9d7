"""Convert Google's quantised MobileNet V1 0.5-160 (ImageNet) TFLite file to a float ONNX graph, once.

Input: `mobilenet_v1_0.5_160_quant.tflite` from the public repository google-coral/test_data at commit
104342d2d3480b3e66203073dac24f4e2dbb4c41 (Apache-2.0; a copy with its README and LICENSE is in
../shared/models/mobilenet_v1_scene). Output: `photocheck/models/scene_mobilenet_v1_0.5_160.onnx`, which photocheck
runs with onnxruntime for its indoor/outdoor scene head.

Why a conversion, when MediaPipe's ImageEmbedder runs the TFLite file as it is: the file's only output is its
softmax over the 1001 ImageNet classes, quantised to steps of 1/256. On a portrait the mass goes to clothes
("suit", "bikini"), and the scene classes that tell a beach from a bedroom fall below 1/256 and read exactly 0;
as features for a head fitted on 149 corpus photos they reached a leave-one-source-out AUC of 0.80 for outdoor.
The 512 values the network pools before its classifier carry that evidence unquantised; the graph written here
outputs them ("features") beside the logits. Modified (Apache-2.0 section 4b): the uint8 weights are stored
dequantised (value = scale * (q - zero point), per tensor, as the file states), the int32 biases likewise
(scale = input scale * weight scale), and the arithmetic is float instead of uint8; the layers are unchanged.

The network (read from the file, checked here): a 3x3 stride-2 convolution to 16 channels, 13 depthwise-separable
blocks (3x3 depthwise, 1x1 pointwise; ReLU6 after each convolution; TensorFlow 'same' padding, which at stride 2
on an even size pads only the bottom and right), a 5x5 average pool to 512 features, a 1x1 convolution to 1001
logits. Input: RGB 160x160 as (pixel - 128) / 128, which is the file's own input quantisation.

Checked before writing: the input file against its published sha256; onnxruntime running the graph against a
plain numpy forward pass of the dequantised weights (random inputs); and its softmax against MediaPipe's
ImageEmbedder running the TFLite file on the same pictures (the demo photos): the same top class, and
log-probabilities that correlate 0.9 or more (measured: 0.95-0.99; the largest difference in one probability is
~25 of the file's 1/256 steps, which is its uint8 arithmetic, not a different network).

    python tools/build_scene_mobilenet_onnx.py [--tflite PATH] [--output FILE]

Needs `onnx` and `tflite` (pip install onnx tflite); only this script does.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_3ddfa_onnx import finish_model, np_conv  # noqa: E402  (shared with the pose build)
from onnx_writer import GraphWriter, tf_same_pads  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TFLITE = ROOT.parent / "shared" / "models" / "mobilenet_v1_scene" / "mobilenet_v1_0.5_160_quant.tflite"
OUTPUT = ROOT / "photocheck" / "models" / "scene_mobilenet_v1_0.5_160.onnx"
TFLITE_SHA256 = "3cc6d2ca460abd2e0f699a6d0d2550c6b61c6e3b0e27a3616e384ea74cb86f43"
SIZE = 160


_tf_same = tf_same_pads


def read_layers(path: Path) -> tuple[list[dict], tuple[float, int]]:
    """The file's convolutions in order (kind, OIHW float weights, float bias, stride), the pool and the logits
    layer; and the input's (scale, zero point)."""
    import tflite

    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != TFLITE_SHA256:
        sys.exit(f"{path}: sha256 {digest} is not the google-coral file's {TFLITE_SHA256}")
    model = tflite.Model.GetRootAsModel(data, 0)
    graph = model.Subgraphs(0)
    names = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}

    def tensor(i: int) -> tuple[np.ndarray, float, int]:
        t = graph.Tensors(i)
        q = t.Quantization()
        raw = model.Buffers(t.Buffer()).DataAsNumpy()
        dtype = {tflite.TensorType.UINT8: np.uint8, tflite.TensorType.INT32: np.int32}[t.Type()]
        values = np.frombuffer(raw.tobytes(), dtype).reshape(t.ShapeAsNumpy()).astype(np.float64)
        return values, float(q.ScaleAsNumpy()[0]), int(q.ZeroPointAsNumpy()[0])

    def scale_of(i: int) -> float:
        return float(graph.Tensors(i).Quantization().ScaleAsNumpy()[0])

    first = graph.Tensors(graph.Operators(0).Inputs(0)).Quantization()
    input_q = (float(first.ScaleAsNumpy()[0]), int(first.ZeroPointAsNumpy()[0]))
    layers: list[dict] = []
    for k in range(graph.OperatorsLength()):
        op = graph.Operators(k)
        code = model.OperatorCodes(op.OpcodeIndex())
        kind = names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        if kind in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            options = (tflite.Conv2DOptions if kind == "CONV_2D" else tflite.DepthwiseConv2DOptions)()
            table = op.BuiltinOptions()
            options.Init(table.Bytes, table.Pos)
            w, w_scale, w_zero = tensor(op.Inputs(1))
            b, _, _ = tensor(op.Inputs(2))
            weight = w_scale * (w - w_zero)
            # OHWI (conv) or 1HWC (depthwise) -> OIHW
            weight = weight.transpose(0, 3, 1, 2) if kind == "CONV_2D" else weight.transpose(3, 0, 1, 2)
            bias = b * scale_of(op.Inputs(0)) * w_scale
            relu6 = options.FusedActivationFunction() == tflite.ActivationFunctionType.RELU6
            layers.append({"kind": kind, "w": weight, "b": bias, "stride": options.StrideW(), "relu6": relu6})
        elif kind == "AVERAGE_POOL_2D":
            layers.append({"kind": kind})
        elif kind not in ("RESHAPE", "SOFTMAX"):
            sys.exit(f"unexpected operator {kind} in {path.name}")
    return layers, input_q


def numpy_forward(layers: list[dict], x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(features, logits) of one normalised CHW input, in plain numpy."""
    h = x.astype(np.float64)
    features = None
    for layer in layers:
        if layer["kind"] == "AVERAGE_POOL_2D":
            h = h.mean(axis=(1, 2), keepdims=True)
            features = h[:, 0, 0].copy()
            continue
        w, stride = layer["w"], layer["stride"]
        if w.shape[2] > 1:
            before, after = _tf_same(h.shape[1], stride, w.shape[2])
            h = np.pad(h, ((0, 0), (before, after), (before, after)))
        groups = h.shape[0] if layer["kind"] == "DEPTHWISE_CONV_2D" else 1
        h = np_conv(h, w, stride, 0, groups) + layer["b"][:, None, None]
        if layer["relu6"]:
            h = np.clip(h, 0, 6)
    assert features is not None
    return features, h[:, 0, 0]


def build(layers: list[dict]):  # -> onnx.ModelProto
    from onnx import TensorProto, helper

    g = GraphWriter()
    nodes, inits, name, const = g.nodes, g.inits, g.name, g.const

    x, size = "input", SIZE
    for i, layer in enumerate(layers):
        if layer["kind"] == "AVERAGE_POOL_2D":
            nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
            nodes.append(helper.make_node("Flatten", ["pooled"], ["features"]))
            x = "pooled"
            continue
        w, stride = layer["w"], layer["stride"]
        before, after = _tf_same(size, stride, w.shape[2]) if w.shape[2] > 1 else (0, 0)
        groups = w.shape[0] if layer["kind"] == "DEPTHWISE_CONV_2D" else 1
        out = name("conv")
        nodes.append(helper.make_node("Conv", [x, const(w), const(layer["b"])], [out], group=groups,
                                      kernel_shape=list(w.shape[2:]), strides=[stride, stride],
                                      pads=[before, before, after, after]))  # fmt: skip
        size = -(-size // stride)
        if layer["relu6"]:
            clipped = name("relu6")
            nodes.append(helper.make_node("Clip", [out, const(np.float32(0)), const(np.float32(6))], [clipped]))
            out = clipped
        x = out
        if i == len(layers) - 1:
            nodes.append(helper.make_node("Flatten", [x], ["logits"]))
    return finish_model(
        nodes, inits, "scene_mobilenet_v1_050_160",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("features", TensorProto.FLOAT, [1, 512]),
         helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 1001])],
        "MobileNet V1 0.5-160 ImageNet (Google, Apache-2.0; google-coral/test_data@104342d), dequantised to float; "
        "input RGB (pixel - 128) / 128, NCHW 160x160; outputs the 512 pooled features and the 1001 logits",
    )  # fmt: skip


def _demo_inputs() -> list[np.ndarray]:
    from PIL import Image

    out = []
    for path in sorted((ROOT / "photocheck" / "demo").iterdir()):
        if path.suffix.lower() in (".jpg", ".png"):
            with Image.open(path) as im:
                out.append(np.asarray(im.convert("RGB").resize((SIZE, SIZE), Image.BILINEAR)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tflite", type=Path, default=DEFAULT_TFLITE)
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args()
    import mediapipe as mp
    import onnxruntime
    from mediapipe.tasks.python import BaseOptions, vision

    layers, (in_scale, in_zero) = read_layers(args.tflite)
    if len([la for la in layers if la["kind"] != "AVERAGE_POOL_2D"]) != 28:
        sys.exit("not the MobileNet V1 layout this converter knows (27 convolutions and the logits)")
    data = build(layers).SerializeToString()
    session = onnxruntime.InferenceSession(data, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(2):
        x = rng.uniform(-1, 1, (3, SIZE, SIZE)).astype(np.float32)
        feats, logits = session.run(["features", "logits"], {"input": x[None]})
        ref_f, ref_l = numpy_forward(layers, x)
        worst = max(worst, float(np.abs(feats[0] - ref_f).max()), float(np.abs(logits[0] - ref_l).max()))
    if worst > 1e-3:
        sys.exit(f"onnxruntime and the numpy reference disagree by {worst:.2e}: not written")
    options = vision.ImageEmbedderOptions(
        base_options=BaseOptions(model_asset_buffer=args.tflite.read_bytes()), l2_normalize=False, quantize=False
    )
    embedder = vision.ImageEmbedder.create_from_options(options)
    steps, lowest = 0.0, 1.0
    for rgb in _demo_inputs():
        tflite_probs = np.array(
            embedder.embed(mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb)))
            .embeddings[0]
            .embedding
        )
        x = ((rgb.astype(np.float32) - in_zero) * in_scale).transpose(2, 0, 1)
        logits = session.run(["logits"], {"input": x[None]})[0][0]
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        if int(np.argmax(probs)) != int(np.argmax(tflite_probs)):
            sys.exit("the float graph's top class differs from the TFLite file's on a demo photo: not written")
        agreement = float(np.corrcoef(np.log(probs + 1 / 512), np.log(tflite_probs + 1 / 512))[0, 1])
        if agreement < 0.9:
            sys.exit(
                f"the float graph's log-probabilities correlate {agreement:.3f} with the TFLite file's: not written"
            )
        lowest = min(lowest, agreement)
        steps = max(steps, float(np.abs(probs - tflite_probs).max()) * 256)
    embedder.close()
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"  onnxruntime vs the numpy reference: max difference {worst:.2e}")
    print(
        f"  softmax vs MediaPipe running the uint8 TFLite file, demo photos: the same top class; log-probabilities "
        f"correlate {lowest:.3f} or more; the largest difference {steps:.0f} of its 1/256 steps (its uint8 arithmetic)"
    )


if __name__ == "__main__":
    main()
