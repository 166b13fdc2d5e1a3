"""The distillation lab: distillation performed as a measuring instrument.

A small teacher is trained from scratch on a synthetic reasoning task; smaller students are
trained on what a distiller could harvest from it through each gateway policy; the results say
how much each policy costs the distiller. A second teacher, of free text (short stories in a
synthetic language), or a local Hugging Face model, serves partly watermarked answers to
students, and the provenance tests say whether the watermark survives into them. Needs the
``lab`` extra (PyTorch, CPU build); the tokenizers and the tasks do not, so the text detector
can use them without it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["FULL", "QUICK", "LabSettings", "run_lab"]


def __getattr__(name: str) -> Any:
    # PyTorch is imported only when the lab itself is used
    if name == "run_lab":
        from stillwatch.lab.experiment import run_lab

        return run_lab
    if name in ("FULL", "QUICK", "LabSettings"):
        from stillwatch.lab import settings

        return getattr(settings, name)
    raise AttributeError(name)
