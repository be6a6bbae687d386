"""Certificate checks per source, against an HTTPS fixture site with its own CA."""

from __future__ import annotations

import shutil

import pytest
from conftest import run_newsmon, write_sources

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def crawl(tmp_path, server, **extra):
    sources = write_sources(tmp_path / "sources.toml", server.base, **extra)
    return run_newsmon("crawl", data_dir=tmp_path / "data", sources=sources)


def test_unknown_ca_is_refused_by_default(tmp_path, https_site):
    server, _ = https_site
    result = crawl(tmp_path, server)
    assert result.returncode == 1
    assert "certificate verify failed" in result.stderr.lower(), result.stderr
    assert "0 new" in result.stdout


def test_a_source_ca_bundle_is_trusted(tmp_path, https_site):
    server, cert = https_site
    result = crawl(tmp_path, server, ca_bundle=f'"{cert}"')
    assert result.returncode == 0, result.stderr
    assert "13 new" in result.stdout


def test_verify_false_works_and_says_so_loudly(tmp_path, https_site):
    server, _ = https_site
    result = crawl(tmp_path, server, verify="false")
    assert result.returncode == 0, result.stderr
    assert "13 new" in result.stdout
    # one line on the terminal, and the same in the run's log
    assert result.stderr.count("certificate checks are OFF for 127.0.0.1") == 1
    log = next((tmp_path / "data" / "logs" / "runs").glob("*.log")).read_text(encoding="utf-8")
    assert "certificate checks are OFF for 127.0.0.1" in log
