"""The SVG bar charts: a bar and a number per row, "< 5" without a bar, every text escaped, always the same."""

from __future__ import annotations

import re
from xml.etree import ElementTree

import pytest

from bot.monitoring.charts import BAR_AREA, bar_chart
from bot.monitoring.figures import Count, Counter, Table

SVG = "{http://www.w3.org/2000/svg}"
count = Counter(5)


def table(rows: tuple[tuple[str, int], ...], title: str = "Uitkomsten per organisatie") -> Table:
    return Table("organisations", title, ("Organisatie", "Keer getoond"), tuple((a, count(n)) for a, n in rows), 1)


def bars(svg: str) -> list[tuple[str, float | None, str]]:
    """Per row: its label, the width of its bar (None: no bar) and the number written after it."""
    root = ElementTree.fromstring(svg)
    found = []
    for group in root.iter(f"{SVG}g"):
        label, number = (text.itertext() for text in group.iter(f"{SVG}text"))
        rect = group.find(f"{SVG}rect")
        found.append(("".join(label), None if rect is None else float(rect.attrib["width"]), "".join(number)))
    return found


def test_one_bar_per_row_with_its_number_beside_it() -> None:
    svg = str(bar_chart(table((("Kindertelefoon", 40), ("Veilig Thuis", 10), ("Ombudsman", 20)))))
    assert bars(svg) == [
        ("Kindertelefoon", BAR_AREA, "40"),
        ("Veilig Thuis", BAR_AREA / 4, "10"),
        ("Ombudsman", BAR_AREA / 2, "20"),
    ]


def test_a_suppressed_count_has_no_bar_only_its_text_and_zero_has_no_bar() -> None:
    svg = str(bar_chart(table((("Kindertelefoon", 12), ("Veilig Thuis", 3), ("Ombudsman", 0)))))
    assert bars(svg) == [("Kindertelefoon", BAR_AREA, "12"), ("Veilig Thuis", None, "< 5"), ("Ombudsman", None, "0")]
    assert "&lt; 5" in svg
    assert ">3<" not in svg  # the small number itself is nowhere


def test_nothing_but_small_counts_draws_no_bars() -> None:
    svg = str(bar_chart(table((("a", 1), ("b", 4)))))
    assert [width for _label, width, _number in bars(svg)] == [None, None]


def test_screen_readers_get_a_title_and_a_description() -> None:
    root = ElementTree.fromstring(str(bar_chart(table((("Kindertelefoon", 12),)))))
    assert root.attrib["role"] == "img"
    title, desc = root.attrib["aria-labelledby"].split()
    named = {element.attrib.get("id"): "".join(element.itertext()) for element in root}
    assert named[title] == "Uitkomsten per organisatie: Keer getoond"
    assert "tabel" in named[desc]


def test_every_label_is_escaped() -> None:
    evil = '<script>alert("x")</script> & "Kinder"telefoon'
    svg = str(bar_chart(table(((evil, 12),), title="<b>Titel</b>")))
    assert "<script" not in svg and "<b>" not in svg
    assert "&lt;script&gt;" in svg and "&lt;b&gt;Titel&lt;/b&gt;" in svg
    assert bars(svg)[0][0].startswith('<script>alert("x")')  # as text, after parsing: escaped, not dropped


def test_a_long_label_is_cut_and_kept_whole_in_its_title() -> None:
    label = "Ik weet niet of ik dit aan iemand durf te vertellen op school (durft_niet)"
    root = ElementTree.fromstring(str(bar_chart(table(((label, 12),)))))
    title = next(root.iter(f"{SVG}g")).find(f"{SVG}text/{SVG}title")
    assert title is not None and title.text == label  # a tooltip with the whole label
    shown = title.tail or ""
    assert shown.endswith("…") and label.startswith(shown[:-1])


def test_the_same_table_gives_the_same_bytes() -> None:
    rows = (("Kindertelefoon", 7), ("Veilig Thuis", 13), ("Ombudsman", 2))
    assert str(bar_chart(table(rows))) == str(bar_chart(table(rows)))
    numbers = re.findall(r' (?:x|y|width|x1|x2|y1|y2)="([^"]+)"', str(bar_chart(table(rows))))
    assert all(re.fullmatch(r"\d+(\.\d)?", number) for number in numbers)


def test_no_rows_is_an_empty_chart_and_a_table_without_chart_is_refused() -> None:
    assert bars(str(bar_chart(table(())))) == []
    with pytest.raises(ValueError):
        bar_chart(Table("role_theme", "Wie en welk onderwerp", ("Wie", "Pesten"), (("Ouder", Count(6, "6")),)))
