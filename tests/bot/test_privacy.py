"""Privacy said out loud (issue 13): the welcome's line, ``/privacy`` in a chat, and the page ``GET /privacy``.

The numbers come from the settings, never from the text: the tests configure other ones than the defaults.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from pytest_aiohttp import AiohttpClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.channels.web_texts import PageTexts
from bot.dialogs.dialog import Dialog
from bot.dialogs.readability import b1_problems
from bot.engine import Engine
from bot.i18n import I18n
from bot.messages import IncomingMessage, OutgoingMessage
from bot.privacy import Block, Terms, page, summary, welcome_line
from bot.settings import Settings, load_settings
from storage.repository import ConversationStore
from tests.bot.channels.webchat import keep_session, receive
from tests.conftest import sqlite_url

Client = TestClient  # type: ignore[type-arg]

LANGUAGES = ("nl", "en", "ar", "tr", "pl", "uk")
TITLES = {
    "nl": "Privacy bij Wegwijzer",
    "en": "Privacy at Wegwijzer",
    "ar": "الخصوصية في Wegwijzer",
    "tr": "Wegwijzer'de gizlilik",
    "pl": "Prywatność w Wegwijzer",
    "uk": "Приватність у Wegwijzer",
}
WELCOME_NL = "Ik bewaar dit gesprek 14 dagen na je laatste bericht, zonder naam."
WELCOME_EN = "I keep this chat for 14 days after your last message, without your name."
TERMS = Terms(retention_days=14, audit_retention_days=200, web_session_idle_minutes=45)


def every_language(store: ConversationStore, dialog: Dialog, terms: Terms = TERMS) -> Engine:
    return Engine(store, dialog, I18n(LANGUAGES), privacy_terms=terms)


def text_of(messages: list[OutgoingMessage]) -> str:
    return "\n".join(message.plain() for message in messages)


# --- The welcome ----------------------------------------------------------------------------------------------


async def test_the_welcome_says_how_long_we_keep_it_with_the_configured_days(
    store: ConversationStore, dialog: Dialog
) -> None:
    engine = every_language(store, dialog)
    first = (await engine.handle(IncomingMessage("web", "w1"))).messages[0]
    assert first.text.startswith("Hoi, ik ben de Wegwijzer.")
    assert first.text.endswith("\n" + WELCOME_NL), "the last line of the welcome itself"
    assert first.options, "the welcome keeps its buttons"
    assert (await engine.screen("web", "w1"))[0].text == first.text, "a page that reconnects sees the same"
    assert await engine.welcome("web", "w2") == [first], "a page that only looks, too"


async def test_a_single_day_is_a_day(store: ConversationStore, dialog: Dialog) -> None:
    engine = every_language(store, dialog, Terms(retention_days=1))
    first = (await engine.handle(IncomingMessage("web", "w1"))).messages[0]
    assert first.text.endswith("Ik bewaar dit gesprek 1 dag na je laatste bericht, zonder naam.")


async def test_only_the_start_screen_says_it(store: ConversationStore, dialog: Dialog) -> None:
    engine = every_language(store, dialog)
    await engine.handle(IncomingMessage("web", "w1"))
    further = await engine.handle(IncomingMessage("web", "w1", choice="opt:welkom:start"))
    assert WELCOME_NL not in text_of(further.messages)
    again = await engine.handle(IncomingMessage("web", "w1", text="opnieuw"))
    assert text_of(again.messages).endswith(WELCOME_NL), "back at the start: said again"


async def test_the_welcome_says_it_in_the_users_language_and_the_name_once(
    store: ConversationStore, real_dialog: Dialog
) -> None:
    engine = every_language(store, real_dialog)
    await engine.handle(IncomingMessage("telegram", "42", text="/start"))
    english = (await engine.handle(IncomingMessage("telegram", "42", choice="lang:en"))).messages[0]
    assert english.text.startswith("Hi, I am Wegwijzer.") and english.text.endswith("\n" + WELCOME_EN)
    assert english.text.count("name") == 1, "the welcome says once that no name is needed"
    dutch = (await engine.handle(IncomingMessage("telegram", "43", text="/start"))).messages[0]
    assert dutch.text.count("naam") == 1 and dutch.text.endswith(WELCOME_NL)


# --- /privacy in a chat ---------------------------------------------------------------------------------------


async def test_slash_privacy_on_telegram_answers_in_short_with_the_pages_address(
    store: ConversationStore, dialog: Dialog
) -> None:
    terms = Terms(retention_days=14, public_url="https://wegwijzer.example/")
    engine = every_language(store, dialog, terms)
    reply = await engine.handle(IncomingMessage("telegram", "42", text="/privacy"))
    answer = next(m for m in reply.messages if m.kind == "notice")
    assert answer.text == (
        "Ik bewaar je gesprek 14 dagen na je laatste bericht. Je naam bewaar ik niet.\n"
        "Vraag je om een mens? Dan kan de chat-ondersteuning je gesprek lezen.\n"
        "Wil je alles nu wissen? Typ dan /vergeet.\n"
        "Alles over je privacy: https://wegwijzer.example/privacy?lang=nl"
    )
    assert reply.messages[-1].options, "the screen comes back, with its buttons"
    await engine.handle(IncomingMessage("telegram", "42", choice="lang:en"))
    english = await engine.handle(IncomingMessage("telegram", "42", text="/privacy@WegwijzerBot"))
    assert "All about your privacy: https://wegwijzer.example/privacy?lang=en" in english.messages[0].text
    assert "14 days" in english.messages[0].text


async def test_without_a_public_url_there_is_no_address(store: ConversationStore, dialog: Dialog) -> None:
    engine = every_language(store, dialog)
    reply = await engine.handle(IncomingMessage("telegram", "42", text="/privacy"))
    answer = next(m for m in reply.messages if m.kind == "notice")
    assert "14 dagen" in answer.text and "http" not in answer.text and "/privacy" not in answer.text


async def test_the_web_chat_is_told_its_own_button(store: ConversationStore, dialog: Dialog) -> None:
    engine = every_language(store, dialog)
    reply = await engine.handle(IncomingMessage("web", "w1", text="/privacy"))
    answer = next(m for m in reply.messages if m.kind == "notice")
    assert "Kies dan 'Wis mijn gesprek' onder 'Meer'." in answer.text and "/vergeet" not in answer.text


@pytest.mark.parametrize("typed", ["privacy", "gizlilik", "Prywatność", "приватність", "الخصوصية"])
async def test_the_word_alone_works_in_every_language(store: ConversationStore, dialog: Dialog, typed: str) -> None:
    engine = every_language(store, dialog)
    await engine.handle(IncomingMessage("telegram", "42", text="/start"))
    reply = await engine.handle(IncomingMessage("telegram", "42", text=typed))
    assert reply.messages[0].text.startswith("Ik bewaar je gesprek 14 dagen")


# --- The texts ------------------------------------------------------------------------------------------------


def paragraphs(blocks: tuple[Block, ...]) -> list[str]:
    return [text for block in blocks for text in ([block] if isinstance(block, str) else block)]


def test_every_dutch_sentence_meets_the_b1_floor(real_dialog: Dialog) -> None:
    i18n = I18n(("nl",))
    terms = Terms(public_url="https://wegwijzer.example", translation=True)
    with i18n.use("nl"):
        welcome = real_dialog.node(real_dialog.start).text + "\n" + welcome_line(terms)
        texts = {"welcome line": welcome_line(terms), "the whole welcome": welcome, "intro": page(terms).intro}
        texts |= {f"summary {channel}": summary(terms, channel, "nl").text for channel in ("web", "telegram")}
        for section in page(terms).sections:
            texts |= {f"{section.id} {i}": text for i, text in enumerate(paragraphs(section.blocks))}
    problems = [problem for where, text in texts.items() for problem in b1_problems(where, text)]
    assert not problems, problems


# --- The page -------------------------------------------------------------------------------------------------


@pytest.fixture
def privacy_settings(tmp_path: Path) -> Settings:
    return load_settings(
        {},
        None,
        database_url=sqlite_url(tmp_path),
        retention_days=14,
        audit_retention_days=200,
        web_session_idle_minutes=45,
    )


@pytest.fixture
async def client(
    aiohttp_client: AiohttpClient, privacy_settings: Settings, dialog: Dialog, sqlite_database: AsyncEngine
) -> Client:
    return await aiohttp_client(create_app(privacy_settings, dialog=dialog))


def shown(body: str) -> str:
    """The page's text as a reader sees it: tags gone, entities decoded, white space single."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.mark.parametrize("code", LANGUAGES)
