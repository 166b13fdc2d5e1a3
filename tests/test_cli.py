from click.testing import CliRunner

from stillwatch.cli import COMMANDS, cli


def test_help_lists_every_available_subcommand() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in cli.list_commands(None):  # type: ignore[arg-type]
        assert name in result.output
        assert COMMANDS[name][1] in result.output


def test_unknown_subcommand_is_usage_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-command"])
    assert result.exit_code == 2
