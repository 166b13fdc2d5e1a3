"""The audit log: segments, rotation, torn-tail repair, one owner, readable as exchange v1."""

from __future__ import annotations

import orjson
import pytest

from stillwatch.errors import ConfigError
from stillwatch.gateway.audit import AuditLog, repair_tail, segments
from stillwatch.gateway.config import AuditConfig
from stillwatch.ingest.normalize import loads_row


def _record(i: int) -> dict:
    return {"id": f"e{i}", "time": 1767225600 + i, "account": "key_a", "model": "m",
            "messages": [{"role": "user", "content": f"prompt {i}"}], "response": "ok"}


def test_appends_rotates_and_every_line_is_exchange_v1(tmp_path) -> None:
    log = AuditLog(tmp_path, AuditConfig(segment_bytes=400, fsync_interval_ms=5)).open()
    for i in range(20):
        log.append(_record(i))
    log.close()
    segs = segments(tmp_path)
    assert len(segs) > 3
    lines = [ln for s in segs for ln in s.read_bytes().splitlines()]
    assert [orjson.loads(ln)["id"] for ln in lines] == [f"e{i}" for i in range(20)]
    for n, ln in enumerate(lines):  # the ingest checker accepts every record
        loads_row(ln, f"audit:{n}")
    assert log.fsyncs >= 1


def test_torn_tail_is_cut_on_restart_and_writing_resumes(tmp_path) -> None:
    log = AuditLog(tmp_path).open()
    for i in range(3):
        log.append(_record(i))
    log.close()
    last = segments(tmp_path)[-1]
    with last.open("ab") as fh:
        fh.write(b'{"id": "e3", "time": 17672')  # a crash mid-write
    log = AuditLog(tmp_path).open()
    assert log.repaired_bytes == len(b'{"id": "e3", "time": 17672')
    log.append(_record(4))
    log.close()
    ids = [orjson.loads(ln)["id"] for s in segments(tmp_path) for ln in s.read_bytes().splitlines()]
    assert ids == ["e0", "e1", "e2", "e4"]


def test_repair_leaves_a_clean_file_alone(tmp_path) -> None:
    p = tmp_path / "exchanges-000001.jsonl"
    p.write_bytes(b'{"id": "a"}\n{"id": "b"}\n')
    assert repair_tail(p) == 0 and p.read_bytes() == b'{"id": "a"}\n{"id": "b"}\n'
    p.write_bytes(b"")
    assert repair_tail(p) == 0


def test_second_process_cannot_share_directory(tmp_path) -> None:
    first = AuditLog(tmp_path).open()
    with pytest.raises(ConfigError, match="in use by another gateway"):
        AuditLog(tmp_path).open()
    first.close()
    AuditLog(tmp_path).open().close()  # free again once closed
