"""Small pieces the ONNX converters share: TensorFlow's 'same' padding and a graph writer that names nodes and
constants in order (so a rebuild writes the same bytes)."""

from __future__ import annotations

import numpy as np


def tf_same_pads(size: int, stride: int, kernel: int = 3) -> tuple[int, int]:
    """TensorFlow's 'same' padding (before, after) along one side: the odd pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class GraphWriter:
    """Nodes and float32 initialisers of one graph, each named stem + a running number."""

    def __init__(self) -> None:
        self.nodes: list = []
        self.inits: list = []
        self._count = 0

    def name(self, stem: str) -> str:
        self._count += 1
        return f"{stem}{self._count}"

    def const(self, value: np.ndarray) -> str:
        from onnx import numpy_helper

        n = self.name("c")
        self.inits.append(numpy_helper.from_array(np.asarray(value, np.float32), n))
        return n

    def node(self, op: str, inputs: list[str], **attrs) -> str:
        from onnx import helper

        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out
