"""Doctest collection of ``src/``: the lab's modules import PyTorch (the ``lab`` extra), so
without it they are not collected."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("torch") else ["src/stillwatch/lab/*"]
