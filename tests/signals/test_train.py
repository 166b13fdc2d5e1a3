"""The trainer's data assembly and model files (full training runs in minutes: see the report)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from stillwatch.errors import StillwatchError
from stillwatch.signals import train
from stillwatch.signals._corpus import CorpusRecord
from stillwatch.signals._features import FeatureSpec
from stillwatch.signals._linear import _parse, load_model, save_model

MODELS = Path(train.__file__).parent / "models"


def test_split_is_stable_and_about_one_in_five() -> None:
    keys = [f"prompt {i}" for i in range(5000)]
    held = [train.is_test(k) for k in keys]
    assert held == [train.is_test(k) for k in keys]
    assert 0.17 < sum(held) / len(held) < 0.23


def test_category_data_mapping(corpus: dict[str, list[CorpusRecord]]) -> None:
    rows = train.category_data(corpus, random.Random(1))
    assert rows == train.category_data(corpus, random.Random(1))
    labels = {r.label for r in rows}
    assert labels == set(train.TEXT_CATEGORIES)
    arena = {r.text for r in corpus["benign_chat"] if r.subsource.startswith("arena-hard")}
    assert arena and not arena & {r.prompt for r in rows if r.origin == "benign_chat"}
    assert {r.origin for r in rows} >= set(train.CATEGORY_OF) | {"synthetic"}
    assert "jailbreak" not in {r.origin for r in rows}


def test_elicitation_data_labels(corpus: dict[str, list[CorpusRecord]]) -> None:
    items = train.elicitation_data(corpus, random.Random(2))
    extraction = {r.text for r in corpus["prompt_extraction"]}
    assert all(i.extract == 1 for i in items if i.origin == "corpus:prompt_extraction")
    assert all(i.elicit == 0 and i.extract == 0 for i in items if i.origin == "corpus:math_reasoning")
    assert extraction <= {i.text for i in items}
    held = [i for i in items if i.held_out and i.origin.startswith(("elicit:", "extract:"))]
    assert held and not any(i.origin.startswith("grammar") for i in items if i.held_out)


def test_model_files_round_trip_byte_for_byte(tmp_path: Path) -> None:
    spec = FeatureSpec(bits=8)
    table = np.random.default_rng(0).normal(size=(2, 256))
    a = save_model(tmp_path / "a", "m", spec, ("x", "y"), table, np.array([0.5, -1.0]), {"k": 1})
    save_model(tmp_path / "b", "m", spec, ("x", "y"), table, np.array([0.5, -1.0]), {"k": 1})
    for name in ("m.json", "m.npy.gz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert a.table.shape == (2, 256) and a.table[:, 0].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(a.table[:, 1:], table[:, 1:], atol=2e-3)
    with pytest.raises(StillwatchError, match="unreadable"):
        _parse("m", (tmp_path / "a" / "m.json").read_text(), b"not gzip")


def test_main_reports_a_missing_corpus(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert train.main(["--corpus", str(tmp_path / "nowhere"), "--out", str(tmp_path)]) == 1
    assert "no corpus files" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "spec"), [("category", train.CATEGORY_SPEC), ("elicitation", train.ELICIT_SPEC)])
def test_shipped_models_match_the_trainer(name: str, spec: FeatureSpec) -> None:
    model = load_model(name)
    assert model.spec == spec
    size = sum(p.stat().st_size for p in MODELS.glob(f"{name}.*"))
    assert size < 2_000_000
    meta = json.loads((MODELS / f"{name}.json").read_text())
    assert meta["metrics"] and meta["split"] and meta["trained_on"]
