"""Limits per client address that stop one script from flooding the web chat and the queue.

The address itself is never kept or logged. ``ClientKeys`` turns it into an opaque key: an HMAC with a random
key made when the process starts, so the tables below cannot be turned back into addresses, not even from a
memory dump of a later process. IPv6 counts per /64 (one household or one phone network gets a /64; an attacker
gets billions of addresses inside one). Behind a reverse proxy the address comes from ``X-Forwarded-For`` only
when the proxy is one of ``console_trusted_proxies`` (``bot.console.limiter.client_address``).

Everything is in memory, per process: a restart forgets it, which is fine for limits meant for minutes and
hours. Each table is capped (``MAX_KEYS``), so many addresses cannot fill the memory either.
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

from bot.console.limiter import Network, client_address

logger = logging.getLogger(__name__)

MAX_KEYS = 100_000
IPV6_PREFIX = 64


class ClientKeys:
    """Network address → opaque key (IPv6: its /64). Unreadable addresses share one key."""

    def __init__(self, trusted_proxies: tuple[Network, ...] = ()) -> None:
        self.trusted = trusted_proxies
        self._secret = secrets.token_bytes(32)

    def of(self, request: web.Request) -> str:
        return self.key(client_address(request, self.trusted))

    def key(self, address: str) -> str:
        return hmac.new(self._secret, network_of(address).encode(), hashlib.sha256).hexdigest()[:32]


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
    """A token bucket per key: ``burst`` at once, refilled at ``burst`` per ``per_seconds``.

    So "20 per minute" lets 20 through at once and then one every 3 seconds. A key whose bucket is full again
    holds no information and is dropped when the table is pruned.
    """

    def __init__(
        self,
        burst: int,
        per_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.burst = burst
        self.rate = burst / per_seconds
        self.clock = clock
        self.max_keys = max_keys
        self.refused = 0  # since the last report (``report``)
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, at)

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, key: str) -> bool:
        """Use one for ``key``; False (and nothing used) when its bucket is empty."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            self.refused += 1
            return False
        self._buckets.pop(key, None)
        self._buckets[key] = (tokens - 1.0, now)  # re-inserted: the oldest use comes first
        if len(self._buckets) > self.max_keys:
            self.prune()
        return True

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + max(0.0, now - at) * self.rate)

    def prune(self) -> None:
        """Drop full buckets; over the cap, the keys used longest ago."""
        now = self.clock()
        for key in [k for k in self._buckets if self._tokens(k, now) >= self.burst]:
            del self._buckets[key]
        while len(self._buckets) > self.max_keys:
            del self._buckets[next(iter(self._buckets))]


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
) -> ClientLimits:
    return ClientLimits(
        keys=ClientKeys(trusted_proxies),
        conversations=KeyedBuckets(conversations_per_minute, 60.0),
        handoffs=KeyedBuckets(handoffs_per_hour, 3600.0),
        sockets=OpenCount(sockets_per_address),
    )


CLIENT_LIMITS = web.AppKey("client_limits", ClientLimits)
