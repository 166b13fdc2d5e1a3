"""Cheap structural columns of the prompt: its length and its dominant writing system.

``prompt_chars`` lets the account stage measure prompt-length regularity; ``lang_script``
lets it compare an account's language mix with the population's and notice campaigns
that switch script. The script is read from the UTF-8 lead bytes of the first 300 code
points (with the following byte, which pins down the Unicode block), so no decoding and
no per-text Python is needed.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from stillwatch.signals._text import Distinct, string_column, utf8_bytes
from stillwatch.signals.base import Signal

#: Values of ``lang_script``; "none" means no letters of any script were seen.
SCRIPTS: tuple[str, ...] = (
    "latin", "cyrillic", "greek", "arabic", "hebrew", "devanagari",
    "thai", "hangul", "kana", "han", "other", "none",
)
SAMPLE_CHARS = 300
_NOT_LETTER = 255


def _lookup() -> np.ndarray:
    """Script index for every (lead byte, next byte) pair; _NOT_LETTER for the rest."""
    lut = np.full((256, 256), _NOT_LETTER, dtype=np.uint8)
    s = {name: i for i, name in enumerate(SCRIPTS)}
    for lo, hi in ((0x41, 0x5A), (0x61, 0x7A)):
        lut[lo : hi + 1, :] = s["latin"]
    lut[0xC3:0xCA, :] = s["latin"]  # U+00C0-U+027F, Latin-1 letters and Latin Extended
    lut[0xCD:0xD0, :] = s["greek"]  # U+0340-U+03FF (first few are combining marks)
    lut[0xD0:0xD5, :] = s["cyrillic"]  # U+0400-U+053F
    lut[0xD5:0xD7, :] = s["other"]  # Armenian
    lut[0xD7, :] = s["hebrew"]
    lut[0xD8:0xDC, :] = s["arabic"]  # U+0600-U+06FF
    lut[0xDC:0xE0, :] = s["other"]  # Syriac, Thaana, N'Ko, ...
    lut[0xE0, :] = s["other"]  # U+0800-U+0FFF: Indic and South-East Asian scripts
    lut[0xE0, 0xA4:0xA6] = s["devanagari"]  # U+0900-U+097F
    lut[0xE0, 0xB8:0xBA] = s["thai"]  # U+0E00-U+0E7F
    lut[0xE1, :] = s["other"]  # U+1000-U+1FFF
    lut[0xE1, 0xB8:0xBC] = s["latin"]  # U+1E00-U+1EFF, Latin Extended Additional
    lut[0xE1, 0x84:0x88] = s["hangul"]  # U+1100-U+11FF, Hangul Jamo
    lut[0xE3, 0x81:0x84] = s["kana"]  # U+3040-U+30FF
    lut[0xE3, 0x90:0xC0] = s["han"]  # U+3400-U+3FFF, CJK extension A
    lut[0xE4:0xEA, :] = s["han"]  # U+4000-U+9FFF
    lut[0xEA, 0xB0:0xC0] = s["hangul"]  # U+AC00-U+AFFF
    lut[0xEB:0xED, :] = s["hangul"]  # U+B000-U+CFFF
    lut[0xED, 0x80:0x9F] = s["hangul"]  # U+D000-U+D7BF
    return lut.ravel()


_LUT = _lookup()


def dominant_scripts(texts: pa.Array) -> np.ndarray:
    """Index into ``SCRIPTS`` of each text's most frequent script (kana counts 4x).

    Japanese mixes kanji and kana; weighing kana up keeps it apart from Chinese.

    Examples
    --------
    >>> arr = pa.array(["Hello", "Привет, мир", "你好世界", "こんにちは世界", "١٢٣ مرحبا",
    ...                 "123 !", "", None])
    >>> [SCRIPTS[i] for i in dominant_scripts(arr)]
    ['latin', 'cyrillic', 'han', 'kana', 'arabic', 'none', 'none', 'none']
    """
    sample = pc.utf8_slice_codeunits(texts, 0, SAMPLE_CHARS)
    # Most prompts are pure ASCII, where the only letters are Latin: one RE2 scan for a
    # letter decides them, instead of the byte-pair lookup and counting below.
    ascii_ = np.asarray(pc.fill_null(pc.string_is_ascii(sample), True), dtype=bool)
    best = np.full(len(texts), SCRIPTS.index("none"), dtype=np.int64)
    if ascii_.any():
        plain = sample if ascii_.all() else sample.filter(pa.array(ascii_))
        letter = np.asarray(pc.fill_null(pc.match_substring_regex(plain, "[A-Za-z]"), False), dtype=bool)
        best[ascii_] = np.where(letter, SCRIPTS.index("latin"), SCRIPTS.index("none"))
    if not ascii_.all():
        rest = ~ascii_
        best[rest] = _counted_scripts(sample.filter(pa.array(rest)))
    return best


def _counted_scripts(sample: pa.Array) -> np.ndarray:
    """``dominant_scripts`` of texts already cut to ``SAMPLE_CHARS``, by counting letters."""
    data, offs = utf8_bytes(sample)
    n = len(sample)
    if len(data) == 0:
        return np.full(n, SCRIPTS.index("none"), dtype=np.int64)
    lead = np.flatnonzero((data & 0xC0) != 0x80)
    nxt = data[np.minimum(lead + 1, len(data) - 1)].astype(np.int64)
    script = _LUT[data[lead].astype(np.int64) * 256 + nxt]
    letter = script != _NOT_LETTER
    rows = np.repeat(np.arange(n), np.diff(offs))[lead[letter]]
    counts = np.bincount(rows * len(SCRIPTS) + script[letter], minlength=n * len(SCRIPTS))
    counts = counts.reshape(n, len(SCRIPTS)).astype(np.float64)
    counts[:, SCRIPTS.index("kana")] *= 4
    best = counts.argmax(axis=1)
    best[counts.max(axis=1) == 0] = SCRIPTS.index("none")
    return best


class TextShape(Signal):
    """Prompt length in code points (``prompt_chars``) and dominant script (``lang_script``).

    Both null when there is no prompt.

    Examples
    --------
    >>> TextShape().score_one({"prompt_text": "Как дела? OK"})
    {'prompt_chars': 12, 'lang_script': 'cyrillic'}
    """

    name: ClassVar[str] = "shape"
    version: ClassVar[int] = 1
    inputs: ClassVar[tuple[str, ...]] = ("prompt_text",)
    fields: ClassVar[tuple[pa.Field, ...]] = (
        pa.field("prompt_chars", pa.int32()),
        pa.field("lang_script", pa.string()),
    )

    def score_batch(self, batch: pa.RecordBatch) -> dict[str, pa.Array]:
        prompt = string_column(batch, "prompt_text")
        distinct = Distinct.of(prompt)
        names = np.asarray(SCRIPTS, dtype=object)
        scripts = names[dominant_scripts(distinct.values)] if len(distinct.values) else names[:0]
        return {
            "prompt_chars": pc.utf8_length(prompt).cast(pa.int32()),
            "lang_script": distinct.spread(scripts, pa.string()),
        }