async def test_the_page_says_it_all_in_each_language_with_the_configured_numbers(client: Client, code: str) -> None:
    response = await client.get(f"/privacy?lang={code}")
    assert response.status == 200 and response.content_type == "text/html"
    body = await response.text()
    direction = "rtl" if code == "ar" else "ltr"
    assert f'<html lang="{code}" dir="{direction}">' in body
    text = shown(body)
    assert TITLES[code] in text
    i18n = I18n(LANGUAGES)
    with i18n.use(code):
        expected = page(TERMS)
    for section in expected.sections:
        assert section.heading in text
        for paragraph in paragraphs(section.blocks):
            assert " ".join(paragraph.split()) in text, f"{code}: {paragraph[:50]}"
    numbers = " ".join(paragraphs(expected.sections[2].blocks))
    assert "14" in numbers and "200" in numbers and "45" in numbers and "30" not in numbers
    if code != "nl":
        assert "Wat we bewaren" not in text, "translated, not the Dutch"


async def test_the_dutch_page_reads_right(client: Client) -> None:
    text = shown(await (await client.get("/privacy")).text())
    for sentence in (
        "Is het laatste bericht in je gesprek meer dan 14 dagen oud? Dan wissen we het hele gesprek.",
        "In de webchat stopt je sessie als je 45 minuten niets stuurt.",
        "Die lijst bewaren we 200 dagen.",
        "Op Telegram: typ /vergeet.",
        "In de webchat: kies 'Meer' en dan 'Wis mijn gesprek'.",
        "Kies je 'Ja, wissen'? Dan wissen we meteen je hele gesprek.",
        "Dan kunnen de medewerkers van de chat-ondersteuning je gesprek lezen.",
        "In een telling staat geen naam, geen tekst van jou en geen tijd.",
    ):
        assert sentence in text
    assert "vertalen" not in text, "no machine translation is configured, so the page does not mention it"


