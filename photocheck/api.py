"""The library's front door: `check(paths) -> Report` and the `Checker` façade over the four stages.

    measure (photocheck.measure)  ->  set evidence (photocheck.evidence)  ->  judge (photocheck.judge)
    ->  Report, which the presenters in photocheck.reporters only read.

`Checker` holds what is expensive to set up (the pack, the models, the cache) and passes each set through
the stages; it never prints and never exits.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from .checks import REGISTRY
from .discovery import PhotoSet, discover
from .errors import ConfigError
from .evidence.subject import IdentityMatch, Reference, SetIdentity, match_reference, reference_from_facts, resolve
from .judge import judge_facts, judge_report, scoring
from .measure.cache import FactsCache
from .measure.measurer import Measurer, PhotoSource, ProgressCallback
from .model import ImageFacts, ImageResult, Report, SetResult
from .packs import Pack, load_pack

__all__ = ["Checker", "PhotoSource", "ProgressCallback", "check"]


class Checker:
    """Loads the rule pack and (when a selected rule needs them) the face models once; checks many photos.

    `config` is recorded on every set it judges (the config file the pack came from, and what it changes);
    `measure_all` measures faces and identity whatever the pack's rules need (for a facts file).
    `reference` fixes the subject to a known identity (earlier photos of the user, or a saved reference
    file) instead of finding it in the set: the upload-pipeline case. Use as a context manager, or call
    `close()`, to release the models. Not thread-safe: one per thread.
    """

    def __init__(
        self,
        pack: str | Pack = "default",
        *,
        face_model: str | os.PathLike[str] | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        reference: Reference | Sequence[PhotoSource] | str | os.PathLike[str] | None = None,
        cache: FactsCache | str | os.PathLike[str] | bool | None = None,
        jobs: int = 1,
        per_file_ignores: Callable[[str], set[str]] | None = None,
        config: str | None = None,
        measure_all: bool = False,
    ) -> None:
        base = pack if isinstance(pack, Pack) else load_pack(pack)
        self.pack = base.select(select, ignore) if (select or ignore) else base
        self.per_file_ignores = per_file_ignores
        self.config = config  # recorded on every set this Checker judges (SetResult.config)
        needs = set().union(*(REGISTRY[c].requires for c in self.pack.rules)) if self.pack.rules else set()
        # a facts file (`measure_all`) is judged later with any pack: everything is measured, whatever this one needs
        identity = "identity" in needs or reference is not None or measure_all
        self.measurer = Measurer(
            detector=self.pack.detector,
            limits=self.pack.limits,
            faces="faces" in needs or identity,
            identity=identity,
            face_model=face_model,
            cache=cache,
            jobs=jobs,
        )
        self.reference: Reference | None = None
        if reference is not None:
            self.reference = reference if isinstance(reference, Reference) else self.build_reference(reference)

    @property
    def jobs(self) -> int:
        return self.measurer.jobs

    @property
    def cache(self) -> FactsCache | None:
        return self.measurer.cache

    def close(self) -> None:
        self.measurer.close()

    def __enter__(self) -> Checker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------------------------- measure
    def facts(self, source: PhotoSource, name: str | None = None) -> ImageFacts:
        """Measure one photo. Undecodable input gives facts with `error` set (IQ01), never an exception."""
        return self.measurer.facts(source, name)

    def facts_many(self, paths: Sequence[str], progress: ProgressCallback | None = None) -> list[ImageFacts]:
        return self.measurer.facts_many(paths, progress)

    def measure_sets(
        self,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        progress: ProgressCallback | None = None,
        exclude: Sequence[str] = (),
    ) -> list[tuple[PhotoSet, list[ImageFacts]]]:
        """Each set found under `paths` with its photos' facts (one measuring pass over all of them). `exclude`:
        file and folder name patterns to leave out (hidden ones always are)."""
        return self.measure_photo_sets(discover(path_list(paths), exclude), progress)

    def measure_photo_sets(
        self,
        sets: Sequence[PhotoSet],
        progress: ProgressCallback | None = None,
        sources: Mapping[str, PhotoSource] | None = None,
    ) -> list[tuple[PhotoSet, list[ImageFacts]]]:
        """Sets already formed (e.g. from a git index) with their photos' facts. A file named in `sources` is
        measured from that source (bytes, an image) under its name; every other file is read from disk."""
        most = self.pack.limits.max_photos_per_set
        for s in sets:
            if len(s.files) > most:
                raise ConfigError(
                    f"{s.path}: {len(s.files)} photos is over the limit of {most} per set "
                    "([limits] max-photos-per-set): point photocheck at one profile's folder"
                )
        sources = sources or {}
        files = [f for s in sets if s.unreadable is None for f in s.files]
        on_disk = [f for f in files if f not in sources]
        measured = dict(zip(on_disk, self.facts_many(on_disk, progress)))
        measured.update((f, self.facts(sources[f], f)) for f in files if f in sources)
        # a folder that could not be listed is one unreadable entry of its own set: the run goes on
        measured.update((s.path, self.measurer.unreadable(s.path, s.unreadable)) for s in sets if s.unreadable)
        return [(s, [measured[f] for f in s.files]) for s in sets]

    # ------------------------------------------------------------------------------------ identity
    def build_reference(self, sources: Sequence[PhotoSource] | str | os.PathLike[str]) -> Reference:
        """A reference identity from earlier photos (files, folders, bytes, images) or a saved reference file.

        Raises ConfigError when they show no face that can be read, or more than one person.
        """
        if isinstance(sources, (str, os.PathLike)):
            sources = [sources]
        if len(sources) == 1 and isinstance(sources[0], (str, os.PathLike)) and str(sources[0]).endswith(".json"):
            return Reference.load(Path(sources[0]))
        self.measurer.ensure_identity()
        items: list[tuple[PhotoSource, str | None]] = []
        for src in sources:
            if isinstance(src, (str, os.PathLike)):
                items.extend((f, None) for s in discover([str(src)]) for f in s.files)
            else:
                items.append((src, f"<reference {len(items) + 1}>"))
        return reference_from_facts([self.facts(src, name) for src, name in items], self.pack.identity)

    def match(self, source: PhotoSource, reference: Reference | None = None, name: str | None = None) -> IdentityMatch:
        """Is the person in this photo the reference identity? Which face, and how far from it."""
        ref = reference or self.reference
        if ref is None:
            raise ValueError("match() needs a reference: pass one, or create the Checker with reference=...")
        self.measurer.ensure_identity()
        return match_reference(self.facts(source, name), ref, self.pack.identity)

    def resolve_identity(self, facts: Sequence[ImageFacts]) -> SetIdentity:
        return resolve(facts, self.pack.identity, self.reference)

    # ----------------------------------------------------------------------------------------- judge
    def judge_set(self, photo_set: PhotoSet, facts: Sequence[ImageFacts]) -> SetResult:
        """One set's result from its photos' facts: `photocheck.judge_facts` with this Checker's pack, reference,
        per-file ignores and config."""
        return judge_facts(
            photo_set.path, facts, self.pack,
            reference=self.reference, per_file_ignores=self.per_file_ignores, config=self.config,
        )  # fmt: skip

    def report(self, sets: Sequence[SetResult]) -> Report:
        return judge_report(sets, pack_if_empty=self.pack.name)

    def check(
        self,
        paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
        progress: ProgressCallback | None = None,
        exclude: Sequence[str] = (),
    ) -> Report:
        return self.report([self.judge_set(s, facts) for s, facts in self.measure_sets(paths, progress, exclude)])

    def check_photo_sets(
        self,
        sets: Sequence[PhotoSet],
        progress: ProgressCallback | None = None,
        sources: Mapping[str, PhotoSource] | None = None,
    ) -> Report:
        """`check` for sets already formed; `sources` as in `measure_photo_sets`."""
        measured = self.measure_photo_sets(sets, progress, sources)
        return self.report([self.judge_set(s, facts) for s, facts in measured])

    def check_image(self, source: PhotoSource, name: str | None = None) -> ImageResult:
        """Check one photo on its own (the upload-pipeline case): image rules, plus ID01 against the
        Checker's reference when it has one. Set findings about this photo are folded into its findings."""
        facts = self.facts(source, name)
        result = self.judge_set(PhotoSet("", (facts.path,)), [facts])
        image = result.images[0]
        extra = [f for f in result.findings if image.path in f.paths]
        if not extra:
            return image
        findings = tuple(sorted(image.findings + tuple(extra), key=lambda f: (f.code, f.message)))
        score = scoring.photo_score(findings, self.pack.scoring, image.action)
        return dataclasses.replace(image, findings=findings, score=score)


def path_list(paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    """The paths to check: one path (a str or a PathLike: never its characters one by one) or a sequence of
    them. Anything else (None, a number, bytes) is a TypeError that says what to give."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    if isinstance(paths, (bytes, bytearray)) or not isinstance(paths, Sequence):
        raise TypeError(f"paths: give a path or a list of paths (str or os.PathLike), not {type(paths).__name__}")
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise TypeError(f"paths: each path is a str or an os.PathLike, not {type(p).__name__} ({p!r})")
    return [os.fspath(p) for p in paths]


def check(
    paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    pack: str | Pack = "default",
    face_model: str | os.PathLike[str] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    reference: Reference | Sequence[PhotoSource] | str | os.PathLike[str] | None = None,
    progress: ProgressCallback | None = None,
) -> Report:
    """Check photo folders/files (one path or a list) and return the report. Raises ConfigError / ModelError
    (bad setup) and TypeError (`paths` not a path or a list of paths, e.g. None); a bad photo is a result."""
    chosen = path_list(paths)  # a wrong argument is said before any model loads
    with Checker(pack, face_model=face_model, select=select, ignore=ignore, reference=reference) as checker:
        return checker.check(chosen, progress=progress)
