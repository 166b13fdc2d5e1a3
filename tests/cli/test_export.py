from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import stix2
from click.testing import CliRunner

from stillwatch.cli import cli


def test_export_with_new_key_writes_a_valid_bundle(results_dir: Path, tmp_path: Path) -> None:
    key, out = tmp_path / "key", tmp_path / "b.json"
    done = CliRunner().invoke(cli, ["export", str(results_dir), "--stix", str(out),
                                    "--new-key-file", str(key), "--tlp", "green", "--provider", "Acme AI"])
    assert done.exit_code == 0, done.output
    text = out.read_text()
    bundle = stix2.parse(text, allow_custom=True)
    assert any(o["type"] == "identity" and o["name"] == "Acme AI" for o in bundle.objects)
    assert key.read_text().strip() not in text and key.read_text().strip() not in done.output
    again = CliRunner().invoke(cli, ["export", str(results_dir), "--stix", str(out), "--key-file", str(key)])
    assert again.exit_code == 0, again.output


def test_export_without_key_is_a_one_line_error(results_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "stillwatch", "export", str(results_dir), "--stix", str(tmp_path / "b.json")],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: an HMAC key is needed") and "Traceback" not in done.stderr
