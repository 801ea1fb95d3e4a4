"""The base install's footprint: build the wheel, install it (no extras) into a fresh venv,
count the distributions it brings and their size on disk.

    python benchmarks/bench_install.py            # needs the package index (or a wheel cache)

Counts every distribution in the venv but pip and setuptools (the venv's own); the size is
site-packages less those two, byte-compiled as pip leaves it. Prints a Markdown table row
for benchmarks/RESULTS.md."""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_OWN = {"pip", "setuptools"}


def _size(paths: list[Path]) -> int:
    return sum(f.stat().st_size for p in paths for f in ([p] if p.is_file() else p.rglob("*"))
               if f.is_file() and not f.is_symlink())


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="evalkit-install-") as scratch:
        work = Path(scratch)
        # sdist, then the wheel from it in a scratch folder (no shared build/ in the tree)
        subprocess.run([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(ROOT)],
                       check=True, capture_output=True, cwd=work)
        wheel = next((work / "dist").glob("evalkit-*.whl"))
        subprocess.run([sys.executable, "-m", "venv", str(work / "venv")], check=True)
        python = work / "venv" / "bin" / "python"
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True)
        code = ("import importlib.metadata as m, json, sysconfig; print(json.dumps({'site': "
                "sysconfig.get_paths()['purelib'], 'dists': sorted({d.metadata['Name'].lower() "
                "for d in m.distributions()})}))")
        found = json.loads(subprocess.run([str(python), "-c", code], check=True,
                                          capture_output=True, text=True).stdout)
        site = Path(found["site"])
        dists = [d for d in found["dists"] if d not in VENV_OWN]
        own = [p for p in site.iterdir()
               if p.name.split("-")[0].split(".")[0].lower() in VENV_OWN | {"_distutils_hack"}
               or p.name == "distutils-precedence.pth"]
        total = _size([p for p in site.iterdir() if p not in own])
        print(json.dumps({"distributions": len(dists), "site_packages_mb": round(total / 2**20),
                          "names": dists}, indent=1))
        print(f"| base install (`pip install evalkit`) | {len(dists)} | {total / 2**20:.0f} MB |")


if __name__ == "__main__":
    main()
