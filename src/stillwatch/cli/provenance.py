"""``stillwatch provenance``: watermark keys, and tests of text or models for the watermark."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import click

from stillwatch.cli._output import print_json
from stillwatch.errors import StillwatchError
from stillwatch.provenance.detect import detect_tokens, window_test
from stillwatch.provenance.watermark import WatermarkKey


@click.group(help="Watermark flagged accounts' outputs and test suspect models for it.")
def command() -> None:
    pass


@command.command("new-key", help="Write a fresh random watermark key file.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--gamma", type=float, default=0.25, show_default=True, help="Green share of the vocabulary.")
@click.option("--delta", type=float, default=2.0, show_default=True, help="Logit bias on green tokens.")
@click.option("--context", type=int, default=4, show_default=True, help="Tokens that seed each green list.")
def new_key(path: Path, gamma: float, delta: float, context: int) -> None:
    if path.exists():
        raise StillwatchError(f"{path}: exists; not overwriting a key")
    key = WatermarkKey.generate(gamma=gamma, delta=delta, context=context)
    key.save(path)
    click.echo(f"watermark key {key.key_id}: {path} (keep it secret)")


@command.command("test", help="Test text (black-box) or a model (white-box) for the watermark; prints "
                 "the statistic, the p-value and what it means.")
@click.option("--key-file", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--model", "model_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Suspect model: a lab checkpoint folder or a local Hugging Face model folder.")
@click.option("--text", "text_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Text the suspect generated, one response per line.")
@click.option("--feed", type=click.Path(dir_okay=False, path_type=Path),
              help="With --model: texts to read the model's predictions on, one per line "
                   "(default for a lab model: fresh stories, or worked solutions, of the lab's task).")
@click.option("--tokenizer", default="words", show_default=True,
              help="With --text: how the text was tokenized when it was watermarked: 'words' (the lab's "
                   "story language), 'chars' (the lab's arithmetic task) or a local Hugging Face model folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def test(key_file: Path, model_dir: Path | None, text_file: Path | None, feed: Path | None, tokenizer: str,
         as_json: bool) -> None:
    if (model_dir is None) == (text_file is None):
        raise click.UsageError("give exactly one of --model DIR or --text FILE")
    key = WatermarkKey.load(key_file)
    if text_file is not None:
        lines = _lines(text_file)
        tok = _text_tokenizer(tokenizer)
        seqs = [tok.encode(x) for x in lines]
        det = detect_tokens(seqs, key, tok.vocab_size)
        win = window_test(seqs, key, tok.vocab_size)
        # two tests on the same text: Bonferroni, so the p-value reported stays a p-value
        best = min((det, win), key=lambda d: d.p_value)
        combined = dataclasses.replace(best, p_value=min(1.0, 2 * best.p_value))
        out = {"test": "black-box (text)", "statistic": "z of green tokens, and of green share per window",
               "z": round(det.z, 3), "window_z": round(win.z, 3), "p_value": combined.p_value,
               "green": det.green, "scored": det.scored, "windows": win.scored, "meaning": combined.meaning()}
    else:
        assert model_dir is not None
        out = _model_test(model_dir, key, feed)
    if as_json:
        print_json(out)
        return
    for k, v in out.items():
        click.echo(f"{k}: {v}")


def _text_tokenizer(name: str) -> Any:
    from stillwatch.lab.tokenizer import CharTokenizer, WordTokenizer

    if name in ("words", "chars"):
        return WordTokenizer() if name == "words" else CharTokenizer()
    try:
        from stillwatch.lab.sources import load_hf_tokenizer
    except ImportError as exc:
        raise StillwatchError(f"a Hugging Face tokenizer needs pip install 'stillwatch[lab]' ({exc})") from None
    return load_hf_tokenizer(Path(name))


def _lines(path: Path) -> list[str]:
    try:
        return [x for x in path.read_text(errors="replace").splitlines() if x.strip()]
    except OSError as exc:
        raise StillwatchError(f"{path}: cannot read ({exc.strerror})") from None


def _model_test(model_dir: Path, key: WatermarkKey, feed: Path | None) -> dict[str, object]:
    try:
        from stillwatch.provenance.radioactivity import whitebox_test
        from stillwatch.provenance.suspect import LabSuspect, load_suspect
    except ImportError as exc:
        raise StillwatchError(f"testing a model needs PyTorch: pip install 'stillwatch[lab]' ({exc})") from None
    suspect = load_suspect(model_dir)
    if feed is not None:
        texts, starts = _lines(feed), None
    elif isinstance(suspect, LabSuspect):
        texts, starts = suspect.default_feed()
    else:
        raise click.UsageError("a Hugging Face model needs --feed FILE (texts to read its predictions on)")
    seqs = [suspect.encode(t) for t in texts]
    res = whitebox_test(seqs, suspect.next_token_probs(seqs), key, starts)
    return {"test": "white-box (model)", "statistic": "z of green probability mass", "z": round(res.z, 3),
            "p_value": res.p_value, "scored": res.scored, "green_mass": round(res.green_mass, 4),
            "argmax_p_value": res.argmax.p_value, "meaning": res.meaning()}
