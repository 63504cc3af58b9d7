"""Analyzers turn pixels into facts, once per photo. They never judge and never raise for a bad photo."""

from __future__ import annotations

import dataclasses

import cv2

from ...model import ImageFacts
from ..imageio import LoadedImage
from .descriptors import FaceEmbedder
from .face_measures import measure_face
from .faces import DETECT_LONG_SIDE, FaceDetector
from .frames import make_frame, region_at
from .hashing import face_hashes, image_hashes
from .lighting import analyze_lighting
from .quality import analyze_basic

# bump when a measurement changes meaning: cached facts of another version are measured again
# 27: face-api.js expression probabilities per face, the scene network's 512 features per photo
ANALYZER_VERSION = "27"

__all__ = ["ANALYZER_VERSION", "FaceDetector", "FaceEmbedder", "analyze", "failed_facts"]


def failed_facts(path: str, content_hash: str, reason: str) -> ImageFacts:
    return ImageFacts(path=path, content_hash=content_hash, analyzer_version=ANALYZER_VERSION, error=reason)


def analyze(img: LoadedImage, detector: FaceDetector | None, embedder: FaceEmbedder | None = None) -> ImageFacts:
    """All facts of one decoded photo. Faces are only looked for when a detector is given, and described
    for identity only when an embedder is given too."""
    # no grey copy of the whole photo: each measure converts the region it reads (the same pixel values)
    h, w = img.rgb.shape[:2]
    frame = make_frame(img.rgb, DETECT_LONG_SIDE)  # one exact power-of-two downscale, shared
    small = region_at(img.rgb, frame, (0, 0, w, h), min(1.0, 256 / max(h, w)))
    small_gray = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    image_hash, image_hash_mirrored = image_hashes(small_gray)
    basic = dataclasses.replace(
        analyze_basic(img, small), image_hash=image_hash, image_hash_mirrored=image_hash_mirrored
    )
    faces = None
    if detector is not None:
        measured = []
        for raw in detector.detect(img.rgb, frame):
            face = measure_face(raw, img.rgb, img.scale, frame)
            hashes = face_hashes(img.rgb, raw.box, frame)
            if hashes:
                face = dataclasses.replace(face, face_hash=hashes[0], face_hash_mirrored=hashes[1])
            if embedder is not None:
                face = dataclasses.replace(face, embedding=embedder.embed(img.rgb, raw, frame))
            # the expression model reads a large face in the shared frame, a smaller one at decode scale: every
            # face halved first moved its output by up to 0.2 and two corpus faces crossed model-smile-min
            # (rules/docs/EX10's calibration)
            face = dataclasses.replace(
                face,
                emotion=detector.expression.probabilities(img.rgb, raw.box, frame),
                expression_face_api=detector.face_api.probabilities(img.rgb, raw.box, frame),
            )
            measured.append(face)
        faces = tuple(measured)
    # the scene is read around the subject: the largest face (the judge's subject is almost always it)
    subject = max(faces, key=lambda f: f.box[2] * f.box[3]) if faces else None
    k = small.shape[1] * img.scale / w  # full-resolution pixels -> `small` pixels
    subject_box = None if subject is None else tuple(v * k for v in subject.box)
    lighting = analyze_lighting(img, small, subject_box, small_gray)  # type: ignore[arg-type]  # 4 floats
    if detector is not None:
        lighting = dataclasses.replace(lighting, scene_features=detector.scene.features(small))
    return ImageFacts(
        path=img.name,
        content_hash=img.content_hash,
        analyzer_version=ANALYZER_VERSION,
        basic=basic,
        faces=faces,
        lighting=lighting,
        notes=tuple(img.notes),
        identity_measured=faces is not None and embedder is not None,
    )
