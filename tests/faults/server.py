"""The server under test: ``wegwijzer serve`` as a real subprocess that the harness kills with SIGKILL and restarts.

Same port and database every time; its output (all runs) goes to one log file, so a traceback can be found.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from pathlib import Path

import aiohttp

from tests.fakes.bot_api import FakeBotApi
from tests.fakes.telegram_harness import SECRET, WEBHOOK_PATH

WEGWIJZER = [sys.executable, "-m", "bot"]
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(database_url: str, api: FakeBotApi, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WEGWIJZER_") and k != "DATABASE_URL"}
    env.update(
        DATABASE_URL=database_url,
        TELEGRAM_TOKEN=api.token,
        TELEGRAM_API_BASE_URL=api.base_url,
        WEGWIJZER_TELEGRAM_WEBHOOK_SECRET=SECRET,
        WEGWIJZER_TELEGRAM_WEBHOOK_PATH=WEBHOOK_PATH,
        WEGWIJZER_PORT=str(port),
        WEGWIJZER_HOST="127.0.0.1",
        # the agent has no console socket open: it must keep its chats for the whole run
        WEGWIJZER_AGENT_DISCONNECT_TIMEOUT_SECONDS="3600",
        WEGWIJZER_LIMITS_SECRET="faults-" + "0" * 32,
        PTB_TIMEDELTA="true",
    )
    return env


async def command(env: dict[str, str], *args: str, stdin: str = "") -> str:
    process = await asyncio.create_subprocess_exec(
        *WEGWIJZER,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=env,
    )
    out, _ = await asyncio.wait_for(process.communicate(stdin.encode()), 120)
    assert process.returncode == 0, out.decode()
    return out.decode()


class Server:
    """One ``wegwijzer serve`` at a time on ``port``; ``kill`` is SIGKILL, ``start`` waits for /readyz."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0
        self.kills = 0
        self.start_seconds: list[float] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        began = time.monotonic()
        with self.log.open("ab") as out:
            out.write(f"\n===== start {self.starts + 1} =====\n".encode())
            out.flush()
            self.process = await asyncio.create_subprocess_exec(
                *WEGWIJZER, "serve", "--port", str(self.port), env=self.env, stdout=out, stderr=out
            )
        self.starts += 1
        async with aiohttp.ClientSession() as session:
            for _attempt in range(600):
                if self.process.returncode is not None:
                    raise AssertionError(f"the server exited with {self.process.returncode}; see {self.log}")
                try:
                    async with session.get(self.url + "/readyz", timeout=aiohttp.ClientTimeout(total=2)) as r:
                        if r.status == 200:
                            self.start_seconds.append(time.monotonic() - began)
                            return
                except (aiohttp.ClientError, TimeoutError):
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError(f"the server never answered /readyz; see {self.log}")

    async def kill(self) -> None:
        """kill -9: nothing of the process gets to run any more."""
        assert self.process is not None
        self.process.kill()
        await self.process.wait()
        self.kills += 1
        self.process = None

    async def stop(self) -> None:
        """A planned stop (SIGTERM), after the checks' settling."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
        self.process = None
