"""Charts as SVG drawn on the server: readable without JavaScript, printable, and every number
also written on the chart, so nobody has to estimate a bar's length."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ("#2f6db5", "#e08a2c", "#3a9a5b", "#b8433f", "#7a5aa8", "#6b7b8c", "#c2a12b")
ROW_HEIGHT = 24
LABEL_WIDTH = 220
BAR_WIDTH = 360


def bars(title: str, rows: list[tuple[str, float]], unit: str = "") -> Markup:
    """Horizontal bars, one per row, value written at the end of each bar."""
    height = 30 + ROW_HEIGHT * max(1, len(rows))
    peak = max((value for _, value in rows), default=0) or 1
    parts = [_open(title, LABEL_WIDTH + BAR_WIDTH + 80, height), _title(title)]
    if not rows:
        parts.append(_text(10, 44, "nothing in this period", "empty"))
    for index, (label, value) in enumerate(rows):
        y = 30 + index * ROW_HEIGHT
        length = BAR_WIDTH * value / peak
        parts += [
            _text(LABEL_WIDTH - 8, y + 16, _short(label), anchor="end"),
            f'<rect x="{LABEL_WIDTH}" y="{y + 4}" width="{length:.1f}" height="{ROW_HEIGHT - 8}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {_number(value)}{escape(unit)}</title></rect>',
            _text(LABEL_WIDTH + length + 6, y + 16, f"{_number(value)}{unit}"),
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(title: str, labels: list[str], series: dict[str, list[float]]) -> Markup:
    """One column per label (e.g. week), stacked by series (e.g. channel), with a legend and totals."""
    width = max(420, 70 + 48 * len(labels))
    plot_top, plot_height = 50, 180
    totals = [sum(values[i] for values in series.values()) for i in range(len(labels))]
    peak = max(totals, default=0) or 1
    parts = [_open(title, width, plot_top + plot_height + 50), _title(title)]
    for index, name in enumerate(series):
        x = 10 + 120 * index
        parts += [
            f'<rect x="{x}" y="30" width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/>',
            _text(x + 14, 39, name),
        ]
    if not labels:
        parts.append(_text(10, plot_top + 30, "nothing in this period", "empty"))
    for column, label in enumerate(labels):
        x, base = 50 + 48 * column, plot_top + plot_height
        for index, (name, values) in enumerate(series.items()):
            size = plot_height * values[column] / peak
            base -= size
            if values[column]:
                parts.append(
                    f'<rect x="{x}" y="{base:.1f}" width="36" height="{size:.1f}" '
                    f'fill="{PALETTE[index % len(PALETTE)]}"><title>{escape(label)} {escape(name)}: '
                    f"{_number(values[column])}</title></rect>"
                )
        parts += [
            _text(x + 18, base - 4, _number(totals[column]), anchor="middle"),
            _text(x + 18, plot_top + plot_height + 16, label, anchor="middle"),
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def _open(title: str, width: float, height: float) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="{escape(title)}" '
        f'width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" '
        'font-family="sans-serif" font-size="12">'
    )


def _title(title: str) -> str:
    return f'<text x="10" y="18" font-size="14" font-weight="bold">{escape(title)}</text>'


def _text(x: float, y: float, text: str, css: str = "", anchor: str = "start") -> str:
    klass = f' class="{css}"' if css else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>{escape(text)}</text>'


def _short(label: str, limit: int = 34) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
