"""The ``stillwatch`` command: a thin click group.

Each subcommand lives in its own module here and is imported only when run, so
``stillwatch --help`` stays fast and a broken optional extra breaks only its own command.
Exit codes: 0 ok, 1 failure, 2 usage.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys

import click

from stillwatch import __version__
from stillwatch.errors import StillwatchError

#: subcommand -> (module, one-line help). Order is the order ``--help`` lists them.
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": ("stillwatch.cli.ingest", "Read exchange logs into the embedded store."),
    "simulate": ("stillwatch.cli.simulate", "Generate labelled API traffic with campaigns."),
    "scan": ("stillwatch.cli.scan", "Find distillation campaigns in exchange logs."),
    "report": ("stillwatch.cli.report", "Write the HTML campaign report for a results folder."),
    "explain": ("stillwatch.cli.explain", "Show the evidence for one account."),
    "export": ("stillwatch.cli.export", "Export campaigns as a STIX 2.1 bundle to share."),
    "import": ("stillwatch.cli.import_stix", "Store a peer's STIX indicators as evidence."),
    "serve": ("stillwatch.cli.serve", "Run the enforcement gateway in front of an OpenAI-compatible API."),
    "lab": ("stillwatch.cli.lab", "Measure what each gateway policy costs a distiller."),
    "provenance": ("stillwatch.cli.provenance", "Test text or a model for the watermark."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name, (module, _) in COMMANDS.items() if _available(module)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, _ = COMMANDS[name]
        if not _available(module):
            return None
        command = importlib.import_module(module).command
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _available(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="stillwatch")
def cli() -> None:
    """Find, stop and report distillation campaigns in LLM API traffic."""


def main() -> None:
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except StillwatchError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        sys.exit(1)
