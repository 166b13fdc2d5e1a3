"""One chunk of exchange v1 records into rows, and the rejects among them.

Once a file is known to hold exchange v1 records, ingest reads it in chunks, of whole lines
(``reader.iter_chunks``) or of Parquet rows, and turns each chunk into rows here, in this
process or in a parse helper (``parse_process``). A chunk carries the number of its first
line or row, so every row and every reject still names its ``file:line``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

from stillwatch.errors import BadRecord
from stillwatch.ingest.normalize import normalize_row

_SPACE = frozenset(b" \t\r\n\f\v")
#: The garbage collector's youngest-generation threshold while parsing. Every parsed record
#: allocates a dozen dicts and lists, so at the default (700) the collector ran every 50-odd
#: records and walked its older generations again and again; the records hold no cycles.
#: 20,000 took 8-10% off the ingest's CPU (200k simulated exchanges, no signals: 5.8-6.0 s
#: against 5.2-5.5 s), memory unchanged.
GC_THRESHOLD = 20_000


def is_blank(line: bytes) -> bool:
    """Only whitespace (or nothing): skipped, neither a record nor a reject."""
    return not line or (line[0] in _SPACE and not line.strip())


def not_json(exc: orjson.JSONDecodeError) -> str:
    """The reject reason for a line that is not JSON."""
    return f"not valid JSON ({exc.msg} at character {exc.pos})"


@dataclass
class ParsedChunk:
    """The rows of one chunk, and ``(line, reason, raw)`` for each record rejected."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    rejects: list[tuple[int, str, Any]] = field(default_factory=list)


def parse_chunk(data: bytes, name: str, first_line: int, *, stop_at_reject: bool = False) -> ParsedChunk:
    """Parse and normalise each line of ``data`` (whole lines, the first numbered ``first_line``).

    Blank lines are skipped. ``stop_at_reject`` ends at the first reject, keeping the rows
    before it (a strict ingest stores those, then stops).

    >>> chunk = parse_chunk(b'{"id": "e1", "time": 0, "account": "k", "model": "m", "messages": []}\\n'
    ...                     b'\\n{"id": "e2"\\n', "log.jsonl", 7)
    >>> [row[-1] for row in chunk.rows], [(line, reason) for line, reason, _ in chunk.rejects]
    (['log.jsonl:7'], [(9, 'not valid JSON (unexpected end of data at character 11)')])
    """
    parsed = ParsedChunk()
    rows, rejects = parsed.rows, parsed.rejects
    loads = orjson.loads
    lines = data.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()  # the newline that ends the last line starts no line of its own
    for lineno, line in enumerate(lines, first_line):
        if is_blank(line):
            continue
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as exc:
            rejects.append((lineno, not_json(exc), line))
        else:
            try:
                rows.append(normalize_row(obj, f"{name}:{lineno}"))
                continue
            except BadRecord as error:
                rejects.append((lineno, error.reason, line))
        if stop_at_reject:
            break
    return parsed


def parse_records(records: list[Any], name: str, first_line: int, *, stop_at_reject: bool = False) -> ParsedChunk:
    """``parse_chunk`` for records already parsed (Parquet rows); a reject keeps its record."""
    parsed = ParsedChunk()
    for lineno, obj in enumerate(records, first_line):
        try:
            parsed.rows.append(normalize_row(obj, f"{name}:{lineno}"))
        except BadRecord as error:
            parsed.rejects.append((lineno, error.reason, obj))
            if stop_at_reject:
                break
    return parsed
