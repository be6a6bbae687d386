"""Several crawl workers, one frontier: `NEWSMON_QUEUE=redis://HOST:PORT/DB` (or `--queue`).

Without a queue a crawl is one process and everything here is unused.  With one, every
`newsmon crawl` (and every crawl `newsmon schedule` starts) is a worker of a shared crawl:

- **The queue.**  Every request a worker makes (feeds, sitemaps, listings, articles,
  redirects and retries) is a small JSON item in Redis: a hash of items, one list per source
  and priority band, and a count of each source's outstanding items.  A worker pops the next
  item of its sources (an atomic Lua script, which also gives it a *lease*: a deadline in a
  sorted set), fetches it, and acks it when done: for an article, only once the article is
  committed to the archive.  A worker renews the leases it holds every `lease/4` seconds; a
  lease not renewed (the worker was killed with -9, or its machine died) expires and any
  other worker puts the item back at the head of its queue.  An item reclaimed `MAX_TRIES`
  times is dropped.
- **Rounds.**  A source's crawl starts with one *seed* item, pushed only when the source has
  nothing outstanding; whoever pops it reads the source's feeds, sitemaps and listings and
  the archive's frontier.  Workers started together thus share one round; each worker exits
  when its sources have nothing queued or in flight anywhere.
- **Dedup.**  An article URL (normalized) is claimed in a Redis set in the same script that
  queues it: a URL already claimed is never queued again, by any worker.  The claim stays
  after the article is archived (another worker's list of archived URLs may be older), and
  is dropped when the fetch failed, so that a later round tries again.
- **Politeness.**  A downloader middleware, the last before the download, asks Redis for a
  per-host slot: at most `concurrency` requests in flight on the host across all workers,
  and with a `delay`, one request at a time that starts `delay` seconds after the previous
  one's answer, whichever worker sent it.  Slots are leases too, renewed with the queue's.

Why not scrapy-redis: its queue pops destructively (a worker killed with -9 loses the
requests it holds), its duplicate filter keys on request fingerprints while newsmon's
requests are `dont_filter` (a redirect loop must be reported, not filtered) and dedup is on
normalized URLs, it pickles whole requests into Redis, and its per-host politeness is
per worker.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from indexer.i18n import _

log = logging.getLogger("newsmon.queue")

DEFAULT_LEASE = 60.0      # seconds a popped item or a host slot stays with a silent worker
MAX_TRIES = 3             # reclaimed this often, an item is dropped (it kills its workers)
SCHEMES = ("redis", "rediss", "unix")
_DROPPED_META = {"download_slot", "download_latency", "depth"}


class QueueError(ValueError):
    """The queue URL is wrong."""


class QueueUnreachable(RuntimeError):
    """Redis does not answer at the queue URL."""


@dataclass(frozen=True)
class QueueURL:
    redis: str           # what redis-py is given
    prefix: str = "newsmon"
    lease: float = DEFAULT_LEASE
    requests: int | None = None   # this worker's requests in flight (Scrapy's CONCURRENT_REQUESTS)

    @classmethod
    def parse(cls, url: str) -> QueueURL:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES:
            raise QueueError(_("queue URL must start with redis://, rediss:// or unix://, not "
                               "{url!r}").format(url=url))
        ours: dict[str, str] = {}
        theirs = []
        for key, value in parse_qsl(parts.query):
            (ours.__setitem__(key, value) if key in ("prefix", "lease", "requests")
             else theirs.append((key, value)))
        try:
            lease = float(ours.get("lease", DEFAULT_LEASE))
            requests = int(ours["requests"]) if "requests" in ours else None
        except ValueError:
            raise QueueError(_("queue URL {url!r}: lease and requests must be numbers").format(
                url=url)) from None
        if not 0.5 <= lease <= 3600 or (requests is not None and not 1 <= requests <= 256):
            raise QueueError(_("queue URL {url!r}: lease must be 0.5–3600 s, requests "
                               "1–256").format(url=url))
        prefix = ours.get("prefix", "newsmon")
        redis_url = urlunsplit(parts._replace(query=urlencode(theirs)))
        return cls(redis_url, prefix, lease, requests)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))


_NOW = "local t = redis.call('TIME') local now = t[1] * 1000 + math.floor(t[2] / 1000) "

# KEYS items pending queue claims leases tries; ARGV id payload slug claim old
_PUSH = """
if ARGV[4] ~= '' and redis.call('SADD', KEYS[4], ARGV[4]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('RPUSH', KEYS[3], ARGV[1])
if ARGV[5] ~= '' and redis.call('HDEL', KEYS[1], ARGV[5]) == 1 then
  redis.call('ZREM', KEYS[5], ARGV[5])
  redis.call('HDEL', KEYS[6], ARGV[5])
else
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
end
return 1
"""
# KEYS pending items queue; ARGV slug id payload
_BEGIN = """
if tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0') > 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
"""
# KEYS items leases queue...; ARGV lease_ms
_POP = _NOW + """
for i = 3, #KEYS do
  while true do
    local id = redis.call('LPOP', KEYS[i])
    if not id then break end
    local payload = redis.call('HGET', KEYS[1], id)
    if payload then
      redis.call('ZADD', KEYS[2], now + tonumber(ARGV[1]), id)
      return {id, payload}
    end
  end
end
return false
"""
# KEYS items leases pending claims tries; ARGV id slug unclaim
_ACK = """
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
end
if ARGV[3] ~= '' then redis.call('SREM', KEYS[4], ARGV[3]) end
return 1
"""
# KEYS items leases; ARGV id queue-key
_NACK = """
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('LPUSH', ARGV[2], ARGV[1])
end
return 1
"""
# KEYS zset...; ARGV lease_ms member...  (KEYS[i] holds ARGV[i + 1])
_RENEW = _NOW + """
for i = 1, #KEYS do redis.call('ZADD', KEYS[i], 'XX', now + tonumber(ARGV[1]), ARGV[i + 1]) end
return #KEYS
"""
# KEYS items leases pending tries; ARGV prefix max_tries
_RECLAIM = _NOW + """
local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 200)
local back = 0
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[2], id)
  local payload = redis.call('HGET', KEYS[1], id)
  if payload then
    local item = cjson.decode(payload)
    if redis.call('HINCRBY', KEYS[4], id, 1) > tonumber(ARGV[2]) then
      redis.call('HDEL', KEYS[1], id)
      redis.call('HDEL', KEYS[4], id)
      if redis.call('HINCRBY', KEYS[3], item.s, -1) <= 0 then
        redis.call('HDEL', KEYS[3], item.s)
      end
    else
      redis.call('LPUSH', ARGV[1] .. ':q:' .. item.s .. ':' .. item.q, id)
      back = back + 1
    end
  end
