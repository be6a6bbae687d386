"""Write the feeds named by manifest.json into benchmarks/feeds/pages/ (ignored by git).

    python benchmarks/feeds/lay_out.py [--mirror-root /work/.mirror]

Third-party feeds come out of bare git mirrors at MIRROR_ROOT/<owner>+<name>/repo, read
at the manifest's commit; newsmon's own fixtures are copied with __BASE__ replaced.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PAGES = HERE / "pages"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirror-root", default="/work/.mirror", type=Path)
    args = parser.parse_args()
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    written = missing = 0
    for feed in manifest["feeds"]:
        source = manifest["sources"][feed["source"]]
        try:
            if source["repo"] is None:
                data = (ROOT / feed["path"]).read_bytes()
            else:
                gitdir = args.mirror_root / source["repo"].replace("/", "+") / "repo"
                data = subprocess.run(
                    ["git", "--git-dir", str(gitdir), "show",
                     f"{source['commit']}:{feed['path']}"],
                    check=True, capture_output=True).stdout
        except (OSError, subprocess.CalledProcessError) as error:
            print(f"missing {feed['id']}: {error}", file=sys.stderr)
            missing += 1
            continue
        for old, new in feed.get("replace", {}).items():
            data = data.replace(old.encode(), new.encode())
        out = PAGES / feed["file"]
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        written += 1
    print(f"{written} feeds written to {PAGES}, {missing} missing")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
