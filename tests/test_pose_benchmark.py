"""Head pose on AFLW2000-3D (../shared/pose, 1010 photos with ground-truth angles) with the real detector.

The levels asserted are those measured (bench/pose_benchmark.py prints the same numbers), each at or above the
issue's target: yaw MAE <= 4.0° overall and <= 6° at 60–99°, side right >= 98 % of turns >= 20°, >= 90 % of
|yaw| >= 60° read as profile, >= 95 % of |yaw| < 10° read as frontal, a face found on >= 99 %.
"""

from __future__ import annotations

import sys

import pytest

from tests.conftest import ROOT, pose_dir, pose_labels

sys.path.insert(0, str(ROOT / "bench"))
import pose_benchmark  # noqa: E402


@pytest.fixture(scope="module")
def measured():
    from photocheck.measure.analyzers.faces import FaceDetector

    rows = pose_labels()
    detector = FaceDetector()
    try:
        return pose_benchmark.measure(pose_dir(), rows, detector)
    finally:
        detector.close()


@pytest.fixture(scope="module")
def scores(measured):
    res = pose_benchmark.score(measured)
    pose_benchmark.print_report(res)
    return res


def test_a_face_is_found_on_almost_every_photo(scores):
    # measured 99.6 %: the misses are dark full profiles
    assert scores["face_found"] >= 0.99


def test_yaw_error_by_range(scores):
    # measured: 3.28° overall; 2.60 / 4.79 / 4.50 at 0-30 / 30-60 / 60-99 (landmarker alone: 4.44; 14.7 at 60-99)
    assert scores["yaw_mae"] <= 3.5
    assert scores["yaw_mae_0_30"] <= 2.8
    assert scores["yaw_mae_30_60"] <= 5.2
    assert scores["yaw_mae_60_99"] <= 5.0


def test_pitch_and_roll_in_the_benchmark_convention(scores):
    # measured 5.64° / 3.67°; with MediaPipe's own signs pitch and roll errors were 20° / 22°
    assert scores["pitch_mae"] <= 6.0
    assert scores["roll_mae"] <= 4.0


def test_side_profile_and_frontal_reads(scores):
    # measured: side 99.8 %, profile 97.3 %, frontal 98.0 %
    assert scores["side_right"] >= 0.99
    assert scores["profile_read"] >= 0.95
    assert scores["frontal_read"] >= 0.96


def test_yaw_sign_on_photos_of_known_side(measured):
    """yaw > 0 = subject turned to their own left (the dataset's own yaw sign is the opposite)."""
    by = {m["row"]["path"]: m["face"] for m in measured}
    # image00004: ground truth -68° (turned to their own right); image02369: +63° (to their own left)
    assert by["image00004.jpg"].yaw < -50
    assert by["image02369.jpg"].yaw > 50


def test_tilt_is_measurable_below_tilt_max_yaw_and_not_beyond(measured):
    """[classify.pose] tilt-max-yaw (65°): below it no upright head (true |pitch| and |roll| under 15°) reads a
    tilt over PO01's 30°; from 75° of estimated yaw on, roll and pitch trade places and many do (measured 7 of 14),
    which is why PO01 judges no tilt there."""
    from photocheck.evidence.labels import PoseOptions

    limit = PoseOptions().tilt_max_yaw
    below = beyond = flagged_beyond = 0
    for m in measured:
        face = m["face"]
        if face is None or face.yaw is None:
            continue
        upright = abs(float(m["row"]["pitch"])) < 15 and abs(float(m["row"]["roll"])) < 15
        if not upright:
            continue
        tilted = abs(face.pitch) > 30 or abs(face.roll) > 30
        if abs(face.yaw) < limit:
            below += 1
            assert not tilted, (m["row"]["path"], face.yaw, face.pitch, face.roll)
        elif abs(face.yaw) >= 75:
            beyond += 1
            flagged_beyond += tilted
    assert below >= 400 and beyond >= 10 and flagged_beyond >= beyond // 4
