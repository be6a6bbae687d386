"""A malformed value of every key of the sources file: one error naming the file, the
source and the key, at load time rather than as a crash or a hang in the middle of a crawl."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import ConfigError, load_config

HEAD = """[sources.site]
name = "Сайт"
home = "https://example.org/"
"""
FEEDS = 'feeds = ["https://example.org/rss.xml"]\n'

# (TOML lines replacing or adding a key, words the error must hold)
SOURCE_VALUES = [
    ('name = ""', "'name' must be"),
    ('name = "Две\\nстроки"', "'name' must be"),
    ("name = 5", "'name' has the wrong type"),
    ('home = "example.org"', "'home' must hold http(s) URLs"),
    ('feeds = "https://example.org/rss.xml"', "'feeds' has the wrong type"),
    ("feeds = [5]", "'feeds' must hold http(s) URLs"),
    ('sitemaps = ["file:///etc/passwd"]', "'sitemaps' must hold http(s) URLs"),
    ('listings = [""]', "'listings' must hold http(s) URLs"),
    ("article_url = ['x']", "'article_url' has the wrong type"),
    ("article_url = '(?P<'", "'article_url' is not a valid regex"),
    ("topic = true", "'topic' has the wrong type"),
    ('every = "0s"', "'every' must look like"),
    ("every = 30", "'every' has the wrong type"),
    ('timezone = "../../etc/passwd"', "unknown 'timezone'"),
    ("delay = nan", "'delay' must be at most 600 seconds"),
    ("delay = inf", "'delay' must be at most 600 seconds"),
    ('delay = "1"', "'delay' has the wrong type"),
    ("concurrency = 0", "'concurrency' must be between 1 and 16"),
    ("concurrency = true", "'concurrency' has the wrong type"),
    ('verify = "no"', "'verify' has the wrong type"),
    ('ca_bundle = "missing.pem"', "'ca_bundle' file not found"),
    ("ca_bundle = 1", "'ca_bundle' has the wrong type"),
    ('headers = { "Accept" = 1 }', "'headers' values must be strings"),
    ('headers = { "X-Evil" = "a\\r\\nHost: b" }', "'headers' must be one-line"),
    ('headers = { "Bad Name" = "x" }', "'headers' must be one-line"),
    ('headers = "Accept: ru"', "'headers' has the wrong type"),
    ('selectors = "div"', "'selectors' has the wrong type"),
    ('selectors = { body = "div[[" }', "selectors: 'body' is not a valid CSS selector"),
    ("selectors = { body = 1 }", "selectors: 'body' must be a CSS selector string"),
    ("max_pages = 0", "'max_pages' must be between 1 and 10000"),
    ("max_pages = 1.5", "'max_pages' has the wrong type"),
    ("timeout = 0", "'timeout' must be between 1 and 600"),
    ("timeout = nan", "'timeout' must be between 1 and 600"),
    ("max_requests = 0", "'max_requests' must be between 1 and 1000000"),
    ('max_requests = "many"', "'max_requests' has the wrong type"),
]
CRAWLER_VALUES = [
    ("contact = 5", "'contact' must be a one-line string"),
    ('contact = "a\\nb"', "'contact' must be a one-line string"),
    ('every = "often"', "'every' must look like"),
    ("lexicon = 5", "'lexicon' must be a file name"),
    ('lexicon = "none.toml"', "'lexicon' file not found"),
    ("unknown = 1", "unknown key 'unknown'"),
]


def load(tmp_path: Path, text: str):
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    return path, str(error.value)


@pytest.mark.parametrize(("line", "message"), SOURCE_VALUES, ids=[v[0] for v in SOURCE_VALUES])
def test_a_malformed_source_value_names_file_source_and_key(tmp_path, line, message):
    key = line.split("=")[0].strip()
    head = "".join(h + "\n" for h in HEAD.splitlines() if not h.startswith(f"{key} "))
    path, error = load(tmp_path, head + (FEEDS if key != "feeds" else "") + line + "\n")
    assert error.startswith(f"{path}: [sources.site]"), error
    assert message in error, error


@pytest.mark.parametrize(("line", "message"), CRAWLER_VALUES,
                         ids=[v[0] for v in CRAWLER_VALUES])
def test_a_malformed_crawler_value_names_file_and_key(tmp_path, line, message):
    path, error = load(tmp_path, f"[crawler]\n{line}\n\n{HEAD}{FEEDS}")
    assert error.startswith(f"{path}: [crawler]"), error
    assert message in error, error


def test_every_key_is_covered():
    from crawler.config import _FIELD_TYPES

    assert {line.split("=")[0].strip() for line, _ in SOURCE_VALUES} == set(_FIELD_TYPES)
