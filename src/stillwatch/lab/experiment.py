"""The full lab: teacher, the policy x budget x seed grid of students, and the watermark and
radioactivity measurements. ``run_lab`` returns (and writes) one results document."""

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
from stillwatch.lab.paraphrase import paraphrase_all
from stillwatch.lab.settings import LabSettings
from stillwatch.lab.stats import mean_ci, uniformity
from stillwatch.lab.task import Problem, sample_problems
from stillwatch.lab.teacher import train_teacher
from stillwatch.lab.tokenizer import PAD, CharTokenizer
from stillwatch.lab.train import Batchable, TrainConfig, fit
from stillwatch.provenance.detect import detect_tokens, window_test
from stillwatch.provenance.radioactivity import blackbox_test, whitebox_test
from stillwatch.provenance.watermark import WatermarkKey

Log = Callable[[str], None]
MAX_LEN = 96


def take(data: Batchable, idx: torch.Tensor) -> Batchable:
    return Batchable(data.ids[idx], data.mask[idx],
                     None if data.soft_ids is None else data.soft_ids[idx],
                     None if data.soft_logp is None else data.soft_logp[idx])


class Lab:
    def __init__(self, settings: LabSettings, out: Path, log: Log = print) -> None:
        self.s = settings
        self.out = out
        self.log = log
        self.tok = CharTokenizer()
        self.key = WatermarkKey.generate(seed=settings.seed + 101, gamma=settings.gamma,
                                         delta=settings.delta, context=settings.context)
        self.test = sample_problems(settings.eval_problems, settings.n_ops, settings.seed + 1_000_003)
        self.started = time.perf_counter()

    def _say(self, msg: str) -> None:
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

    # ---- the three parts -------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        torch.set_num_threads(self.s.threads)
        self.out.mkdir(parents=True, exist_ok=True)
        self.key.save(self.out / "watermark.key")
        teacher = self.teacher()
        self._say(f"teacher ready ({teacher.n_params} parameters)")
        results: dict[str, Any] = {"settings": dataclasses.asdict(self.s), "key_id": self.key.key_id}
        results["teacher"] = self.teacher_quality(teacher)
        self._say(f"teacher: {results['teacher']}")
        pool = harvest(teacher, sample_problems(max(self.s.budgets), self.s.n_ops, self.s.seed + 1),
                       self.tok, seed=self.s.seed + 2)
        results["distillation"] = self.grid(teacher, pool)
        results["radioactivity"] = self.radioactivity(teacher, pool)
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
                self._say(f"{policy:9} {budget:6}: {mean:.3f} ± {half:.3f} {accs}")
        return {"student_parameters": TinyGPT(ModelConfig(self.tok.vocab_size, s.student_d, s.student_layers,
                                                          4, MAX_LEN)).n_params, "rows": rows}

    def radioactivity(self, teacher: TinyGPT, pool: list[Exchange]) -> dict[str, Any]:
        s, tok = self.s, self.tok
        budget = s.radio_budget
        marked = harvest(teacher, sample_problems(budget, s.n_ops, s.seed + 3), tok, seed=s.seed + 4,
                         watermark=self.key)
        clean = pool[:budget]
        feed_probs = sample_problems(s.feed_problems, s.n_ops, s.seed + 5)
        feed = harvest(teacher, feed_probs, tok, seed=s.seed + 6)
        feed_seqs = [tok.encode(e.prompt + " ".join(x for x in (e.reasoning, e.answer) if x) + "\n") for e in feed]
        starts = [len(e.prompt) for e in feed]

        def mixed(share: float, wm: list[Exchange]) -> list[Exchange]:
            n = round(share * budget)
            return wm[:n] + clean[: budget - n]

        def tests(model: TinyGPT, seed: int, save: str | None = None) -> dict[str, Any]:
            wb = whitebox_test(feed_seqs, next_token_probs(model, feed_seqs), self.key, starts)
            gen = complete(model, [p.prompt for p in feed_probs], tok, temperature=1.0, seed=seed)
            if save is not None:  # suspects for `stillwatch provenance test` to try
                folder = self.out / "suspects" / save
                folder.mkdir(parents=True, exist_ok=True)
                model.save(folder / "model.pt")
                (folder / "generated.txt").write_text("".join(g + "\n" for g in gen))
            gen_seqs = [tok.encode(p.prompt + g) for p, g in zip(feed_probs, gen)]
            bb = blackbox_test(gen_seqs, self.key, tok.vocab_size, starts)
            tuples = detect_tokens(gen_seqs, self.key, tok.vocab_size, starts)
            return {"whitebox_z": round(wb.z, 2), "whitebox_p": wb.p_value, "whitebox_scored": wb.scored,
                    "whitebox_argmax_p": wb.argmax.p_value, "blackbox_z": round(bb.z, 2),
                    "blackbox_p": bb.p_value, "blackbox_scored": bb.scored,
                    "blackbox_tuples_z": round(tuples.z, 2), "blackbox_tuples_p": tuples.p_value}

        rows, null_p = [], []
        for share in (0.0, *s.contamination):
            for seed in s.radio_seeds:
                model = self.student(dataset(mixed(share, marked), "pass", tok, MAX_LEN), 7000 + seed)
                name = f"contamination-{share:.2f}" if seed == s.radio_seeds[0] else None
                row = {"contamination": share, "seed": seed, "accuracy": self.score(model),
                       **tests(model, seed, name)}
                rows.append(row)
                self._say(f"radioactivity {share:.2f} seed {seed}: {row}")
                if share == 0.0:
                    null_p += self.null_pvalues(model, feed_seqs, starts)
        para = []
        for rate in s.paraphrase_rates:
            wm = paraphrase_all(marked, rate, s.seed + 8)
            # the distiller rewords everything it harvested, not only the part we watermarked
            cl = paraphrase_all(clean, rate, s.seed + 9)
            n = round(s.paraphrase_contamination * budget)
            model = self.student(dataset(wm[:n] + cl[: budget - n], "pass", tok, MAX_LEN), 7100)
            row = {"rate": rate, "contamination": s.paraphrase_contamination, "accuracy": self.score(model),
                   **tests(model, 0)}
            para.append(row)
            self._say(f"paraphrase {rate}: {row}")
        return {"budget": budget, "key": {"gamma": s.gamma, "delta": s.delta, "context": s.context},
                "rows": rows, "null": uniformity(null_p), "paraphrase": para}

    def null_pvalues(self, model: TinyGPT, seqs: list[list[int]], starts: list[int]) -> list[float]:
        """White-box p-values of a clean student against keys it never saw."""
        probs = next_token_probs(model, seqs)
        return [whitebox_test(seqs, probs, WatermarkKey.generate(seed=50_000 + i, gamma=self.s.gamma,
                                                                 delta=self.s.delta, context=self.s.context),
                              starts).p_value for i in range(self.s.null_keys)]


@torch.no_grad()
def next_token_probs(model: TinyGPT, seqs: Sequence[Sequence[int]], batch_size: int = 256) -> list[np.ndarray]:
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


def run_lab(settings: LabSettings, out: Path, log: Log = print) -> dict[str, Any]:
    """Run everything and write ``results.json``, ``results.md`` and the plots into ``out``."""
    from stillwatch.lab.report import write_report

    results = Lab(settings, out, log).run()
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_report(results, out)
    return results
