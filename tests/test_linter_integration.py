"""photocheck as a linter: config files and their precedence, packs, cache, workers and the pre-commit hook.

All on real photos (the demo set and corpus copies made at test time) with the real models.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import photocheck.measure.measurer
from photocheck import Checker, load_pack
from photocheck.cli import main
from photocheck.measure.cache import FORMAT as CACHE_FORMAT
from photocheck.packs import rules_dir
from tests.conftest import DEMO, ROOT, corpus_labels, corpus_photo


def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def _codes(result) -> list[str]:
    report = json.loads(result.stdout)
    return sorted(f["code"] for s in report["sets"] for i in s["images"] for f in i["findings"])


@pytest.fixture()
def photos(tmp_path):
    """A set folder with two demo photos (obama.jpg is below 1K: IQ02; obama3.jpg is clean)."""
    folder = tmp_path / "project" / "photos"
    folder.mkdir(parents=True)
    for name in ("obama.jpg", "obama3.jpg"):
        shutil.copy(DEMO / name, folder / name)
    return folder


PER_PHOTO = ("--select", "IQ,FC0,LI0,PO0")

# ------------------------------------------------------------------------------------------- config


def test_photocheck_toml_in_the_set_folder_is_used(photos):
    assert "IQ02" in _codes(_run("check", str(photos), "--format", "json", *PER_PHOTO))
    (photos / "photocheck.toml").write_text('ignore = ["IQ02"]\n')
    assert "IQ02" not in _codes(_run("check", str(photos), "--format", "json", *PER_PHOTO))
    # command-line flags come last: --isolated ignores the file
    assert "IQ02" in _codes(_run("check", str(photos), "--format", "json", "--isolated", *PER_PHOTO))


def test_nearest_config_wins_then_flags(photos):
    project = photos.parent
    (project / "pyproject.toml").write_text('[tool.photocheck]\nfail-on = "never"\n')
    assert _run("check", str(photos), *PER_PHOTO).exit_code == 0  # found in the parent: never fail
    (photos / "photocheck.toml").write_text('fail-on = "error"\n')
    assert _run("check", str(photos), *PER_PHOTO).exit_code == 1  # the set folder's own file is nearer
    assert _run("check", str(photos), *PER_PHOTO, "--fail-on", "never").exit_code == 0  # the flag wins


def test_per_rule_severity_options_and_per_file_ignores(photos):
    (photos / "photocheck.toml").write_text(
        'select = ["IQ02", "FC03"]\n'
        "[rules.IQ02]\n"
        'severity = "warning"\n'
        "[rules.blurry-face]\n"
        "min-sharpness = 0.99\n"  # every face is 'blurry' at this bar
        "[per-file-ignores]\n"
        '"obama3.*" = ["blurry-face"]\n'
    )
    report = json.loads(_run("check", str(photos), "--format", "json").stdout)
    by_photo = {
        Path(i["path"]).name: {(f["code"], f["severity"]) for f in i["findings"]} for i in report["sets"][0]["images"]
    }
    assert by_photo["obama.jpg"] == {("IQ02", "warning"), ("FC03", "error")}
    assert by_photo["obama3.jpg"] == set()


def test_pack_and_extends_from_config(photos, tmp_path):
    (photos / "photocheck.toml").write_text('pack = "strict"\n')
    assert "IQ02" in _codes(_run("check", str(photos / "obama3.jpg"), "--format", "json", *PER_PHOTO))  # 2K bar
    mine = photos.parent / "mine.toml"
    mine.write_text('extends = "default"\nname = "mine"\n[rules.IQ02]\nmin-short-side = 600\n')
    (photos / "photocheck.toml").write_text('pack = "../mine.toml"\n')
    assert "IQ02" not in _codes(_run("check", str(photos), "--format", "json", *PER_PHOTO))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('selct = ["IQ"]\n', ["unknown key 'selct'", "did you mean 'select'"]),
        ('ignore = ["IQ99"]\n', ["'IQ99' matches no rule code or name"]),
        ('ignore = ["blury-face"]\n', ["did you mean 'blurry-face'"]),
        ('fail-under = "high"\n', ["'fail-under' must be a number"]),
        ('fail-on = "warnings"\n', ["'fail-on' must be one of", "did you mean 'warning'"]),
        ('[rules.IQ02]\nmin-short-side = "big"\n', ["option 'min-short-side' must be int"]),
        ("[rules.IQ02]\nmin-shortside = 900\n", ["unknown option 'min-shortside'", "did you mean 'min-short-side'"]),
        ("[rules.XX01]\n", ["unknown rule [rules.XX01]"]),
        ('pack = "stric"\n', ["unknown rule pack 'stric'", "did you mean 'strict'"]),
        ("not toml = = 1\n", ["not valid TOML"]),
    ],
)
def test_config_errors_name_the_file_and_key_before_any_photo_is_read(photos, monkeypatch, content, expected):
    def no_analysis(*a, **k):  # pragma: no cover - reaching it is the failure
        raise AssertionError("a photo was analysed before the configuration was validated")

    monkeypatch.setattr(photocheck.measure.measurer, "analyze", no_analysis)
    (photos / "photocheck.toml").write_text(content)
    result = _run("check", str(photos), "--no-cache")
    assert result.exit_code == 2, result.output
    assert "photocheck.toml" in result.output
    for text in expected:
        assert text in result.output


def test_config_command_prints_the_effective_configuration(photos):
    (photos / "photocheck.toml").write_text('pack = "strict"\nignore = ["LI"]\n[rules.FC03]\nmin-sharpness = 0.3\n')
    out = _run("config", str(photos)).stdout
    assert f"# config file: {photos / 'photocheck.toml'}" in out
    assert "# pack: strict" in out and 'ignore = ["LI"]' in out
    assert '[rules.FC03]  # blurry-face\nseverity = "error"\nmin-sharpness = 0.3' in out
    assert '[rules.IQ02]  # low-resolution\nseverity = "error"\nmin-short-side = 2048' in out
    assert "[rules.LI01]" not in out


# -------------------------------------------------------------------------------------------- packs


def test_packs_ship_with_the_package_and_differ_as_documented():
    assert {p.stem for p in (rules_dir() / "packs").glob("*.toml")} >= {"default", "strict", "quick"}
    default, strict, quick = load_pack("default"), load_pack("strict"), load_pack("quick")
    assert strict.rules["IQ02"].options.min_short_side == 2048 and strict.rules["DS01"].options.min_photos == 15
    assert not any(code in quick.rules for code in ("DS01", "DS02", "PO10", "PO11", "EX10", "LI10", "ID02"))
    assert "ID01" in quick.rules and set(quick.rules) < set(default.rules)


# -------------------------------------------------------------------------------------------- cache


def test_second_run_comes_from_the_cache_without_analysis(photos, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    first = _run("check", str(photos), "--format", "json", "--cache-dir", str(cache))
    assert first.exit_code in (0, 1) and any(cache.rglob("*.json"))

    def no_analysis(*a, **k):  # pragma: no cover - reaching it is the failure
        raise AssertionError("analyzer called on a cached photo")

    monkeypatch.setattr(photocheck.measure.measurer, "analyze", no_analysis)
    second = _run("check", str(photos), "--format", "json", "--cache-dir", str(cache))
    assert second.stdout == first.stdout
    # the cache is keyed by content, not by thresholds: a stricter pack re-runs only the rules
    strict = _run("check", str(photos), "--format", "json", "--cache-dir", str(cache), "--pack", "strict")
    assert strict.exit_code == 1 and "IQ02" in strict.stdout
    assert not any(p.name.startswith(".tmp-") for p in cache.rglob("*"))
    assert not any(p.suffix == ".json" for p in photos.iterdir())  # nothing written beside the photos


def test_corrupt_and_foreign_cache_entries_are_rebuilt(photos, tmp_path):
    cache = tmp_path / "cache"
    first = _run("check", str(photos), "--format", "json", "--cache-dir", str(cache)).stdout
    entries = sorted(cache.rglob("*.json"))
    assert len(entries) == 2
    entries[0].write_text("{ not json")
    entries[1].write_text(json.dumps({"format": "someone-else", "facts": {}}))
    again = _run("check", str(photos), "--format", "json", "--cache-dir", str(cache)).stdout
    assert again == first
    assert all(json.loads(e.read_text())["format"] == CACHE_FORMAT for e in entries)


def test_no_cache_reads_and_writes_nothing(photos, tmp_path):
    cache = tmp_path / "cache"
    _run("check", str(photos), "--no-cache", "--cache-dir", str(cache))
    assert not cache.exists()


# ------------------------------------------------------------------------------------------ workers


def _two_series() -> list[Path]:
    """Two corpus series, 14 photos: a set large enough for a worker process."""
    return [corpus_photo(r["path"]) for r in corpus_labels() if r["identity"] in ("yale_subject09", "human_stock_a")]


def test_jobs_2_gives_the_same_report_as_jobs_1(tmp_path):
    """A set large enough for worker processes (two corpus series, 14 photos, copied at test time)."""
    folder = tmp_path / "set"
    folder.mkdir()
    for src in _two_series():
        shutil.copy(src, folder / src.name)
    assert len(list(folder.iterdir())) >= 12
    one = _run("check", str(folder), "--format", "json", "--no-cache", "--jobs", "1")
    two = _run("check", str(folder), "--format", "json", "--no-cache", "--jobs", "2")
    assert one.exit_code == two.exit_code and one.stdout == two.stdout


def test_the_calling_process_and_a_worker_share_the_set_each_photo_once(monkeypatch):
    """jobs=2: the calling process measures from the front while a spawned worker starts and then takes photos
    from the back; every photo comes back once, with the facts one process alone gives it."""
    from photocheck.measure.workers import parallel_facts

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: no worker process is spawned")
    paths = [str(p) for p in _two_series()]
    measured_here: list[str] = []
    with Checker(cache=False, jobs=2) as checker:
        measurer = checker.measurer
        own = measurer.facts

        def counted(path, *args, **kwargs):
            measured_here.append(path)
            return own(path, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(measurer, "facts", counted)
            shared = list(parallel_facts(measurer, paths, list(range(len(paths)))))
        alone = [own(p).to_dict() for p in paths]
    assert sorted(i for i, _ in shared) == list(range(len(paths)))
    assert measured_here and measured_here[0] == paths[0]  # it never waits for the worker to start
    assert {i: f.to_dict() for i, f in shared} == dict(enumerate(alone))


def _spawned_workers() -> list[int]:
    """Pids of this process's multiprocessing workers (Linux /proc), not its resource tracker."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"spawn_main" in cmd and b"resource_tracker" not in cmd:
                found.append(int(pid))
    return found


