"""Data records: what analyzers measured (facts), what rules found (findings), what the run reports.

Everything here is a frozen dataclass that round-trips through plain JSON, so facts can be recorded once
and replayed in rule tests without images or models.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import sys
import types
import typing
from collections.abc import Mapping
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


def measured(lo: float, hi: float) -> dict[str, Any]:
    """Field metadata: every number of the facts field (a tuple's items, a dict's values) lies in [lo, hi].

    The range is what photocheck's analyzers can produce, with room to spare; it is checked when facts are read
    back from a facts file or a cache entry (`from_jsonable`), so a number no measurement gives (1e200 in a
    descriptor, a yaw of 1e9) is refused there, and the judge never meets it (its arithmetic overflowed to
    NaN, and a loop over people waited on a distance that never compared)."""
    return {"range": (lo, hi)}


# field metadata: a 64-bit perceptual hash as 16 hex digits ("" or None: not measured)
HEX_HASH: dict[str, Any] = {"hex64": True}

_PIXELS = float(1 << 21)  # a coordinate or side in pixels: 2 million is 8x the largest photo the loader accepts


class Severity(str, enum.Enum):
    """How bad a finding is. The members' order is the one severity order, worst first: error > warning > info
    (`list(Severity)`, `rank`, `softer` and `--fail-on` all read it)."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """3 for error, 2 for warning, 1 for info: higher is worse."""
        members = list(Severity)
        return len(members) - members.index(self)

    @property
    def softer(self) -> Severity:
        """One level down (error -> warning -> info; info stays info)."""
        members = list(Severity)
        return members[min(members.index(self) + 1, len(members) - 1)]

    def at_least(self, level: str) -> bool:
        """Is this finding as bad as `level` (a severity's name, or "never": nothing is)?"""
        return level != "never" and self.rank >= Severity(level).rank


# --------------------------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class BasicFacts:
    """What the file header and a cheap look at the pixels say."""

    width: int = field(metadata=measured(0, _PIXELS))  # after EXIF orientation
    height: int = field(metadata=measured(0, _PIXELS))
    format: str  # JPEG, PNG, HEIF, ... as decoded (the content, not the extension)
    mode: str  # Pillow mode of the file before conversion (RGB, L, CMYK, I;16, P, RGBA, ...)
    file_size: int = field(metadata=measured(0, 1 << 42))
    orientation: int = field(metadata=measured(0, 65535))  # EXIF orientation tag honoured (1 = none)
    frames: int = field(metadata=measured(0, 1 << 32))  # > 1 for animated files; the first frame is analysed
    extension_matches: bool  # False when e.g. PNG data is named .jpg
    # decoded pixels per file pixel (Pillow draft); 1.0 = full resolution
    analysis_scale: float = field(metadata=measured(1e-6, 1.0))
    # estimated from the quantisation tables (IJG scale), None if not JPEG
    jpeg_quality: float | None = field(metadata=measured(0, 100))
    # strength of 8x8 block edges (1.0 = none); None when not measurable
    blockiness: float | None = field(metadata=measured(0, 1e3))
    colourfulness: float = field(metadata=measured(0, 512))  # mean chroma distance between channels, 0 for grayscale
    # 0..1: linear share of the pixel grid that carries real detail
    effective_detail: float = field(metadata=measured(0, 1))
    # 64-bit perceptual hashes (hex) of the picture without letterbox bars, and of its mirror image (DS02)
    image_hash: str = field(default="", metadata=HEX_HASH)
    image_hash_mirrored: str = field(default="", metadata=HEX_HASH)


@dataclass(frozen=True)
class FaceFacts:
    """One face found in the photo. Coordinates are in oriented full-resolution pixels."""

    box: tuple[int, int, int, int] = field(metadata=measured(-_PIXELS, _PIXELS))  # x, y, w, h
    # "landmarker", "landmarker-tile", "landmarker-crop", "landmarker-lifted", "face-boxes", "profile-cascade"
    detector: str
    # degrees, AFLW2000-3D's convention (SPEC §2): yaw > 0 = subject turned to their own left
    yaw: float | None = field(metadata=measured(-180, 180))
    pitch: float | None = field(metadata=measured(-180, 180))
    roll: float | None = field(metadata=measured(-180, 180))
    profile_side: str | None  # "left"/"right" for a face seen without landmarks (side from the pose network)
    # eyes, nose tip, mouth corners, chin
    key_points: dict[str, tuple[float, float]] = field(metadata=measured(-_PIXELS, _PIXELS))
    # mediapipe's 52 scores (empty for cascade-only faces)
    blendshapes: dict[str, float] = field(metadata=measured(-1, 2))
    cut_off: float = field(metadata=measured(0, 1))  # 0..1 share of the face outside the image
    # fine-detail to mid-detail energy ratio on the face, normalised size
    sharpness: float | None = field(metadata=measured(0, 100))
    noise: float | None = field(metadata=measured(0, 255))  # noise sigma in 8-bit levels on the face at analysis scale
    luma_mean: float | None = field(metadata=measured(0, 255))  # mean face luma 0..255 (sRGB)
    dark_fraction: float | None = field(metadata=measured(0, 1))  # share of face pixels in crushed shadows
    bright_fraction: float | None = field(metadata=measured(0, 1))  # share of face pixels clipped or nearly so
    # |log2(left cheek / right cheek)| in linear light
    side_difference_stops: float | None = field(metadata=measured(0, 64))
    # log2(background / face) in linear light (> 0 = backlit)
    background_difference_stops: float | None = field(metadata=measured(-64, 64))
    eye_openness: float | None = field(metadata=measured(-1, 2))  # 0 = closed, 1 = open (1 - mediapipe eye blink)
    # eye-region luma / cheek luma (sunglasses make it small)
    eye_darkness: float | None = field(metadata=measured(0, 1e3))
    eye_texture: float | None = field(metadata=measured(0, 1e3))  # eye-region contrast / cheek contrast
    # colour distance of mouth/chin from cheek skin (masks, hands)
    lower_face_mismatch: float | None = field(metadata=measured(0, 1e3))
    # dlib 128-D face descriptor; None when identity was not measured or the face cannot be described
    embedding: tuple[float, ...] | None = field(default=None, metadata=measured(-1, 1))
    # perceptual hashes (hex) of the face region and of its mirror image: a crop keeps them (DS02)
    face_hash: str | None = field(default=None, metadata=HEX_HASH)
    face_hash_mirrored: str | None = field(default=None, metadata=HEX_HASH)
    # |landmarker yaw - pose network yaw| in degrees; None when only one of them saw the face
    pose_disagreement: float | None = field(default=None, metadata=measured(0, 360))
    # the FER2013 expression model's probabilities (angry, disgust, fear, happy, sad, surprise, neutral);
    # None for facts measured before analyzer version 10 or faces too small
    emotion: dict[str, float] | None = field(default=None, metadata=measured(0, 1))
    # face-api.js FaceExpressionNet's probabilities (neutral, happy, sad, angry, fearful, disgusted, surprised);
    # None for facts measured before analyzer version 27 or faces too small
    expression_face_api: dict[str, float] | None = field(default=None, metadata=measured(0, 1))
    # the light on the skin (face_light.py): signed direction in stops (> 0 = from the subject's left / from
    # above), hardness (p95 steepness, stops per tenth of the face height), warmth of the highlights (kelvin)
    light_from_left_stops: float | None = field(default=None, metadata=measured(-64, 64))
    light_from_above_stops: float | None = field(default=None, metadata=measured(-64, 64))
    light_hardness: float | None = field(default=None, metadata=measured(0, 1e3))
    highlight_kelvin: float | None = field(default=None, metadata=measured(1000, 20000))


@dataclass(frozen=True)
class LightingFacts:
    """Evidence about where and under what light the photo was taken."""

    # scene light value (LV, ISO 100) from exposure time, f-number, ISO
    exif_light_value: float | None = field(metadata=measured(-40, 40))
    flash_fired: bool | None
    # rough correlated colour temperature in kelvin (gray-world)
    colour_temperature: float | None = field(metadata=measured(1000, 20000))
    # share of the background above the subject's head that is sky: bright, smooth, blue or grey-white,
    # connected to the top border and brighter than the face (scene.py); without a face, the top third
    sky_fraction: float | None = field(metadata=measured(0, 1))
    sky_luma: float | None = field(default=None, metadata=measured(0, 255))  # mean luma (0..255) of those sky pixels
    # share of the frame outside the person, padding cut off
    background_share: float | None = field(default=None, metadata=measured(0, 1))
    # share of that background that is flat (a backdrop, a bare wall)
    background_plain: float | None = field(default=None, metadata=measured(0, 1))
    # share of that background that is textured green
    vegetation_fraction: float | None = field(default=None, metadata=measured(0, 1))
    # as sky_fraction / sky_luma for smooth, bright grey-white (overcast, hazy or clipped sky; or a white wall)
    pale_sky_fraction: float | None = field(default=None, metadata=measured(0, 1))
    pale_sky_luma: float | None = field(default=None, metadata=measured(0, 255))
    # b* change of the blue sky from its top to its bottom row, per frame height: a real sky pales toward the
    # horizon (positive), a blue wall does not
    sky_fade: float | None = field(default=None, metadata=measured(-1e4, 1e4))
    # mean Lab chroma of the picture (0 for black-and-white)
    chroma: float | None = field(default=None, metadata=measured(0, 200))
    # share of pixels with a channel at 250 or more
    clipped_share: float | None = field(default=None, metadata=measured(0, 1))
    # share of the background that is foliage-green whatever its texture (defocused leaves are smooth), the
    # background's mean CIE L*, and how blotchy its brightness is at a coarse scale (coefficient of variation
    # after a blur): light through out-of-focus leaves is mottled, a lit wall or backdrop is even
    foliage_fraction: float | None = field(default=None, metadata=measured(0, 1))
    background_lightness: float | None = field(default=None, metadata=measured(0, 100))
    background_mottle: float | None = field(default=None, metadata=measured(0, 1e3))
    # the scene network's 512 pooled features (MobileNet V1 0.5-160: ReLU6 outputs averaged, so 0..6), read by
    # the fitted scene head; None without face analysis or for facts measured before analyzer version 27
    scene_features: tuple[float, ...] | None = field(default=None, metadata=measured(0, 6))


# the start of IQ01's reason for a set folder that could not be listed (discovery): no set rule judges a set of
# which nothing could be read, so the folder's one finding is all its report says
UNREADABLE_FOLDER = "folder cannot be read"

EMBEDDING_SIZE = 128  # dlib's face descriptor
# the length of a dlib descriptor: 1.28-1.62 on the corpus's 156 described faces; far outside is not one photocheck made
EMBEDDING_NORM = (0.5, 2.5)


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
        """Facts read back from JSON, validated (types, finite numbers in each field's measured range, sizes):
        FactsError (a ValueError) naming the field when they are not facts photocheck could have measured."""
        facts: ImageFacts = from_jsonable(cls, data)
        for i, face in enumerate(facts.faces or ()):
            where = ("faces", f"[{i}]")
            if face.embedding is not None:
                if len(face.embedding) != EMBEDDING_SIZE:
                    problem = f"a face descriptor has {len(face.embedding)} values, not {EMBEDDING_SIZE}"
                    raise FactsError(problem, (*where, "embedding"))
                norm = math.sqrt(sum(v * v for v in face.embedding))
                if not EMBEDDING_NORM[0] <= norm <= EMBEDDING_NORM[1]:
                    problem = f"a face descriptor of length {norm:.3g}, not of unit scale"
                    raise FactsError(problem, (*where, "embedding"))
            if face.box[2] < 0 or face.box[3] < 0:
                raise FactsError(f"a face box has a negative size: {face.box}", (*where, "box"))
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
    # how the subject face was settled: match, doubt (a match the set's spread doubts: ID01's warning),
    # mismatch, unverified, alone (no identity to compare), no-face
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
class CoverageCounts:
    """How many photos show each pose bucket, expression and kind of light (SPEC §2), counted by
    `evidence.coverage.tally`. `expression_uncertain`: expressions photos may show (an unsure label, or a
    likely second reading), counted neither way."""

    pose: dict[str, int]
    expression: dict[str, int]
    lighting: dict[str, int]
    face_light: dict[str, int]
    pose_expression: dict[str, dict[str, int]]
    expression_uncertain: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "pose": dict(self.pose), "expression": dict(self.expression), "lighting": dict(self.lighting),
            "face_light": dict(self.face_light),
            "pose_expression": {p: dict(row) for p, row in self.pose_expression.items()},
            "expression_uncertain": dict(self.expression_uncertain),
        }  # fmt: skip


