from __future__ import annotations

import re
from pathlib import Path

from scanned import HOSTILE, SECRET_PROMPT
from stillwatch.report import ReportOptions, write_report


def test_report_is_self_contained(results_dir: Path, tmp_path: Path) -> None:
    html = write_report(results_dir, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower().replace("&lt;script", "")
    assert "<link" not in html.lower()
    sources = re.findall(r'src="([^"]*)"', html)
    assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    assert "default-src 'none'" in html  # the page may fetch nothing


def test_answer_comes_first(results_dir: Path, tmp_path: Path) -> None:
    html = write_report(results_dir, tmp_path / "r.html").read_text(encoding="utf-8")
    body = html[html.index("<body>") :]
    first_heading = re.search(r"<h1>(.*?)</h1>", body)
    assert first_heading and re.fullmatch(r"\d+ distillation campaigns? found", first_heading.group(1))
    assert body.index("<h1>") < body.index('id="overview"') < body.index('class="dossier"')


def test_prompts_are_escaped_and_redactable(results_dir: Path, tmp_path: Path) -> None:
    shown = write_report(results_dir, tmp_path / "a.html").read_text(encoding="utf-8")
    assert SECRET_PROMPT in shown
    assert HOSTILE not in shown and "&lt;script&gt;alert(" in shown
    hidden = write_report(results_dir, tmp_path / "b.html", ReportOptions(redact=True)).read_text(
        encoding="utf-8"
    )
    assert SECRET_PROMPT not in hidden and "prompt redacted" in hidden


def test_default_output_is_beside_the_results(results_dir: Path) -> None:
    path = write_report(results_dir)
    assert path == results_dir / "report.html" and path.stat().st_size > 10_000
