from __future__ import annotations

import os
from pathlib import Path

import pytest

from stillwatch.simulate import _spool, engine, simulate
from stillwatch.simulate._spool import Spool, copy_range, scratch_root, write_slot
from stillwatch.simulate.output import LogWriter


def test_slots_are_handed_out_once_and_come_back(tmp_path: Path) -> None:
    with Spool(2, root=str(tmp_path)) as spool:
        a, b = spool.take(), spool.take()
        assert a != b
        with pytest.raises(RuntimeError):
            spool.take()
        spool.give_back(a)
        assert spool.take() == a
        assert spool.path(a) != spool.path(b)


def test_rewriting_a_slot_replaces_what_it_held(tmp_path: Path) -> None:
    with Spool(1, root=str(tmp_path)) as spool:
        path = spool.path(spool.take())
        assert write_slot(path, [b"a long first line\n", b"x\n"]).tolist() == [18, 20]
        assert write_slot(path, [b"ok\n"]).tolist() == [3]
        assert Path(path).read_bytes() == b"ok\n"
        assert write_slot(path, []).tolist() == []
        assert Path(path).read_bytes() == b""


def test_folder_is_removed_on_close_and_on_error(tmp_path: Path) -> None:
    with Spool(1, root=str(tmp_path)) as spool:
        write_slot(spool.path(spool.take()), [b"x\n"])
        first = spool.dir
    assert not os.path.exists(first)
    with pytest.raises(ZeroDivisionError), Spool(1, root=str(tmp_path)) as spool:
        write_slot(spool.path(spool.take()), [b"x\n"])
        second = spool.dir
        _ = 1 / 0
    assert not os.path.exists(second)
    assert list(tmp_path.iterdir()) == []


def test_scratch_goes_to_shared_memory_or_else_the_temp_folder(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    shm = tmp_path / "shm"
    shm.mkdir()
    monkeypatch.setattr(_spool, "_SHM", str(shm))
    monkeypatch.setattr(_spool.tempfile, "tempdir", str(tmp_path / "tmp"))
    assert scratch_root() == str(shm)
    free = os.statvfs(shm).f_bavail * os.statvfs(shm).f_frsize
    assert scratch_root(need=free + 1) == str(tmp_path / "tmp")  # too little room
    monkeypatch.setattr(_spool, "_SHM", str(tmp_path / "missing"))
    assert scratch_root() == str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    with Spool(1) as spool:
        assert Path(spool.dir).parent == tmp_path / "tmp"


@pytest.mark.parametrize("sendfile", [True, False])
def test_copy_range_appends_exactly_the_range(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              sendfile: bool) -> None:
    monkeypatch.setattr(_spool, "_SENDFILE", sendfile and _spool._SENDFILE)
    src = tmp_path / "src"
    src.write_bytes(bytes(range(256)) * 40)
    with src.open("rb") as fh, (tmp_path / "dst").open("wb") as out:
        out.write(b"head")
        out.flush()
        copy_range(fh, out, 10, 5000)
        copy_range(fh, out, 7, 7)
        out.flush()
        copy_range(fh, out, 0, 3)
    assert (tmp_path / "dst").read_bytes() == b"head" + src.read_bytes()[10:5000] + src.read_bytes()[:3]


def test_log_writer_copy_interleaves_ranges_and_lines(tmp_path: Path) -> None:
    slot = tmp_path / "slot"
    slot.write_bytes(b"1\n2\n3\n")
    writer = LogWriter(tmp_path, "jsonl")
    writer.write([b"0\n"])
    writer.copy(str(slot), [(0, 2), b"x\n", (2, 6), b"y\n", (6, 6)])
    writer.close()
    assert writer.path.read_bytes() == b"0\n1\nx\n2\n3\ny\n"


@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_two_workers_leave_no_scratch_and_match_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    fmt: str) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(_spool, "_SHM", str(scratch))
    one = simulate(tmp_path / "one", scale=0.001, seed=9, days=3, workers=1, fmt=fmt)
    two = simulate(tmp_path / "two", scale=0.001, seed=9, days=3, workers=2, fmt=fmt)
    assert one.exchanges == two.exchanges > 1000
    for name in (one.files[0], "labels.jsonl", "authorized.txt"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    assert list(scratch.iterdir()) == []


def test_a_failing_worker_leaves_no_scratch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(_spool, "_SHM", str(scratch))
    made = engine._make

    def fail_late(world: object, c: int, plan: object) -> object:
        if c == 5:
            raise ValueError("chunk 5 failed")
        return made(world, c, plan)  # type: ignore[arg-type]

    # Workers are forked after the patch, so they run it; the error comes back through the pool.
    monkeypatch.setattr(engine, "_make", fail_late)
    with pytest.raises(ValueError, match="chunk 5 failed"):
        simulate(tmp_path / "out", scale=0.001, seed=9, days=1, workers=2)
    assert list(scratch.iterdir()) == []
