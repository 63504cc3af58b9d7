"""Data records: what analyzers measured (facts), what rules found (findings), what the run reports.

Everything here is a frozen dataclass that round-trips through plain JSON, so facts can be recorded once
and replayed in rule tests without images or models.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

PoseBucket = Literal[
    "frontal",
    "slight-left",
    "slight-right",
    "three-quarter-left",
    "three-quarter-right",
    "profile-left",
    "profile-right",
]
Expression = Literal["neutral", "smile", "frown", "surprise", "other"]
Verdict = Literal["ready", "needs-work", "not-ready"]


class Severity(str, enum.Enum):
    """How bad a finding is. Ordered: error > warning > info."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]

    @property
    def softer(self) -> Severity:
        """One level down (error -> warning -> info; info stays info)."""
        return {"error": Severity.WARNING, "warning": Severity.INFO, "info": Severity.INFO}[self.value]


# --------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class BasicFacts:
    """What the file header and a cheap look at the pixels say."""

    width: int  # after EXIF orientation
    height: int
    format: str  # JPEG, PNG, HEIF, ... as decoded (the content, not the extension)
    mode: str  # Pillow mode of the file before conversion (RGB, L, CMYK, I;16, P, RGBA, ...)
    file_size: int
    orientation: int  # EXIF orientation tag honoured (1 = none)
    frames: int  # > 1 for animated files; the first frame is analysed
    extension_matches: bool  # False when e.g. PNG data is named .jpg
    analysis_scale: float  # decoded pixels per file pixel (Pillow draft); 1.0 = full resolution
    jpeg_quality: float | None  # estimated from the quantisation tables (IJG scale), None if not JPEG
    blockiness: float | None  # strength of 8x8 block edges (1.0 = none); None when not measurable
    colourfulness: float  # mean chroma distance between channels, 0 for grayscale
    effective_detail: float  # 0..1: linear share of the pixel grid that carries real detail
    # 64-bit perceptual hashes (hex) of the picture without letterbox bars, and of its mirror image (DS02)
    image_hash: str = ""
    image_hash_mirrored: str = ""


@dataclass(frozen=True)
class FaceFacts:
    """One face found in the photo. Coordinates are in oriented full-resolution pixels."""

    box: tuple[int, int, int, int]  # x, y, w, h
    # "landmarker", "landmarker-tile", "landmarker-crop", "landmarker-lifted", "face-boxes", "profile-cascade"
    detector: str
    # degrees, AFLW2000-3D's convention (SPEC §2): yaw > 0 = subject turned to their own left
    yaw: float | None
    pitch: float | None
    roll: float | None
    profile_side: str | None  # "left"/"right" for a face seen without landmarks (side from the pose network)
    key_points: dict[str, tuple[float, float]]  # eyes, nose tip, mouth corners, chin
    blendshapes: dict[str, float]  # mediapipe's 52 scores (empty for cascade-only faces)
    cut_off: float  # 0..1 share of the face outside the image
    sharpness: float | None  # fine-detail to mid-detail energy ratio on the face, normalised size
    noise: float | None  # noise sigma in 8-bit levels on the face at analysis scale
    luma_mean: float | None  # mean face luma 0..255 (sRGB)
    dark_fraction: float | None  # share of face pixels in crushed shadows
    bright_fraction: float | None  # share of face pixels clipped or nearly so
    side_difference_stops: float | None  # |log2(left cheek / right cheek)| in linear light
    background_difference_stops: float | None  # log2(background / face) in linear light (> 0 = backlit)
    eye_openness: float | None  # 0 = closed, 1 = open (1 - mediapipe eye blink)
    eye_darkness: float | None  # eye-region luma / cheek luma (sunglasses make it small)
    eye_texture: float | None  # eye-region contrast / cheek contrast
    lower_face_mismatch: float | None  # colour distance of mouth/chin from cheek skin (masks, hands)
    # dlib 128-D face descriptor; None when identity was not measured or the face cannot be described
    embedding: tuple[float, ...] | None = None
    # perceptual hashes (hex) of the face region and of its mirror image: a crop keeps them (DS02)
    face_hash: str | None = None
    face_hash_mirrored: str | None = None
    # |landmarker yaw - pose network yaw| in degrees; None when only one of them saw the face
    pose_disagreement: float | None = None
    # the FER2013 expression model's probabilities (angry, disgust, fear, happy, sad, surprise, neutral);
    # None for facts measured before analyzer version 10 or faces too small
    emotion: dict[str, float] | None = None
    # the light on the skin (face_light.py): signed direction in stops (> 0 = from the subject's left / from
    # above), hardness (p95 steepness, stops per tenth of the face height), warmth of the highlights (kelvin)
    light_from_left_stops: float | None = None
    light_from_above_stops: float | None = None
    light_hardness: float | None = None
    highlight_kelvin: float | None = None


