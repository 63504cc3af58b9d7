"""Build photocheck's head-pose network and profile-capable face detector as ONNX files, once.

1. 3DDFA-V2 MobileNet-0.5, 120x120 (head pose), 2. FaceBoxes (the detector 3DDFA-V2 ships, trained with
profile faces; photocheck's fallback when the landmarker finds no plausible face).

Input: the numpy arrays of the upstream checkpoint (`../shared/models/3ddfa_v2/mb05_120x120.npz`, converted
losslessly from cleardusk/3DDFA_V2 `weights/mb05_120x120.pth`, MIT) and the parameter normalisation
(`param_mean_std_62d_120x120.pkl`). Output: `photocheck/models/head_pose_3ddfa_v2_mb05.onnx`, which cv2.dnn
runs at run time (no torch, no onnxruntime).

The graph is upstream's MobileNet V1 (models/mobilenet_v1.py): conv 3x3/2, thirteen depthwise-separable
blocks, global average pool, the 62-parameter head. Batch norms are folded into the convolutions and the
de-normalisation `param * std + mean` is the graph's last node, so the output is the 62 parameters themselves
(the first 12: the 3x4 camera matrix, row-major).

The build is checked before it is written: a plain numpy forward pass of the same arrays (written here,
independent of ONNX) must agree with cv2.dnn running the built file on random inputs.

    python tools/build_pose_onnx.py [--weights DIR] [--output FILE]

FaceBoxes (`FaceBoxesProd.npz`, from 3DDFA_V2's FaceBoxes/weights/FaceBoxesProd.pth, MIT) becomes
`photocheck/models/face_boxes.onnx`: input BGR minus (104, 117, 123), any size (multiples of 32 are cheapest);
outputs the raw head maps loc0/conf0/loc1/conf1/loc2/conf2 (NCHW), decoded against the anchors by
`photocheck/measure/analyzers/face_boxes.py` as upstream's prior_box.py and box_utils.decode do.

Needs `onnx` (pip install onnx); only this script does.
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_WEIGHTS = ROOT.parent / "shared" / "models" / "3ddfa_v2"
MODELS = ROOT / "photocheck" / "models"
EXPECTED_SHA256 = {
    "mb05_120x120.npz": "a02e81f8c44284dea17971003b0bf24e5b436e36c42ef54b136ae791713d79bd",
    "param_mean_std_62d_120x120.pkl": "090d7150f77cb66c29ddae21e4508fbde59123dcd1dea7facc24a7ed06d1c795",
    "FaceBoxesProd.npz": "5477e28f4d44d234244e77e54abc38312e9f2a59adcbe56e1519fbfc30991544",
}
BN_EPS = 1e-5  # torch.nn.BatchNorm2d's default, which upstream uses
# (block name, stride) in upstream's order
BLOCKS = [
    ("dw2_1", 1), ("dw2_2", 2), ("dw3_1", 1), ("dw3_2", 2), ("dw4_1", 1), ("dw4_2", 2),
    ("dw5_1", 1), ("dw5_2", 1), ("dw5_3", 1), ("dw5_4", 1), ("dw5_5", 1), ("dw5_6", 2), ("dw6", 1),
]  # fmt: skip


def load_arrays(weights: Path) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    for name, digest in EXPECTED_SHA256.items():
        actual = hashlib.sha256((weights / name).read_bytes()).hexdigest()
        if actual != digest:
            sys.exit(f"{weights / name}: sha256 {actual} is not the published {digest}")
    z = np.load(weights / "mb05_120x120.npz")
    arrays = {k.removeprefix("state_dict.module."): z[k] for k in z.files}
    with open(weights / "param_mean_std_62d_120x120.pkl", "rb") as f:
        norm = pickle.load(f)  # our own converted file, hash-checked above
    return arrays, np.asarray(norm["mean"], np.float32), np.asarray(norm["std"], np.float32)


def fold(arrays: dict[str, np.ndarray], conv: str, bn: str) -> tuple[np.ndarray, np.ndarray]:
    """A bias-free convolution followed by an inference batch norm, as one convolution with a bias."""
    w = arrays[f"{conv}.weight"].astype(np.float64)
    gamma, beta = arrays[f"{bn}.weight"], arrays[f"{bn}.bias"]
    mean, var = arrays[f"{bn}.running_mean"], arrays[f"{bn}.running_var"]
    k = gamma / np.sqrt(var.astype(np.float64) + BN_EPS)
    return (w * k[:, None, None, None]).astype(np.float32), (beta - mean * k).astype(np.float32)


def layers(arrays: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray, int, int]]:
    """(weight, bias, stride, groups) of every convolution, each followed by a ReLU."""
    out = [(*fold(arrays, "conv1", "bn1"), 2, 1)]
    for name, stride in BLOCKS:
        w, b = fold(arrays, f"{name}.conv_dw", f"{name}.bn_dw")
        out.append((w, b, stride, w.shape[0]))
        out.append((*fold(arrays, f"{name}.conv_sep", f"{name}.bn_sep"), 1, 1))
    return out


def build(arrays: dict[str, np.ndarray], mean: np.ndarray, std: np.ndarray):  # -> onnx.ModelProto
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    x = "input"
    for i, (w, b, stride, groups) in enumerate(layers(arrays)):
        inits += [numpy_helper.from_array(w, f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        k = w.shape[2]
        nodes.append(
            helper.make_node(
                "Conv", [x, f"w{i}", f"b{i}"], [f"c{i}"], kernel_shape=[k, k], strides=[stride, stride],
                pads=[k // 2] * 4, group=groups,
            )
        )  # fmt: skip
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        x = f"r{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"]))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["flat"], axis=1))
    inits += [
        numpy_helper.from_array(arrays["fc_param.weight"].astype(np.float32), "fc_w"),
        numpy_helper.from_array(arrays["fc_param.bias"].astype(np.float32), "fc_b"),
        numpy_helper.from_array(std.reshape(1, -1), "param_std"),
        numpy_helper.from_array(mean.reshape(1, -1), "param_mean"),
    ]
    nodes.append(helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["normalised"], transB=1))
    nodes.append(helper.make_node("Mul", ["normalised", "param_std"], ["scaled"]))
    nodes.append(helper.make_node("Add", ["scaled", "param_mean"], ["params"]))
    return finish_model(
        nodes, inits, "head_pose_3ddfa_v2_mb05",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 120, 120])],
        [helper.make_tensor_value_info("params", TensorProto.FLOAT, [1, 62])],
        "3DDFA-V2 MobileNet-0.5 (cleardusk/3DDFA_V2, MIT); output = 62 de-normalised 3DMM parameters",
    )  # fmt: skip


def finish_model(nodes: list, inits: list, name: str, inputs: list, outputs: list, doc: str):  # -> onnx.ModelProto
    """The checked ONNX model of a graph: inputs and outputs are value infos; opset 13, IR 8 (what cv2.dnn reads)."""
    import onnx
    from onnx import helper

    graph = helper.make_graph(nodes, name, inputs, outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="photocheck")
    model.ir_version = 8
    model.doc_string = doc
    onnx.checker.check_model(model)
    return model


def np_conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int, groups: int = 1) -> np.ndarray:
    """A convolution (CHW input, OIHW weights, no bias) in plain numpy; groups = channels is depthwise."""
    c, h, wd = x.shape
    k = w.shape[2]
    p = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    out = np.zeros((w.shape[0], oh, ow))
    for i in range(k):
        for j in range(k):
            patch = p[:, i : i + stride * oh : stride, j : j + stride * ow : stride]
            if groups == 1:
                out += np.einsum("oc,chw->ohw", w[:, :, i, j], patch)
            else:
                out += w[:, 0, i, j][:, None, None] * patch
    return out


def np_batch_norm(arrays: dict[str, np.ndarray], x: np.ndarray, name: str) -> np.ndarray:
    """Inference batch norm from the checkpoint's own statistics (not folded: the reference stays independent)."""
    g, b = arrays[f"{name}.weight"], arrays[f"{name}.bias"]
    m, v = arrays[f"{name}.running_mean"], arrays[f"{name}.running_var"]
    return (x - m[:, None, None]) / np.sqrt(v[:, None, None] + BN_EPS) * g[:, None, None] + b[:, None, None]


