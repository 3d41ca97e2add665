"""Login rate limiting that one attacker cannot turn against other people, and the client's address.

Failures count per (account name, client address) pair: a few wrong passwords for ``bob`` from one
address make only that pair wait, so nobody can lock ``bob`` out from elsewhere. A softer limit per
address (``address_attempts``, higher) slows down one address trying many names. Looking a key up never
adds to the table; old keys are pruned, and the table is capped at ``max_keys``.

An attempt is counted *before* its password is checked (``attempt``: check and count in one step, with no
``await`` in between), so forty attempts fired at once are limited exactly like forty in a row; a right
password then takes its own count back (``succeeded``).

The per-address limit never locks everyone out: many agents behind one unlisted proxy share an address, and
twenty failures there must not stop a colleague who types her right password. So while an address is over
its soft limit, each *name* may still try from it, but only while that name has no failure of its own from
that address in the window: one guess per name per window instead of ``attempts``. A name-sprayer is slowed
to one try per name; a colleague whose first try is right gets in.

The client address is ``request.remote``. Only when that is one of ``console_trusted_proxies`` (IP
addresses or networks; empty by default) do we read ``X-Forwarded-For``, from the right, and take the
first hop that is not a trusted proxy: the hops a client writes itself are further left and ignored.
"""

from __future__ import annotations

import ipaddress
import logging
from collections import deque
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from aiohttp import web

logger = logging.getLogger(__name__)

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
        self.proxy_warning = ProxyWarning()

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

    def attempt(self, name: str, address: str) -> timedelta | None:
        """Count one attempt now (before the password is checked); how long to wait when it may not be made."""
        now = self.clock()
        pair, by_address = self._limits(name, address)
        mine = self._recent(pair[0], now)
        if len(mine) >= pair[1]:
            return mine[-pair[1]] + self.window - now
        if mine and len(self._recent(by_address[0], now)) >= by_address[1]:
            return mine[-1] + self.window - now  # the address is over its soft limit: one try per name
        self.failed(name, address)
        return None

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        failures = self._failures.get(key)  # a look-up, never an insert
        if failures is None:
            return deque()
        self._expire(failures, now)
        return failures

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
        """A right password clears that name's failures from this address and takes back the address's count
        of this attempt (``attempt`` counted it before the password was checked)."""
        self._failures.pop((name.casefold(), address), None)
        by_address = self._failures.get(("", address))
        if by_address:
            by_address.pop()
            if not by_address:
                del self._failures[("", address)]

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
            "requests from %s carry X-Forwarded-For, but that address is not in console_trusted_proxies: if it is "
            'your reverse proxy, list it there (e.g. console_trusted_proxies = ["%s"] or '
            "WEGWIJZER_CONSOLE_TRUSTED_PROXIES), or every agent seems to come from the proxy and shares its "
            "login limit and the web chat's limits per address. The header is ignored until then.",
            request.remote,
            request.remote,
        )


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
