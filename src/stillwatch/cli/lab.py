"""``stillwatch lab``: run the distillation lab (needs the ``lab`` extra)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from stillwatch.cli._output import print_json, warn
from stillwatch.errors import StillwatchError


@click.group(help="The distillation lab: what each gateway policy costs a distiller, and whether "
             "the watermark survives into students.")
def command() -> None:
    pass


@command.command("run", help="Train the teacher and students and write results.json, results.md and plots.")
@click.option("--quick", is_flag=True, help="The small preset (about 5 minutes on two CPU cores).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("lab-out"),
              show_default=True, help="Output folder (a trained teacher there is reused).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for every random choice.")
@click.option("--threads", type=int, default=1, show_default=True, help="PyTorch CPU threads.")
@click.option("--teacher-model", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="A local Hugging Face model folder to use as the radioactivity experiment's teacher "
                   "(loaded with local_files_only, never downloaded); needs --prompts. The arithmetic grid "
                   "is then left out.")
@click.option("--prompts", "prompts_file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="With --teacher-model: prompts for the teacher, one per line.")
@click.option("--json", "as_json", is_flag=True, help="Print the results document as JSON.")
def run(quick: bool, out: Path, seed: int, threads: int, teacher_model: Path | None, prompts_file: Path | None,
        as_json: bool) -> None:
    try:
        from stillwatch.lab import FULL, QUICK, run_lab
    except ImportError as exc:
        raise StillwatchError(f"the lab needs PyTorch: pip install 'stillwatch[lab]' ({exc})") from None
    if (teacher_model is None) != (prompts_file is None):
        raise click.UsageError("--teacher-model and --prompts go together")
    prompts = prompts_file.read_text(errors="replace").splitlines() if prompts_file is not None else []
    settings = dataclasses.replace(QUICK if quick else FULL, seed=seed, threads=threads)
    results = run_lab(settings, out, log=warn, teacher_model=teacher_model, prompts=prompts)
    if as_json:
        print_json(results)
    else:
        click.echo((out / "results.md").read_text())
        plots = [out / n for n in ("distillation.png", "radioactivity.png") if (out / n).exists()]
        click.echo(f"results: {out / 'results.json'}; plots: {', '.join(map(str, plots))}")
