"""What is behind the person: sky, vegetation, a plain backdrop. Measured outside the person only.

The person is taken as the subject's head with its hair and, below the chin, a column about three faces wide
(shoulders and body); everything else is background. Uniform padding (black or white bars a crop or a resize
added) is cut off first: it is neither a wall nor sky.

- sky: background pixels that are bright, smooth and blue (or, separately, pale grey-white), connected to the
  top border above the head; their mean luma is kept, so the judge can ask that they outshine the face (a blue
  wall behind a lit face is darker than it), and so is how the blue sky's blueness changes from its top row to
  its bottom one: a clear sky is deepest blue overhead and paler toward the horizon, a painted or printed wall
  is as blue at the bottom as at the top, or bluer;
- vegetation: textured green (leaves, grass), which rooms seldom hold;
- foliage: the same green at any texture, with the background's lightness and mottle, so the judge can tell
  out-of-focus leaves (dark, blotchy: a shallow depth of field outdoors) from a lit green backdrop (bright, even);
- plain: the share of the background that is flat, such as a studio backdrop or a painted wall;
- over the whole picture: the mean chroma and the share of clipped pixels (direct sun saturates and clips).
Each share is of the background, so a face-filling crop (little background) carries little evidence; the
judge asks for enough background before it reads any of them. The colour and texture limits below define what
the words mean (what "blue" is); the shares that decide anything are pack options (`[classify.lighting]`).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from .colour import rgb_to_lab, unclipped

_FLAT_GRADIENT = 8.0  # mean Sobel magnitude in 8-bit levels below which a pixel's neighbourhood is flat
_SKY_SMOOTH_GRADIENT = 12.0  # a sky may carry a little more texture (haze, thin cloud, JPEG noise)
_BLUE_SKY_MIN_LIGHTNESS, _BLUE_SKY_MAX_B = 55.0, -8.0  # CIE L* and b*: light and clearly blue
_PALE_SKY_MIN_LIGHTNESS, _PALE_SKY_MAX_CHROMA = 75.0, 10.0  # bright and nearly grey
_GREEN_MAX_A, _GREEN_MIN_B = -6.0, 4.0  # a* and b* of foliage: green with some yellow
_MOTTLE_BLUR = 1 / 60  # the mottle's blur (sigma) as a share of the frame's width: blotches, not edges
_MOTTLE_MIN_PIXELS = 100  # background pixels the halved frame must keep for the mottle to be read on it


@dataclass(frozen=True)
class Scene:
    background_share: float  # share of the frame outside the person (after padding is cut off)
    background_plain: float | None  # share of the background that is flat
    sky_fraction: float | None  # share of the background above the head that is sky
    sky_luma: float | None  # mean luma (0..255) of the sky pixels
    vegetation_fraction: float | None  # share of the background that is textured green
    pale_sky_fraction: float | None  # as sky_fraction for smooth, bright grey-white (overcast, hazy, clipped)
    pale_sky_luma: float | None
    # b* change (CIE Lab) from the blue sky's top row to its bottom row, over the frame's height (positive: it
    # pales downwards, as a real sky does); None where the blue sky spans too few rows to tell
    sky_fade: float | None = None
    # the whole picture (padding cut off): mean Lab chroma, and the share of pixels with a channel at 250 or
    # more. Direct sun gives saturated colours and clipped highlights; overcast light, muted colours and none
    chroma: float | None = None
    clipped_share: float | None = None
    # foliage-green share of the background at any texture, its mean L*, and the coefficient of variation of its
    # blurred brightness (defocused leaves: dark and mottled; a green backdrop: bright and even)
    foliage_fraction: float | None = None
    background_lightness: float | None = None
    background_mottle: float | None = None


def _content_bounds(gray: np.ndarray) -> tuple[int, int, int, int]:
    """Rows and columns left once uniform near-black or near-white bars on the borders are cut off."""

    def bars(lines: np.ndarray) -> np.ndarray:  # per row of `lines`: is it a uniform dark or light bar?
        mean = lines.mean(axis=1)
        return (lines.std(axis=1) < 2.0) & ((mean < 12.0) | (mean > 245.0))

    h, w = gray.shape
    # most photos have no bars: the four border lines alone say so (judging every line cost 0.5 ms)
    edges = np.stack([gray[0], gray[h - 1]]) if h > 8 else None
    side = np.stack([gray[:, 0], gray[:, w - 1]]) if w > 8 else None
    if (edges is None or not bars(edges).any()) and (side is None or not bars(side).any()):
        return 0, h, 0, w
    top, bottom, left, right = 0, h, 0, w
    # the rows are judged across the whole width, then the columns over the rows left (one pass each, not a
    # numpy call per line: 2 ms on a letterboxed crop)
    row_bar = bars(gray)
    while top < bottom - 8 and row_bar[top]:
        top += 1
    while bottom > top + 8 and row_bar[bottom - 1]:
        bottom -= 1
    column_bar = bars(np.ascontiguousarray(gray[top:bottom].T))
    while left < right - 8 and column_bar[left]:
        left += 1
    while right > left + 8 and column_bar[right - 1]:
        right -= 1
    # a resized bar leaves a blended line or two at its edge: skip those with it
    top, left = top + 2 * (top > 0), left + 2 * (left > 0)
    bottom, right = bottom - 2 * (bottom < h), right - 2 * (right < w)
    return top, max(bottom, top + 1), left, max(right, left + 1)


def analyze_scene(
    rgb_small: np.ndarray, subject_box: tuple[float, float, float, float] | None, gray_small: np.ndarray | None = None
) -> Scene:
    """`subject_box` is the subject face's x, y, w, h in `rgb_small`'s pixels (None: no face found);
    `gray_small`, its luma if the caller has it."""
    gray_full = cv2.cvtColor(rgb_small, cv2.COLOR_RGB2GRAY) if gray_small is None else gray_small
    top, bottom, left, right = _content_bounds(gray_full)
    rgb = rgb_small[top:bottom, left:right]
    gray = gray_full[top:bottom, left:right].astype(np.float32)
    h, w = gray.shape
    person = np.zeros((h, w), bool)
    head_top = h // 3
    if subject_box is not None:
        x, y, bw, bh = subject_box
        x, y = x - left, y - top
        # the head with its hair, then the shoulders and body below the chin (about three faces wide)
        person[
            int(max(0, y - 0.6 * bh)) : int(max(0, y + bh)), int(max(0, x - 0.35 * bw)) : int(max(0, x + 1.35 * bw))
        ] = True
        person[int(max(0, y + bh)) :, int(max(0, x - bw)) : int(max(0, x + 2.0 * bw))] = True
        head_top = int(max(0, y - 0.6 * bh))
    background = ~person
    n_background = int(np.count_nonzero(background))
    share = n_background / background.size

    def share_of_background(mask: np.ndarray) -> float:  # the mean of mask[background], without the copy
        return float(np.count_nonzero(mask & background) / n_background)

    # OpenCV's 8-bit Lab: L* scaled to 0..255, a* and b* offset by 128. The colour tests below compare those
    # bytes with the limits converted to the same scale (the same pixels as comparing floats, without three
    # float copies of the picture); only the chroma is computed in floats
    lab_l, lab_a, lab_b = cv2.split(rgb_to_lab(rgb))
    chroma = cv2.magnitude(lab_a.astype(np.float32) - 128.0, lab_b.astype(np.float32) - 128.0)
    # a pixel is clipped when its brightest channel reaches CLIPPED_LEVEL: all pixels minus the unclipped ones
    below = cv2.countNonZero(unclipped(rgb))
    clipped = (rgb.shape[0] * rgb.shape[1] - below) / (rgb.shape[0] * rgb.shape[1])
    whole = {"chroma": round(float(chroma.mean()), 2), "clipped_share": round(clipped, 4)}
    if n_background < 100:
        return Scene(round(share, 4), None, None, None, None, None, None, **whole)

    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1)
    # the blurred gradient magnitude, 4x the "texture" the limits speak of (a power-of-two scale: exact)
    texture4 = cv2.blur(cv2.magnitude(gx, gy), (5, 5))
    flat = texture4 < 4.0 * _FLAT_GRADIENT
    plain = share_of_background(flat)
    green = (lab_a < 128 + int(_GREEN_MAX_A)) & (lab_b > 128 + int(_GREEN_MIN_B))
    vegetation = share_of_background(green & ~flat)
    mottle = _mottle(gray, background, w)

    smooth = (texture4 < 4.0 * _SKY_SMOOTH_GRADIENT) & background
    above = background.copy()
    above[max(head_top, h // 3) :] = False  # above the head, and beside it in the top third of the frame
    n_above = int(np.count_nonzero(above))
    blue_sky = _touching_top((lab_l > _l8(_BLUE_SKY_MIN_LIGHTNESS)) & (lab_b < 128 + int(_BLUE_SKY_MAX_B)) & smooth)
    blue = _sky_share(blue_sky, above, n_above, gray)
    # pale sky (overcast, hazy or clipped) is told apart from a white backdrop by the judge: a backdrop is flat
    # over the whole background, a sky has a textured horizon below it
    pale_coloured = (lab_l > _l8(_PALE_SKY_MIN_LIGHTNESS)) & (chroma < _PALE_SKY_MAX_CHROMA)
    pale = _sky_share(_touching_top(pale_coloured & smooth), above, n_above, gray)
    lightness = cv2.mean(lab_l, mask=background.view(np.uint8))[0] * (100.0 / 255.0)
    return Scene(
        background_share=round(share, 4),
        background_plain=round(plain, 4),
        sky_fraction=blue[0],
        sky_luma=blue[1],
        vegetation_fraction=round(vegetation, 4),
        pale_sky_fraction=pale[0],
        pale_sky_luma=pale[1],
        sky_fade=_fade(blue_sky, lab_b),
        foliage_fraction=round(share_of_background(green), 4),
        background_lightness=round(lightness, 2),
        background_mottle=round(mottle, 4),
        **whole,
    )


def _l8(lightness: float) -> int:
    """The largest 8-bit L value at or under a CIE L* limit: `L8 > _l8(x)` is `L* > x` for the bytes OpenCV gives
    (x * 2.55 is never a whole number for the limits used here)."""
    return int(lightness * 255.0 / 100.0)


def _mottle(gray: np.ndarray, background: np.ndarray, width: int) -> float:
    """The coefficient of variation of the background's brightness blurred at _MOTTLE_BLUR of the frame's width:
    blotches, not edges. Taken on the frame halved (each 2x2 block averaged) with half the blur, an eighth of
    the work of the full-size blur for blotches that size."""
    hh, hw = gray.shape[0] // 2, gray.shape[1] // 2
    mask = background[: 2 * hh : 2, : 2 * hw : 2]
    if hh >= 8 and hw >= 8 and np.count_nonzero(mask) >= _MOTTLE_MIN_PIXELS:
        half = cv2.resize(gray[: 2 * hh, : 2 * hw], (hw, hh), interpolation=cv2.INTER_AREA)
        sigma = max(1.0, width * _MOTTLE_BLUR / 2)
    else:  # a sliver of background (a one-pixel strip beside a face-filling crop) is read at full size
        half, mask, sigma = gray, background, max(2.0, width * _MOTTLE_BLUR)
    mean, std = cv2.meanStdDev(cv2.GaussianBlur(half, (0, 0), sigma), mask=np.ascontiguousarray(mask).view(np.uint8))
    return float(std[0, 0] / max(1.0, float(mean[0, 0])))


def _touching_top(mask: np.ndarray) -> np.ndarray:
    """The connected parts of `mask` that reach the top border (give or take a blended row)."""
    if not mask[:3].any():  # the usual indoor case: nothing to follow
        return np.zeros(mask.shape, bool)
    count, labels = cv2.connectedComponents(mask.view(np.uint8))
    seeds = np.unique(labels[:3][mask[:3]])
    if len(seeds) <= 4:  # a few regions: compare the labels with each (a gather through a table costs more)
        out = labels == seeds[0]
        for k in seeds[1:]:
            out |= labels == k
        return out
    reaching = np.zeros(count, bool)
    reaching[seeds] = True
    return reaching[labels]


_FADE_MIN_ROWS = 8  # a sky a few rows deep has no measurable vertical gradient


def _fade(sky: np.ndarray, lab_b: np.ndarray) -> float | None:
    """Slope of the sky's per-row mean b* against the row's height in the frame (least squares): b* per frame
    height, positive when the sky is less blue lower down. `lab_b`: OpenCV's 8-bit b (b* + 128)."""
    rows = np.flatnonzero(sky.any(axis=1))
    if len(rows) < _FADE_MIN_ROWS:
        return None
    b = lab_b.astype(np.float32) - 128.0
    counts = sky.sum(axis=1)[rows]
    means = np.where(sky, b, 0.0).sum(axis=1)[rows] / counts
    slope = float(np.polyfit(rows / sky.shape[0], means, 1)[0])
    return round(slope, 2)


def _sky_share(
    sky: np.ndarray, above: np.ndarray, n_above: int, gray: np.ndarray
) -> tuple[float | None, float | None]:
    """Share of the background above the head (`n_above` pixels) that `sky` covers, and the sky's mean luma."""
    share = float(np.count_nonzero(sky & above) / n_above) if n_above >= 50 else None
    luma = float(gray[sky].mean()) if sky.any() else None
    return (None if share is None else round(share, 4)), (None if luma is None else round(luma, 1))
