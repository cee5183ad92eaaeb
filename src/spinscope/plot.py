"""Charts of technique trends over time by outlet: a PNG for papers, an HTML page to explore.

One panel per outlet, one line per technique (the most prevalent ones overall), the
y axis the share of that month's articles with at least one span of the technique.
The HTML file embeds plotly.js, so it opens offline.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from spinscope.errors import SpinscopeError
from spinscope.stats import Filters, technique_prevalence


@dataclass
class Series:
    outlet: str
    technique: str
    months: list[date]
    shares: list[float]
    articles: list[int]


def trend_series(
    con: duckdb.DuckDBPyConnection, *, top: int = 6, max_outlets: int = 12,
    techniques: list[str] | None = None, filters: Filters | None = None,
) -> tuple[list[str], list[str], list[Series]]:  # fmt: skip
    """Outlets (most articles first), techniques, and one series per pair."""
    report = technique_prevalence(con, "outlet-month", filters).records()
    rows = [r for r in report if r["month"] != "(undated)"]
    if not rows:
        raise SpinscopeError("nothing to plot: no dated articles analysed for techniques")
    overall: dict[str, int] = defaultdict(int)
    per_month: dict[tuple[str, str], int] = {}
    for r in rows:
        overall[r["technique"]] += r["articles_with_technique"]
        per_month[(r["outlet"], r["month"])] = r["articles"]
    articles: dict[str, int] = defaultdict(int)
    for (outlet, _), count in per_month.items():
        articles[outlet] += count
    outlets = sorted(articles, key=lambda o: (-articles[o], o))[:max_outlets]
    chosen = techniques or sorted(overall, key=lambda t: (-overall[t], t))[:top]
    unknown = [t for t in chosen if t not in overall]
    if unknown:
        raise SpinscopeError(f"no spans of {', '.join(unknown)} in the store")
    grouped: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        grouped[(r["outlet"], r["technique"])].append(r)
    series = []
    for outlet in outlets:
        for technique in chosen:
            points = sorted(grouped.get((outlet, technique), []), key=lambda r: r["month"])
            series.append(Series(
                outlet, technique, [date.fromisoformat(p["month"] + "-01") for p in points],
                [float(p["share"]) for p in points], [int(p["articles"]) for p in points],
            ))  # fmt: skip
    return outlets, chosen, series


def display_name(label: str) -> str:
    """The taxonomy's readable name of a PTC label ("Loaded language"), else the label."""
    from spinscope.techniques.taxonomy import BY_LABEL

    info = BY_LABEL.get(label)
    return info.name if info else label


def plot_png(outlets: list[str], techniques: list[str], series: list[Series], path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = min(3, len(outlets))
    rows = -(-len(outlets) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5 * cols, 3.4 * rows + 0.8), squeeze=False,
                             sharey=True)  # fmt: skip
    colours = {t: plt.get_cmap("tab10")(i % 10) for i, t in enumerate(techniques)}
    for ax, outlet in zip(axes.flat, outlets, strict=False):
        for s in (s for s in series if s.outlet == outlet):
            ax.plot(s.months, s.shares, marker="o", markersize=3, color=colours[s.technique],
                    label=display_name(s.technique))  # fmt: skip
        ax.set_title(outlet, fontsize=10)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    for ax in list(axes.flat)[len(outlets) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("share of articles")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(3, len(techniques)), fontsize=8,
               frameon=False)  # fmt: skip
    fig.suptitle("Articles with each technique, by month and outlet")
    fig.tight_layout(rect=(0, 0.1 if len(techniques) > 3 else 0.06, 1, 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_html(outlets: list[str], techniques: list[str], series: list[Series], path: Path) -> Path:
    import plotly.graph_objects as go
    from plotly.colors import qualitative
    from plotly.subplots import make_subplots

    cols = min(3, len(outlets))
    rows = -(-len(outlets) // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=outlets, shared_yaxes=True)
    palette = qualitative.Plotly
    for i, outlet in enumerate(outlets):
        for s in (s for s in series if s.outlet == outlet):
            colour = palette[techniques.index(s.technique) % len(palette)]
            fig.add_trace(
                go.Scatter(
                    x=s.months, y=s.shares, customdata=s.articles, mode="lines+markers",
                    name=display_name(s.technique), legendgroup=s.technique,
                    showlegend=i == 0, line={"color": colour},
                    hovertemplate=f"{outlet}<br>{display_name(s.technique)}<br>%{{x|%Y-%m}}: "
                    "%{y:.1%} of %{customdata} articles<extra></extra>",
                ),
                row=i // cols + 1, col=i % cols + 1,
            )  # fmt: skip
    fig.update_yaxes(range=[0, 1], tickformat=".0%")
    fig.update_layout(
        title="Articles with each technique, by month and outlet",
        height=320 * rows + 120,
        template="plotly_white",
    )
    fig.write_html(path, include_plotlyjs=True, full_html=True)
    return path


def plot_trends(
    con: duckdb.DuckDBPyConnection, out_dir: Path, *, formats: tuple[str, ...] = ("png", "html"),
    top: int = 6, techniques: list[str] | None = None, filters: Filters | None = None,
    name: str = "technique_trends",
) -> list[Path]:  # fmt: skip
    """Write the trend charts; returns the files written."""
    outlets, chosen, series = trend_series(con, top=top, techniques=techniques, filters=filters)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if "png" in formats:
        written.append(plot_png(outlets, chosen, series, out_dir / f"{name}.png"))
    if "html" in formats:
        written.append(plot_html(outlets, chosen, series, out_dir / f"{name}.html"))
    return written
