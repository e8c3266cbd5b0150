"""The report's plots: matplotlib figures as inline SVG (no pyplot, no global state), their
data marks given ids (``data-<name>-<i>``) so that a viewer or a test can find them."""
from __future__ import annotations

import io

import numpy as np

#: A publication-date span longer than this is plotted per month, not per day.
MAX_DAYS = 400
PLOT_STYLE = {"svg.fonttype": "path", "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
COLOR = "#3b6ea8"


def _figure(width: float, height: float):
    """A matplotlib Figure (no pyplot: no global state; imported here: every other command starts faster)."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _style():
    from matplotlib import rc_context

    return rc_context(PLOT_STYLE)


def _svg(figure, salt: str) -> str:
    """The figure as an inline <svg> (no XML prolog); ``salt`` keeps clip-path ids apart between figures."""
    from matplotlib import rc_context

    buffer = io.StringIO()
    with rc_context({"svg.hashsalt": salt}):
        figure.savefig(buffer, format="svg", bbox_inches="tight")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def _mark(artists, name: str) -> None:
    """Give the data marks ids (``data-<name>-<i>``) so that a viewer or a test can find them."""
    for i, artist in enumerate(artists):
        artist.set_gid(f"data-{name}-{i}")


def bar_plot(counts: list[tuple[str, int]], name: str, xlabel: str, shares: bool = False) -> str:
    """Horizontal bars, largest first, with their values (and shares) written beside them."""
    with _style():
        figure = _figure(7, 0.6 + 0.28 * len(counts))
        ax = figure.add_subplot()
        labels = [label for label, _ in counts][::-1]
        values = [value for _, value in counts][::-1]
        bars = ax.barh(labels, values, color=COLOR)
        _mark(bars, name)
        total = sum(values) or 1
        texts = [f"{v:,} ({v / total:.0%})" if shares else f"{v:,}" for v in values]
        ax.bar_label(bars, texts, padding=3, fontsize=8)
        ax.set_xlabel(xlabel)
        ax.margins(x=0.15)
        return _svg(figure, name)


def histogram(values: np.ndarray, name: str, xlabel: str, log_x: bool = False) -> str:
    with _style():
        figure = _figure(7, 2.6)
        ax = figure.add_subplot()
        bins: int | np.ndarray = 30
        if log_x and values.min() > 0 and values.max() > values.min():
            bins = np.geomspace(values.min(), values.max(), 31)
            ax.set_xscale("log")
        _, _, patches = ax.hist(values, bins=bins, color=COLOR)
        _mark(patches, name)
        if not log_x:
            ax.ticklabel_format(axis="x", useOffset=False)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("rows")
        return _svg(figure, name)


def day_plot(days: np.ndarray, name: str) -> tuple[str, str]:
    """Rows per publication day (per month over a long span): (svg, unit)."""
    unit = "D" if (days.max() - days.min()).astype(int) <= MAX_DAYS else "M"
    periods, counts = np.unique(days.astype(f"datetime64[{unit}]"), return_counts=True)
    with _style():
        figure = _figure(7, 2.6)
        ax = figure.add_subplot()
        bars = ax.bar(periods.astype("datetime64[D]"), counts, width=0.8 if unit == "D" else 25, color=COLOR)
        _mark(bars, name)
        ax.set_ylabel("rows")
        figure.autofmt_xdate()
        return _svg(figure, name), "day" if unit == "D" else "month"


def grid_of_histograms(columns: dict[str, np.ndarray], per_row: int = 3) -> str:
    """Small histograms side by side, one a column, its name and median above it."""
    rows = -(-len(columns) // per_row)
    with _style():
        figure = _figure(7.5, 1.9 * rows)
        for i, (name, values) in enumerate(columns.items()):
            ax = figure.add_subplot(rows, per_row, i + 1)
            if np.ptp(values):
                _, _, patches = ax.hist(values, bins=20, color=COLOR)
                ax.set_title(f"{name} (median {np.median(values):.3g})", fontsize=8)
            else:  # one value: one narrow bar, not a bar as wide as the axis
                patches = ax.bar([values[0]], [len(values)], width=0.2, color=COLOR)
                ax.set_xlim(values[0] - 1, values[0] + 1)
                ax.set_title(f"{name} (all {values[0]:.3g})", fontsize=8)
            _mark(patches, name)
            ax.tick_params(labelsize=7)
            ax.ticklabel_format(axis="x", useOffset=False)
        figure.tight_layout()
        return _svg(figure, "columns")
