"""The delivery loop: per configured channel, the watches' matches it has not delivered,
sent, then written to the archive's delivery log.

At least once, at most one duplicate: a (watch, story, channel) row is written only
after the server accepted the message that carried it (SMTP's reply to the data, the
Bot API's ok), so a crash between the two sends that message once more at the next
attempt, and never loses one.  Telegram digests are recorded message by message, so a
crash repeats one message at most.  A channel that fails keeps its matches pending and
never stops the other channel or the crawl that called it.  One delivery at a time per
data dir (a lock file): two runs finishing together do not send the same match twice.
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from indexer.sql import held_lock
from search import watch as watches
from search.i18n import _
from search.notify import ChannelError, messages
from search.watch import App  # the application layer, as a protocol (no import loop)

WINDOW_DAYS = 30  # without --since, matches archived in the last 30 days are delivered


@dataclass
class Report:
    channel: str
    sent: int = 0  # stories delivered now
    messages: int = 0
    pending: int = 0  # stories left for the next attempt
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def line(self) -> str:
        if self.error:
            return f"{self.channel}: " + _("failed, {pending} pending: {error}").format(
                pending=self.pending, error=self.error)
        if not self.sent:
            return f"{self.channel}: " + _("nothing new")
        return f"{self.channel}: " + _("{sent} stories delivered in {messages} messages").format(
            sent=self.sent, messages=self.messages)

    def to_json(self) -> dict[str, Any]:
        return {"channel": self.channel, "ok": self.ok, "sent": self.sent,
                "messages": self.messages, "pending": self.pending, "error": self.error}


def window_start(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return (now - timedelta(days=WINDOW_DAYS)).replace(microsecond=0).isoformat()


def pending(app: App, archive: Any, channel: str, since: str | None) -> list[dict[str, Any]]:
    """Per watch, its matches among the articles archived at or after `since` (UTC ISO; None:
    the last WINDOW_DAYS days) and after the watch's backfill boundary, that `channel` has
    not delivered."""
    zone = app.zone
    since = since or window_start()
    groups = []
    cache: dict[str, list[str]] = {}
    for watch in archive.watches():
        start = max(since, str(watch["send_from"]))
        if start not in cache:
            cache[start] = archive.archived_since(start)
        done = archive.delivered(watch["name"], channel)
        hits = [e for e in watches.entries(app, archive, watch, cache[start], zone)
                if e["story"] not in done]
        groups.append({"watch": watch["name"], "query": watch["query"], "hits": hits})
    return groups


@contextmanager
def _one_at_a_time(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # the other delivery ends within its timeouts
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def deliver(app: App, since: str | None, sleep: Callable[[float], None] | None = None
            ) -> list[Report]:
    """Every configured channel, one after the other; a report for each."""
    from search.notify import email, telegram

    config = app.config
    if config is None or not config.notify.channels:
        return []
    web = config.notify.web
    reports = []
    app.data_dir.ensure_writable()
    database = app.data_dir.database
    one_at_a_time = (held_lock(database, "notify") if database  # workers on many machines
                     else _one_at_a_time(app.data_dir.root / "notify.lock"))
    with one_at_a_time, app.data_dir.open_archive() as archive:
        for channel in config.notify.channels:
            report = Report(channel.name)
            groups = pending(app, archive, channel.name, since)
            left = messages.count(groups)
            try:
                if left and channel.name == "email":
                    subject, text, html = messages.email(groups, web, config.timezone)
                    sent = [(g["watch"], h["story"], h["id"]) for g in groups for h in g["hits"]]
                    try:
                        email.send(channel, email.build(channel, subject, text, html))
                    except email.PartlyRefused as exc:
                        report.error = str(exc)  # delivered to the others: recorded
                    archive.record_deliveries(channel.name, sent)
                    report.sent, report.messages, left = len(sent), 1, 0
                elif left:
                    for chunk in messages.telegram(groups, web):
                        telegram.send(channel, chunk.text,
                                      **({"sleep": sleep} if sleep else {}))
                        archive.record_deliveries(channel.name, chunk.items)
                        report.sent += len(chunk.items)
                        report.messages += 1
                        left -= len(chunk.items)
            except ChannelError as exc:
                report.error = str(exc)
            report.pending = left
            archive.record_attempt(channel.name, ok=report.error is None, error=report.error,
                                   sent=report.sent, pending=left)
            reports.append(report)
    return reports
