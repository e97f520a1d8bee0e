"""Time of `kwaliteitscan audit` on the 100-page benchmark agenda, cold (empty cache).

Usage: .venv/bin/python benchmarks/bench_audit.py [--runs 3]
Each run is a fresh CLI process with its own empty cache folder: extraction, spaCy
start-up, segmentation, matching and the report all count. Target (issue 5): <= 5 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from results_file import compile_package, publish  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "benchmarks" / "data" / "agenda-100p.pdf"
CLI = Path(sys.executable).parent / "kwaliteitscan"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "audit.md")
    args = parser.parse_args(argv)
    if not PDF.exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_extract.py"), "--quick"], check=True,
                       stdout=subprocess.DEVNULL)
    compiled = compile_package()
    times = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            env = {**os.environ, "KWALITEITSCAN_CACHE": cache}
            start = time.perf_counter()
            subprocess.run([str(CLI), "audit", str(PDF), "--format", "json"], env=env, check=True,
                           stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
    median = statistics.median(times)
    text = (f"# `kwaliteitscan audit` on a 100-page agenda, cold\n\n"
            f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; runs: "
            + ", ".join(f"{t:.2f} s" for t in times)
            + f"\n- median {median:.2f} s (target ≤ 3 s, issue 18) {'PASS' if median <= 3 else 'FAIL'}\n- {compiled}\n")
    return publish(text, args.out)


if __name__ == "__main__":
    sys.exit(main())
