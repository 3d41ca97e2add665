"""Engine messages as Telegram sends: one reply as one message (or the fewest pieces under Telegram's length
limit), its options as one inline keyboard.

A step's reply is often several ``OutgoingMessage``s (an outcome: its text, one per party, the closing line with
the "Meer over …" buttons; a notice and the question of now). Sent one by one they cost a Bot API call each,
and Telegram allows about one a second in a chat, so ``sends`` joins them into one text with one keyboard.

No ``parse_mode`` anywhere: what a user or an agent typed must never be read as markup. A party's name is
bold through a ``MessageEntity`` over its exact characters.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MessageEntity

from bot.messages import Choice, OutgoingMessage

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4096  # Telegram counts UTF-16 code units
CALLBACK_DATA_BYTES = 64
ACTIONS_PER_ROW = 2
PART_SEPARATOR = "\n\n"  # between the messages of one reply
HASHED_PREFIX = "h:"
REMEMBERED_HASHES = 10_000


def utf16_len(text: str) -> int:
    """The length Telegram measures: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut ``text`` into pieces of at most ``limit``, at a paragraph, line or word break where one is near."""
    return [text[start:end] for start, end in split_spans(text, limit)]


def split_spans(text: str, limit: int = MAX_MESSAGE) -> list[tuple[int, int]]:
    """``split_text`` as (start, end) indices into ``text``, so what lies over a piece (bold) can follow it."""
    spans: list[tuple[int, int]] = []
    start = 0
    while utf16_len(text[start:]) > limit:
        head = text[start:].encode("utf-16-le")[: limit * 2].decode("utf-16-le", errors="ignore")
        cut = len(head)
        for separator in ("\n\n", "\n", " "):
            at = head.rfind(separator)
            if at >= limit // 2:
                cut = at
                break
        spans.append((start, start + len(text[start : start + cut].rstrip())))
        rest = text[start + cut :]
        start += cut + len(rest) - len(rest.lstrip())
    if start < len(text) or not spans:
        spans.append((start, len(text)))
    return spans


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


def keyboard(messages: OutgoingMessage | Sequence[OutgoingMessage], keys: CallbackKeys) -> InlineKeyboardMarkup | None:
    """The options of every message one per row, then the global actions (each once), two to a row."""
    parts = [messages] if isinstance(messages, OutgoingMessage) else messages

    def buttons(choices: Iterable[Choice]) -> list[InlineKeyboardButton]:
        unique = {choice.key: choice for choice in choices}  # the first label of a key; its place kept
        return [InlineKeyboardButton(c.label, callback_data=keys.encode(c.key)) for c in unique.values()]

    rows = [[button] for button in buttons(c for m in parts for c in m.options)]
    actions = buttons(c for m in parts for c in m.actions)
    rows += [actions[i : i + ACTIONS_PER_ROW] for i in range(0, len(actions), ACTIONS_PER_ROW)]
    return InlineKeyboardMarkup(rows) if rows else None


@dataclass(frozen=True, slots=True)
class Send:
    """One sendMessage call: text, keyboard, and the bold party names as entities (never parsed markup)."""

    text: str
    markup: InlineKeyboardMarkup | None = None
    entities: tuple[MessageEntity, ...] = ()


def sends(messages: OutgoingMessage | Sequence[OutgoingMessage], keys: CallbackKeys) -> list[Send]:
    """The sendMessage calls for one reply: its messages as one text, in as few pieces as Telegram's limit allows.

    The messages are joined with a blank line; the keyboard (the buttons of all of them) goes on the last piece,
    each party's name is bold where it stands (``MessageEntity`` offsets in UTF-16 units).
    """
    parts = [messages] if isinstance(messages, OutgoingMessage) else messages
    text = ""
    bold: list[tuple[int, int]] = []  # (start, end) in ``text``, Python indices
    for message in parts:
        part = _text(message)
        if not part.strip():
            continue
        text += PART_SEPARATOR if text else ""
        if message.title and not message.author and part.startswith(message.title):
            bold.append((len(text), len(text) + len(message.title)))
        text += part
    if not text:
        text = "…"
    markup = keyboard(parts, keys)
    spans = split_spans(text)
    return [
        Send(text[start:end], markup if i == len(spans) - 1 else None, _entities(text, start, end, bold))
        for i, (start, end) in enumerate(spans)
    ]


def _text(message: OutgoingMessage) -> str:
    body = message.plain()  # numbers as text: Telegram makes them tappable itself
    return f"{message.author}:\n{body}" if message.author else body


def _entities(text: str, start: int, end: int, bold: list[tuple[int, int]]) -> tuple[MessageEntity, ...]:
    """The bold spans that fall in ``text[start:end]``, as entities of that piece (cut at its edges)."""
    entities = []
    for first, last in bold:
        first, last = max(first, start), min(last, end)
        if first < last:
            offset = utf16_len(text[start:first])
            entities.append(MessageEntity(MessageEntity.BOLD, offset, utf16_len(text[first:last])))
    return tuple(entities)
