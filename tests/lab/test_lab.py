"""Real (tiny) training runs. Only directional effects that are statistically safe are
asserted; the measured numbers belong to bench/lab."""

import dataclasses
import json

import pytest
import torch
from click.testing import CliRunner

from stillwatch.cli import cli
from stillwatch.lab import QUICK, run_lab
from stillwatch.lab.generate import accuracy, complete, watermark_processor
from stillwatch.lab.model import ModelConfig
from stillwatch.lab.task import sample_problems
from stillwatch.lab.teacher import train_teacher
from stillwatch.lab.tokenizer import CharTokenizer
from stillwatch.lab.train import TrainConfig
from stillwatch.provenance import WatermarkKey, detect_tokens

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def teacher():
    torch.set_num_threads(1)
    tok = CharTokenizer()
    return train_teacher(ModelConfig(tok.vocab_size, 48, 2, 4, 64), TrainConfig(250, 64, 0.01), n_ops=1,
                         n_problems=5000, seed=0)


def test_trained_teacher_beats_chance(teacher) -> None:
    probs = sample_problems(300, 1, seed=99)
    acc = accuracy(complete(teacher, [p.prompt for p in probs], CharTokenizer(), temperature=0), probs)
    assert acc > 0.2  # chance is 0.1: 60 of 300 right by chance has p < 1e-9


def test_teacher_watermark_detected_only_with_it(teacher) -> None:
    tok = CharTokenizer()
    key = WatermarkKey.generate(seed=1)
    prompts = [p.prompt for p in sample_problems(150, 1, seed=98)]
    starts = [len(p) for p in prompts]

    def z(processor) -> float:
        texts = complete(teacher, prompts, tok, seed=5, processor=processor)
        return detect_tokens([tok.encode(p + t) for p, t in zip(prompts, texts)], key, tok.vocab_size, starts).z

    assert z(watermark_processor(key)) > 4
    assert z(None) < 2


def test_lab_run_end_to_end_and_provenance_cli(tmp_path) -> None:
    tiny = dataclasses.replace(
        QUICK, teacher_d=32, teacher_steps=40, teacher_problems=500, student_d=32, student_steps=10,
        budgets=(64, 128), seeds=(0, 1), eval_problems=40, teacher_eval_problems=60, story_teacher_d=32,
        story_teacher_steps=30, story_stories=500, story_eval=20, story_student_d=16, story_student_steps=10,
        contamination=(0.5,), radio_budget=64, null_keys=4, feed_problems=20, null_feed=10, paraphrase_rates=(1.0,))
    results = run_lab(tiny, tmp_path, log=lambda _: None)
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["distillation"]["rows"] == results["distillation"]["rows"]
    assert {(r["policy"], r["budget"]) for r in saved["distillation"]["rows"]} == {
        (p, b) for p in tiny.policies for b in tiny.budgets}
    radio = saved["radioactivity"]
    assert [r["contamination"] for r in radio["rows"]] == [0.0, 0.5] and [r["fed"] for r in radio["rows"]] == [20, 20]
    assert radio["null"]["whitebox"]["n"] == radio["null"]["blackbox"]["n"] == 4
    assert radio["key"]["context"] == 1 and len(radio["paraphrase"]) == 1
    assert (tmp_path / "distillation.png").stat().st_size > 0 and (tmp_path / "radioactivity.png").exists()
    md = (tmp_path / "results.md").read_text()
    assert "| withhold |" in md and "Free-text teacher" in md

    runner = CliRunner()
    key = str(tmp_path / "watermark.key")
    suspect = tmp_path / "suspects" / "contamination-0.50"
    for feed in ([], ["--feed", str(suspect / "served.txt")]):  # default feed: stories from the grammar
        out = runner.invoke(cli, ["provenance", "test", "--key-file", key, "--model", str(suspect), "--json", *feed])
        assert out.exit_code == 0, out.output
        assert json.loads(out.output)["scored"] > 0 and 0.0 <= json.loads(out.output)["p_value"] <= 1.0
    out = runner.invoke(cli, ["provenance", "test", "--key-file", key, "--text", str(suspect / "generated.txt")])
    assert out.exit_code == 0 and "p_value:" in out.output and "meaning:" in out.output
