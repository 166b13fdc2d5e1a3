"""Radioactivity (Sander et al. 2024, "Watermarking Makes Language Models Radioactive") on free
text: students are trained on a teacher's answers of which a share was watermarked (the answers
the gateway served to flagged accounts), then tested with the key.

* **white-box** (Sander et al.'s supervised, open-model setting): the gateway logs the answers
  it watermarked, so the student reads those and ``read_suspect``/``score_readings`` score each
  watermark window once, on the student's mean predicted distribution there. A student that
  learned from the text leans toward the continuations it saw, which lean green;
* **black-box**: the student answers the same prompts and the watermark detector counts green
  tokens once per distinct (window, token) tuple (``detect_tokens``); the window test is
  reported beside it;
* **null**: the student that saw no watermarked text is tested against many keys it never saw,
  each exactly as the real test runs (the teacher's answers watermarked with that key, read by
  the student); its p-values should look uniform (Kolmogorov-Smirnov);
* **paraphrase**: the distiller rewords what it harvested before training.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stillwatch.lab.generate import complete
from stillwatch.lab.model import ModelConfig, TinyGPT
from stillwatch.lab.settings import LabSettings
from stillwatch.lab.sources import Teacher
from stillwatch.lab.stats import uniformity
from stillwatch.lab.story import paraphrase_story
from stillwatch.lab.tokenizer import PAD
from stillwatch.lab.train import TrainConfig, encode_pairs, fit
from stillwatch.provenance.detect import detect_tokens, window_test
from stillwatch.provenance.radioactivity import blackbox_test, read_suspect, score_readings
from stillwatch.provenance.watermark import WatermarkKey

Log = Callable[[str], None]
Pairs = list[tuple[str, str]]


@torch.no_grad()
def next_token_probs(model: TinyGPT, seqs: Sequence[Sequence[int]], batch_size: int = 256) -> list[np.ndarray]:
    """The model's next-token distribution at every position of each sequence."""
    out: list[np.ndarray] = []
    for s in range(0, len(seqs), batch_size):
        chunk = seqs[s: s + batch_size]
        width = max(len(x) for x in chunk)
        ids = torch.full((len(chunk), width), PAD, dtype=torch.long)
        for i, x in enumerate(chunk):
            ids[i, : len(x)] = torch.tensor(list(x))
        probs = torch.softmax(model(ids), -1).numpy()
        out += [probs[i, : len(x)] for i, x in enumerate(chunk)]
    return out


