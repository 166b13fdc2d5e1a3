"""Real processes on loopback for the gateway tests: mock upstream, gateways, redis-server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = _output(proc)
            raise RuntimeError(f"process exited with {proc.returncode}: {out[-2000:]}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up within {timeout} s")


def _spawn(cmd: list[str], **kwargs: object) -> subprocess.Popen:
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, **kwargs)  # type: ignore[call-overload]
    proc.log = log  # type: ignore[attr-defined]
    return proc


def _output(proc: subprocess.Popen) -> str:
    log = proc.log  # type: ignore[attr-defined]
    log.seek(0)
    return log.read().decode(errors="replace")[-3000:]


def start_upstream(port: int) -> subprocess.Popen:
    proc = _spawn([sys.executable, str(HERE / "mock_upstream.py"), "--port", str(port)])
    wait_http(f"http://127.0.0.1:{port}/v1/models", proc)
    return proc


def start_gateway(port: int, upstream: int, audit: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "stillwatch", "serve", "--upstream", f"http://127.0.0.1:{upstream}",
           "--port", str(port), "--audit", str(audit), "--log-level", "warning", *extra]
    proc = _spawn(cmd, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wait_http(f"http://127.0.0.1:{port}/healthz", proc)
    return proc


def stop(proc: subprocess.Popen) -> str:
    """End the process; returns the tail of its output."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    out = _output(proc)
    proc.log.close()  # type: ignore[attr-defined]
    return out


def redis_server_binary() -> str | None:
    """redis-server, installed with apt-get when missing and this process may install."""
    found = shutil.which("redis-server")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
    subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], env=env,
                   capture_output=True, timeout=300)
    return shutil.which("redis-server")


def start_redis(binary: str, port: int, workdir: Path) -> subprocess.Popen:
    proc = _spawn([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(workdir)])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"redis-server did not start: {stop(proc)}")
