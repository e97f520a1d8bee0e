"""The floor plan is a contract: the import-linter contracts in pyproject.toml hold (each stage
imports only the stages before it, nothing imports the CLI, the product never imports the
demo-PDF renderer, no cycles), and no module takes another module's private names."""

from __future__ import annotations

import ast

from .conftest import ROOT

PACKAGE = ROOT / "kwaliteitscan"


def test_import_linter_contracts_hold():
    from importlinter.application.use_cases import lint_imports
    from importlinter.configuration import configure

    configure()
    import os

    here = os.getcwd()
    os.chdir(ROOT)  # lint-imports reads pyproject.toml from the working folder
    try:
        assert lint_imports() is True, "run `.venv/bin/lint-imports` to see which contract broke"
    finally:
        os.chdir(here)


def test_every_stage_is_a_package_of_its_own():
    stages = {"cli", "extract", "segment", "codebook", "match", "project", "review", "report", "interop", "pipeline"}
    assert stages <= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    loose = sorted(p.name for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"})
    assert loose == ["errors.py", "files.py", "untrusted.py", "version.py"]  # the modules every stage may use


def test_no_module_imports_a_private_name_of_another():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("kwaliteitscan")):
                offenders += [f"{path.relative_to(ROOT)}:{node.lineno} {a.name}" for a in node.names
                              if a.name.startswith("_") and a.name != "__version__"]
    assert offenders == []
