import pytest

from stillwatch.lab.harvest import Exchange, training_pairs
from stillwatch.lab.paraphrase import paraphrase_all

EX = [Exchange("3+4*2?", "so 3+4 is 7. then 7*2 makes 4.", "ans 4")]


def test_what_each_policy_leaves_the_distiller() -> None:
    assert training_pairs(EX, "pass") == [("3+4*2?", "so 3+4 is 7. then 7*2 makes 4. ans 4\n")]
    assert training_pairs(EX, "logprobs") == training_pairs(EX, "pass")
    assert training_pairs(EX, "withhold") == [("3+4*2?", "ans 4\n")]
    # the gateway's own summariser: first sentence of the paragraph, marker dropped
    assert training_pairs(EX, "summarise") == [("3+4*2?", "so 3+4 is 7. ans 4\n")]
    with pytest.raises(ValueError, match="unknown policy"):
        training_pairs(EX, "nope")


def test_paraphrase_keeps_the_numbers() -> None:
    out = paraphrase_all(EX * 20, 1.0, seed=0)
    for e in out:
        assert e.reasoning != EX[0].reasoning
        assert [w for w in e.reasoning.split() if any(c.isdigit() for c in w)] == ["3+4", "7.", "7*2", "4."]
