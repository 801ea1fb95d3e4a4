"""The built distributions: the wheel carries the package's data (templates, JSON Schemas,
the price table, py.typed) and the licence; its metadata has one version, classifiers and a
lean base; the sdist carries the tests. Built offline with the venv's setuptools."""
from __future__ import annotations

import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser

import pytest

import evalkit
from tests.cli.helpers import REPO_ROOT

OPTIONAL = ("litellm", "datasets", "rouge-score", "pyarrow", "torch", "ray")
DEV_TOOLS = ("pytest", "ruff", "import-linter", "hypothesis", "playwright", "build")


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    from importlib.metadata import PackageNotFoundError, version

    try:  # the distribution, not the name: a repository's build/ folder imports as `build`
        version("build")
    except PackageNotFoundError:
        pytest.skip("the `build` package is not installed (the dev extra has it)")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                           str(REPO_ROOT)], capture_output=True, text=True, timeout=300,
                          cwd=out)  # not the tree: its build/ folder would shadow `build`
    assert done.returncode == 0, done.stderr[-3000:]
    return next(out.glob("*.whl")), next(out.glob("*.tar.gz"))


def test_the_wheel_carries_data_licence_and_types(dist):
    wheel, _ = dist
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("evalkit/py.typed", "evalkit/backends/prices.json",
                   "evalkit/cli/json_schemas/compare.schema.json",
                   "evalkit/report/templates/report.html.j2"):
        assert needed in names, needed
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_metadata_one_version_classifiers_and_a_lean_base(dist):
    wheel, _ = dist
    archive = zipfile.ZipFile(wheel)
    meta = Parser().parsestr(archive.read(next(n for n in archive.namelist()
                                               if n.endswith(".dist-info/METADATA"))).decode())
    assert meta["Version"] == evalkit.__version__
    assert meta["License-Expression"] == "Apache-2.0"
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3.10" in classifiers
    requires = meta.get_all("Requires-Dist")
    base = [r for r in requires if "extra ==" not in r]
    assert not [r for r in base if r.split("<")[0].split(">")[0].split("=")[0].strip().lower()
                in OPTIONAL], base
    everything = [r for r in requires if 'extra == "all"' in r]
    assert everything and not any(tool in r for r in everything for tool in DEV_TOOLS)
    assert not any("dev" in r.split(";")[0] for r in everything), everything
    assert any(r.startswith("duckdb") and "<3" in r for r in base)  # capped at the next format


def test_the_sdist_carries_the_tests(dist):
    _, sdist = dist
    names = tarfile.open(sdist).getnames()
    root = names[0].split("/")[0]
    for needed in ("tests/conftest.py", "tests/packaging/test_distribution.py", "LICENSE",
                   "pyproject.toml", "suites/examples/pipeline_quickstart.yaml", "conftest.py"):
        assert f"{root}/{needed}" in names, needed
