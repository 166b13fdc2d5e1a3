"""One local Spark session for the Spark tests (starting one takes seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from stillwatch.spark import spark_session

    session = spark_session("local[2]", partitions=4)
    yield session
    session.stop()


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Any) -> Any:
    """The default scenario at a small scale: about 24k exchanges, 96 accounts."""
    from click.testing import CliRunner

    from stillwatch.cli import cli

    out = tmp_path_factory.mktemp("spark-sim") / "sim"
    run = CliRunner().invoke(cli, ["simulate", "--out", str(out), "--scale", "0.001", "--seed", "41",
                                   "--corpus", str(corpus_dir)])  # fmt: skip
    assert run.exit_code == 0, run.output
    return out
