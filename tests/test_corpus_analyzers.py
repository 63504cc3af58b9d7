"""Real analyzers on the real labelled corpus: faces found, pose and expression agree with the labels."""

from __future__ import annotations

from collections import Counter

import numpy as np

from photocheck.evidence import labels as classify
from photocheck.evidence.subject import prominent_face as pick_subject


def test_corpus_is_decoded_except_the_truncated_file(corpus_facts):
    errors = {row["path"]: f.error for row, f in corpus_facts if f.error}
    assert list(errors) == ["no_face/compreface_truncated.jpg"]
    assert "truncated" in errors["no_face/compreface_truncated.jpg"]


def test_face_found_where_the_label_says_one_is_visible(corpus_facts):
    with_face = [(row, f) for row, f in corpus_facts if not f.error and int(row["faces_in_image"]) > 0]
    missed = [row["path"] for row, f in with_face if not f.faces]
    recall = 1 - len(missed) / len(with_face)
    print(f"\nface detection recall {len(with_face) - len(missed)}/{len(with_face)} = {recall:.1%}; missed {missed}")
    # measured: none missed; the dark, fully side-on AFLW2000 profile (yaw 71°) the landmarker and the cascade
    # missed is found by FaceBoxes
    assert not missed, missed


def test_no_face_on_the_landscape(corpus_facts):
    (facts,) = [f for row, f in corpus_facts if row["path"] == "no_face/compreface_017_0.jpg"]
    assert facts.faces == ()


def test_group_photos_find_several_faces(corpus_facts):
    groups = [(row, f) for row, f in corpus_facts if int(row["faces_in_image"]) >= 2 and not f.error]
    found_all_but_partial = sum(1 for row, f in groups if len(f.faces) >= 2)
    print(f"\ngroup photos with >= 2 faces found: {found_all_but_partial}/{len(groups)}")
    # labels count partial background heads; the tiled pass must find several faces in most group shots
    assert found_all_but_partial >= len(groups) // 2


def _subject(facts):
    i = pick_subject(facts.faces)
    return None if i is None else facts.faces[i]


def test_pose_bucket_agrees_with_labels(corpus_facts, checker):
    opts = checker.pack.classify.pose
    agree = total = side_agree = side_total = 0
    for row, f in corpus_facts:
        label = row["yaw_bucket"].replace("_", "-")
        face = _subject(f) if not f.error else None
        if label == "unknown" or face is None:
            continue
        bucket = classify.pose_bucket(face, opts) or "none"
        # the corpus labels 15-60° as slight: our three-quarter bucket (35-55°) falls inside it
        bucket = bucket.replace("three-quarter", "slight")
        total += 1
        agree += bucket == label
        if label != "frontal" and bucket not in ("frontal", "none"):
            # side of the turn, where both label and reading say the head is turned
            side_total += 1
            side_agree += bucket.split("-")[-1] == label.split("-")[-1]
    print(f"\npose bucket agreement {agree}/{total} = {agree / total:.1%}; turned-face side {side_agree}/{side_total}")
    assert agree / total >= 0.91  # measured 137/149 (133/148 with the landmarker alone)
    assert side_agree / side_total >= 0.85


def test_profiles_are_found_as_profiles(corpus_facts, checker):
    opts = checker.pack.classify.pose
    profiles = [(row, f) for row, f in corpus_facts if row["yaw_bucket"].startswith("profile")]
    as_profile = sum(
        1 for row, f in profiles if (s := _subject(f)) and (classify.pose_bucket(s, opts) or "").startswith("profile")
    )
    print(f"\nprofile views read as profile: {as_profile}/{len(profiles)}")
    assert as_profile == len(profiles)  # measured 17/17 (14/17 before the pose network)


def _auc(scores_pos: list[float], scores_neg: list[float]) -> float:
    pairs = [(p > n) + 0.5 * (p == n) for p in scores_pos for n in scores_neg]
    return sum(pairs) / len(pairs)


def test_the_face_api_network_separates_the_labelled_expressions(corpus_facts):
    """face-api.js's probabilities on the corpus's single-face photos, one expression against the rest: the signal
    the expression head is built on (measured AUC: happy for smiles, sad + angry for frowns, surprised for
    surprises, neutral for neutral faces)."""
    faces = [(row["expression"], _subject(f).expression_face_api) for row, f in corpus_facts
             if not f.error and row["faces_in_image"] == "1" and _subject(f) is not None
             and _subject(f).expression_face_api is not None and row["expression"] != "unknown"]  # fmt: skip
    assert len(faces) >= 120

    def auc(label: str, score) -> float:
        return _auc([score(p) for e, p in faces if e == label], [score(p) for e, p in faces if e != label])

    aucs = {
        "smile": auc("smile", lambda p: p["happy"]),
        "frown": auc("frown", lambda p: p["sad"] + p["angry"]),
        "surprise": auc("surprise", lambda p: p["surprised"]),
        "neutral": auc("neutral", lambda p: p["neutral"]),
    }
    print("\nface-api.js one-vs-rest AUC:", {k: round(v, 3) for k, v in aucs.items()})
    assert aucs["smile"] >= 0.9 and aucs["frown"] >= 0.85 and aucs["surprise"] >= 0.8 and aucs["neutral"] >= 0.8


