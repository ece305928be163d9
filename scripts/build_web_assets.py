"""Copy the web app's browser assets from node_modules/ into app/web/static/vendor/.

The analyst app is used on air-gapped networks, so it serves every script and style itself:
nothing is loaded from a CDN. Run `npm ci --ignore-scripts` first (versions pinned in
package.json / package-lock.json); this script then copies the files the pages use, with their
licences and a manifest of versions and SHA-256 digests. app/web/static/vendor/ is git-ignored.

    python scripts/build_web_assets.py [--check]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "app" / "web" / "static" / "vendor"

# (npm package, file inside the package, destination inside vendor/)
FILES: tuple[tuple[str, str, str], ...] = (
    ("cytoscape", "dist/cytoscape.min.js", "cytoscape.min.js"),
    ("layout-base", "layout-base.js", "layout-base.js"),
    ("cose-base", "cose-base.js", "cose-base.js"),
    ("cytoscape-fcose", "cytoscape-fcose.js", "cytoscape-fcose.js"),
    ("cytoscape-svg", "cytoscape-svg.js", "cytoscape-svg.js"),
    ("swagger-ui-dist", "swagger-ui-bundle.js", "swagger-ui/swagger-ui-bundle.js"),
    ("swagger-ui-dist", "swagger-ui.css", "swagger-ui/swagger-ui.css"),
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _version(package: str) -> str:
    return str(json.loads((NODE_MODULES / package / "package.json").read_text())["version"])


def _locked_versions() -> dict[str, str]:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    return {
        name.removeprefix("node_modules/"): str(info.get("version"))
        for name, info in lock.get("packages", {}).items()
        if name.startswith("node_modules/")
    }


def build(check_only: bool = False) -> int:
    if not NODE_MODULES.is_dir():
        print("node_modules/ is missing: run `npm ci --ignore-scripts` first", file=sys.stderr)
        return 1
    locked = _locked_versions()
    packages = sorted({package for package, _, _ in FILES})
    for package in packages:
        if _version(package) != locked.get(package):
            print(
                f"{package} {_version(package)} in node_modules differs from the lock "
                f"({locked.get(package)}): run `npm ci --ignore-scripts`",
                file=sys.stderr,
            )
            return 1
    manifest: dict[str, object] = {"packages": {p: _version(p) for p in packages}, "files": {}}
    files: dict[str, str] = {}
    for package, source, target in FILES:
        src = NODE_MODULES / package / source
        dst = VENDOR / target
        if check_only:
            if not dst.exists() or _sha256(dst) != _sha256(src):
                print(f"vendor/{target} is missing or stale: run scripts/build_web_assets.py")
                return 1
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        files[target] = _sha256(dst)
    if check_only:
        print("vendor assets are current")
        return 0
    for package in packages:
        for name in ("LICENSE", "LICENSE.md", "LICENSE.txt"):
            licence = NODE_MODULES / package / name
            if licence.exists():
                (VENDOR / "licenses").mkdir(parents=True, exist_ok=True)
                shutil.copyfile(licence, VENDOR / "licenses" / f"{package}-LICENSE")
                break
    manifest["files"] = files
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    print(f"copied {len(FILES)} files from {len(packages)} npm packages into {VENDOR}")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check vendor/ is current")
    sys.exit(build(check_only=parser.parse_args().check))


if __name__ == "__main__":
    main()
