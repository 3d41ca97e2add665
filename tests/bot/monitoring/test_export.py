"""CSV and JSON of the figures: small counts as "< 5" (0 stays 0), nothing a spreadsheet would run."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

from bot.monitoring.export import all_csv, as_json, safe, table_csv
from bot.monitoring.figures import Counter, Figures, Table

count = Counter(5)
NOTES = Table(
    "witte_vlek_notes",
    "Witte vlekken volgens de medewerkers",
    ("Notitie van de medewerker", "Wie", "Aantal"),
    (
        ('=HYPERLINK("http://x")', "Ouder of verzorger", count(7)),
        ("+31 6 nummer", "Ouder of verzorger", count(1)),
        ("-geen-", "Iemand anders", count(4)),
        ("@SUM(A1)", "Iemand anders", count(5)),
        ("gewoon een notitie, met komma", "Iemand anders", count(0)),
    ),
)
STAGES = Table("stages", "Hoe ver zijn mensen al", ("Stap", "Aantal"), (("Durft het niet", count(2)),), chart=1)
FIGURES = Figures(
    date(2026, 11, 2),
    date(2026, 11, 29),
    5,
    (("Gesprekken begonnen", "12"), ("Crisissignalen", "< 5")),
    (NOTES, STAGES),
)


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_one_table_has_its_columns_then_its_rows_with_small_counts_suppressed() -> None:
    assert rows(table_csv(NOTES)) == [
        ["Notitie van de medewerker", "Wie", "Aantal"],
        ['\'=HYPERLINK("http://x")', "Ouder of verzorger", "7"],
        ["'+31 6 nummer", "Ouder of verzorger", "< 5"],
        ["'-geen-", "Iemand anders", "< 5"],
        ["'@SUM(A1)", "Iemand anders", "5"],
        ["gewoon een notitie, met komma", "Iemand anders", "0"],
    ]


def test_small_counts_never_appear_as_numbers() -> None:
    for value in range(1, 5):
        assert rows(table_csv(Table("t", "T", ("Wat", "Aantal"), (("x", count(value)),))))[1] == ["x", "< 5"]
    assert rows(table_csv(Table("t", "T", ("Wat", "Aantal"), (("x", count(5)),))))[1] == ["x", "5"]


def test_formula_cells_are_neutralised_everywhere() -> None:
    for text in ("=1+1", "+1", "-1", "@x", "\t=1", "\r=1"):
        assert safe(text) == "'" + text
    for text in ("< 5", "0", "Pesten", "'al tekst"):
        assert safe(text) == text
    header = Table("t", "T", ("=kolom",), ())
    assert rows(table_csv(header)) == [["'=kolom"]]


def test_all_tables_in_one_file_with_the_table_first() -> None:
    found = rows(all_csv(FIGURES))
    assert found[:3] == [
        ["table", "Cijfer", "Waarde"],
        ["summary", "Gesprekken begonnen", "12"],
        ["summary", "Crisissignalen", "< 5"],
    ]
    assert found[3] == ["table", "Notitie van de medewerker", "Wie", "Aantal"]
    assert found[4] == ["witte_vlek_notes", '\'=HYPERLINK("http://x")', "Ouder of verzorger", "7"]
    assert found[-2:] == [["table", "Stap", "Aantal"], ["stages", "Durft het niet", "< 5"]]
    assert all(cell != "2" and cell != "1" and cell != "4" for line in found for cell in line)


def test_json_has_numbers_and_the_text_for_suppressed_counts() -> None:
    data = json.loads(as_json(FIGURES))
    assert data["from"] == "2026-11-02" and data["to"] == "2026-11-29" and data["min_count"] == 5
    assert data["summary"] == {"Gesprekken begonnen": "12", "Crisissignalen": "< 5"}
    notes, stages = data["tables"]
    assert notes["key"] == "witte_vlek_notes" and notes["title"] == "Witte vlekken volgens de medewerkers"
    assert notes["columns"] == ["Notitie van de medewerker", "Wie", "Aantal"]
    assert [row[-1] for row in notes["rows"]] == [7, "< 5", "< 5", 5, 0]
    assert notes["rows"][0][0] == '=HYPERLINK("http://x")'  # JSON is data, not a spreadsheet: kept as written
    assert stages["rows"] == [["Durft het niet", "< 5"]]
