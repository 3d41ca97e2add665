"""Fuzzing the web chat's WebSocket (hypothesis) over a real socket: whatever a page sends, it gets error frames
(or a normal answer to a frame that is right), the socket stays open, nothing is logged as a failure, and a
normal frame afterwards is answered. A frame over the socket's limit closes it cleanly with 1009.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from aiohttp import ClientWebSocketResponse, WSCloseCode, WSMsgType
from aiohttp.test_utils import TestServer
from hypothesis import example, given
from hypothesis import strategies as st
from pytest_aiohttp import AiohttpClient, AiohttpServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.channels.web import WEB_CHANNEL
from bot.channels.web_socket import FRAME_LIMIT, SOCKET_LIMIT
from bot.dialogs.dialog import Dialog
from bot.settings import Settings, load_settings
from tests.bot.channels.conftest import Client
from tests.bot.channels.webchat import Ticks
from tests.conftest import sqlite_url
from tests.fuzzing import FUZZ, JSON, ODD_TEXT, RAW_JSON, assert_clean_log, to_json

IDS = itertools.count(1)
ANSWERS = {"error", "messages", "rotate", "typing"}


@pytest.fixture
def settings(tmp_path: Any) -> Settings:
    """Limits per address out of the way: every example is a new page, and so a new chat, from 127.0.0.1."""
    return load_settings(
        {},
        None,
        database_url=sqlite_url(tmp_path),
        web_conversations_per_minute=10_000,
        web_handoffs_per_hour=10_000,
        web_sockets_per_address=100_000,
    )


@pytest.fixture
async def client(
    aiohttp_server: AiohttpServer,
    aiohttp_client: AiohttpClient,
    settings: Settings,
    dialog: Dialog,
    sqlite_database: AsyncEngine,
) -> Client:
    server: TestServer = await aiohttp_server(create_app(settings, dialog=dialog))
    server.app[WEB_CHANNEL].clock = Ticks(step=60.0)  # the frame rate limit never holds a fuzzed frame back
    return await aiohttp_client(server)


def frame_id() -> str:
    return f"n{next(IDS)}"


def shaped(kind: str, field: str) -> st.SearchStrategy[dict[str, Any]]:
    """A frame that looks like the protocol's, with odd values and types, and sometimes a field more or less."""
    value = st.one_of(ODD_TEXT, ODD_TEXT, JSON)
    return st.fixed_dictionaries(
        {},
        optional={
            "type": st.one_of(st.just(kind), JSON),
            "id": st.one_of(st.builds(frame_id), st.builds(frame_id), JSON),
            field: value,
            "extra": JSON,
        },
    )


TEXT_FRAMES = st.one_of(
    JSON.map(lambda value: to_json(value).decode()),
    shaped("text", "text").map(lambda value: to_json(value).decode()),
    shaped("choice", "key").map(lambda value: to_json(value).decode()),
    RAW_JSON,
    st.text(max_size=200),
)
FRAMES = st.lists(st.one_of(TEXT_FRAMES, TEXT_FRAMES, st.binary(max_size=200)), min_size=1, max_size=4)


async def answers_until(ws: ClientWebSocketResponse, reply_to: str) -> list[dict[str, Any]]:
    """Every frame the server sends until its answer to ``reply_to``; each must be a frame of the protocol."""
    seen = []
    while True:
        msg = await ws.receive(timeout=10)
        assert msg.type is WSMsgType.TEXT, (msg.type, msg.data, seen)
        frame = json.loads(msg.data)
        assert frame["type"] in ANSWERS, frame
        seen.append(frame)
        if frame.get("reply_to") == reply_to and frame["type"] != "rotate":
            return seen


async def still_answers(ws: ClientWebSocketResponse) -> None:
    """A normal frame gets a normal answer (the chat may have moved on: any ``messages`` frame will do)."""
    normal = frame_id()
    await ws.send_str(json.dumps({"type": "text", "id": normal, "text": "hallo"}))
    answer = (await answers_until(ws, normal))[-1]
    assert answer["type"] == "messages", answer


@FUZZ
@given(frames=FRAMES)
@example(frames=["[" * 60_000])  # under SOCKET_LIMIT: an error frame, not a close
@example(frames=['{"type": "text", "id": "x1", "text": ' + "9" * 5000 + "}"])
@example(frames=['{"type": "text", "id": "x2", "text": "\\ud800"}', '{"type": "choice", "id": "x3", "key": "\\udfff"}'])
async def test_any_frames_get_error_frames_and_the_socket_works_on(
    client: Client, caplog: pytest.LogCaptureFixture, frames: list[str | bytes]
) -> None:
    caplog.clear()
    async with client.ws_connect("/chat/ws") as ws:
        assert (await ws.receive_json(timeout=10))["type"] == "history"
        for raw in frames:
            if isinstance(raw, bytes):
                await ws.send_bytes(raw)
            else:
                await ws.send_str(raw)
        # The server answers in order; its answer to our normal frame comes after those to the fuzzed ones.
        await still_answers(ws)
        assert not ws.closed
    assert_clean_log(caplog)


@FUZZ
@given(size=st.integers(min_value=FRAME_LIMIT - 64, max_value=SOCKET_LIMIT + 4096), char=st.sampled_from("aé😀"))
@example(size=SOCKET_LIMIT + 1, char="a")
@example(size=FRAME_LIMIT + 1, char="a")
async def test_a_large_frame_is_refused_or_closes_the_socket_cleanly(
    client: Client, caplog: pytest.LogCaptureFixture, size: int, char: str
) -> None:
    caplog.clear()
    text = char * (size // len(char.encode()))
    raw = json.dumps({"type": "text", "id": frame_id(), "text": text}, ensure_ascii=False)
    async with client.ws_connect("/chat/ws") as ws:
        assert (await ws.receive_json(timeout=10))["type"] == "history"
        await ws.send_str(raw)
        if len(raw.encode()) > SOCKET_LIMIT:
            msg = await ws.receive(timeout=10)
            assert msg.type is WSMsgType.CLOSE and msg.data == WSCloseCode.MESSAGE_TOO_BIG, msg
        else:
            await still_answers(ws)
    assert_clean_log(caplog)
