"""What Wegwijzer keeps, why, for how long, who can read it and how to delete it: the texts that say so.

Three places say it, from the same facts (``Terms``, made from the settings):

- the welcome: one line under the start screen's text (``on_welcome``): what is kept, how long, no name needed;
- ``/privacy`` in a chat (``Action.PRIVACY``): a short summary with the page's address (``summary``);
- the page ``GET /privacy`` (``bot/channels/privacy_page.py``, template ``privacy.html``): all of it (``page``).

Every sentence is a claim about the code. Where each comes from:

- how long: ``storage/retention.py`` deletes, once a day, the conversations whose last change is older than
  ``retention_days``, with their transcript, notes, hand-offs, outbox rows and web session; not while a hand-off
  is open (waiting, a message left outside opening hours, live). The audit log goes after ``audit_retention_days``.
- deleting at once: ``bot/forget.py`` and ``Engine._forget`` (the same rows; an open hand-off ends and the agent
  is told). Snel weg and "Nieuw gesprek" only end the web session (``bot/channels/web_session.py``), which also
  ends after ``web_session_idle_minutes`` without a frame from the user's pages.
- who can read: ``bot/console/access.py`` (a waiting conversation: any agent; then the agents who took part;
  anyone else, admins too, only with a reason; a conversation that never asked for a person: admins only, with
  a reason); every opening and live watch is an audit row (``bot/console/views.py``, ``bot/console/socket.py``).
  Machine translation only when ``translation_url`` names the helpdesk's own server (``bot/console/translator.py``).
- not kept: names (never asked; of a Telegram update only the language is read), network addresses
  (``bot/abuse.py`` keys them), photos, voice notes and files (``bot/channels/telegram/channel.py``).
- what stays after deleting: anonymous counts per day (``storage/monitoring.py``) and the audit log.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass

from bot.forget import yes_label
from bot.i18n import _, ngettext
from bot.messages import Action, OutgoingMessage
from bot.screens import action
from bot.settings import Settings

logger = logging.getLogger(__name__)

PATH = "/privacy"
TELEGRAM = "telegram"
WEB = "web"


@dataclass(frozen=True, slots=True)
class Terms:
    """The configured facts the texts quote (the defaults are those of config/default.toml)."""

    retention_days: int = 30
    audit_retention_days: int = 365
    web_session_idle_minutes: int = 120
    public_url: str = ""  # where the page is reachable from outside; "" = say no address
    translation: bool = False  # the console can machine-translate (``translation_url`` is set)

    @classmethod
    def of(cls, settings: Settings) -> Terms:
        return cls(
            retention_days=settings.retention_days,
            audit_retention_days=settings.audit_retention_days,
            web_session_idle_minutes=settings.web_session_idle_minutes,
            public_url=settings.public_url,
            translation=bool(settings.translation_url),
        )


def address(terms: Terms, locale: str) -> str | None:
    """The page's full address in ``locale``, or None without a ``public_url``."""
    if not terms.public_url:
        return None
    return f"{terms.public_url.rstrip('/')}{PATH}?lang={locale}"


# --- The welcome --------------------------------------------------------------------------------------------


def welcome_line(terms: Terms) -> str:
    """One line for the start screen: what is kept, how long, and that no name is needed."""
    days = terms.retention_days
    return ngettext(
        "Ik bewaar dit gesprek {days} dag na je laatste bericht, zonder naam.",
        "Ik bewaar dit gesprek {days} dagen na je laatste bericht, zonder naam.",
        days,
    ).format(days=days)


def on_welcome(screen: list[OutgoingMessage], terms: Terms) -> list[OutgoingMessage]:
    """The start screen with ``welcome_line`` as the last line of its first message (call inside ``I18n.use``)."""
    if not screen:
        return screen
    first = screen[0]
    return [dataclasses.replace(first, text=f"{first.text}\n{welcome_line(terms)}"), *screen[1:]]


# --- /privacy in a chat ---------------------------------------------------------------------------------------


