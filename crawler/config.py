"""sources.toml: sources are data, so the file is validated as strictly as code would be.

A typo in a key must not pass silently (a source that silently never crawls is
worse than one that refuses to start), so unknown keys are errors that name
the file, the source and the key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import soupsieve

from indexer.i18n import _

DEFAULT_TIMEZONE = "Europe/Volgograd"
DEFAULT_EVERY = "1h"
DEFAULT_CONTACT = "https://github.com/newsmon/newsmon"
SELECTOR_FIELDS = ("title", "lead", "body", "published", "modified", "author", "section", "tags",
                   "remove")
_EVERY = re.compile(r"^(\d+)([smhd])$")


class ConfigError(ValueError):
    """A problem in sources.toml, worded for the person editing the file."""


class UnknownSource(ConfigError):
    """A source named on the command line or in a request that sources.toml lacks."""


@dataclass(frozen=True)
class Source:
    slug: str
    name: str
    home: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[str, ...] = ()
    article_url: str | None = None
    topic: str = "all"
    every: str = DEFAULT_EVERY
    timezone: str = DEFAULT_TIMEZONE
    delay: float = 1.0
    concurrency: int = 2
    verify: bool = True
    ca_bundle: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    selectors: dict[str, str] = field(default_factory=dict)
    max_pages: int = 5
    timeout: float = 30.0
    max_requests: int = 10_000  # per run: a runaway sitemap or feed stops here (crawler/budget.py)

    @property
    def domains(self) -> tuple[str, ...]:
        """Hosts this source may be crawled on: those of every URL it names."""
        hosts = []
        for url in (self.home, *self.feeds, *self.sitemaps, *self.listings):
            host = urlsplit(url).hostname
            if host and host not in hosts:
                hosts.append(host)
        return tuple(hosts)

    @property
    def every_seconds(self) -> int:
        number, unit = _EVERY.match(self.every).groups()  # type: ignore[union-attr]
        return int(number) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]

    def is_article_url(self, url: str) -> bool | None:
        """True/False when the source says which links are articles, None when it does not."""
        if not self.article_url:
            return None
        return re.search(self.article_url, url) is not None


@dataclass(frozen=True)
class EmailChannel:
    """[notify.email]: an SMTP server; the password comes from the environment."""

    smtp: str  # smtp://host[:port] (STARTTLS when offered) or smtps://host[:port]
    sender: str  # the `from` key
    to: tuple[str, ...]
    user: str | None = None
    password_env: str | None = None
    starttls: bool = False  # true: refuse a server that does not offer STARTTLS
    timeout: float = 30.0

    @property
    def name(self) -> str:
        return "email"

    @property
    def host(self) -> str:
        return urlsplit(self.smtp).hostname or ""

    @property
    def port(self) -> int:
        parts = urlsplit(self.smtp)
        return parts.port or (465 if parts.scheme == "smtps" else 587)

    @property
    def implicit_tls(self) -> bool:
        return urlsplit(self.smtp).scheme == "smtps"


@dataclass(frozen=True)
class TelegramChannel:
    """[notify.telegram]: a bot posting to one chat through the Bot API."""

    chat: str
    token_env: str | None = None
    token: str | None = field(default=None, repr=False)  # in the file: warned, never printed
    api: str = "https://api.telegram.org"
    timeout: float = 30.0
    max_wait: float = 60.0  # a 429's retry_after up to this is waited out; longer: pending

    @property
    def name(self) -> str:
        return "telegram"


@dataclass(frozen=True)
class Notify:
    """[notify]: where matches of the watches are delivered, and the web page's address."""

    web: str | None = None  # links {web}/article/ID in the messages
    email: EmailChannel | None = None
    telegram: TelegramChannel | None = None
    warnings: tuple[str, ...] = ()

    @property
    def channels(self) -> list[EmailChannel | TelegramChannel]:
        return [c for c in (self.email, self.telegram) if c is not None]


