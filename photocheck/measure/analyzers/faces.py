"""Finding faces and their pose: MediaPipe Face Landmarker, FaceBoxes, and 3DDFA-V2's pose network.

The landmarker's short-range detector misses faces below about a tenth of the image's longer side and
most true profile views, and now and then locks onto an ear or a cheek. So: one full-frame landmarker
pass, tiles when no face or only small faces were found; then FaceBoxes (trained with profiles) on the
same frame. A landmarker face that covers only a fraction of a FaceBoxes head is implausible and is
replaced; a FaceBoxes face the landmarker missed gets a landmarker pass on an enlarged crop (a profile
that fills the crop is often read after all) or stays a box-only face. OpenCV's profile cascade is the
last resort when neither found anything.

Every face's yaw, pitch and roll come from the pose network on its FaceBoxes box (the landmark box when
FaceBoxes did not see it), averaged with the landmarker's yaw for small turns where both are good; the
side of a profile is the sign of that yaw, never which detector pass fired.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import os
import sys
import threading
import types
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ...errors import ModelError
from ..options import DetectorOptions
from ..background import Ahead
from .bundled import BUNDLED_SHA256, MODELS_DIR, LazyNet, read_model_file
from .expression_model import ExpressionNet
from .face_api_expression import FaceApiExpressionNet
from .face_boxes import FaceBoxes
from .frames import Frame
from .head_pose import FACE_BOXES_CROP, LANDMARK_BOX_CROP, HeadPoseNet
from .scene_net import SceneNet
from .small_faces import SmallFaceDetector

BUNDLED_MODEL = MODELS_DIR / "face_landmarker.task"
BUNDLED_MODEL_SHA256 = BUNDLED_SHA256["face_landmarker.task"]
MODEL_ENV = "PHOTOCHECK_FACE_MODEL"

# the landmarker sees a downscaled frame anyway (its detector runs at 128 px); more pixels only cost time
DETECT_LONG_SIDE = 1280
# MediaPipe's graph fails on an image 1 px wide or high, and stays failed for every later image; nothing that
# narrow can show a face, so the face models never see regions below this side
MIN_FACE_SEARCH_SIDE = 16
# gamma 0.5 lookup table: brightens shadows ~4x, keeps highlights
_SHADOW_LIFT = (np.linspace(0.0, 1.0, 256) ** 0.5 * 255.0 + 0.5).astype(np.uint8)


class _Deferred(types.ModuleType):
    """Stands in for a module while MediaPipe imports; the real one is imported on the first attribute use."""

    def __getattr__(self, name: str) -> Any:
        import importlib

        if sys.modules.get(self.__name__) is self:  # still standing in: there is no real module to ask yet
            raise AttributeError(name)
        return getattr(importlib.import_module(self.__name__), name)


# MediaPipe task packages photocheck never uses; `mediapipe.tasks.python` imports them all (audio alone
# is 0.07-0.15 s of start-up)
_UNUSED_TASKS = tuple(f"mediapipe.tasks.python.{name}" for name in ("audio", "text", "decision", "retrieval"))


def _import_mediapipe() -> None:
    """Import MediaPipe's vision tasks without paying for matplotlib or the tasks photocheck does not run.

    MediaPipe's vision package imports its drawing helpers, and they import matplotlib.pyplot at module level:
    about a quarter of a second of start-up for plotting photocheck never does; its tasks package imports the
    audio, text, decision and retrieval tasks too. While MediaPipe imports, those modules are stand-ins in
    sys.modules; afterwards they are taken out again, so any later import, the program's own included, gets
    the real modules, and whatever MediaPipe holds of them reaches the real module through its stand-in on
    first use. Callers on two threads (`FaceDetector.prepare` imports it ahead) take turns.
    """
    with _MEDIAPIPE_IMPORT:
        if "mediapipe.tasks.python.vision" not in sys.modules:
            _import_mediapipe_vision()


_MEDIAPIPE_IMPORT = threading.Lock()


def _import_mediapipe_vision() -> None:
    stand_ins = {name: _Deferred(name) for name in ("matplotlib", "matplotlib.pyplot") if name not in sys.modules}
    if "matplotlib.pyplot" not in stand_ins:  # the program uses pyplot already: nothing to save
        stand_ins = {}
    if "matplotlib" in stand_ins:
        stand_ins["matplotlib"].pyplot = stand_ins["matplotlib.pyplot"]  # type: ignore[attr-defined]
    if "mediapipe.tasks.python" not in sys.modules:
        stand_ins.update({name: _Deferred(name) for name in _UNUSED_TASKS if name not in sys.modules})
    sys.modules.update(stand_ins)
    try:
        import mediapipe.tasks.python.vision  # noqa: F401
    finally:
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


class LandmarkerFailed(RuntimeError):
    """MediaPipe failed on one image; the graph has been discarded and is rebuilt for the next one."""


@dataclass
class RawFace:
    """A detection in analysis-image pixels, before measurements."""

    detector: str
    box: tuple[float, float, float, float]  # x, y, w, h
    landmarks: np.ndarray | None  # (478, 3): x, y in analysis pixels, z relative
    blendshapes: dict[str, float]
    yaw: float | None
    pitch: float | None
    roll: float | None
    profile_side: str | None = None  # "left"/"right" for faces without landmarks, from the pose estimate
    head_box: tuple[float, float, float, float] | None = None  # FaceBoxes' box of this face, if it saw it
    pose_disagreement: float | None = None  # |landmarker yaw - pose network yaw|, degrees


def resolve_model_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit)
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    return BUNDLED_MODEL


def read_model(path: Path) -> bytes:
    """The model's bytes; the bundled model must match its published SHA-256 (a user's file is theirs)."""
    return read_model_file(path, "face model", BUNDLED_MODEL_SHA256 if path.resolve() == BUNDLED_MODEL else None)


def rotation_to_ypr(matrix: np.ndarray) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from the landmarker's face transformation matrix, in the SPEC's convention
    (AFLW2000-3D's pitch and roll; yaw > 0 = subject turned to their own left, nose toward the image's
    right). MediaPipe's own pitch and roll have the opposite signs (checked on ../shared/pose)."""
    r = np.asarray(matrix, dtype=np.float64)[:3, :3]
    sy = math.hypot(r[0, 0], r[1, 0])
    pitch = -math.degrees(math.atan2(r[2, 1], r[2, 2]))
    yaw = math.degrees(math.atan2(-r[2, 0], sy))
    roll = -math.degrees(math.atan2(r[1, 0], r[0, 0]))
    return yaw, pitch, roll