end
return back
"""
# KEYS busy gap; ARGV token capacity lease_ms -> 0 granted, >0 ms to wait, -1 full
_ACQUIRE = _NOW + """
if redis.call('EXISTS', KEYS[2]) == 1 then
  local wait = redis.call('PTTL', KEYS[2])
  if wait < 1 then wait = 1 end
  return wait
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return 0
"""
# KEYS busy gap; ARGV token delay_ms
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2]) end
return 1
"""


class Frontier:
    """The shared frontier in Redis: queue, leases, claims, rounds and host slots."""

    def __init__(self, url: QueueURL, client: Any = None) -> None:
        import redis

        self.url = url
        self.lease_ms = _ms(url.lease)
        self.redis = client or redis.Redis.from_url(url.redis, socket_timeout=10,
                                                    health_check_interval=30)
        p = url.prefix
        self.items, self.pending, self.leases = f"{p}:items", f"{p}:pending", f"{p}:leases"
        self.claims, self.tries = f"{p}:claims", f"{p}:tries"
        self._scripts = {name: self.redis.register_script(text) for name, text in (
            ("push", _PUSH), ("begin", _BEGIN), ("pop", _POP), ("ack", _ACK), ("nack", _NACK),
            ("renew", _RENEW), ("reclaim", _RECLAIM), ("acquire", _ACQUIRE),
            ("release", _RELEASE))}

    @classmethod
    def connect(cls, url: str) -> Frontier:
        import redis

        frontier = cls(QueueURL.parse(url))
        try:
            frontier.redis.ping()
        except redis.RedisError as exc:
            raise QueueUnreachable(_("cannot reach the queue at {url}: {error}").format(
                url=url, error=exc)) from None
        return frontier

    def queue_key(self, slug: str, band: int) -> str:
        return f"{self.url.prefix}:q:{slug}:{band}"

    def _run(self, name: str, keys: list[str], args: list[Any]) -> Any:
        return self._scripts[name](keys=keys, args=args)

    # --- items ------------------------------------------------------------------------------

    def begin_round(self, slug: str) -> bool:
        """Queue the source's seed item unless it has work outstanding; True if queued."""
        item_id = f"{slug}:seed:{uuid.uuid4().hex}"
        payload = json.dumps({"s": slug, "q": 1, "seed": True})
        return bool(self._run("begin", [self.pending, self.items, self.queue_key(slug, 1)],
                              [slug, item_id, payload]))

    def push(self, slug: str, band: int, payload: dict[str, Any], claim: str = "",
             replaces: str = "") -> str | None:
        """Queue an item; None if `claim` was already claimed.  `replaces`: the leased item
        this one continues (a redirect or a retry), acked in the same step."""
        item_id = f"{slug}:{uuid.uuid4().hex}"
        body = json.dumps({**payload, "s": slug, "q": band}, ensure_ascii=False)
        done = self._run("push", [self.items, self.pending, self.queue_key(slug, band),
                                  self.claims, self.leases, self.tries],
                         [item_id, body, slug, claim, replaces])
        return item_id if done else None

    def pop(self, slugs: list[str]) -> tuple[str, dict[str, Any]] | None:
        keys = [self.queue_key(s, 1) for s in slugs] + [self.queue_key(s, 0) for s in slugs]
        found = self._run("pop", [self.items, self.leases, *keys], [self.lease_ms])
        if not found:
            return None
        item_id, payload = found
        return item_id.decode(), json.loads(payload)

    def ack(self, item_id: str, slug: str, unclaim: str = "") -> None:
        self._run("ack", [self.items, self.leases, self.pending, self.claims, self.tries],
                  [item_id, slug, unclaim])

    def nack(self, item_id: str, slug: str, band: int) -> None:
        """Give a leased item back at the head of its queue (a worker stopping)."""
        self._run("nack", [self.items, self.leases], [item_id, self.queue_key(slug, band)])

    def renew(self, held: Iterable[tuple[str, str]]) -> None:
        """New deadlines for (sorted set, member) leases this worker holds."""
        held = list(held)
        for start in range(0, len(held), 500):
            part = held[start:start + 500]
            self._run("renew", [key for key, _ in part],
                      [self.lease_ms, *[member for _, member in part]])

    def reclaim(self) -> int:
        """Expired leases back to their queues; how many went back."""
        return int(self._run("reclaim", [self.items, self.leases, self.pending, self.tries],
                             [self.url.prefix, MAX_TRIES]))

    def outstanding(self, slugs: list[str]) -> int:
        """Items of these sources queued or in flight, on any worker."""
        counts = self.redis.hmget(self.pending, slugs) if slugs else []
        return sum(int(c) for c in counts if c)

    @staticmethod
    def claim_key(url: str) -> str:
        from indexer.article import normalize_url

        return hashlib.sha1(normalize_url(url).encode()).hexdigest()[:24]

    # --- schedules --------------------------------------------------------------------------

    def claim_due(self, slug: str, seconds: float) -> bool:
        """One `newsmon schedule` of many starts a source's run per interval."""
        key = f"{self.url.prefix}:due:{slug}"
        return bool(self.redis.set(key, os.getpid(), nx=True, px=_ms(max(1.0, seconds - 1))))

    # --- host slots -------------------------------------------------------------------------

    def host_keys(self, host: str) -> tuple[str, str]:
        return f"{self.url.prefix}:busy:{host}", f"{self.url.prefix}:gap:{host}"

    def acquire(self, host: str, token: str, capacity: int) -> int:
        return int(self._run("acquire", list(self.host_keys(host)),
                             [token, capacity, self.lease_ms]))

    def release(self, host: str, token: str, delay: float) -> None:
        self._run("release", list(self.host_keys(host)),
                  [token, int(delay * 1000) if delay > 0 else 0])

    def drop(self) -> None:
        """Delete every key of this prefix (tests, and a fresh start)."""
        keys = list(self.redis.scan_iter(match=f"{self.url.prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            self.redis.delete(*keys[start:start + 500])


# --- Scrapy ---------------------------------------------------------------------------------


def apply(settings: dict[str, Any], url: str) -> dict[str, Any]:
    """The crawl's Scrapy settings for a worker of a shared crawl.

    Delays move from Scrapy's per-process slots (and AutoThrottle, which adapts them per
    process) to the shared host slots; each worker still keeps a host's concurrency."""
    parsed = QueueURL.parse(url)
    slots = settings.get("DOWNLOAD_SLOTS", {})
    out = {**settings}
    out["NEWSMON_QUEUE"] = url
    out["NEWSMON_POLITENESS"] = {host: (float(s["delay"]), int(s["concurrency"]))
                                 for host, s in slots.items()}
    out["DOWNLOAD_SLOTS"] = {host: {**s, "delay": 0} for host, s in slots.items()}
    out["DOWNLOAD_DELAY"] = 0
    out["AUTOTHROTTLE_ENABLED"] = False
    out["SCHEDULER"] = "crawler.queue.SharedScheduler"
    out["DOWNLOADER_MIDDLEWARES"] = {**settings.get("DOWNLOADER_MIDDLEWARES", {}),
                                     "crawler.queue.SharedPoliteness": 950}
    if parsed.requests:
        out["CONCURRENT_REQUESTS"] = parsed.requests
    return out


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


class SharedScheduler:
    """Scrapy's scheduler, replaced: requests go to the Redis frontier and come back from it."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.frontier = Frontier.connect(crawler.settings["NEWSMON_QUEUE"])
        crawler.newsmon_queue = self
        self.held: dict[str, tuple[str, int]] = {}   # item id -> (slug, band)
        self.slots: dict[str, str] = {}              # host slot token -> busy key
        self.spider: Any = None
        self.slugs: list[str] = []
        self.turn = 0
        self.loop: Any = None
        self.reclaimed = 0

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedScheduler:
        return cls(crawler)

    def open(self, spider: Any) -> None:
        from twisted.internet import task

        self.spider = spider
        spider.shared = self
        self.slugs = list(spider.sources)
        for slug in self.slugs:
            if self.frontier.begin_round(slug):
                log.info("%s: new round queued", slug)
            else:
                log.info("%s: joining the round in progress", slug)
        interval = min(1.0, self.frontier.url.lease / 4)
        # leases are renewed from a thread: cleaning a page may hold the reactor for seconds
        self.stopping = threading.Event()
        self.heart = threading.Thread(target=self.heartbeat, args=(interval,), daemon=True,
                                      name="newsmon-queue-heartbeat")
        self.heart.start()
        self.loop = task.LoopingCall(self.kick)
        self.loop.start(min(0.5, interval), now=False)

    def close(self, reason: str) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self.stopping.set()
        self.heart.join(timeout=5)
        for item_id, (slug, band) in list(self.held.items()):
            self.frontier.nack(item_id, slug, band)   # back for another worker, at once
        self.held.clear()

    def heartbeat(self, interval: float) -> None:
        while not self.stopping.wait(interval):
            try:
                held = [(self.frontier.leases, i) for i in list(self.held)]
                held += [(busy, token) for token, busy in list(self.slots.items())]
                self.frontier.renew(held)
                if back := self.frontier.reclaim():
                    self.reclaimed += back
                    log.warning("%d expired leases back in the queue (a worker stopped "
                                "answering)", back)
            except Exception:  # a Redis hiccup must not stop the heart; leases outlast a few
                log.exception("queue heartbeat failed")

    def kick(self) -> None:
        """The engine asks the scheduler again only every 5 s after it had nothing: work
        another worker queued (or a reclaimed lease) is taken up at once."""
        try:
            if self.frontier.outstanding(self.slugs):
                slot = getattr(self.crawler.engine, "_slot", None)
                if slot is not None:
                    slot.nextcall.schedule()
        except Exception:
            log.exception("queue poll failed")

    def has_pending_requests(self) -> bool:
        return self.frontier.outstanding(self.slugs) > 0

    # --- in ---------------------------------------------------------------------------------

    def enqueue_request(self, request: Any) -> bool:
        meta = request.meta
        slug = meta.get("newsmon_source")
        if slug not in self.spider.sources:
            return False
        replaces = meta.get("newsmon_lease", "")
        claim = self.frontier.claim_key(meta["newsmon_article"]) if (
            meta.get("newsmon_article") and not replaces) else ""
        band = 1 if request.priority > 0 else 0
        item_id = self.frontier.push(slug, band, self._dump(request), claim=claim,
                                     replaces=replaces)
        if replaces:
            self.held.pop(replaces, None)
        if item_id is None:
            # another worker has this article: this one's budget is given back
            self.crawler.stats.inc_value("newsmon/claimed_elsewhere")
            self.spider.requested -= 1
            self.spider.budget.spent[slug] -= 1
            return True
        return True

    def _dump(self, request: Any) -> dict[str, Any]:
        meta = request.meta
        kwargs = {k: v for k, v in request.cb_kwargs.items() if k != "source"}
        if "hints" in kwargs:
            kwargs["hints"] = kwargs["hints"].to_json()
        return {
            "url": request.url,
            "cb": meta.get("newsmon_cb") or request.callback.__name__,
            "eb": meta.get("newsmon_eb") or (request.errback.__name__ if request.errback
                                             else None),
            "kw": kwargs,
            "p": request.priority,
            "h": {k.decode("latin-1"): [v.decode("latin-1") for v in vs]
                  for k, vs in request.headers.items()},
            "m": {k: v for k, v in meta.items()
                  if k not in _DROPPED_META and not k.startswith("_") and k != "newsmon_lease"
                  and _jsonable(v)},
        }

    # --- out --------------------------------------------------------------------------------

    def next_request(self) -> Any:
        for _attempt in range(50):
            self.turn += 1
            order = self.slugs[self.turn % len(self.slugs):] + \
                self.slugs[:self.turn % len(self.slugs)]
            found = self.frontier.pop(order)
            if found is None:
                return None
            item_id, item = found
            slug = item["s"]
            self.held[item_id] = (slug, item["q"])
            if item.get("seed"):
                self._seed(item_id, slug)
                continue
            return self._load(item_id, item)
        return None

    def _seed(self, item_id: str, slug: str) -> None:
        log.info("%s: seeding the round", slug)
        try:
            for request in self.spider.seed(slug):
                self.enqueue_request(request)
        finally:
            self.done(item_id, slug)

    def _load(self, item_id: str, item: dict[str, Any]) -> Any:
        import scrapy

        from crawler.clean import Hints

        spider = self.spider
        kwargs = dict(item["kw"])
        if "hints" in kwargs:
            kwargs["hints"] = Hints.from_json(kwargs["hints"])
        kwargs["source"] = spider.sources[item["s"]]
        meta = {**item["m"], "newsmon_lease": item_id, "newsmon_cb": item["cb"],
                "newsmon_eb": item["eb"]}
        callback = self._acking(getattr(spider, item["cb"]), item_id, item, failure=False)
        errback = self._acking(getattr(spider, item["eb"]), item_id, item, failure=True) \
            if item["eb"] else None
        return scrapy.Request(item["url"], callback=callback, errback=errback,
                              headers=item["h"] or None, priority=item["p"], cb_kwargs=kwargs,
                              meta=meta, dont_filter=True)

    def _acking(self, method: Any, item_id: str, item: dict[str, Any], failure: bool) -> Any:
        """The spider's callback, acking its item once the output has been taken: at once,
        or, for an article, once the pipeline has it in the archive."""
        slug = item["s"]
        article = item["m"].get("newsmon_article")
        # a failed article may be tried again in a later round
        unclaim = self.frontier.claim_key(article) if failure and article else ""

        def run(*args: Any, **kwargs: Any) -> Iterator[Any]:
            taken = False
            try:
                for output in method(*args, **kwargs) or ():
                    if isinstance(output, dict) and "article" in output:
                        output["lease"] = (item_id, slug)
                        taken = True
                    yield output
            except Exception:
                if not taken:
                    self.done(item_id, slug, unclaim)
                raise
            if not taken:
                self.done(item_id, slug, unclaim)

        run.__name__ = method.__name__
        return run

    def done(self, item_id: str, slug: str, unclaim: str = "") -> None:
        self.held.pop(item_id, None)
        self.frontier.ack(item_id, slug, unclaim)

    def failed(self, lease: tuple[str, str], url: str) -> None:
        """An article the archive would not take: tried again in a later round."""
        item_id, slug = lease
        self.done(item_id, slug, self.frontier.claim_key(url))


class SharedPoliteness:
    """Per-host delay and concurrency across all workers: the last middleware before the
    download waits for a host slot in Redis, and gives it back with the answer."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.politeness: dict[str, tuple[float, int]] = crawler.settings.get(
            "NEWSMON_POLITENESS", {})
        self.default = (0.0, crawler.settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 2))

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedPoliteness:
        return cls(crawler)

    def _rule(self, request: Any) -> tuple[str, float, int]:
        from scrapy.utils.httpobj import urlparse_cached

        parts = urlparse_cached(request)
        host = parts.hostname or ""
        delay, concurrency = self.politeness.get(f"{host}:{parts.port}") or \
            self.politeness.get(host) or self.default
        return host, delay, (1 if delay > 0 else max(1, concurrency))

    async def process_request(self, request: Any, spider: Any = None) -> None:
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        shared: SharedScheduler = self.crawler.newsmon_queue
        host, _delay, capacity = self._rule(request)
        token = uuid.uuid4().hex
        pause = 0.05
        while True:
            wait = shared.frontier.acquire(host, token, capacity)
            if wait == 0:
                break
            pause = wait / 1000 if wait > 0 else min(0.25, pause * 1.5)
            await deferLater(reactor, pause, lambda: None)
        shared.slots[token] = shared.frontier.host_keys(host)[0]
        request.meta["_newsmon_slot"] = token

    def _release(self, request: Any) -> None:
        token = request.meta.pop("_newsmon_slot", None)
        if token is None:
            return
        shared: SharedScheduler = self.crawler.newsmon_queue
        host, delay, _ = self._rule(request)
        shared.slots.pop(token, None)
        shared.frontier.release(host, token, delay)

    def process_response(self, request: Any, response: Any, spider: Any = None) -> Any:
        self._release(request)
        return response

    def process_exception(self, request: Any, exception: Any, spider: Any = None) -> None:
        self._release(request)
