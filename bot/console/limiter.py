"""Login rate limiting that one attacker cannot turn against other people, and the client's address.

Failures count per (account name, client address) pair: a few wrong passwords for ``bob`` from one
address make only that pair wait, so nobody can lock ``bob`` out from elsewhere. A softer limit per
address (``address_attempts``, higher) slows down one address trying many names. Looking a key up never
adds to the table.

The counts live in the database (table ``limit_counters``, ``storage/limit_counters.py``), so several worker
processes share one limit; names and addresses are only ever stored as an HMAC (``ClientKeys.digest`` in
``bot/abuse.py``). Each limit is a token bucket: ``attempts`` at once, then one more per ``window / attempts``
(five per five minutes: five, then one a minute). The housekeeping job deletes rows that no longer count.

An attempt is counted *before* its password is checked (``attempt``: check and count in one atomic statement),
so forty attempts fired at once, at one worker or spread over several, are limited exactly like forty in a
row; a right password then takes its own count back (``succeeded``).

The per-address limit never locks everyone out: many agents behind one unlisted proxy share an address, and
twenty failures there must not stop a colleague who types her right password. So while an address is over
its soft limit, each *name* may still try from it, but only while that name has no failure of its own from
that address still counting: one guess per name instead of ``attempts``. A name-sprayer is slowed to one try
per name; a colleague whose first try is right gets in.

The client address is ``request.remote``. Only when that is one of ``console_trusted_proxies`` (IP
addresses or networks; empty by default) do we read ``X-Forwarded-For``, from the right, and take the
first hop that is not a trusted proxy: the hops a client writes itself are further left and ignored.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from aiohttp import web

from storage.limit_counters import LimitCounterStore

logger = logging.getLogger(__name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
PAIR, ADDRESS = "login", "login_address"  # the kinds of limit_counters rows


class LoginLimiter:
    """At most ``attempts`` failures per name and address, ``address_attempts`` per address, per ``window``."""

    def __init__(
        self,
        attempts: int,
        window: timedelta,
        clock: Callable[[], datetime],
        counters: LimitCounterStore,
        digest: Callable[[str], str],
        address_attempts: int | None = None,
    ) -> None:
        self.attempts = attempts
        self.address_attempts = address_attempts or attempts * 4
        self.window = round(window.total_seconds() * 1000)  # milliseconds, like the counters
        self.clock = clock
        self.counters = counters
        self.digest = digest
        self.proxy_warning = ProxyWarning()

    def _now(self) -> int:
        return round(self.clock().timestamp() * 1000)

    def _keys(self, name: str, address: str) -> tuple[str, str]:
        return self.digest(f"{name.casefold()}\n{address}"), self.digest(address)

    @property
    def _interval(self) -> int:
        return max(1, self.window // self.attempts)

    @property
    def _address_interval(self) -> int:
        return max(1, self.window // self.address_attempts)

    async def _burst(self, address_key: str, now: int) -> int:
        """How many tries a name has from this address: ``attempts``; one while the address is over its limit."""
        full_at = await self.counters.full_at(ADDRESS, address_key)
        over = full_at is not None and full_at - now + self._address_interval > self.window
        return 1 if over else self.attempts

    async def _wait(self, pair_key: str, now: int, burst: int) -> timedelta | None:
        full_at = await self.counters.full_at(PAIR, pair_key)
        wait = max(full_at or now, now) + self._interval - now - burst * self._interval
        return timedelta(milliseconds=wait) if wait > 0 else None

    async def retry_after(self, name: str, address: str) -> timedelta | None:
        """How long until ``name`` may try again from ``address``; None when it may try now (a look-up only)."""
        now = self._now()
        pair, by_address = self._keys(name, address)
        return await self._wait(pair, now, await self._burst(by_address, now))

    async def attempt(self, name: str, address: str) -> timedelta | None:
        """Count one attempt now (before the password is checked); how long to wait when it may not be made."""
        now = self._now()
        pair, by_address = self._keys(name, address)
        burst = await self._burst(by_address, now)
        if not await self.counters.take(PAIR, pair, now, self._interval, burst):
            return await self._wait(pair, now, burst) or timedelta(milliseconds=self._interval)
        await self.counters.charge(ADDRESS, by_address, now, self._address_interval, self.window)
        return None

    async def failed(self, name: str, address: str) -> None:
        """Count a failure without checking the limit (what ``attempt`` does when the attempt is allowed)."""
        now = self._now()
        pair, by_address = self._keys(name, address)
        await self.counters.charge(PAIR, pair, now, self._interval, self.window)
        await self.counters.charge(ADDRESS, by_address, now, self._address_interval, self.window)

    async def succeeded(self, name: str, address: str) -> None:
        """A right password clears that name's failures from this address and takes back the address's count
        of this attempt (``attempt`` counted it before the password was checked)."""
        pair, by_address = self._keys(name, address)
        await self.counters.forget(PAIR, pair)
        await self.counters.give_back(ADDRESS, by_address, self._address_interval)

    async def size(self) -> int:
        """Rows this limiter holds now (pruned ones excluded)."""
        return await self.counters.size(PAIR) + await self.counters.size(ADDRESS)


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class ProxyWarning:
    """Warn once when requests carry ``X-Forwarded-For`` from a peer that is not a trusted proxy.

    That is what a reverse proxy missing from ``console_trusted_proxies`` looks like: every client then seems
    to come from the proxy's address and shares its limits. (A client may also send the header itself, so
    this is a warning for the operator, never a reason to trust the header.)
    """

    def __init__(self) -> None:
        self.warned = False

    def check(self, request: web.Request, trusted: tuple[Network, ...]) -> None:
        if self.warned or "X-Forwarded-For" not in request.headers:
            return
        if _trusted(request.remote or "", trusted):
            return
        self.warned = True
        logger.warning(
            "requests from a %s address carry X-Forwarded-For, but that address is not in "
            "console_trusted_proxies (it is not logged: without a proxy it is a user's own). If you run a reverse "
            "proxy, list its address there (console_trusted_proxies or WEGWIJZER_CONSOLE_TRUSTED_PROXIES), or "
            "every agent seems to come from the proxy and shares its login limit and the web chat's limits per "
            "address. The header is ignored until then.",
            _kind_of(request.remote or ""),
        )


def _kind_of(address: str) -> str:
    """Loopback, private or public: enough to tell a proxy on this machine or network from a user."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    return "loopback" if ip.is_loopback else "private-network" if ip.is_private else "public"


def client_address(request: web.Request, trusted: tuple[Network, ...], warning: ProxyWarning | None = None) -> str:
    """The address a login attempt comes from (see the module's docstring)."""
    remote = request.remote or ""
    if warning is not None:
        warning.check(request, trusted)
    if not trusted or not _trusted(remote, trusted):
        return remote
    hops = [hop.strip() for hop in ",".join(request.headers.getall("X-Forwarded-For", [])).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, trusted):
            return hop
    return remote
