"""The channel-neutral dialog engine: per-conversation lock → load → step → save → replies.

Channels hand in ``IncomingMessage``s and get ``OutgoingMessage``s back. The conversation's state lives
in the database; the tree's shared machine moves it (see ``bot.dialogs.dialog``).
"""

from __future__ import annotations

import logging
import time
import uuid

from bot import forget, privacy
from bot.dialogs.dialog import Dialog, TreeError
from bot.handoff import HandoffGate, RecordingHandoff
from bot.i18n import N_, I18n, _
from bot.languages import Languages
from bot.matching import clean, command_word, match_option, slash_command
from bot.messages import Action, IncomingMessage, OutgoingMessage, Reply
from bot.metrics import Metrics
from bot.outbox import encode, uses_outbox
from bot.safety.crisis import CrisisDetector
from bot.safety.help import crisis_help, missing_organisations
from bot.steps import Steps
from bot.turn import Turn
from storage.models import Conversation
from storage.monitoring import Tally
from storage.repository import ConversationStore, new_conversation
from storage.unit_of_work import Turns, UnitOfWork

logger = logging.getLogger(__name__)


class Engine:
    """Takes every conversation through the beslisboom, one message at a time."""

    def __init__(
        self,
        store: ConversationStore,
        dialog: Dialog,
        i18n: I18n,
        *,
        max_text_chars: int = 4000,
        handoff: HandoffGate | None = None,
        crisis: CrisisDetector | None = None,
        turns: Turns | None = None,
        privacy_terms: privacy.Terms | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.store = store
        self.dialog = dialog
        self.i18n = i18n
        self.max_text_chars = max_text_chars
        self.privacy_terms = privacy_terms or privacy.Terms()  # the welcome says how long we keep it (bot/privacy.py)
        self.handoff: HandoffGate = handoff or RecordingHandoff(dialog)
        self.crisis = crisis or CrisisDetector.load(i18n.locales)
        self.languages = Languages(i18n)
        missing = missing_organisations(dialog)
        if missing:
            raise TreeError([f"the crisis help needs organisation '{org_id}' in the directory" for org_id in missing])
        self.turns = turns or Turns(store.engine)
        self.steps = Steps(dialog, i18n, self.languages, self.handoff, self.privacy_terms)
        self.metrics = metrics or Metrics()  # turns per channel and their time, crisis flags (``/metrics``)

    async def handle(self, message: IncomingMessage) -> Reply:
        """Process one message (``_handle``), timed per channel for ``/metrics``; a duplicate is not a turn."""
        started = time.perf_counter()
        try:
            reply = await self._handle(message)
        except Exception:
            self.metrics.turn_failed(message.channel)
            raise
        if not reply.duplicate:
            self.metrics.turn(message.channel, time.perf_counter() - started)
        return reply

    async def _handle(self, message: IncomingMessage) -> Reply:
        """Process one message in one transaction; a delivery id seen before is answered with nothing.

        Everything the step writes (conversation, transcript, events, the queue, outbox rows) commits together;
        live events are published after the commit (``storage.unit_of_work``).
        """
        async with self.turns.open(message.channel, message.chat_id, message.update_id) as work:
            if work.duplicate:
                logger.info("duplicate delivery %s on %s ignored", message.update_id, message.channel)
                return Reply(duplicate=True)
            conversation = await work.load()
            is_new = conversation is None
            if conversation is None:
                conversation = self._new(message)
            turn = Turn(conversation, client=message.client, work=work)
            turn.handoff = await self.handoff.current(turn)
            with self.i18n.use(conversation.locale):
                await self._step(turn, message, is_new)
            if turn.forget:
                return await self._forget(turn, message)
            if is_new:
                turn.tallies.append(Tally("started", channel=conversation.channel, locale=conversation.locale))
            await work.save(conversation, turn.lines, turn.tallies)
            await _to_outbox(work, message, conversation.id, turn.out)
            logger.debug("conversation %s now at %s", conversation.id, conversation.state)
            return Reply(turn.out, handed_over=turn.handed_over)

    async def _forget(self, turn: Turn, message: IncomingMessage) -> Reply:
        """Delete the conversation and all that belongs to it, in this turn's transaction; one anonymous count
        (``forgotten``: the kind only) stays. The last message goes out after the delete: its outbox row has no
        conversation id, so it is not deleted with the conversation.
        """
        work = turn.unit
        conversation = turn.conversation
        await self.handoff.forget(turn)
        await work.forget(conversation, [Tally("forgotten")])
        with self.i18n.use(conversation.locale):
            last = [forget.done()]
        await _to_outbox(work, message, None, last)
        logger.info("a conversation was deleted at the user's request")
        return Reply(last, forgotten=True)

    async def welcome(self, channel: str, chat_id: str, locale_hint: str | None = None) -> list[OutgoingMessage]:
        """The first answer a new conversation gets, without storing anything (for a page that only looks).

        ``handle`` of the same empty message stores the conversation and gives the same answer.
        """
        message = IncomingMessage(channel, chat_id, locale_hint=locale_hint)
        turn = Turn(self._new(message))
        with self.i18n.use(turn.conversation.locale):
            await self._step(turn, message, is_new=True)
        return turn.out

    async def screen(self, channel: str, chat_id: str) -> list[OutgoingMessage]:
        """The current question or outcome again, and what the user can still answer outside the tree (a warm
        referral: ``HandoffGate.offers``), without changing anything (for a reconnecting client)."""
        async with self.turns.locks.hold((channel, chat_id)):
            conversation = await self.store.load(channel, chat_id)
            if conversation is None or not self.dialog.has(conversation.state):
                return []
            with self.i18n.use(conversation.locale):
                return [*self.steps.screen(conversation), *await self.handoff.offers(conversation)]

    def _new(self, message: IncomingMessage) -> Conversation:
        return new_conversation(
            channel=message.channel,
            chat_id=message.chat_id,
            locale=self.i18n.default,  # a hint of another language gets the offer (Languages.offer)
            state=self.dialog.start,
            tree_version=self.dialog.version,
        )

    async def _step(self, turn: Turn, message: IncomingMessage, is_new: bool) -> None:
        conversation = turn.conversation
        text = None
        if message.text is not None:
            text, was_cut = clean(message.text, self.max_text_chars)
            turn.crisis = self.crisis.detect(text, conversation.locale) if text else None
            if message.edited and turn.crisis is None:
                turn.say(OutgoingMessage(_(EDITED_TEXT), kind="notice"))  # the changed words are not kept
                return
            turn.user_said(text)
            if turn.crisis is not None:
                self._crisis(turn)
            if was_cut:
                turn.say(OutgoingMessage(_("Je bericht was erg lang. Ik heb alleen het begin gelezen."), kind="notice"))
        if await self.handoff.relay(turn, message):
            return
        if turn.crisis is not None:  # help came first; the user keeps their place in the tree
            if is_new or conversation.status == "ended":
                conversation.status = "bot"
            self.steps.show(turn)
            return
        if is_new or conversation.status == "ended":
            conversation.status = "bot"
            self.steps.show(turn)
            offered = self.languages.offered(message.locale_hint) if is_new else None
            if offered is not None:  # last, so its buttons are the ones a page shows
                turn.say(self.languages.offer(offered, conversation.locale))
            if not self._means_something(message, text):
                return
        if conversation.tree_version != self.dialog.version and self._upgrade_tree(turn):
            self.steps.show(turn)
            if not self._means_something(message, text):
                return
        if message.choice is not None:
            await self.steps.choice(turn, message.choice)
        elif text is not None:
            await self.steps.text(turn, text)
        else:
            self.steps.show(turn)

    def _crisis(self, turn: Turn) -> None:
        """Danger in the user's words: the fitting help at once, counted by kind only (no text, no id)."""
        assert turn.crisis is not None
        conversation = turn.conversation
        logger.info("conversation %s: crisis words (%s) in state %s", conversation.id, turn.crisis, conversation.state)
        turn.count("crisis", turn.crisis.value)
        self.metrics.crisis(turn.crisis.value, turn.work)
        conversation.facts = {**conversation.facts, "crisis": turn.crisis.value}  # a later hand-off goes first
        with_a_person = turn.handoff is not None
        turn.say(*crisis_help(self.dialog, turn.crisis, offer_person=not with_a_person))

    def _means_something(self, message: IncomingMessage, text: str | None) -> bool:
        """Whether a first message asks for more than the welcome: a button, a command or an option."""
        if message.choice is not None:
            return True
        if not text:
            return False
        slash = slash_command(text)
        if slash is not None:
            return slash is not Action.RESTART
        labels = [option.label for option in self.dialog.node(self.dialog.start).options]
        understood = command_word(text) is not None or match_option(text, labels) is not None
        return understood or self.languages.typed(text) is not None

    def _upgrade_tree(self, turn: Turn) -> bool:
        """Move a conversation to the current tree version; True when it had to start again."""
        conversation = turn.conversation
        conversation.tree_version = self.dialog.version
        if self.dialog.has(conversation.state):
            conversation.history = [n for n in conversation.history if self.dialog.has(n)]
            return False
        logger.info("conversation %s: state %s left the tree; restarting", conversation.id, conversation.state)
        turn.say(OutgoingMessage(_("Sorry, de wegwijzer is veranderd. We beginnen opnieuw."), kind="notice"))
        conversation.state = self.dialog.start
        conversation.history = []
        return True


async def _to_outbox(
    work: UnitOfWork, message: IncomingMessage, conversation_id: int | None, out: list[OutgoingMessage]
) -> None:
    """The turn's answer as outbox rows, for a channel that sends through the outbox (one batch per delivery)."""
    if uses_outbox(message.channel):
        batch = message.update_id or uuid.uuid4().hex
        await work.send(
            message.channel, message.chat_id, conversation_id, batch, [encode(m) for m in out], message.context
        )


EDITED_TEXT = N_("Je hebt een bericht aangepast. Ik lees alleen nieuwe berichten. Stuur het gerust opnieuw.")
