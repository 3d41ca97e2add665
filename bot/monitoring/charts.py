"""Server-rendered SVG bar charts of a monitoring ``Table``: no script, nothing from elsewhere.

One horizontal bar per row, the row's label before it and the number written after it, so the chart reads
without colour (and in black and white). A suppressed count (``Count(None)``) has no bar, only its text "< 5";
a count of 0 has no bar and the text 0. Screen readers get ``role="img"`` with a ``<title>`` and ``<desc>``
and are sent to the table beside the chart, which holds the same figures. Every text is escaped
(``markupsafe``); the result is ``Markup`` for the template. Pure and deterministic: the same table gives the
same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from bot.monitoring.figures import Cell, Count, Table

WIDTH = 660
LABEL_WIDTH = 270  # the labels end here, the bars start here
BAR_AREA = 320  # the longest bar; the rest is room for its number
ROW = 26
BAR = 16
TOP = 30  # room for the column name above the bars
LABEL_CHARS = 34  # a longer label is cut (the table beside has it whole)
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"


@dataclass(frozen=True, slots=True)
class Palette:
    """Colours on a white ground: text 4.5:1 or more, bars 3:1 or more (WCAG 1.4.3 and 1.4.11)."""

    bar: str = "#0b6e69"  # the console's brand colour: 6.1:1 on white
    text: str = "#1d2733"  # 15.1:1
    muted: str = "#5d6b7a"  # 5.5:1
    axis: str = "#5d6b7a"
    background: str = "#ffffff"


PALETTE = Palette()


def bar_chart(table: Table, palette: Palette = PALETTE) -> Markup:
    """The chart of ``table``'s ``chart`` column, a bar per row labelled by its first cell."""
    if table.chart is None:
        raise ValueError(f"table {table.key} has no column to chart")
    column = table.columns[table.chart]
    rows = [(str(row[0]), row[table.chart]) for row in table.rows]
    values = [value for _label, cell in rows if (value := _value(cell)) is not None]
    top = max(values, default=0)
    height = TOP + ROW * len(rows) + 6
    ident = f"chart-{table.key}"
    parts = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}"'
            ' role="img" aria-labelledby="{id}-title {id}-desc" font-family="{font}" font-size="13">'
        ).format(w=WIDTH, h=height, id=ident, font=FONT),
        Markup('<title id="{id}-title">{title}: {column}</title>').format(id=ident, title=table.title, column=column),
        Markup(
            '<desc id="{id}-desc">Staafdiagram met een staaf per rij en het getal erachter. '
            "Dezelfde cijfers staan in de tabel bij dit diagram.</desc>"
        ).format(id=ident),
        Markup('<rect width="{w}" height="{h}" fill="{fill}"/>').format(w=WIDTH, h=height, fill=palette.background),
        Markup('<text x="{x}" y="18" fill="{fill}" font-weight="600">{column}</text>').format(
            x=LABEL_WIDTH, fill=palette.muted, column=column
        ),
        Markup('<line x1="{x}" y1="{y1}" x2="{x}" y2="{y2}" stroke="{stroke}" stroke-width="1"/>').format(
            x=LABEL_WIDTH, y1=TOP - 4, y2=height - 4, stroke=palette.axis
        ),
    ]
    parts += [_bar(index, label, cell, top, palette) for index, (label, cell) in enumerate(rows)]
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _bar(index: int, label: str, cell: Cell, top: int, palette: Palette) -> Markup:
    y = TOP + index * ROW
    middle = y + BAR / 2
    value = _value(cell)
    length = BAR_AREA * value / top if value and top else 0.0
    short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"
    whole = Markup("<title>{label}</title>").format(label=label) if short != label else Markup("")
    parts = [
        Markup('<g class="bar">'),
        Markup(
            '<text x="{x}" y="{y}" text-anchor="end" dominant-baseline="central" fill="{fill}">{whole}{short}</text>'
        ).format(x=LABEL_WIDTH - 8, y=_n(middle), fill=palette.text, whole=whole, short=short),
    ]
    if length > 0:
        parts.append(
            Markup('<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{fill}"/>').format(
                x=LABEL_WIDTH, y=y, w=_n(max(length, 1.0)), h=BAR, fill=palette.bar
            )
        )
    parts.append(
        Markup('<text x="{x}" y="{y}" dominant-baseline="central" fill="{fill}">{shown}</text>').format(
            x=_n(LABEL_WIDTH + length + 6), y=_n(middle), fill=palette.text, shown=str(cell)
        )
    )
    parts.append(Markup("</g>"))
    return Markup("").join(parts)


def _value(cell: Cell) -> int | None:
    """The number to draw: None for a suppressed count (and for a text cell, which is not a count)."""
    return cell.value if isinstance(cell, Count) else None


def _n(number: float) -> str:
    """A coordinate with at most one decimal, always written the same way."""
    return f"{number:.1f}".removesuffix(".0")
