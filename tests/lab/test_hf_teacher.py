"""A local Hugging Face model as teacher and suspect: a tiny randomly initialised GPT-2 and a
word-level tokenizer, both built here and saved to a temporary folder (nothing is downloaded)."""

import dataclasses
import json

import pytest
import torch

transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from click.testing import CliRunner  # noqa: E402

from stillwatch.cli import cli  # noqa: E402
from stillwatch.lab import QUICK, run_lab  # noqa: E402
from stillwatch.lab.sources import HFTeacher  # noqa: E402
from stillwatch.provenance import WatermarkKey, detect_tokens  # noqa: E402

WORDS = ["<pad>", "<unk>", "<eos>"] + [f"w{i}" for i in range(200)]


@pytest.fixture(scope="module")
def hf_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("hf")
    tk = tokenizers.Tokenizer(tokenizers.models.WordLevel({w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    tk.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
    transformers.PreTrainedTokenizerFast(tokenizer_object=tk, eos_token="<eos>", unk_token="<unk>",
                                         pad_token="<pad>").save_pretrained(path)
    torch.manual_seed(0)
    config = transformers.GPT2Config(vocab_size=len(WORDS), n_layer=2, n_embd=32, n_head=2, n_positions=128,
                                     bos_token_id=2, eos_token_id=2)
    transformers.GPT2LMHeadModel(config).save_pretrained(path)
    return path


PROMPTS = [f"w{i} w{i + 1} w{i + 2}" for i in range(40)]


def test_watermark_goes_through_transformers_generate(hf_dir) -> None:
    teacher = HFTeacher(hf_dir, PROMPTS, max_new=30)
    key = WatermarkKey.generate(seed=1, context=1)
    prompts = teacher.prompts(30, seed=0)
    starts = [len(teacher.tok.encode(p)) for p in prompts]

    def z(watermark) -> float:
        texts = teacher.complete(prompts, seed=1, watermark=watermark)
        seqs = [teacher.tok.encode(p) + teacher.tok.encode(t) for p, t in zip(prompts, texts)]
        return detect_tokens(seqs, key, teacher.tok.vocab_size, starts).z

    # a random model's next-token distributions are wide: the watermark shows at once
    assert z(key) > 4
    assert z(None) < 2


def test_text_test_with_the_models_own_tokenizer(hf_dir, tmp_path) -> None:
    teacher = HFTeacher(hf_dir, PROMPTS, max_new=30)
    key = WatermarkKey.generate(seed=2, context=1)
    key_file = key.save(tmp_path / "k.json")
    prompts = teacher.prompts(20, seed=1)
    for name, watermark, marked in (("marked", key, True), ("clean", None, False)):
        text = tmp_path / f"{name}.txt"
        text.write_text("".join(t + "\n" for t in teacher.complete(prompts, seed=3, watermark=watermark)))
        res = CliRunner().invoke(cli, ["provenance", "test", "--key-file", str(key_file), "--text", str(text),
                                       "--tokenizer", str(hf_dir), "--json"])
        assert res.exit_code == 0, res.output
        assert (json.loads(res.output)["p_value"] < 1e-4) == marked


def test_lab_runs_on_a_local_hf_teacher_and_tests_hf_suspects(hf_dir, tmp_path) -> None:
    tiny = dataclasses.replace(QUICK, story_student_d=16, story_student_steps=5, radio_budget=16,
                               contamination=(0.5,), story_eval=10, feed_problems=6, null_feed=6,
                               null_keys=2, paraphrase_rates=())
    out = tmp_path / "lab"
    run_lab(tiny, out, log=lambda _: None, teacher_model=hf_dir, prompts=PROMPTS)
    saved = json.loads((out / "results.json").read_text())
    assert "distillation" not in saved and saved["radioactivity"]["teacher_model"] == str(hf_dir)
    assert saved["radioactivity"]["teacher"]["watermarked"]["tuples_z"] > 4
    assert [r["contamination"] for r in saved["radioactivity"]["rows"]] == [0.0, 0.5]
    assert "Free-text teacher" in (out / "results.md").read_text()

    res = CliRunner().invoke(cli, ["lab", "run", "--out", str(out), "--teacher-model", str(hf_dir)])
    assert res.exit_code != 0 and "go together" in res.output

    feed = tmp_path / "feed.txt"
    feed.write_text("\n".join(PROMPTS) + "\n")
    res = CliRunner().invoke(cli, ["provenance", "test", "--key-file", str(out / "watermark.key"), "--model",
                                   str(hf_dir), "--feed", str(feed), "--json"])
    assert res.exit_code == 0, res.output
    assert 0.0 <= json.loads(res.output)["p_value"] <= 1.0
