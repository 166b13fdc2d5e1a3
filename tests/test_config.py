from pathlib import Path

import pytest

from stillwatch.config import load_config
from stillwatch.errors import ConfigError
from stillwatch.gateway.config import load_gateway_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cfg.toml"
    path.write_text(text)
    return path


def test_defaults_load_and_a_file_overrides_a_subset(tmp_path: Path) -> None:
    base = load_config()
    cfg = load_config(_write(tmp_path, "[campaigns]\nmin_accounts = 9\n[links.weights]\nip = 0.9\n"))
    assert cfg.campaigns.min_accounts == 9
    assert cfg.campaigns.harvest_threshold == base.campaigns.harvest_threshold
    assert cfg.links.weights["ip"] == 0.9 and cfg.links.weights["pay"] == base.links.weights["pay"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[campaigns]\nmin_acounts = 9\n", "unknown setting(s) min_acounts"),
        ("[campaign]\nmin_accounts = 9\n", "unknown section(s) campaign"),
        ("[campaigns]\nmin_accounts = 'nine'\n", "expected int"),
        ("[links.weights]\ncarrier_pigeon = 1.0\n", "unknown link kind(s) carrier_pigeon"),
        ("[campaigns\n", "invalid TOML"),
    ],
)
def test_mistakes_are_errors_naming_the_setting(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(_write(tmp_path, text))


def test_gateway_config_shares_the_strict_loader(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown setting"):
        load_gateway_config(_write(tmp_path, "[gateway]\nno_such_setting = 1\n"))
