"""The report's pictures, drawn with matplotlib and returned as ``data:`` URIs of SVG.

Each picture is its own SVG document inside an ``<img>``: no script, no network, and the
element ids matplotlib writes cannot collide between pictures on one page. Figures are made
with ``matplotlib.figure.Figure`` directly (no pyplot), so nothing global is touched.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Callable, Iterable, Mapping, Sequence

import igraph as ig
import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path

VERDICT_COLOUR: dict[str, str] = {
    "campaign": "#c0392b",
    "suspicious": "#e67e22",
    "clear": "#7f8c8d",
    "authorized": "#2980b9",
    "unknown": "#bdc3c7",
}
CLASS_COLOUR: dict[str, str] = {"content": "#8e44ad", "client": "#16a085", "infra": "#95a5a6"}
GROUP_COLOURS = ("#c0392b", "#e67e22", "#f1c40f", "#16a085", "#2980b9", "#7f8c8d")
_WIDTH_STEPS = 8
_RC = {"svg.hashsalt": "stillwatch", "svg.fonttype": "path", "font.size": 9}


def to_data_uri(fig: Figure) -> str:
    """Serialise a figure as an SVG ``data:`` URI."""
    buf = io.BytesIO()
    with matplotlib.rc_context(_RC):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def timeline(rows: Sequence[tuple[dt.datetime, str, int]], order: Sequence[str]) -> str:
    """Stacked exchanges per hour, one band per account group, in ``order``."""
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(8.5, 2.6), layout="constrained")
        ax = fig.add_subplot()
        if not rows:
            ax.text(0.5, 0.5, "no exchanges in the store", ha="center", va="center")
            ax.set_axis_off()
            return to_data_uri(fig)
        hours = sorted({h for h, _, _ in rows})
        index = {h: i for i, h in enumerate(hours)}
        counts = {g: np.zeros(len(hours)) for g in order}
        for h, g, n in rows:
            if g in counts:
                counts[g][index[h]] += n
        x = np.array(hours, dtype="datetime64[s]")
        ax.stackplot(
            x,
            *[counts[g] for g in order],
            labels=list(order),
            colors=[GROUP_COLOURS[i % len(GROUP_COLOURS)] for i in range(len(order))],
            step="post",
        )
        ax.set_ylabel("exchanges / hour (UTC)")
        ax.margins(x=0)
        ax.legend(
            loc="lower left", bbox_to_anchor=(0.0, 1.0), fontsize=8, frameon=False, ncols=min(len(order), 4)
        )
        ax.spines[["top", "right"]].set_visible(False)
        fig.autofmt_xdate()
        return to_data_uri(fig)


def capabilities(shares: Mapping[str, float]) -> str:
    """Horizontal bars: share of the campaign's exchanges per capability category."""
    items = sorted(shares.items(), key=lambda kv: kv[1])
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(4.2, 0.45 + 0.3 * max(len(items), 1)), layout="constrained")
        ax = fig.add_subplot()
        if not items:
            ax.set_axis_off()
            return to_data_uri(fig)
        names = [k for k, _ in items]
        values = [v * 100 for _, v in items]
        ax.barh(names, values, color="#34495e")
        for y, v in enumerate(values):
            ax.text(v + 1, y, f"{v:.0f}%", va="center", fontsize=8)
        ax.set_xlim(0, 110)
        ax.set_xticks([])
        ax.spines[["top", "right", "bottom"]].set_visible(False)
        return to_data_uri(fig)


def most_linked(members: Iterable[str], strength: Mapping[str, float], limit: int) -> list[str]:
    """Members and linked accounts, the most linked first (ties by name), at most ``limit``."""
    return sorted(set(members) | set(strength), key=lambda n: (-strength.get(n, 0.0), n))[:limit]


