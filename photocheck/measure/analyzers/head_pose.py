"""Head pose from 3DDFA-V2's MobileNet-0.5 regressor (cleardusk/3DDFA_V2, MIT; the model OFIQ uses), by onnxruntime.

The network reads a 120x120 crop around the face and predicts a 3x4 camera matrix; the rotation in it gives
yaw, pitch and roll in AFLW2000-3D's convention. Unlike the landmarker's transformation matrix it holds up to a
full profile (yaw error on ../shared/pose: 3.8° at 60–99° against 13–15° for the landmarker).

Angles (the SPEC's convention): yaw > 0 = subject turned to their own left; pitch and roll as AFLW2000-3D
defines them, read as the exact inverse of the rotation that builds its labels (R = Rx(-pitch) Ry(yaw) Rz(-roll)
in photocheck's yaw sign), not with upstream's matrix2angle, which is another Euler order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from .bundled import LazyNet
from .frames import Frame, halved_region

MODEL_FILE = "head_pose_3ddfa_v2_mb05.onnx"
INPUT_SIZE = 120


@dataclass(frozen=True)
class CropRule:
    """How a detector's box becomes the network's square crop: side = scale x mean box side, centre moved
    down by `drop` x mean side (the network was trained on crops centred below the eyes)."""

    scale: float
    drop: float


# calibrated on ../shared/pose (bench/pose_benchmark.py): yaw MAE 2.99° (FaceBoxes box), 3.87° (landmark box)
FACE_BOXES_CROP = CropRule(scale=1.4, drop=0.14)
LANDMARK_BOX_CROP = CropRule(scale=1.2, drop=0.14)


@dataclass(frozen=True)
class HeadPose:
    yaw: float
    pitch: float
    roll: float


def angles_from_params(params: np.ndarray) -> HeadPose:
    """Yaw, pitch, roll (degrees) from the network's 62 parameters (the first 12: camera matrix, row-major)."""
    cam = np.asarray(params[:12], np.float64).reshape(3, 4)
    r1, r2 = cam[0, :3], cam[1, :3]
    r1 = r1 / max(float(np.linalg.norm(r1)), 1e-12)
    r2 = r2 / max(float(np.linalg.norm(r2)), 1e-12)
    r = np.stack([r1, r2, np.cross(r1, r2)])
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, float(r[0, 2])))))
    pitch = math.degrees(math.atan2(r[1, 2], r[2, 2]))
    roll = math.degrees(math.atan2(r[0, 1], r[0, 0]))
    return HeadPose(yaw, pitch, roll)


class HeadPoseNet:
    """`estimate(rgb, box, rule)` -> HeadPose; about 1.5 ms per face."""

    def __init__(self) -> None:
        self.model = LazyNet(MODEL_FILE, "head-pose model", (1, 3, INPUT_SIZE, INPUT_SIZE))

    def prepare(self) -> None:
        """Build the network ahead of the first face, on another thread."""
        self.model.build_in_background()

    def estimate(
        self, rgb: np.ndarray, box: tuple[float, float, float, float], rule: CropRule, frame: Frame | None = None
    ) -> HeadPose | None:
        """`frame`: the analysis image's shared downscale; a large square inside the photo is taken from it."""
        x, y, w, h = box
        mean_side = (w + h) / 2
        side = rule.scale * mean_side
        if not (side >= 4 and math.isfinite(side)):
            return None
        cx, cy = x + w / 2, y + h / 2 + rule.drop * mean_side
        n = max(4, round(side))
        x0, y0 = round(cx - side / 2), round(cy - side / 2)
        ih, iw = rgb.shape[:2]
        # the square may reach past the photo's edges: that part is black, as upstream pads
        region = rgb[max(0, y0) : max(0, min(ih, y0 + n)), max(0, x0) : max(0, min(iw, x0 + n))]
        if region.size == 0:
            return None
        top, left = max(0, -y0), max(0, -x0)
        if region.shape[:2] != (n, n):  # a square inside the photo needs no border (and no copy)
            region = cv2.copyMakeBorder(
                region, top, n - top - region.shape[0], left, n - left - region.shape[1], cv2.BORDER_CONSTANT, value=0
            )
        else:
            region = halved_region(rgb, frame, (x0, y0, x0 + n, y0 + n), INPUT_SIZE)
        interp = cv2.INTER_AREA if region.shape[0] > INPUT_SIZE else cv2.INTER_LINEAR
        crop = cv2.resize(region, (INPUT_SIZE, INPUT_SIZE), interpolation=interp)
        blob = ((crop[:, :, ::-1].astype(np.float32) - 127.5) / 128.0).transpose(2, 0, 1)[None]
        return angles_from_params(self.model.run(np.ascontiguousarray(blob))[0][0])