def test_pose_angles_have_the_spec_sign(corpus_facts):
    """yaw > 0 = subject turned to their own left (AFLW2000 labels, our convention)."""
    by_path = {row["path"]: f for row, f in corpus_facts}
    left = _subject(by_path["aflw2000_02810/2dasl_image02810.jpg"])
    right = _subject(by_path["aflw2000_02713/2dasl_image02713.jpg"])
    assert left.yaw > 55 and right.yaw < -55


def test_side_light_is_read_on_the_subjects_own_side(corpus_facts, checker):
    """Yale 'leftlight' has the lamp on the image's left: the subject's right cheek is lit. Of the six Yale
    side-lit photos, five read as side light on the right side (the sixth reads 1.99 stops against 2.0)."""
    opts = checker.pack.classify.lighting
    sides = Counter()
    for row, f in corpus_facts:
        if row["path"].startswith("yale_") and row["path"].endswith(("leftlight.png", "rightlight.png")):
            direction = classify.lighting(f.lighting, opts, _subject(f))["direction"]
            sides[direction == ("right" if row["path"].endswith("leftlight.png") else "left")] += 1
            assert direction != ("left" if row["path"].endswith("leftlight.png") else "right"), row["path"]
    assert sides[True] >= 5, sides


def test_exif_light_value_and_flash_are_read_and_decide_the_setting(corpus_facts, checker):
    """The corpus photos that carry EXIF exposure: the scene light value is computed and is the evidence the
    setting is decided on. A light value at room level (<= 8.5) is indoor, and those are right; the two studio
    portraits lit by strobes (LV 13-14, no flash tag) read as outdoor: the known limit of EXIF alone."""
    from photocheck.evidence.labels import lighting

    opts = checker.pack.classify.lighting
    with_exif = [(row, f) for row, f in corpus_facts if f.lighting and f.lighting.exif_light_value is not None]
    assert len(with_exif) >= 5
    decided = {row["path"]: lighting(f.lighting, opts, f.faces[0] if f.faces else None) for row, f in with_exif}
    by_exif = {p: lab for p, lab in decided.items() if lab["evidence"] == "exif"}
    assert len(by_exif) >= 5
    for row, f in with_exif:
        lab = decided[row["path"]]
        if f.lighting.exif_light_value <= opts.indoor_max_light_value:
            assert lab["setting"] == "indoor" and row["lighting"].startswith("indoor"), row["path"]
    assert all(f.lighting.flash_fired is not None for _, f in with_exif)  # the flash tag is read too
    # the sunny plaza at LV 12.64 (hazy sun or bright cloud by the light value alone): EXIF says outdoors, and
    # sun or shade stays unknown (the picture's statistics do not decide it: LI10's doc)
    plaza = decided["human_vlado/human_person-vlado5.jpg"]
    assert (plaza["setting"], plaza["evidence"], plaza["light"]) == ("outdoor", "exif", "unknown")


def test_the_expression_model_reads_a_large_face_in_the_shared_frame_as_at_decode_scale(corpus_facts):
    """A face whose crop is FRAME_MIN_CROP px or more in the detector frame is read there (a quarter of the pixels
    to resize). On each photo enlarged to a 4000 px long side, as a phone's 12 MP face photo is at full scale, the
    seven probabilities from the frame stay within 0.05 of the decode-scale ones, with the same top class."""
    import cv2
    from PIL import Image

    from photocheck.measure.analyzers.expression_model import FRAME_MIN_CROP, ExpressionNet
    from photocheck.measure.analyzers.frames import make_frame
    from tests.conftest import corpus_photo

    net = ExpressionNet()
    by = {row["path"]: f for row, f in corpus_facts}
    for path in ("faceapi_angry_man/faceapi_angry.jpg", "rob_lowe/insightface_Rob_Lowe_0001.jpg",
                 "jack_dorsey/deepface_img61.jpg"):  # fmt: skip
        rgb = np.asarray(Image.open(corpus_photo(path)).convert("RGB"))
        k = 4000 / max(rgb.shape[:2])
        big = cv2.resize(rgb, (round(rgb.shape[1] * k), round(rgb.shape[0] * k)), interpolation=cv2.INTER_CUBIC)
        box = tuple(v * k for v in max(by[path].faces, key=lambda f: f.box[2] * f.box[3]).box)
        frame = make_frame(big, 1280)
        assert frame.factor < 1 and max(box[2], box[3]) * 1.2 * frame.factor >= FRAME_MIN_CROP, path  # frame path
        at_decode, in_frame = net.probabilities(big, box), net.probabilities(big, box, frame)
        assert at_decode is not None and in_frame is not None
        assert max(abs(at_decode[k] - in_frame[k]) for k in at_decode) <= 0.05, (path, at_decode, in_frame)
        assert max(at_decode, key=at_decode.get) == max(in_frame, key=in_frame.get), path
