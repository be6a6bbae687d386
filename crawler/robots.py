"""robots.txt read as far as the major crawlers read it.

Google and RFC 9309 (§2.5) parse only the first 500 KiB; Protego took seconds over a
10 MB file, per run, per host.  Rules past the cap are ignored, as those crawlers do.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.robotstxt import ProtegoRobotParser

MAX_ROBOTS_BYTES = 500 * 1024
log = logging.getLogger("newsmon.robots")


class CappedRobotParser(ProtegoRobotParser):
    def __init__(self, robotstxt_body: bytes, spider: Any) -> None:
        if len(robotstxt_body) > MAX_ROBOTS_BYTES:
            log.warning("robots.txt of %d bytes: only the first %d are read", len(robotstxt_body),
                        MAX_ROBOTS_BYTES)
            cut = robotstxt_body[:MAX_ROBOTS_BYTES]
            robotstxt_body = cut[:cut.rfind(b"\n") + 1] or cut  # a rule is never cut in half
        super().__init__(robotstxt_body, spider)
