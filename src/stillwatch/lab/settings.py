"""The lab's settings: one frozen object, two presets (``quick`` and ``full``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class LabSettings:
    seed: int = 0
    n_ops: int = 2
    threads: int = 1
    # teacher
    teacher_d: int = 64
    teacher_layers: int = 2
    teacher_steps: int = 600
    teacher_problems: int = 50_000
    teacher_lr: float = 0.01
    # students (smaller than the teacher)
    student_d: int = 48
    student_layers: int = 2
    student_steps: int = 500
    student_lr: float = 0.01
    batch_size: int = 64
    # the policy x budget x seed grid
    policies: tuple[str, ...] = ("pass", "withhold", "summarise", "logprobs")
    budgets: tuple[int, ...] = (2000,)
    seeds: tuple[int, ...] = (0,)
    eval_problems: int = 300
    teacher_eval_problems: int = 500
    # watermark (the arithmetic teacher's windows are characters, the story teacher's words)
    gamma: float = 0.25
    delta: float = 2.0
    context: int = 3
    story_context: int = 1
    # the story teacher and the radioactivity students (free text, word tokens)
    story_teacher_d: int = 64
    story_teacher_layers: int = 2
    story_teacher_steps: int = 800
    story_stories: int = 16_000
    story_lr: float = 0.01
    story_eval: int = 300
    story_student_d: int = 64
    story_student_layers: int = 2
    story_student_steps: int = 300
    contamination: tuple[float, ...] = (0.5,)
    radio_budget: int = 1500
    radio_seeds: tuple[int, ...] = (0,)
    null_keys: int = 20
    feed_problems: int = 200
    null_feed: int = 100
    paraphrase_rates: tuple[float, ...] = ()
    paraphrase_contamination: float = 0.5


QUICK = LabSettings()
FULL = dataclasses.replace(
    QUICK,
    teacher_steps=2000,
    student_steps=800,
    teacher_eval_problems=4000,
    budgets=(1000, 4000, 16000),
    story_stories=50_000,
    story_eval=1000,
    seeds=(0, 1, 2),
    eval_problems=1000,
    story_teacher_steps=2000,
    story_student_steps=2000,
    contamination=(0.01, 0.05, 0.1, 0.5),
    radio_budget=8000,
    radio_seeds=(0,),
    null_keys=100,
    feed_problems=400,
    null_feed=200,
    paraphrase_rates=(1.0,),
)
