"""Limits per client address that stop one script from flooding the web chat and the queue.

The address itself is never kept or logged. ``ClientKeys`` turns it into an opaque key: an HMAC with the
setting ``limits_secret`` (every worker the same, so they count one client under one key), or, when that is
empty, a random key made when the process starts. IPv6 counts per /64 (one household or one phone network gets
a /64; an attacker gets billions of addresses inside one). Behind a reverse proxy the address comes from
``X-Forwarded-For`` only when the proxy is one of ``console_trusted_proxies``
(``bot.console.limiter.client_address``).

The counting limits (new conversations, requests for a person) live in the database (table ``limit_counters``,
``storage/limit_counters.py``), so N worker processes share one limit instead of having N times it; the
housekeeping job deletes what no longer counts. Open sockets are counted in memory, per process: a socket lives
in one process, and when it closes its count goes with it (with N workers a client may hold N times
``web_sockets_per_address``; the reverse proxy's own connection limit is the place for a tighter one).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.console.limiter import Network, client_address
from storage.limit_counters import LimitCounterStore

logger = logging.getLogger(__name__)

IPV6_PREFIX = 64


class ClientKeys:
    """Network address → opaque key (IPv6: its /64). Unreadable addresses share one key."""

    def __init__(self, trusted_proxies: tuple[Network, ...] = (), secret: str = "") -> None:
        self.trusted = trusted_proxies
        self._secret = secret.encode() if secret else secrets.token_bytes(32)

    def of(self, request: web.Request) -> str:
        return self.key(client_address(request, self.trusted))

    def key(self, address: str) -> str:
        return self.digest(network_of(address))

    def digest(self, text: str) -> str:
        """The HMAC of any text that names a client (the login limiter keys names and addresses with it)."""
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:32]


def network_of(address: str) -> str:
    """What one client is: an IPv4 address, or the /64 of an IPv6 address (an IPv4-mapped one is IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{ip}/{IPV6_PREFIX}", strict=False))
    return str(ip)


class KeyedBuckets:
    """A token bucket per key, in the database: ``burst`` at once, refilled at ``burst`` per ``per_seconds``.

    So "20 per minute" lets 20 through at once and then one every 3 seconds, counted over all workers. The
    database comes when the app starts (``attach``). ``clock`` is wall time (seconds since 1970): every worker
    must read the same one.
    """

    def __init__(
        self,
        kind: str,
        burst: int,
        per_seconds: float,
        clock: Callable[[], float] = time.time,
        counters: LimitCounterStore | None = None,
    ) -> None:
        self.kind = kind
        self.burst = burst
        self.interval = max(1, round(per_seconds * 1000 / burst))  # milliseconds per token
        self.clock = clock
        self.counters = counters
        self.refused = 0  # since the last report (``ClientLimits.report``), in this process

    def attach(self, counters: LimitCounterStore) -> None:
        self.counters = counters

    async def take(self, key: str, conn: AsyncConnection | None = None) -> bool:
        """Use one for ``key`` (in ``conn``'s transaction, if given); False (and nothing used) when it is empty."""
        if self.counters is None:
            raise RuntimeError("KeyedBuckets.take before the database is attached")
        now = round(self.clock() * 1000)
        if await self.counters.take(self.kind, key, now, self.interval, self.burst, conn):
            return True
        self.refused += 1
        return False


class OpenCount:
    """How many things (open sockets) each key has now, at most ``limit`` each."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.refused = 0
        self._open: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        count = self._open.get(key, 0)
        if count >= self.limit:
            self.refused += 1
            return False
        self._open[key] = count + 1
        return True

    def release(self, key: str) -> None:
        count = self._open.get(key, 0) - 1
        if count > 0:
            self._open[key] = count
        else:
            self._open.pop(key, None)


@dataclass
class ClientLimits:
    """The limits of the web chat (settings ``web_*``), shared by the channel and the hand-off gate."""

    keys: ClientKeys
    conversations: KeyedBuckets  # new conversations per client per minute
    handoffs: KeyedBuckets  # requests for a person per client per hour
    sockets: OpenCount  # open chat sockets per client
    report_every: float = 60.0
    _reported: float = 0.0

    def attach(self, counters: LimitCounterStore) -> None:
        """Count in the database from now on (the app's start-up, once the database is there)."""
        self.conversations.attach(counters)
        self.handoffs.attach(counters)

    def report(self, clock: Callable[[], float] = time.monotonic) -> None:
        """Log how often each limit refused, at most once a ``report_every`` (so a flood cannot flood the log)."""
        now = clock()
        if now - self._reported < self.report_every:
            return
        self._reported = now
        counts: dict[str, KeyedBuckets | OpenCount] = {
            "conversations": self.conversations,
            "handoffs": self.handoffs,
            "sockets": self.sockets,
        }
        refused = {name: limit.refused for name, limit in counts.items() if limit.refused}
        for limit in counts.values():
            limit.refused = 0
        if refused:
            logger.warning("limits per client refused: %s", ", ".join(f"{n} {c}" for n, c in refused.items()))


def client_limits(
    trusted_proxies: tuple[Network, ...],
    conversations_per_minute: int,
    handoffs_per_hour: int,
    sockets_per_address: int,
    secret: str = "",
) -> ClientLimits:
    return ClientLimits(
        keys=ClientKeys(trusted_proxies, secret),
        conversations=KeyedBuckets("conversation", conversations_per_minute, 60.0),
        handoffs=KeyedBuckets("handoff", handoffs_per_hour, 3600.0),
        sockets=OpenCount(sockets_per_address),
    )


CLIENT_LIMITS = web.AppKey("client_limits", ClientLimits)
