"""Bot API calls per step (issue 15): a reply is one Telegram message with its keyboard.

Found in measuring: a step made about 2.75 chat-bound calls (sendMessage, editMessageText, …) on average: an
outcome went out as five messages, and every screen closed the keyboard of the one before with an edit. Telegram
allows about one call a second in a chat and about 30 for the whole bot, so those calls, not the CPU, capped how
many people the bot serves. The walk below goes through every branch of the product's tree by the real webhook.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from bot.channels.telegram.render import MAX_MESSAGE, utf16_len
from bot.dialogs.dialog import Dialog
from tests.fakes.bot_api import Call
from tests.fakes.telegram_harness import TelegramHarness

CHAT = 6161
GOAL = 1.3  # chat-bound calls per step, on average
NOT_CHAT_BOUND = frozenset({"answerCallbackQuery"})


def chat_bound(calls: list[Call]) -> list[Call]:
    """The calls Telegram counts against a chat's limit: every call to a chat but the answer to a tap."""
    return [c for c in calls if "chat_id" in c.params and c.method not in NOT_CHAT_BOUND]


def bold_words(params: dict[str, Any]) -> list[str]:
    """The characters each bold entity covers (offsets and lengths are UTF-16 code units)."""
    text = str(params["text"]).encode("utf-16-le")
    return [
        text[e["offset"] * 2 : (e["offset"] + e["length"]) * 2].decode("utf-16-le")
        for e in params.get("entities") or []
        if e["type"] == "bold"
    ]


def edges(dialog: Dialog) -> Iterator[tuple[str, str, str]]:
    """Every (question, option label, next node) of the tree that stays in the tree (no hand-off to a person)."""
    for node_id, node in dialog.tree.nodes.items():
        for option in node.options:
            if dialog.tree.nodes[option.next].type != "handoff":
                yield node_id, option.label, option.next


class Walk:
    """Steps through the webhook; records the chat-bound calls and the messages of each step."""

    def __init__(self, telegram: TelegramHarness, dialog: Dialog) -> None:
        self.telegram = telegram
        self.dialog = dialog
        self.steps = 0
        self.calls = 0
        self.outcomes = 0
        self.problems: list[str] = []  # replies not sent as one message with its keyboard

    async def step(self, label: str | None = None, *, text: str | None = None) -> dict[str, Any]:
        api = self.telegram.api
        before = len(api.calls)
        if text is not None:
            await self.telegram.say(CHAT, text)
        else:
            assert label is not None
            await self.telegram.tap(CHAT, label)
        later = chat_bound(api.calls[before:])
        self.steps += 1
        self.calls += len(later)
        sent = [c.params for c in later if c.method == "sendMessage"]
        assert sent, f"step {label or text!r} got no answer"
        length = sum(utf16_len(str(p["text"])) for p in sent) + 2 * (len(sent) - 1)
        if len(sent) > 1 and length <= MAX_MESSAGE * (len(sent) - 1):
            self.problems.append(f"{label or text!r}: {len(sent)} messages where fewer hold it")
        if any("reply_markup" in p for p in sent[:-1]) or not sent[-1].get("reply_markup"):
            self.problems.append(f"{label or text!r}: the keyboard is not on the last message only")
        return sent[-1]

    async def visit(self, node_id: str, seen: set[str]) -> None:
        """Take every option of ``node_id`` and come back with "Terug"; at an outcome open one "Meer over …"."""
        seen.add(node_id)
        node = self.dialog.node(node_id)
        if node.type == "outcome":
            self.outcomes += 1
            reply = self.telegram.api.sent(CHAT)[-1]
            names = [self.dialog.organisation(step.organisation).name for step in node.steps]
            if bold_words(reply) != names:
                self.problems.append(f"{node_id}: bold {bold_words(reply)}, not {names}")
            more = [label for label in self.telegram.api.buttons(reply) if label.startswith("Meer over")]
            assert len(more) == len(node.steps)
            if more:
                await self.step(more[0])
            return
        for question, label, target in edges(self.dialog):
            if question != node_id:
                continue
            await self.step(label)
            if target not in seen:
                await self.visit(target, seen)
            await self.step("Terug")


async def test_a_walk_through_the_whole_tree_costs_at_most_1_3_calls_a_step(
    product_telegram: TelegramHarness, real_dialog: Dialog
) -> None:
    walk = Walk(product_telegram, real_dialog)
    await walk.step(text="/start")
    await walk.visit(real_dialog.start, set())

    assert walk.outcomes > 20  # the walk reached the tree's outcomes, not just a few questions
    per_step = walk.calls / walk.steps
    print(f"\n{walk.steps} steps, {walk.calls} chat-bound calls: {per_step:.2f} a step")
    assert per_step <= GOAL
    assert walk.problems == []


async def test_an_outcome_is_one_message_with_every_party_in_bold(telegram: TelegramHarness, dialog: Dialog) -> None:
    await telegram.say(CHAT, "/start")
    await telegram.tap(CHAT, "Start")
    await telegram.tap(CHAT, "Nee")
    before = len(telegram.api.calls)

    await telegram.tap(CHAT, "Ik ben leerling")

    [call] = chat_bound(telegram.api.calls[before:])
    assert call.method == "sendMessage"
    assert call.params["text"].startswith("Deze organisaties kunnen je helpen.\n\nKindertelefoon\n")
    parties = [dialog.organisation(step.organisation).name for step in dialog.node("leerling_uitkomst").steps]
    assert bold_words(call.params) == parties and len(parties) == 2
    assert list(telegram.api.buttons(call.params)) == [
        "Meer over Kindertelefoon",
        "Meer over Vertrouwensinspecteurs",
        "Terug",
        "Opnieuw beginnen",
        "Praat met een mens",
    ]
