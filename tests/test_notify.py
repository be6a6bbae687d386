"""Delivering the watches' matches (issue 17): a real SMTP server on 127.0.0.1 (aiosmtpd)
and a stand-in for the Bot API's sendMessage, both started here.

Delivery, once per (watch, story, channel) across restarts; a crash between the send and
the record sends that message once more (at least once, at most one duplicate); refusals,
429s and 5xx keep matches pending; hostile headlines are escaped; long digests split."""

from __future__ import annotations

import email
import json
import shutil
import socket
import sys
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "faults"))
from synthetic import records, write_jsonl

from crawler.config import ConfigError, load_config
from indexer.store import DataDir
from search.app import App
from search.notify import messages

HOSTILE = '<script>alert("x")</script> колледж & <b>ТЕХНИКУМ</b> </a><a href="javascript:1">'
TOKEN = "123456:test-token_secret"


def _articles(start: int, n: int, title: str = "Колледж открыл набор студентов") -> list[dict]:
    items = records(n, seed=start + 7, start=start)
    for item in items:
        item["title"] = f"{title} {item['url'][-8:-1]}"
        item["source"] = "synthetic"
    return items


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Five matching articles (one with a hostile headline) and ten that do not."""
    root = tmp_path_factory.mktemp("notify")
    items = _articles(0, 4)
    hostile = _articles(100, 1)[0]
    hostile["title"] = HOSTILE
    plain = records(10, seed=3, start=200)
    for item in plain:
        item["title"] = f"Погода на выходных {item['url'][-8:-1]}"
    write_jsonl(root / "a.jsonl", [*items, hostile, *plain])
    with App(DataDir(root / "data")) as app:
        assert app.import_file(root / "a.jsonl")["new"] == 15
    return root / "data"


class Smtp:
    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[email.message.EmailMessage] = []
        self.refuse = False
        outer = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802
                if outer.refuse:
                    return "554 5.7.1 message refused"
                outer.messages.append(email.message_from_bytes(envelope.content,
                                                               policy=policy.default))
                return "250 OK"

        self.port = _free_port()
        self.start = lambda: Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller = self.start()
        self.controller.start()
        self.running = True

    def restart(self):
        self.controller = self.start()
        self.controller.start()
        self.running = True

    def stop(self):
        if self.running:
            self.controller.stop()
            self.running = False


class BotApi:
    """sendMessage answered from a script of (status, body); then ok."""

    def __init__(self):
        self.sent: list[dict] = []
        self.paths: list[str] = []
        self.script: list[tuple[int, dict]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.paths.append(self.path)
                status, answer = outer.script.pop(0) if outer.script else (
                    200, {"ok": True, "result": {"message_id": len(outer.sent) + 1}})
                if status == 200:
                    outer.sent.append(body)
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    server = Smtp()
    yield server
    server.stop()


@pytest.fixture
def bot():
    server = BotApi()
    yield server
    server.stop()


def _sources(path: Path, smtp: Smtp | None = None, bot: BotApi | None = None,
             extra: str = "") -> Path:
    lines = ['[crawler]', 'timezone = "Europe/Volgograd"', "[notify]",
             'web = "http://127.0.0.1:8000"']
    if smtp:
        lines += ["[notify.email]", f'smtp = "smtp://127.0.0.1:{smtp.port}"', "timeout = 5",
                  'from = "newsmon@example.ru"', 'to = ["press@example.ru", "ed@example.ru"]']
    if bot:
        lines += ["[notify.telegram]", 'token_env = "NEWSMON_TEST_TG_TOKEN"',
                  'chat = "-1001234567890"', f'api = "{bot.base}"', "timeout = 5"]
    lines += [extra, "[sources.synthetic]", 'name = "Синтетика"',
              'home = "https://synthetic.example/"', 'feeds = ["https://synthetic.example/rss"]']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def make_app(template, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_TEST_TG_TOKEN", TOKEN)
    shutil.copytree(template, tmp_path / "data")
    opened = []

    def make(smtp=None, bot=None, backfill="all", extra=""):
        config = load_config(_sources(tmp_path / "sources.toml", smtp, bot, extra))
        app = App(DataDir(tmp_path / "data"), config)
        opened.append(app)
        if backfill is not None:
            app.add_watch("spo", "title:колледж OR title:техникум", backfill=backfill)
        return app

    yield make
    for app in opened:
        app.close()


def _parts(message):
    return {part.get_content_type(): part.get_content() for part in message.walk()
            if not part.is_multipart()}


def test_email_is_delivered_once_as_html_and_text_in_russian(make_app, smtp):
    app = make_app(smtp=smtp)
    (report,) = app.deliver()
    assert report.ok and report.sent == 5 and report.messages == 1 and report.pending == 0
    (message,) = smtp.messages
    assert message.get_content_type() == "multipart/alternative"
    assert "5 публикаций" in message["Subject"] and "spo" in message["Subject"]
    parts = _parts(message)
    html, text = parts["text/html"], parts["text/plain"]
    assert "Новые публикации" in text and "Колледж открыл набор" in text
    assert html.count("<li>") >= 5 and "http://127.0.0.1:8000/article/" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    # delivered: never again, also from a new App (a restart)
    assert app.deliver()[0].sent == 0
    assert make_app(smtp=smtp, backfill=None).deliver()[0].sent == 0
    assert len(smtp.messages) == 1
    assert app.pending()["email"][0]["hits"] == []


def test_a_crash_between_send_and_record_sends_that_message_once_more(make_app, smtp,
                                                                       monkeypatch):
    from indexer.archive import Archive

    app = make_app(smtp=smtp)
    real = Archive.record_deliveries

    def crash(self, channel, sent):
        raise SystemExit("killed after the server accepted, before the record")

    monkeypatch.setattr(Archive, "record_deliveries", crash)
    with pytest.raises(SystemExit):
        app.deliver()
    assert len(smtp.messages) == 1
    monkeypatch.setattr(Archive, "record_deliveries", real)
    assert app.deliver()[0].sent == 5  # the one duplicate: at least once, never lost
    assert app.deliver()[0].sent == 0
    assert len(smtp.messages) == 2


def test_a_refused_message_stays_pending_and_goes_out_next_time(make_app, smtp, tmp_path,
                                                                capsys):
    from search.cli import main

    app = make_app(smtp=smtp)
    smtp.refuse = True
    argv = ["--data-dir", str(tmp_path / "data"), "--sources", str(tmp_path / "sources.toml")]
    assert main([*argv, "digest", "--send"]) == 1
    out, err = capsys.readouterr()
    assert "email: failed, 5 pending" in out and "554" in out and "Traceback" not in out + err
    assert main([*argv, "status"]) == 0
    status = capsys.readouterr().out
    assert "times in Europe/Volgograd" in status
    assert "notify email" in status and "FAILED" in status and "5 stories pending" in status
    smtp.refuse = False
    assert main([*argv, "digest", "--send"]) == 0
    assert "email: 5 stories delivered in 1 messages" in capsys.readouterr().out
    assert len(smtp.messages) == 1
    assert app.channels()[0]["last_attempt"]["ok"] is True
    main([*argv, "status"])
    assert "ok at" in capsys.readouterr().out


def test_an_smtp_server_that_is_down_is_one_line_and_pending(make_app, smtp):
    app = make_app(smtp=smtp)
    smtp.stop()
    (report,) = app.deliver()
    assert not report.ok and report.pending == 5 and "127.0.0.1" in report.error
    smtp.restart()  # up again: delivered
    assert app.deliver()[0].sent == 5


def test_telegram_429_is_waited_out_and_5xx_keeps_matches_pending(make_app, bot):
    app = make_app(bot=bot)
    waits = []
    bot.script = [(429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                         "parameters": {"retry_after": 2}})]
    (report,) = app.deliver(sleep=waits.append)
    assert report.ok and report.sent == 5 and waits == [2]
    assert bot.paths[0] == f"/bot{TOKEN}/sendMessage"
    (sent,) = bot.sent
    assert sent["parse_mode"] == "HTML" and sent["chat_id"] == "-1001234567890"
    assert "&lt;script&gt;" in sent["text"] and "<script>" not in sent["text"]
    assert 'href="javascript' not in sent["text"]
    assert app.deliver(sleep=waits.append)[0].sent == 0

    app.add_watch("погода", "title:погода", backfill="all")
    bot.script = [(429, {"ok": False, "parameters": {"retry_after": 3600}})]
    (report,) = app.deliver(sleep=waits.append)
    assert not report.ok and "429" in report.error and report.pending == 10
    assert TOKEN not in report.error and waits == [2]
    bot.script = [(502, {"ok": False, "description": "Bad Gateway"})]
    (report,) = app.deliver(sleep=waits.append)
    assert not report.ok and "502" in report.error and report.pending == 10
    (report,) = app.deliver(sleep=waits.append)
    assert report.ok and report.sent == 10


def test_a_long_digest_is_split_under_telegrams_limit_each_story_once(make_app, bot,
                                                                      tmp_path):
    long_items = _articles(1000, 40, title="Техникум " + "очень длинный заголовок " * 10)
    write_jsonl(tmp_path / "more.jsonl", long_items)
    app = make_app(bot=bot)
    app.import_file(tmp_path / "more.jsonl")
    (report,) = app.deliver()
    assert report.ok and report.sent == 45 and report.messages == len(bot.sent) > 1
    for sent in bot.sent:
        assert len(sent["text"].encode("utf-16-le")) // 2 <= 4096
        assert sent["text"].startswith("<b>spo</b>")
    texts = "".join(s["text"] for s in bot.sent)
    for item in long_items:
        assert texts.count(item["url"]) == 1
    assert "(продолжение)" in bot.sent[1]["text"]


def test_splitting_never_cuts_a_story_and_keeps_markup_balanced():
    hit = {"id": "x", "story": "x", "title": HOSTILE * 20, "url": "https://a.example/1",
           "source": "a&b", "published": "2025-03-01T10:00:00+03:00",
           "snippet": "<b>колледж</b> &lt;i&gt; text " * 100, "outlets": []}
    groups = [{"watch": "w<1>", "query": "q & r",
               "hits": [{**hit, "id": f"x{i}", "story": f"x{i}"} for i in range(30)]}]
    chunks = messages.telegram(groups, "http://w")
    assert sum(len(c.items) for c in chunks) == 30
    for chunk in chunks:
        assert len(chunk.text) <= 4096
        assert chunk.text.count("<b>") == chunk.text.count("</b>")
        assert chunk.text.count("<a ") == chunk.text.count("</a>")
        assert "<script>" not in chunk.text and "<i>" not in chunk.text
        assert "w&lt;1&gt;" in chunk.text


def test_a_watch_sees_the_archive_and_backfill_decides_what_is_sent(make_app, smtp, tmp_path):
    from datetime import date

    app = make_app(smtp=smtp, backfill="none")
    # the digest covers what was archived since the day, whatever the watch's age
    (group,) = app.digest(date(2025, 1, 1))
    assert len(group["hits"]) == 5
    assert group["hits"][0]["matched"].endswith(("+03:00", "+04:00"))
    # but `--backfill none`: nothing already archived floods the channel
    assert app.deliver()[0].sent == 0 and smtp.messages == []
    write_jsonl(tmp_path / "new.jsonl", _articles(5000, 2))
    app.import_file(tmp_path / "new.jsonl")
    assert app.deliver()[0].sent == 2
    app.add_watch("spo", "title:колледж OR title:техникум", backfill=date(2000, 1, 1))
    assert app.deliver()[0].sent == 7  # replaced with a backfill from a day: all since then


def test_the_cli_refuses_send_without_channels_and_bad_backfill(make_app, tmp_path, capsys):
    from search.cli import main

    make_app()
    argv = ["--data-dir", str(tmp_path / "data"), "--sources", str(tmp_path / "sources.toml")]
    assert main([*argv, "digest", "--send"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no channels configured" in err
    assert main([*argv, "watch", "add", "w", "школа", "--backfill", "someday"]) == 2
    assert "unrecognized date" in capsys.readouterr().err
    assert main([*argv, "digest", "--since", "2000-01-01"]) == 0
    out = capsys.readouterr().out
    assert "(Europe/Volgograd)" in out and "Колледж" in out


@pytest.mark.parametrize(("extra", "says"), [
    ('[notify.email]\nsmtp = "smtp://h:25"\nfrom = "a@b.ru"\nto = ["c@d.ru"]\nport = 25',
     "[notify.email]: unknown key 'port'"),
    ('[notify.email]\nsmtp = "http://h"\nfrom = "a@b.ru"\nto = ["c@d.ru"]', "'smtp' must"),
    ('[notify.email]\nsmtp = "smtp://h"\nfrom = "a@b.ru"\nto = ["nobody"]',
     "not an e-mail address"),
    ('[notify.email]\nsmtp = "smtp://h"\nfrom = "a@b.ru"\nto = ["c@d.ru"]\n'
     'password_env = "X"', "'password_env' needs 'user'"),
    ('[notify.telegram]\nchat = "-100"', "exactly one of 'token_env'"),
    ('[notify.telegram]\nchat = "-100"\ntoken_env = "T"\napi = "ftp://x"', "'api' must"),
    ('[notify.telegram]\nchat = "-100"\ntoken_env = "T"\nchats = "1"', "unknown key 'chats'"),
    ('[notify.slack]\nurl = "x"', "[notify]: unknown key 'slack'"),
])
def test_the_notify_tables_are_strict(tmp_path, extra, says):
    path = tmp_path / "s.toml"
    path.write_text(f'{extra}\n[sources.a]\nname = "A"\nhome = "https://a.ru/"\n'
                    'feeds = ["https://a.ru/rss"]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and says in str(caught.value)


def test_a_token_in_the_file_is_warned_and_never_shown(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[notify.telegram]\nchat = "-100"\ntoken = "1:SECRETTOKEN"\n'
                    '[crawler]\ntimezone = "Mars/Base"\n'
                    '[sources.a]\nname = "A"\nhome = "https://a.ru/"\n'
                    'feeds = ["https://a.ru/rss"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="unknown 'timezone'"):
        load_config(path)
    path.write_text(path.read_text().replace("Mars/Base", "Europe/Moscow"))
    config = load_config(path)
    assert config.timezone == "Europe/Moscow"
    assert "token" in config.notify.warnings[0] and "SECRET" not in config.notify.warnings[0]
    assert "SECRET" not in repr(config)