@dataclass(frozen=True)
class LightingFacts:
    """Evidence about where and under what light the photo was taken."""

    exif_light_value: float | None  # scene light value (LV, ISO 100) from exposure time, f-number, ISO
    flash_fired: bool | None
    colour_temperature: float | None  # rough correlated colour temperature in kelvin (gray-world)
    # share of the background above the subject's head that is sky: bright, smooth, blue or grey-white,
    # connected to the top border and brighter than the face (scene.py); without a face, the top third
    sky_fraction: float | None
    sky_luma: float | None = None  # mean luma (0..255) of those sky pixels
    background_share: float | None = None  # share of the frame outside the person, padding cut off
    background_plain: float | None = None  # share of that background that is flat (a backdrop, a bare wall)
    vegetation_fraction: float | None = None  # share of that background that is textured green
    # as sky_fraction / sky_luma for smooth, bright grey-white (overcast, hazy or clipped sky; or a white wall)
    pale_sky_fraction: float | None = None
    pale_sky_luma: float | None = None
    # b* change of the blue sky from its top to its bottom row, per frame height: a real sky pales toward the
    # horizon (positive), a blue wall does not
    sky_fade: float | None = None
    chroma: float | None = None  # mean Lab chroma of the picture (0 for black-and-white)
    clipped_share: float | None = None  # share of pixels with a channel at 250 or more
    # share of the background that is foliage-green whatever its texture (defocused leaves are smooth), the
    # background's mean CIE L*, and how blotchy its brightness is at a coarse scale (coefficient of variation
    # after a blur): light through out-of-focus leaves is mottled, a lit wall or backdrop is even
    foliage_fraction: float | None = None
    background_lightness: float | None = None
    background_mottle: float | None = None


EMBEDDING_SIZE = 128  # dlib's face descriptor