def test_a_worker_killed_mid_run_costs_only_its_photos_in_flight():
    """The worker is killed once it has returned its first photo: the (at most two) photos it held are
    reported as failed, every other photo is measured by the main process, as one process alone measures it."""
    import signal

    from photocheck.measure.workers import parallel_facts

    if (os.cpu_count() or 1) < 2 or not Path("/proc/self/task").is_dir():
        pytest.skip("needs two cores and Linux /proc to find and kill the worker")
    paths = [str(p) for p in _two_series()] * 2  # long enough that the worker starts in time
    with Checker(cache=False, jobs=2) as checker:
        measurer = checker.measurer
        shared, killed = [], False
        for i, facts in parallel_facts(measurer, paths, list(range(len(paths)))):
            shared.append((i, facts))
            # from the back half: the worker's (or, were it slow to start, this process's: then nothing is lost)
            if not killed and i >= len(paths) // 2:
                workers = _spawned_workers()
                assert workers, "no worker process found to kill"
                for pid in workers:
                    os.kill(pid, signal.SIGKILL)
                killed = True
        alone = {i: measurer.facts(p).to_dict() for i, p in enumerate(paths)}
    assert killed, "the worker never returned a photo"
    assert sorted(i for i, _ in shared) == list(range(len(paths)))
    lost = [i for i, f in shared if f.error and "worker process crashed" in f.error]
    assert len(lost) <= 2
    assert all(f.to_dict() == alone[i] for i, f in shared if i not in lost)


