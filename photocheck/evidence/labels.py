"""From measured facts to labels: pose bucket, expression, lighting setting. Pure functions of facts + options.

Kept apart from the analyzers so that moving a bucket boundary re-runs no model and invalidates no cache.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from ..model import FaceFacts, LightingFacts


@dataclass(frozen=True)
class PoseOptions:
    frontal_max_yaw: float = 15.0
    slight_max_yaw: float = 35.0
    three_quarter_max_yaw: float = 55.0


@dataclass(frozen=True)
class ExpressionOptions:
    smile_min: float = 0.45  # mean of mouthSmileLeft/Right
    surprise_jaw_min: float = 0.25  # jawOpen
    surprise_brow_min: float = 0.3  # browInnerUp or eyeWide: a laugh opens the jaw too
    # a surprise with the mouth nearly shut: inner and outer brows both raised (the smaller of browInnerUp and
    # the browOuterUp mean) with the eyes widened (eyeWide) or the lower lip dropped (mouthLowerDown: a small
    # "o"). Corpus: the two such surprises read brows 0.48 and 0.60 with eyes 0.15 or lip 0.67; neutral faces
    # raise both brows up to 0.49 but widen their eyes at most 0.06 and drop the lip at most 0.01 meanwhile
    surprise_raised_brows_min: float = 0.4
    surprise_wide_eyes_min: float = 0.1
    surprise_dropped_lip_min: float = 0.3
    # an open mouth under lowered brows is a shout (anger: the brow lowerer, FACS AU4), not a surprise (which
    # raises the brows, AU1+2): browDown mean at least shout-brow-down-min with browInnerUp under
    # surprise-brow-min, read by the model as negative (angry + sad + disgust + fear / 2) at least
    # model-shout-negative-min, and, where the set has the person's neutral baseline, frown-brow-rise over it.
    # Corpus: the 15 other faces with the jaw open 0.2 or more read browDown 0.05 at most; an angry shout (AFLW
    # 01693) 0.46, negative 0.70. The model is asked too because a third of neutral faces rest at browDown >= 0.3
    shout_brow_down_min: float = 0.3
    model_shout_negative_min: float = 0.5
    # ... and lips pushed forward (mouthPucker) under the same lowered, negative-read brows are a pout (a sulk or
    # a scowl), which MediaPipe scores as pucker and the frown signs miss. Corpus: a scowling pout (AFLW 00190)
    # pucker 0.73, browDown 0.38, negative 0.52; the other faces puckered 0.6 or more have browDown 0.01 or
    # less, bar a speaking face (0.84, 0.34, 0.54), which this calls a frown too
    frown_pucker_min: float = 0.6
    # per photo, frown is only called when strong: browDown alone reaches 0.7 on many neutral faces and
    # mouthPress is high on most closed mouths (corpus), so it is not used
    frown_brow_min: float = 0.8  # browDownLeft/Right mean
    # mouthFrownLeft/Right mean. Corpus: two neutral faces read 0.18 and 0.21; the two frowns at 0.15 and 0.17
    # are found by their baseline and by the model instead
    frown_mouth_min: float = 0.25
    frown_pout_min: float = 0.6  # mouthShrugLower: pushed-up lower lip (sad pout)
    frown_lip_roll_min: float = 0.5  # mouthRollLower: lips pressed in
    wink_difference_min: float = 0.45  # one eye closed, the other open
    # a grimace (disgust, a worried or pained face): the upper lip raised off the teeth or the mouth stretched
    # sideways, on a face the FER2013 model does not read as happy (a broad smile raises the upper lip too, and
    # the model gives every such smile on the corpus "happy" >= 0.94). Corpus: the four grimaces 0.40-0.77
    # (upper lip) or 0.40 (stretch), with "happy" 0.0-0.39; the nearest other faces with happy under 0.5: upper
    # lip 0.24 (a neutral face), stretch 0.20 (a speaking one)
    grimace_upper_lip_min: float = 0.32  # mouthUpperUpLeft/Right mean
    grimace_stretch_min: float = 0.3  # mouthStretchLeft/Right mean
    model_grimace_happy_below: float = 0.5
    # relative to the same person's neutral photos in the set (their median), which removes the heavy brows
    # and resting mouth that make per-photo frown scores unreliable
    baseline_min_photos: int = 2  # neutral photos of the subject needed for a baseline
    frown_brow_rise: float = 0.2
    frown_mouth_rise: float = 0.08
    frown_pout_rise: float = 0.3
    frown_lip_roll_rise: float = 0.3
    # the learned signal (the FER2013 model's probabilities, fact `emotion`), fused where the blendshapes are
    # unsure, from the corpus judged in per-person sets (rules/docs/EX10-missing-expression.md):
    # a face the blendshapes read neutral is a smile when the model's "happy" reaches this (neutral faces: at
    # most 0.81; missed smiles: 0.86-1.0)
    model_smile_min: float = 0.85
    # ... or, on a face turned at least turned-from-yaw (a near profile: the blendshapes see one mouth corner and
    # read a smile as neutral), when it reaches model-turned-smile-min. Corpus: a profile smile (AFLW 02416, yaw
    # -76) mouthSmile 0.03, "happy" 0.64; the nine other faces turned 45 degrees or more, all neutral or
    # surprised, "happy" 0.11 at most
    turned_from_yaw: float = 45.0
    model_turned_smile_min: float = 0.5
    # ... and a frown, when the set holds no neutral baseline of the person, when angry + sad + disgust +
    # fear / 2 reaches this (missed frowns 0.83-0.97; neutral faces without a baseline at most 0.78; most
    # leave-one-person-out folds of bench/fit_expression.py pick 0.8). It was 0.85 while a face the model alone
    # called a frown left its person's baseline and turned another of their photos into a frown; the baseline
    # now keeps such faces (expression_baseline)
    model_frown_min: float = 0.8
    # a face read as a smile with the jaw open is a surprise when the model's "surprise" reaches this
    model_surprise_min: float = 0.9
    # ... and so is a blendshape smile with the jaw open at least this far that the model gives under
    # model-open-smile-happy-below of "happy": a mouth pulled wide open, not a smile (corpus: smiles open the jaw
    # at most 0.2; a surprise at 0.54 read as a smile, "happy" 0.42; an angry shout at 0.64, 0.25; a laugh, which
    # the model reads happy, stays a smile)
    surprise_open_jaw_min: float = 0.4
    model_open_smile_happy_below: float = 0.5
    # a blendshape smile just under smile-min (at least faint-smile-min) that the model reads at least
    # model-faint-smile-happy-min happy is a smile: both signals lean the same way. Corpus: a closed-mouth smile
    # at 0.435 / 0.60; the neutral faces in that band read "happy" at most 0.03
    faint_smile_min: float = 0.4
    model_faint_smile_happy_min: float = 0.5
    # labels decided by the model alone are capped at this confidence (it is a second opinion, not a measure)
    model_max_confidence: float = 0.7
    # and against the blendshapes: a weak blendshape smile (under veto-smile-below) that the model gives under
    # model-smile-veto-below of "happy" is neutral (corpus: one neutral face at 0.49 / 0.16; no smile lost), and a
    # blendshape frown the model gives under model-frown-veto-below of negative is neutral (one neutral face at
    # 0.07; true frowns 0.18 and up)
    model_smile_veto_below: float = 0.2
    veto_smile_below: float = 0.55
    model_frown_veto_below: float = 0.1
    # a label less sure than this (a faint smile: mouthSmile under ~0.47) is shown, with a "?", but counts
    # neither way in the coverage: it does not fill the set's smile, and the advice does not ask for one
    count_min_confidence: float = 0.52


@dataclass(frozen=True)
class LightingOptions:
    outdoor_min_light_value: float = 10.5  # EXIF scene LV at or above: daylight outdoors
    # daylight at or above sunny-min-light-value is direct sun; under overcast-max-light-value it is overcast or
    # shade (exposure tables: full sun ~15, hazy sun ~14, bright cloud ~13, heavy overcast and open shade ~12).
    # Between the two the light value cannot tell hazy sun from bright cloud, and the picture decides as it does
    # without EXIF (corpus: a sunny plaza with hard shadows at LV 12.64 was called overcast by EXIF alone)
    sunny_min_light_value: float = 13.5
    overcast_max_light_value: float = 12.0
    indoor_max_light_value: float = 8.5
    outdoor_min_sky: float = 0.15  # share of the background above the head that is sky
    # sky-coloured pixels count as sky only when at least this bright relative to the subject's face (mean
    # luma): on the corpus two blue walls read 168 and 152 against faces of 175 and 164; real skies 142-184
    # against faces of 117-140
    sky_min_luma_over_face: float = 1.0
    # ... and only when the blue does not deepen downwards by more than this (b* per frame height; a clear sky
    # pales toward the horizon, a small patch of it is flat): corpus skies -0.02 to +14.7, a blue press wall
    # behind a lit face -6.5, a blue studio wall -33
    sky_min_fade: float = -3.0
    # textured green (leaves, grass) over at least this share of the background: outdoors. Corpus: outdoor
    # photos 0.29-0.62 where it is the only evidence, indoor photos up to 0.23 (a green backdrop, a plant)
    outdoor_min_vegetation: float = 0.25
    # out-of-focus leaves (a shallow depth of field outdoors), which are smooth and so not "textured green":
    # foliage-green over at least this share of the background, a background no lighter than this (CIE L*: a
    # lit green backdrop is brighter) and at least this mottled. Corpus: the five such outdoor photos read green
    # 0.19-0.79, L* 19-44, mottle 0.46-0.75; lit yellow-green backdrops L* 82-94 and mottle 0.11-0.23, a
    # green-cast family snapshot green 0.22, L* 54, mottle 0.37
    outdoor_min_blurred_foliage: float = 0.15
    blurred_foliage_max_lightness: float = 50.0
    blurred_foliage_min_mottle: float = 0.4
    # a flat background (studio backdrop, bare wall) over at least this share, when at least
    # backdrop-min-background of the frame is background: indoors
    backdrop_min_plain: float = 0.7
    backdrop_min_background: float = 0.02
    # smooth grey-white over at least this share of the background above the head, brighter than the face, in a
    # background that is not a flat backdrop: an overcast, hazy or clipped sky. Corpus: outdoor 0.64-0.83 where
    # it decides; indoor photos up to 0.44 (a lit white wall beside a shelf)
    outdoor_min_pale_sky: float = 0.5
    # cool, muted colours in a background that is not a flat backdrop: daylight under cloud or in shade (grey-world
    # colour temperature at least overcast-min-kelvin, mean Lab chroma from overcast-min-chroma, which leaves
    # out black-and-white photos, to overcast-max-chroma). Corpus: five overcast photos without any other cue
    # (sand, snow, a waterfall, a street) read 6067-7889 K at chroma 2.9-6.9; the indoor photos this cool and
    # this muted are all studio portraits, which the backdrop test reads first; the other indoor photos the
    # cues leave undecided read at most 5898 K at chroma 7.2, or chroma 13.7 and more at 6000 K and more
    overcast_min_kelvin: float = 6000.0
    overcast_min_chroma: float = 1.0
    overcast_max_chroma: float = 7.5
    tungsten_max_kelvin: float = 3600.0  # warm cast without sky: artificial indoor light
    # outdoors without EXIF exposure, the picture first: direct sun gives saturated colours (mean Lab chroma)
    # and clipped highlights. Corpus, among photos read as outdoor: 3 sunny ones more decided, none wrong.
    # Muted colours do not make a photo overcast: a sunny photo of pale clothes against a pale wall reads
    # 6.9, the overcast ones 6.7-6.9
    sunny_min_chroma: float = 8.0
    sunny_min_clipped: float = 0.005
    # then the subject's cheek-to-cheek contrast: hard sun from diffuse light
    sunny_min_face_shadow_stops: float = 1.5
    overcast_max_face_shadow_stops: float = 0.5
    # the light on the face (face_light.py), judged on faces turned less than face-light-max-yaw (beyond, one
    # cheek is foreshortened and the comparison says more about the pose than the light)
    face_light_max_yaw: float = 30.0
    side_light_min_stops: float = 2.0  # one cheek this much brighter: light from that side
    top_light_min_stops: float = 4.0  # the forehead this much brighter than the chin: light from above
    hard_light_min: float = 8.5  # skin light this steep (stops per tenth of the face): hard light
    warm_light_max_kelvin: float = 3800.0  # highlights this warm: warm light (tungsten, sunset)
    cool_light_min_kelvin: float = 6000.0  # highlights this cool: cool light (shade, blue sky, LEDs)


@dataclass(frozen=True)
class ClassifyOptions:
    pose: PoseOptions = PoseOptions()
    expression: ExpressionOptions = ExpressionOptions()
    lighting: LightingOptions = LightingOptions()


def pose_bucket(face: FaceFacts, opts: PoseOptions) -> str | None:
    """Spec §2 buckets from the subject's own perspective. Facts recorded before the pose network may hold
    a cascade-only face with a side and no angles: a profile by construction."""
    if face.yaw is None:
        return f"profile-{face.profile_side}" if face.profile_side else None
    side = "left" if face.yaw > 0 else "right"
    a = abs(face.yaw)
    if a < opts.frontal_max_yaw:
        return "frontal"
    if a < opts.slight_max_yaw:
        return f"slight-{side}"
    if a < opts.three_quarter_max_yaw:
        return f"three-quarter-{side}"
    return f"profile-{side}"


# the blendshape scores a frown moves, by name in the options (frown_<name>_min / _rise)
_FROWN_SIGNS = ("brow", "mouth", "pout", "lip_roll")


def _frown_signs(b: dict[str, float]) -> dict[str, float]:
    return {
        "brow": (b.get("browDownLeft", 0.0) + b.get("browDownRight", 0.0)) / 2,
        "mouth": (b.get("mouthFrownLeft", 0.0) + b.get("mouthFrownRight", 0.0)) / 2,
        "pout": b.get("mouthShrugLower", 0.0),
        "lip_roll": b.get("mouthRollLower", 0.0),
    }


def _relative(value: float, threshold: float) -> float:
    """`value` in units of `threshold`; a threshold set to 0 counts as 1e-6 (an option is never divided by)."""
    return value / max(threshold, 1e-6)


def _conf(value: float, threshold: float) -> float:
    """0.5 at the threshold, 1.0 twice as far past it."""
    return round(min(1.0, 0.5 + _relative(abs(value - threshold), threshold) / 2), 3)


def pose_confidence(face: FaceFacts, opts: PoseOptions) -> float | None:
    """How sure the bucket is: 0.5 on a bucket boundary, 1.0 at 10° or more from it, capped by how well the
    two estimates agree (1.0 within 4°, 0.5 at 20° apart); a face seen by one estimate only is capped at 0.7."""
    if face.yaw is None:
        return 0.6 if face.profile_side else None  # facts recorded before the pose network
    a = abs(face.yaw)
    margin = min(abs(a - b) for b in (opts.frontal_max_yaw, opts.slight_max_yaw, opts.three_quarter_max_yaw))
    conf = min(1.0, 0.5 + margin / 20.0)
    if face.pose_disagreement is not None:
        conf = min(conf, max(0.3, 1.0 - max(0.0, face.pose_disagreement - 4.0) / 32.0))
    elif not face.key_points:
        conf = min(conf, 0.7)
    return round(conf, 3)


def expression(
    face: FaceFacts,
    opts: ExpressionOptions,
    baseline: dict[str, float] | None = None,
    *,
    model_alone_frowns: bool = True,
) -> tuple[str | None, float | None]:
    """Expression and a 0..1 confidence (how far past its threshold the deciding score is).

    `baseline` is the person's neutral frown signs (see `expression_baseline`): with it, a frown is a rise
    over their own neutral face; without it, only a strong absolute frown counts, or the model's word alone
    (`model-frown-min`) unless `model_alone_frowns` is off.
    """
    b = face.blendshapes
    if not b:
        return None, None

    def mean(*names: str) -> float:
        return sum(b.get(n, 0.0) for n in names) / len(names)

    smile = mean("mouthSmileLeft", "mouthSmileRight")
    jaw = b.get("jawOpen", 0.0)
    brow_up = max(b.get("browInnerUp", 0.0), mean("eyeWideLeft", "eyeWideRight"))
    blink_l, blink_r = b.get("eyeBlinkLeft", 0.0), b.get("eyeBlinkRight", 0.0)
    brow_down = mean("browDownLeft", "browDownRight")
    emotion = face.emotion
    happy = None if emotion is None else emotion.get("happy", 0.0)
    negative = (
        emotion.get("angry", 0.0) + emotion.get("sad", 0.0) + emotion.get("disgust", 0.0) + emotion.get("fear", 0.0) / 2
        if emotion else None
    )  # fmt: skip
    # where the jaw tests below would call an open mouth a surprise: lowered brows that the model reads as
    # negative make it a shout instead (a third of neutral faces rest at browDown 0.3 or more: the brows alone
    # would turn a heavy-browed surprise into a frown)
    brows_lowered_in_anger = (
        brow_down >= opts.shout_brow_down_min
        and negative is not None
        and negative >= opts.model_shout_negative_min
        and (baseline is None or brow_down - baseline["brow"] >= opts.frown_brow_rise)
    )
    shouting = brows_lowered_in_anger and b.get("browInnerUp", 0.0) < opts.surprise_brow_min
    shout = ("frown", min(opts.model_max_confidence, _conf(brow_down, opts.shout_brow_down_min))) if shouting else None

    if jaw >= opts.surprise_jaw_min and (brow_up >= opts.surprise_brow_min or smile < opts.smile_min):
        return shout or ("surprise", _conf(jaw, opts.surprise_jaw_min))

    def model_happy_below(limit: float) -> bool:  # False without the model's word
        return happy is not None and happy < limit

    if model_happy_below(opts.model_grimace_happy_below):
        grimace = [
            _conf(value, threshold)
            for value, threshold in (
                (mean("mouthUpperUpLeft", "mouthUpperUpRight"), opts.grimace_upper_lip_min),
                (mean("mouthStretchLeft", "mouthStretchRight"), opts.grimace_stretch_min),
            )
            if value >= threshold
        ]
        if grimace:  # before the smile and frown tests: a grimace is neither
            return "other", max(grimace)
    vetoed = model_happy_below(opts.model_smile_veto_below) and smile < opts.veto_smile_below
    if smile >= opts.smile_min and not vetoed:
        surprised = emotion.get("surprise", 0.0) if emotion else 0.0
        if jaw >= opts.surprise_jaw_min and surprised >= opts.model_surprise_min:  # a laugh or a surprised smile
            return "surprise", min(opts.model_max_confidence, _conf(surprised, opts.model_surprise_min))
        if jaw >= opts.surprise_open_jaw_min and model_happy_below(opts.model_open_smile_happy_below):  # pulled open
            # an angry shout pulls the mouth wide too
            return shout or ("surprise", min(opts.model_max_confidence, _conf(jaw, opts.surprise_open_jaw_min)))
        return "smile", _conf(smile, opts.smile_min)
    raised = min(b.get("browInnerUp", 0.0), mean("browOuterUpLeft", "browOuterUpRight"))
    if raised >= opts.surprise_raised_brows_min and (
        mean("eyeWideLeft", "eyeWideRight") >= opts.surprise_wide_eyes_min
        or mean("mouthLowerDownLeft", "mouthLowerDownRight") >= opts.surprise_dropped_lip_min
    ):
        return "surprise", _conf(raised, opts.surprise_raised_brows_min)
    if abs(blink_l - blink_r) >= opts.wink_difference_min:
        return "other", _conf(abs(blink_l - blink_r), opts.wink_difference_min)
    pucker = b.get("mouthPucker", 0.0)
    if brows_lowered_in_anger and pucker >= opts.frown_pucker_min:  # a pout
        return "frown", min(opts.model_max_confidence, _conf(pucker, opts.frown_pucker_min))
    signs = _frown_signs(b)
    model_says_no_frown = negative is not None and negative < opts.model_frown_veto_below
    for name in _FROWN_SIGNS:
        threshold = getattr(opts, f"frown_{name}_min")
        if signs[name] >= threshold and not model_says_no_frown:
            return "frown", _conf(signs[name], threshold)
    if baseline is not None and not model_says_no_frown:
        for name in _FROWN_SIGNS:
            rise, threshold = signs[name] - baseline[name], getattr(opts, f"frown_{name}_rise")
            if rise >= threshold:
                return "frown", _conf(rise, threshold)
    if negative is not None and happy is not None:  # the model ran (negative needs its probabilities)
        if happy >= opts.model_smile_min:
            return "smile", min(opts.model_max_confidence, _conf(happy, opts.model_smile_min))
        if face.yaw is not None and abs(face.yaw) >= opts.turned_from_yaw and happy >= opts.model_turned_smile_min:
            return "smile", min(opts.model_max_confidence, _conf(happy, opts.model_turned_smile_min))
        if smile >= opts.faint_smile_min and happy >= opts.model_faint_smile_happy_min:  # the weaker one's margin
            faint = min(_conf(smile, opts.faint_smile_min), _conf(happy, opts.model_faint_smile_happy_min))
            return "smile", min(opts.model_max_confidence, faint)
        if baseline is None and model_alone_frowns and negative >= opts.model_frown_min:
            return "frown", min(opts.model_max_confidence, _conf(negative, opts.model_frown_min))
    # neutral: confident when every expression score is well below its threshold
    nearest = max(
        _relative(smile, opts.smile_min), _relative(jaw, opts.surprise_jaw_min),
        *(_relative(signs[n], getattr(opts, f"frown_{n}_min")) for n in _FROWN_SIGNS),
    )  # fmt: skip
    return "neutral", round(max(0.5, 1.0 - nearest / 2), 3)


def expression_baseline(faces: list[FaceFacts], opts: ExpressionOptions) -> dict[str, float] | None:
    """The median frown signs over one person's faces that read neutral on their own; None if too few.

    A face only the model calls a frown stays in: its blendshapes read neutral, which is what the baseline is a
    median of, and in a set with a baseline the model alone calls no frown anyway. Left out, it moved the
    baseline and turned another neutral photo of the person into a frown (corpus: Kit Harington's)."""
    neutral = [
        _frown_signs(f.blendshapes) for f in faces if expression(f, opts, model_alone_frowns=False)[0] == "neutral"
    ]
    if len(neutral) < opts.baseline_min_photos:
        return None
    return {name: float(statistics.median(s[name] for s in neutral)) for name in _FROWN_SIGNS}


def lighting(facts: LightingFacts | None, opts: LightingOptions, face: FaceFacts | None = None) -> dict[str, Any]:
    """Setting, light and the light on the face, saying unknown rather than guessing. `face` is the subject's.

    `evidence` says what decided the setting: exif (scene light value / flash, strong), image (sky,
    vegetation, a plain backdrop, colour temperature: weaker), or none; `confidence` is 0.9, 0.6 or 0
    accordingly (a fixed scale: the corpus is too small to calibrate finer). `cue` names the image evidence.
    """
    face_light = _face_light(face, opts)
    if facts is None:
        return {"setting": "unknown", "light": "unknown", "evidence": "none", "cue": None, "confidence": 0.0,
                **face_light}  # fmt: skip
    lv, flash = facts.exif_light_value, facts.flash_fired
    setting, light, evidence, cue = "unknown", "unknown", "none", None
    if lv is not None:
        if lv >= opts.outdoor_min_light_value:
            setting, evidence = "outdoor", "exif"
            if lv >= opts.sunny_min_light_value:
                light = "sunny"
            elif lv < opts.overcast_max_light_value:
                light = "overcast"  # else unknown here: the picture decides below
        elif lv <= opts.indoor_max_light_value:
            setting, evidence = "indoor", "exif"
    if setting == "unknown":
        cue = _image_cue(facts, opts, face)
        if cue is not None:
            setting, evidence = ("indoor" if cue in ("backdrop", "warm light") else "outdoor"), "image"
    if setting == "outdoor" and light == "unknown":
        if cue == "cool daylight" and face_light["hardness"] != "hard":
            light = "overcast"  # cool and muted, no hard light on the face: the sky's light, not the sun's
        else:
            light = _sun_or_shade(facts, face, opts)
    if flash:
        light, evidence = "flash", "exif"
        if setting == "unknown" and (lv is None or lv <= opts.indoor_max_light_value):
            setting = "indoor"
    elif setting == "indoor" and light == "unknown":
        light = "artificial"
    return {"setting": setting, "light": light, "evidence": evidence, "cue": cue,
            "confidence": _EVIDENCE_CONFIDENCE[evidence], **face_light}  # fmt: skip


def _sun_or_shade(facts: LightingFacts, face: FaceFacts | None, opts: LightingOptions) -> str:
    """Sunny, overcast or unknown for an outdoor photo without EXIF exposure, or with a light value between
    overcast-max-light-value and sunny-min-light-value (hazy sun or bright cloud): saturated colours with
    clipped highlights are sunny; otherwise the shadow contrast across the subject's face decides."""
    chroma, clipped = facts.chroma, facts.clipped_share
    if chroma is not None and clipped is not None:
        if chroma >= opts.sunny_min_chroma and clipped >= opts.sunny_min_clipped:
            return "sunny"
    shadow = face.side_difference_stops if face is not None else None
    if shadow is not None:
        if shadow >= opts.sunny_min_face_shadow_stops:
            return "sunny"
        if shadow <= opts.overcast_max_face_shadow_stops:
            return "overcast"
    return "unknown"


def _image_cue(facts: LightingFacts, opts: LightingOptions, face: FaceFacts | None) -> str | None:
    """The first image evidence that decides the setting: blue sky, vegetation, blurred foliage, a plain
    backdrop, pale sky (only where the background is not a backdrop), cool muted daylight, warm light."""
    face_luma = face.luma_mean if face is not None else None
    sky = facts.sky_fraction or 0.0
    fades = facts.sky_fade is None or facts.sky_fade >= opts.sky_min_fade
    if sky >= opts.outdoor_min_sky and fades and (
        facts.sky_luma is None or face_luma is None or facts.sky_luma >= opts.sky_min_luma_over_face * face_luma
    ):
        return "sky"
    if (facts.vegetation_fraction or 0.0) >= opts.outdoor_min_vegetation:
        return "vegetation"
    if (
        (facts.foliage_fraction or 0.0) >= opts.outdoor_min_blurred_foliage
        and facts.background_lightness is not None
        and facts.background_lightness <= opts.blurred_foliage_max_lightness
        and (facts.background_mottle or 0.0) >= opts.blurred_foliage_min_mottle
    ):
        return "blurred foliage"
    if (
        facts.background_plain is not None
        and facts.background_plain >= opts.backdrop_min_plain
        and (facts.background_share or 0.0) >= opts.backdrop_min_background
    ):
        return "backdrop"
    pale, pale_luma = facts.pale_sky_fraction or 0.0, facts.pale_sky_luma
    if pale >= opts.outdoor_min_pale_sky and (
        pale_luma is None or face_luma is None or pale_luma >= opts.sky_min_luma_over_face * face_luma
    ):
        return "pale sky"
    kelvin, chroma = facts.colour_temperature, facts.chroma
    if kelvin is None:
        return None
    if kelvin >= opts.overcast_min_kelvin and chroma is not None and (
        opts.overcast_min_chroma <= chroma <= opts.overcast_max_chroma
    ):
        return "cool daylight"
    if kelvin <= opts.tungsten_max_kelvin:
        return "warm light"
    return None


def _face_light(face: FaceFacts | None, opts: LightingOptions) -> dict[str, str]:
    """Direction (frontal / left / right / above: the subject's own sides), hardness (hard / soft) and warmth
    (warm / neutral / cool) of the light on the subject's face; unknown where it was not measured."""
    out = {"direction": "unknown", "hardness": "unknown", "warmth": "unknown"}
    if face is None or (face.yaw is not None and abs(face.yaw) > opts.face_light_max_yaw):
        return out
    side, above = face.light_from_left_stops, face.light_from_above_stops
    if side is not None and above is not None:
        if abs(side) >= opts.side_light_min_stops:
            out["direction"] = "left" if side > 0 else "right"
        elif above >= opts.top_light_min_stops:
            out["direction"] = "above"
        else:
            out["direction"] = "frontal"
    if face.light_hardness is not None:
        out["hardness"] = "hard" if face.light_hardness >= opts.hard_light_min else "soft"
    if face.highlight_kelvin is not None:
        k = face.highlight_kelvin
        out["warmth"] = "warm" if k <= opts.warm_light_max_kelvin else "cool" if k >= opts.cool_light_min_kelvin else "neutral"
    return out


_EVIDENCE_CONFIDENCE = {"exif": 0.9, "image": 0.6, "none": 0.0}
