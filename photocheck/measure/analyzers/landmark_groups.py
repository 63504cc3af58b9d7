"""Groups of MediaPipe Face Mesh landmark indices that several face measures read. "Left"/"right" are the
subject's own sides."""

from __future__ import annotations

RIGHT_CHEEK = (50, 123, 187)
LEFT_CHEEK = (280, 352, 411)
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152,
    148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
