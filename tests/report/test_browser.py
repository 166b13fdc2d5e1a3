"""Open the report in headless Chromium (Debian's package): plots render, console is clean."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image

from stillwatch.report import write_report

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--enable-logging=stderr",
    "--v=0",
]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed with apt-get when missing (skips only if that is impossible)."""
    found = shutil.which("chromium")
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip("chromium is missing and cannot be installed here (needs apt-get as root)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
        if done.returncode != 0:
            pytest.skip(f"installing chromium failed: {' '.join(cmd)}: {done.stderr[-500:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    return found


def screenshot(exe: str, page: Path, tmp: Path) -> tuple[np.ndarray, str]:
    shot = tmp / f"{page.stem}.png"
    done = subprocess.run(
        [exe, *FLAGS, f"--user-data-dir={tmp / 'profile'}", f"--screenshot={shot}",
         "--window-size=1280,2000", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    return image.imread(str(shot)), done.stderr


def console_errors(log: str) -> list[str]:
    return [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]


def saturated(pixels: np.ndarray) -> int:
    """Pixels with clear colour (plots), as opposed to white page and grey text."""
    rgb = pixels[..., :3]
    return int(((rgb.max(axis=-1) - rgb.min(axis=-1)) > 0.25).sum())


def test_harness_sees_console_errors(chromium: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.html"
    bad.write_text("<!doctype html><body><p>x</p><script>no_such_function()</script></body>")
    pixels, log = screenshot(chromium, bad, tmp_path)
    assert console_errors(log)
    assert saturated(pixels) < 1000


def test_report_renders_plots_without_console_errors(
    chromium: str, results_dir: Path, tmp_path: Path
) -> None:
    page = write_report(results_dir, tmp_path / "report.html")
    pixels, log = screenshot(chromium, page, tmp_path)
    assert console_errors(log) == []
    assert pixels.shape[:2] == (2000, 1280)
    assert pixels[..., :3].std() > 0.05  # not a blank page
    assert saturated(pixels) > 20_000  # the timeline and bars drew
