import pytest

from stillwatch.lab.harvest import Exchange, training_pairs

EX = [Exchange("3+4*2?", "so 3+4 is 7. then 7*2 makes 4.", "ans 4")]


def test_what_each_policy_leaves_the_distiller() -> None:
    assert training_pairs(EX, "pass") == [("3+4*2?", "so 3+4 is 7. then 7*2 makes 4. ans 4\n")]
    assert training_pairs(EX, "logprobs") == training_pairs(EX, "pass")
    assert training_pairs(EX, "withhold") == [("3+4*2?", "ans 4\n")]
    # the gateway's own summariser: first sentence of the paragraph, marker dropped
    assert training_pairs(EX, "summarise") == [("3+4*2?", "so 3+4 is 7. ans 4\n")]
    with pytest.raises(ValueError, match="unknown policy"):
        training_pairs(EX, "nope")

