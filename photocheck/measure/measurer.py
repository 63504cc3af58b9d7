"""The measure stage: photos in, `ImageFacts` out. Owns the models, the facts cache and the worker processes.

Knows nothing of rules: what it measures is decided by which analyzers the caller asks for (`faces`,
`identity`), and by the pack's detector settings and load limits.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from PIL import Image

from ..errors import CheckerClosedError, ImageLoadError, ModelError
from ..model import ImageFacts
from .analyzers import ANALYZER_VERSION, FaceDetector, FaceEmbedder, analyze, failed_facts
from .analyzers.colour import LAB_TABLES
from .background import finish_background_work
from .cache import FactsCache, default_cache_dir
from .imageio import LoadedImage, decode_bytes, from_array, from_pil, load_path, read_file
from .options import DetectorOptions, LoadLimits
from .timeouts import PhotoTimeout, time_limit
from .workers import parallel_facts

PhotoSource = str | os.PathLike[str] | bytes | Image.Image | np.ndarray
ProgressCallback = Callable[[int, int, str], None]


class Measurer:
    """Measures photos with the analyzers asked for; models are loaded once. A missing or damaged model is a
    ModelError: the landmarker's here, the shipped networks' (read and hash-checked on other threads meanwhile)
    before the first photo is analysed or any facts are returned."""

    def __init__(
        self,
        *,
        detector: DetectorOptions,
        limits: LoadLimits,
        faces: bool,
        identity: bool,
        face_model: str | os.PathLike[str] | None = None,
        cache: FactsCache | str | os.PathLike[str] | bool | None = None,
        jobs: int = 1,
    ) -> None:
        self.detector_options = detector
        self.limits = limits
        self.face_model = face_model
        self.jobs = max(1, jobs)
        self._closed = False
        self._prepared = False
        self._models_verified = False
        self._detector: FaceDetector | None = None
        self._embedder: FaceEmbedder | None = None
        if faces or identity:
            self._detector = FaceDetector(face_model, detector)
        if identity:
            self._embedder = FaceEmbedder()
        self.cache: FactsCache | None = None
        if cache is not None and cache is not False:
            directory = default_cache_dir() if cache is True else cache
            self.cache = directory if isinstance(directory, FactsCache) else FactsCache(directory, self._cache_salt())

    @property
    def measures_faces(self) -> bool:
        return self._detector is not None

    @property
    def measures_identity(self) -> bool:
        return self._embedder is not None

    def ensure_identity(self) -> None:
        """Add the descriptor (and the face detector it needs) after start-up, e.g. to build a reference."""
        self._check_open()
        if self._embedder is not None:
            return
        self._embedder = FaceEmbedder()
        self._models_verified = False
        if self._detector is None:
            self._detector = FaceDetector(self.face_model, self.detector_options)
        if self.cache is not None:  # cached facts without descriptors no longer match
            self.cache = FactsCache(self.cache.directory, self._cache_salt())

    def _cache_salt(self) -> dict[str, object]:
        """Everything that changes a measurement (not a rule threshold): cached facts must match all of it."""
        return {
            "analyzer": ANALYZER_VERSION,
            "model": self._detector.model_sha256 if self._detector is not None else None,
            "identity": self._embedder is not None,
            "detector": dataclasses.asdict(self.detector_options),
            # only the limits that change what is measured (not how long a run may take)
            "limits": {
                k: getattr(self.limits, k)
                for k in (
                    "max_pixels", "max_file_bytes", "draft_min_long_side", "reduce_min_short_side",
                    "max_jpeg_padding_bytes",
                )  # fmt: skip
            },
        }

    def close(self) -> None:
        """Release the models, once the work begun ahead for them has ended (a model file's read, a network's
        build, MediaPipe's import: a thread left inside native code would abort the process at exit)."""
        finish_background_work()
        if self._detector is not None:
            self._detector.close()
        self._closed = True

    def _check_open(self) -> None:
        if self._closed:
            # measuring on without the models would silently skip every face rule
            raise CheckerClosedError("this photocheck Checker is closed (its models are released): create a new one")

    # ------------------------------------------------------------------------------------- one photo
    def facts(self, source: PhotoSource, name: str | None = None) -> ImageFacts:
        """Measure one photo. Undecodable input gives facts with `error` set (IQ01), never an exception."""
        self._check_open()
        label = name or (str(source) if isinstance(source, (str, os.PathLike)) else "<upload>")
        if self.cache is not None and isinstance(source, (str, os.PathLike, bytes, bytearray, memoryview)):
            facts = self._cached_facts(source, label)
        else:
            self._prepare_once()
            try:
                facts = self._analyze(self._load(source, label))
            except ImageLoadError as e:
                facts = failed_facts(label, "", e.reason)
        self._verify_models()  # a cache hit or an undecodable file too: a damaged model stops the run
        return facts

    def unreadable(self, path: str, reason: str) -> ImageFacts:
        """Facts of something that could not be read at all (a set folder that cannot be listed): IQ01."""
        return failed_facts(path, "", reason)

    def _verify_models(self) -> None:
        """Wait (once) for the shipped networks' files to be read and hash-checked; raise their ModelError."""
        if self._models_verified:
            return
        for analyzer in (self._detector, self._embedder):
            if analyzer is not None:
                for net in analyzer.models():
                    net.verify()
        self._models_verified = True

    def _cached_facts(self, source: str | os.PathLike[str] | bytes | bytearray | memoryview, label: str) -> ImageFacts:
        try:
            data, digest, hit = self.read_and_look_up(source, label)
        except ImageLoadError as e:
            return failed_facts(label, "", e.reason)
        return hit if hit is not None else self._measure_bytes(data, digest, label)

    def read_and_look_up(
        self, source: str | os.PathLike[str] | bytes | bytearray | memoryview, label: str
    ) -> tuple[bytes, str, ImageFacts | None]:
        """The photo's bytes (read once), their hash, and the cached facts for them if any."""
        assert self.cache is not None
        data = read_file(source, self.limits) if isinstance(source, (str, os.PathLike)) else bytes(source)
        digest = hashlib.sha256(data).hexdigest()
        return data, digest, self.cache.get(digest, label)

    def _measure_bytes(self, data: bytes, digest: str, label: str) -> ImageFacts:
        """Decode and analyse bytes already read and hashed; store the facts in the cache."""
        self._prepare_once()
        try:
            img = decode_bytes(data, label, self.limits, digest=digest)
        except ImageLoadError as e:
            return failed_facts(label, "", e.reason)
        facts = self._analyze(img)
        if self.cache is not None:
            self.cache.put(facts)
        return facts

    def _prepare_once(self) -> None:
        """Before the first photo is decoded: the networks and OpenCV's Lab tables build meanwhile, on other
        threads (the run pays for them only once it has a photo to measure)."""
        if self._prepared:
            return
        self._prepared = True
        LAB_TABLES.build_ahead()
        for analyzer in (self._detector, self._embedder):
            if analyzer is not None:
                analyzer.prepare()

    def _analyze(self, img: LoadedImage) -> ImageFacts:
        self._verify_models()  # after the decode, which the files' reading and hashing overlapped
        label = img.name
        limit = self.limits.max_seconds_per_photo
        try:
            with time_limit(limit):
                return analyze(img, self._detector, self._embedder)
        except PhotoTimeout:
            return failed_facts(label, img.content_hash, f"analysis took longer than {limit:g} s and was stopped")
        except ModelError:
            raise  # a setup problem, not this photo's: the run stops with exit 2
        except MemoryError:
            return failed_facts(label, img.content_hash, "not enough memory to analyse this image")
        except Exception as e:  # an analyzer bug on one strange photo must not end the run
            return failed_facts(label, img.content_hash, f"analysis failed ({type(e).__name__}: {e})")

    def _load(self, source: PhotoSource, label: str) -> LoadedImage:
        if isinstance(source, (str, os.PathLike)):
            img = load_path(source, self.limits)
            img.name = label
            return img
        if isinstance(source, (bytes, bytearray, memoryview)):
            return decode_bytes(bytes(source), label, self.limits)
        if isinstance(source, Image.Image):
            return from_pil(source, label, self.limits)
        if isinstance(source, np.ndarray):
            return from_array(source, label, self.limits)
        raise TypeError(f"cannot check a {type(source).__name__}: give a path, bytes, a PIL image or a numpy array")

    # ------------------------------------------------------------------------------------ many photos
    def worker_recipe(self) -> tuple[type[Measurer], dict[str, Any]]:
        """How a worker process makes its measurer: the same analyzers as this one, and no cache (this process
        stores what the workers measure)."""
        return Measurer, {
            "detector": self.detector_options, "limits": self.limits, "face_model": self.face_model,
            "faces": self.measures_faces, "identity": self.measures_identity,
        }  # fmt: skip

    def facts_many(self, paths: Sequence[str], progress: ProgressCallback | None = None) -> list[ImageFacts]:
        """Facts of many photo files, in the given order: cache hits here, the rest in `jobs` worker
        processes (models loaded once per worker). The result does not depend on `jobs`."""
        self._check_open()
        total = len(paths)
        out: list[ImageFacts | None] = [None] * total
        done = 0

        def finished(i: int, facts: ImageFacts) -> None:
            nonlocal done
            out[i] = facts
            done += 1
            if progress:
                progress(done, total, paths[i])

        if self.jobs == 1:
            # one pass, one read per photo: facts() looks in the cache and measures what is not there
            for i, path in enumerate(paths):
                finished(i, self.facts(path))
            return [f for f in out if f is not None]
        todo = []
        for i, path in enumerate(paths):
            hit = None
            if self.cache is not None:
                try:
                    hit = self.read_and_look_up(path, path)[2]
                except ImageLoadError:
                    pass  # facts() reports why
            if hit is not None:
                finished(i, hit)
            else:
                todo.append(i)
        # the misses go to the workers, which read them again: bytes are not shipped between processes
        for i, facts in parallel_facts(self, [paths[i] for i in todo], todo):
            finished(i, facts)
        self._verify_models()
        return [f for f in out if f is not None]
