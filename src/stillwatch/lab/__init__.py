"""The distillation lab: distillation performed as a measuring instrument.

A small teacher is trained from scratch on a synthetic reasoning task; smaller students are
trained on what a distiller could harvest from it through each gateway policy; the results say
how much each policy costs the distiller, and whether the provenance watermark survives into
the students. Needs the ``lab`` extra (PyTorch, CPU build).
"""

from stillwatch.lab.experiment import run_lab
from stillwatch.lab.settings import FULL, QUICK, LabSettings

__all__ = ["FULL", "QUICK", "LabSettings", "run_lab"]
