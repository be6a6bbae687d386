"""One connection seam over SQLite and PostgreSQL, so the archive (indexer/archive.py) and
the stories (indexer/stories.py) keep one copy of their SQL.

That SQL is written in the subset both understand (`INSERT … ON CONFLICT … DO NOTHING /
DO UPDATE`, `?` placeholders; a new row's key through insert()); the PostgreSQL side
translates the placeholders to psycopg's `%s` here, in one place.  PostgreSQL
connections come from a psycopg_pool pool per (URL, read-only), with the archive's tables
found through `search_path` in their own schema, `archive`, beside the search index's
tables (indexer/postgres_index.py) in `public`.  The PostgreSQL schema of both is made by the
numbered files in indexer/pg_migrations/, applied by migrate() below.
"""

from __future__ import annotations

import atexit
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import lru_cache
from pathlib import Path
from typing import Any

from indexer.backend import IndexMissing
from indexer.i18n import _

MIGRATIONS = Path(__file__).with_name("pg_migrations")
SCHEMA_LOCK = 0x6E6577736D6F6E  # pg_advisory_xact_lock key ("newsmon"), also the index's
ARCHIVE_LOCK = 0x6E65777361726368  # held by each archive write transaction ("newsarch")
SOURCE_LOCKS = 0x6E6D7372  # first key of pg_try_advisory_lock(int, int): "nmsr"
WAIT_LOCKS = 0x6E6D776C  # first key of held_lock's pg_advisory_lock(int, int): "nmwl"
_POOLS: dict[tuple[str, bool], Any] = {}
_CURRENT: set[str] = set()  # URLs found at the latest version by this process


class SchemaNewer(IndexMissing):
    """The database's schema is newer than this newsmon knows."""


def is_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def errors() -> tuple[type[BaseException], ...]:
    """The exceptions a database write can fail with, whichever backend is installed."""
    try:
        import psycopg
    except ImportError:
        return (sqlite3.Error,)
    return (sqlite3.Error, psycopg.Error)


class Database:
    """A connection: execute/executemany return a cursor (iterable, fetchone, fetchall,
    rowcount, description); transaction() nests flatly, the outermost one commits."""

    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.in_transaction = False

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.conn.execute(sql, args)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        return self.conn.executemany(sql, rows)

    def pipeline(self) -> Any:
        """Statements sent without waiting for each answer (PostgreSQL); in-process here."""
        return nullcontext()

    def insert_integers(self, table: str, columns: Sequence[str],
                        rows: Iterable[Sequence[int]]) -> None:
        """Many rows of integers, a row already there skipped (ON CONFLICT DO NOTHING)."""
        marks = ", ".join("?" for _ in columns)
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}) "
                              "ON CONFLICT DO NOTHING", rows)

    def insert(self, sql: str, args: Sequence[Any], key: str) -> int | None:
        """An `INSERT … ON CONFLICT DO NOTHING`: the new row's integer `key`, or None when
        the row was there already.  SQLite's lastrowid (RETURNING needs SQLite 3.35)."""
        cursor = self.conn.execute(sql, args)
        return cursor.lastrowid if cursor.rowcount else None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.in_transaction:
            yield
            return
        # IMMEDIATE: the write lock now, so two writers queue instead of one failing later
        self.conn.execute("BEGIN IMMEDIATE")
        self.in_transaction = True
        try:
            yield
        except BaseException:
            self.in_transaction = False
            self.conn.rollback()
            raise
        self.in_transaction = False
        self.conn.commit()

    def close(self) -> None:
        self.conn.close()


class PostgresDatabase(Database):
    """A pooled psycopg connection in autocommit mode; transaction() takes ARCHIVE_LOCK, so
    the archive's writers queue one after the other as SQLite's do (two crawl workers
    assigning stories at once must see each other's articles)."""

    dialect = "postgres"

    def __init__(self, url: str, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self.pool = _pool(url, readonly)
        self.conn = self.pool.getconn()
        self.in_transaction = False

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.conn.execute(_placeholders(sql), args or None)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        cursor = self.conn.cursor()
        cursor.executemany(_placeholders(sql), list(rows))
        return cursor

    def pipeline(self) -> Any:
        return self.conn.pipeline()

    def insert_integers(self, table: str, columns: Sequence[str],
                        rows: Iterable[Sequence[int]]) -> None:
        """One statement over a bigint array a column, not a statement a row: story
        bands are 68 rows an article, and their executemany (pipelined) took 4.9 s of a
        5,000-article import's 28 s in a profile."""
        values = list(zip(*rows, strict=True)) or [() for _ in columns]
        arrays = ", ".join("%s::bigint[]" for _ in columns)
        self.conn.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT * FROM "
                          f"unnest({arrays}) ON CONFLICT DO NOTHING",
                          [list(v) for v in values])

    def insert(self, sql: str, args: Sequence[Any], key: str) -> int | None:
        row = self.execute(f"{sql} RETURNING {key}", args).fetchone()
        return row[0] if row else None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self.in_transaction:
            yield
            return
        self.in_transaction = True
        try:
            with self.conn.transaction():
                if not self.readonly:
                    self.conn.execute("SELECT pg_advisory_xact_lock(%s)", (ARCHIVE_LOCK,))
                yield
        finally:
            self.in_transaction = False

    def close(self) -> None:
        if self.conn is not None:
            self.pool.putconn(self.conn)
            self.conn = None


def _psycopg() -> Any:
    """psycopg, or one clear line: it is an optional dependency (the `server` extra)."""
    try:
        import psycopg
        import psycopg_pool  # noqa: F401 - the archive's connections come from its pools
    except ImportError:
        raise IndexMissing(_("--database needs psycopg 3 and psycopg_pool: pip install "
                             "'newsmon[server]'")) from None
    return psycopg