def summary(terms: Terms, channel: str, locale: str) -> OutgoingMessage:
    """``/privacy``: how long, no name, who reads it, how to delete it, and where to read all of it."""
    days = terms.retention_days
    lines = [
        ngettext(
            "Ik bewaar je gesprek {days} dag na je laatste bericht. Je naam bewaar ik niet.",
            "Ik bewaar je gesprek {days} dagen na je laatste bericht. Je naam bewaar ik niet.",
            days,
        ).format(days=days),
        _("Vraag je om een mens? Dan kan de chat-ondersteuning je gesprek lezen."),
    ]
    if channel == WEB:
        lines.append(
            _("Wil je alles nu wissen? Kies dan '{forget}' onder '{more}'.").format(
                forget=action(Action.FORGET).label, more=_("Meer")
            )
        )
    else:  # Telegram, the terminal: a typed /vergeet works everywhere
        lines.append(_("Wil je alles nu wissen? Typ dan /vergeet."))
    url = address(terms, locale)
    if url is not None:
        lines.append(_("Alles over je privacy: {url}").format(url=url))
    return OutgoingMessage("\n".join(lines), kind="notice")


# --- The page -------------------------------------------------------------------------------------------------

Block = str | tuple[str, ...]  # a paragraph, or the items of a list


@dataclass(frozen=True, slots=True)
class Section:
    id: str  # the heading's anchor
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class Page:
    title: str
    intro: str
    sections: tuple[Section, ...]
    languages: str  # the label of the language switcher
    to_chat: str  # the link to the web chat
    quick_exit: str


def page(terms: Terms) -> Page:
    """Everything the page says, in the active language (call inside ``I18n.use``)."""
    return Page(
        title=_("Privacy bij Wegwijzer"),
        intro=_(
            "Je hoeft je naam niet te geven. Hier lees je wat we bewaren, waarom en hoe lang. "
            "Ook lees je wie het kan lezen en hoe je alles wist."
        ),
        sections=(
            _stored(),
            _why(),
            _how_long(terms),
            _who(terms),
            _delete(),
            _what_stays(),
        ),
        languages=_("Taal"),
        to_chat=_("Naar de webchat"),
        quick_exit=_("Snel weg"),
    )


def _stored() -> Section:
    return Section(
        "wat",
        _("Wat we bewaren"),
        (
            (
                _("Je gesprek: wat je typt, wat je kiest en wat Wegwijzer zegt."),
                _("Je taal, en waar je bent in de vragen. Bijvoorbeeld of je leerling of ouder bent."),
                _("Praat je met een mens? Dan ook wat de medewerker schrijft, en de notities van medewerkers."),
                _("Op Telegram: het nummer van je chat. Dat is nodig om je te antwoorden."),
                _(
                    "In de webchat: een geheime code in een cookie. Zo gaat je gesprek verder als je de pagina "
                    "opnieuw laadt."
                ),
            ),
            _("We bewaren geen naam en geen IP-adres. Foto's, spraakberichten en bestanden bewaren we ook niet."),
        ),
    )


def _why() -> Section:
    return Section(
        "waarom",
        _("Waarom"),
        (
            (
                _("Zo kun je later verder waar je was."),
                _("Vraag je om een mens? Dan leest die wat je al schreef. Je hoeft het niet opnieuw te vertellen."),
                _("Met tellingen zonder namen zien we welke hulp nodig is. Ook zien we waar hulp ontbreekt."),
            ),
        ),
    )


