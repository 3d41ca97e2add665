"""Helpers for benchmarks that drive servers in other processes: start and stop them, their CPU time, a port,
and a fresh PostgreSQL database per run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import sys
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    """A process started by ``start``; ``first_line`` is what it printed when it was ready (if asked for)."""

    process: asyncio.subprocess.Process
    log: Path
    first_line: str = ""
    _drain: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        return self.process.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime: fields 14 and 15 of stat(5)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def start(
    module: str, args: Sequence[str] = (), env: Mapping[str, str] | None = None, ready: str = "", within: float = 180
) -> Server:
    """``python -m module args`` from the project root; waits for a stdout line starting with ``ready``.

    Its stderr goes to a temporary file (shown when it does not come up); stdout is read and dropped after that.
    """
    stderr, name = tempfile.mkstemp(prefix=f"{module.rsplit('.', 1)[-1]}-", suffix=".log")
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            *args,
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    finally:
        os.close(stderr)
    server = Server(process, Path(name))
    assert process.stdout is not None
    if ready:
        try:
            async with asyncio.timeout(within):
                while not (line := (await process.stdout.readline()).decode()).startswith(ready):
                    if not line:
                        raise RuntimeError(f"{module} exited: {server.log_tail()}")
        except BaseException:
            await stop(server)
            raise
        server.first_line = line.strip()
    server._drain = asyncio.create_task(_drain(process.stdout))
    return server


async def _drain(stream: asyncio.StreamReader) -> None:
    while await stream.read(65536):
        pass


async def stop(server: Server, grace: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after ``grace`` seconds; the log file is removed."""
    if server.process.returncode is None:
        server.process.terminate()
        try:
            await asyncio.wait_for(server.process.wait(), grace)
        except TimeoutError:
            server.process.kill()
            await server.process.wait()
    if server._drain is not None:
        server._drain.cancel()
    server.log.unlink(missing_ok=True)


async def wait_for_http(server: Server, url: str, within: float = 180, method: str = "GET") -> None:
    """Until ``url`` answers at all (any status), or the process died / ``within`` passed."""
    async with aiohttp.ClientSession() as session:
        async with asyncio.timeout(within):
            while True:
                if server.process.returncode is not None:
                    raise RuntimeError(f"the server exited: {server.log_tail()}")
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.request(method, url):
                        return
                await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def fresh_postgres(admin_url: str, prefix: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database ``<prefix>_<pid>`` beside the one ``admin_url`` names; dropped after."""
    admin = make_url(admin_url)
    name = f"{prefix}_{os.getpid()}"
    plain = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    async def run(sql: str) -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await run(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        await run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
