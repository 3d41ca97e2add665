"""The fields of an update that the channel reads, checked for their types before the update is handled.

``Update.de_json`` builds objects from whatever JSON it gets without checking a single type: a chat id that is
a list or ``null``, a text that is a number, callback data that is a list. Used as they are, they made the
step fail (a 500, which makes Telegram deliver the update again and again) or a send fail later
(``int("None")``). Telegram itself never sends such an update, so the webhook answers 400 instead.
"""

from __future__ import annotations

from telegram import Message, Update

MAX_ID = 2**63 - 1  # Telegram's ids fit in a signed 64-bit integer (at most 52 significant bits)


def _id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_ID <= value <= MAX_ID


def _text(value: object) -> bool:
    return value is None or isinstance(value, str)


def _message(message: object) -> bool:
    """A message as the channel reads it (its id, its text; its chat is checked as the update's chat)."""
    return not isinstance(message, Message) or (_id(message.message_id) and _text(message.text))


def well_formed(update: Update) -> bool:
    """Whether every field the channel reads (``channel.TelegramChannel``) has the type Telegram gives it."""
    chat, user = update.effective_chat, update.effective_user
    if chat is not None and not (_id(chat.id) and isinstance(chat.type, str)):
        return False
    if user is not None and not (_id(user.id) and _text(user.language_code)):
        return False
    if not all(_message(message) for message in (update.message, update.edited_message)):
        return False
    query = update.callback_query
    if query is not None and not (_text(query.data) and _message(query.message)):
        return False
    member = update.my_chat_member
    return member is None or isinstance(member.new_chat_member.status, str)
