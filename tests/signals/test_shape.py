"""Prompt length and dominant script."""

from __future__ import annotations

import pytest

from stillwatch.signals.shape import TextShape

TABLE = [
    ("Hello there", 11, "latin"),
    ("Ça va très bien, merci", 22, "latin"),
    ("Привет, как дела?", 17, "cyrillic"),
    ("Γειά σου κόσμε", 14, "greek"),
    ("مرحبا بالعالم", 13, "arabic"),
    ("שלום עולם", 9, "hebrew"),
    ("नमस्ते दुनिया", 13, "devanagari"),
    ("สวัสดีชาวโลก", 12, "thai"),
    ("안녕하세요 세계", 8, "hangul"),
    ("こんにちは、世界の皆さん", 12, "kana"),
    ("你好，世界。今天天气很好。", 13, "han"),
    ("Use numpy: 你好世界你好世界你好世界", 23, "han"),
    ("ԲարԵՎ աշխարհ", 12, "other"),
    ("12345 + 678 = ?", 15, "none"),
    ("", 0, "none"),
]


@pytest.mark.parametrize(("text", "chars", "script"), TABLE)
def test_length_and_script(text: str, chars: int, script: str) -> None:
    assert TextShape().score_one({"prompt_text": text}) == {"prompt_chars": chars, "lang_script": script}


def test_null_prompt() -> None:
    assert TextShape().score_one({}) == {"prompt_chars": None, "lang_script": None}
