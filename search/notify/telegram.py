"""One Telegram message through the Bot API's sendMessage (stdlib urllib: one JSON POST
needs no client library).  A 429 with a `retry_after` up to the channel's `max_wait` is
waited out and tried again; a longer one, a 5xx, a timeout or a refusal is a ChannelError
and the matches stay pending.  The token is in the URL, so no URL is ever printed.
Proxies from the environment are not used: point `api` at a proxy instead."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from typing import Any

from crawler.config import TelegramChannel
from search.notify import ChannelError

ATTEMPTS = 3


def token(channel: TelegramChannel) -> str:
    if channel.token:
        return channel.token
    value = os.environ.get(channel.token_env or "")
    if not value:
        raise ChannelError(f"telegram: the environment variable {channel.token_env} "
                           "(the bot token) is not set")
    return value


def send(channel: TelegramChannel, text: str, sleep: Any = time.sleep) -> None:
    """Returns once the Bot API answered ok."""
    url = f"{channel.api}/bot{token(channel)}/sendMessage"
    payload = json.dumps({"chat_id": channel.chat, "text": text, "parse_mode": "HTML",
                          "disable_web_page_preview": True}, ensure_ascii=False).encode()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for attempt in range(1, ATTEMPTS + 1):
        request = urllib.request.Request(url, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "User-Agent": "newsmon"})
        try:
            with opener.open(request, timeout=channel.timeout) as response:
                answer = _json(response.read())
            if answer.get("ok") is True:
                return
            raise ChannelError(f"telegram: the Bot API said no ({_said(answer)})")
        except urllib.error.HTTPError as exc:
            answer = _json(exc.read())
            if exc.code == 429:
                wait = (answer.get("parameters") or {}).get("retry_after")
                wait = float(wait) if isinstance(wait, int | float) else 5.0
                if attempt < ATTEMPTS and wait <= channel.max_wait:
                    sleep(wait)
                    continue
                raise ChannelError(f"telegram: too many requests (HTTP 429, retry after "
                                   f"{wait:g} s); left pending") from None
            if exc.code >= 500:
                raise ChannelError(f"telegram: the Bot API failed (HTTP {exc.code})") from None
            raise ChannelError(f"telegram: refused (HTTP {exc.code}: {_said(answer)})") from None
        except TimeoutError:
            raise ChannelError(f"telegram: no answer in {channel.timeout:g} s") from None
        except urllib.error.URLError as exc:
            raise ChannelError(f"telegram: cannot reach the Bot API ({exc.reason})") from None
        except OSError as exc:
            raise ChannelError(f"telegram: {exc.strerror or type(exc).__name__}") from None
    raise ChannelError("telegram: too many requests; left pending")  # not reached


def _json(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _said(answer: dict[str, Any]) -> str:
    return " ".join(str(answer.get("description") or "no description").split())[:200]
