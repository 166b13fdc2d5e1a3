"""Synthetic response and reasoning text, with token counts that match it.

Answers need not be right, only shaped like answers: each style and language has a long
pseudo-text built once from a sentence bank, and a response is a slice of the wanted length
starting at a random word. Slicing keeps generation cheap, and random offsets keep unrelated
responses from repeating one another. Token counts use a characters-per-token ratio per
language, so ``output_tokens`` always agrees with the text logged.

Examples
--------
>>> import numpy as np
>>> from stillwatch.simulate._draws import Draws
>>> bank = TextBank(seed=0)
>>> text, tokens = bank.take("prose", "en", 50, Draws(np.random.default_rng(1)))
>>> 40 <= tokens <= 60 and abs(len(text) / 4 - tokens) <= 1
True
"""

from __future__ import annotations

import zlib

import numpy as np

from stillwatch.simulate._draws import Draws

#: Characters per token, by language (rough averages of current tokenizers).
CHARS_PER_TOKEN = {"en": 4.0, "de": 3.6, "fr": 3.6, "es": 3.6, "pt": 3.6, "ru": 2.8, "ar": 2.6,
                   "zh": 1.4, "ja": 1.5, "ko": 1.6, "code": 3.2}

_SENTENCES: dict[str, tuple[str, ...]] = {
    "en": (
        "The short answer is that it depends on the constraints you care about most.",
        "Let's break this down into a few parts.", "First, consider what happens at the boundary.",
        "This works because each step preserves the invariant.", "A common mistake is to skip this check.",
        "In practice, most teams start with the simplest option and measure.",
        "Here is a concrete example to make it clearer.", "Note that the result changes if the input is empty.",
        "Putting it together gives the final result.", "You can verify this by substituting the values back.",
        "There are two reasonable approaches, each with trade-offs.", "The second approach scales better.",
        "If you need more detail on any step, let me know.", "Historically, this idea developed gradually.",
        "Keep in mind the assumptions behind this estimate.", "So the total comes to the value below.",
        "That is why the method is preferred for larger inputs.", "Finally, double-check the units.",
    ),
    "zh": ("首先，我们需要明确问题的条件。", "接下来，逐步分析每一个部分。", "这一步的关键在于保持不变量。",
           "因此，可以得到下面的结果。", "需要注意输入为空的情况。", "换句话说，答案取决于具体的约束。",
           "我们可以把数值代回去进行验证。", "综上所述，最终结果如下。", "这里给出一个具体的例子。"),
    "ru": ("Сначала уточним условия задачи.", "Далее разберём каждую часть по очереди.",
           "Ключевой момент здесь — сохранение инварианта.", "Следовательно, получаем следующий результат.",
           "Обратите внимание на случай пустого ввода.", "Проверим ответ, подставив значения обратно.",
           "Итак, окончательный результат таков."),
    "es": ("Primero, aclaremos las condiciones del problema.", "Después analizamos cada parte por separado.",
           "La clave está en mantener el invariante.", "Por lo tanto, obtenemos el siguiente resultado.",
           "Hay que tener en cuenta el caso de entrada vacía.", "En resumen, el resultado final es este."),
    "ar": ("أولاً، لنحدد شروط المسألة.", "بعد ذلك نحلل كل جزء على حدة.", "المفتاح هنا هو الحفاظ على الثابت.",
           "وبالتالي نحصل على النتيجة التالية.", "يجب الانتباه إلى حالة المدخلات الفارغة.", "إذن النتيجة النهائية هي:"),
    "ko": ("먼저 문제의 조건을 정리해 봅시다.", "다음으로 각 부분을 하나씩 분석합니다.", "핵심은 불변량을 유지하는 것입니다.",
           "따라서 다음과 같은 결과를 얻습니다.", "입력이 비어 있는 경우에 주의해야 합니다.", "결론적으로 최종 결과는 다음과 같습니다."),
    "de": ("Zunächst klären wir die Bedingungen der Aufgabe.", "Danach betrachten wir jeden Teil einzeln.",
           "Entscheidend ist, dass die Invariante erhalten bleibt.", "Daraus ergibt sich das folgende Ergebnis.",
           "Achte auf den Fall einer leeren Eingabe.", "Zusammengefasst lautet das Endergebnis so."),
    "fr": ("D'abord, précisons les conditions du problème.", "Ensuite, analysons chaque partie séparément.",
           "L'essentiel est de conserver l'invariant.", "On obtient donc le résultat suivant.",
           "Attention au cas d'une entrée vide.", "En résumé, le résultat final est le suivant."),
    "ja": ("まず、問題の条件を整理します。", "次に、各部分を順番に分析します。", "重要なのは不変条件を保つことです。",
           "したがって、次の結果が得られます。", "入力が空の場合に注意してください。", "まとめると、最終的な結果は次のとおりです。"),
    "pt": ("Primeiro, vamos esclarecer as condições do problema.", "Depois analisamos cada parte separadamente.",
           "O essencial é manter o invariante.", "Portanto, obtemos o seguinte resultado.",
           "Atenção ao caso de entrada vazia.", "Em resumo, o resultado final é este."),
}
_CODE_LINES = (
    "def solve(items):", "    result = []", "    for i, x in enumerate(items):", "        if x is None:",
    "            continue", "        result.append(transform(x))", "    return result", "", "import pytest",
    "def test_solve_empty():", "    assert solve([]) == []", "class Cache:", "    def __init__(self, size=128):",
    "        self.size = size", "        self._data = {}", "    def get(self, key):", "        return self._data.get(key)",
    "for (let i = 0; i < n; i++) {", "  total += values[i];", "}", "SELECT region, SUM(amount) AS total",
    "FROM orders GROUP BY region ORDER BY total DESC;", "fn main() {", "    println!(\"{}\", answer);", "}",
)
_REASONING = ("Let me think about what is being asked.", "The user wants", "I should check the edge cases.",
              "Wait, that doesn't look right; let me recompute.", "So the key quantity is", "Okay, that gives",
              "Alternatively, I could approach it from the other direction.", "Let me verify with a small example.",
              "That matches, so I'm fairly confident.", "Now I need to structure the answer clearly.")
