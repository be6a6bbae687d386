"""Shared fixtures: the fixture site on 127.0.0.1 and one archive crawled from it for real.

The crawl runs once per run of the suite, in a subprocess (`newsmon crawl`, as a user
runs it), by whichever xdist worker needs it first; most tests then read a copy of that
archive, so the suite stays fast.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
FIXTURES = TESTS / "fixtures"
NEWSMON = [sys.executable, "-m", "search.cli"]

# Tables are as wide in every process: xdist's workers get COLUMNS=80 from the controller,
# a plain run falls back to the 120 columns of search/output.py.
os.environ["COLUMNS"] = "120"
os.environ.pop("LINES", None)
# Guard this process and every child against leaving 127.0.0.1.
os.environ["NEWSMON_NETGUARD"] = "1"
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(TESTS / "netguard"), str(ROOT), os.environ.get("PYTHONPATH")) if p)
sys.path.insert(0, str(TESTS / "netguard"))
import sitecustomize  # noqa: E402,F401 - installs the guard in this process

from crawler.serve import SiteServer  # noqa: E402


@dataclass
class Crawled:
    data_dir: Path
    sources: Path
    not_modified: list[str]  # pages the site answered 304
    first_requests: list[str]
    second_requests: list[str]
    first: subprocess.CompletedProcess
    second: subprocess.CompletedProcess


def run_newsmon(*args: str, data_dir: Path | None = None, sources: Path | None = None,
                timeout: float = 120) -> subprocess.CompletedProcess:
    """The real command line in a child process, as a user would run it."""
    command = [*NEWSMON]
    if data_dir:
        command += ["--data-dir", str(data_dir)]
    if sources:
        command += ["--sources", str(sources)]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT, stdin=subprocess.DEVNULL)


def newsmon_here(*args: str, data_dir: Path | None = None,
                 sources: Path | None = None) -> subprocess.CompletedProcess:
    """`run_newsmon` in this process, through `search.cli.main`: a child costs a second of
    start-up, so a test whose point is not the process itself (a crash, a kill, the entry
    point's exit, a crawl's reactor) reads the archive this way.  As in a new process, the
    command starts with an empty cache of word readings (indexer/analysis.py READINGS, or
    what other archives taught this process would shape its answers), and the environment
    is put back after (`--database` sets NEWSMON_DATABASE for the processes it starts)."""
    from indexer import analysis
    from search.cli import main

    command = [*(["--data-dir", str(data_dir)] if data_dir else []),
               *(["--sources", str(sources)] if sources else []), *args]
    out, err = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="",
                                 write_through=True) for _ in range(2))
    environ, stdin, readings = dict(os.environ), sys.stdin, analysis.READINGS
    analysis.READINGS = analysis.ReadingsCache()
    try:
        with open(os.devnull, encoding="utf-8") as sys.stdin, \
                contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(command)
            except SystemExit as exc:  # argparse's usage errors, --version
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        sys.stdin, analysis.READINGS = stdin, readings
        os.environ.clear()
        os.environ.update(environ)
    text = [stream.buffer.getvalue().decode("utf-8") for stream in (out, err)]
    return subprocess.CompletedProcess(["newsmon", *command], code, *text)


def write_sources(path: Path, base: str, slug: str = "testsite", **extra: str) -> Path:
    """The fixture site as a source; `extra` keys are TOML values (strings quoted by caller)."""
    extra = {"concurrency": "4", **extra}
    lines = [
        f"[sources.{slug}]",
        'name = "Вести Приволжья"',
        f'home = "{base}/"',
        f'feeds = ["{base}/rss.xml", "{base}/rss-1251.xml", "{base}/missing-feed.xml"]',
        f'sitemaps = ["{base}/sitemap_index.xml"]',
        f'listings = ["{base}/obrazovanie/"]',
        "delay = 0",
        *(f"{k} = {v}" for k, v in extra.items()),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# The files whose tests spend most of their time waiting (site delays, time limits, crawls
# in child processes), in that order, go first, so that no worker is left with one of them
# at the end; the rest follow in the usual order.  A worker takes one file at a time
# (pyproject: --dist loadfile), so that a module fixture (a fault crawl, a TLS site) is set
# up once, except that the tests of SPREAD files, which share none, go one by one.
WAITING_FIRST = ("test_workers.py", "test_schedule.py", "test_sources_check.py",
                 "test_crash_safety.py", "test_fault_crawl.py", "test_bounded_crawl.py",
                 "test_fetch.py", "test_web_browser.py", "test_tls.py", "test_demo.py")
SPREAD = {"test_workers.py", "test_schedule.py", "test_sources_check.py",
          "test_crash_safety.py", "test_bounded_crawl.py", "test_fetch.py", "test_tls.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    first = {name: rank for rank, name in enumerate(WAITING_FIRST)}
    items.sort(key=lambda item: first.get(item.path.name, len(first)))


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """--dist loadfile, but a SPREAD file's tests one by one (see WAITING_FIRST)."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if path.rsplit("/", 1)[-1] in SPREAD else path

    return Scheduling(config, log)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto`: a worker more than the CPUs, since much of the suite waits on sleeping
    child processes and servers rather than computing (PYTEST_XDIST_AUTO_NUM_WORKERS
    still decides when set)."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None
    return len(os.sched_getaffinity(0)) + 1


@pytest.fixture(scope="session", autouse=True)
def network_guarded() -> None:
    """Every process that runs tests (each xdist worker imports this file) has the guard."""
    assert socket.socket.connect.__module__ == "sitecustomize", "network guard not installed"
    with pytest.raises(OSError, match="blocked"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


@pytest.fixture(scope="session")
def site() -> Iterator[SiteServer]:
    with SiteServer(FIXTURES / "site") as server:
        yield server


@pytest.fixture(scope="session")
def https_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SiteServer, Path]]:
    """The fixture site over HTTPS with a self-signed certificate: (server, its cert.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs openssl")
    root = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(root / "cert.pem", root / "key.pem")
    with SiteServer(FIXTURES / "site", tls=context) as server:
        yield server, root / "cert.pem"


@pytest.fixture(scope="session")
def crawled(site: SiteServer, tmp_path_factory: pytest.TempPathFactory) -> Crawled:
    """Two crawls of the fixture site, made once per run: the first worker to need them
    crawls, under a lock, and every worker reads a copy of its own (tests write to it)."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    made = shared / "crawled"
    with (shared / "crawled.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (made / "crawls.json").exists():
            crawl_twice(site, made)
    record = json.loads((made / "crawls.json").read_text(encoding="utf-8"))
    data_dir = tmp_path_factory.mktemp("crawled") / "data"
    shutil.copytree(made / "data", data_dir)
    first, second = (subprocess.CompletedProcess(**record[run]) for run in ("first", "second"))
    return Crawled(data_dir, made / "sources.toml", record["not_modified"],
                   record["first_requests"], record["second_requests"], first, second)


def crawl_twice(site: SiteServer, root: Path) -> None:
    root.mkdir(exist_ok=True)
    sources = write_sources(root / "sources.toml", site.base)
    record = {}
    for run in ("first", "second"):
        site.requests.clear()
        done = run_newsmon("crawl", data_dir=root / "data", sources=sources)
        record[run] = {"args": done.args, "returncode": done.returncode,
                       "stdout": done.stdout, "stderr": done.stderr}
        record[f"{run}_requests"] = list(site.requests)
    record["not_modified"] = list(site.not_modified)
    (root / "crawls.json").write_text(json.dumps(record), encoding="utf-8")


@pytest.fixture
def cli(crawled: Crawled, capsys: pytest.CaptureFixture[str]):
    """Run `newsmon ARGS` in-process against the shared archive: (exit code, stdout, stderr)."""
    from search.cli import main

    def run(*args: str, data_dir: Path | None = None) -> tuple[int, str, str]:
        code = main(["--data-dir", str(data_dir or crawled.data_dir),
                     "--sources", str(crawled.sources), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def database() -> Iterator[str]:
    """A fresh PostgreSQL database's URL, dropped after the test.  Needs PostgreSQL on
    127.0.0.1:5432 (user postgres, trust): skipped without it, except under CI=true, where
    that fails."""
    if os.environ.get("CI") == "true":
        import psycopg
    else:
        psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but PostgreSQL at 127.0.0.1:5432 is unreachable ({exc})")
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable ({str(exc).strip()[:80]})")
    import uuid

    name = f"newsmon_test_{uuid.uuid4().hex[:12]}"
    admin.execute(f"CREATE DATABASE {name}")
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        yield url
    finally:
        from indexer.postgres_index import PostgresIndex

        PostgresIndex(url).close()  # its pools and the archive's
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


def search_json(cli, *args: str) -> list[dict]:
    code, out, err = cli("search", *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)
