"""Shared by the benchmark scripts: write a result table to benchmarks/results/ and show it."""

from __future__ import annotations

from pathlib import Path


def publish(text: str, out: Path) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    print(text)
    return 0
