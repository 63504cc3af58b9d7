"""Keeping freed photo-sized buffers in the process instead of handing them back to the kernel.

glibc returns a freed block of more than a few MB to the kernel (or maps it anew for the next request), so every
photo's decode, rotation and grey copies start on fresh pages: an 8 MP photo analysed at full scale took ~3,900
page faults and ~10 ms of kernel time per photo, 13 % of its whole check (bench/speed.py's 8 MP set). With the two
thresholds raised, each photo reuses the memory the photo before it freed (8 MP photos: 1.19-1.31 -> 1.16-1.20 s
for the CLI on 8 of them); the peak stays within its run-to-run spread (343-448 MB without, 378-434 MB with, three
alternated runs on 8 photos at 8 and at 12 MP). Only processes photocheck owns (the CLI, the hook and the
workers) do this: a library caller's allocator is its own business (it can set MALLOC_MMAP_THRESHOLD_ and
MALLOC_TRIM_THRESHOLD_).
"""

from __future__ import annotations

import ctypes
import sys

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
# blocks below this come from the heap: the largest buffers of photos analysed at full scale (a 9.7 MP
# photo's RGB, 29 MB); only a giant non-JPEG file's whole decode is mapped on its own
MMAP_THRESHOLD = 64 * 2**20
# free memory at the top of the heap beyond this goes back to the kernel
TRIM_THRESHOLD = 128 * 2**20

_done = False


def keep_freed_buffers() -> bool:
    """Raise glibc's mmap and trim thresholds for this process, once. False where the C library is not glibc
    (musl, macOS, Windows): those allocators keep their own behaviour."""
    global _done
    if _done:
        return True
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)  # the symbols already loaded: no library search at start-up
        libc.gnu_get_libc_version  # glibc's own: its mallopt takes these parameters
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # setting the trim threshold alone turns glibc's adaptive mmap threshold off and maps every large block
    # (measured: 4x the faults): both are set, the mmap threshold first
    _done = mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return _done
