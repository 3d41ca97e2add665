"""One input moves one conversation through the beslisboom: a button, typed words, a command, a language.

The engine (``bot.engine``) opens the turn, reads danger and the hand-off first, and hands the rest to ``Steps``;
``Steps`` says the screens and counts what the tree learns (``storage.monitoring``). Channel-neutral.
"""

from __future__ import annotations

import logging

from bot import forget, privacy
from bot.dialogs.dialog import Dialog
from bot.handoff import HandoffGate
from bot.i18n import N_, I18n, _
from bot.languages import LANGUAGE_PREFIX, Languages
from bot.matching import command_word, exact_option, match_option, match_words, slash_command
from bot.messages import Action, OutgoingMessage
from bot.screens import ACTION_PREFIX, FORGET_PREFIX, FORGET_YES, MORE_PREFIX, OPTION_PREFIX, action, card, render
from bot.turn import Turn
from storage.models import Conversation
from storage.monitoring import FACTS, Tally

logger = logging.getLogger(__name__)


class Steps:
    """What an input does to a conversation (shared by all conversations; holds no state of one)."""

    def __init__(
        self, dialog: Dialog, i18n: I18n, languages: Languages, handoff: HandoffGate, privacy_terms: privacy.Terms
    ) -> None:
        self.dialog = dialog
        self.i18n = i18n
        self.languages = languages
        self.handoff = handoff
        self.privacy_terms = privacy_terms

    async def choice(self, turn: Turn, key: str) -> None:
        if key.startswith(ACTION_PREFIX):
            name = key.removeprefix(ACTION_PREFIX)
            if name in Action._value2member_map_:
                turn.user_said(action(Action(name)).label)
                await self._action(turn, Action(name))
                return
        elif key.startswith(LANGUAGE_PREFIX):
            await self._set_language(turn, key.removeprefix(LANGUAGE_PREFIX))
            return
        elif key.startswith(FORGET_PREFIX):
            await self._forget_answer(turn, key)
            return
        elif key.startswith(MORE_PREFIX):
            self._more(turn, key.removeprefix(MORE_PREFIX))
            return
        elif key.startswith(OPTION_PREFIX):
            node_id, _sep, option_id = key.removeprefix(OPTION_PREFIX).partition(":")
            if node_id == turn.conversation.state:
                node = self.dialog.node(node_id)
                for index, option in enumerate(node.options):
                    if option.id == option_id:
                        turn.user_said(option.label)
                        await self._advance(turn, index)
                        return
            turn.say(
                OutgoingMessage(_("Die knop hoort bij een eerdere vraag. Hier is de vraag van nu."), kind="notice")
            )
            self.show(turn)
            return
        logger.info("conversation %s: unknown choice key ignored", turn.conversation.id)
        self._reask(turn)

    async def text(self, turn: Turn, text: str) -> None:
        if not text:
            turn.say(OutgoingMessage(_("Ik heb geen tekst gekregen."), kind="notice"))
            self.show(turn)
            return
        slash = slash_command(text)
        if slash is not None:
            await self._action(turn, slash)
            return
        node = self.dialog.node(turn.conversation.state)
        labels = [option.label for option in node.options]
        index = exact_option(text, labels)
        if index is None:
            word = command_word(text)
            if word is not None:
                await self._action(turn, word)
                return
            index = match_option(text, labels)
        if index is None:
            index = match_words(text, [option.words for option in node.options])
        if index is None:
            await self._not_understood(turn, text)
        else:
            await self._advance(turn, index)

    async def _advance(self, turn: Turn, index: int) -> None:
        conversation = turn.conversation
        node = self.dialog.node(conversation.state)
        option = node.options[index]
        new_state = self.dialog.choose(conversation.state, option.id)
        conversation.history = [*conversation.history, conversation.state]
        conversation.facts = {**conversation.facts, **option.set}
        _count_facts(turn, option.set)
        await self._enter(turn, new_state)

    async def _enter(self, turn: Turn, node_id: str) -> None:
        conversation = turn.conversation
        conversation.state = node_id
        node = self.dialog.node(node_id)
        if node.set:
            conversation.facts = {**conversation.facts, **node.set}
            _count_facts(turn, node.set)
        self.show(turn)
        if node.type == "outcome":
            turn.count("outcome", node_id)
            for step in node.steps:
                turn.count("organisation", step.organisation)
        if node.witte_vlek:
            turn.count("witte_vlek", node_id)
        if node.type == "handoff":
            await self.handoff.request(turn, urgent=node.urgent, witte_vlek=node.witte_vlek)

    def show(self, turn: Turn) -> None:
        turn.say(*self.screen(turn.conversation))

    def screen(self, conversation: Conversation) -> list[OutgoingMessage]:
        """The current node's messages; the start screen also says what is kept and how long (``bot.privacy``)."""
        screen = render(self.dialog, conversation.state, bool(conversation.history), child=_is_child(conversation))
        if conversation.state == self.dialog.start:
            return privacy.on_welcome(screen, self.privacy_terms)
        return screen

    def _more(self, turn: Turn, org_id: str) -> None:
        """A "Meer over …" button: what that party of the current outcome can and cannot do."""
        conversation = turn.conversation
        node = self.dialog.node(conversation.state)
        if org_id not in {step.organisation for step in node.steps}:
            turn.say(
                OutgoingMessage(_("Die knop hoort bij een eerdere vraag. Hier is de vraag van nu."), kind="notice")
            )
            self.show(turn)
            return
        org = self.dialog.organisation(org_id)
        org_name = org.short or org.name
        turn.user_said(_("Meer over {name}").format(name=org_name))
        turn.say(
            card(self.dialog, conversation.state, org_id, bool(conversation.history), child=_is_child(conversation))
        )

    async def _not_understood(self, turn: Turn, text: str) -> None:
        """A language asked for by name switches; words of another language get the offer; else ask again."""
        locale = turn.conversation.locale
        asked = self.languages.typed(text)
        if asked is not None:
            await self._set_language(turn, asked)
            return
        guessed = self.languages.guess(text)
        if guessed is not None and guessed != locale:
            turn.say(self.languages.offer(guessed, locale))
            return
        self._reask(turn)

    def _reask(self, turn: Turn) -> None:
        """Say we did not understand; a question is shown again, an outcome only by its buttons (not all again)."""
        conversation = turn.conversation
        node = self.dialog.node(conversation.state)
        if node.options:
            turn.say(
                OutgoingMessage(_("Dat begreep ik niet. Kies een van de antwoorden, of typ het nummer."), kind="notice")
            )
            self.show(turn)
            return
        screen = render(self.dialog, conversation.state, bool(conversation.history), child=_is_child(conversation))
        last = screen[-1]
        text = _("Dit is het einde van deze route. Wil je verder praten? Kies dan 'Praat met een mens'.")
        turn.say(OutgoingMessage(text, options=last.options, actions=last.actions, kind="notice"))

    async def _action(self, turn: Turn, name: Action) -> None:
        conversation = turn.conversation
        if name is Action.BACK:
            if conversation.history:
                previous = conversation.history[-1]
                conversation.history = conversation.history[:-1]
                conversation.state = previous
            else:
                turn.say(OutgoingMessage(_("Je bent al bij het begin."), kind="notice"))
            self.show(turn)
        elif name is Action.RESTART:
            conversation.history = []
            conversation.facts = {}
            conversation.status = "bot"
            conversation.state = self.dialog.restart(conversation.state)
            self.show(turn)
        elif name is Action.HUMAN:
            node = self.dialog.node(conversation.state)
            urgent = node.urgent or "crisis" in conversation.facts
            await self.handoff.request(turn, urgent=urgent, witte_vlek=False)
        elif name is Action.LANGUAGE:
            turn.say(self.languages.menu())
        elif name is Action.STOP:
            turn.count("stopped", conversation.state)  # where this user stopped, counted now and not when quiet
            conversation.status = "ended"
            conversation.history = []
            conversation.facts = {}
            conversation.state = self.dialog.start
            turn.say(
                OutgoingMessage(
                    _("Fijn dat je er was. Je kunt altijd terugkomen. Stuur dan gewoon een bericht."),
                    kind="notice",
                )
            )
        elif name is Action.HELP:
            turn.say(OutgoingMessage(_(HELP_TEXT), kind="notice"))
            self.show(turn)
        elif name is Action.FORGET:
            turn.say(forget.question())
        elif name is Action.PRIVACY:
            turn.say(privacy.summary(self.privacy_terms, conversation.channel, conversation.locale))
            self.show(turn)

    async def _forget_answer(self, turn: Turn, key: str) -> None:
        if key == FORGET_YES:
            turn.user_said(forget.yes_label())
            turn.forget = True
            return
        turn.user_said(forget.no_label())
        turn.say(forget.kept())
        if not await self.handoff.where(turn):
            self.show(turn)

    async def _set_language(self, turn: Turn, code: str) -> None:
        """Switch the language and keep the place: in the tree (its screen again) or in the queue."""
        if self.i18n.offers(code):
            if code != turn.conversation.locale:
                turn.tallies.append(Tally("language", channel=turn.conversation.channel, locale=code))
            turn.conversation.locale = code
        with self.i18n.use(turn.conversation.locale):
            if not await self.handoff.where(turn):
                self.show(turn)


def _count_facts(turn: Turn, values: dict[str, str]) -> None:
    """Count each fact for monitoring (role, theme, stage) an answer set."""
    for fact in FACTS:
        if fact in values:
            turn.count(fact)


def _is_child(conversation: Conversation) -> bool:
    """A primary-school pupil: gets the simpler words about each party."""
    return conversation.facts.get("role") == "leerling_po"


HELP_TEXT = N_(
    "Kies steeds een antwoord, of typ het nummer.\n"
    "Typ 'terug' voor de vorige vraag.\n"
    "Typ 'opnieuw' om opnieuw te beginnen.\n"
    "Typ 'mens' om met een mens te praten.\n"
    "Typ 'taal' voor een andere taal.\n"
    "Typ 'stop' om te stoppen."
)