def _edge_paths(
    kept: Sequence[tuple[str, str, float, str]], xy: np.ndarray, index: Mapping[str, int]
) -> list[PathPatch]:
    """The edges as one path per (class, width step), not one SVG element per edge.

    A hydra's 250 drawn accounts have thousands of edges between them. Drawn as a
    ``LineCollection`` each became its own SVG path; at 1M exchanges, drawing the graphs
    this way took the report from 5.9 to 4.7 s and from 8.9 to 5.2 MB. Widths come in
    eight steps, which the eye does not tell from continuous ones.
    """
    groups: dict[tuple[str, int], list[tuple[int, int]]] = {}
    for a, b, w, c in kept:
        step = round(min(max(w, 0.0), 1.0) * (_WIDTH_STEPS - 1))
        groups.setdefault((c, step), []).append((index[a], index[b]))
    patches = []
    for (cls, step), pairs in sorted(groups.items()):
        ends = np.array(pairs, dtype=np.int64)
        vertices = np.empty((2 * len(pairs), 2))
        vertices[0::2], vertices[1::2] = xy[ends[:, 0]], xy[ends[:, 1]]
        codes = np.tile(np.array([Path.MOVETO, Path.LINETO], dtype=Path.code_type), len(pairs))
        width = 0.4 + 1.6 * step / (_WIDTH_STEPS - 1)
        colour = CLASS_COLOUR.get(cls, "#95a5a6")
        patches.append(
            PathPatch(Path(vertices, codes), fill=False, edgecolor=colour, linewidth=width, alpha=0.55, zorder=1)
        )
    return patches


def account_graph(
    nodes: Sequence[str],
    edges: Mapping[tuple[str, str], tuple[float, str]],
    verdict_of: Callable[[str], str],
    size_of: Callable[[str], float],
    seed: int = 7,
) -> tuple[str, int, int]:
    """The linked accounts as a node-link picture: colour = verdict, edge colour = evidence class.

    ``nodes`` are the accounts to draw (``most_linked`` picks them from a large group);
    ``edges`` maps an account pair to (summed weight, strongest class), and only pairs of
    drawn accounts are drawn. Returns the picture and the numbers of nodes and edges drawn.
    """
    index = {n: i for i, n in enumerate(nodes)}
    # The layout refuses weights that are not positive (the links stage makes none: a
    # kind weighted 0 links nobody), and there is nothing to draw there.
    kept = [(a, b, w, c) for (a, b), (w, c) in sorted(edges.items()) if a in index and b in index and w > 0]
    graph = ig.Graph(n=len(nodes), edges=[(index[a], index[b]) for a, b, _, _ in kept])
    start = np.random.default_rng(seed).uniform(-1, 1, size=(len(nodes), 2)).tolist()
    if nodes:
        layout = graph.layout_fruchterman_reingold(
            weights=[w for _, _, w, _ in kept] or None, seed=start, niter=300
        )
        xy = np.array(layout.coords, dtype=float)
    else:
        xy = np.zeros((0, 2))
    with matplotlib.rc_context(_RC):
        fig = Figure(figsize=(5.5, 4.6), layout="constrained")
        ax = fig.add_subplot()
        ax.set_axis_off()
        for patch in _edge_paths(kept, xy, index):
            # Not add_patch: working out a long path's extent cost 0.1 s a graph, and the
            # nodes drawn below set the limits that hold every edge anyway.
            ax.add_artist(patch)
        if nodes:
            sizes = np.array([size_of(n) for n in nodes], dtype=float)
            area = 18 + 120 * np.sqrt(sizes / max(sizes.max(), 1.0))
            ax.scatter(
                xy[:, 0],
                xy[:, 1],
                s=area,
                c=[VERDICT_COLOUR.get(verdict_of(n), "#bdc3c7") for n in nodes],
                edgecolors="white",
                linewidths=0.6,
                zorder=2,
            )
            if len(nodes) <= 24:
                for n, (x, y) in zip(nodes, xy):
                    ax.annotate(n, (x, y), xytext=(4, 3), textcoords="offset points", fontsize=6.5)
        handles = [
            Line2D([], [], marker="o", ls="", color=VERDICT_COLOUR[v], label=v)
            for v in ("campaign", "suspicious", "clear", "authorized")
        ] + [
            Line2D([], [], color=col, label=f"{cls} link")
            for cls, col in CLASS_COLOUR.items()
        ]
        ax.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=7, frameon=False, ncols=4
        )
        ax.margins(0.08)
        return to_data_uri(fig), len(nodes), len(kept)

