"""Doctest collection of ``src/``: modules of optional extras are collected only where the
extra is installed (the lab's need PyTorch, the Spark engine's sqlglot and PySpark)."""

import importlib.util

collect_ignore_glob = [
    glob
    for module, glob in (("torch", "src/stillwatch/lab/*"), ("sqlglot", "src/stillwatch/spark/*"))
    if importlib.util.find_spec(module) is None
]
