"""Peak memory of a process together with its descendants, for the benchmarks.

``ru_maxrss`` is one process's peak. A scan on Spark runs a JVM and Python workers, and an
ingest scores its signals in a child process, so the benchmarks sample the summed RSS of the
whole process tree from /proc instead (Linux only; elsewhere the figure stays 0).
"""

from __future__ import annotations

import os
import threading


def tree_rss(root: int) -> int:
    """Bytes resident in ``root`` and all its descendants."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:  # gone meanwhile
            continue
        for task in tasks:
            # Walking each thread's children costs far less than scanning all of /proc,
            # which matters at a sample every 20 ms beside the process being measured.
            try:
                with open(f"/proc/{pid}/task/{task}/children", "rb") as fh:
                    stack.extend(int(c) for c in fh.read().split())
            except OSError:
                continue
    return total


class TreePeak:
    """Samples ``tree_rss(pid)`` every ``interval`` seconds until ``stop``; ``peak`` is in bytes."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak

    def _run(self) -> None:
        while True:
            self.peak = max(self.peak, tree_rss(self.pid))
            if self._done.wait(self.interval):
                return
