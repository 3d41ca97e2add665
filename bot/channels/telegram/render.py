"""Engine messages as Telegram sends: plain text under Telegram's length limit, options as inline keyboards.

No ``parse_mode`` anywhere: what a user or an agent typed must never be read as markup. A party's name is
bold through a ``MessageEntity`` over its exact characters.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity

from bot.messages import Choice, OutgoingMessage

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # Telegram counts UTF-16 code units
CALLBACK_DATA_BYTES = 64
ACTIONS_PER_ROW = 2
HASHED_PREFIX = "h:"
REMEMBERED_HASHES = 10_000


def utf16_len(text: str) -> int:
    """The length Telegram measures: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit``, at a paragraph, line or word break where one is near."""
    pieces: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        head = rest.encode("utf-16-le")[: limit * 2].decode("utf-16-le", errors="ignore")
        cut = len(head)
        for separator in ("\n\n", "\n", " "):
            at = head.rfind(separator)
            if at >= limit // 2:
                cut = at
                break
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest or not pieces:
        pieces.append(rest)
    return pieces


class CallbackKeys:
    """Choice keys as ``callback_data`` (at most 64 bytes). A longer key travels as a hash remembered here.

    The tree's keys are short (``opt:<node>:<option>``); the hash is a safety net for very long ids. A
    hashed key forgotten after a restart is an unknown choice, which the engine answers with the question.
    """

    def __init__(self) -> None:
        self._long: OrderedDict[str, str] = OrderedDict()

    def encode(self, key: str) -> str:
        if len(key.encode()) <= CALLBACK_DATA_BYTES:
            return key
        token = HASHED_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:40]
        self._long[token] = key
        self._long.move_to_end(token)
        while len(self._long) > REMEMBERED_HASHES:
            self._long.popitem(last=False)
        return token

    def decode(self, data: str) -> str:
        return self._long.get(data, data) if data.startswith(HASHED_PREFIX) else data


def keyboard(message: OutgoingMessage, keys: CallbackKeys) -> InlineKeyboardMarkup | None:
    """Options one per row, then the global actions, at most two to a row (so labels stay readable)."""

    def button(choice: Choice) -> InlineKeyboardButton:
        return InlineKeyboardButton(choice.label, callback_data=keys.encode(choice.key))

    rows = [[button(choice)] for choice in message.options]
    actions = [button(choice) for choice in message.actions]
    rows += [actions[i : i + ACTIONS_PER_ROW] for i in range(0, len(actions), ACTIONS_PER_ROW)]
    return InlineKeyboardMarkup(rows) if rows else None


@dataclass(frozen=True, slots=True)
class Send:
    """One sendMessage call: text, keyboard, and the bold party name as an entity (never parsed markup)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    entities: tuple[MessageEntity, ...] = ()


def sends(message: OutgoingMessage, keys: CallbackKeys) -> list[Send]:
    """The sendMessage calls for one message: its text in pieces, the keyboard on the last piece."""
    body = message.plain()  # numbers as text: Telegram makes them tappable itself
    text = f"{message.author}:\n{body}" if message.author else body
    if not text.strip():
        text = "…"
    pieces = split_text(text)
    markup = keyboard(message, keys)
    bold: tuple[MessageEntity, ...] = ()
    if message.title and not message.author and pieces[0].startswith(message.title):
        bold = (MessageEntity(MessageEntity.BOLD, 0, utf16_len(message.title)),)
    return [
        Send(piece, markup if i == len(pieces) - 1 else None, bold if i == 0 else ()) for i, piece in enumerate(pieces)
    ]


def label_of(markup: InlineKeyboardMarkup | None, data: str) -> str | None:
    """The label of the button that sent ``data``, if the keyboard still has it."""
    if markup is None:
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