@dataclass(frozen=True)
class ImageFacts:
    """Everything measured about one photo. A failed analyzer records why in `error` and never raises."""

    path: str
    content_hash: str
    analyzer_version: str
    error: str | None = None  # set when the file could not be decoded (-> IQ01)
    basic: BasicFacts | None = None
    faces: tuple[FaceFacts, ...] | None = None  # None = face analysis not run
    lighting: LightingFacts | None = None
    notes: tuple[str, ...] = ()  # non-fatal remarks from loading (e.g. "animated: first frame used")
    identity_measured: bool = False  # faces were given embeddings (where describable)

    def to_dict(self) -> dict[str, Any]:
        return to_jsonable(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ImageFacts:
        """Facts read back from JSON, validated (types, finite numbers, sizes): ValueError when they are not
        facts photocheck could have measured."""
        facts: ImageFacts = from_jsonable(cls, data)
        for face in facts.faces or ():
            if face.embedding is not None and len(face.embedding) != EMBEDDING_SIZE:
                raise ValueError(f"a face descriptor has {len(face.embedding)} values, not {EMBEDDING_SIZE}")
            if face.box[2] < 0 or face.box[3] < 0:
                raise ValueError(f"a face box has a negative size: {face.box}")
        if facts.basic is not None and (facts.basic.width < 0 or facts.basic.height < 0):
            raise ValueError("an image with a negative size")
        return facts


# ------------------------------------------------------------------------------------------ findings


@dataclass(frozen=True)
class Finding:
    """A problem a rule found. `paths` is set for set-level findings; image findings belong to their image."""

    code: str
    name: str
    severity: Severity
    message: str
    fix: str = ""  # what the user should do about it
    paths: tuple[str, ...] = ()
    # set rules: the next steps, one per line, each with the coverage gap it fills ("" when none): the judge
    # drops a gap's line when a photo to replace is the set's only source of it, and says so on that photo
    advice: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    # the photos this finding says to take out of the set (ID01's intruder, DS02's extra copies)
    removes: tuple[str, ...] = field(default=(), compare=False)

    def sort_key(self) -> tuple[Any, ...]:
        return (self.paths, -self.severity.rank, self.code, self.message)


@dataclass(frozen=True)
class FaceResult:
    box: tuple[int, int, int, int]
    is_subject: bool
    yaw: float | None
    pitch: float | None
    roll: float | None
    pose: str | None
    expression: str | None
    identity_distance: float | None = None
    expression_confidence: float | None = None
    pose_confidence: float | None = None


@dataclass(frozen=True)
class ImageResult:
    path: str
    width: int | None
    height: int | None
    score: float
    faces: tuple[FaceResult, ...]
    lighting: dict[str, Any]  # setting, light, evidence, confidence
    findings: tuple[Finding, ...]
    facts: ImageFacts = field(repr=False, compare=False)
    # how the subject face was settled: match, mismatch, unverified, alone (no identity to compare), no-face
    identity: str = "alone"
    # decided once by the judge (SPEC §3): remove (another person, an extra copy), replace (an error-level
    # problem of the photo), else keep; `reasons` are the codes that decided it
    action: str = "keep"
    reasons: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """Spec: usable = the judge's action is keep."""
        return self.action == "keep"


@dataclass(frozen=True)
class SetResult:
    path: str
    score: float
    verdict: str
    # counts over the kept photos (pose / expression / lighting, pose_expression grid), `missing` (what the
    # selected coverage rules lack), `undecided` (gaps no judged photo fills but unjudged photos may: neither
    # present nor missing) and `replace_only` (counts among the photos to replace)
    coverage: dict[str, Any]
    advice: tuple[str, ...]
    findings: tuple[Finding, ...]
    images: tuple[ImageResult, ...]
    rejected: tuple[str, ...] = ()  # photos whose action is remove (ID01's intruders, DS02's extra copies)
    coverage_share: float | None = None  # 0..1 of the coverage targets met; None when no coverage rule ran
    # the config file this set was checked with and what it changes ("photos/photocheck.toml: ignore LI03"):
    # a config found inside a scanned folder comes from whoever made the folder, so it is never silent
    config: str | None = None

    @property
    def usable_images(self) -> list[ImageResult]:
        """Photos that can go into the profile: the judge's action is keep."""
        return [i for i in self.images if i.usable]


@dataclass(frozen=True)
class Report:
    photocheck_version: str
    score: float
    verdict: str
    sets: tuple[SetResult, ...]
    pack: str = "default"

    def all_findings(self) -> list[Finding]:
        out: list[Finding] = []
        for s in self.sets:
            out.extend(s.findings)
            for img in s.images:
                out.extend(img.findings)
        return out


# ---------------------------------------------------------------------------------- serialisation


def to_jsonable(value: Any) -> Any:
    """Plain JSON data from nested dataclasses, enums, tuples and dicts."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    return value


def from_jsonable(tp: Any, data: Any) -> Any:
    """Inverse of to_jsonable, driven by the type hints of the target dataclass. Validates as it goes (the
    data comes from a cache file or a facts file, i.e. from disk): a value of the wrong type, a non-finite
    number or a fixed-size tuple of the wrong size raises ValueError, so a bad entry is treated as a miss."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return from_jsonable(args[0], data)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise ValueError(f"{tp.__name__}: expected an object, got {type(data).__name__}")  # type: ignore[union-attr]
        hints = typing.get_type_hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                kwargs[f.name] = from_jsonable(hints[f.name], data[f.name])
        return tp(**kwargs)  # type: ignore[operator]  # tp is a dataclass type here
    if origin is tuple:
        if not isinstance(data, (list, tuple)):
            raise ValueError(f"expected a list, got {type(data).__name__}")
        items: tuple[Any, ...] = typing.get_args(tp)
        if len(items) == 2 and items[1] is Ellipsis:
            return tuple(from_jsonable(items[0], v) for v in data)
        if len(items) != len(data):
            raise ValueError(f"expected {len(items)} values, got {len(data)}")
        return tuple(from_jsonable(a, v) for a, v in zip(items, data))
    if origin is dict:
        if not isinstance(data, dict):
            raise ValueError(f"expected an object, got {type(data).__name__}")
        _, vt = typing.get_args(tp)
        return {str(k): from_jsonable(vt, v) for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if tp is float:
        if isinstance(data, bool) or not isinstance(data, (int, float)) or not math.isfinite(data):
            raise ValueError(f"expected a finite number, got {data!r}")
        return float(data)
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise ValueError(f"expected a whole number, got {data!r}")
        return data
    if tp is bool and not isinstance(data, bool):
        raise ValueError(f"expected true or false, got {data!r}")
    if tp is str and not isinstance(data, str):
        raise ValueError(f"expected text, got {data!r}")
    return data
