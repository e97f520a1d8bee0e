"""Shared by the benchmark scripts: write a result table to benchmarks/results/ and show it; compile the
package before measuring."""

from __future__ import annotations

from pathlib import Path


def publish(text: str, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0


def compile_package() -> str:
    """Write the package's bytecode first, as pip does when it installs a wheel: otherwise, where
    PYTHONDONTWRITEBYTECODE is set (or the tree is read-only), every measured process of an
    editable install compiles the modules it imports again, some 50 ms of a CLI run."""
    import compileall

    compileall.compile_dir(Path(__file__).resolve().parent.parent / "kwaliteitscan", quiet=1)
    return ("The package's bytecode was compiled before the runs (as a pip install of the wheel does), so no "
            "measured process compiles source.")
