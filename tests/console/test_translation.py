"""Machine translation for agents against a fake LibreTranslate on localhost: off by default (nothing is ever
sent), "Vertaal" on a user's line, "Verstuur met vertaling" for a reply, and every failure as a clear message."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.appkeys import STORE
from bot.console.keys import AGENTS, TRANSLATOR
from bot.console.translator import TranslationFailed, TranslationOff, Translator
from bot.dialogs.dialog import Dialog
from bot.helpdesk.desk import MAX_AGENT_TEXT
from bot.messages import IncomingMessage
from bot.settings import Settings, SettingsError, load_settings
from storage.agents import AUDIT
from tests.console.catalogs import MACHINE_UK, ukrainian
from tests.console.conftest import Client, add_agent, bot_engine, logged_in, post, serve
from tests.console.test_conversation_languages import ukrainian_user_asks_for_a_person
from tests.console.test_live import next_event
from tests.fakes.helpdesk import FakeClock, Recorder
from tests.fakes.libretranslate import FakeLibreTranslate

USER_UK = "Мене ображають у класі. Що мені робити?"
USER_NL = "Ik word in de klas gepest. Wat moet ik doen?"
AGENT_NL = "Wat vervelend. Wie doen dat?"
AGENT_UK = "Як прикро. Хто це робить?"


@pytest.fixture
async def libretranslate() -> AsyncIterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate()
    fake.answers[(USER_UK, "nl")] = USER_NL
    fake.answers[(AGENT_NL, "uk")] = AGENT_UK
    await fake.start()
    yield fake
    await fake.close()


async def product(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    clock: FakeClock,
    recorder: Recorder,
    tmp_path: Path,
    translation_url: str,
) -> TestServer:
    chosen = settings.model_copy(update={"locales": ("nl",), "translation_url": translation_url})
    return await serve(aiohttp_server, chosen, dialog, clock, recorder, ukrainian(tmp_path))


@pytest.fixture
async def translating(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    clock: FakeClock,
    recorder: Recorder,
    tmp_path: Path,
    libretranslate: FakeLibreTranslate,
) -> TestServer:
    """The product with translation_url pointing at the fake LibreTranslate."""
    return await product(aiohttp_server, settings, dialog, clock, recorder, tmp_path, libretranslate.url)


@pytest.fixture
async def untranslated(
    aiohttp_server: AiohttpServer,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
    clock: FakeClock,
    recorder: Recorder,
    tmp_path: Path,
    libretranslate: FakeLibreTranslate,
) -> TestServer:
    """The product as shipped: translation_url empty (the fake runs, but nobody is told where)."""
    assert settings.translation_url == ""
    return await product(aiohttp_server, settings, dialog, clock, recorder, tmp_path, "")


async def taken_over(server: TestServer, aiohttp_client: AiohttpClient) -> tuple[Client, str]:
    """A Ukrainian user asked for a person and wrote; anna has claimed the chat. Her browser and CSRF token."""
    await add_agent(server, "anna")
    client = await aiohttp_client(server)
    csrf = await logged_in(client, "anna")
    await ukrainian_user_asks_for_a_person(server)
    await bot_engine(server).handle(IncomingMessage("test", "c1", text=USER_UK))
    assert (await post(client, "/console/h/1/claim", csrf)).status == 200
    return client, csrf


async def audit_actions(server: TestServer) -> list[tuple[int | None, str]]:
    async with server.app[AGENTS].engine.connect() as conn:
        rows = (await conn.execute(select(AUDIT).order_by(AUDIT.c.id))).all()
    return [(r.conversation_id, r.action) for r in rows]


async def test_off_by_default_no_buttons_and_no_request_ever(
    untranslated: TestServer, aiohttp_client: AiohttpClient, libretranslate: FakeLibreTranslate, recorder: Recorder
) -> None:
    client, csrf = await taken_over(untranslated, aiohttp_client)
    page = await (await client.get("/console/c/1")).text()
    assert 'data-translate="off"' in page
    assert "Vertaal" not in page and "Verstuur met vertaling" not in page and 'id="send-translated"' not in page
    assert (await post(client, "/console/c/1/translate", csrf, text=USER_UK)).status == 404
    assert (await post(client, "/console/h/1/reply-translated", csrf, text=AGENT_NL)).status == 404
    assert not untranslated.app[TRANSLATOR].enabled
    with pytest.raises(TranslationOff):
        await untranslated.app[TRANSLATOR].translate(AGENT_NL, "nl", "uk")
    assert libretranslate.calls == []  # nothing was ever sent anywhere
    assert AGENT_NL not in " ".join(recorder.texts())


async def test_vertaal_shows_a_users_message_in_dutch_without_storing_it(
    translating: TestServer, aiohttp_client: AiohttpClient, libretranslate: FakeLibreTranslate
) -> None:
    client, csrf = await taken_over(translating, aiohttp_client)
    page = await (await client.get("/console/c/1")).text()
    assert 'data-translate="on"' in page and 'class="link translate">Vertaal</button>' in page
    before = await translating.app[STORE].transcript(1)
    response = await post(client, "/console/c/1/translate", csrf, text=USER_UK)
    assert response.status == 200
    assert await response.json() == {"ok": True, "translation": USER_NL}
    assert libretranslate.translations() == [{"q": USER_UK, "source": "uk", "target": "nl", "format": "text"}]
    assert [(e.text, e.original) for e in await translating.app[STORE].transcript(1)] == [
        (e.text, e.original) for e in before
    ]  # shown to the agent, kept nowhere
    assert (1, "translate") in await audit_actions(translating)


async def test_vertaal_only_translates_what_the_user_wrote_here(
    translating: TestServer, aiohttp_client: AiohttpClient, libretranslate: FakeLibreTranslate
) -> None:
    client, csrf = await taken_over(translating, aiohttp_client)
    for text in ("Iets dat niemand schreef.", "Тепер ти говориш з Anna зі служби підтримки."):  # nobody / the bot
        assert (await post(client, "/console/c/1/translate", csrf, text=text)).status == 404
    assert (await post(client, "/console/c/99/translate", csrf, text=USER_UK)).status == 404
    assert (await post(client, "/console/c/1/translate", None, text=USER_UK)).status == 403  # CSRF
    assert libretranslate.calls == []


async def test_a_reply_with_translation_reaches_the_user_marked_with_the_dutch_kept_beside_it(
    translating: TestServer, aiohttp_client: AiohttpClient, libretranslate: FakeLibreTranslate, recorder: Recorder
) -> None:
    client, csrf = await taken_over(translating, aiohttp_client)
    page = await (await client.get("/console/c/1")).text()
    assert 'id="send-translated">Verstuur met vertaling</button>' in page
    watching = await client.ws_connect("/console/ws?watch=1")
    response = await post(client, "/console/h/1/reply-translated", csrf, text=AGENT_NL)
    assert response.status == 200, await response.text()
    sent = f"{AGENT_UK}\n\n({MACHINE_UK})"
    assert recorder.texts()[-1] == sent  # the user reads Ukrainian, and that a computer translated it
    assert libretranslate.translations() == [{"q": AGENT_NL, "source": "nl", "target": "uk", "format": "text"}]
    event = await next_event(watching, "message", sender="agent")
    assert (event["text"], event["original"]) == (sent, AGENT_NL)
    await watching.close()
    agent_lines = [(e.text, e.original) for e in await translating.app[STORE].transcript(1) if e.sender == "agent"]
    assert agent_lines == [(sent, AGENT_NL)]
    page = await (await client.get("/console/c/1")).text()
    assert f'<span class="tag">Nederlands</span>{AGENT_NL}</p>' in page
    actions = await audit_actions(translating)
    assert (1, "reply_translated") in actions
    async with translating.app[AGENTS].engine.connect() as conn:
        assert AGENT_NL not in str((await conn.execute(select(AUDIT))).all())


async def test_a_long_translation_is_cut_but_keeps_its_machine_translated_line(
    translating: TestServer, aiohttp_client: AiohttpClient, libretranslate: FakeLibreTranslate, recorder: Recorder
) -> None:
    client, csrf = await taken_over(translating, aiohttp_client)
    libretranslate.answers[("Lang verhaal.", "uk")] = "Довга історія. " * 400
    assert (await post(client, "/console/h/1/reply-translated", csrf, text="Lang verhaal.")).status == 200
    sent = recorder.texts()[-1]
    assert len(sent) <= MAX_AGENT_TEXT and sent.endswith(f"({MACHINE_UK})")


@pytest.mark.parametrize("failure", ["status_500", "status_429", "garbled", "stalled", "down"])
async def test_a_failing_translation_service_gives_a_clear_message_and_sends_nothing(
    translating: TestServer,
    aiohttp_client: AiohttpClient,
    libretranslate: FakeLibreTranslate,
    recorder: Recorder,
    failure: str,
) -> None:
    client, csrf = await taken_over(translating, aiohttp_client)
    translating.app[TRANSLATOR].timeout = aiohttp.ClientTimeout(total=0.5)  # the stall is 2 s
    if failure == "status_500":
        libretranslate.fail_next(500)
        libretranslate.fail_next(500)
    elif failure == "status_429":
        libretranslate.fail_next(429)
        libretranslate.fail_next(429)
    elif failure == "garbled":
        libretranslate.garble_next()
        libretranslate.garble_next()
    elif failure == "stalled":
        libretranslate.stall_next(2)
        libretranslate.stall_next(2)
    else:
        await libretranslate.close()
    told = len(recorder.texts())
    for path, text in (("/console/h/1/reply-translated", AGENT_NL), ("/console/c/1/translate", USER_UK)):
        response = await post(client, path, csrf, text=text)
        assert response.status == 502
        answer = await response.json()
        assert answer["ok"] is False and "vertaal" in answer["error"].lower()
    assert len(recorder.texts()) == told  # the user got nothing half-done
    assert [e for e in await translating.app[STORE].transcript(1) if e.sender == "agent"] == []


async def test_a_dutch_conversation_has_nothing_to_translate_a_reply_into(
    translating: TestServer, aiohttp_client: AiohttpClient, libretranslate: FakeLibreTranslate
) -> None:
    await add_agent(translating, "anna")
    client = await aiohttp_client(translating)
    csrf = await logged_in(client, "anna")
    await bot_engine(translating).handle(IncomingMessage("test", "c1", text="/mens"))
    await bot_engine(translating).handle(IncomingMessage("test", "c1", text="Hello, I only speak English"))
    await post(client, "/console/h/1/claim", csrf)
    page = await (await client.get("/console/c/1")).text()
    assert 'id="send-translated"' not in page and "Vertaal</button>" in page  # a user may still write English
    response = await post(client, "/console/h/1/reply-translated", csrf, text=AGENT_NL)
    assert response.status == 400
    assert (await post(client, "/console/c/1/translate", csrf, text="Hello, I only speak English")).status == 200
    assert [(b["source"], b["target"]) for b in libretranslate.translations()] == [("auto", "nl")]


def test_translation_url_must_be_an_address() -> None:
    assert load_settings({"WEGWIJZER_TRANSLATION_URL": "http://127.0.0.1:5000"}).translation_url
    with pytest.raises(SettingsError, match="translation_url"):
        load_settings({"WEGWIJZER_TRANSLATION_URL": "libretranslate.com"})
    with pytest.raises(SettingsError, match="translation_url"):
        load_settings({"WEGWIJZER_TRANSLATION_URL": "http://x/?key=secret"})


async def test_the_client_refuses_an_empty_answer(libretranslate: FakeLibreTranslate) -> None:
    libretranslate.answers[("Hoi", "en")] = "   "
    translator = Translator(libretranslate.url + "/")
    try:
        with pytest.raises(TranslationFailed):
            await translator.translate("Hoi", "nl", "en")
        assert await translator.translate("Dag", "nl", "en") == "[nl→en] Dag"
        with pytest.raises(TranslationFailed):
            await translator.translate("Dag", "nl", "xx")  # LibreTranslate's 400 for an unknown language
    finally:
        await translator.close()