def numpy_forward(arrays: dict[str, np.ndarray], mean: np.ndarray, std: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The reference: the same network in plain numpy, from the unfolded arrays (batch norm applied as such)."""

    def conv(x: np.ndarray, w: np.ndarray, stride: int, groups: int) -> np.ndarray:
        return np_conv(x, w, stride, w.shape[2] // 2, groups)

    def bn(x: np.ndarray, name: str) -> np.ndarray:
        return np_batch_norm(arrays, x, name)

    h = x[0].astype(np.float64)
    h = np.maximum(bn(conv(h, arrays["conv1.weight"], 2, 1), "bn1"), 0)
    for name, stride in BLOCKS:
        wdw = arrays[f"{name}.conv_dw.weight"]
        h = np.maximum(bn(conv(h, wdw, stride, wdw.shape[0]), f"{name}.bn_dw"), 0)
        h = np.maximum(bn(conv(h, arrays[f"{name}.conv_sep.weight"], 1, 1), f"{name}.bn_sep"), 0)
    pooled = h.mean(axis=(1, 2))
    out = arrays["fc_param.weight"] @ pooled + arrays["fc_param.bias"]
    return (out * std + mean)[None, :]


# ------------------------------------------------------------------------------------------- FaceBoxes


def load_face_boxes(weights: Path) -> dict[str, np.ndarray]:
    z = np.load(weights / "FaceBoxesProd.npz")
    return {k: z[k] for k in z.files}


class _Graph:
    """A tiny ONNX graph writer: every convolution gets its folded batch norm."""

    def __init__(self, arrays: dict[str, np.ndarray]):
        from onnx import numpy_helper

        self.arrays, self.nodes, self.inits, self._n = arrays, [], [], 0
        self._from_array = numpy_helper.from_array

    def name(self, stem: str) -> str:
        self._n += 1
        return f"{stem}{self._n}"

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        from onnx import helper

        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def conv(self, x: str, w: np.ndarray, b: np.ndarray, stride: int = 1, pad: int | None = None) -> str:
        wn, bn = self.name("w"), self.name("b")
        self.inits += [self._from_array(w, wn), self._from_array(b.astype(np.float32), bn)]
        k = w.shape[2]
        p = k // 2 if pad is None else pad
        return self.node("Conv", [x, wn, bn], kernel_shape=[k, k], strides=[stride, stride], pads=[p] * 4)

    def basic(self, x: str, name: str, stride: int = 1) -> str:
        """upstream BasicConv2d: conv, batch norm, ReLU"""
        return self.node("Relu", [self.conv(x, *fold(self.arrays, f"{name}.conv", f"{name}.bn"), stride)])

    def crelu(self, x: str, name: str, stride: int) -> str:
        """upstream CRelu: conv, batch norm, concat(x, -x), ReLU"""
        c = self.conv(x, *fold(self.arrays, f"{name}.conv", f"{name}.bn"), stride)
        return self.node("Relu", [self.node("Concat", [c, self.node("Neg", [c])], axis=1)])

    def inception(self, x: str, name: str) -> str:
        a = self.basic(x, f"{name}.branch1x1")
        # upstream's avg_pool2d counts the zero padding; cv2.dnn's AveragePool ignores count_include_pad, so the
        # pool is written as what it is: a depthwise 3x3 convolution with weights 1/9
        channels = self.arrays[f"{name}.branch1x1.conv.weight"].shape[1]
        wn, bn = self.name("w"), self.name("b")
        self.inits += [self._from_array(np.full((channels, 1, 3, 3), 1 / 9, np.float32), wn),
                       self._from_array(np.zeros(channels, np.float32), bn)]  # fmt: skip
        pooled = self.node("Conv", [x, wn, bn], kernel_shape=[3, 3], pads=[1] * 4, group=channels)
        b = self.basic(pooled, f"{name}.branch1x1_2")
        c = self.basic(self.basic(x, f"{name}.branch3x3_reduce"), f"{name}.branch3x3")
        d = self.basic(self.basic(self.basic(x, f"{name}.branch3x3_reduce_2"), f"{name}.branch3x3_2"),
                       f"{name}.branch3x3_3")  # fmt: skip
        return self.node("Concat", [a, b, c, d], axis=1)


def build_face_boxes(arrays: dict[str, np.ndarray]):  # -> onnx.ModelProto
    from onnx import TensorProto, helper

    g = _Graph(arrays)
    x = g.crelu("input", "conv1", 4)
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
    x = g.crelu(x, "conv2", 2)
    x = g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
    for name in ("inception1", "inception2", "inception3"):
        x = g.inception(x, name)
    sources = [x]
    x = g.basic(g.basic(x, "conv3_1"), "conv3_2", 2)
    sources.append(x)
    x = g.basic(g.basic(x, "conv4_1"), "conv4_2", 2)
    sources.append(x)
    outputs = []
    for i, src in enumerate(sources):
        for head in ("loc", "conf"):
            y = g.conv(src, arrays[f"{head}.{i}.weight"].astype(np.float32), arrays[f"{head}.{i}.bias"])
            g.nodes.append(helper.make_node("Identity", [y], [f"{head}{i}"]))
            outputs.append(helper.make_tensor_value_info(f"{head}{i}", TensorProto.FLOAT, [1, None, None, None]))
    return finish_model(
        g.nodes, g.inits, "face_boxes",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, "height", "width"])], outputs,
        "FaceBoxes (3DDFA_V2 FaceBoxesProd, MIT); raw loc/conf head maps, decode with the anchors",
    )  # fmt: skip


def numpy_face_boxes(arrays: dict[str, np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """The reference FaceBoxes forward in plain numpy, batch norms unfolded."""

    def conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> np.ndarray:
        return np_conv(x, w, stride, pad)

    def bn(x: np.ndarray, name: str) -> np.ndarray:
        return np_batch_norm(arrays, x, name)

    def basic(x: np.ndarray, name: str, stride: int = 1) -> np.ndarray:
        w = arrays[f"{name}.conv.weight"]
        return np.maximum(bn(conv(x, w, stride, w.shape[2] // 2), f"{name}.bn"), 0)

    def crelu(x: np.ndarray, name: str, stride: int) -> np.ndarray:
        w = arrays[f"{name}.conv.weight"]
        y = bn(conv(x, w, stride, w.shape[2] // 2), f"{name}.bn")
        return np.maximum(np.concatenate([y, -y]), 0)

    def pool(x: np.ndarray, stride: int, reduce) -> np.ndarray:
        fill = -np.inf if reduce is np.max else 0.0
        c, h, w = x.shape
        p = np.pad(x, ((0, 0), (1, 1), (1, 1)), constant_values=fill)
        oh, ow = (h - 1) // stride + 1, (w - 1) // stride + 1
        win = [p[:, i : i + stride * oh : stride, j : j + stride * ow : stride] for i in range(3) for j in range(3)]
        return reduce(np.stack(win), axis=0)

    def inception(x: np.ndarray, n: str) -> np.ndarray:
        a = basic(x, f"{n}.branch1x1")
        b = basic(pool(x, 1, np.mean), f"{n}.branch1x1_2")
        c = basic(basic(x, f"{n}.branch3x3_reduce"), f"{n}.branch3x3")
        d = basic(basic(basic(x, f"{n}.branch3x3_reduce_2"), f"{n}.branch3x3_2"), f"{n}.branch3x3_3")
        return np.concatenate([a, b, c, d])

    h = x[0].astype(np.float64)
    h = pool(crelu(h, "conv1", 4), 2, np.max)
    h = pool(crelu(h, "conv2", 2), 2, np.max)
    for n in ("inception1", "inception2", "inception3"):
        h = inception(h, n)
    sources = [h]
    h = basic(basic(h, "conv3_1"), "conv3_2", 2)
    sources.append(h)
    h = basic(basic(h, "conv4_1"), "conv4_2", 2)
    sources.append(h)
    out = []
    for i, src in enumerate(sources):
        for head in ("loc", "conf"):
            out.append(conv(src, arrays[f"{head}.{i}.weight"], 1, 1) + arrays[f"{head}.{i}.bias"][:, None, None])
    return out


# ------------------------------------------------------------------------------------------------ main


def _checked_write(data: bytes, path: Path, worst: float, limit: float, unit: str) -> None:
    if worst > limit:
        sys.exit(f"{path.name}: cv2.dnn and the numpy reference disagree by {worst:.2e} {unit}: not written")
    path.write_bytes(data)
    print(f"{path}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    print(f"  cv2.dnn vs the numpy reference: max difference {worst:.2e} {unit}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    ap.add_argument("--output-dir", type=Path, default=MODELS)
    args = ap.parse_args()
    import cv2

    rng = np.random.default_rng(0)
    arrays, mean, std = load_arrays(args.weights)
    data = build(arrays, mean, std).SerializeToString()
    net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
    worst = 0.0
    for _ in range(3):
        x = rng.uniform(-1, 1, (1, 3, 120, 120)).astype(np.float32)
        net.setInput(x)
        # compared in units of each parameter's spread (the camera entries are 1e-4, the translation 60)
        worst = max(worst, float(np.max(np.abs(net.forward() - numpy_forward(arrays, mean, std, x)) / std)))
    _checked_write(data, args.output_dir / "head_pose_3ddfa_v2_mb05.onnx", worst, 1e-3, "parameter std")

    boxes = load_face_boxes(args.weights)
    data = build_face_boxes(boxes).SerializeToString()
    net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
    names = ["loc0", "conf0", "loc1", "conf1", "loc2", "conf2"]
    worst = 0.0
    for shape in ((96, 160), (128, 128)):
        x = rng.uniform(-120, 130, (1, 3, *shape)).astype(np.float32)
        net.setInput(x)
        got = net.forward(names)
        for g, r in zip(got, numpy_face_boxes(boxes, x)):
            worst = max(worst, float(np.max(np.abs(g[0] - r)) / (np.abs(r).max() + 1e-9)))
    _checked_write(data, args.output_dir / "face_boxes.onnx", worst, 1e-4, "of the largest output")


if __name__ == "__main__":
    main()
