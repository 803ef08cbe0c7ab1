"""Vendor htmx for `clueextract serve` from a pinned npm package (run by hand when the pin changes).

    python scripts/vendor_htmx.py [VERSION]

`npm pack htmx.org@VERSION` into a temp folder, check the tarball against the npm integrity
(sha512) pinned in clueextract/serve/static/assets.json (a new VERSION: against what the registry
reports, which is then pinned), copy dist/htmx.min.js and the licence into
clueextract/serve/static/, and record the file's SHA-256, which the server checks before it starts.
"""
from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "clueextract" / "serve" / "static"
ASSETS = STATIC / "assets.json"


def main() -> None:
    assets = json.loads(ASSETS.read_text(encoding="utf-8"))
    entry = assets["htmx.min.js"]
    version = sys.argv[1] if len(sys.argv) > 1 else entry["version"]
    with tempfile.TemporaryDirectory() as tmp:
        info = json.loads(subprocess.run(["npm", "pack", f"{entry['package']}@{version}", "--json"], cwd=tmp,
                                         check=True, capture_output=True, text=True).stdout)[0]
        tgz = Path(tmp) / info["filename"]
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(tgz.read_bytes()).digest()).decode()
        if integrity != info["integrity"] or (version == entry["version"] and integrity != entry["npm_integrity"]):
            sys.exit(f"{tgz.name}: integrity {integrity} does not match the pin")
        with tarfile.open(tgz) as tar:
            js = tar.extractfile(f"package/{entry['path_in_package']}").read()
            licence = tar.extractfile("package/LICENSE").read()
    (STATIC / "htmx.min.js").write_bytes(js)
    (STATIC / "htmx.LICENSE.txt").write_bytes(licence)
    entry.update(version=version, npm_integrity=integrity, sha256=hashlib.sha256(js).hexdigest())
    ASSETS.write_text(json.dumps(assets, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"htmx {version}: {entry['sha256']}")


if __name__ == "__main__":
    main()
