"""Lighthouse (mobile preset) on the PWA's login and chat screens.

Builds a private embedded server (fresh SQLite file, in-memory channel layer,
`seed_demo`, one daphne process serving the built `pwa/dist`), then runs
`bench/lighthouse/run.mjs` (Lighthouse's Node API on Debian's Chromium, its
own package.json and lock file: never a dependency of the PWA) `--runs` times
per screen and prints the medians.

    (cd pwa && npm run build) && .venv/bin/python -m bench.pwa_lighthouse --runs 3
    .venv/bin/python -m bench.pwa_lighthouse --url http://127.0.0.1:8000   # a running `make run`
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, Stack, frozen_pwa, machine, write_result  # noqa: E402
from tests.integration.harness import run_manage  # noqa: E402

RUNNER = ROOT / "bench" / "lighthouse"
DEMO_PASSWORD = "zhengtong2026"


def chromium_version(path: str) -> str:
    result = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip()


def ensure_runner() -> None:
    """Install Lighthouse into bench/lighthouse/node_modules from its lock file."""
    if not (RUNNER / "node_modules" / "lighthouse").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=RUNNER, check=True)


def run_lighthouse(base: str, args: argparse.Namespace, reports: Path) -> dict[str, Any]:
    command = [
        "node",
        str(RUNNER / "run.mjs"),
        "--base",
        base,
        "--runs",
        str(args.runs),
        "--screens",
        args.screens,
        "--chromium",
        args.chromium,
        "--mobile",
        args.mobile,
        "--password",
        DEMO_PASSWORD,
        "--reports",
        str(reports),
    ]
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screens", default="login,chat")
    parser.add_argument("--url", help="audit this running server instead of a private one")
    parser.add_argument("--mobile", default="13800000003", help="demo login (张晓明)")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    ensure_runner()
    reports = RESULTS / f"lighthouse-{time.strftime('%Y%m%d-%H%M%S')}"
    stack = None
    try:
        if args.url:
            base = args.url
        else:
            stack = Stack("embedded")
            stack.setup({"ZT_PWA_DIST": str(frozen_pwa(stack.work))})
            run_manage(stack.env, "seed_demo", "--if-empty", "--password", DEMO_PASSWORD)
            base = stack.start(1)[0].http
        data = run_lighthouse(base, args, reports)
    finally:
        if stack is not None:
            stack.teardown()
    data["machine"] = {**machine(), "chromium_binary": chromium_version(args.chromium)}
    data["reports"] = str(reports)
    path = write_result("lighthouse", data)

    print(f"{data['chromium']} · Lighthouse {data['lighthouse']} · {args.runs} runs each")
    for name, screen in data["screens"].items():
        median = screen["median"]
        metrics = screen["medianMetrics"]
        print(
            f"{name:6} perf {median['performance']:>3}  a11y {median['accessibility']:>3}  "
            f"best {median['best-practices']:>3}   "
            f"FCP {metrics['first-contentful-paint']:.0f} ms  "
            f"LCP {metrics['largest-contentful-paint']:.0f} ms  "
            f"TBT {metrics['total-blocking-time']:.0f} ms  "
            f"CLS {metrics['cumulative-layout-shift']:.3f}"
        )
        for run in screen["runs"]:
            print(f"         {run['scores']}  load {' '.join(run['loadavg'])}")
    print(f"written to {path} (full reports in {reports})")


if __name__ == "__main__":
    main()
