"""Reading a file that someone else made (a photo, a config or pack file found in a scanned folder) without
letting it block, loop or take over memory: only regular files, opened non-blocking, checked on the open
descriptor (so a file swapped for a FIFO between listing and opening is caught), and read up to a size cap.

Light on purpose (no image library): the configuration layer uses it too.
"""

from __future__ import annotations

import os
import stat

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)


class NotARegularFile(OSError):
    """The path is a folder, FIFO, device or socket: reading it could block forever or never end."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


class FileTooLarge(OSError):
    """The file is over the size cap (found before reading it, or while reading a file that grew)."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes, over the limit of {limit}")
        self.size = size
        self.limit = limit


def file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_regular_file(path: str | os.PathLike[str] | bytes, max_bytes: int) -> bytes:
    """The file's bytes. Raises NotARegularFile, FileTooLarge or the OSError of the open/read (not found,
    permission denied, a symlink loop, ...); never blocks on a FIFO or reads a device."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except IsADirectoryError:  # where a folder cannot even be opened (Windows): the same answer as fstat's
        raise NotARegularFile("a directory") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotARegularFile(file_kind(st.st_mode))
        if st.st_size > max_bytes:
            raise FileTooLarge(st.st_size, max_bytes)
        chunks: list[bytes] = []
        got = 0
        # one read of the whole file as fstat sizes it (no copy joining chunks: 25 ms for a 22 MB model),
        # then on until end of file in case it grew, or fstat said 0 (as /proc files do)
        want = st.st_size + 1
        while True:
            chunk = os.read(fd, min(max(want, 1 << 16), max_bytes + 1 - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
            want = 1 << 20
            if got > max_bytes:  # the file grew while being read
                raise FileTooLarge(got, max_bytes)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)
    finally:
        os.close(fd)
