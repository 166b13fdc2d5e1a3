"""The full lab: the arithmetic teacher and the policy x budget x seed grid of students, the
teacher's watermark cost, and the radioactivity experiment on the free-text (story) teacher or a
local Hugging Face model. ``run_lab`` returns (and writes) one results document."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from stillwatch.lab.generate import accuracy, complete, watermark_processor
from stillwatch.lab.harvest import Exchange, dataset, harvest
from stillwatch.lab.model import ModelConfig, TinyGPT
from stillwatch.lab.radioactivity import RadioactivityExperiment
from stillwatch.lab.settings import LabSettings
from stillwatch.lab.sources import HFTeacher, StoryTeacher, Teacher
from stillwatch.lab.stats import mean_ci
from stillwatch.lab.task import Problem, sample_problems
from stillwatch.lab.teacher import train_story_teacher, train_teacher
from stillwatch.lab.tokenizer import CharTokenizer, WordTokenizer
from stillwatch.lab.train import Batchable, TrainConfig, fit
from stillwatch.provenance.detect import detect_tokens, window_test
from stillwatch.provenance.watermark import WatermarkKey

Log = Callable[[str], None]
MAX_LEN = 96
STORY_MAX_LEN = 72


def take(data: Batchable, idx: torch.Tensor) -> Batchable:
    return Batchable(data.ids[idx], data.mask[idx],
                     None if data.soft_ids is None else data.soft_ids[idx],
                     None if data.soft_logp is None else data.soft_logp[idx])


class Lab:
    def __init__(self, settings: LabSettings, out: Path, log: Log = print, teacher_model: Path | None = None,
                 prompts: Sequence[str] = ()) -> None:
        self.s = settings
        self.out = out
        self.log = log
        self.teacher_model = teacher_model
        self.prompts = prompts
        self.tok = CharTokenizer()
        self.key = WatermarkKey.generate(seed=settings.seed + 101, gamma=settings.gamma,
                                         delta=settings.delta, context=settings.context)
        # the story teacher's windows are words: one previous word, as Kirchenbauer et al.'s default
        self.story_key = WatermarkKey.generate(seed=settings.seed + 102, gamma=settings.gamma,
                                               delta=settings.delta, context=settings.story_context)
        self.test = sample_problems(settings.eval_problems, settings.n_ops, settings.seed + 1_000_003)
        self.started = time.perf_counter()

    def say(self, msg: str) -> None:
        self.log(f"[{time.perf_counter() - self.started:6.0f}s] {msg}")

    # ---- models ----------------------------------------------------------------------
    def teacher(self) -> TinyGPT:
        s = self.s
        cfg = ModelConfig(self.tok.vocab_size, s.teacher_d, s.teacher_layers, 4, MAX_LEN)
        cache = self.out / f"teacher-{s.teacher_d}x{s.teacher_layers}-{s.teacher_steps}-s{s.seed}.pt"
        return train_teacher(cfg, TrainConfig(s.teacher_steps, s.batch_size, s.teacher_lr), s.n_ops,
                             s.teacher_problems, s.seed, cache)

    def student(self, data: Batchable, seed: int) -> TinyGPT:
        s = self.s
        torch.manual_seed(seed)
        model = TinyGPT(ModelConfig(self.tok.vocab_size, s.student_d, s.student_layers, 4, MAX_LEN))
        fit(model, data, TrainConfig(s.student_steps, s.batch_size, s.student_lr), seed)
        return model

    def score(self, model: TinyGPT, problems: Sequence[Problem] | None = None) -> float:
        problems = self.test if problems is None else problems
        return accuracy(complete(model, [p.prompt for p in problems], self.tok, temperature=0), problems)

    def story_teacher(self) -> Teacher:
        if self.teacher_model is not None:
            return HFTeacher(self.teacher_model, self.prompts)
        s = self.s
        cfg = ModelConfig(WordTokenizer().vocab_size, s.story_teacher_d, s.story_teacher_layers, 4, STORY_MAX_LEN)
        cache = self.out / (f"story-teacher-{s.story_teacher_d}x{s.story_teacher_layers}-{s.story_teacher_steps}"
                            f"-s{s.seed}.pt")
        return StoryTeacher(train_story_teacher(cfg, TrainConfig(s.story_teacher_steps, s.batch_size, s.story_lr),
                                                s.story_stories, s.seed, cache))

    # ---- the parts -------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        torch.set_num_threads(self.s.threads)
        self.out.mkdir(parents=True, exist_ok=True)
        self.story_key.save(self.out / "watermark.key")
        results: dict[str, Any] = {"settings": dataclasses.asdict(self.s), "key_id": self.story_key.key_id}
        if self.teacher_model is None:  # the arithmetic grid needs the lab's own teacher
            teacher = self.teacher()
            self.say(f"teacher ready ({teacher.n_params} parameters)")
            results["teacher"] = self.teacher_quality(teacher)
            self.say(f"teacher: {results['teacher']}")
            pool = harvest(teacher, sample_problems(max(self.s.budgets), self.s.n_ops, self.s.seed + 1),
                           self.tok, seed=self.s.seed + 2)
            results["distillation"] = self.grid(teacher, pool)
        story = self.story_teacher()
        self.say(f"story teacher ready ({self.teacher_model or 'trained here'})")
        results["radioactivity"] = RadioactivityExperiment(self.s, story, self.story_key, self.out, self.say).run()
        results["radioactivity"]["teacher_model"] = str(self.teacher_model or "lab story teacher")
        results["seconds"] = round(time.perf_counter() - self.started, 1)
        return results

    def teacher_quality(self, teacher: TinyGPT) -> dict[str, Any]:
        s, tok = self.s, self.tok
        probs = sample_problems(s.teacher_eval_problems, s.n_ops, s.seed + 7)
        prompts = [p.prompt for p in probs]
        clean = complete(teacher, prompts, tok, temperature=1.0, seed=s.seed + 11)
        marked = complete(teacher, prompts, tok, temperature=1.0, seed=s.seed + 11,
                          processor=watermark_processor(self.key))
        starts = [len(p) for p in prompts]
        n_det = min(200, len(prompts))

        def det(texts: list[str]) -> dict[str, float]:
            seqs = [tok.encode(p + t) for p, t in zip(prompts[:n_det], texts[:n_det])]
            return {"tuples_z": round(detect_tokens(seqs, self.key, tok.vocab_size, starts[:n_det]).z, 2),
                    "window_z": round(window_test(seqs, self.key, tok.vocab_size, starts[:n_det]).z, 2)}

        acc_clean, acc_marked = accuracy(clean, probs), accuracy(marked, probs)
        return {
            "parameters": teacher.n_params,
            "problems": len(probs),
            "accuracy_sampled": acc_clean,
            "accuracy_sampled_watermarked": acc_marked,
            "watermark_cost_points": round(100 * (acc_clean - acc_marked), 2),
            "accuracy_greedy": self.score(teacher, probs),
            "accuracy_direct_greedy": accuracy(
                complete(teacher, [p.direct_prompt for p in probs], tok, temperature=0), probs),
            "chance": 0.1,
            f"z_watermarked_{n_det}_responses": det(marked),
            f"z_clean_{n_det}_responses": det(clean),
        }

    def grid(self, teacher: TinyGPT, pool: list[Exchange]) -> dict[str, Any]:
        s = self.s
        rows: list[dict[str, Any]] = []
        for policy in s.policies:
            full = dataset(pool, policy, self.tok, MAX_LEN, teacher)
            for budget in s.budgets:
                accs = []
                for seed in s.seeds:
                    idx = torch.from_numpy(np.random.default_rng(seed).permutation(len(pool))[:budget])
                    accs.append(self.score(self.student(take(full, idx), 1000 * seed + budget)))
                mean, half = mean_ci(accs)
                rows.append({"policy": policy, "budget": budget, "accuracies": accs, "mean": mean, "ci95": half})
                self.say(f"{policy:9} {budget:6}: {mean:.3f} ± {half:.3f} {accs}")
        return {"student_parameters": TinyGPT(ModelConfig(self.tok.vocab_size, s.student_d, s.student_layers,
                                                          4, MAX_LEN)).n_params, "rows": rows}


def run_lab(settings: LabSettings, out: Path, log: Log = print, teacher_model: Path | None = None,
            prompts: Sequence[str] = ()) -> dict[str, Any]:
    """Run everything and write ``results.json``, ``results.md`` and the plots into ``out``.

    With ``teacher_model`` (a local Hugging Face model folder, never downloaded) the
    radioactivity experiment runs on that model's answers to ``prompts`` instead of the lab's
    story teacher, and the arithmetic grid, which needs the lab's own teacher, is left out.
    """
    from stillwatch.lab.report import write_report

    results = Lab(settings, out, log, teacher_model, prompts).run()
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_report(results, out)
    return results
