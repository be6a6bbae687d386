"""`newsmon serve`: the web page (search/web/), on 127.0.0.1 unless a password is set."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import Any

from search.commands import common
from search.i18n import _

HELP = "serve the search page on the web (127.0.0.1:8000 by default)"
PASSWORD_ENV = "NEWSMON_WEB_PASSWORD"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help=_("address to listen on (default 127.0.0.1; any other needs a "
                          "password: env {env} or [web] password in the sources file)").format(
                              env=PASSWORD_ENV))
    p.add_argument("--port", type=int, default=8000, help=_("port (default 8000)"))
    p.add_argument("--read-only", action="store_true",
                   help=_("never change the archive: adding and removing watches is refused"))


def is_local(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def password(config: Any) -> str | None:
    return os.environ.get(PASSWORD_ENV) or getattr(config, "web_password", None) or None


def run(args: Any) -> int:
    common.positive(args.port, "--port", 65535)
    config = common.config(args)
    secret = password(config)
    if not is_local(args.host) and not secret:
        raise common.UsageError(_("refusing to serve on {host} without a password: set {env} "
                                  "or [web] password in the sources file").format(
                                      host=args.host, env=PASSWORD_ENV))
    import uvicorn

    from search.app import App
    from search.web.app import close_app, create_app

    core = App(common.data_dir(args), config)
    web = create_app(core, password=secret, read_only=args.read_only)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    notes = (" " + _("(read-only)") if args.read_only else "") + (
        " " + _("(password)") if secret else "")
    print("newsmon: " + _("serving {url}{notes}; Ctrl-C stops").format(
        url=f"http://{shown}:{args.port}/", notes=notes), file=sys.stderr)
    try:
        uvicorn.run(web, host=args.host, port=args.port, log_level="warning",
                    access_log=False, server_header=False)
    finally:
        close_app(web)
    return 0
