"""Measuring photos in worker processes: each worker loads the models once and analyses whole photos.

Processes, not threads: the analyzers hold the GIL for much of their work, and MediaPipe's graph is not
safe to share. Workers are spawned (not forked) so no model state is copied half-initialised. Results come
back as they finish and are put in place by index, so the report does not depend on the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from ..errors import ModelError
from ..model import ImageFacts
from .analyzers import failed_facts

if TYPE_CHECKING:
    from .measurer import Measurer

# below this many photos to measure, spawning workers (~1.5 s each to load the models) costs more than it saves
MIN_PHOTOS_FOR_WORKERS = 12

_worker: Any = None  # the Measurer of this worker process


def _start_worker(detector: Any, limits: Any, face_model: str | None, faces: bool, identity: bool) -> None:
    global _worker
    from .measurer import Measurer

    # the same analyzers as the parent; no cache (the parent stores what the workers measure)
    _worker = Measurer(detector=detector, limits=limits, faces=faces, identity=identity, face_model=face_model)


def _measure(path: str) -> ImageFacts:
    return _worker.facts(path)


def parallel_facts(
    measurer: Measurer, paths: Sequence[str], indices: Sequence[int]
) -> Iterator[tuple[int, ImageFacts]]:
    """(index, facts) for each path, in completion order; falls back to the calling process for few photos.
    Facts measured by the workers are stored in the measurer's cache here (workers keep no cache)."""
    if len(paths) < MIN_PHOTOS_FOR_WORKERS:
        for i, path in zip(indices, paths):
            yield i, measurer.facts(path)
        return
    workers = min(measurer.jobs, len(paths), os.cpu_count() or 1)
    context = multiprocessing.get_context("spawn")
    init = (
        measurer.detector_options, measurer.limits, measurer.face_model,
        measurer.measures_faces, measurer.measures_identity,
    )  # fmt: skip
    pool = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_start_worker, initargs=init  # type: ignore[arg-type]
    )
    try:
        futures = {pool.submit(_measure, path): (i, path) for i, path in zip(indices, paths)}
        for future in as_completed(futures):
            i, path = futures[future]
            try:
                facts = future.result()
            except ModelError:
                raise  # setup, not this photo: the run stops (exit 2)
            except BrokenProcessPool:
                yield i, failed_facts(path, "", "analysis failed (a worker process crashed on this or another photo)")
            except Exception as e:  # noqa: BLE001 - one photo's failure never ends the run
                yield i, failed_facts(path, "", f"analysis failed ({type(e).__name__}: {e})")
            else:
                if measurer.cache is not None:
                    measurer.cache.put(facts)
                yield i, facts
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
