"""The lab needs the ``lab`` extra (PyTorch); without it these tests are not collected."""

import importlib.util

collect_ignore_glob = [] if importlib.util.find_spec("torch") else ["test_*.py"]
