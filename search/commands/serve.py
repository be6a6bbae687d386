"""`newsmon serve`: the web page (search/web/), on 127.0.0.1 unless a password is set."""

from __future__ import annotations

import argparse
import ipaddress
import os
import sys
from typing import Any

from search.commands import common

HELP = "serve the search page on the web (127.0.0.1:8000 by default)"
PASSWORD_ENV = "NEWSMON_WEB_PASSWORD"


def configure(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; any other needs a password: "
                        f"env {PASSWORD_ENV} or [web] password in the sources file)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--read-only", action="store_true",
                   help="never change the archive: adding and removing watches is refused")


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
        raise common.UsageError(f"refusing to serve on {args.host} without a password: set "
                                f"{PASSWORD_ENV} or [web] password in the sources file")
    import uvicorn

    from search.app import App
    from search.web.app import close_app, create_app

    core = App(common.data_dir(args), config)
    web = create_app(core, password=secret, read_only=args.read_only)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"newsmon: serving http://{shown}:{args.port}/"
          f"{' (read-only)' if args.read_only else ''}{' (password)' if secret else ''}; "
          "Ctrl-C stops", file=sys.stderr)
    try:
        uvicorn.run(web, host=args.host, port=args.port, log_level="warning",
                    access_log=False, server_header=False)
    finally:
        close_app(web)
    return 0