class RadioactivityExperiment:
    def __init__(self, settings: LabSettings, teacher: Teacher, key: WatermarkKey, out: Path,
                 say: Log = print) -> None:
        self.s = settings
        self.teacher = teacher
        self.tok = teacher.tok
        self.key = key
        self.out = out
        self.say = say

    # ---- pieces ----------------------------------------------------------------------
    def harvest(self, n: int, seed: int, watermark: WatermarkKey | None) -> Pairs:
        prompts = self.teacher.prompts(n, seed)
        return [(p, c + "\n") for p, c in zip(prompts, self.teacher.complete(prompts, seed=seed + 1,
                                                                               watermark=watermark))]

    def student(self, pairs: Pairs, seed: int) -> TinyGPT:
        s = self.s
        torch.manual_seed(seed)
        model = TinyGPT(ModelConfig(self.tok.vocab_size, s.story_student_d, s.story_student_layers, 4,
                                    self.teacher.max_len))
        fit(model, encode_pairs(pairs, self.tok, self.teacher.max_len),
            TrainConfig(s.story_student_steps, s.batch_size, s.story_lr), seed)
        return model

    def teacher_quality(self) -> dict[str, Any]:
        s = self.s
        prompts = self.teacher.prompts(s.story_eval, s.seed + 7)
        clean = self.teacher.complete(prompts, seed=s.seed + 11)
        marked = self.teacher.complete(prompts, seed=s.seed + 11, watermark=self.key)
        out: dict[str, Any] = {"prompts": len(prompts), "vocab_size": self.tok.vocab_size}
        for name, texts in (("clean", clean), ("watermarked", marked)):
            out[name] = self.teacher.task_scores(prompts, texts)
            seqs, starts = self._encode(prompts, texts)
            det, win = detect_tokens(seqs, self.key, self.tok.vocab_size, starts), window_test(
                seqs, self.key, self.tok.vocab_size, starts)
            out[name] |= {"tuples_z": round(det.z, 2), "tuples_scored": det.scored, "window_z": round(win.z, 2)}
        out["cost_points"] = {k: round(100 * (v - out["watermarked"][k]), 2) for k, v in out["clean"].items()
                              if not k.startswith(("tuples", "window"))}
        return out

    def _encode(self, prompts: Sequence[str], texts: Sequence[str]) -> tuple[list[list[int]], list[int]]:
        heads = [self.tok.encode(p) for p in prompts]
        # an answer cut at the model's length (no end token) would overrun it by the "\n" we add
        return [(h + self.tok.encode(t))[: self.teacher.max_len] for h, t in zip(heads, texts)], [len(h) for h in heads]

    # ---- the experiment ----------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        s = self.s
        started = time.perf_counter()
        results: dict[str, Any] = {"key": {"gamma": s.gamma, "delta": s.delta, "context": self.key.context},
                                   "budget": s.radio_budget, "teacher": self.teacher_quality()}
        self.say(f"free-text teacher: {results['teacher']}")
        budget = s.radio_budget
        # the answers the gateway watermarked for flagged accounts (it logs them), and clean ones
        served = self.harvest(budget, s.seed + 3, self.key)
        clean = self.harvest(budget, s.seed + 5, None)
        self.say(f"harvested {2 * budget} answers ({time.perf_counter() - started:.0f}s)")

        rows: list[dict[str, Any]] = []
        null: dict[str, Any] = {}
        for share in (0.0, *s.contamination):
            n = round(share * budget)
            for seed in s.radio_seeds:
                model = self.student(served[:n] + clean[: budget - n], 7000 + seed)
                name = f"contamination-{share:.2f}" if seed == s.radio_seeds[0] else None
                # what was served watermarked to the accounts whose data the student learned from;
                # the clean student is read on answers served to others
                feed = served[: min(n, s.feed_problems)] if n else served[: s.feed_problems]
                row = {"contamination": share, "seed": seed, "fed": len(feed), **self.tests(model, feed, seed, name)}
                if share == 0.0 and not null:
                    null = self.null_pvalues(model, row, [p for p, _ in feed])
                rows.append(public(row))
                self.say(f"radioactivity {share:.2f} seed {seed}: {public(row)} ({time.perf_counter() - started:.0f}s)")
        para = []
        for rate in s.paraphrase_rates:
            rng = np.random.default_rng(s.seed + 8)
            n = round(s.paraphrase_contamination * budget)
            # the distiller rewords everything it harvested, not only the part we watermarked;
            # we still hold only the originals
            pairs = [(p, paraphrase_story(c.rstrip("\n"), rate, rng) + "\n")
                     for p, c in served[:n] + clean[: budget - n]]
            row = {"rate": rate, "contamination": s.paraphrase_contamination,
                   **self.tests(self.student(pairs, 7100), served[: min(n, s.feed_problems)], 0)}
            para.append(public(row))
            self.say(f"paraphrase {rate}: {public(row)}")
        return results | {"rows": rows, "null": null, "paraphrase": para,
                          "seconds": round(time.perf_counter() - started, 1)}

    def tests(self, model: TinyGPT, feed: Pairs, seed: int, save: str | None = None) -> dict[str, Any]:
        """White-box on ``feed`` (served watermarked answers), black-box on the student's own
        answers to the same prompts."""
        prompts = [p for p, _ in feed]
        seqs, starts = self._encode(prompts, [c for _, c in feed])
        readings = read_suspect(seqs, next_token_probs(model, seqs), self.key.context, starts)
        wb = score_readings(readings, self.key)
        gen = self.generate(model, prompts, seed)
        gen_seqs, gen_starts = self._encode(prompts, gen)
        tuples = blackbox_test(gen_seqs, self.key, self.tok.vocab_size, gen_starts)
        win = window_test(gen_seqs, self.key, self.tok.vocab_size, gen_starts)
        quality = {f"student_{k}": v for k, v in self.teacher.task_scores(prompts, gen).items()}
        if save is not None:  # suspects for `stillwatch provenance test` to try
            folder = self.out / "suspects" / save
            folder.mkdir(parents=True, exist_ok=True)
            model.save(folder / "model.pt", tokenizer=self.tok.name)
            (folder / "generated.txt").write_text("".join(p + " " + g + "\n" for p, g in zip(prompts, gen)))
            (folder / "served.txt").write_text("".join(p + " " + c for p, c in feed))
        return {**quality, "whitebox_z": round(wb.z, 2), "whitebox_p": wb.p_value, "whitebox_windows": wb.scored,
                "whitebox_argmax_p": wb.argmax.p_value, "whitebox_argmax_scored": wb.argmax.scored,
                "blackbox_z": round(tuples.z, 2), "blackbox_p": tuples.p_value, "blackbox_scored": tuples.scored,
                "blackbox_window_z": round(win.z, 2), "blackbox_window_p": win.p_value,
                "_gen": gen_seqs, "_gen_starts": gen_starts}

    def generate(self, model: TinyGPT, prompts: Sequence[str], seed: int) -> list[str]:
        return complete(model, prompts, self.tok, temperature=1.0, seed=seed, max_new=self.teacher.max_len)

    def null_pvalues(self, model: TinyGPT, row: dict[str, Any], prompts: Sequence[str]) -> dict[str, Any]:
        """The clean student against keys it never saw, each exactly as the real test would run
        with that key: white-box on the teacher's answers watermarked with it, black-box on the
        student's own answers."""
        s = self.s
        prompts = list(prompts[: s.null_feed])
        wb, bb = [], []
        for i in range(s.null_keys):
            key = WatermarkKey.generate(seed=50_000 + i, gamma=s.gamma, delta=s.delta, context=self.key.context)
            texts = self.teacher.complete(prompts, seed=60_000 + i, watermark=key)
            seqs, starts = self._encode(prompts, texts)
            readings = read_suspect(seqs, next_token_probs(model, seqs), key.context, starts)
            wb.append(score_readings(readings, key).p_value)
            bb.append(blackbox_test(row["_gen"], key, self.tok.vocab_size, row["_gen_starts"]).p_value)
        return {"whitebox": uniformity(wb), "blackbox": uniformity(bb), "fed": len(prompts)}


def public(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if not k.startswith("_")}
