"""One module per `newsmon` command: `configure(parser)` adds its options, `run(args)` does
it by calling the application layer (search/app.py) and printing what comes back.

A command module imports only what it needs at the top, and the rest inside `run`, so
`newsmon search` does not pay for loading the crawler.
"""

# command name -> module; the order is the order of `newsmon --help`
COMMANDS = {
    "crawl": "crawl", "search": "search", "show": "show", "extract": "extract",
    "sources": "sources", "stats": "stats", "export": "export", "import": "import_",
    "reclean": "reclean", "rejected": "rejected", "reindex": "reindex", "stories": "stories",
    "compact": "compact", "check": "check", "backup": "backup", "restore": "restore",
    "schedule": "schedule", "status": "status", "watch": "watch", "digest": "digest",
    "serve": "serve", "demo": "demo",
}
