"""Output helpers every subcommand shares: progress on a terminal only, JSON, warnings.

Progress goes to stderr and only when stderr is a terminal, so pipes, CI logs and
``--json`` consumers see nothing but results. ``rich`` is imported only when a bar is
actually drawn.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
import orjson


def on_terminal() -> bool:
    """Whether stderr is an interactive terminal (where progress bars belong)."""
    return sys.stderr.isatty()


@contextmanager
def progress_bar(total: int | None, description: str, *, enabled: bool | None = None) -> Iterator[Callable[[int], None]]:
    """Yield ``advance(n)``; draws a transient bar on a terminal and does nothing elsewhere.

    ``total`` is in bytes (shown as a transfer) or None when unknown.

    >>> with progress_bar(10, "reading", enabled=False) as advance:
    ...     advance(10)
    """
    if not (on_terminal() if enabled is None else enabled):
        yield _ignore
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)


def _ignore(_: int) -> None:
    return None


def print_json(data: Any) -> None:
    """Machine-readable output on stdout: indented JSON, keys in the order given."""
    click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode())


def warn(message: str) -> None:
    """A line for the human on stderr."""
    click.echo(message, err=True)


class LimitedWarnings:
    """Prints the first ``limit`` messages, then counts the rest for one closing line."""

    def __init__(self, limit: int = 20) -> None:
        self.limit = limit
        self.seen = 0

    def __call__(self, message: object) -> None:
        self.seen += 1
        if self.seen <= self.limit:
            warn(f"warning: {message}")

    def close(self, where: str) -> None:
        hidden = self.seen - self.limit
        if hidden > 0:
            warn(f"warning: {hidden} more like these; all are in {where}")