@dataclass(frozen=True)
class Config:
    path: Path
    sources: dict[str, Source]
    contact: str = DEFAULT_CONTACT
    lexicon: Path | None = None  # the user's additions to the education lexicon
    timezone: str = DEFAULT_TIMEZONE  # [crawler] timezone: the one clock of runs, status, digests
    notify: Notify = field(default_factory=Notify)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)
    web_password: str | None = None  # [web] password: `newsmon serve` on a non-local address

    def select(self, slugs: list[str] | None) -> list[Source]:
        if not slugs:
            return list(self.sources.values())
        unknown = [s for s in slugs if s not in self.sources]
        if unknown:
            known = ", ".join(self.sources) or _("none")
            raise UnknownSource(_("unknown source {name!r} (configured: {known})").format(
                name=unknown[0], known=known))
        return [self.sources[s] for s in slugs]


def bundled_sources_path() -> Path:
    return Path(__file__).with_name("sources.toml")  # package data beside this module


_FIELD_TYPES: dict[str, Any] = {
    "name": str, "home": str, "feeds": list, "sitemaps": list, "listings": list,
    "article_url": str, "topic": str, "every": str, "timezone": str, "delay": (int, float),
    "concurrency": int, "verify": bool, "ca_bundle": str, "headers": dict, "selectors": dict,
    "max_pages": int, "timeout": (int, float), "max_requests": int,
}


def _web_password(path: Path, web: Any) -> str | None:
    if not isinstance(web, dict):
        raise ConfigError(f"{path}: " + _("[web] must be a table"))
    bad = sorted(set(web) - {"password"})
    if bad:
        raise ConfigError(f"{path}: [web]: " + _("unknown key {key!r}").format(key=bad[0]))
    password = web.get("password")
    if password is not None and (not isinstance(password, str) or not password.strip()):
        raise ConfigError(f"{path}: [web]: " + _("'password' must be a non-empty string"))
    return password