# --------------------------------------------------------------------------------------- pre-commit


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env=_git_env())


def _git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.com")  # fmt: skip
    return env


def test_pre_commit_hook_end_to_end(tmp_path):
    """A throwaway repo of photo folders uses this repository's hook through the real pre-commit."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    if head.returncode != 0:
        pytest.skip("the photocheck checkout is not a git repository (pre-commit needs a rev of this repo)")
    # pre-commit installs hooks from the repo at a commit: take this checkout as it is now
    hook_repo = tmp_path / "hook-repo"
    shutil.copytree(ROOT, hook_repo, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info"))
    _git(hook_repo, "init", "-q")
    _git(hook_repo, "add", ".pre-commit-hooks.yaml")
    _git(hook_repo, "commit", "-q", "-m", "hooks")
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True).stdout.strip()

    repo = tmp_path / "photos-repo"
    (repo / "alice").mkdir(parents=True)
    shutil.copy(DEMO / "obama3.jpg", repo / "alice" / "portrait.JPG")  # upper-case extension on purpose
    (repo / "alice" / "broken.jpg").write_bytes((DEMO / "obama3.jpg").read_bytes()[:5000])  # truncated
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hook_repo}\n  rev: {rev}\n  hooks:\n  - id: photocheck-system\n    args: [--pack, quick]\n"
    )
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    env = _git_env()
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    pre_commit = [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"]

    bad = subprocess.run(pre_commit, cwd=repo, capture_output=True, text=True, env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    print(bad.stdout)
    assert "IQ01 unreadable-image" in bad.stdout and "broken.jpg" in bad.stdout

    _git(repo, "rm", "-q", "-f", "alice/broken.jpg")
    good = subprocess.run(pre_commit, cwd=repo, capture_output=True, text=True, env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout


def test_hook_outside_git_checks_each_set_folder_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not a git work tree: the hook falls back to the folders on disk
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    seen = []
    monkeypatch.setattr("photocheck.cli._invoke", lambda paths, kw, staged=None: seen.append(paths) or 0)
    result = _run("hook", "a/1.jpg", "a/2.HEIC", "b/3.png", "a/4.jpg")
    assert result.exit_code == 0 and seen == [["a", "b"]]


def test_hook_file_pattern_matches_every_extension_the_checker_reads():
    import re

    from photocheck.measure.options import IMAGE_EXTENSIONS

    patterns = [line.split("'")[1] for line in (ROOT / ".pre-commit-hooks.yaml").read_text().splitlines()
                if line.strip().startswith("files:")]  # fmt: skip
    assert len(patterns) == 2
    for pattern in patterns:
        for ext in IMAGE_EXTENSIONS:
            assert re.search(pattern, f"alice/photo{ext.upper()}") and re.search(pattern, f"photo{ext}"), ext
        assert not re.search(pattern, "notes.txt") and not re.search(pattern, "photo.jpg.txt")


def _hook_in(repo: Path) -> tuple[int, str]:
    """`photocheck hook` as pre-commit calls it in `repo` (identity only, JSON): exit code, ID01 photo names."""
    staged = subprocess.run(["git", "diff", "--cached", "--name-only", "--diff-filter=ACM"], cwd=repo,
                            capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        result = _run("hook", "--select", "ID01", "--format", "json", "--no-cache", "--isolated", *staged)
    finally:
        os.chdir(cwd)
    report = json.loads(result.stdout)
    flagged = sorted(p for s in report["sets"] for f in s["findings"] if f["code"] == "ID01" for p in f["paths"])
    return result.exit_code, " ".join(flagged)


def test_hook_judges_the_set_in_the_git_index_not_the_folder(tmp_path):
    """An untracked stranger on disk does not block the commit; a staged one does; `git rm --cached` takes her
    out again; a photo staged and then overwritten on disk is judged by the bytes that would be committed."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "photos"
    (repo / "alice").mkdir(parents=True)
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg"):
        shutil.copy(DEMO / name, repo / "alice" / name)
    _git(repo, "init", "-q")
    _git(repo, "add", "alice")
    shutil.copy(DEMO / "biden.jpg", repo / "alice" / "stranger.jpg")  # untracked: not in the commit

    assert _hook_in(repo) == (0, "")

    _git(repo, "add", "alice/stranger.jpg")
    assert _hook_in(repo) == (1, "alice/stranger.jpg")

    _git(repo, "rm", "-q", "--cached", "alice/stranger.jpg")  # still on disk, no longer in the set
    assert (repo / "alice" / "stranger.jpg").exists()
    assert _hook_in(repo) == (0, "")

    _git(repo, "add", "alice/stranger.jpg")
    shutil.copy(DEMO / "obama.jpg", repo / "alice" / "stranger.jpg")  # the disk copy now shows the subject
    assert _hook_in(repo) == (1, "alice/stranger.jpg")  # the staged bytes still show someone else


