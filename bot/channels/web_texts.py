"""The web chat page's own texts (title, Snel weg, labels, placeholders, status words), per language.

The page is rendered with them, and a frame in another language carries them as ``ui``, so chat.js switches
the whole page without a reload: elements name their text with ``data-t`` (text), ``data-t-placeholder``,
``data-t-aria-label`` or ``data-t-label`` (a button's label as sent to the engine).
"""

from __future__ import annotations

import logging

from bot.i18n import I18n, _
from bot.messages import Action
from bot.screens import action

logger = logging.getLogger(__name__)

ROW = (Action.BACK, Action.HUMAN)  # always in the toolbar (Terug only when the screen offers a way back)
MENU = (Action.RESTART, Action.LANGUAGE, Action.STOP, Action.FORGET)  # the rarer actions, under "Meer"


def page_texts() -> dict[str, str]:
    """Every static text of the page in the active language (call inside ``I18n.use``)."""
    texts = {
        "title": _("Wegwijzer: wie kan je helpen op school?"),
        "quick_exit": _("Snel weg"),
        "intro": _("Met Snel weg of Esc ga je meteen naar een andere website."),  # no name needed: the welcome says so
        "privacy": _("Privacy"),  # the link to /privacy: what is kept, how long (bot/channels/privacy_page.py)
        "log": _("Gesprek"),
        "answers": _("Kies een antwoord"),
        "toolbar": _("Het gesprek"),
        "more": _("Meer"),
        "hint_opnieuw": _("Je begint weer bij de eerste vraag."),
        "hint_taal": _("Kies een andere taal."),
        "hint_stop": _("Stop dit gesprek. Je kunt altijd terugkomen."),
        "hint_vergeet": _("Alles van dit gesprek wordt gewist. Je krijgt eerst een vraag."),
        "new_chat": _("Nieuw gesprek"),
        "hint_nieuw": _("Begin leeg. Dit gesprek gaat weg van dit scherm."),
        "your_message": _("Jouw bericht"),
        "placeholder": _("Typ je bericht"),
        "send": _("Verstuur"),
        "noscript": _("Deze chat werkt alleen als JavaScript aan staat."),
        "you": _("Jij"),
        "staff": _("Chat-ondersteuning"),
        "connecting": _("Even verbinden…"),
        "offline": _("De verbinding is even weg. Ik probeer het opnieuw."),
        "typing": _("Er wordt getypt…"),
        "failed": _("Dat lukte niet. Probeer het nog een keer."),
        "not_sent": _("Nog niet verstuurd. Dit gaat vanzelf zodra het weer kan."),
        "new_window": _("(opent in een nieuw venster)"),
    }
    for name in (*ROW, *MENU):
        texts[f"action_{name.value}"] = action(name).label
    return texts


class PageTexts:
    """``page_texts`` per language, made once."""

    def __init__(self, i18n: I18n) -> None:
        self.i18n = i18n
        self._made: dict[str, dict[str, str]] = {}

    def of(self, locale: str) -> dict[str, str]:
        if locale not in self._made:
            with self.i18n.use(locale):
                self._made[locale] = page_texts()
        return self._made[locale]
