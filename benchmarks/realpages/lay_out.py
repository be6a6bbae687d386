"""Write the manifest's pages out of the mirrored corpora into benchmarks/realpages/pages/.

    python benchmarks/realpages/lay_out.py [--mirror-root /work/.mirror]

For every repository of manifest.json it looks for a mirror named like owner+name* under the
mirror root (the bare git directory may sit one level down), checks the pinned commit is
there, and writes each page, gunzipped, to pages/<id>.html and any body ground truth
(articleBody and url) to pages/<id>.truth.json.  The pages folder is git-ignored: third-party
pages are never committed.  Standard library only; nothing from the mirrors is executed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"


def find_git_dir(root: Path, repo: str) -> Path | None:
    """The bare git directory of a mirror named owner+name* (itself or one level down)."""
    for cand in sorted(root.glob(repo.replace("/", "+") + "*")):
        subs = [cand, *sorted(p for p in cand.iterdir() if p.is_dir())] if cand.is_dir() else []
        for sub in subs:
            if (sub / "HEAD").is_file() and (sub / "objects").is_dir():
                return sub
    return None


def git_show(git_dir: Path, commit: str, path: str) -> bytes | None:
    done = subprocess.run(["git", "--git-dir", str(git_dir), "show", f"{commit}:{path}"],
                          capture_output=True)
    return done.stdout if done.returncode == 0 else None


def has_commit(git_dir: Path, commit: str) -> bool:
    done = subprocess.run(["git", "--git-dir", str(git_dir), "cat-file", "-e",
                           f"{commit}^{{commit}}"], capture_output=True)
    return done.returncode == 0


def flatten(body) -> str:
    """A body as text: a string as is; Fundus' {summary, sections: [{headline, paragraphs}]}."""
    if isinstance(body, str):
        return body
    parts = list(body.get("summary") or [])
    for section in body.get("sections") or []:
        parts += list(section.get("headline") or []) + list(section.get("paragraphs") or [])
    return "\n\n".join(parts)



def load_manifest() -> dict:
    """manifest.json with the corpora's own truth (pages/truth.json, written by
    build_manifest.py from the mirrors and never committed) laid over it."""
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    truth_file = HERE / "pages" / "truth.json"
    truth = json.loads(truth_file.read_text(encoding="utf-8")) if truth_file.exists() else {}
    for page in manifest["pages"]:
        page["truth"] = {**truth.get(page["id"], {}), **page["truth"]}
    return manifest

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror-root", default="/work/.mirror")
    args = parser.parse_args()
    manifest = load_manifest()
    root = Path(args.mirror_root)
    PAGES.mkdir(exist_ok=True)

    repos: dict[str, Path] = {}
    for corpus in manifest["corpora"]:
        git_dir = find_git_dir(root, corpus["repo"])
        if git_dir is None:
            print(f"missing mirror: {corpus['repo']} (no {corpus['repo'].replace('/', '+')}* "
                  f"under {root})")
        elif not has_commit(git_dir, corpus["commit"]):
            print(f"missing commit: {corpus['repo']} {corpus['commit']} not in {git_dir}")
        else:
            repos[corpus["repo"]] = git_dir
    commits = {c["repo"]: c["commit"] for c in manifest["corpora"]}

    written, missing = 0, []
    truths: dict[tuple[str, str], dict] = {}
    for page in manifest["pages"]:
        git_dir = repos.get(page["repo"])
        raw = git_dir and git_show(git_dir, commits[page["repo"]], page["path"])
        if not raw:
            missing.append(page["id"])
            continue
        (PAGES / f"{page['id']}.html").write_bytes(gzip.decompress(raw) if page["gz"] else raw)
        written += 1
        body_path = page["truth"].get("body_path")
        if body_path:
            key = (page["repo"], body_path)
            if key not in truths:
                data = git_show(git_dir, commits[page["repo"]], body_path)
                truths[key] = json.loads(data) if data else {}
            item = truths[key].get(page.get("body_entry"), truths[key])
            body_key = page["truth"].get("body_key") or "articleBody"
            if isinstance(item, dict) and body_key in item:
                truth = {"articleBody": flatten(item[body_key]),
                         "url": item.get("url", page["url"])}
                (PAGES / f"{page['id']}.truth.json").write_text(
                    json.dumps(truth, ensure_ascii=False), encoding="utf-8")
            else:
                print(f"no {body_key} for {page['id']} in {page['repo']}:{body_path}")
    print(f"wrote {written} of {len(manifest['pages'])} pages to {PAGES}")
    if missing:
        print(f"missing {len(missing)} pages: {', '.join(missing[:20])}"
              + (" ..." if len(missing) > 20 else ""))
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