def _resize_long(img: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    h, w = img.shape[:2]
    f = min(1.0, long_side / max(h, w))
    if f >= 1.0:
        return img, 1.0
    out = cv2.resize(img, (max(1, round(w * f)), max(1, round(h * f))), interpolation=cv2.INTER_AREA)
    return out, f


def _intersection(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    return iw * ih


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    inter = _intersection(a, b)
    union = a[2] * a[3] + b[2] * b[3] - inter
    return inter / union if union > 0 else 0.0


def _overlap_small(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over the smaller box: a tile's cut face inside a whole face counts as the same face."""
    small = min(a[2] * a[3], b[2] * b[3])
    return _intersection(a, b) / small if small > 0 else 0.0


def _same_face(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Two boxes of one face, as the merge of detector passes judges it (a tile's cut face inside a whole one too)."""
    return _iou(a, b) >= 0.3 or _overlap_small(a, b) >= 0.6


@contextlib.contextmanager
def _native_stderr_silenced() -> Iterator[None]:
    """MediaPipe's C++ start-up logs (TFLite delegate, feedback manager) go to fd 2; users need none of it."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (embedded interpreters): nothing to silence
        yield
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _close_quietly(landmarker: object) -> None:
    """Close a landmarker; at interpreter exit MediaPipe's dispatcher may already be gone (upstream bug)."""
    try:
        landmarker.close()  # type: ignore[attr-defined]
    except Exception:
        landmarker._handle = None  # type: ignore[attr-defined]  # keeps its __del__ from retrying


class FaceDetector:
    """Loads the models once; `detect` is safe to call for many images (not from several threads at once)."""

    def __init__(self, model_path: str | os.PathLike[str] | None = None, options: DetectorOptions | None = None):
        self.options = options or DetectorOptions()
        self.model_path = resolve_model_path(model_path)
        self._model = read_model(self.model_path)  # missing, unreadable or damaged: ModelError now
        bundled = self.model_path.resolve() == BUNDLED_MODEL
        # part of the facts cache key; the bundled model's was checked by read_model
        self.model_sha256 = BUNDLED_MODEL_SHA256 if bundled else hashlib.sha256(self._model).hexdigest()
        self._landmarker: Any = None
        self._finalizer: weakref.finalize | None = None
        self._cascade_path = Path(cv2.data.haarcascades) / "haarcascade_profileface.xml"  # type: ignore[attr-defined]
        if not self._cascade_path.is_file():
            raise ModelError(self._cascade_missing())
        self._cascade: Any = None  # loaded on the first photo where the landmarker found no face (17 ms)
        self._head_boxes = FaceBoxes(self.options.face_boxes_long_side, self.options.face_boxes_min_score)
        self._pose = HeadPoseNet()
        self.expression = ExpressionNet()  # the FER2013 expression model, per face
        self.face_api = FaceApiExpressionNet()  # face-api.js's expression model, per face
        self.scene = SceneNet()  # the picture's scene, per photo (loaded with the face models: LI10 reads it)
        # read and hash-checked on another thread from now on (LazyNet); its graph is built lazily
        self._small = SmallFaceDetector(self.options.small_face_min_score)
        if not bundled:
            # a user's model file is not known to be a landmarker: find out now, not on the first photo
            self._start()

    def models(self) -> tuple[LazyNet, ...]:
        """The shipped networks this detector runs (for the measurer's `verify`)."""
        return (
            self._head_boxes.model, self._pose.model, self.expression.model, self._small.model,
            self.face_api.model, self.scene.model,
        )  # fmt: skip

    def prepare(self) -> None:
        """Build the per-face networks, and import MediaPipe, on other threads while the first photo is decoded
        (the landmarker's own graph build holds the GIL half the time: measured no faster ahead)."""
        self._pose.prepare()
        self.expression.prepare()
        self.face_api.prepare()
        self.scene.prepare()
        # MediaPipe's import (~60 ms of Python) interleaves with the decode, which releases the GIL. Nobody waits
        # for it: _import_mediapipe's lock orders it before the graph build, which meets any failure again
        Ahead(_import_mediapipe, "photocheck mediapipe import")

    def _cascade_missing(self) -> str:
        return f"OpenCV profile-face cascade missing at {self._cascade_path} (opencv-contrib-python < 5 ships it)"

    @property
    def _profile(self) -> Any:
        if self._cascade is None:
            cascade = cv2.CascadeClassifier(str(self._cascade_path))
            if cascade.empty():
                raise ModelError(self._cascade_missing())
            self._cascade = cascade
        return self._cascade

    def _start(self) -> None:
        """Build the MediaPipe graph. Deferred until the first photo that needs it (the bundled model is
        verified by its hash), so a run whose photos all come from the cache never pays for it."""
        if self._landmarker is not None:
            return
        try:
            _import_mediapipe()
            from mediapipe.tasks.python import BaseOptions, vision

            opts = vision.FaceLandmarkerOptions(
                base_options=BaseOptions(model_asset_buffer=self._model),
                running_mode=vision.RunningMode.IMAGE,
                num_faces=self.options.max_faces,
                min_face_detection_confidence=self.options.min_detection_confidence,
                output_face_blendshapes=True,
                output_facial_transformation_matrixes=True,
            )
            with _native_stderr_silenced():
                self._landmarker = vision.FaceLandmarker.create_from_options(opts)
                # the first inference logs delegate set-up too: run it here, on a blank frame
                self._landmark(np.zeros((64, 64, 3), np.uint8), (0.0, 0.0), "warm-up")
            # close the graph before interpreter teardown; MediaPipe's own __del__ fails at exit
            self._finalizer = weakref.finalize(self, _close_quietly, self._landmarker)
        except Exception as e:
            self._landmarker = None
            raise ModelError(
                f"{self.model_path} is not a usable MediaPipe Face Landmarker model ({type(e).__name__}: {e})"
            ) from None

    def close(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._landmarker = None

    # ------------------------------------------------------------------------------------------------
    def _landmark(
        self, rgb: np.ndarray, offset: tuple[float, float], detector: str, frame: Frame | None = None
    ) -> list[RawFace]:
        """Run the landmarker on an image region; coordinates mapped back by `offset` into the analysis image.
        `frame`: the region already scaled for the landmarker (the shared downscale of the whole photo)."""
        _import_mediapipe()
        import mediapipe as mp

        small, f = (frame.image, frame.factor) if frame is not None else _resize_long(rgb, DETECT_LONG_SIDE)
        h, w = small.shape[:2]
        if min(h, w) < MIN_FACE_SEARCH_SIDE:
            return []
        if self._landmarker is None:
            self._start()
        try:
            with _native_stderr_silenced():  # a failing graph prints a native stack trace on fd 2
                result = self._landmarker.detect(
                    mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(small))
                )
        except RuntimeError as e:
            # the graph stays in its error state for every later photo: build a new one for the next call
            self.close()
            first_line = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise LandmarkerFailed(f"the face landmarker failed on this image ({first_line[:200]})") from None
        faces = []
        for i, lms in enumerate(result.face_landmarks):
            pts = np.array([(p.x * w / f + offset[0], p.y * h / f + offset[1], p.z * w / f) for p in lms])
            x0, y0 = pts[:, 0].min(), pts[:, 1].min()
            box = (float(x0), float(y0), float(pts[:, 0].max() - x0), float(pts[:, 1].max() - y0))
            bs = (
                {c.category_name: float(c.score) for c in result.face_blendshapes[i]} if result.face_blendshapes else {}
            )
            yaw = pitch = roll = None
            if result.facial_transformation_matrixes:
                yaw, pitch, roll = rotation_to_ypr(result.facial_transformation_matrixes[i])
            faces.append(RawFace(detector, box, pts, bs, yaw, pitch, roll))
        return faces

    def detect(self, rgb: np.ndarray, frame: Frame | None = None) -> list[RawFace]:
        """Faces of the analysis image; `frame` is its shared downscale to DETECT_LONG_SIDE, if made."""
        opts = self.options
        h, w = rgb.shape[:2]
        if min(h, w) < MIN_FACE_SEARCH_SIDE:
            return []
        faces = self._landmark(rgb, (0.0, 0.0), "landmarker", frame)
        largest = max((f.box[3] for f in faces), default=0.0)
        confirmed = False
        if largest < opts.tile_when_largest_face_below * min(h, w):
            if opts.small_faces == "tiles":
                small = self._tiles(rgb)
            else:
                small, confirmed = self._small_faces(rgb, frame, faces)
            faces = self._merge(faces, small)
        if self._needs_heads(faces, h, w, confirmed):
            faces = self._reconcile(rgb, faces, self._find_heads(rgb, frame))
        if not faces:
            faces = self._profiles(rgb)
        if not faces:
            # dark and backlit faces: lift the shadows and look once more (only photos with no face pay)
            lifted = _SHADOW_LIFT[rgb]
            faces = self._reconcile(
                lifted, self._landmark(lifted, (0.0, 0.0), "landmarker-lifted"), self._find_heads(lifted, None)
            ) or self._profiles(lifted)
        faces = [self._with_pose(rgb, f, frame) for f in faces]
        faces.sort(key=lambda f: (-f.box[2] * f.box[3], f.box[0]))
        return faces

    def _needs_heads(self, faces: list[RawFace], h: int, w: int, confirmed: bool = False) -> bool:
        """FaceBoxes costs 20-30 ms: run it where the landmarker alone may be wrong. That is: no face, only small
        faces from the frame's landmarker (an ear or a cheek is read as a small face), only tile faces, or a
        turned head (its box decides the pose network's crop; the landmark box under-frames profiles). A
        frontal, full-frame face is left to the landmarker (on ../shared/pose both boxes give the same yaw
        error below 30°), and so are frontal small faces that BlazeFace confirmed (`confirmed`: BlazeFace
        boxed each small face the frame's landmarker found, as the same face) or found itself and the landmarker
        then read on the crop around it (its face had to fill BlazeFace's box): two detectors agree on each."""
        opts = self.options
        if not faces or any(f.yaw is not None and abs(f.yaw) >= opts.face_boxes_from_yaw for f in faces):
            return True
        frame_faces = any(f.detector == "landmarker" for f in faces)
        if not frame_faces:
            return opts.small_faces != "blazeface"  # the 2x2 tiles' faces are not confirmed by a detector
        return not confirmed and max(f.box[3] for f in faces) < opts.tile_when_largest_face_below * min(h, w)

    def _find_heads(self, rgb: np.ndarray, frame: Frame | None) -> list[tuple[tuple[float, float, float, float], float]]:
        """FaceBoxes' faces in analysis pixels (run on the shared detector frame when there is one)."""
        if frame is None:
            return self._head_boxes.detect(rgb)
        k = 1.0 / frame.factor
        return [((x * k, y * k, bw * k, bh * k), score) for (x, y, bw, bh), score in self._head_boxes.detect(frame.image)]

    def _reconcile(
        self, rgb: np.ndarray, faces: list[RawFace], heads: list[tuple[tuple[float, float, float, float], float]]
    ) -> list[RawFace]:
        """Pair landmarker faces with FaceBoxes heads; replace implausible ones; add heads the landmarker missed."""
        opts = self.options
        out: list[RawFace] = []
        used: set[int] = set()
        for face in faces:
            matches = [
                i for i, (b, _) in enumerate(heads) if _iou(face.box, b) > 0.3 or _overlap_small(face.box, b) > 0.5
            ]
            if not matches:
                out.append(face)
                continue
            best = max(matches, key=lambda i: _iou(face.box, heads[i][0]))
            used.update(matches)
            head = heads[best][0]
            if face.box[2] * face.box[3] < opts.implausible_face_area_ratio * head[2] * head[3]:
                # an ear, a cheek or a hairline read as a face inside a bigger head: look at the head instead
                out.append(self._face_from_head(rgb, head))
            else:
                out.append(dataclasses.replace(face, head_box=head))
        # tile faces alone are not confident: a head FaceBoxes sees at its plain threshold is then added too
        confident = any(f.detector == "landmarker" for f in out)
        for i, (head, score) in enumerate(heads):
            if i in used or (confident and score < opts.face_boxes_add_score):
                continue
            if any(_iou(head, o.box) > 0.2 or _overlap_small(head, o.box) > 0.5 for o in out):
                continue
            out.append(self._face_from_head(rgb, head))
        return out

    def _face_from_head(self, rgb: np.ndarray, head: tuple[float, float, float, float]) -> RawFace:
        """A FaceBoxes head: landmarks from a landmarker pass on a crop it fills, or a box-only face."""
        found = self._crop_landmarks(rgb, head)
        if found is not None:
            return dataclasses.replace(found, head_box=head)
        return RawFace("face-boxes", head, None, {}, None, None, None, head_box=head)

    def _with_pose(self, rgb: np.ndarray, face: RawFace, frame: Frame | None = None) -> RawFace:
        """The face's angles from the pose network, fused with the landmarker's yaw where both are good."""
        if face.head_box is not None:
            est = self._pose.estimate(rgb, face.head_box, FACE_BOXES_CROP, frame)
        else:
            est = self._pose.estimate(rgb, face.box, LANDMARK_BOX_CROP, frame)
        if est is None:
            return face
        yaw, disagreement = est.yaw, None
        if face.yaw is not None:
            disagreement = abs(est.yaw - face.yaw)
            # below ~30° both read well and their errors are partly independent: the mean is best (pose bench)
            if abs(est.yaw) < self.options.pose_average_below_yaw:
                yaw = (est.yaw + face.yaw) / 2
        side = None if face.landmarks is not None else ("left" if yaw > 0 else "right")
        return dataclasses.replace(
            face, yaw=yaw, pitch=est.pitch, roll=est.roll, profile_side=side, pose_disagreement=disagreement
        )

    def _tiles(self, rgb: np.ndarray) -> list[RawFace]:
        h, w = rgb.shape[:2]
        span = (1.0 + self.options.tile_overlap) / 2.0
        tw, th = int(w * span), int(h * span)
        found: list[RawFace] = []
        for y0 in (0, h - th):
            for x0 in (0, w - tw):
                found.extend(self._landmark(rgb[y0 : y0 + th, x0 : x0 + tw], (x0, y0), "landmarker-tile"))
        # a face cut by a tile edge is read worse than the same face whole: prefer larger, keep one
        return self._merge([], found)

    def _small_faces(
        self, rgb: np.ndarray, frame: Frame | None, known: list[RawFace]
    ) -> tuple[list[RawFace], bool]:
        """Full-range BlazeFace on the detector frame, then the landmarker on each new face's crop (one call per
        face instead of four tiles). The faces keep the tile faces' detector name: they play the same part.

        A box on a face in `known` (the frame landmarker's) gets no crop: the merge would keep the known face
        anyway. Also says whether BlazeFace boxed every known face as the same face (IoU at least
        small-face-confirm-iou: where BlazeFace finds a face, its box and the landmark box overlap 0.61 or more
        in 95 % of 330 corpus and ../shared/pose faces, median 0.80; an ear or a cheek read as a face, at most
        0.31 of its head's area on ../shared/pose, cannot reach 0.5 with the face box around it)."""
        if frame is not None:
            k = 1.0 / frame.factor
            boxes = [((x * k, y * k, bw * k, bh * k), s) for (x, y, bw, bh), s in self._small.detect(frame.image)]
        else:
            boxes = self._small.detect(rgb)
        limit = self.options.small_face_confirm_iou
        confirmed = bool(known) and all(any(_iou(f.box, box) >= limit for box, _ in boxes) for f in known)
        found: list[RawFace] = []
        for box, _ in boxes:
            if any(_same_face(box, f.box) for f in known):
                continue  # a face already found: its crop's face would be merged away
            face = self._crop_landmarks(rgb, box)
            if face is not None:
                found.append(dataclasses.replace(face, detector="landmarker-tile"))
        return self._merge([], found), confirmed

    @staticmethod
    def _merge(primary: list[RawFace], extra: list[RawFace]) -> list[RawFace]:
        kept = list(primary)
        for cand in sorted(extra, key=lambda f: -f.box[2] * f.box[3]):
            if not any(_same_face(cand.box, k.box) for k in kept):
                kept.append(cand)
        return kept

    def _profiles(self, rgb: np.ndarray) -> list[RawFace]:
        opts = self.options
        small, f = _resize_long(rgb, 960)
        gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        sh, sw = gray.shape
        min_side = max(24, int(opts.profile_min_size * min(sh, sw)))
        hits: list[tuple[float, tuple[float, float, float, float]]] = []
        # The cascade is trained on faces whose nose points to the image's left; the mirrored pass finds the
        # other side. Which pass fired does not decide the side: the pose network does (see _with_pose).
        for side, img in (("right", gray), ("left", cv2.flip(gray, 1))):
            rects, _, weights = self._profile.detectMultiScale3(
                img,
                scaleFactor=opts.profile_scale_step,
                minNeighbors=opts.profile_min_neighbors,
                minSize=(min_side, min_side),
                outputRejectLevels=True,
            )
            for (x, y, rw, rh), weight in zip(rects, weights):
                if side == "left":
                    x = sw - x - rw
                hits.append((float(weight), (x / f, y / f, rw / f, rh / f)))
        hits.sort(key=lambda t: -t[0])
        out: list[RawFace] = []
        for _, box in hits:
            if any(_iou(box, o.box) > 0.2 or _overlap_small(box, o.box) > 0.5 for o in out):
                continue
            out.append(self._refine_profile(rgb, box))
        return out

    def _crop_landmarks(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> RawFace | None:
        """The landmarker on a crop where the face in `box` fills the frame; None when it finds it not."""
        h, w = rgb.shape[:2]
        x, y, bw, bh = box
        cx, cy, half = x + bw / 2, y + bh / 2, max(bw, bh) * 1.1
        x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
        x1, y1 = int(min(w, cx + half)), int(min(h, cy + half))
        if x1 - x0 > 16 and y1 - y0 > 16:
            found = self._landmark(rgb[y0:y1, x0:x1], (x0, y0), "landmarker-crop")
            if found:
                best = max(found, key=lambda r: _iou(r.box, box))
                # the crop's face must be this head, and not again a small part of it
                plausible = best.box[2] * best.box[3] >= self.options.implausible_face_area_ratio * bw * bh
                if plausible and (_iou(best.box, box) > 0.1 or _overlap_small(best.box, box) > 0.3):
                    return best
        return None

    def _refine_profile(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> RawFace:
        """A cascade hit: landmarks from a crop if the landmarker reads it, else a box-only face."""
        return self._crop_landmarks(rgb, box) or RawFace("profile-cascade", box, None, {}, None, None, None)
