import numpy as np

from stillwatch.lab.story import (CLASS_SIZES, lexicon, paraphrase_story, sample_stories, story_correct,
                                  word_class, write_story)
from stillwatch.lab.tokenizer import WordTokenizer


def test_language_is_fixed_and_its_classes_share_no_word() -> None:
    lex = lexicon()
    assert {c: len(lex[c]) for c in CLASS_SIZES} == CLASS_SIZES
    words = [w for ws in lex.values() for w in ws]
    assert len(words) == len(set(words)) == len(word_class()) > 1000
    assert lex["noun"][:3] == lexicon.__wrapped__()["noun"][:3]  # same seed, same words, every machine


def test_written_stories_are_right_round_trip_and_vary() -> None:
    tok = WordTokenizer()
    rng = np.random.default_rng(0)
    stories = sample_stories(200, seed=1)
    texts = [write_story(s, rng) for s in stories]
    assert all(story_correct(t, s) for t, s in zip(texts, stories))
    assert all(tok.decode(tok.encode(s.prompt + " " + t + "\n")) == s.prompt + " " + t + "\n"
               for t, s in zip(texts, stories))
    assert tok.unk not in {i for t in texts for i in tok.encode(t)}
    # many positions are real choices: the middle sentences are nearly all different
    middles = {t.split(" . ", 1)[1] for t in texts}
    assert len(middles) == len(texts)


def test_wrong_facts_and_broken_grammar_are_not_right() -> None:
    s, other = sample_stories(2, seed=2)
    text = write_story(s, np.random.default_rng(0))
    assert story_correct(text, s) and not story_correct(text, other)
    assert not story_correct(text.replace(s.obj, s.place), s)  # closing names the wrong object
    words = text.split(" ")
    middle = words.index(".") + 2  # second word of the first middle sentence
    assert not story_correct(" ".join(words[:middle] + ["the", "the"] + words[middle:]), s)
    assert not story_correct(text.removesuffix(" ."), s)


def test_paraphrase_rewords_the_middle_and_keeps_the_story_right() -> None:
    rng = np.random.default_rng(3)
    for s in sample_stories(50, seed=4):
        text = write_story(s, rng)
        new = paraphrase_story(text, 1.0, rng)
        assert story_correct(new, s) and new != text
        assert new.startswith(s.opening) and new.endswith(s.closing)
    assert paraphrase_story(text, 0.0, rng) == text
