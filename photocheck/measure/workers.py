"""Measuring photos in the calling process and in worker processes: each loads the models once and analyses
whole photos.

Processes, not threads: the analyzers hold the GIL for much of their work, and MediaPipe's graph is not
safe to share. Workers are spawned (not forked) so no model state is copied half-initialised. Results come
back as they finish and are put in place by index, so the report does not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable
from typing import Any, Protocol

from ..errors import ModelError
from ..model import ImageFacts
from .analyzers import failed_facts
from .cache import FactsCache
from .options import _EXTENSION_FORMATS


class ParallelMeasurer(Protocol):
    """What `parallel_facts` needs of the measurer that calls it (the Measurer; this module never imports it, so
    the two do not import each other)."""

    @property
    def jobs(self) -> int: ...

    @property
    def cache(self) -> FactsCache | None: ...

    def facts(self, source: Any, name: str | None = None) -> ImageFacts: ...

    def worker_recipe(self) -> tuple[Callable[..., Any], dict[str, Any]]:
        """How a worker process makes its own measurer: a picklable factory (a class) and its keyword arguments."""
        ...


# below this much work (in 12 MP JPEG photos) the calling process measures everything: a spawned worker is ready
# ~0.4 s after it is started and takes ~0.25 s more over its first photo (imports, then the models), time in
# which the calling process, already warm, measures 8-10 JPEGs itself
MIN_PHOTOS_FOR_WORKERS = 12
# a HEIC or AVIF photo counts as this many: libheif's decode alone takes ~0.9 s of a 12 MP HEIC (a JPEG's whole
# check ~0.07 s), so two of them already pay for a worker
_HEAVY_SUFFIXES = frozenset(s for s, formats in _EXTENSION_FORMATS.items() if formats & {"HEIF", "AVIF"})
HEAVY_PHOTO_WEIGHT = 10

_worker: Any = None  # the Measurer of this worker process


def _start_worker(make: Callable[..., Any], kwargs: dict[str, Any]) -> None:
    """A worker's initializer: its own measurer, made as the calling process's recipe says."""
    global _worker
    from .allocator import keep_freed_buffers

    keep_freed_buffers()
    _worker = make(**kwargs)


def worker_count(paths: Sequence[str], jobs: int, cores: int) -> int:
    """How many worker processes to spawn beside the calling process (0: it measures everything itself)."""
    work = sum(HEAVY_PHOTO_WEIGHT if os.path.splitext(p)[1].lower() in _HEAVY_SUFFIXES else 1 for p in paths)
    if work < MIN_PHOTOS_FOR_WORKERS:
        return 0
    return max(0, min(jobs, len(paths), cores) - 1)


def _ready() -> bool:
    """Returns once a worker has started (its initializer has run)."""
    return True


def _measure(path: str) -> ImageFacts:
    return _worker.facts(path)


def parallel_facts(
    measurer: ParallelMeasurer, paths: Sequence[str], indices: Sequence[int]
) -> Iterator[tuple[int, ImageFacts]]:
    """(index, facts) for each path, in completion order. The calling process measures photos too, from the
    front of the list, while `jobs - 1` spawned workers start and then take photos from the back, two each at a
    time (one at work, one queued: a worker never waits to be handed its next), until the two ends meet. The
    calling process never waits for a worker to start, and a worker that cannot start or crashes leaves the
    rest to it. Facts measured by the workers are stored in the measurer's cache here (workers keep none)."""
    workers = worker_count(paths, measurer.jobs, os.cpu_count() or 1)
    if workers < 1:
        for i, path in zip(indices, paths):
            yield i, measurer.facts(path)
        return
    context = multiprocessing.get_context("spawn")
    init = measurer.worker_recipe()
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=init  # type: ignore[arg-type]
    )
    front, back = 0, len(paths)  # this process measures paths[front], the workers paths[back - 1]
    at_work: dict[Future[Any], int] = {}
    # one call per worker spawns them all now; photos are handed out once the first has started
    pings = [pool.submit(_ready) for _ in range(workers)]
    started, usable = False, True
    try:
        while front < back or at_work:
            for future in [f for f in at_work if f.done()]:
                k = at_work.pop(future)
                facts, usable = _worker_result(future, paths[k], usable)
                if measurer.cache is not None:
                    measurer.cache.put(facts)
                yield indices[k], facts
            if not started and any(p.done() for p in pings):
                started = True
                usable = not any(p.done() and p.exception() is not None for p in pings)
            while usable and started and len(at_work) < 2 * workers and front < back:
                back -= 1
                try:
                    at_work[pool.submit(_measure, paths[back])] = back
                except BrokenProcessPool:
                    back += 1  # not taken: this process measures it
                    usable = False
            if front < back:
                yield indices[front], measurer.facts(paths[front])
                front += 1
            elif at_work:
                wait(at_work, return_when=FIRST_COMPLETED)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _worker_result(future: Future[Any], path: str, usable: bool) -> tuple[ImageFacts, bool]:
    """A worker's facts for `path`, or facts saying why there are none; and whether the workers are still
    usable (a crashed worker breaks the pool: the rest is then measured by the calling process)."""
    try:
        return future.result(), usable
    except ModelError:
        raise  # setup, not this photo: the run stops (exit 2)
    except BrokenProcessPool:
        return failed_facts(path, "", "analysis failed (a worker process crashed on this or another photo)"), False
    except Exception as e:  # noqa: BLE001 - one photo's failure never ends the run
        return failed_facts(path, "", f"analysis failed ({type(e).__name__}: {e})"), usable
