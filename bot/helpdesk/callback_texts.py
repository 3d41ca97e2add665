"""Every text of "bel me terug" the user sees. B1 Dutch, through gettext, placeholders filled after.

Call these inside ``I18n.use(conversation.locale)``. The buttons' keys start with ``screens.CALLBACK_PREFIX``;
``bot.helpdesk.callback_request`` answers them. ``consent`` is the one message that holds the number: it comes
with the line the transcript keeps instead (the number replaced by ``placeholder()``).
"""

from __future__ import annotations

from bot.helpdesk.day_parts import AFTERNOON, ANY, EVENING, MORNING
from bot.i18n import _, current_locale, text_direction
from bot.messages import Choice, OutgoingMessage
from bot.screens import CALLBACK_PREFIX

START = CALLBACK_PREFIX + "start"  # "Bel me terug": where the bot offers a person
NOT_NOW = CALLBACK_PREFIX + "stop"  # "Toch niet": leave the questions before the request exists
YES = CALLBACK_PREFIX + "ja"  # the consent
NO = CALLBACK_PREFIX + "nee"
CANCEL = CALLBACK_PREFIX + "annuleer"  # "Annuleer terugbellen": cancel the request that exists
PART_KEYS = {
    MORNING: CALLBACK_PREFIX + "ochtend",
    AFTERNOON: CALLBACK_PREFIX + "middag",
    EVENING: CALLBACK_PREFIX + "avond",
    ANY: CALLBACK_PREFIX + "altijd",
}


def offer_button() -> Choice:
    return Choice(START, _("Bel me terug"))


def cancel_button() -> Choice:
    return Choice(CANCEL, _("Annuleer terugbellen"))


def not_now_button() -> Choice:
    return Choice(NOT_NOW, _("Toch niet"))


def offer_line() -> str:
    """One line under an offer of a person: a call is possible too."""
    return _("Liever gebeld worden? Kies dan 'Bel me terug'.")


def part_label(part: str) -> str:
    labels = {MORNING: _("Ochtend"), AFTERNOON: _("Middag"), EVENING: _("Avond"), ANY: _("Maakt niet uit")}
    return labels[part]


def placeholder() -> str:
    """What the transcript keeps where the user typed, or the bot repeated, a phone number."""
    return _("(telefoonnummer)")


def ask_number(again: bool = False) -> OutgoingMessage:
    """The first question: the number, typed. ``again``: after a number we could not read (shorter)."""
    lines = [] if again else [_("Wij kunnen je ook bellen. Een medewerker van de chat-ondersteuning belt je dan.")]
    lines += [
        _("Typ je telefoonnummer. Bijvoorbeeld: 06 12345678."),
        _("Heb je een nummer uit een ander land? Typ dan eerst de landcode, zoals +32."),
    ]
    if not again:
        lines.append(_("We bewaren je nummer pas als jij ja zegt."))
    return OutgoingMessage("\n".join(lines), options=(not_now_button(),), kind="question")


def not_a_number() -> OutgoingMessage:
    return OutgoingMessage(
        _("Dit is geen telefoonnummer dat wij kunnen bellen. Kijk of je het goed hebt getypt."), kind="notice"
    )


def ask_part(parts: tuple[str, ...]) -> OutgoingMessage:
    """When to call: only the parts of the day in which we are open (``day_parts.offered``)."""
    options = tuple(Choice(PART_KEYS[part], part_label(part)) for part in parts)
    return OutgoingMessage(
        _("Wanneer kunnen we je het best bellen?"), options=(*options, not_now_button()), kind="question"
    )


def consent(number: str, part: str) -> OutgoingMessage:
    """The one consent question, with the number as the user will be called on it, and what we do with it."""
    questions = {
        MORNING: _("Mogen we je 's ochtends bellen op {number}?"),
        AFTERNOON: _("Mogen we je 's middags bellen op {number}?"),
        EVENING: _("Mogen we je 's avonds bellen op {number}?"),
        ANY: _("Mogen we je bellen op {number}?"),
    }
    if text_direction(current_locale()) == "rtl":  # digits and "+" keep their order inside right-to-left text
        number = f"\u2066{number}\u2069"
    text = (
        questions[part].format(number=number)
        + "\n"
        + _("We gebruiken je nummer alleen om je te bellen. Daarna wissen we het.")
    )
    options = (Choice(YES, yes_label()), Choice(NO, no_label()))
    return OutgoingMessage(text, options=options, kind="question")


def yes_label() -> str:
    return _("Ja, bel me")


def no_label() -> str:
    return _("Nee")


def confirmed(when: str, *, left_queue: bool, crisis: bool) -> OutgoingMessage:
    """The request exists: who calls, when at the earliest (``when``), how to cancel. No number in it."""
    lines = [_("Afgesproken. Een medewerker van de chat-ondersteuning belt je."), when]
    if crisis:
        lines.insert(0, _("Ben je in gevaar? Bel dan nu 112."))
    if left_queue:
        lines.append(_("Je wacht nu niet meer in de chat."))
    lines += [
        _("We bellen misschien met een nummer dat je niet kent."),
        _("Wil je toch niet gebeld worden? Kies dan 'Annuleer terugbellen'."),
    ]
    return OutgoingMessage("\n".join(lines), actions=(cancel_button(),), kind="notice")


def soon() -> str:
    return _("Dat doen we zo snel als het kan.")


def earliest(day: str, time: str) -> str:
    return _("Dat kan op zijn vroegst op {day} om {time}.").format(day=day, time=time)


def never() -> str:
    return _("Ik weet nog niet wanneer we je kunnen bellen.")


def declined() -> OutgoingMessage:
    return OutgoingMessage(_("Goed. We bellen je niet. We hebben je nummer niet bewaard."), kind="notice")


def cancelled() -> OutgoingMessage:
    return OutgoingMessage(_("Goed. We bellen je niet. Je nummer is gewist."), kind="notice")


def nothing_to_cancel() -> OutgoingMessage:
    return OutgoingMessage(_("Je staat niet meer op de lijst om gebeld te worden."), kind="notice")


def already_waiting() -> OutgoingMessage:
    """Asked again while a request is open (or back after a while): it is still there, and how to cancel it."""
    text = (
        _("Je hebt gevraagd of we je bellen. Dat staat nog.")
        + "\n"
        + _("Wil je toch niet gebeld worden? Kies dan 'Annuleer terugbellen'.")
    )
    return OutgoingMessage(text, actions=(cancel_button(),), kind="notice")


def stale() -> OutgoingMessage:
    return OutgoingMessage(_("Die knop hoort bij een eerdere vraag. Hier is de vraag van nu."), kind="notice")


def choose() -> OutgoingMessage:
    return OutgoingMessage(_("Kies een van de knoppen."), kind="notice")
