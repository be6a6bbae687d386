"""sources.toml mistakes are reported with the file, the source and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.config import ConfigError, bundled_sources_path, load_config

GOOD = """
[sources.site]
name = "Сайт"
home = "https://example.org/"
feeds = ["https://example.org/rss.xml"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_sources_load_and_cover_the_region():
    config = load_config(bundled_sources_path())
    assert {"vpravda", "obraz", "v1", "v102", "bloknot", "edu-gov"} <= set(config.sources)
    assert all(s.feeds or s.listings or s.sitemaps for s in config.sources.values())


def test_defaults(tmp_path):
    source = load_config(write(tmp_path, GOOD)).sources["site"]
    assert source.timezone == "Europe/Volgograd"
    assert source.topic == "all"
    assert source.domains == ("example.org",)
    assert source.every_seconds == 3600


@pytest.mark.parametrize(("extra", "message"), [
    ('fedds = ["https://example.org/x"]', "[sources.site]: unknown key 'fedds'"),
    ('topic = "sport"', "'topic' must be"),
    ('every = "5 minutes"', "'every' must look like"),
    ('timezone = "Mars/Olympus"', "unknown 'timezone'"),
    ("article_url = '([a-z'", "'article_url' is not a valid regex"),
    ("delay = -1", "'delay' must not be negative"),
    ('concurrency = "2"', "'concurrency' has the wrong type"),
    ('listings = ["ftp://example.org/"]', "'listings' must hold http(s) URLs"),
    ('[sources.site.selectors]\nbodyy = "div"', "selectors: unknown key 'bodyy'"),
])
def test_errors_name_the_key(tmp_path, extra, message):
    path = write(tmp_path, GOOD + extra + "\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_source_without_anything_to_crawl(tmp_path):
    path = write(tmp_path, '[sources.empty]\nname = "x"\nhome = "https://example.org/"\n')
    with pytest.raises(ConfigError, match=r"\[sources.empty\]: needs at least one of"):
        load_config(path)


def test_toml_syntax_error_names_the_line(tmp_path):
    with pytest.raises(ConfigError, match=r"line 3"):
        load_config(write(tmp_path, '[sources.a]\nname = "x"\nhome = \n'))


def test_unknown_slug(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    with pytest.raises(ConfigError, match="unknown source 'nope' \\(configured: site\\)"):
        config.select(["nope"])
