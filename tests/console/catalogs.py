"""Small catalogs compiled for the console's language tests (never the product's own, which translators edit).

``ukrainian(directory)`` compiles a Ukrainian catalog for what a user of the fixed test tree sees on the way to
a person (and what the helpdesk says then), and returns an ``I18n`` for Dutch and Ukrainian.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from bot.i18n import I18n

Entry = tuple[str | tuple[str, str], str | tuple[str, ...], str | None]  # Dutch, translation, msgctxt

WELCOME_NL = (
    "Hoi, ik ben de Wegwijzer.\n"
    "Voel je je niet veilig op school? Ik help je zoeken wie je kan helpen.\n"
    "Neem alleen de stappen waar jij je veilig bij voelt."
)
WELCOME_UK = (
    "Привіт, я Wegwijzer.\n"
    "Ти почуваєшся в школі небезпечно? Я допоможу знайти, хто може тобі допомогти.\n"
    "Роби лише ті кроки, з якими тобі безпечно."
)
QUEUED_NL = "Je staat in de wachtrij voor de chat-ondersteuning."
QUEUED_UK = "Ти в черзі до служби підтримки."
JOINED_NL = "Je praat nu met {name} van de chat-ondersteuning."
JOINED_UK = "Тепер ти говориш з {name} зі служби підтримки."
MACHINE_NL = "Dit bericht is met een computer vertaald uit het Nederlands. Er kunnen fouten in staan."
MACHINE_UK = "Це повідомлення переклав комп'ютер з нідерландської. У ньому можуть бути помилки."
WELKOM_CANNED_NL = "Hoi, fijn dat je er bent. Ik lees mee. Vertel maar wat er is."
WELKOM_CANNED_UK = "Привіт, добре, що ти тут. Я читаю. Розкажи, що сталося."

UKRAINIAN: list[Entry] = [
    (WELCOME_NL, WELCOME_UK, "node welkom: text"),
    ("Start", "Почати", "node welkom: option start: label"),
    ("Ben je nu in gevaar?", "Ти зараз у небезпеці?", "node gevaar: text"),
    ("Praat met een mens", "Поговорити з людиною", None),
    ("Wil je verder in het {language}?", "Продовжити мовою: {language}?", None),
    (QUEUED_NL, QUEUED_UK, None),
    ("Je bent de volgende.", "Ти перший у черзі.", None),
    ("Je bent nummer {place}.", "Твій номер у черзі: {place}.", None),
    (
        ("Er is {n} persoon voor je.", "Er zijn {n} mensen voor je."),
        ("Перед тобою {n} людина.", "Перед тобою {n} людини.", "Перед тобою {n} людей."),
        None,
    ),
    ("Ik weet nog niet hoe lang het duurt.", "Я ще не знаю, скільки це триватиме.", None),
    (
        "Je kunt alvast typen. Wij bewaren je berichten voor de medewerker.",
        "Ти вже можеш писати. Ми збережемо твої повідомлення для консультанта.",
        None,
    ),
    (
        "Wil je niet meer wachten? Kies dan 'Niet meer wachten'.",
        "Не хочеш більше чекати? Тоді натисни «Більше не чекати».",
        None,
    ),
    ("Niet meer wachten", "Більше не чекати", None),
    (
        "Ik heb je bericht bewaard. Een mens leest het straks.",
        "Я зберіг твоє повідомлення. Скоро його прочитає людина.",
        None,
    ),
    (JOINED_NL, JOINED_UK, None),
    (MACHINE_NL, MACHINE_UK, None),
    (WELKOM_CANNED_NL, WELKOM_CANNED_UK, "canned welkom: text"),
]


def compile_catalog(directory: Path, code: str, entries: list[Entry]) -> Path:
    """Write ``<directory>/<code>/LC_MESSAGES/messages.mo`` as ``make locales`` would; its path."""
    catalog = Catalog(locale=code)
    for source, translated, context in entries:
        catalog.add(source, translated, context=context)
    target = directory / code / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    with (target / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return target / "messages.mo"


def ukrainian(directory: Path) -> I18n:
    compile_catalog(directory, "uk", UKRAINIAN)
    return I18n(("nl", "uk"), directory)
