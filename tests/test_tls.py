"""Certificate checks per source, against an HTTPS fixture site with its own CA."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest
from conftest import FIXTURES, run_newsmon, write_sources

from crawler.serve import SiteServer

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def https_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(root / "cert.pem", root / "key.pem")
    with SiteServer(FIXTURES / "site", tls=context) as server:
        yield server, root / "cert.pem"


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
    assert "certificate checks are OFF for 127.0.0.1" in result.stderr