def _how_long(terms: Terms) -> Section:
    days, audit_days, minutes = terms.retention_days, terms.audit_retention_days, terms.web_session_idle_minutes
    return Section(
        "hoe-lang",
        _("Hoe lang"),
        (
            ngettext(
                "Is het laatste bericht in je gesprek meer dan {days} dag oud? Dan wissen we het hele gesprek. "
                "Dat gebeurt vanzelf, elke dag.",
                "Is het laatste bericht in je gesprek meer dan {days} dagen oud? Dan wissen we het hele gesprek. "
                "Dat gebeurt vanzelf, elke dag.",
                days,
            ).format(days=days),
            _(
                "Wacht je nog op een mens, bijvoorbeeld na een bericht dat je achterliet? Of praat je nog met een "
                "mens? Dan wachten we met wissen tot dat voorbij is."
            ),
            ngettext(
                "In de webchat stopt je sessie als je {minutes} minuut niets stuurt. Daarna laat de pagina je "
                "gesprek niet meer zien. Je begint dan opnieuw.",
                "In de webchat stopt je sessie als je {minutes} minuten niets stuurt. Daarna laat de pagina je "
                "gesprek niet meer zien. Je begint dan opnieuw.",
                minutes,
            ).format(minutes=minutes),
            ngettext(
                "We houden een lijst bij van wie een gesprek opende, en wanneer. Die lijst bewaren we {days} dag.",
                "We houden een lijst bij van wie een gesprek opende, en wanneer. Die lijst bewaren we {days} dagen.",
                audit_days,
            ).format(days=audit_days),
        ),
    )


def _who(terms: Terms) -> Section:
    blocks: list[Block] = [
        (
            _("Vraag je om een mens? Dan kunnen de medewerkers van de chat-ondersteuning je gesprek lezen."),
            _(
                "Zolang je wacht, kan elke medewerker het lezen. Daarna kan de medewerker die met je praat het lezen. "
                "Een andere medewerker moet eerst een reden geven."
            ),
            _(
                "Vraag je niet om een mens? Dan kan alleen een beheerder van de chat-ondersteuning je gesprek "
                "openen. Ook die moet eerst een reden geven."
            ),
        ),
        _(
            "Opent iemand een gesprek, of leest iemand mee? Dan schrijven we op wie dat was en wanneer. "
            "Zo kunnen we controleren dat niemand zomaar meeleest."
        ),
    ]
    if terms.translation:
        blocks.append(
            _(
                "Schrijf je in een andere taal? Dan kan een medewerker je bericht laten vertalen door een computer. "
                "Die computer is van de chat-ondersteuning zelf."
            )
        )
    return Section("wie", _("Wie je gesprek kan lezen"), tuple(blocks))


def _delete() -> Section:
    labels = {
        "forget": action(Action.FORGET).label,
        "more": _("Meer"),
        "yes": yes_label(),
        "exit": _("Snel weg"),
        "new": _("Nieuw gesprek"),
    }
    return Section(
        "wissen",
        _("Zo wis je alles"),
        (
            (
                _("Op Telegram: typ /vergeet."),
                _("In de webchat: kies '{more}' en dan '{forget}'.").format(**labels),
            ),
            _(
                "Je krijgt eerst één vraag. Kies je '{yes}'? Dan wissen we meteen je hele gesprek. "
                "Ook de notities en je plek in de wachtrij."
            ).format(**labels),
            _("Praat je op dat moment met een mens? Dan stopt dat gesprek. De medewerker ziet dat je het wiste."),
            _("Wat in de Telegram-app zelf staat, wis je in Telegram."),
            _(
                "'{exit}' en '{new}' halen het gesprek weg van dit scherm. Op onze server blijft het dan nog "
                "bewaard, zoals hierboven staat. Wil je dat het ook daar weg is? Kies dan eerst '{forget}'."
            ).format(**labels),
        ),
    )


def _what_stays() -> Section:
    return Section(
        "wat-blijft",
        _("Wat blijft"),
        (
            _("Na het wissen bewaren we nog twee dingen. Dat zijn tellingen, en de lijst van wie een gesprek opende."),
            _(
                "Een telling is bijvoorbeeld: hoeveel gesprekken over pesten er op een dag waren. "
                "In een telling staat geen naam, geen tekst van jou en geen tijd. Alleen de dag."
            ),
            _("In die lijst staat niets van wat je schreef. Hoe lang we hem bewaren, lees je bij '{how_long}'.").format(
                how_long=_("Hoe lang")
            ),
        ),
    )
