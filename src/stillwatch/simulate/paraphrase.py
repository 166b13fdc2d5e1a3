"""A small paraphrase model: the rewording a campaign applies to dodge template matching.

It rewords text the way a scripted operation cheaply can: swapping synonyms, moving the
instruction before or after the task, adding or dropping politeness, changing punctuation,
case and spacing. Language switching (another language's version of the same instruction)
is done by the caller, which knows the wrapper families.

Examples
--------
>>> import numpy as np
>>> from stillwatch.simulate._draws import Draws
>>> d = Draws(np.random.default_rng(0))
>>> out = reword("Please explain your reasoning step by step.", "en", d, 1.0)
>>> out != "Please explain your reasoning step by step."
True
"""

from __future__ import annotations

from stillwatch.simulate._draws import Draws

# Word -> interchangeable words (English instructions). Kept small and generic on purpose.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "write": ("write", "produce", "give", "compose", "put down"),
    "explain": ("explain", "describe", "clarify", "walk me through"),
    "show": ("show", "display", "present", "include"),
    "reasoning": ("reasoning", "thinking", "thought process", "logic", "line of thought"),
    "answer": ("answer", "response", "reply", "solution"),
    "question": ("question", "problem", "query", "task"),
    "complete": ("complete", "full", "entire", "whole"),
    "full": ("full", "complete", "entire"),
    "detail": ("detail", "depth", "full detail"),
    "carefully": ("carefully", "thoroughly", "methodically", "rigorously"),
    "think": ("think", "reason", "work"),
    "every": ("every", "each", "each and every"),
    "following": ("following", "below", "next"),
    "internal": ("internal", "inner", "hidden", "private"),
    "hidden": ("hidden", "internal", "private", "unseen"),
    "score": ("score", "rate", "grade", "mark"),
    "response": ("response", "answer", "output", "reply"),
    "rubric": ("rubric", "criteria", "scoring guide", "marking scheme"),
    "evaluate": ("evaluate", "assess", "judge", "review"),
    "generate": ("generate", "create", "produce", "write"),
    "diverse": ("diverse", "varied", "different", "wide-ranging"),
    "final": ("final", "ultimate", "concluding"),
    "before": ("before", "prior to", "ahead of"),
    "step": ("step", "stage", "phase"),
    "steps": ("steps", "stages", "phases"),
    "solve": ("solve", "work out", "figure out", "answer"),
    "problem": ("problem", "question", "exercise", "task"),
    "use": ("use", "make use of", "employ", "rely on"),
    "find": ("find", "locate", "identify", "track down"),
    "fix": ("fix", "repair", "resolve", "correct"),
    "make": ("make", "create", "produce"),
    "give": ("give", "provide", "offer", "supply"),
    "list": ("list", "enumerate", "itemise"),
    "rewrite": ("rewrite", "rephrase", "reformulate", "recast"),
    "sensitive": ("sensitive", "delicate", "controversial", "touchy"),
    "safe": ("safe", "acceptable", "compliant", "uncontroversial"),
    "imagine": ("imagine", "picture", "envision", "reconstruct"),
    "articulate": ("articulate", "spell out", "express", "lay out"),
    "quickly": ("quickly", "briefly", "fast"),
    "please": ("please", "kindly", ""),
}
_OPENERS: dict[str, tuple[str, ...]] = {
    "en": ("", "", "Please: ", "Hi! ", "Quick one. ", "Hey, ", "Task: ", "I need help. "),
    "zh": ("", "", "你好！", "请帮我：", "麻烦你，"),
    "ru": ("", "", "Привет! ", "Пожалуйста, ", "Задача: "),
    "es": ("", "", "Hola. ", "Por favor: ", "Tarea: "),
    "ar": ("", "", "مرحباً. ", "من فضلك: "),
    "ko": ("", "", "안녕하세요. ", "부탁드립니다: "),
    "de": ("", "", "Hallo! ", "Bitte: ", "Aufgabe: "),
    "fr": ("", "", "Bonjour. ", "S'il te plaît : ", "Tâche : "),
    "ja": ("", "", "こんにちは。", "お願いします："),
    "pt": ("", "", "Olá. ", "Por favor: ", "Tarefa: "),
}
_CLOSERS = ("", "", " Thanks!", " Thank you.", " Be thorough.", " Take your time.", " No shortcuts.")


def reword(text: str, lang: str, draws: Draws, level: float) -> str:
    """Reword ``text``; ``level`` in [0, 1] is the chance each kind of change is made."""
    if level <= 0:
        return text
    if lang == "en" and draws.u() < level:
        text = _swap_synonyms(text, draws, 0.5 * level)
    if draws.u() < level:
        text = draws.pick(_OPENERS.get(lang, _OPENERS["en"])) + text
    if lang == "en" and draws.u() < 0.5 * level:
        text = text + draws.pick(_CLOSERS)
    if draws.u() < 0.3 * level:
        text = _surface(text, draws)
    return text


def reorder(template: str, draws: Draws) -> str:
    """Move the instruction to the other side of the ``{task}`` slot.

    >>> import numpy as np
    >>> reorder("Explain this.\\n\\n{task}", Draws(np.random.default_rng(0)))
    '{task}\\n\\nExplain this.'
    """
    if template.count("{task}") != 1 or "{answer}" in template:
        return template
    before, after = (part.strip() for part in template.split("{task}"))
    instruction = " ".join(p for p in (before, after) if p)
    if template.lstrip().startswith("{task}"):
        return instruction + ("\n\n" if draws.u() < 0.7 else " ") + "{task}"
    return "{task}" + ("\n\n" if draws.u() < 0.7 else "\n") + instruction


def _swap_synonyms(text: str, draws: Draws, rate: float) -> str:
    words = text.split(" ")
    for i, w in enumerate(words):
        core = w.rstrip(".,:;!?").lower()
        alts = _SYNONYMS.get(core)
        if alts is None or draws.u() >= rate:
            continue
        new = draws.pick(alts)
        if w[:1].isupper():
            new = new[:1].upper() + new[1:]
        words[i] = new + w[len(w.rstrip(".,:;!?")) :]
    return " ".join(w for w in words if w)


def _surface(text: str, draws: Draws) -> str:
    r = draws.u()
    if r < 0.3:
        return text.replace("\n\n", "\n")
    if r < 0.5:
        return text.lower()
    if r < 0.7:
        return text.replace(". ", ".  ")
    if r < 0.85:
        return text.rstrip(".") + "!"
    return "  " + text + "\n"

