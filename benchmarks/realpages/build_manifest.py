"""Rebuild manifest.json and pages/truth.json from the mirrored corpora (before lay_out.py).

    python benchmarks/realpages/build_manifest.py [--mirror-root /work/.mirror]

Reads the ground truth each corpus keeps (scrapinghub ground-truth.json, trafilatura
tests/evaldata.json, htmldate tests/eval_*.json), adds the hand-written truth of
handtruth.json (keyed by page id, overriding fields) and assigns the dev/holdout split
by a hash of the page id.  Standard library only; nothing from the mirrors is executed.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import html as html_mod
import json
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA = {
    "scrapinghub/article-extraction-benchmark": (
        "article body ground truth (articleBody) for 181 mostly English news/blog pages",
        "MIT licence (repository LICENSE); pages are third-party copyright: never commit them"),
    "adbar/trafilatura": (
        "trafilatura's evaluation set: with/without snippets, title, author, date per page",
        "Apache-2.0 code; cached pages are third-party copyright: never commit them"),
    "adbar/htmldate": (
        "htmldate's date evaluation sets (eval_default.json, eval_mediacloud_2020.json)",
        "Apache-2.0 code; cached pages are third-party copyright: never commit them"),
    "flairNLP/fundus": (
        "Fundus publisher parser tests: html.gz pages with JSON truth (title, authors, date, body)",
        "MIT licence (repository LICENSE); pages are third-party copyright: never commit them"),
}
FUNDUS = "tests/resources/parser/test_data/"


def git_dir(root: Path, repo: str) -> Path:
    for cand in sorted(root.glob(repo.replace("/", "+") + "*")):
        for sub in (cand, *sorted(cand.iterdir())):
            if (sub / "HEAD").is_file() and (sub / "objects").is_dir():
                return sub
    raise SystemExit(f"no mirror of {repo} under {root}")


def git(gd: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(gd), *args], check=True,
                          capture_output=True).stdout


def show(gd: Path, commit: str, path: str) -> bytes:
    return git(gd, "show", f"{commit}:{path}")


def split_of(page_id: str) -> str:
    return "holdout" if hashlib.sha1(page_id.encode()).digest()[0] % 10 < 4 else "dev"


def lang_of(raw: bytes, gz: bool) -> str | None:
    text = (gzip.decompress(raw) if gz else raw)[:200_000].decode("utf-8", "replace")
    found = re.search(r"<html[^>]*?\slang=[\"']?([A-Za-z]{2,3})(?![A-Za-z])", text, re.I)
    if found:
        return found.group(1).lower()
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<[^>]+>", " ", text, flags=re.S)
    if len(re.findall("[а-яё]", body, re.I)) > 500:
        return "uk" if len(re.findall("[іїєґ]", body, re.I)) > 50 else "ru"
    return None


def slug(name: str) -> str:
    base = re.sub(r"(\.html?)?(\.gz)?$", "", name)
    base = re.sub(r"[^A-Za-z0-9.-]+", "-", base).strip("-")[:48]
    return f"{base}-{hashlib.sha1(name.encode()).hexdigest()[:4]}"


def day(value) -> str | None:
    """A YYYY-MM-DD truth date, or None (the corpora also hold NaN and empty dates)."""
    return value if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value) else None


def truth(**fields) -> dict:
    blank = {"article": None, "title": None, "published": None, "author": None,
             "body_start": None, "body_end": None, "with": [], "without": [],
             "body_path": None, "body_key": "articleBody"}
    return blank | fields


def fundus_day(stamp: str | None) -> str | None:
    """The day of a Fundus publishing_date, or None when the hour makes the day zone-dependent."""
    found = re.match(r"(\d{4}-\d\d-\d\d)[ T](\d\d):\d\d(?::[\d.]+)?([+-]\d\d:?\d\d|Z)?",
                     stamp or "")
    if not found:
        return None
    hour, offset = int(found.group(2)), found.group(3)
    if offset in ("+00:00", "Z", None) and (hour >= 21 or hour < 3):
        return None
    return found.group(1)


def fundus_matches(html: bytes, version: dict) -> bool:
    """A truth version belongs to a page when its title and first paragraph are in the page."""
    text = " ".join(html_mod.unescape(html.decode("utf-8", "replace")).split())
    body = version.get("body") or {}
    paragraphs = [p for s in body.get("sections", []) for p in s.get("paragraphs", [])]
    probes = [version.get("title") or "", *paragraphs[:1]]
    return all(" ".join(p.split())[:60] in text for p in probes if p)


def add_fundus(gd: Path, commit: str, files: set[str], add) -> None:
    """Pages whose truth version is found unambiguously (title and first paragraph match)."""
    for info_path in sorted(f for f in files if f.startswith(FUNDUS) and f.endswith("meta.info")):
        folder = info_path.rsplit("/", 1)[0] + "/"
        meta = json.loads(show(gd, commit, info_path))
        for name, info in sorted(meta.items()):
            publisher = name.split("_")[0].removesuffix(".html.gz")
            if folder + name not in files or folder + publisher + ".json" not in files:
                continue
            html = gzip.decompress(show(gd, commit, folder + name))
            versions = json.loads(show(gd, commit, folder + publisher + ".json"))
            found = [key for key, version in versions.items() if fundus_matches(html, version)]
            if len(found) != 1:
                continue
            version = versions[found[0]]
            authors = version.get("authors") or []
            add(f"fu-{folder.split('/')[-2]}-{slug(name)}", folder + name, info["url"], gz=True,
                entry=found[0], fields=truth(
                    article=True, title=version.get("title") or None,
                    published=fundus_day(version.get("publishing_date")),
                    author=authors[0] if authors else None,
                    body_path=folder + publisher + ".json", body_key="body"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mirror-root", default="/work/.mirror")
    root = Path(parser.parse_args().mirror_root)
    corpora, pages = [], []
    for repo, (what, note) in CORPORA.items():
        gd = git_dir(root, repo)
        commit = git(gd, "rev-parse", "HEAD").decode().strip()
        corpora.append({"repo": repo, "commit": commit, "what": what, "license_note": note})
        files = set(git(gd, "ls-tree", "-r", "-z", "--name-only", commit).decode().split("\0"))

        def add(page_id, path, url, fields, gz=False, entry=None):
            if any(page["id"] == page_id for page in pages):
                return  # the same file listed twice (under two URLs): keep the first
            raw = show(gd, commit, path)  # noqa: B023 - gd/commit are this repo's
            page = {"id": page_id, "repo": repo, "path": path, "gz": gz, "url": url,  # noqa: B023
                    "lang": lang_of(raw, gz), "split": split_of(page_id), "truth": fields}
            if entry:
                page["body_entry"] = entry
            pages.append(page)

        if repo.startswith("scrapinghub/"):
            ground = json.loads(show(gd, commit, "ground-truth.json"))
            for key, item in sorted(ground.items()):
                path = f"html/{key}.html.gz"
                if path in files:
                    add(f"sh-{key[:12]}", path, item["url"], gz=True, entry=key,
                        fields=truth(article=True, body_path="ground-truth.json"))
        elif repo == "adbar/trafilatura":
            data = json.loads(show(gd, commit, "tests/evaldata.json"))
            for url, item in data.items():
                path = next((p + item["file"] for p in ("tests/eval/", "tests/cache/")
                             if p + item["file"] in files), None)
                if path is None:
                    continue
                author = item.get("author") or None
                add(f"tf-{slug(item['file'])}", path, url, truth(
                    title=item.get("title") or None, published=day(item.get("date")),
                    author=author[0] if isinstance(author, list) else author,
                    **{"with": item.get("with", []), "without": item.get("without", [])}))
        elif repo == "flairNLP/fundus":
            add_fundus(gd, commit, files, add)
        else:
            for name, folder in (("tests/eval_default.json", None),
                                 ("tests/eval_mediacloud_2020.json", "tests/test_set/")):
                data = json.loads(show(gd, commit, name))
                for url, item in data.items():
                    dirs = (folder,) if folder else ("tests/eval/", "tests/cache/")
                    path = next((p + item["file"] for p in dirs if p + item["file"] in files),
                                None)
                    if path is None:
                        continue
                    add(f"hd-{slug(item['file'])}", path, url, truth(published=day(item["date"])))
    hand = json.loads((HERE / "handtruth.json").read_text(encoding="utf-8"))
    by_id = {page["id"]: page for page in pages}
    for page_id, fields in hand.items():
        if page_id.startswith("_"):
            continue
        by_id[page_id]["truth"].update(fields)
        by_id[page_id]["lang"] = fields.get("lang", by_id[page_id]["lang"])
        by_id[page_id]["truth"].pop("lang", None)
    assert len(by_id) == len(pages), "duplicate page ids"
    # the corpora's own truth (their titles, snippets) stays beside their pages, out of git;
    # the committed manifest keeps where each page is and the truth written here by hand
    (HERE / "pages").mkdir(exist_ok=True)
    (HERE / "pages" / "truth.json").write_text(json.dumps(
        {page["id"]: page["truth"] for page in pages}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    for page in pages:
        own = {k: v for k, v in hand.get(page["id"], {}).items() if k != "lang"}
        page["truth"] = own
    out = {"corpora": corpora, "pages": pages}
    (HERE / "manifest.json").write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n",
                                        encoding="utf-8")
    print(f"{len(pages)} pages from {len(corpora)} corpora, {len(hand)} hand-written truths")


if __name__ == "__main__":
    main()
