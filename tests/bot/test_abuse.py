"""The keys and tables behind the limits per client address (bot/abuse.py)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.abuse import ClientKeys, KeyedBuckets, OpenCount, network_of
from storage.database import create_engine
from storage.limit_counters import LimitCounterStore
from tests.conftest import fresh_database


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_is_an_ipv4_address_or_an_ipv6_64() -> None:
    assert network_of("203.0.113.9") == "203.0.113.9"
    assert network_of("2001:db8:1:2:aaaa::1") == network_of("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert network_of("::ffff:203.0.113.9") == "203.0.113.9"
    assert network_of("fe80::1%eth0") == "fe80::/64"
    assert network_of("") == network_of("not an address") == "unknown"


def test_keys_say_nothing_of_the_address_and_differ_per_process() -> None:
    keys = ClientKeys()
    key = keys.key("203.0.113.9")
    assert key == keys.key("203.0.113.9") and "203.0.113.9" not in key and len(key) == 32
    assert keys.key("2001:db8::1") == keys.key("2001:db8::2")
    assert ClientKeys().key("203.0.113.9") != key, "a random key per process"


def test_a_shared_secret_gives_every_process_the_same_keys() -> None:
    assert ClientKeys(secret="s3cret").key("203.0.113.9") == ClientKeys(secret="s3cret").key("203.0.113.9")
    assert ClientKeys(secret="s3cret").key("203.0.113.9") != ClientKeys(secret="other").key("203.0.113.9")


async def test_buckets_give_a_burst_then_refill_and_prune(database: AsyncEngine) -> None:
    ticks = Ticks()
    store = LimitCounterStore(database)
    buckets = KeyedBuckets("conversation", 3, 60.0, ticks, store)
    assert [await buckets.take("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.refused == 1 and await buckets.take("b")
    ticks.now += 20.0  # 3 a minute: one back every 20 seconds
    assert await buckets.take("a") and not await buckets.take("a")
    assert await store.size() == 2  # "a" and "b": one row each, holding no address
    ticks.now += 120.0
    assert await store.prune(round(ticks.now * 1000)) == 2
    assert await store.size() == 0, "full buckets hold nothing worth keeping"


async def test_a_concurrent_burst_takes_exactly_the_burst_over_two_processes(database_url: str) -> None:
    """Two workers (two buckets, two engines) on one database: forty takes at once, three allowed in all."""
    ticks = Ticks()
    ticks.now = 1_800_000_000.0
    one, two = await fresh_database(database_url), create_engine(database_url)
    try:
        first = KeyedBuckets("handoff", 3, 3600.0, ticks, LimitCounterStore(one))
        second = KeyedBuckets("handoff", 3, 3600.0, ticks, LimitCounterStore(two))
        taken = await asyncio.gather(*(b.take("school") for _ in range(20) for b in (first, second)))
        assert taken.count(True) == 3
        assert first.refused + second.refused == 37
    finally:
        await one.dispose()
        await two.dispose()


def test_open_counts_go_up_and_down() -> None:
    count = OpenCount(2)
    assert count.acquire("a") and count.acquire("a") and not count.acquire("a") and count.acquire("b")
    count.release("a")
    assert count.acquire("a")
    for _ in range(3):
        count.release("a")
    assert count.acquire("a") and count.acquire("a") and not count.acquire("a")