@lru_cache(maxsize=512)
def _placeholders(sql: str) -> str:
    """`?` to psycopg's `%s` (the archive's SQL holds no `?` or `%` inside literals)."""
    return sql.replace("%", "%%").replace("?", "%s")


def _pool(url: str, readonly: bool) -> Any:
    pool = _POOLS.get((url, readonly))
    if pool is None:
        from psycopg_pool import ConnectionPool, PoolTimeout

        options = "-c search_path=archive"
        if readonly:  # the commands that only read cannot write by mistake (a replica too)
            options += " -c default_transaction_read_only=on"
        pool = ConnectionPool(url, min_size=1, max_size=8, open=False, timeout=30,
                              kwargs={"autocommit": True, "connect_timeout": 10,
                                      "options": options})
        try:
            pool.open(wait=True, timeout=15)
        except PoolTimeout:
            pool.close()
            raise IndexMissing(_("cannot reach the database at {location}").format(
                location=location(url))) from None
        _POOLS[(url, readonly)] = pool
    return pool


@atexit.register
def close_pools() -> None:
    while _POOLS:
        _POOLS.popitem()[1].close()
    _CURRENT.clear()


def forget(url: str) -> None:
    """The schema at `url` is read again at the next open (another process may change it)."""
    _CURRENT.discard(url)
    for readonly in (False, True):
        pool = _POOLS.pop((url, readonly), None)
        if pool is not None:
            pool.close()


def _session(url: str) -> Any:
    """A connection of its own (not the pool's): session locks live as long as it does."""
    psycopg = _psycopg()

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise IndexMissing(_("cannot reach the database at {location} ({error})").format(
            location=location(url), error=str(exc).strip().splitlines()[0])) from None


def try_locks(url: str, names: list[str]) -> tuple[Any, str | None]:
    """Session locks on `names` in the database, for as long as the returned connection is
    open (they go with it, however the process ends); the name already held elsewhere,
    if one is (then nothing is held)."""
    conn = _session(url)
    for name in names:
        if not conn.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                            (SOURCE_LOCKS, name)).fetchone()[0]:
            conn.close()
            return None, name
    return conn, None


@contextmanager
def held_lock(url: str, name: str) -> Iterator[None]:
    """A lock on `name` across every process on every machine that uses this database,
    waited for: what a file lock is on one machine (e.g. one watch delivery at a time, so
    two workers finishing crawls together never send the same matches twice)."""
    conn = _session(url)
    try:
        conn.execute("SELECT pg_advisory_lock(%s, hashtext(%s))", (WAIT_LOCKS, name))
        yield
    finally:
        conn.close()  # the lock goes with the session


# --- the PostgreSQL schema: numbered migrations -------------------------------------------

def migrations() -> list[tuple[int, str, str]]:
    """(version, name, SQL) of every migration file, in order."""
    found = []
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:3]), path.stem, path.read_text(encoding="utf-8")))
    return found


def latest_version() -> int:
    return max(v for v, _, _ in migrations())


def schema_version(url: str) -> int:
    """The version the database at `url` is at (0: none), read without writing."""
    psycopg = _psycopg()

    if url in _CURRENT:  # each open of a web request's reader would cost two connections
        return latest_version()
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        if not conn.execute("SELECT to_regclass('public.schema_version')").fetchone()[0]:
            return 0
        return conn.execute("SELECT coalesce(max(version), 0) FROM public.schema_version"
                            ).fetchone()[0]


def migrate(url: str, upto: int | None = None) -> int:
    """Create or upgrade the schema at `url` (to `upto`, default the latest); each migration
    in its own transaction under the schema lock, so two processes opening a new database
    at once apply each file once.  A newer schema than this newsmon's is refused: it would
    be misread.  Returns the version now."""
    psycopg = _psycopg()

    known = migrations()
    latest = max(v for v, _, _ in known)
    if url in _CURRENT and upto is None:
        return latest
    with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
        # read first, so a database already current is opened without writing (a replica)
        if conn.execute("SELECT to_regclass('public.schema_version')").fetchone()[0]:
            found = conn.execute(
                "SELECT coalesce(max(version), 0) FROM public.schema_version").fetchone()[0]
            _refuse_newer(url, found, latest)
            if found == latest:
                _CURRENT.add(url)
            if found == latest or (upto is not None and found >= upto):
                return found
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS public.schema_version (version integer "
                         "PRIMARY KEY, name text NOT NULL, applied timestamptz NOT NULL "
                         "DEFAULT now())")
        current = 0
        for version, name, sql in known:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
                current = conn.execute(
                    "SELECT coalesce(max(version), 0) FROM public.schema_version").fetchone()[0]
                _refuse_newer(url, current, latest)
                if version <= current or (upto is not None and version > upto):
                    continue
                conn.execute(sql)
                conn.execute("INSERT INTO public.schema_version (version, name) "
                             "VALUES (%s, %s)", (version, name))
                current = version
        if current == latest:
            _CURRENT.add(url)
        return current


def _refuse_newer(url: str, found: int, latest: int) -> None:
    if found > latest:
        raise SchemaNewer(_("database at {location} has schema version {found}, newer than "
                            "this newsmon's {latest}: upgrade newsmon").format(
                                location=location(url), found=found, latest=latest))


def location(url: str) -> str:
    """host:port/dbname, without user or password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        info = conninfo_to_dict(url)
    except Exception:
        return "PostgreSQL"
    return (f"postgresql://{info.get('host', 'localhost')}:{info.get('port', 5432)}"
            f"/{info.get('dbname', '')}")