async def test_the_page_is_no_store_and_as_strict_as_the_chat(client: Client) -> None:
    response = await client.get("/privacy?lang=en")
    body = await response.text()
    assert response.headers["Cache-Control"] == "no-store"
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp and "unsafe" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "<script" not in body and " style=" not in body and "<style" not in body
    assert re.findall(r"(?:src|href)=\"(?!/|https://)", body) == [], "everything comes from us"
    assert "Set-Cookie" not in response.headers
    for asset in re.findall(r"(?:src|href)=\"(/static/chat/[^\"]+)\"", body):
        assert (await client.get(asset)).status == 200


async def test_the_language_switcher_links_every_language(client: Client) -> None:
    body = await (await client.get("/privacy?lang=uk")).text()
    links = re.findall(r'<a href="/privacy\?lang=(\w+)" lang="\1" hreflang="\1"( aria-current="page")?>', body)
    assert [code for code, _current in links] == list(LANGUAGES)
    assert [code for code, current in links if current] == ["uk"]


@pytest.mark.parametrize("asked", ["xx", "", "EN-gb", '"><script>alert(1)</script>', "nl&lang=en"])
async def test_an_unknown_language_falls_back_to_dutch_and_is_never_echoed(client: Client, asked: str) -> None:
    response = await client.get("/privacy", params={"lang": asked})
    body = await response.text()
    assert response.status == 200 and '<html lang="nl" dir="ltr">' in body
    assert "<script" not in body and "alert(1)" not in body


async def test_texts_are_escaped(client: Client) -> None:
    body = await (await client.get("/privacy?lang=tr")).text()
    assert "Wegwijzer&#39;de gizlilik" in body and "Wegwijzer'de" not in body


async def test_without_lang_the_page_speaks_the_language_of_the_open_chat(client: Client) -> None:
    async with client.ws_connect("/chat/ws") as ws:
        await receive(ws)
        await ws.send_json({"type": "choice", "id": "c1", "key": "lang:tr"})
        await receive(ws)
        await keep_session(client, ws)
    body = await (await client.get("/privacy")).text()
    assert '<html lang="tr" dir="ltr">' in body and TITLES["tr"] in shown(body)
    english = await (await client.get("/privacy?lang=en")).text()
    assert '<html lang="en" dir="ltr">' in english, "?lang= wins"


async def test_the_chat_page_links_to_it(client: Client) -> None:
    page_html = await (await client.get("/")).text()
    assert '<a href="/privacy" data-t="privacy">Privacy</a>' in page_html
    assert PageTexts(I18n(LANGUAGES)).of("tr")["privacy"] == "Gizlilik", "the page switches it in place"
