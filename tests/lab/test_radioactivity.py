"""Radioactivity end to end with real (tiny) training: a teacher writes watermarked answers, a
student trained on them is found by the white-box test, one trained on clean answers by
neither test. The teacher is left untrained: its wide next-token distributions give the
watermark the most room, which is what makes a 100-step student enough here."""

import dataclasses

import pytest
import torch

from stillwatch.lab import QUICK
from stillwatch.lab.model import ModelConfig, TinyGPT
from stillwatch.lab.radioactivity import RadioactivityExperiment
from stillwatch.lab.sources import StoryTeacher
from stillwatch.lab.tokenizer import WordTokenizer
from stillwatch.provenance import WatermarkKey

pytestmark = pytest.mark.slow


def test_student_on_watermarked_answers_is_radioactive_and_clean_one_is_not(tmp_path) -> None:
    torch.set_num_threads(1)
    torch.manual_seed(0)
    teacher = StoryTeacher(TinyGPT(ModelConfig(WordTokenizer().vocab_size, 16, 1, 2, 40)))
    key = WatermarkKey.generate(seed=3, context=1)
    settings = dataclasses.replace(QUICK, story_student_d=16, story_student_layers=1, story_student_steps=100)
    lab = RadioactivityExperiment(settings, teacher, key, tmp_path, say=lambda _: None)
    served, clean = lab.harvest(150, 7, key), lab.harvest(150, 9, None)
    marked = lab.tests(lab.student(served, 1), served[:60], 0)
    unmarked = lab.tests(lab.student(clean, 1), served[:60], 0)
    # the student's tilt is plain in its distributions long before it shows in 60 sampled answers
    assert marked["whitebox_p"] < 1e-5
    assert unmarked["whitebox_z"] < 3 and unmarked["blackbox_z"] < 3
