"""Channel-neutral messages: what a channel hands the engine and what it gets back.

No Telegram or aiohttp types live here; each channel translates its own updates to and from these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Action(StrEnum):
    """Global actions that work in every state (and have a button on every screen)."""

    BACK = "terug"
    RESTART = "opnieuw"
    HUMAN = "mens"
    LANGUAGE = "taal"
    STOP = "stop"
    HELP = "help"
    FORGET = "vergeet"  # delete the whole conversation, after one confirmation
    PRIVACY = "privacy"  # what is kept, how long, who reads it, how to delete it (bot/privacy.py)


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """One thing the user did: typed ``text``, or tapped ``choice`` (an option's ``Choice.key``).

    ``update_id`` is the channel's id for this delivery (Telegram's update_id, a web frame id); the same
    id is processed once. ``locale_hint`` is the language the channel thinks the user speaks.
    ``context``: channel data the reply must carry through the outbox (Telegram: the tapped message).
    ``client`` is an opaque key for where the message came from (the web chat: a keyed hash of the network
    address, see ``bot.abuse``), only for limits per client; it is never stored or logged. None: no such limit
    (Telegram has an account per chat, the terminal is one person).
    """

    channel: str
    chat_id: str
    text: str | None = None
    choice: str | None = None
    update_id: str | None = None
    locale_hint: str | None = None
    edited: bool = False  # the user changed an earlier message: read only for danger, not as an answer
    client: str | None = None
    context: dict[str, Any] | None = None  # what the channel needs with the reply (kept in its outbox rows)


@dataclass(frozen=True, slots=True)
class Choice:
    """A button. ``key`` goes back to the engine as ``IncomingMessage.choice``; ``label`` is shown."""

    key: str
    label: str


@dataclass(frozen=True, slots=True)
class ContactLink:
    """A way to reach a party, as data: each channel renders it (a ``tel:`` link, a website button, text).

    ``value`` is shown as the directory writes it ("020-261 52 75"); ``href`` is what a tap opens
    ("tel:0202615275"). ``urgent`` asks for a big tap-to-call button (acute danger, crisis help).
    """

    kind: str  # phone | chat | website | email
    label: str  # the verb before the value, e.g. "Bel", "Chat via", "Website"
    value: str
    href: str
    urgent: bool = False

    def shown(self) -> str:
        """The words on the button or line: "Bel 0800-0432", "Website www.113.nl"."""
        return f"{self.label} {self.value.removeprefix('https://')}"


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to show. ``options`` answer the question; ``actions`` are the global controls.

    ``title`` is a party's name, shown in bold above ``text``; ``contacts`` are its numbers and links.
    """

    text: str
    options: tuple[Choice, ...] = ()
    actions: tuple[Choice, ...] = ()
    kind: str = "text"  # text | question | outcome | party | card | crisis | notice | agent
    author: str | None = None  # display name of the person who wrote it (agent messages), else the bot
    title: str | None = None
    contacts: tuple[ContactLink, ...] = ()

    def plain(self) -> str:
        """The whole message as plain text: title, text and one line per contact (transcript, terminal)."""
        parts = [self.title] if self.title else []
        if self.text:
            parts.append(self.text)
        parts += [contact.shown() for contact in self.contacts]
        return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class ConversationKey:
    """Which conversation a message belongs to: the storage key and the lock key."""

    channel: str
    chat_id: str


@dataclass(slots=True)
class Reply:
    """What the engine answers to one incoming message."""

    messages: list[OutgoingMessage] = field(default_factory=list)
    duplicate: bool = False
    handed_over: bool = False  # this message put the conversation in the queue for a person
    forgotten: bool = False  # the conversation is deleted (``messages`` is the last word to the user)
