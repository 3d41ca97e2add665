"""The keys and tables behind the limits per client address (bot/abuse.py)."""

from __future__ import annotations

from bot.abuse import ClientKeys, KeyedBuckets, OpenCount, network_of


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


def test_buckets_give_a_burst_then_refill_and_stay_small() -> None:
    ticks = Ticks()
    buckets = KeyedBuckets(3, 60.0, ticks, max_keys=100)
    assert [buckets.take("a") for _ in range(4)] == [True, True, True, False]
    assert buckets.refused == 1 and buckets.take("b")
    ticks.now += 20.0  # 3 a minute: one back every 20 seconds
    assert buckets.take("a") and not buckets.take("a")
    for i in range(500):
        buckets.take(f"many-{i}")
    assert len(buckets) <= 100
    ticks.now += 120.0
    buckets.prune()
    assert len(buckets) == 0, "full buckets hold nothing worth keeping"


def test_open_counts_go_up_and_down() -> None:
    count = OpenCount(2)
    assert count.acquire("a") and count.acquire("a") and not count.acquire("a") and count.acquire("b")
    count.release("a")
    assert count.acquire("a")
    for _ in range(3):
        count.release("a")
    assert count.acquire("a") and count.acquire("a") and not count.acquire("a")
