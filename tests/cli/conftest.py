from __future__ import annotations

from pathlib import Path

import pytest

from scanned import make_results


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scanned population: results folder whose summary.json names its DuckDB store."""
    return make_results(tmp_path_factory.mktemp("scanned"))
