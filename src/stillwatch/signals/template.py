"""Template fingerprint: a 64-bit id of the prompt's skeleton, the same for every filling.

Campaigns send one template filled with many values ("Solve for x: 3x + 7 = 22 ...").
The skeleton masks what varies between fillings: fenced and inline code, quoted
material, URLs, e-mail addresses, numbers and identifiers containing digits, and runs of
capitalised words that do not start a sentence (names). It is then lowercased with its
whitespace collapsed. Prompts from one template collide; different tasks do not.
"""

from __future__ import annotations

from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from stillwatch.signals._hashing import blake2b_int64
from stillwatch.signals._text import Distinct, squeeze_spaces, string_column, utf8_bytes
from stillwatch.signals.base import Signal

#: Code points of a prompt that the skeleton reads; the rest cannot change the template.
MAX_CHARS = 1024

#: Upper-case letters that can start a name: Latin (ASCII, Latin-1), Greek, Cyrillic.
#: Explicit ranges, because RE2 takes tens of milliseconds to compile ``\p{Lu}``
#: (the gateway pays that per request) and scripts without case have no such cue.
_UPPER = "A-ZÀ-ÖØ-ÞΑ-ΩА-ЯЁ"
_WORD_TAIL = r"[^\s.,!?;:\"”»)\]}]*"

#: (pattern, replacement) applied in order with RE2. Placeholders use U+27E8/U+27E9 so
#: that no later pattern can match inside them. Patterns avoid counted repetition and
#: large Unicode classes, which make compilation slow.
MASKS: tuple[tuple[str, str], ...] = (
    (r"(?s)```.*?(?:```|\z)", " ⟨code⟩ "),
    (r"`[^`\n]+`", "⟨code⟩"),
    (r"(?i)\b(?:https?://|www\.)\S+", "⟨url⟩"),
    (r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "⟨email⟩"),
    (r"\"[^\"\n]+\"|“[^”\n]+”|«[^»\n]+»|「[^」\n]+」|『[^』\n]+』|„[^“\n]+“", "⟨q⟩"),
    (r"(^|[\s(\[{:=,])'[^'\n]+'", "\\1⟨q⟩"),
    (r"[A-Za-z_]*\p{Nd}(?:[\w.,:/-]*\w)?", "⟨n⟩"),
    (
        rf"([^\s.!?;:\"“«(\[{{]\s+)[{_UPPER}]{_WORD_TAIL}(?:\s+[{_UPPER}]{_WORD_TAIL})*",
        "\\1⟨name⟩",
    ),
)


def skeleton(texts: pa.Array) -> pa.Array:
    """The masked, lowercased skeleton of each text (first ``MAX_CHARS`` code points).

    Whitespace is left as it is here; :func:`template_ids` collapses it before hashing
    (one numpy pass, where a regex replace would cost half the time of all the masks).

    Examples
    --------
    >>> skeleton(pa.array([
    ...     "Email Alice Smith at alice@x.org about order #A1234 by 5 May.",
    ...     'Translate "good morning" into French: ```print(1)```',
    ... ])).to_pylist()
    ['email ⟨name⟩ at ⟨email⟩ about order #⟨n⟩ by ⟨n⟩ ⟨name⟩.', 'translate ⟨q⟩ into ⟨name⟩:  ⟨code⟩']
    """
    out = pc.utf8_slice_codeunits(texts, 0, MAX_CHARS)
    for pattern, replacement in MASKS:
        out = pc.replace_substring_regex(out, pattern, replacement)
    return pc.utf8_trim_whitespace(pc.utf8_lower(out))


def template_ids(texts: pa.Array) -> pa.Array:
    """int64 id of each text's skeleton; null stays null.

    The id is BLAKE2b (``_hashing.blake2b_int64``) of the skeleton's UTF-8 with each run
    of ASCII whitespace collapsed to one space.
    """
    distinct = Distinct.of(texts)
    if len(distinct.values) == 0:
        return pa.nulls(len(texts), pa.int64())
    data, offsets = squeeze_spaces(*utf8_bytes(skeleton(distinct.values)))
    ids = blake2b_int64(data, offsets)
    return distinct.spread(ids, pa.int64())


class TemplateFingerprint(Signal):
    """Skeleton ids of the user prompt (``template_id``) and system prompt (``system_template_id``).

    Null where the text is null.

    Examples
    --------
    >>> sig = TemplateFingerprint()
    >>> a = sig.score_one({"prompt_text": "What is 12 + 30? Answer for Bob."})
    >>> b = sig.score_one({"prompt_text": "What is 7 + 9?  Answer for Carol."})
    >>> c = sig.score_one({"prompt_text": "Write a haiku about 12 frogs."})
    >>> a["template_id"] == b["template_id"] != c["template_id"], a["system_template_id"]
    (True, None)
    """

    name: ClassVar[str] = "template"
    version: ClassVar[int] = 1
    inputs: ClassVar[tuple[str, ...]] = ("prompt_text", "system_text")
    fields: ClassVar[tuple[pa.Field, ...]] = (
        pa.field("template_id", pa.int64()),
        pa.field("system_template_id", pa.int64()),
    )

    def score_batch(self, batch: pa.RecordBatch) -> dict[str, pa.Array]:
        return {
            "template_id": template_ids(string_column(batch, "prompt_text")),
            "system_template_id": template_ids(string_column(batch, "system_text")),
        }



