from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from stillwatch.ingest.tokens import ATTACHMENT_TOKENS, estimate_array, estimate_tokens, fill_estimates, fill_estimates_columns


def test_scripts_weigh_differently() -> None:
    assert estimate_tokens("a" * 400) == 100  # English-like: 4 characters a token
    assert estimate_tokens("数" * 100) == 100  # CJK: a token a character
    assert 50 <= estimate_tokens("д" * 100) <= 70  # 2-byte scripts in between
    assert estimate_tokens("") == estimate_tokens(None) == 0


@settings(max_examples=300, deadline=None)
@given(st.lists(st.none() | st.text(max_size=60), max_size=20))
def test_column_estimate_matches_scalar(texts: list[str | None]) -> None:
    expected = [estimate_tokens(t) for t in texts]
    assert estimate_array(pa.array(texts, type=pa.string())).to_pylist() == expected


def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {"input_tokens": None, "output_tokens": None, "reasoning_tokens": None,
                              "messages": '[{"role":"user","content":"hello"}]', "response": "hi there",
                              "reasoning": None, "n_images": 1, "n_files": 0}  # fmt: skip
    row.update(values)
    return row


def test_only_missing_counts_are_estimated() -> None:
    row = _row(input_tokens=7)
    fill_estimates(row)
    assert row["input_tokens"] == 7 and row["output_tokens"] == estimate_tokens("hi there")
    assert row["reasoning_tokens"] is None and row["tokens_estimated"] is True
    complete = _row(input_tokens=1, output_tokens=2)
    fill_estimates(complete)
    assert complete["tokens_estimated"] is False


def test_attachments_and_reasoning_count() -> None:
    row = _row(reasoning="step one, step two")
    fill_estimates(row)
    assert row["input_tokens"] == estimate_tokens(_row()["messages"]) + ATTACHMENT_TOKENS  # type: ignore[arg-type]
    assert row["reasoning_tokens"] == estimate_tokens("step one, step two")
    assert row["output_tokens"] == estimate_tokens("hi there") + estimate_tokens("step one, step two")


def test_batch_form_matches_row_form() -> None:
    rows = [_row(), _row(input_tokens=3, reasoning="why"), _row(output_tokens=9, reasoning="")]
    cols = {k: pa.array([r[k] for r in rows]) for k in rows[0]}
    cols["n_images"] = pa.array([r["n_images"] for r in rows], pa.int32())
    cols["n_files"] = pa.array([r["n_files"] for r in rows], pa.int32())
    for k in ("input_tokens", "output_tokens", "reasoning_tokens"):
        cols[k] = pa.array([r[k] for r in rows], pa.int64())
    fill_estimates_columns(cols)
    for i, row in enumerate(rows):
        fill_estimates(row)
        for key in ("input_tokens", "output_tokens", "reasoning_tokens", "tokens_estimated"):
            assert cols[key][i].as_py() == row[key], (i, key)
