"""What the product counts for Prometheus (prometheus-client), one set per app, read at ``/metrics``.

Each ``Metrics`` has its own ``CollectorRegistry``, never the library's global ``REGISTRY``: the app factory
makes one per app (``bot.appkeys.METRICS``), so tests that build many apps count independently. A part built
without one (a test's engine, the terminal) makes its own, which nobody reads.

Counters and histograms are per process: each worker of a deployment is scraped on its own, and Prometheus
adds them up (``sum by (channel) (rate(wegwijzer_turn_seconds_count[5m]))``). The gauges that come from the
database (queue, outbox) are the deployment's, read when ``/metrics`` is scraped (``bot.metrics_page``).

No label identifies a person: labels are only a channel, an outcome code, a crisis kind or a reason, never a chat
id, a conversation id, an agent or a text.
"""

from __future__ import annotations

import logging

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from storage.unit_of_work import UnitOfWork

logger = logging.getLogger(__name__)

# A turn is a few milliseconds when all is well; the slow end shows a database that makes it wait.
TURN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The counters, histograms and gauges of one app, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.turn_seconds = Histogram(
            "wegwijzer_turn_seconds",
            "Turns handled (a message in, its answer stored) and how long each took, its conversation's lock included",
            ["channel"],
            buckets=TURN_BUCKETS,
            registry=registry,
        )
        self.turns_failed = Counter(
            "wegwijzer_turns_failed",
            "Turns that raised (nothing of them was kept), per channel",
            ["channel"],
            registry=registry,
        )
        self.handoffs_ended = Counter(
            "wegwijzer_handoffs_ended",
            "Hand-offs to a person that ended, by outcome code",
            ["outcome"],
            registry=registry,
        )
        self.crisis_flags = Counter(
            "wegwijzer_crisis_flags",
            "Crisis words found in a user's text, by kind of danger",
            ["kind"],
            registry=registry,
        )
        self.send_failures = Counter(
            "wegwijzer_send_failures",
            "Messages a channel failed to send: refused (dropped), network (tried again later), gave_up (dropped "
            "after the last try), error (dropped)",
            ["channel", "reason"],
            registry=registry,
        )
        self.bot_api_429 = Counter(
            "wegwijzer_bot_api_429",
            "Telegram Bot API answers 429 (too many requests; the row waits)",
            registry=registry,
        )
        self.queue_length = Gauge(
            "wegwijzer_queue_length", "Hand-offs waiting for a person (the whole deployment)", registry=registry
        )
        self.queue_oldest_wait = Gauge(
            "wegwijzer_queue_oldest_wait_seconds",
            "How long the first request of the longest waiting hand-off is ago (0 when none waits)",
            registry=registry,
        )
        self.handoffs_live = Gauge(
            "wegwijzer_handoffs_live", "Hand-offs a person has now (the whole deployment)", registry=registry
        )
        self.outbox_backlog = Gauge(
            "wegwijzer_outbox_backlog",
            "Messages in the outbox still to send, per channel",
            ["channel"],
            registry=registry,
        )
        self.web_sockets_open = Gauge(
            "wegwijzer_web_sockets_open", "Open web chat sockets in this process", registry=registry
        )

    def turn(self, channel: str, seconds: float) -> None:
        self.turn_seconds.labels(channel).observe(seconds)

    def turn_failed(self, channel: str) -> None:
        self.turns_failed.labels(channel).inc()

    def handoff_ended(self, outcome: str, work: UnitOfWork | None = None) -> None:
        """One hand-off ended with ``outcome`` (its code: ``referred``, not ``referred:<organisation>``).

        With ``work``: counted once that unit of work is committed (a rolled back turn counts nothing).
        """
        self._when_committed(work, self.handoffs_ended.labels(outcome.partition(":")[0]))

    def crisis(self, kind: str, work: UnitOfWork | None = None) -> None:
        """Crisis words of ``kind`` found; with ``work``, counted once it is committed."""
        self._when_committed(work, self.crisis_flags.labels(kind))

    def send_failed(self, channel: str, reason: str) -> None:
        self.send_failures.labels(channel, reason).inc()

    def too_many_requests(self) -> None:
        """The Bot API answered 429."""
        self.bot_api_429.inc()

    @staticmethod
    def _when_committed(work: UnitOfWork | None, counter: Counter) -> None:
        if work is None:
            counter.inc()
            return

        async def count() -> None:
            counter.inc()

        work.after_commit(count)
