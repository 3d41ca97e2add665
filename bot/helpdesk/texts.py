"""Every text the user sees from the chat-ondersteuning. B1 Dutch, through gettext, placeholders after.

Call these inside ``I18n.use(conversation.locale)``; they return ready ``OutgoingMessage``s.
"""

from __future__ import annotations

from datetime import timedelta

from bot.helpdesk import callback_texts
from bot.i18n import _, ngettext
from bot.messages import Action, Choice, OutgoingMessage
from bot.screens import action

LEAVE_MESSAGE = "hand:bericht"
LEAVE_QUEUE = "hand:verlaten"


def leave_queue_button() -> Choice:
    return Choice(LEAVE_QUEUE, _("Niet meer wachten"))


def place_line(place: int) -> str:
    if place == 1:
        return _("Je bent de volgende.")
    ahead = ngettext("Er is {n} persoon voor je.", "Er zijn {n} mensen voor je.", place - 1).format(n=place - 1)
    return ahead + " " + _("Je bent nummer {place}.").format(place=place)


def wait_line(estimate: timedelta | None) -> str:
    if estimate is None:
        return _("Ik weet nog niet hoe lang het duurt.")
    minutes = max(1, round(estimate.total_seconds() / 60))
    return ngettext(
        "Wachten duurt nu meestal ongeveer {n} minuut.", "Wachten duurt nu meestal ongeveer {n} minuten.", minutes
    ).format(n=minutes)


def reference_line(code: str) -> str:
    """The conversation code (``bot/helpdesk/reference.py``) and what it is for."""
    return _(
        "Je gesprekscode is {code}.\n"
        "Kom je later terug? Noem dan deze code. Dan kan een medewerker dit gesprek terugvinden."
    ).format(code=code)


def queued(place: int, estimate: timedelta | None, crisis: bool, reference: str | None = None) -> list[OutgoingMessage]:
    lines = [_("Je staat in de wachtrij voor de chat-ondersteuning."), place_line(place), wait_line(estimate)]
    if crisis:
        lines.insert(0, _("Ben je in gevaar? Bel dan nu 112."))
    if reference is not None:
        lines += ["", reference_line(reference)]
    return [
        OutgoingMessage("\n".join(lines), kind="notice"),
        OutgoingMessage(
            _("Je kunt alvast typen. Wij bewaren je berichten voor de medewerker.")
            + "\n"
            + _("Wil je niet meer wachten? Kies dan 'Niet meer wachten'.")
            + "\n"
            + callback_texts.offer_line(),
            actions=(callback_texts.offer_button(), leave_queue_button()),
            kind="notice",
        ),
    ]


def still_waiting(place: int, estimate: timedelta | None) -> OutgoingMessage:
    text = "\n".join([_("Je staat al in de wachtrij."), place_line(place), wait_line(estimate)])
    return OutgoingMessage(text, actions=(leave_queue_button(),), kind="notice")


def opening(day: str | None, time: str | None) -> str:
    if day is None or time is None:
        return _("Ik weet nog niet wanneer de chat-ondersteuning weer open is.")
    return _("We zijn er weer op {day} om {time}.").format(day=day, time=time)


def closed(day: str | None, time: str | None, crisis: bool, emergency: OutgoingMessage) -> list[OutgoingMessage]:
    """Closed now: when we open, the numbers to call now (``emergency``, first in a crisis), leave a message."""
    first = _("De chat-ondersteuning is nu gesloten.") + "\n" + opening(day, time)
    messages = [OutgoingMessage(first, kind="notice"), emergency]
    if crisis:
        messages.reverse()
    messages.append(
        OutgoingMessage(
            _("Wil je een bericht achterlaten? Zodra we open zijn, lezen we het zo snel als we kunnen.")
            + "\n"
            + callback_texts.offer_line(),
            options=(Choice(LEAVE_MESSAGE, _("Bericht achterlaten")), callback_texts.offer_button()),
            actions=(action(Action.RESTART),),
            kind="question",
        )
    )
    return messages


def leave_a_message(day: str | None, time: str | None, reference: str | None = None) -> OutgoingMessage:
    lines = [
        _("Schrijf hier je bericht. Je mag meer berichten sturen."),
        opening(day, time),
        _("Dan lezen we je bericht zo snel als we kunnen."),
    ]
    if reference is not None:
        lines += ["", reference_line(reference)]
    text = "\n".join(lines)
    return OutgoingMessage(text, actions=(leave_queue_button(),), kind="notice")


def message_kept() -> OutgoingMessage:
    return OutgoingMessage(_("Ik heb je bericht bewaard. Een mens leest het straks."), kind="notice")


def agent_joined(name: str) -> OutgoingMessage:
    return OutgoingMessage(_("Je praat nu met {name} van de chat-ondersteuning.").format(name=name), kind="notice")


def already_live(name: str) -> OutgoingMessage:
    return OutgoingMessage(_("Je praat al met {name} van de chat-ondersteuning.").format(name=name), kind="notice")


def back_in_queue(place: int) -> OutgoingMessage:
    text = _("Je staat weer in de wachtrij.") + "\n" + place_line(place)
    return OutgoingMessage(text, actions=(leave_queue_button(),), kind="notice")


def agent_gone(name: str, place: int) -> OutgoingMessage:
    text = _("{name} is niet meer in de chat. Sorry!").format(name=name) + "\n" + back_in_queue(place).text
    return OutgoingMessage(text, actions=(leave_queue_button(),), kind="notice")


def chat_ended(name: str) -> OutgoingMessage:
    text = (
        _("{name} heeft de chat gesloten. Je praat nu weer met de Wegwijzer.").format(name=name)
        + "\n"
        + _("Wil je opnieuw beginnen? Of ben je klaar?")
    )
    return OutgoingMessage(
        text, actions=(action(Action.RESTART), action(Action.STOP), action(Action.HUMAN)), kind="notice"
    )


def left_queue() -> OutgoingMessage:
    return OutgoingMessage(_("Je wacht niet meer op een mens. Je praat weer met de Wegwijzer."), kind="notice")


def machine_translated(translation: str) -> str:
    """An agent's words as machine-translated for the user, with a line that says so (in the user's language)."""
    note = _("Dit bericht is met een computer vertaald uit het Nederlands. Er kunnen fouten in staan.")
    return f"{translation}\n\n({note})"


def busy_network() -> OutgoingMessage:
    """A request for a person that the limit per network address refused (``web_handoffs_per_hour``)."""
    text = _(
        "Het lukt nu niet om je in de wachtrij te zetten.\n"
        "Vanaf jouw internet (bijvoorbeeld de wifi van school) vragen nu heel veel mensen om een mens.\n"
        "Probeer het later nog een keer."
    )
    text += "\n" + callback_texts.offer_line()  # a call does not wait in that queue
    return OutgoingMessage(text, actions=(callback_texts.offer_button(), action(Action.RESTART)), kind="notice")


def queue_cleared() -> OutgoingMessage:
    """A waiting request without any message that the chat-ondersteuning took out of the queue: calm, ask again."""
    text = (
        _("Je staat niet meer in de wachtrij voor de chat-ondersteuning.")
        + "\n"
        + _("Wil je toch met iemand praten? Vraag het dan gerust opnieuw.")
    )
    return OutgoingMessage(
        text, actions=(action(Action.HUMAN), action(Action.RESTART), action(Action.STOP)), kind="notice"
    )
