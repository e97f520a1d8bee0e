"""Install as users install: build the wheel, install it into a fresh virtual environment and
run `audit` and `report --format html` from the installed copy, outside the repository.

The fresh environment gets the wheel itself without dependencies; the dependencies (spaCy,
pdfium, typer ...) are borrowed from the test environment through a .pth line, so the test
needs no network and still fails when the wheel lacks a package or the bundled codebook.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from .conftest import CORPUS, ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    (found,) = out.glob("kwaliteitscan-*.whl")
    return found


def test_the_wheel_holds_every_package_and_the_bundled_codebook(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    packages = {str(p.parent.relative_to(ROOT)) for p in (ROOT / "kwaliteitscan").rglob("__init__.py")}
    assert {f"{p}/__init__.py" for p in packages} <= names
    assert {"kwaliteitscan/codebooks/stagediscriminatie.yaml",
            "kwaliteitscan/codebooks/stagediscriminatie.suggester.json"} <= names
    webpage = {p.relative_to(ROOT).as_posix() for p in (ROOT / "kwaliteitscan/review/webpage").iterdir()}
    assert "kwaliteitscan/review/webpage/review.html" in webpage and webpage <= names  # the browser review's page


def test_installed_wheel_audits_and_reports(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    (site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "elsewhere"  # not the repository: only the installed copy can be imported
    work.mkdir()
    env = {**os.environ, "KWALITEITSCAN_CACHE": str(tmp_path / "cache"), "PYTHONPATH": ""}
    where = subprocess.run([str(python), "-c", "import kwaliteitscan; print(kwaliteitscan.__file__)"], cwd=work,
                           env=env, check=True, capture_output=True, text=True).stdout
    assert str(site) in where
    kwaliteitscan = venv / "bin" / "kwaliteitscan"
    agenda = CORPUS / "roc-zeestroom-2024.pdf"
    audit = subprocess.run([str(kwaliteitscan), "audit", str(agenda)], cwd=work, env=env, capture_output=True,
                           text=True)
    assert audit.returncode == 0, audit.stderr
    assert "Zelfevaluatie ROC Zeestroom" in audit.stdout
    subprocess.run([str(kwaliteitscan), "code", str(agenda), "--db", str(work / "p.sqlite")], cwd=work, env=env,
                   check=True, capture_output=True)
    report = subprocess.run([str(kwaliteitscan), "report", str(agenda), "--db", str(work / "p.sqlite"), "--format",
                             "html", "--out", str(work / "r.html")], cwd=work, env=env, capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    assert "ROC Zeestroom" in (work / "r.html").read_text(encoding="utf-8")