def load_config(path: Path) -> Config:
    """Read and validate sources.toml; every error names the file and the key."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: " + _("cannot read sources file ({error})").format(
            error=exc.strerror)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: " + _("not UTF-8 text")) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    extra = sorted(set(data) - {"sources", "crawler", "notify", "web"})
    if extra:
        raise ConfigError(f"{path}: " + _("unknown top-level key {key!r}").format(key=extra[0]))
    web_password = _web_password(path, data.get("web", {}))
    crawler = data.get("crawler", {})
    if not isinstance(crawler, dict):
        raise ConfigError(f"{path}: " + _("'crawler' must be a table"))
    bad = sorted(set(crawler) - {"contact", "every", "lexicon", "timezone"})
    if bad:
        raise ConfigError(f"{path}: [crawler]: " + _("unknown key {key!r}").format(key=bad[0]))
    contact = crawler.get("contact", DEFAULT_CONTACT)
    if not isinstance(contact, str) or not contact.strip() or not contact.isprintable():
        raise ConfigError(f"{path}: [crawler]: " + _("'contact' must be a one-line string (a "
                                                     "URL or an e-mail address for the "
                                                     "User-Agent)"))
    default_every = crawler.get("every", DEFAULT_EVERY)
    if not isinstance(default_every, str) or not _EVERY.match(default_every):
        raise ConfigError(f"{path}: [crawler]: " + _("'every' must look like 30s, 15m, 2h or 1d"))
    lexicon = None
    if "lexicon" in crawler and not isinstance(crawler["lexicon"], str):
        raise ConfigError(f"{path}: [crawler]: " + _("'lexicon' must be a file name"))
    if crawler.get("lexicon"):
        lexicon = (path.parent / str(crawler["lexicon"])).resolve()
        if not lexicon.is_file():
            raise ConfigError(f"{path}: [crawler]: " + _("'lexicon' file not found: "
                                                         "{lexicon}").format(lexicon=lexicon))
    timezone = crawler.get("timezone", DEFAULT_TIMEZONE)
    try:
        if not isinstance(timezone, str) or not timezone:
            raise ValueError(timezone)
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{path}: [crawler]: " + _("unknown 'timezone' {timezone!r}").format(
            timezone=timezone)) from None
    notify = _notify(path, data.get("notify", {}))
    sources_table = data.get("sources", {})
    if not isinstance(sources_table, dict):
        raise ConfigError(f"{path}: " + _("'sources' must be a table of [sources.SLUG] tables"))
    sources = {}
    for slug, table in sources_table.items():
        sources[slug] = _source(path, slug, table, default_every)
    return Config(path=path, sources=sources, contact=contact, lexicon=lexicon,
                  timezone=timezone, notify=notify,
                  web_password=web_password)


_EMAIL_KEYS: dict[str, Any] = {"smtp": str, "user": str, "password_env": str, "from": str,
                               "to": list, "starttls": bool, "timeout": (int, float)}
_TELEGRAM_KEYS: dict[str, Any] = {"token_env": str, "token": str, "chat": (str, int),
                                  "api": str, "timeout": (int, float),
                                  "max_wait": (int, float)}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ADDRESS = re.compile(r"[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+")


def _typed(where: str, table: Any, types: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: " + _("must be a table"))
    for key, value in table.items():
        expected = types.get(key)
        if expected is None:
            raise ConfigError(f"{where}: " + _("unknown key {key!r}").format(key=key))
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"{where}: " + _("{key!r} has the wrong type ({kind})").format(
                key=key, kind=type(value).__name__))
    return table


def _timeout(where: str, table: dict[str, Any], key: str = "timeout",
             default: float = 30.0) -> float:
    value = float(table.get(key, default))
    if not 1 <= value <= 600:
        raise ConfigError(f"{where}: " + _("{key!r} must be between 1 and 600 seconds").format(
            key=key))
    return value


def _notify(path: Path, table: Any) -> Notify:
    where = f"{path}: [notify]"
    _typed(where, table, {"web": str, "email": dict, "telegram": dict})
    web = table.get("web")
    if web is not None:
        parts = urlsplit(web)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{where}: " + _("'web' must be an http(s) URL, not {web!r}").format(
                web=web))
        web = web.rstrip("/")
    warnings: list[str] = []
    email = telegram = None
    if "email" in table:
        email = _email(f"{path}: [notify.email]", table["email"])
    if "telegram" in table:
        telegram = _telegram(f"{path}: [notify.telegram]", table["telegram"], warnings)
    return Notify(web=web, email=email, telegram=telegram, warnings=tuple(warnings))


def _email(where: str, table: Any) -> EmailChannel:
    _typed(where, table, _EMAIL_KEYS)
    for key in ("smtp", "from", "to"):
        if key not in table:
            raise ConfigError(f"{where}: " + _("missing key {key!r}").format(key=key))
    parts = urlsplit(table["smtp"])
    try:
        parts.port  # noqa: B018 - a bad port raises here
    except ValueError:
        raise ConfigError(f"{where}: " + _("'smtp' has a bad port: {value!r}").format(
            value=table["smtp"])) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname or parts.username \
            or parts.path not in ("", "/"):
        raise ConfigError(f"{where}: " + _("'smtp' must look like smtp://host:587 or "
                                           "smtps://host:465 (no user or password in it), not "
                                           "{value!r}").format(value=table["smtp"]))
    if table.get("starttls") and parts.scheme == "smtps":
        raise ConfigError(f"{where}: " + _("'starttls' is for smtp://; smtps:// is TLS from the "
                                           "start"))
    addresses = [table["from"], *table["to"]]
    if not table["to"]:
        raise ConfigError(f"{where}: " + _("'to' must name at least one address"))
    for address in addresses:
        if not isinstance(address, str) or not _ADDRESS.fullmatch(address):
            raise ConfigError(f"{where}: " + _("not an e-mail address: {address!r}").format(
                address=address))
    password_env = table.get("password_env")
    if password_env is not None and not _ENV_NAME.fullmatch(password_env):
        raise ConfigError(f"{where}: " + _("'password_env' must name an environment variable"))
    if password_env and "user" not in table:
        raise ConfigError(f"{where}: " + _("'password_env' needs 'user'"))
    user = table.get("user")
    if user is not None and (not user.strip() or not user.isprintable()):
        raise ConfigError(f"{where}: " + _("'user' must be a one-line string"))
    return EmailChannel(smtp=table["smtp"], sender=table["from"], to=tuple(table["to"]),
                        user=user, password_env=password_env,
                        starttls=table.get("starttls", False), timeout=_timeout(where, table))


def _telegram(where: str, table: Any, warnings: list[str]) -> TelegramChannel:
    _typed(where, table, _TELEGRAM_KEYS)
    if "chat" not in table:
        raise ConfigError(f"{where}: " + _("missing key 'chat'"))
    chat = str(table["chat"])
    if not re.fullmatch(r"-?\d+|@[A-Za-z][A-Za-z0-9_]{3,}", chat):
        raise ConfigError(f"{where}: " + _("'chat' must be a chat id (-1001234567890) or @channel"))
    if ("token" in table) == ("token_env" in table):
        raise ConfigError(f"{where}: " + _("give exactly one of 'token_env' (preferred) and "
                                           "'token'"))
    token_env = table.get("token_env")
    if token_env is not None and not _ENV_NAME.fullmatch(token_env):
        raise ConfigError(f"{where}: " + _("'token_env' must name an environment variable"))
    token = table.get("token")
    if token is not None:
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
            raise ConfigError(f"{where}: " + _("'token' does not look like a bot token"))
        warnings.append(f"{where}: " + _("'token' is a secret kept in the file; prefer "
                                         "token_env"))
    api = table.get("api", TelegramChannel.api)
    parts = urlsplit(api)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise ConfigError(f"{where}: " + _("'api' must be an http(s) URL, not {api!r}").format(
            api=api))
    max_wait = float(table.get("max_wait", 60))
    if not 0 <= max_wait <= 600:
        raise ConfigError(f"{where}: " + _("'max_wait' must be between 0 and 600 seconds"))
    return TelegramChannel(chat=chat, token_env=token_env, token=token, api=api.rstrip("/"),
                           timeout=_timeout(where, table), max_wait=max_wait)


def _source(path: Path, slug: str, table: Any, default_every: str = DEFAULT_EVERY) -> Source:
    where = f"{path}: [sources.{slug}]"
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug):
        raise ConfigError(f"{where}: " + _("slug must be lower-case letters, digits, '-' or '_'"))
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: " + _("must be a table"))
    for key, value in table.items():
        expected = _FIELD_TYPES.get(key)
        if expected is None:
            raise ConfigError(f"{where}: " + _("unknown key {key!r}").format(key=key))
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(f"{where}: " + _("{key!r} has the wrong type ({kind})").format(
                key=key, kind=type(value).__name__))
    for key in ("name", "home"):
        if key not in table:
            raise ConfigError(f"{where}: " + _("missing key {key!r}").format(key=key))
    if not table["name"].strip() or not table["name"].isprintable():
        raise ConfigError(f"{where}: " + _("'name' must be a non-empty, one-line string"))
    urls: dict[str, tuple[str, ...]] = {}
    for key in ("feeds", "sitemaps", "listings"):
        items = table.get(key, [])
        for url in items:
            _check_url(where, key, url)
        urls[key] = tuple(items)
    _check_url(where, "home", table["home"])
    if not any(urls.values()):
        raise ConfigError(f"{where}: " + _("needs at least one of 'feeds', 'sitemaps', 'listings'"))
    topic = table.get("topic", "all")
    if topic not in ("all", "education"):
        raise ConfigError(f"{where}: " + _("'topic' must be \"all\" or \"education\", not "
                                           "{topic!r}").format(topic=topic))
    every = table.get("every", default_every)
    if not _EVERY.match(every) or int(every[:-1]) == 0:
        raise ConfigError(f"{where}: " + _("'every' must look like 30s, 15m, 2h or 1d, not "
                                           "{every!r}").format(every=every))
    tz = table.get("timezone", DEFAULT_TIMEZONE)
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"{where}: " + _("unknown 'timezone' {timezone!r}").format(
            timezone=tz)) from None
    if table.get("article_url"):
        try:
            re.compile(table["article_url"])
        except re.error as exc:
            raise ConfigError(f"{where}: " + _("'article_url' is not a valid regex "
                                               "({error})").format(error=exc)) from None
    delay = float(table.get("delay", 1.0))
    if delay < 0:
        raise ConfigError(f"{where}: " + _("'delay' must not be negative"))
    if not delay <= 600:  # also nan and inf, which TOML allows
        raise ConfigError(f"{where}: " + _("'delay' must be at most 600 seconds, not "
                                           "{delay}").format(delay=delay))
    concurrency = table.get("concurrency", 2)
    if not 1 <= concurrency <= 16:
        raise ConfigError(f"{where}: " + _("'concurrency' must be between 1 and 16"))
    max_pages = table.get("max_pages", 5)
    if not 1 <= max_pages <= 10000:
        raise ConfigError(f"{where}: " + _("'max_pages' must be between 1 and 10000"))
    max_requests = table.get("max_requests", Source.max_requests)
    if not 1 <= max_requests <= 1_000_000:
        raise ConfigError(f"{where}: " + _("'max_requests' must be between 1 and 1000000"))
    timeout = float(table.get("timeout", 30))
    if not 1 <= timeout <= 600:
        raise ConfigError(f"{where}: " + _("'timeout' must be between 1 and 600 seconds"))
    selectors = table.get("selectors", {})
    for key, value in selectors.items():
        if key not in SELECTOR_FIELDS:
            raise ConfigError(f"{where}.selectors: " + _("unknown key {key!r}").format(key=key))
        if not isinstance(value, str):
            raise ConfigError(f"{where}.selectors: " + _("{key!r} must be a CSS selector "
                                                         "string").format(key=key))
        try:
            soupsieve.compile(value)  # the cleaner's selector engine (BeautifulSoup's)
        except soupsieve.SelectorSyntaxError:
            raise ConfigError(f"{where}.selectors: " + _("{key!r} is not a valid CSS selector: "
                                                         "{value!r}").format(
                key=key, value=value)) from None
    ca_bundle = table.get("ca_bundle")
    if ca_bundle:
        bundle = (path.parent / ca_bundle).resolve()
        if not bundle.is_file():
            raise ConfigError(f"{where}: " + _("'ca_bundle' file not found: {bundle}").format(
                bundle=bundle))
        ca_bundle = str(bundle)
    headers = table.get("headers", {})
    if not all(isinstance(v, str) for v in headers.values()):
        raise ConfigError(f"{where}: " + _("'headers' values must be strings"))
    for name, value in headers.items():  # a line break would smuggle in another header
        if not re.fullmatch(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+", name) or not value.isprintable():
            raise ConfigError(f"{where}: " + _("'headers' must be one-line values under plain "
                                               "header names, not {name!r} = {value!r}").format(
                name=name, value=value))
    return Source(
        slug=slug, name=table["name"], home=table["home"], feeds=urls["feeds"],
        sitemaps=urls["sitemaps"], listings=urls["listings"],
        article_url=table.get("article_url"), topic=topic, every=every, timezone=tz,
        delay=delay, concurrency=concurrency, verify=table.get("verify", True),
        ca_bundle=ca_bundle, headers=dict(headers), selectors=dict(selectors),
        max_pages=max_pages, timeout=timeout, max_requests=max_requests,
    )


def _check_url(where: str, key: str, url: Any) -> None:
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
            or not urlsplit(url).hostname:
        raise ConfigError(f"{where}: " + _("{key!r} must hold http(s) URLs, not {url!r}").format(
            key=key, url=url))
