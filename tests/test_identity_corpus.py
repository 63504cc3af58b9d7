"""Identity on the real corpus: real dlib descriptors from the real analyzers, sets assembled from labels.

Every set here is judged by the real engine (identity resolution, then all rules) on facts the real models
measured once per session (`corpus_facts`).
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import pytest

from photocheck.discovery import PhotoSet
from photocheck.evidence.subject import match_reference, reference_from_facts

# the label rows of group photos whose tracked subject also has solo photos
GROUP_PHOTOS = ("leonardo_dicaprio/codeformer_06.png", "kit_harington/facerec_kit_with_rose.jpg")
# dlib reads Leonardo DiCaprio's deepface_img34 0.56 from Matt Damon's centre, under the 0.60 threshold
LOOKALIKES = {("matt_damon", "leonardo_dicaprio")}


@pytest.fixture(scope="module")
def people(corpus_facts):
    """identity -> [(label row, facts)], for the people with at least 4 photos."""
    by = defaultdict(list)
    for row, facts in corpus_facts:
        if row["identity"] not in ("various", "no_face") and not facts.error:
            by[row["identity"]].append((row, facts))
    return {k: v for k, v in sorted(by.items()) if len(v) >= 4}


def _judge(checker, facts):
    return checker.judge_set(PhotoSet("set", tuple(f.path for f in facts)), list(facts))


def _codes(result, code):
    return sorted(p for f in result.findings if f.code == code for p in f.paths)


def _first_solo(photos):
    return next(f for row, f in photos if row["faces_in_image"] == "1")


def test_enough_people_for_the_pair_tests(people):
    assert len(people) >= 10, sorted(people)


def test_single_person_sets_raise_no_identity_finding(checker, people):
    for name, photos in people.items():
        result = _judge(checker, [f for _, f in photos])
        assert _codes(result, "ID01") == [] and _codes(result, "ID02") == [], name
        assert all(i.identity == "match" for i in result.images), (name, [i.identity for i in result.images])


def _pairs():
    return [(a, b) for a, b in itertools.permutations(sorted(_PEOPLE_NAMES), 2)]


_PEOPLE_NAMES = (
    "aflw_yellow_model", "human_stock_a", "jack_dorsey", "kit_harington", "leonardo_dicaprio", "mark_zuckerberg",
    "matt_damon", "yale_subject09", "yale_subject11", "yale_subject12", "yale_subject15",
)  # fmt: skip


@pytest.mark.parametrize(
    ("owner", "intruder"),
    [
        pytest.param(a, b, marks=pytest.mark.xfail(strict=True, reason="dlib look-alikes")) if (a, b) in LOOKALIKES
        else (a, b)
        for a, b in _pairs()
    ],
)  # fmt: skip
def test_one_intruder_is_flagged_and_only_the_intruder(checker, people, owner, intruder):
    """One person's photos plus the other person's first solo photo: ID01 names exactly that photo."""
    assert set(_PEOPLE_NAMES) == set(people)
    stranger = _first_solo(people[intruder])
    result = _judge(checker, [f for _, f in people[owner]] + [stranger])
    assert _codes(result, "ID01") == [stranger.path]
    assert _codes(result, "ID02") == []
    (img,) = [i for i in result.images if i.path == stranger.path]
    assert not any(face.is_subject for face in img.faces)  # no face rule judges the intruder's face


def test_intruder_recall_and_false_flags_over_every_photo(checker, people):
    """Every photo of every other person as the intruder (610 sets): the rates quoted in the ID01 doc."""
    caught = tried = false_flags = members = 0
    missed = []
    for owner, photos in people.items():
        base = [f for _, f in photos]
        for other, strangers in people.items():
            if other == owner:
                continue
            for _, stranger in strangers:
                result = _judge(checker, base + [stranger])
                flagged = set(_codes(result, "ID01"))
                tried += 1
                caught += stranger.path in flagged
                if stranger.path not in flagged:
                    missed.append((owner, stranger.path.split("corpus/")[-1]))
                members += len(base)
                false_flags += len(flagged - {stranger.path})
    print(f"\nintruder recall {caught}/{tried} = {caught / tried:.1%}; false flags {false_flags}/{members}")
    print("missed:", missed)
    assert false_flags == 0
    # measured: 607/610; the three misses are the Damon/DiCaprio look-alikes (dlib reads them 0.49-0.57 apart)
    assert caught >= 607
    assert {owner for owner, _ in missed} <= {"matt_damon", "leonardo_dicaprio"}, missed


def test_an_intruder_no_photo_vouches_for_is_a_warning_naming_the_closest_photo(checker, people):
    """Between the bounds, a photo that stands out from the set (3.5 spreads) and is not within 0.55 of any
    other photo is a probable different person: the stock model in the AFLW model's set (0.59 from her centre)
    and Yale subject 15 among subject 09's photos (0.60). DiCaprio's childhood and teenage photos stand out of
    his adult set as far (z 6.6 and 7.4) but vouch for each other (0.50): not flagged."""
    for owner, name in (("aflw_yellow_model", "human_stock-emotions-a-5.jpg"), ("yale_subject09", "yale_15_surprised.png")):
        stranger = next(f for r, f in itertools.chain.from_iterable(people.values()) if f.path.endswith(name))
        result = _judge(checker, [f for _, f in people[owner]] + [stranger])
        (finding,) = [f for f in result.findings if f.code == "ID01"]
        assert finding.paths == (stranger.path,) and finding.severity.value == "warning", finding
        assert "compare" in finding.message, finding.message
        assert any(f.path.split("/")[-1] in finding.message for _, f in people[owner]), finding.message
    dicaprio = _judge(checker, [f for _, f in people["leonardo_dicaprio"]])
    assert _codes(dicaprio, "ID01") == []


def test_half_and_half_sets_are_mixed_identities(checker, people):
    """Four photos of each of two people: ID02 with the two groups, for every pair but dlib's look-alikes,
    whose photos link into one person (0.41-0.57 apart) or not depending on how the face crop is resampled."""
    for a, b in itertools.combinations(sorted(people), 2):
        if (a, b) in LOOKALIKES or (b, a) in LOOKALIKES:
            result = _judge(checker, [f for _, f in people[a]][:4] + [f for _, f in people[b]][:4])
            assert not [f for f in result.findings if f.code == "ID01" and f.severity.value == "error"]
            continue
        first = [f for _, f in people[a]][:4]
        second = [f for _, f in people[b]][:4]
        result = _judge(checker, first + second)
        (mixed,) = [f for f in result.findings if f.code == "ID02"]
        assert sorted(mixed.paths) == sorted(f.path for f in first + second), (a, b)
        assert mixed.message.count("person ") == 2
        assert _codes(result, "ID01") == [], (a, b)


@pytest.mark.parametrize("group", GROUP_PHOTOS)
def test_group_photo_subject_is_the_tracked_person(checker, people, group):
    """In its set, the group photo's subject face is the face that matches the person's solo photos."""
    name = group.split("/")[0]
    photos = people[name]
    (group_facts,) = [f for row, f in photos if row["path"] == group]
    solo = [f for row, f in photos if row["faces_in_image"] == "1"]
    truth = match_reference(group_facts, reference_from_facts(solo, checker.pack.identity), checker.pack.identity)
    assert truth.same_person and len(group_facts.faces) >= 2

    result = _judge(checker, [f for _, f in photos])
    (img,) = [i for i in result.images if i.path == group_facts.path]
    (subject,) = [face for face in img.faces if face.is_subject]
    assert subject.box == truth.box
    assert img.identity == "match"
    assert _codes(result, "ID01") == [] and _codes(result, "ID02") == []
    # bystanders are reported, and no face rule speaks of them
    assert [face.is_subject for face in img.faces].count(False) == len(img.faces) - 1
    assert not any(f.code in ("FC08", "FC09") for f in img.findings)


def test_the_teenage_dicaprio_on_the_left_is_chosen(checker, people):
    photos = people["leonardo_dicaprio"]
    result = _judge(checker, [f for _, f in photos])
    (img,) = [i for i in result.images if i.path.endswith("codeformer_06.png")]
    subject = next(face for face in img.faces if face.is_subject)
    other = next(face for face in img.faces if not face.is_subject)
    assert subject.box[0] < other.box[0]  # labelled: the subject is on the left
    assert subject.identity_distance < 0.6 < other.identity_distance


@pytest.mark.parametrize("group", [*GROUP_PHOTOS, "aflw2000_02317/2dasl_image02317.jpg"])
def test_a_lone_group_photo_is_ambiguous(checker, corpus_facts, group):
    """Checked on its own, with faces of comparable size and nothing to compare with: FC08."""
    (facts,) = [f for row, f in corpus_facts if row["path"] == group]
    result = _judge(checker, [facts])
    assert result.images[0].identity == "alone"
    assert "FC08" in {f.code for f in result.images[0].findings}


def test_a_profile_of_a_different_man_is_flagged(checker, people, corpus_facts):
    """A profile photo of someone else (yaw -85°) beside a stock model's photos: too far even for a turned head
    (turned-max-distance), so ID01 names it, instead of skipping it as unverifiable."""
    (profile,) = [f for row, f in corpus_facts if row["path"] == "kdef_am21/kdef_AM21NEFL.jpg"]
    assert profile.faces and all(f.yaw is None or abs(f.yaw) > 50 for f in profile.faces)
    result = _judge(checker, [f for _, f in people["human_stock_a"]] + [profile])
    assert _codes(result, "ID01") == [profile.path]
    (finding,) = [f for f in result.findings if f.code == "ID01"]
    assert "turned 85°, yet farther than any same-person turned face reads" in finding.message


def test_a_turned_face_that_cannot_be_compared_says_so_on_the_photo(checker, people, corpus_facts):
    """A profile (yaw 83°) whose descriptor sits nearer than turned-max-distance: not compared, never guessed,
    and said on that photo (ID03, info) in the report, not only in the text summary."""
    (profile,) = [f for row, f in corpus_facts if row["path"].startswith("aflw2000_01708/")]
    result = _judge(checker, [f for _, f in people["yale_subject12"]] + [profile])
    assert _codes(result, "ID01") == []
    (img,) = [i for i in result.images if i.path == profile.path]
    assert img.identity == "unverified" and img.faces[0].identity_distance is None
    (note,) = [f for f in img.findings if f.code == "ID03"]
    assert note.severity.value == "info" and "turned 83°" in note.message


def test_reference_checks_single_uploads(checker, people):
    """The pipeline case: a reference from earlier photos, then one upload at a time."""
    photos = [f for _, f in people["mark_zuckerberg"]]
    reference = reference_from_facts(photos[:3], checker.pack.identity)
    assert reference.photos == 3
    same = match_reference(photos[4], reference, checker.pack.identity)
    other = match_reference(_first_solo(people["jack_dorsey"]), reference, checker.pack.identity)
    assert same.same_person is True and same.distance < 0.6 and same.face_index == 0
    assert other.same_person is False and other.distance > 0.6
