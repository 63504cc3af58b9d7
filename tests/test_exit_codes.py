"""Exit code per set, by each set's own configuration, never by argument order (real checks of real photos)."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from photocheck.cli import main
from tests.conftest import DEMO


@pytest.fixture(scope="module")
def two_sets(tmp_path_factory):
    """lenient/: the demo photos with fail-on = "never"; strict/: the same photos under the default gate
    (the demo set has errors: ID01, IQ02, DS01, PO11)."""
    root = tmp_path_factory.mktemp("multi")
    for name in ("lenient", "strict"):
        shutil.copytree(DEMO, root / name)
    (root / "lenient" / "photocheck.toml").write_text('fail-on = "never"\n')
    return root


@pytest.mark.parametrize("order", [("lenient", "strict"), ("strict", "lenient")])
def test_one_failing_set_fails_the_run_in_either_order(two_sets, order):
    result = CliRunner().invoke(main, ["check", "--no-cache", *[str(two_sets / o) for o in order]])
    assert result.exit_code == 1, result.output


def test_the_lenient_set_alone_passes_and_exit_zero_overrides(two_sets):
    assert CliRunner().invoke(main, ["check", "--no-cache", str(two_sets / "lenient")]).exit_code == 0
    result = CliRunner().invoke(main, ["check", "--no-cache", "--exit-zero", str(two_sets / "strict")])
    assert result.exit_code == 0 and "error" in result.output


def test_a_set_being_built_is_not_failed_for_asking_for_more_photos(tmp_path):
    """set-gate-min-photos = 10: three good photos of one person pass the gate although DS01 and PO11 (errors)
    still ask for more; the default gate fails them; a stranger added to them still fails it (ID01 is not a coverage rule)."""
    building = tmp_path / "alice"
    building.mkdir()
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg"):
        shutil.copy(DEMO / name, building / name)
    # the demo photos are small (IQ02): that photo problem is not the subject here
    (tmp_path / "photocheck.toml").write_text('set-gate-min-photos = 10\nfail-under = 90\nignore = ["IQ02"]\n')
    args = ["check", "--no-cache", "--format", "json", str(building)]
    result = CliRunner().invoke(main, args)
    import json

    findings = {f["code"]: f["severity"] for f in json.loads(result.stdout)["sets"][0]["findings"]}
    assert findings.get("DS01") == "error" and findings.get("PO11") == "error"  # reported all the same
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(main, [*args, "--isolated", "--ignore", "IQ02"]).exit_code == 1  # default gate: fails
    shutil.copy(DEMO / "biden.jpg", building / "stranger.jpg")
    assert CliRunner().invoke(main, args).exit_code == 1


def test_version_short_flag():
    result = CliRunner().invoke(main, ["-V"])
    assert result.exit_code == 0 and result.output.startswith("photocheck, version ")


def _run_in_terminal(args, env_extra):
    """The real CLI under a pseudo-terminal (stdout is a tty), as a person at a shell runs it."""
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")} | env_extra
    # stdout on the terminal (the report); stderr to a pipe: the progress bar's cursor codes are not colour
    proc = subprocess.Popen(
        [sys.executable, "-m", "photocheck.cli", *args], stdout=follower, stderr=subprocess.DEVNULL, env=env
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(leader)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.parametrize(
    "env, args, coloured",
    [
        ({}, [], True),
        ({"NO_COLOR": "1"}, [], False),
        ({"NO_COLOR": "1"}, ["--color", "always"], True),
        ({}, ["--color", "never"], False),
        ({}, ["--no-color"], False),
    ],
)
def test_colour_on_a_terminal_follows_no_color_and_the_flag(env, args, coloured):
    out = _run_in_terminal(["check", str(DEMO), "--select", "IQ02", "--no-cache", *args], env)
    assert "low-resolution" in out
    assert ("\x1b[" in out) == coloured, out[:300]


def test_force_color_colours_a_pipe():
    result = CliRunner(env={"FORCE_COLOR": "1", "NO_COLOR": None}).invoke(
        main, ["check", str(DEMO), "--select", "IQ02", "--no-cache"]
    )
    assert "\x1b[" in result.output


def test_statistics_counts_findings_per_rule_most_first():
    result = CliRunner().invoke(main, ["check", str(DEMO), "--select", "IQ02,IQ01", "--statistics", "--no-cache"])
    lines = result.output.splitlines()
    assert result.exit_code == 1 and lines and all(line.split()[1] in ("IQ01", "IQ02") for line in lines)
    counts = [int(line.split()[0]) for line in lines]
    assert counts == sorted(counts, reverse=True) and lines[0].split()[1:3] == ["IQ02", "low-resolution"]


def test_quiet_prints_one_line_per_finding_and_nothing_else():
    result = CliRunner().invoke(main, ["check", str(DEMO), "--select", "IQ02", "-q", "--no-cache"])
    lines = result.output.splitlines()
    assert lines and all(":1:1: IQ02 error low-resolution: " in line for line in lines)


def test_select_all_selects_every_rule():
    from photocheck.checks import REGISTRY
    from photocheck.packs import load_pack

    assert set(load_pack("default").select(["ALL"]).rules) == set(load_pack("default").rules) == set(REGISTRY)
    assert not load_pack("default").select(["ALL"], ["ALL"]).rules


# ------------------------------------------------------------------------------------------ what is a set


def _photos_tree(root):
    demo = sorted(p for p in DEMO.iterdir() if p.suffix.lower() in (".jpg", ".png"))
    for name, picks in (("alice", demo[:2]), ("bob", demo[2:4]), (".hidden", demo[4:5]), ("old", demo[5:6])):
        (root / "photos" / name).mkdir(parents=True)
        for p in picks:
            shutil.copy(p, root / "photos" / name / p.name)
    return root / "photos"


def test_a_folder_of_set_folders_checks_each_as_a_set(tmp_path):
    photos = _photos_tree(tmp_path)
    result = CliRunner().invoke(
        main, ["check", str(photos), "--exclude", "old", "--select", "IQ02", "--format", "json", "--no-cache"]
    )
    import json

    sets = [s["path"] for s in json.loads(result.stdout)["sets"]]
    assert sets == [str(photos / "alice"), str(photos / "bob")], sets  # hidden and excluded folders left out
    assert "has no photos of its own: checking its 2 set folders" in result.stderr


def test_no_photos_found_is_said_and_is_a_usage_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("no photos here")
    for folder in ("empty", "notes"):
        result = CliRunner().invoke(main, ["check", str(tmp_path / folder), "--no-cache"])
        assert result.exit_code == 2 and f"no photos found in {tmp_path / folder}" in result.stderr
        assert "score" not in result.stdout  # no scored report of nothing
    # beside a real set, the empty folder is only reported; the set is still checked and gated
    result = CliRunner().invoke(main, ["check", str(tmp_path / "empty"), str(DEMO), "--select", "IQ02", "--no-cache"])
    assert result.exit_code == 1 and "no photos found in" in result.stderr and "low-resolution" in result.stdout


# ------------------------------------------------------------------------------------------ config values


@pytest.mark.parametrize(
    "table, key, value, allowed",
    [
        ("scoring", "quality-weight", "7", "0..1"),  # was "score 535/100"
        ("detector", "max-faces", "0", "1..50"),  # was reported as a corrupt face model
        ("identity", "link-distance", "-0.1", "0.01..2"),  # made identity grouping loop
        ("identity", "max-distance", "nan", None),
        ("detector", "profile-scale-step", "1.0", "1.01..2"),
        ("limits", "max-photos-per-set", "0", "1..1000000"),
        ("duplicates", "max-image-hash-distance", "-3", ">= 0"),
    ],
)
def test_a_bad_value_is_exit_2_naming_file_key_and_range(tmp_path, table, key, value, allowed):
    config = tmp_path / "photocheck.toml"
    config.write_text(f"[{table}]\n{key} = {value}\n")
    shutil.copy(sorted(DEMO.glob("*.jpg"))[0], tmp_path / "a.jpg")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2, result.output
    assert str(config) in result.stderr and repr(key) in result.stderr
    assert "(line 2)" in result.stderr  # tomllib keeps no positions: the line is found for the message
    assert (f"allowed: {allowed}" in result.stderr) if allowed else ("finite" in result.stderr)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["rules"], ["rule", "IQ02"], ["config", "."]])
def test_light_commands_load_no_image_or_model_library(args):
    import subprocess
    import sys

    probe = (
        "import sys, runpy; sys.argv = ['photocheck', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('photocheck.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'cv2', 'mediapipe', 'dlib', 'PIL') if m in sys.modules]\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=60)
    assert "HEAVY []" in out.stderr, out.stderr[-500:]


def test_spelling_hints_are_in_kebab_case(tmp_path):
    (tmp_path / "photocheck.toml").write_text("[scoring]\nquality-weigth = 0.5\n")
    shutil.copy(sorted(DEMO.glob("*.jpg"))[0], tmp_path / "a.jpg")
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2 and "did you mean 'quality-weight'?" in result.stderr


def test_checking_a_photo_loads_no_matplotlib_or_audio_tasks_and_leaves_them_real():
    """MediaPipe's drawing helpers import matplotlib.pyplot (about 0.3 s of start-up); photocheck imports
    MediaPipe with stand-ins for it, then takes them out: a check loads no matplotlib, and a program that
    imports pyplot afterwards gets the real module, which MediaPipe's helpers reach too. The same for the
    audio, text, decision and retrieval tasks MediaPipe's tasks package imports."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from photocheck import Checker\n"
        f"c = Checker(); f = c.facts({str(DEMO / 'obama.jpg')!r})\n"
        "assert f.faces, f.error\n"
        "print('LOADED', [m for m in ('matplotlib', 'matplotlib.pyplot', 'mediapipe.tasks.python.audio', 'mediapipe.tasks.python.text') if m in sys.modules])\n"
        "import matplotlib.pyplot as plt\n"
        "from mediapipe.tasks.python.vision import drawing_utils\n"
        "print('REAL', type(plt).__name__, hasattr(plt, 'figure'), drawing_utils.plt.figure is plt.figure)\n"
        "from mediapipe.tasks.python import audio\n"
        "tasks = sys.modules['mediapipe.tasks.python']\n"
        "print('AUDIO', hasattr(audio, 'AudioClassifier'), hasattr(tasks.audio, 'AudioClassifier'))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert "LOADED []" in out.stdout, out.stdout + out.stderr[-800:]
    assert "REAL module True True" in out.stdout, out.stdout + out.stderr[-800:]
    # the MediaPipe tasks photocheck does not run (audio, text, ...) are stand-ins only while it imports
    assert "AUDIO True True" in out.stdout, out.stdout + out.stderr[-800:]
