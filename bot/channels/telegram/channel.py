"""Telegram updates in, engine replies out. The engine owns the conversation; this only translates.

One ``TelegramChannel`` per running bot. ``process`` handles one update in one unit of work: the update id is
recorded in the same transaction as the step and its replies (outbox rows), so a redelivered update, also one
that reaches another worker or comes after a restart, is answered with nothing, and a reply is never lost:
the sender (``sender``) delivers the rows after the commit. It raises only when the step failed, so the
webhook can answer 500 and Telegram delivers the update again (nothing of it was kept).
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from telegram import Bot, CallbackQuery, Chat, Message, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.channels.telegram.render import CallbackKeys
from bot.channels.telegram.sender import TelegramSender
from bot.engine import Engine
from bot.i18n import I18n, _
from bot.logref import ref
from bot.messages import IncomingMessage, OutgoingMessage
from bot.outbox import encode

logger = logging.getLogger(__name__)

CHANNEL = "telegram"
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")
REMEMBERED = 10_000


class Recent(OrderedDict[str, int]):
    """A bounded map that forgets its oldest entries: recent update ids, live keyboards, told groups."""

    def remember(self, key: str, value: int = 0) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > REMEMBERED:
            self.popitem(last=False)


class TelegramChannel:
    """Translates Telegram updates for the engine; its replies leave through the outbox and the sender."""

    def __init__(self, bot: Bot, engine: Engine, i18n: I18n, sender: TelegramSender | None = None) -> None:
        self.bot = bot
        self.engine = engine
        self.i18n = i18n
        self.keys = sender.keys if sender is not None else CallbackKeys()
        self.sender = sender or TelegramSender(bot, engine.store.engine, self.keys)
        self.groups_told = Recent()

    async def process(self, update: Update, *, answer: bool = True) -> None:
        """Handle one update; raise only if the step failed (Telegram should then deliver it again).

        ``answer=False``: the caller answers a tap itself (the webhook, in its HTTP response).
        """
        chat = update.effective_chat
        update_id = str(update.update_id)
        if update.callback_query is not None and answer:
            await self.answer(update.callback_query)
        if chat is None:
            logger.debug("update %s has no chat; ignored", update_id)
        elif chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
            await self._tell_group(update, chat, update_id)
        elif chat.type != ChatType.PRIVATE:
            logger.debug("update %s from a %s ignored", update_id, chat.type)
        elif update.callback_query is not None:
            await self._tap(update.callback_query, chat, update_id)
        elif update.message is not None:
            await self._message(update.message, chat, update_id)
        elif update.edited_message is not None:
            await self._message(update.edited_message, chat, update_id, edited=True)
        else:
            logger.debug("update %s of another kind ignored", update_id)

    async def answer(self, query: CallbackQuery) -> None:
        """Always answer a tap, or Telegram shows a spinner on the button."""
        try:
            await query.answer()
        except TelegramError as exc:
            logger.info("answerCallbackQuery failed: %s", type(exc).__name__)

    async def _tap(self, query: CallbackQuery, chat: Chat, update_id: str) -> None:
        """A button: the engine tells a tap on an old screen's button by its key (the keyboards stay open)."""
        if query.data is None:
            return
        await self._handle(
            IncomingMessage(
                CHANNEL,
                str(chat.id),
                choice=self.keys.decode(query.data),
                update_id=update_id,
                locale_hint=query.from_user.language_code,
            )
        )

    async def _message(self, message: Message, chat: Chat, update_id: str, *, edited: bool = False) -> None:
        """A typed message; an edited one is read only for danger (the engine says it reads new messages)."""
        chat_id = str(chat.id)
        hint = message.from_user.language_code if message.from_user else None
        if message.text is None:
            await self._not_text(chat_id, hint, update_id)
            return
        await self._handle(
            IncomingMessage(
                CHANNEL,
                chat_id,
                text=message.text,
                update_id=update_id,
                locale_hint=hint,
                edited=edited,
            )
        )

    async def _handle(self, message: IncomingMessage) -> None:
        reply = await self.engine.handle(message)
        if not reply.duplicate:
            self.sender.wake()

    async def _not_text(self, chat_id: str, hint: str | None, update_id: str) -> None:
        """A photo, voice note, sticker, file, location or contact: say kindly that we read text only.

        Nothing of it reaches the engine or the database; the current question is shown again.
        """
        conversation = await self.engine.store.load(CHANNEL, chat_id)
        with self.i18n.use(conversation.locale if conversation else self.i18n.pick(hint)):
            note = _("Ik kan alleen tekst lezen. Foto's, spraakberichten, stickers en bestanden bewaar ik niet.")
            current = await self.engine.screen(CHANNEL, chat_id)
            if not current:
                note += "\n" + _("Stuur /start om te beginnen.")
        messages = [OutgoingMessage(note, kind="notice"), *current]
        conversation_id = conversation.id if conversation else None
        await self._queue(chat_id, conversation_id, messages, update_id, {})

    async def _tell_group(self, update: Update, chat: Chat, update_id: str) -> None:
        """Say once in a group that we only talk in private; leave the group alone after that."""
        member = update.my_chat_member
        if member is not None and member.new_chat_member.status not in (
            ChatMemberStatus.MEMBER,
            ChatMemberStatus.ADMINISTRATOR,
        ):
            return
        chat_id = str(chat.id)
        if chat_id in self.groups_told:
            return
        self.groups_told.remember(chat_id)
        user = update.effective_user
        with self.i18n.use(self.i18n.pick(user.language_code if user else None)):
            note = _("Ik praat alleen in een privégesprek, niet in een groep. Stuur me een eigen bericht: {link}")
        note = note.format(link=f"https://t.me/{self.bot.username}")
        logger.info("telling group %s that we only talk in private", ref(chat_id))
        await self._queue(chat_id, None, [OutgoingMessage(note, kind="notice")], update_id, {"keep": True})

    async def _queue(
        self,
        chat_id: str,
        conversation_id: int | None,
        messages: Sequence[OutgoingMessage],
        delivery: str | None,
        context: dict[str, Any],
    ) -> None:
        """Messages that are no step of the engine, in the outbox in their own unit of work (once per update)."""
        async with self.engine.turns.open(CHANNEL, chat_id, delivery) as work:
            if work.duplicate:
                logger.info("update %s seen before; ignored", delivery)
                return
            batch = delivery or uuid.uuid4().hex
            await work.send(CHANNEL, chat_id, conversation_id, batch, [encode(m) for m in messages], context)
        self.sender.wake()

    async def deliver(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """The hub's way in (messages nobody asked for right now): into the outbox; a refusal is logged later.

        The helpdesk writes its own rows inside its unit of work; this is for anything else.
        """
        keep = not any(m.options or m.actions for m in messages)
        conversation = await self.engine.store.load(CHANNEL, chat_id)
        await self._queue(chat_id, conversation.id if conversation else None, messages, None, {"keep": keep})

    async def typing(self, chat_id: str) -> None:
        """Show '… is typing' in the chat (it lasts about five seconds or until the next message)."""
        try:
            await self.bot.send_chat_action(int(chat_id), ChatAction.TYPING)
        except TelegramError as exc:
            logger.info("sendChatAction to chat %s failed: %s", ref(chat_id), type(exc).__name__)

    async def settle(self) -> None:
        """Wait until every reply has left (tests)."""
        await self.sender.settle()
