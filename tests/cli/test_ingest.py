from __future__ import annotations

import gzip
import json
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner

from stillwatch.cli import cli


def _log(path: Path, n: int, bad: int = 0) -> Path:
    lines = [
        orjson.dumps({"id": f"e{i}", "time": 1_740_000_000 + i, "account": "k1", "model": "m",
                      "messages": [{"role": "user", "content": f"question {i}"}], "response": "answer"})
        for i in range(n)
    ]  # fmt: skip
    lines += [b'{"id": "broken"'] * bad
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["ingest", *args])
    return result.exit_code, result.stdout, result.stderr


def test_summary_and_idempotence(tmp_path: Path) -> None:
    log, db = _log(tmp_path / "a.jsonl", 5), tmp_path / "s.duckdb"
    code, out, err = _run(str(log), "--db", str(db))
    assert code == 0 and "5 accepted, 0 rejected, 0 duplicate" in out and err == ""
    code, out, _ = _run(str(log), "--db", str(db))
    assert code == 0 and "0 accepted, 0 rejected, 5 duplicate" in out


def test_json_summary(tmp_path: Path) -> None:
    log, db = _log(tmp_path / "a.jsonl", 3, bad=2), tmp_path / "s.duckdb"
    code, out, err = _run(str(log), "--db", str(db), "--json")
    assert code == 0
    summary = json.loads(out)
    assert (summary["accepted"], summary["rejected"], summary["duplicates"]) == (3, 2, 0)
    assert summary["files"][0]["format"] == "exchange"
    assert summary["rejects_file"] == f"{db}.rejects.jsonl" and Path(summary["rejects_file"]).exists()
    assert err.count("warning:") == 2 and f"{log}:4: not valid JSON" in err


def test_rejects_are_reported_but_do_not_fail(tmp_path: Path) -> None:
    log = _log(tmp_path / "a.jsonl", 2, bad=30)
    code, out, err = _run(str(log), "--db", str(tmp_path / "s.duckdb"))
    assert code == 0 and "30 rejected (see " in out
    assert err.count("warning:") == 21 and "10 more like these" in err  # the rest are in the file


def test_workers_parse_a_large_file_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stillwatch.ingest import files, run

    monkeypatch.setattr(run, "PARALLEL_FROM", 0)
    monkeypatch.setattr(files, "CHUNK_BYTES", 4096)
    log = _log(tmp_path / "a.jsonl", 300, bad=2)
    code, out, _ = _run(str(log), "--db", str(tmp_path / "s.duckdb"), "--workers", "2", "--json")
    assert code == 0 and (json.loads(out)["accepted"], json.loads(out)["rejected"]) == (300, 2)


def test_a_failed_helper_is_one_line_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from stillwatch.ingest import files, helper, run

    def dead(self: helper.Helper, frames: int) -> list[bytes]:
        raise helper.HelperFailed("the parse process exited (code -9)")

    monkeypatch.setattr(run, "PARALLEL_FROM", 0)
    monkeypatch.setattr(files, "CHUNK_BYTES", 4096)
    monkeypatch.setattr(helper.Helper, "reply", dead)
    code, _, err = _run(str(_log(tmp_path / "a.jsonl", 300)), "--db", str(tmp_path / "s.duckdb"), "--workers", "1")
    assert code == 1 and "the parse process exited (code -9)" in err and "Traceback" not in err


def test_strict_fails_on_the_first_bad_record(tmp_path: Path) -> None:
    log = _log(tmp_path / "a.jsonl", 2, bad=1)
    code, _, err = _run(str(log), "--db", str(tmp_path / "s.duckdb"), "--strict")
    assert code == 1 and f"{log}:3" in err and "Traceback" not in err


def test_truncated_file_fails_naming_it(tmp_path: Path) -> None:
    data = gzip.compress(_log(tmp_path / "full.jsonl", 20_000).read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    code, out, err = _run(str(cut), "--db", str(tmp_path / "s.duckdb"))
    assert code == 1 and "FAILED" in out and f"error: {cut}" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "args",
    [[], ["missing.jsonl"], ["{log}", "--format", "csv"], ["{log}", "--batch-size", "0"], ["{log}", "--nope"],
     ["{log}", "--workers", "-1"]],
)
def test_usage_errors_exit_2(tmp_path: Path, args: list[str]) -> None:
    log = _log(tmp_path / "a.jsonl", 1)
    code, _, _ = _run(*[a.format(log=log) for a in args])
    assert code == 2


def test_no_progress_bar_off_a_terminal(tmp_path: Path) -> None:
    log = _log(tmp_path / "a.jsonl", 50)
    code, out, err = _run(str(log), "--db", str(tmp_path / "s.duckdb"), "--json")
    assert code == 0 and err == "" and out.lstrip().startswith("{")


def test_database_that_cannot_be_opened(tmp_path: Path) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    code, _, err = _run(str(_log(tmp_path / "a.jsonl", 1)), "--db", str(bad))
    assert code == 1 and "cannot open database" in err


def test_progress_helper_draws_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    from stillwatch.cli._output import progress_bar

    with progress_bar(100, "ingest", enabled=True) as advance:
        advance(60)
        advance(40)
    with progress_bar(100, "ingest") as advance:  # stderr is not a terminal under pytest
        advance(100)
    captured = capsys.readouterr()
    assert captured.out == ""
