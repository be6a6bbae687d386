"""Input nobody should send, sent: a 50 MB page and binary files to `extract`, NUL bytes
in a `--queries` file.  One clear line or one JSON record each, quickly."""

from __future__ import annotations

import json
import time

import pytest


@pytest.fixture
def run(capsys):
    from search.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_extract_of_a_50_mb_page_is_refused_at_once(tmp_path, run):
    page = tmp_path / "huge.html"
    paragraph = "<p>Слово и ещё слово в очень длинной статье о школе и колледже.</p>\n"
    with page.open("w", encoding="utf-8") as handle:
        handle.write("<html><body><article><h1>Заголовок</h1>")
        for _ in range(50 * 2**20 // len(paragraph.encode())):
            handle.write(paragraph)
        handle.write("</article></body></html>")
    started = time.monotonic()
    code, out, err = run("extract", str(page))
    assert code == 2 and out == ""
    assert err == f"newsmon: {page} is larger than 16 MB, the largest page the crawler fetches\n"
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("content", [
    bytes(range(1, 256)) * 400,                        # binary without a NUL up front
    b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 50,     # an image
    b"\x1f\x8b\x08\x00" + bytes(range(1, 200)) * 50,   # gzip
], ids=["control-bytes", "png", "gzip"])
def test_extract_of_a_binary_file_says_so(tmp_path, run, content):
    path = tmp_path / "file.html"
    path.write_bytes(content)
    code, out, err = run("extract", str(path))
    assert (code, out) == (2, "")
    assert err == f"newsmon: {path} is not an HTML page (binary data)\n"


def test_nul_bytes_through_queries_are_an_error_record_per_line(crawled, tmp_path, run):
    queries = tmp_path / "queries.txt"
    queries.write_bytes("школа\x00колледж\n\x00\nшк\x00*\n\"\x00\"\ntitle:\x00\nшкола\n"
                        .encode())
    code, out, err = run("--data-dir", str(crawled.data_dir), "search", "--queries",
                         str(queries))
    assert code == 0 and err == ""
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 6
    for number, record in enumerate(records[:5], 1):
        assert record["error"] == f"line {number}: the query holds a NUL character"
    assert records[5]["total"] > 0