@dataclass(frozen=True)
class Coverage:
    """What a set's kept photos cover, and what the selected coverage rules found lacking.

    `missing`: gaps (vocabulary.GAPS) no photo fills; `undecided`: gaps no judged photo fills but unjudged photos
    may (neither present nor missing: never advised, never scored); `replace_only`: the counts among the photos
    to replace (what the set would lose by dropping them)."""

    counts: CoverageCounts
    replace_only: CoverageCounts
    missing: tuple[str, ...] = ()
    undecided: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract's `coverage` object (SPEC §4): the counts, then missing, undecided, replace_only."""
        return {
            **self.counts.to_dict(),
            "missing": list(self.missing),
            "undecided": list(self.undecided),
            "replace_only": self.replace_only.to_dict(),
        }


@dataclass(frozen=True)
class SetResult:
    path: str
    score: float
    verdict: str
    coverage: Coverage  # what the kept photos cover, and what the coverage rules found missing
    advice: tuple[str, ...]
    findings: tuple[Finding, ...]
    images: tuple[ImageResult, ...]
    rejected: tuple[str, ...] = ()  # photos whose action is remove (ID01's intruders, DS02's extra copies)
    coverage_share: float | None = None  # 0..1 of the coverage targets met; None when no coverage rule ran
    # the config file this set was checked with and what it changes ("photos/photocheck.toml: ignore LI03"):
    # a config found inside a scanned folder comes from whoever made the folder, so it is never silent
    config: str | None = None
    pack: str = "default"  # the name of the rule pack this set was judged with (its config's, or the flag's)

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


