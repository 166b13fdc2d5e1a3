"""Tables (markdown) and plots of a lab results document."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def tables(results: dict[str, Any]) -> str:
    lines: list[str] = []
    if "teacher" in results:
        lines += _arithmetic(results)
    lines += _radioactivity(results["radioactivity"])
    return "\n".join(lines) + "\n"


def _arithmetic(results: dict[str, Any]) -> list[str]:
    t = results["teacher"]
    lines = ["## Arithmetic teacher", "",
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
    return lines + [""]


def _radioactivity(r: dict[str, Any]) -> list[str]:
    t = r["teacher"]
    lines = [f"## Free-text teacher ({r['teacher_model']})", "",
             f"{t['prompts']} prompts; vocabulary {t['vocab_size']} tokens; watermark {r['key']}.", "",
             "| answers | " + " | ".join(k for k in t["cost_points"]) + " | tuple-count z | window z |",
             "|---|" + "---|" * (len(t["cost_points"]) + 2)]
    for name in ("clean", "watermarked"):
        row = t[name]
        lines.append(f"| {name} | " + " | ".join(f"{row[k]:.1%}" for k in t["cost_points"])
                     + f" | {row['tuples_z']} | {row['window_z']} |")
    if t["cost_points"]:
        lines += ["", "Watermark cost (points): " + ", ".join(f"{k} {v:+.2f}" for k, v in t["cost_points"].items())
                  + "."]
    quality = [k for k in (r["rows"][0] if r["rows"] else {}) if k.startswith("student_")]
    lines += ["", f"## Radioactivity (students on {r['budget']:,} answers)", "",
              "| contamination | seed | answers read | " + " | ".join(q.replace("_", " ") for q in quality)
              + " | white-box z | white-box p | argmax p | black-box z | black-box p | window p |",
              "|---|---|---|" + "---|" * (len(quality) + 6)]
    for row in r["rows"]:
        lines.append(f"| {row['contamination']:.0%} | {row['seed']} | {row['fed']} | "
                     + "".join(f"{row[q]:.1%} | " for q in quality)
                     + f"{row['whitebox_z']} | {row['whitebox_p']:.2g} | {row['whitebox_argmax_p']:.2g} | "
                     f"{row['blackbox_z']} | {row['blackbox_p']:.2g} | {row['blackbox_window_p']:.2g} |")
    lines += [""]
    for test in ("whitebox", "blackbox"):
        n = r["null"].get(test, {})
        nan = float("nan")
        lines.append(f"Clean student against {n.get('n', 0)} keys it never saw ({test}): "
                     f"KS p = {n.get('ks_p', nan):.3g}, share p<0.05 = {n.get('share_below_0.05', nan):.3f}, "
                     f"share p<0.01 = {n.get('share_below_0.01', nan):.3f}, min p = {n.get('min_p', nan):.3g}.")
    if r["paraphrase"]:
        lines += ["", "### After paraphrasing", "",
                  "| reworded share | contamination | white-box z | white-box p | black-box z | black-box p |",
                  "|---|---|---|---|---|---|"]
        for row in r["paraphrase"]:
            lines.append(f"| {row['rate']:.0%} | {row['contamination']:.0%} | {row['whitebox_z']} | "
                         f"{row['whitebox_p']:.2g} | {row['blackbox_z']} | {row['blackbox_p']:.2g} |")
    return lines


def write_report(results: dict[str, Any], out: Path) -> None:
    (out / "results.md").write_text(tables(results))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if "distillation" in results:
        _distillation_plot(results, out, plt)
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


def _distillation_plot(results: dict[str, Any], out: Path, plt: Any) -> None:
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
