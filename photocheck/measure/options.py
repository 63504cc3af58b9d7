"""What the measure stage may be told: which files are photos, safety limits, detector settings.

Plain dataclasses with no image library behind them, so that rule packs (read by the judge too) can hold
them without importing cv2, mediapipe or Pillow.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..option_bounds import bounded, one_of

# the photo formats photocheck reads, and image formats a photo folder may hold that it reports instead of
# skipping silently (.jxl: no decoder here; .ico/.icns: icons, never decoded)
IMAGE_EXTENSIONS = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".webp", ".heic", ".heif", ".avif", ".tif", ".tiff", ".bmp", ".gif"}
    | {".jxl", ".ico", ".icns"}
)
# which decoded formats each extension is allowed to hold without a "wrong extension" note
_EXTENSION_FORMATS = {
    ".jpg": {"JPEG", "MPO"},
    ".jpeg": {"JPEG", "MPO"},
    ".jpe": {"JPEG", "MPO"},
    ".png": {"PNG"},
    ".webp": {"WEBP"},
    ".heic": {"HEIF"},
    ".heif": {"HEIF"},
    ".tif": {"TIFF"},
    ".tiff": {"TIFF"},
    ".bmp": {"BMP", "DIB"},
    ".gif": {"GIF"},
    ".avif": {"AVIF", "HEIF"},
}


def is_image_name(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS


@dataclass(frozen=True)
class LoadLimits:
    """Safety limits for untrusted input. Pillow's own bomb guard (about 179 MP) stays in force above these."""

    # at least a 1K photo's pixels (1024 x 1024) and one MiB of file: limits of 0 refused every photo
    max_pixels: int = bounded(150_000_000, 1 << 20, 4_000_000_000)
    max_file_bytes: int = bounded(200 * 1024 * 1024, 1 << 20, 1 << 40)
    # photos are analysed reduced by 2, 4 or 8 (in the DCT for JPEGs) as far as their long side stays at least
    # this many pixels: noise, sharpness and detail are measured at 1800-3599 px, as on every 12 MP photo
    draft_min_long_side: int = bounded(1800, 256, 1 << 20)
    # ... and beyond half, as far as the short side also stays at least this many pixels: a 48 MP photo's quarter
    # (8000 x 6000 -> 2000 x 1500, or 16:9 -> 2016 x 1134) still gives a face what a 12 MP photo's half does, a
    # 40 MP panorama's eighth (20000 x 2000 -> 2500 x 250) would not, so it stays at half as before
    reduce_min_short_side: int = bounded(1000, 256, 1 << 20)
    # a set with more photos than this is refused before any is read (a folder of a whole photo library)
    max_photos_per_set: int = bounded(2000, 1, 1_000_000)
    # one photo whose analysis takes longer than this is reported (IQ01) and the run goes on
    max_seconds_per_photo: float = bounded(120.0, 0.1, 86_400.0)
    # libjpeg's "extraneous bytes before marker 0xd9" (bytes left after the last scan) is an encoder's padding
    # when they are a few bytes of one fill value (0x00 or 0xFF): up to this many such bytes the photo is judged;
    # more, or bytes of anything else (what damaged data leaves: 15 to 854 on bit-flipped corpus photos), is IQ01
    max_jpeg_padding_bytes: int = bounded(16, 0, 1 << 20)


@dataclass(frozen=True)
class DetectorOptions:
    max_faces: int = bounded(8, 1, 50)  # 0 made MediaPipe refuse the model, reported as a corrupt face model
    min_detection_confidence: float = bounded(0.5, 0.0, 1.0)
    tile_when_largest_face_below: float = bounded(0.2, 0.0, 1.0)  # share of the shorter image side
    tile_overlap: float = bounded(0.2, 0.0, 0.9)
    # how small faces are looked for when the landmarker found none big enough: "tiles" (the landmarker on
    # four overlapping quarters of the frame) or "blazeface" (MediaPipe's full-range detector in one pass,
    # then the landmarker on each face it finds); see rules/docs/FC02-small-face.md for the comparison
    small_faces: str = one_of("blazeface", ("tiles", "blazeface"))
    small_face_min_score: float = bounded(0.6, 0.0, 1.0)
    # a BlazeFace box overlapping a small landmarker face at least this much (IoU) confirms it is a face, not an
    # ear or a cheek, and FaceBoxes need not check it (true faces: 5th percentile 0.61, median 0.80)
    small_face_confirm_iou: float = 0.5
    profile_min_size: float = bounded(0.08, 0.0, 1.0)  # share of the shorter image side
    profile_min_neighbors: int = 4
    profile_scale_step: float = bounded(1.05, 1.01, 2.0)  # OpenCV's cascade needs a scale factor above 1
    # FaceBoxes: the frame it sees (long side, px), the score to accept a head, and the higher score to add
    # a head the landmarker did not see when other faces were found (background posters, patterned cloth)
    face_boxes_long_side: int = bounded(640, 64, 4096)
    face_boxes_min_score: float = bounded(0.5, 0.0, 1.0)
    face_boxes_add_score: float = bounded(0.8, 0.0, 1.0)
    # FaceBoxes runs when a landmarker face is turned at least this much (and when faces are missing or small)
    face_boxes_from_yaw: float = bounded(15.0, 0.0, 90.0)
    # a landmarker face smaller than this share of the FaceBoxes head around it is an ear or a cheek:
    # matched pairs on ../shared/pose are 0.66-2.2 (1st-99th percentile), the false ones 0.06-0.31
    implausible_face_area_ratio: float = bounded(0.4, 0.0, 1.0)
    # below this |yaw| the pose network's and the landmarker's yaw are averaged (pose bench: 2.56° -> 2.46°
    # at 0-30°); above it the network alone (the landmarker under-reads large turns)
    pose_average_below_yaw: float = bounded(30.0, 0.0, 90.0)
