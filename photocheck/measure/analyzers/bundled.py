"""The model files shipped in the package: read once, each checked against its published SHA-256."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ...errors import ModelError
from ...safe_files import read_regular_file
from ..background import Ahead

if TYPE_CHECKING:
    import numpy as np

MODELS_DIR = Path(__file__).resolve().parents[2] / "models"

MAX_MODEL_BYTES = 1 << 30  # the shipped models are 0.2-22 MB; a user's --face-model is read under this cap

# file name -> sha256; the NOTICE beside the files says where each comes from and under which licence
BUNDLED_SHA256 = {
    "face_landmarker.task": "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
    "head_pose_3ddfa_v2_mb05.onnx": "7b6777156fd2bbebdb2a9c1aa522cc42872491ba1a6b97050b660e9e7f4a43bb",
    "face_boxes.onnx": "09daa1f76035a99d13ba9b31c0280adc483a5f3b2dd3d9b206d4aac17486df3f",
    "face_descriptor_dlib_resnet_v1.onnx": "f84ad11afab5b359d06047608af7b6299aa0d70bc0a9bce808d4498bf165b5a9",
    "expression_fer2013_mini_xception.onnx": "f3f6ad6c7e97633c0268fb0e077538f1588245a56478027034755b809eaf4db5",
    "face_detection_full_range.onnx": "c2f24ac47f501d7e668b438d3d6e46be5e45677580889c24d8ed6f98e9a6c643",
    "expression_face_api.onnx": "95e8f0acf136417b9e09634a5885185a1d0f9012b375320d84ad2a22f0326fbe",
    "scene_mobilenet_v1_0.5_160.onnx": "ce28f8cdb38e2f687fc0d5c8053d2501c271888070ffcf34574668981b13b374",
}


def read_model_file(path: Path, what: str, sha256: str | None = None) -> bytes:
    """A model file's bytes, checked against `sha256` when given (the shipped ones); missing, unreadable or
    damaged is a ModelError naming the file."""
    try:
        data = read_regular_file(path, MAX_MODEL_BYTES)  # a FIFO given as --face-model must not block
    except FileNotFoundError:
        raise ModelError(f"{what} not found: {path}" + (" — reinstall photocheck" if sha256 else "")) from None
    except OSError as e:
        raise ModelError(f"{what} cannot be read: {path}: {e.strerror or e}") from None
    if sha256 is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != sha256:
            raise ModelError(
                f"bundled {what} {path} is damaged: sha256 {digest[:16]}… does not match "
                f"{sha256[:16]}… — reinstall photocheck"
            )
    return data


def read_bundled(name: str, what: str) -> bytes:
    """The bytes of a shipped model (photocheck/models/NAME), hash-checked."""
    return read_model_file(MODELS_DIR / name, what, BUNDLED_SHA256[name])


class LazyNet:
    """A shipped ONNX network, run by onnxruntime. The file is read and hash-checked on another thread from now on
    (the 22 MB descriptor alone took 38 ms of start-up), while the caller goes on to its first photo's decode;
    `verify` waits for that check and raises its ModelError, and the measurer calls it before it analyses anything
    and before it returns facts, so a missing or damaged file still stops the run (exit 2). The network is built
    on first use (a fully cached run never needs it), or ahead of it on another thread (`build_in_background`).

    Why onnxruntime (cv2.dnn ran them before): on one thread it runs them 2.4-3.8x faster on the same machine
    (descriptor 3.0 vs 8.2 ms, pose 0.5 vs 1.8, FaceBoxes at 1024 px 9.1 vs 28.5, expression 0.2 vs 0.5, the
    small-face detector 3.0 vs 7.7 as cv2.dnn read its TFLite original; AVX-512 EPYC) with outputs equal to 1e-5
    relative, and it was no slower on an AVX2 host."""

    def __init__(self, name: str, what: str, input_shape: tuple[int, ...] | None = None) -> None:
        self.name, self.what = name, what
        self.input_shape = input_shape  # for the warm-up pass of a background build
        self._bytes: bytes | None = None
        self._read_error: ModelError | None = None
        self._read_lock = threading.Lock()
        self._reading: Ahead | None = Ahead(self._read, f"photocheck read {name}")
        self._net: Any = None
        self._ahead: Ahead | None = None

    def _read(self) -> None:
        self._bytes = read_bundled(self.name, self.what)

    def verify(self) -> None:
        """Wait for the file's read and hash check (once); its ModelError is raised to every caller."""
        with self._read_lock:
            if self._reading is not None:
                reading, self._reading = self._reading, None
                try:
                    reading.wait()
                except ModelError as e:
                    self._read_error = e
        if self._read_error is not None:
            raise self._read_error

    @property
    def _model(self) -> bytes:
        self.verify()
        assert self._bytes is not None
        return self._bytes

    def build_in_background(self) -> None:
        """Build the network, and run its first forward pass (which sets up its buffers), on a thread of its own.
        onnxruntime releases the GIL meanwhile, so on a second core this overlaps the first photo's decode and
        landmarking instead of adding to them; `net` waits for it."""
        if self._net is None and self._ahead is None:
            self._ahead = Ahead(self._build_and_warm_up, f"photocheck {self.name}")

    def _build_and_warm_up(self) -> None:
        net = self._build()
        if self.input_shape is not None:
            import numpy as np

            net.run(np.zeros(self.input_shape, np.float32))
        self._net = net

    def _build(self) -> _OnnxSession:
        model = self._model  # a missing or damaged file raises its own ModelError here, not wrapped below
        try:
            session = _OnnxSession(model)
        except Exception as e:  # onnxruntime's own error types: the file is not a network it can load
            reason = f"{type(e).__name__}: {e}"
            raise ModelError(f"the bundled {self.what} {self.name} cannot be loaded ({reason})") from None
        self._bytes = None  # the session holds its own copy of the graph: the file's bytes are not needed again
        return session

    @property
    def net(self) -> _OnnxSession:
        if self._ahead is not None:
            ahead, self._ahead = self._ahead, None
            ahead.wait()  # its error (a ModelError: exit 2) is raised here, as a build here would raise it
        if self._net is None:
            self._net = self._build()
        return self._net

    def run(self, x: np.ndarray, outputs: Sequence[str] | None = None) -> list[np.ndarray]:
        """The network's outputs for one float32 input batch: the named ones in that order, else all of them."""
        return self.net.run(x, outputs)


class _OnnxSession:
    """An onnxruntime session on one thread: photocheck's parallelism is one process per core (`--jobs`), and a
    second thread inside one photo's small networks only added overhead (measured on two cores)."""

    def __init__(self, model: bytes) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3  # errors only: its optimiser's notes are nothing a user can act on
        self._session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name

    def run(self, x: np.ndarray, outputs: Sequence[str] | None = None) -> list[np.ndarray]:
        return list(self._session.run(None if outputs is None else list(outputs), {self._input: x}))

