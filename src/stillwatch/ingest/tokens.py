"""Token counts for logs that carry none.

Many logs record usage; some (older gateways, OTLP spans without ``gen_ai.usage.*``) do not.
Budget-style signals need a count either way, so ingest estimates the missing ones and sets
``tokens_estimated`` on the row. No tokenizer and no model download are involved.

Estimator
---------
Byte-pair tokenizers of current frontier models spend about 4 characters of English or code
per token, about one token per CJK character (3 UTF-8 bytes), and land in between for other
scripts (2-byte Cyrillic, Greek, accented Latin). With ``c`` characters and ``b`` UTF-8
bytes, counting every non-ASCII character as if it were CJK-like gives

    tokens(text) = ceil((3 * b - c) / 8)

which is ``c / 4`` for pure ASCII, ``c`` for pure CJK, and ``0.625 c`` for 2-byte scripts.

* ``input_tokens``: tokens of the request's ``messages`` array as stored (compact JSON), so
  role and part framing count about 7 tokens a message, close to real chat templates, plus
  ``ATTACHMENT_TOKENS`` per image or file part (the log does not give their size).
* ``output_tokens``: tokens of ``response`` plus tokens of ``reasoning``.
* ``reasoning_tokens``: tokens of ``reasoning`` when it is shown; left null when hidden.

Expect +-30 % against a real tokenizer on prose. It is meant for volumes and ratios, not
billing. ``estimate_array`` is the same formula over an Arrow column; a test holds the two
to the same numbers.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

#: Tokens charged for an image or file part whose size the log does not give.
ATTACHMENT_TOKENS = 85


def estimate_tokens(text: str | None) -> int:
    """Estimated token count of ``text``; 0 for ``None`` or empty.

    Examples
    --------
    >>> estimate_tokens("Explain the proof step by step.")
    8
    >>> estimate_tokens("请解释这个函数")  # 7 CJK characters
    7
    >>> estimate_tokens(None)
    0
    """
    if not text:
        return 0
    chars = len(text)
    if text.isascii():
        return (chars + 3) // 4  # the general formula, exactly, when b == c
    nbytes = len(text.encode("utf-8", "surrogatepass"))
    return (3 * nbytes - chars + 7) // 8


def fill_estimates(row: dict[str, Any]) -> None:
    """Complete one row's missing token counts in place and set ``tokens_estimated``."""
    estimated = False
    if row["input_tokens"] is None:
        attachments = (row["n_images"] or 0) + (row["n_files"] or 0)
        row["input_tokens"] = estimate_tokens(row["messages"]) + ATTACHMENT_TOKENS * attachments
        estimated = True
    if row["output_tokens"] is None:
        row["output_tokens"] = estimate_tokens(row["response"]) + estimate_tokens(row["reasoning"])
        estimated = True
    if row["reasoning_tokens"] is None and row["reasoning"]:
        row["reasoning_tokens"] = estimate_tokens(row["reasoning"])
        estimated = True
    row["tokens_estimated"] = estimated


def estimate_array(texts: pa.Array) -> pa.Array:
    """``estimate_tokens`` over a string column, null counting as 0.

    >>> estimate_array(pa.array(["Explain the proof step by step.", None, "请解释这个函数"])).to_pylist()
    [8, 0, 7]
    """
    chars = pc.cast(pc.utf8_length(texts), pa.int64())
    nbytes = pc.cast(pc.binary_length(texts), pa.int64())
    raw = pc.divide(pc.add(pc.subtract(pc.multiply(nbytes, 3), chars), 7), 8)
    return pc.fill_null(raw, 0)


def fill_estimates_columns(cols: dict[str, pa.Array]) -> None:
    """The batch form of ``fill_estimates``, over a dict of the row's Arrow columns."""
    need_in = pc.is_null(cols["input_tokens"])
    need_out = pc.is_null(cols["output_tokens"])
    need_rs = pc.and_(pc.is_null(cols["reasoning_tokens"]), pc.greater(pc.utf8_length(cols["reasoning"]), 0))
    need_rs = pc.fill_null(need_rs, False)
    if pc.any(need_in).as_py():
        attachments = pc.add(pc.fill_null(cols["n_images"], 0), pc.fill_null(cols["n_files"], 0))
        guess = pc.add(estimate_array(cols["messages"]), pc.multiply(pc.cast(attachments, pa.int64()), ATTACHMENT_TOKENS))
        cols["input_tokens"] = pc.if_else(need_in, guess, cols["input_tokens"])
    reasoning = estimate_array(cols["reasoning"])
    if pc.any(need_out).as_py():
        guess = pc.add(estimate_array(cols["response"]), reasoning)
        cols["output_tokens"] = pc.if_else(need_out, guess, cols["output_tokens"])
    if pc.any(need_rs).as_py():
        cols["reasoning_tokens"] = pc.if_else(need_rs, reasoning, cols["reasoning_tokens"])
    cols["tokens_estimated"] = pc.or_(pc.or_(need_in, need_out), need_rs)