def test_library_checker_cache_and_jobs_arguments(tmp_path):
    with Checker(select=["IQ02"], cache=tmp_path / "c", jobs=2) as checker:
        first = checker.check([str(DEMO)])
        assert checker.cache is not None and checker.cache.hits == 0
    with Checker(select=["IQ02"], cache=tmp_path / "c") as checker:
        second = checker.check([str(DEMO)])
        assert checker.cache.hits == len(second.sets[0].images) == 7
    assert [i.findings for i in first.sets[0].images] == [i.findings for i in second.sets[0].images]


def test_quick_pack_reports_no_coverage(photos):
    text = _run("check", str(photos / "obama3.jpg"), "--pack", "quick").stdout
    assert "Coverage" not in text and text.startswith("READY")
    report = json.loads(_run("check", str(photos / "obama3.jpg"), "--pack", "quick", "--format", "json").stdout)
    assert report["sets"][0]["coverage_share"] is None


def test_hook_from_a_subfolder_reads_the_staged_bytes_of_its_own_paths(tmp_path):
    """Run inside photos/ (paths relative to it): a staged stranger overwritten on disk is still judged by the
    bytes the commit would record."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    alice = repo / "photos" / "alice"
    alice.mkdir(parents=True)
    for name in ("obama.jpg", "obama2.jpg", "obama3.jpg"):
        shutil.copy(DEMO / name, alice / name)
    shutil.copy(DEMO / "biden.jpg", alice / "stranger.jpg")
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    shutil.copy(DEMO / "obama.jpg", alice / "stranger.jpg")
    cwd = os.getcwd()
    os.chdir(repo / "photos")
    try:
        result = _run("hook", "--select", "ID01", "--format", "json", "--no-cache", "--isolated", "alice/stranger.jpg")
    finally:
        os.chdir(cwd)
    report = json.loads(result.stdout)
    flagged = [p for s in report["sets"] for f in s["findings"] if f["code"] == "ID01" for p in f["paths"]]
    assert result.exit_code == 1 and flagged == ["alice/stranger.jpg"]
