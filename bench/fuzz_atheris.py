"""Coverage-guided fuzzing of the photo loader with atheris (libFuzzer), seeded with the demo photos.

    .venv/bin/pip install atheris
    .venv/bin/python bench/fuzz_atheris.py -runs=20000        # libFuzzer flags pass through
    .venv/bin/python bench/fuzz_atheris.py --analyzers -runs=500   # loader and every analyzer (slower)

The property: any bytes end as a decoded image or as ImageLoadError with a reason (with --analyzers: as
facts, at worst with an error reason). Anything else raised is a bug and stops the fuzzer with the input
saved as crash-*.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from photocheck import Checker
    from photocheck.errors import ImageLoadError
    from photocheck.measure.imageio import LoadLimits, decode_bytes

ANALYZERS = "--analyzers" in sys.argv
if ANALYZERS:
    sys.argv.remove("--analyzers")
LIMITS = LoadLimits(max_pixels=20_000_000)
CHECKER = Checker(select=["IQ", "FC"]) if ANALYZERS else None


def one_input(data: bytes) -> None:
    if CHECKER is not None:
        facts = CHECKER.facts(data, name="fuzz")
        assert facts.error is not None or facts.basic is not None
        return
    try:
        img = decode_bytes(data, "fuzz", LIMITS)
    except ImageLoadError as e:
        assert e.reason
        return
    assert img.rgb.ndim == 3 and img.rgb.shape[2] == 3


def main() -> None:
    corpus = Path(__file__).resolve().parent / ".fuzz-corpus"
    corpus.mkdir(exist_ok=True)
    demo = Path(__file__).resolve().parent.parent / "photocheck" / "demo"
    for photo in demo.iterdir():
        target = corpus / photo.name
        if not target.exists():
            target.write_bytes(photo.read_bytes())
    atheris.Setup([sys.argv[0], str(corpus), *sys.argv[1:]], one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
