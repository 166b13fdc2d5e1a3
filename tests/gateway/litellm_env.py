"""A LiteLLM proxy with the stillwatch guardrail, as a real process on loopback.

LiteLLM's dependencies conflict with constraints.txt, so it lives in a venv of its own:
``.venv/litellm`` (or ``$STILLWATCH_LITELLM_VENV``), created on first use with
``pip install -c constraints-litellm.txt -e '.[litellm]'`` (a minute or two).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
from procs import _output, _spawn

ROOT = Path(__file__).resolve().parents[2]


def litellm_venv() -> Path:
    """The venv's directory, created and installed when its ``litellm`` is missing."""
    venv = Path(os.environ.get("STILLWATCH_LITELLM_VENV") or ROOT / ".venv" / "litellm")
    if (venv / "bin" / "litellm").exists():
        return venv
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    for args in (["pip>=24,<27"], ["-c", str(ROOT / "constraints-litellm.txt"), "-e", f"{ROOT}[litellm]"]):
        done = subprocess.run(pip + args, capture_output=True, text=True, timeout=900)
        if done.returncode != 0:
            raise RuntimeError(f"installing the LiteLLM venv failed:\n{done.stderr[-3000:]}")
    return venv


def write_config(directory: Path, upstream_port: int, model: str = "m1", **options: str) -> Path:
    """config.yaml: one model on the mock upstream, and (with options) the guardrail on by default."""
    lines = [
        "model_list:",
        f"  - model_name: {model}",
        "    litellm_params:",
        f"      model: openai/{model}",
        f"      api_base: http://127.0.0.1:{upstream_port}/v1",
        "      api_key: upstream-key",
    ]
    if options:
        lines += [
            "guardrails:",
            "  - guardrail_name: stillwatch",
            "    litellm_params:",
            "      guardrail: stillwatch.gateway.litellm_guardrail.StillwatchGuardrail",
            "      mode: [pre_call, post_call]",
            "      default_on: true",
        ] + [f"      stillwatch_{k}: {v}" for k, v in options.items()]
    path = directory / "litellm.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_litellm(venv: Path, config: Path, port: int, timeout: float = 120.0) -> subprocess.Popen:
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONUNBUFFERED": "1"}
    proc = _spawn([str(venv / "bin" / "litellm"), "--config", str(config), "--port", str(port),
                   "--host", "127.0.0.1", "--num_workers", "1"], env=env)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"litellm exited with {proc.returncode}: {_output(proc)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/liveliness", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    proc.kill()
    raise RuntimeError(f"litellm did not come up within {timeout} s: {_output(proc)}")