_MATH = ("We have", "Subtracting gives", "Multiplying both sides by", "So x =", "Therefore the total is",
         "Check:", "which simplifies to", "Dividing by", "The answer is")


class TextBank:
    """Long pseudo-texts per (style, language), sliced to the length wanted."""

    def __init__(self, seed: int, size: int = 60_000) -> None:
        self._seed = seed
        self._size = size
        # (style, language) -> (text, its length, characters per token, boundary to start at)
        self._texts: dict[tuple[str, str], tuple[str, int, float, str]] = {}

    def take(self, style: str, lang: str, tokens: int, draws: Draws) -> tuple[str, int]:
        """A text of about ``tokens`` tokens and its exact token count under our ratio."""
        if style == "code":
            lang = "code"
        entry = self._texts.get((style, lang))
        if entry is None:
            src = self._build(style, lang)
            entry = self._texts[style, lang] = (src, len(src), CHARS_PER_TOKEN.get(lang, 4.0),
                                                "\n" if lang == "code" else " ")
        src, size, cpt, boundary = entry
        n = int(tokens * cpt) or 1
        if n >= size - 81:
            n = size - 81
        start = int(draws.u() * (size - 80 - n))
        # Begin at a line (code) or word boundary, as a real text would.
        cut = src.find(boundary, start, start + 80)
        if cut >= 0:
            start = cut + 1
        out = src[start : start + n]
        return out, round(len(out) / cpt) or 1

    def _build(self, style: str, lang: str) -> str:
        if style == "code":
            bank, sep = _CODE_LINES, "\n"
        elif style == "reasoning" and lang == "en":
            bank, sep = _REASONING + _SENTENCES["en"], " "
        elif style == "math" and lang == "en":
            bank, sep = tuple(f"{w} {n}." for w in _MATH for n in (2, 3, 7, 12, 18, 42, 96, 144)), " "
        else:
            bank, sep = _SENTENCES.get(lang, _SENTENCES["en"]), "" if lang in ("zh", "ja") else " "
        parts: list[str] = []
        length = 0
        # Seeded per text, so a text never depends on which was built first (or in which process).
        rng = np.random.default_rng([self._seed, zlib.crc32(style.encode()), zlib.crc32(lang.encode())])
        picks = rng.integers(len(bank), size=self._size // 8).tolist()
        for i in picks:
            parts.append(bank[i])
            length += len(bank[i]) + len(sep)
            if length >= self._size:
                break
        return sep.join(parts)
