"""An index with nothing left in it, and an index missing one of its files: `search` says
what happened and names the repair, `check` makes the repair."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import newsmon_here
from synthetic import imported_archive

from indexer.whoosh_index import WhooshIndex as Index

COUNT = 300


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> Path:
    return imported_archive(tmp_path_factory.mktemp("repair"), COUNT, words=200, seed=9)


@pytest.fixture
def data_dir(original, tmp_path) -> Path:
    shutil.copytree(original, tmp_path / "data")
    return tmp_path / "data"


@pytest.fixture
def cli(capsys):
    from search.cli import main

    def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(data_dir), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_an_index_whose_articles_were_all_deleted_searches_to_zero_hits(data_dir, cli):
    index = Index(data_dir / "index")
    index.delete(index.ids())
    for query in ("школа", "школа NOT новость", '"новость номер"', "шко*", "title:новость"):
        for extra in ([], ["--sort", "date", "--from", "2025", "--source", "synthetic"]):
            code, out, err = cli(data_dir, "search", query, "--format", "json", *extra)
            assert (code, out.strip(), err) == (0, "[]", ""), query


@pytest.mark.parametrize("suffix", [".trm", "._stored.col"])
def test_a_missing_segment_file_is_named_and_check_rebuilds(data_dir, cli, suffix):
    doomed = sorted((data_dir / "index").glob(f"*{suffix}"))[0]
    doomed.unlink()
    code, out, err = cli(data_dir, "search", "школа")
    assert code == 2
    assert f"missing its file {doomed.name}" in err and "newsmon check" in err
    assert "newsmon reindex" in err and len(err.strip().splitlines()) == 1
    check = newsmon_here("check", data_dir=data_dir)
    assert check.returncode == 0, check.stderr
    assert f"index rebuilt: {COUNT} articles" in check.stdout
    code, out, err = cli(data_dir, "search", "новость", "--count")
    assert code == 0 and int(out) > 0


def test_no_suggestion_that_repeats_the_query(cli, data_dir):
    for query in ("NOT новость", "шкала NOT школа", "шко*"):  # every title has «Новость»
        code, _out, err = cli(data_dir, "search", query, "--count")
        assert code == 0 and "did you mean" not in err, query
    _, _, err = cli(data_dir, "search", "шкала")
    assert "did you mean: школа" in err


def test_minus_word_is_query_text_not_an_option(cli, data_dir):
    _, every, _ = cli(data_dir, "search", "NOT школа", "--count")
    for query in ("-школа", "-(школа OR колледж)", '-"новость номер"'):
        code, out, err = cli(data_dir, "search", query, "--count")
        assert code == 0 and err == "", (query, err)
    code, out, _ = cli(data_dir, "search", "-школа", "--count")
    assert out == every
    code, _, err = cli(data_dir, "search", "школа", "-x")
    assert code == 2 and "unrecognized arguments: -x" in err
