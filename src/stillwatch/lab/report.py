"""Tables (markdown) and plots of a lab results document."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def tables(results: dict[str, Any]) -> str:
    t = results["teacher"]
    lines = ["## Teacher", "",
             f"{t['parameters']} parameters; {t['problems']} test problems; chance {t['chance']:.0%}.", "",
             "| with reasoning (sampled) | watermarked (sampled) | cost (points) | greedy | answer only (greedy) |",
             "|---|---|---|---|---|",
             f"| {t['accuracy_sampled']:.1%} | {t['accuracy_sampled_watermarked']:.1%} | "
             f"{t['watermark_cost_points']:+.2f} | {t['accuracy_greedy']:.1%} | {t['accuracy_direct_greedy']:.1%} |",
             ""]
    zs = {k: v for k, v in t.items() if k.startswith("z_")}
    lines += ["Watermark detection on the teacher's own answers: " + "; ".join(
        f"{k[2:]}: tuple-count z = {v['tuples_z']}, window z = {v['window_z']}" for k, v in zs.items()), ""]
    d = results["distillation"]
    budgets = sorted({r["budget"] for r in d["rows"]})
    lines += ["## Student accuracy by policy and budget",
              "", f"Students have {d['student_parameters']} parameters; mean over seeds ± 95% t-interval.", "",
              "| policy | " + " | ".join(f"{b:,}" for b in budgets) + " |",
              "|---|" + "---|" * len(budgets)]
    for policy in dict.fromkeys(r["policy"] for r in d["rows"]):
        cells = {r["budget"]: r for r in d["rows"] if r["policy"] == policy}
        lines.append(f"| {policy} | " + " | ".join(
            f"{cells[b]['mean']:.1%} ± {cells[b]['ci95']:.1%}" for b in budgets) + " |")
    r = results["radioactivity"]
    lines += ["", f"## Radioactivity (students on {r['budget']:,} exchanges, key {r['key']})", "",
              "| contamination | seed | student acc | white-box z | white-box p | argmax p | black-box z | black-box p "
              "| tuple-count p |",
              "|---|---|---|---|---|---|---|---|---|"]
    for row in r["rows"]:
        lines.append(f"| {row['contamination']:.0%} | {row['seed']} | {row['accuracy']:.1%} | {row['whitebox_z']} | "
                     f"{row['whitebox_p']:.2g} | {row['whitebox_argmax_p']:.2g} | {row['blackbox_z']} | "
                     f"{row['blackbox_p']:.2g} | {row.get('blackbox_tuples_p', float('nan')):.2g} |")
    n = r["null"]
    lines += ["", f"Clean students against {n.get('n', 0)} keys they never saw (white-box): "
              f"KS p = {n.get('ks_p', float('nan')):.3g}, share p<0.05 = {n.get('share_below_0.05', float('nan')):.3f}, "
              f"share p<0.01 = {n.get('share_below_0.01', float('nan')):.3f}, min p = {n.get('min_p', float('nan')):.3g}.",
              "", "### After paraphrasing", "",
              "| reworded share | contamination | student acc | white-box z | white-box p | black-box z | black-box p |",
              "|---|---|---|---|---|---|---|"]
    for row in r["paraphrase"]:
        lines.append(f"| {row['rate']:.0%} | {row['contamination']:.0%} | {row['accuracy']:.1%} | {row['whitebox_z']} | "
                     f"{row['whitebox_p']:.2g} | {row['blackbox_z']} | {row['blackbox_p']:.2g} |")
    return "\n".join(lines) + "\n"


def write_report(results: dict[str, Any], out: Path) -> None:
    (out / "results.md").write_text(tables(results))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["distillation"]["rows"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for policy in dict.fromkeys(r["policy"] for r in rows):
        pts = sorted((r["budget"], r["mean"], r["ci95"]) for r in rows if r["policy"] == policy)
        ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=[p[2] for p in pts], marker="o",
                    capsize=3, label=policy)
    ax.axhline(results["teacher"]["accuracy_greedy"], color="grey", ls="--", lw=1, label="teacher")
    ax.axhline(0.1, color="grey", ls=":", lw=1, label="chance")
    ax.set(xscale="log", xlabel="harvested exchanges", ylabel="student accuracy", ylim=(0, 1),
           title="What each gateway policy leaves a distiller")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "distillation.png", dpi=120)
    plt.close(fig)

    radio = results["radioactivity"]["rows"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for col, label in (("whitebox_p", "white-box"), ("blackbox_p", "black-box")):
        ax.scatter([max(r["contamination"], 1e-3) for r in radio], [max(r[col], 1e-300) for r in radio], label=label)
    ax.axhline(1e-5, color="grey", ls="--", lw=1, label="p = 1e-5")
    ax.set(xscale="log", yscale="log", xlabel="share of training data watermarked (clean at 0.001)",
           ylabel="p-value", title="Radioactivity of the watermark")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "radioactivity.png", dpi=120)
    plt.close(fig)
