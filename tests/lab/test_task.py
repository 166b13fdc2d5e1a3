import numpy as np

from stillwatch.gateway.watch import summarise
from stillwatch.lab.tokenizer import CharTokenizer
from stillwatch.lab.task import (Problem, answer_line, completion, parse_answer, reasoning, sample_problems,
                                 split_completion)


def test_problems_are_left_to_right_mod_10() -> None:
    p = Problem((3, 4, 2, 5), "+*-")
    assert p.prompt == "3+4*2-5?" and p.direct_prompt == "3+4*2-5!"
    assert p.steps() == [(3, "+", 4, 7), (7, "*", 2, 4), (4, "-", 5, 9)] and p.answer == 9


def test_worked_solution_round_trips_through_the_tokenizer_and_verifier() -> None:
    tok = CharTokenizer()
    for p in sample_problems(50, 3, seed=1):
        text = completion(reasoning(p, np.random.default_rng(0)), answer_line(p.answer))
        assert tok.decode(tok.encode(p.prompt + text)) == p.prompt + text
        assert parse_answer(text) == p.answer
        why, ans = split_completion(text)
        assert ans == answer_line(p.answer) and why.count(".") == 3


def test_gateway_summary_keeps_the_first_step_only() -> None:
    p = Problem((3, 4, 2), "+*")
    why = reasoning(p, np.random.default_rng(0))
    first = why.split(". ")[0] + "."
    assert summarise(why).startswith(first + " [reasoning summarised")


def test_parse_answer_takes_the_last_answer_and_rejects_none() -> None:
    assert parse_answer("so 1+1 is 2. ans 3 ans 4\nans 5") == 4
    assert parse_answer("so 1+1 is 2.") is None
