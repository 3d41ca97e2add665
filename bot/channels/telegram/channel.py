"""Telegram updates in, engine replies out. The engine owns the conversation; this only translates.

One ``TelegramChannel`` per running bot. ``process`` handles one update: updates of one chat one after the
other (a per-chat FIFO lock, taken before anything else), different chats at the same time. It raises only
when the engine step failed, so the webhook can answer 500 and Telegram delivers the update again.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from functools import partial

from telegram import Bot, CallbackQuery, Chat, MaybeInaccessibleMessage, Message, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import TelegramError

from bot.channels.telegram.outbox import ChatOutbox, DeliveryFailed, with_retries
from bot.channels.telegram.render import MAX_MESSAGE, CallbackKeys, label_of, sends, utf16_len
from bot.engine import Engine
from bot.i18n import I18n, _
from bot.locks import KeyedLocks
from bot.logref import ref
from bot.messages import IncomingMessage, OutgoingMessage

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
    """Translates Telegram updates for the engine and sends its replies; the hub's Deliverer for Telegram."""

    def __init__(self, bot: Bot, engine: Engine, i18n: I18n) -> None:
        self.bot = bot
        self.engine = engine
        self.i18n = i18n
        self.outbox = ChatOutbox()
        self.keys = CallbackKeys()
        self.locks = KeyedLocks()
        self.seen = Recent()  # update ids handled here, so a quick redelivery costs nothing
        self.live = Recent()  # chat → the message whose keyboard belongs to the current screen
        self.groups_told = Recent()

    async def process(self, update: Update) -> None:
        """Handle one update; raise only if the engine failed (Telegram should then deliver it again)."""
        chat = update.effective_chat
        async with self.locks.hold(chat.id if chat else None):
            update_id = str(update.update_id)
            if update_id in self.seen:
                logger.info("update %s seen before; ignored", update_id)
                return
            if update.callback_query is not None:
                await self._answer(update.callback_query)
            if chat is None:
                logger.debug("update %s has no chat; ignored", update_id)
            elif chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
                self._tell_group(update, chat)
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
            self.seen.remember(update_id)

    async def _answer(self, query: CallbackQuery) -> None:
        """Always answer a tap, or Telegram shows a spinner on the button."""
        try:
            await query.answer()
        except TelegramError as exc:
            logger.info("answerCallbackQuery failed: %s", type(exc).__name__)

    async def _tap(self, query: CallbackQuery, chat: Chat, update_id: str) -> None:
        if query.data is None:
            return
        chat_id = str(chat.id)
        reply = await self.engine.handle(
            IncomingMessage(
                CHANNEL,
                chat_id,
                choice=self.keys.decode(query.data),
                update_id=update_id,
                locale_hint=query.from_user.language_code,
            )
        )
        if reply.duplicate:
            return
        self.outbox.submit(chat_id, lambda: self._send(chat_id, reply.messages, update_id, query.message, query.data))

    async def _message(self, message: Message, chat: Chat, update_id: str, *, edited: bool = False) -> None:
        """A typed message; an edited one is read only for danger (the engine says it reads new messages)."""
        chat_id = str(chat.id)
        hint = message.from_user.language_code if message.from_user else None
        if message.text is None:
            await self._not_text(chat_id, hint, update_id)
            return
        reply = await self.engine.handle(
            IncomingMessage(CHANNEL, chat_id, text=message.text, update_id=update_id, locale_hint=hint, edited=edited)
        )
        if not reply.duplicate:
            # A note on an edit, or help in danger while waiting, leaves the current keyboard live.
            buttons = any(m.options or m.actions for m in reply.messages)
            keep = not buttons and (edited or all(m.kind == "crisis" for m in reply.messages))
            self.outbox.submit(chat_id, lambda: self._send(chat_id, reply.messages, update_id, keep=keep))

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
        self.outbox.submit(chat_id, lambda: self._send(chat_id, messages, update_id))

    def _tell_group(self, update: Update, chat: Chat) -> None:
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
        logger.info("told group %s that we only talk in private", chat_id)
        self.outbox.submit(chat_id, lambda: self._send(chat_id, [OutgoingMessage(note, kind="notice")], keep=True))

    async def _send(
        self,
        chat_id: str,
        messages: Sequence[OutgoingMessage],
        update_id: str | None = None,
        tapped: MaybeInaccessibleMessage | None = None,
        data: str | None = None,
        keep: bool = False,
    ) -> bool:
        """One job in the chat's outbox: close the keyboard that is no longer current, then send.

        At most one keyboard per chat is live: the one of the latest screen. A tap on the live keyboard
        marks the message with the chosen label; any other old keyboard just loses its buttons.
        """
        live = None if keep else self.live.pop(chat_id, None)
        if tapped is not None:
            text = tapped.text if isinstance(tapped, Message) else None
            label = label_of(tapped.reply_markup, data) if isinstance(tapped, Message) and data else None
            await self._close(chat_id, tapped.message_id, text, label if tapped.message_id == live else None)
        if live is not None and (tapped is None or tapped.message_id != live):
            await self._close(chat_id, live)
        try:
            for message in messages:
                for piece in sends(message, self.keys):
                    send = partial(
                        self.bot.send_message,
                        int(chat_id),
                        piece.text,
                        reply_markup=piece.markup,
                        entities=piece.entities or None,
                    )
                    sent = await with_retries(send, "sendMessage", chat_id)
                    if piece.markup is not None:
                        self.live.remember(chat_id, sent.message_id)
        except DeliveryFailed as exc:
            logger.error("reply to update %s not delivered to chat %s: %s", update_id, ref(chat_id), exc)
            return False
        return True

    async def _close(self, chat_id: str, message_id: int, text: str | None = None, label: str | None = None) -> None:
        """Take the buttons off a message; add the chosen label under its text when we know it."""
        edited = f"{text}\n\n→ {label}" if text and label else None
        if edited is not None and utf16_len(edited) <= MAX_MESSAGE:
            call = partial(self.bot.edit_message_text, edited, int(chat_id), message_id, reply_markup=None)
            what = "editMessageText"
        else:
            call = partial(self.bot.edit_message_reply_markup, int(chat_id), message_id, reply_markup=None)
            what = "editMessageReplyMarkup"
        try:
            await with_retries(call, what, chat_id)
        except DeliveryFailed as exc:  # already closed, or older than 48 hours: harmless
            logger.debug("keyboard of message %s in chat %s not closed: %s", message_id, ref(chat_id), exc)

    async def deliver(self, chat_id: str, messages: Sequence[OutgoingMessage]) -> None:
        """Queue ``messages`` behind the chat's earlier sends and return; a refusal is logged, never raised.

        Not waiting keeps an agent's console snappy while Telegram asks us to slow down; the outbox keeps
        the order. ``outbox.settle()`` waits for it when that matters.
        """
        replaces_screen = any(m.options or m.actions for m in messages)
        batch = list(messages)
        self.outbox.submit(chat_id, lambda: self._send(chat_id, batch, keep=not replaces_screen))

    async def typing(self, chat_id: str) -> None:
        """Show '… is typing' in the chat (it lasts about five seconds or until the next message)."""
        try:
            await self.bot.send_chat_action(int(chat_id), ChatAction.TYPING)
        except TelegramError as exc:
            logger.info("sendChatAction to chat %s failed: %s", ref(chat_id), type(exc).__name__)

    async def close(self) -> None:
        """Let the queued sends finish before the bot stops."""
        await self.outbox.drain()