class FactsError(ValueError):
    """Recorded facts that photocheck could not have measured; `where` names the field ("faces[0].embedding[3]")."""

    def __init__(self, problem: str, where: tuple[str, ...] = ()) -> None:
        self.problem, self.where = problem, where
        path = "".join(part if part.startswith("[") else f".{part}" for part in where).lstrip(".")
        super().__init__(f"{path}: {problem}" if path else problem)

    def at(self, part: str) -> FactsError:
        """The same problem, one level further out."""
        return FactsError(self.problem, (part, *self.where))


_SMALLEST_NORMAL = sys.float_info.min


def from_jsonable(tp: Any, data: Any, meta: Mapping[str, Any] | None = None) -> Any:
    """Inverse of to_jsonable, driven by the type hints of the target dataclass. Validates as it goes (the
    data comes from a cache file or a facts file, i.e. from disk): a value of the wrong type, a non-finite or
    subnormal number, a number outside its field's `measured` range, a missing field or a fixed-size tuple of
    the wrong size raises FactsError naming the field, so a bad cache entry is a miss and a bad facts file is
    refused by name. `meta`: the metadata of the field being read (`measured`'s range, `hex_hash`), which holds
    for every value inside it."""
    meta = meta or {}
    bounds: tuple[float, float] | None = meta.get("range")
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if data is None:
            return None
        return from_jsonable(args[0], data, meta)
    if dataclasses.is_dataclass(tp):
        if not isinstance(data, dict):
            raise FactsError(f"{getattr(tp, '__name__', tp)}: expected an object, got {type(data).__name__}")
        hints = typing.get_type_hints(tp)
        kwargs = {}
        for f in dataclasses.fields(tp):
            if f.name in data:
                try:
                    kwargs[f.name] = from_jsonable(hints[f.name], data[f.name], f.metadata)
                except FactsError as e:
                    raise e.at(f.name) from None
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise FactsError("missing").at(f.name)
        return tp(**kwargs)  # type: ignore[operator]  # tp is a dataclass type here
    if origin is tuple:
        if not isinstance(data, (list, tuple)):
            raise FactsError(f"expected a list, got {type(data).__name__}")
        items: tuple[Any, ...] = typing.get_args(tp)
        if len(items) == 2 and items[1] is Ellipsis:
            items = (items[0],) * len(data)
        elif len(items) != len(data):
            raise FactsError(f"expected {len(items)} values, got {len(data)}")
        out = []
        for i, (item_type, value) in enumerate(zip(items, data)):
            try:
                out.append(from_jsonable(item_type, value, meta))
            except FactsError as e:
                raise e.at(f"[{i}]") from None
        return tuple(out)
    if origin is dict:
        if not isinstance(data, dict):
            raise FactsError(f"expected an object, got {type(data).__name__}")
        _, vt = typing.get_args(tp)
        values = {}
        for k, v in data.items():
            try:
                values[str(k)] = from_jsonable(vt, v, meta)
            except FactsError as e:
                raise e.at(f"[{str(k)[:40]!r}]") from None
        return values
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(data)
        except ValueError:
            raise FactsError(f"{data!r} is not a {tp.__name__}") from None
    if tp is float or tp is int:
        whole = tp is int
        if isinstance(data, bool) or not isinstance(data, int if whole else (int, float)):
            raise FactsError(f"expected a {'whole' if whole else 'finite'} number, got {_shown(data)}")
        if isinstance(data, float) and not math.isfinite(data):
            raise FactsError(f"expected a finite number, got {_shown(data)}")
        if isinstance(data, float) and 0 < abs(data) < _SMALLEST_NORMAL:  # 1e-320: no measure is that small
            raise FactsError(f"{_shown(data)} is a subnormal number, not a measurement")
        if bounds is not None and not bounds[0] <= data <= bounds[1]:  # compared before float(): 10**400 is fine
            raise FactsError(f"{_shown(data)} is outside what photocheck measures ({bounds[0]:g} to {bounds[1]:g})")
        return data if whole else float(data)
    if tp is bool and not isinstance(data, bool):
        raise FactsError(f"expected true or false, got {_shown(data)}")
    if tp is str and not isinstance(data, str):
        raise FactsError(f"expected text, got {_shown(data)}")
    if meta.get("hex64") and data and not (len(data) == 16 and all(c in "0123456789abcdef" for c in data)):
        raise FactsError(f"{_shown(data)} is not a 64-bit hash (16 hex digits)")
    return data


def _shown(value: Any) -> str:
    """A value for an error message, short (a 4,000-digit number is not quoted whole)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:37]}..."
