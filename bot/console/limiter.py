"""Login rate limiting that one attacker cannot turn against other people, and the client's address.

Failures count per (account name, client address) pair: a few wrong passwords for ``bob`` from one
address make only that pair wait, so nobody can lock ``bob`` out from elsewhere. A softer limit per
address (``address_attempts``, higher) slows down one address trying many names. Looking a key up never
adds to the table; old keys are pruned, and the table is capped at ``max_keys``.

The client address is ``request.remote``. Only when that is one of ``console_trusted_proxies`` (IP
addresses or networks; empty by default) do we read ``X-Forwarded-For``, from the right, and take the
first hop that is not a trusted proxy: the hops a client writes itself are further left and ignored.
"""

from __future__ import annotations

import ipaddress
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_KEYS = 10_000


class LoginLimiter:
    """At most ``attempts`` failures per name and address, ``address_attempts`` per address, in ``window``."""

    def __init__(
        self,
        attempts: int,
        window: timedelta,
        clock: Callable[[], datetime],
        address_attempts: int | None = None,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.attempts = attempts
        self.address_attempts = address_attempts or attempts * 4
        self.window = window
        self.clock = clock
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[datetime]] = {}

    def __len__(self) -> int:
        return len(self._failures)

    def _limits(self, name: str, address: str) -> list[tuple[tuple[str, str], int]]:
        return [((name.casefold(), address), self.attempts), (("", address), self.address_attempts)]

    def retry_after(self, name: str, address: str) -> timedelta | None:
        """How long until ``name`` may try again from ``address``; None when it may try now."""
        now = self.clock()
        waits = []
        for key, limit in self._limits(name, address):
            failures = self._failures.get(key)  # a look-up, never an insert
            if failures is None:
                continue
            self._expire(failures, now)
            if len(failures) >= limit:
                waits.append(failures[-limit] + self.window - now)
        return max(waits) if waits else None

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        for key, _limit in self._limits(name, address):
            failures = self._failures.pop(key, None) or deque()
            self._expire(failures, now)
            failures.append(now)
            self._failures[key] = failures  # re-inserted: the dict stays ordered by last failure
        if len(self._failures) > self.max_keys:
            self.prune()

    def succeeded(self, name: str, address: str) -> None:
        """A right password clears that name's failures from this address (not the address's own count)."""
        self._failures.pop((name.casefold(), address), None)

    def prune(self) -> None:
        """Drop keys with no recent failures; over the cap, drop the keys that failed longest ago."""
        now = self.clock()
        for key in list(self._failures):
            self._expire(self._failures[key], now)
            if not self._failures[key]:
                del self._failures[key]
        while len(self._failures) > self.max_keys:
            del self._failures[next(iter(self._failures))]

    def _expire(self, failures: deque[datetime], now: datetime) -> None:
        while failures and failures[0] <= now - self.window:
            failures.popleft()


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: web.Request, trusted: tuple[Network, ...]) -> str:
    """The address a login attempt comes from (see the module's docstring)."""
    remote = request.remote or ""
    if not trusted or not _trusted(remote, trusted):
        return remote
    hops = [hop.strip() for hop in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, trusted):
            return hop
    return remote
