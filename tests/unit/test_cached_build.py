"""cookbook.paths.cached_build: a plain build starts its scratch folder afresh, a resumable one keeps what an
interrupted build left there, and while a process holds a resumable build's lock a second one is refused with
the holder's pid (exit code 2) instead of writing the same files."""

import fcntl
import os

import pytest

from cookbook.errors import CacheBuildInUse
from cookbook.paths import cached_build


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("COOKBOOK_CACHE_DIR", str(tmp_path))
    return tmp_path


def _interrupted(cache, name):
    work = cache / f"{name}.tmp"
    work.mkdir()
    (work / "progress.txt").write_text("step 7")
    return work


def _fill(seen):
    def fill(work):
        seen.append(sorted(p.name for p in work.iterdir()))
        (work / "done.json").write_text("{}")

    return fill


def test_a_plain_build_starts_over_and_a_resumable_one_continues(cache):
    _interrupted(cache, "plain")
    seen = []
    target = cached_build("plain", _fill(seen), marker="done.json")
    assert seen == [[]] and (target / "done.json").is_file() and not (cache / "plain.tmp").exists()
    _interrupted(cache, "again")
    seen = []
    target = cached_build("again", _fill(seen), marker="done.json", resume=True)
    assert seen == [["progress.txt"]] and (target / "progress.txt").read_text() == "step 7"
    seen = []
    assert cached_build("again", _fill(seen), marker="done.json", resume=True) == target and seen == []


def test_a_second_builder_of_a_resumable_build_is_refused(cache):
    fd = os.open(cache / "busy.tmp.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another open file description: conflicts even in this process
        os.pwrite(fd, b"4242", 0)
        with pytest.raises(CacheBuildInUse, match="busy is being built by another process \\(pid 4242\\)") as err:
            cached_build("busy", _fill([]), marker="done.json", resume=True)
        assert err.value.exit_code == 2 and not (cache / "busy").exists()
    finally:
        os.close(fd)
    assert (cached_build("busy", _fill([]), marker="done.json", resume=True) / "done.json").is_file()
