"""Reading the shared prompt corpora (``../shared/corpora``) for training, tests and benches.

Detection code never calls this: the corpora are training and test data only. Each line
is ``{"text", "source", "category", ...}`` with optional ``system``, ``tools`` (dicts with
a ``name``), ``turns``, ``kind``, ``template``, ``subsource`` and ``id``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stillwatch.errors import BadFile


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """One corpus prompt, with the fields the signals' training and tests use."""

    text: str
    category: str
    source: str
    subsource: str = ""
    system: str | None = None
    tools: tuple[str, ...] = ()
    kind: str = ""
    turns: tuple[str, ...] = ()  # all user turns of a multi-turn record, ``text`` first
    group: str = ""  # records sharing a group (one filled template) are split together

    def as_exchange(self) -> dict[str, Any]:
        """A normalised exchange row (``EXCHANGE_SCHEMA`` keys) sending this prompt.

        Examples
        --------
        >>> row = CorpusRecord("hi", "benign_chat", "x", system="be brief").as_exchange()
        >>> row["prompt_text"], row["system_text"], row["n_messages"]
        ('hi', 'be brief', 2)
        """
        messages: list[dict[str, Any]] = []
        if self.system:
            messages.append({"role": "system", "content": self.system})
        messages.append({"role": "user", "content": self.text})
        return {
            "prompt_text": self.text,
            "system_text": self.system,
            "tools": list(self.tools) or None,
            "messages": json.dumps(messages, ensure_ascii=False),
            "n_messages": len(messages),
            "n_user": 1,
            "n_assistant": 0,
            "n_tool": 0,
            "n_images": 0,
            "n_files": 0,
        }


def _tool_names(raw: Any) -> tuple[str, ...]:
    if not isinstance(raw, list):
        return ()
    names = [t.get("name") if isinstance(t, dict) else t for t in raw]
    return tuple(str(n) for n in names if n)


def read_corpus(path: Path, stem: str) -> list[CorpusRecord]:
    """Records of ``path/<stem>.jsonl``; a bad line raises :class:`BadFile` naming it."""
    file = path / f"{stem}.jsonl"
    out: list[CorpusRecord] = []
    with file.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, 1):
            try:
                obj = json.loads(line)
                text = obj["text"]
            except (ValueError, KeyError) as exc:
                raise BadFile(f"{file}:{line_no}: not a corpus record ({exc})") from None
            if not isinstance(text, str):
                raise BadFile(f"{file}:{line_no}: text is not a string")
            system = obj.get("system")
            out.append(
                CorpusRecord(
                    text=text,
                    category=str(obj.get("category") or stem),
                    source=str(obj.get("source") or ""),
                    subsource=str(obj.get("subsource") or ""),
                    system=system if isinstance(system, str) and system else None,
                    tools=_tool_names(obj.get("tools")),
                    kind=str(obj.get("kind") or ""),
                    turns=tuple(str(t) for t in obj.get("turns") or () if isinstance(t, str)),
                    group=str(obj.get("template") or obj.get("id") or text)
                    if obj.get("kind") == "filled"
                    else text,
                )
            )
    return out


def read_all(path: Path, stems: tuple[str, ...]) -> dict[str, list[CorpusRecord]]:
    """:func:`read_corpus` for each stem whose file exists under ``path``."""
    return {s: read_corpus(path, s) for s in stems if (path / f"{s}.jsonl").is_file()}
