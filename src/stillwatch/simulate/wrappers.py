"""Instruction wrappers: the words a caller puts around a task, per family and language.

The built-in families live in ``data/wrappers.toml``; a scenario may add its own under
``[wrappers.NAME]``. Slots are filled by plain replacement, so braces in task text are safe.

Examples
--------
>>> w = Wrappers()
>>> t = w.variants("reasoning_reveal", "zh")[0]
>>> "{task}" in t
True
>>> render("Q: {task} A: {answer}", task="2+2?", answer="4")
'Q: 2+2? A: 4'
"""

from __future__ import annotations

import tomllib
from importlib import resources
from typing import Any

from stillwatch.errors import ConfigError


class Wrappers:
    """Wrapper families, each a map of language to variants."""

    def __init__(self, extra: dict[str, Any] | None = None) -> None:
        raw = tomllib.loads((resources.files("stillwatch.simulate") / "data" / "wrappers.toml").read_text("utf-8"))
        self.families: dict[str, dict[str, list[str]]] = raw["families"]
        self.rubrics: list[str] = raw["rubrics"]["en"]
        for name, langs in (extra or {}).items():
            if not isinstance(langs, dict) or not all(
                isinstance(v, list) and v and all(isinstance(s, str) for s in v) for v in langs.values()
            ):
                raise ConfigError(f"wrappers.{name}: expected language = [\"variant\", ...]")
            self.families[name] = {str(k): list(v) for k, v in langs.items()}

    def has(self, family: str) -> bool:
        return family in self.families

    def languages(self, family: str) -> list[str]:
        return list(self.families[family])

    def variants(self, family: str, lang: str) -> list[str]:
        """The family's variants in ``lang``, or in English when it has none in that language."""
        langs = self.families[family]
        return langs.get(lang) or langs.get("en") or next(iter(langs.values()))


def render(template: str, task: str, answer: str = "", rubric: str = "", k: int = 5) -> str:
    """Fill the slots of one variant."""
    out = template.replace("{task}", task)
    if "{answer}" in out:
        out = out.replace("{answer}", answer)
    if "{rubric}" in out:
        out = out.replace("{rubric}", rubric)
    if "{k}" in out:
        out = out.replace("{k}", str(k))
    return out
