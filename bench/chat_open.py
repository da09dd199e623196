"""Opening a 1,000-message conversation in the PWA: time to first render and scroll frames.

Builds a private embedded server (fresh SQLite, `seed_demo`, plus a group of
张晓明 and three colleagues with 1,000 messages sent through the real
services by `tests/e2e/seed_history.py`), serves the built `pwa/dist` from one
daphne process, and drives Debian's Chromium with Playwright at a phone
viewport (390×844, touch, DPR 2), logged in as 张晓明 over REST.

Per CPU-throttling rate (Chromium's `Emulation.setCPUThrottlingRate`; 1 = this
machine, 4 = Lighthouse's "mid-range phone"), `--repeat` times each:

- cold: a new browser context (no cache, no service worker, no stored state)
  navigates to `/chats/<id>`; time from navigation start to the newest
  message being inside the message list's viewport (checked every animation
  frame).
- in-app: the chat list is open (app loaded, this conversation not yet); time
  from the tap on the conversation to the newest message visible.
- in-app again: back to the list and in again (messages cached in memory).

Then, once per rate, in the cold page: scroll up through the whole history at
a steady `--px-per-frame` (loading older pages on the way, as a reader does)
until 没有更早的消息了 shows, and back down to the newest; the interval of every
animation frame, long tasks and how many message rows are in the DOM.

    (cd pwa && npm run build) && .venv/bin/python -m bench.chat_open
    .venv/bin/python -m bench.chat_open --messages 1000 --repeat 5 --throttle 1,4
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
from typing import Any

from bench.common import Stack, frozen_pwa, machine, percentile, write_result
from tests.integration.harness import run_manage, seed

PHONE = {"width": 390, "height": 844}
OWNER = "13800000003"  # 张晓明
MEMBERS = ["13800000001", "13800000002", "13800000004"]
DEMO_PASSWORD = "zhengtong2026"

# Installed before any page script: `__ztWatch(seq, key)` sets `window[key]`
# to performance.now() (ms since navigation start) in the first animation
# frame where message `seq` lies inside the list's viewport. A cold load starts
# watching at once; taps are timestamped by a capturing listener.
WATCH_JS = """
(() => {
  window.__ztWatch = (seq, key) => {
    window[key] = null
    const tick = () => {
      const list = document.querySelector('[data-testid="message-list"]')
      const row = list && list.querySelector(`[data-testid="message"][data-seq="${seq}"]`)
      if (row) {
        const a = list.getBoundingClientRect()
        const b = row.getBoundingClientRect()
        if (b.height > 0 && b.top >= a.top - 1 && b.bottom <= a.bottom + 1) {
          window[key] = performance.now()
          return
        }
      }
      requestAnimationFrame(tick)
    }
    requestAnimationFrame(tick)
  }
  window.__ztTap = null
  document.addEventListener('click', (e) => { window.__ztTap = e.timeStamp }, true)
  if (window.__ztColdSeq) window.__ztWatch(window.__ztColdSeq, '__ztCold')
})()
"""

# Scroll the message list by `px` per animation frame towards `direction`
# ("up": until the top of the history is reached; "down": to the bottom).
SCROLL_JS = """
async ({ direction, px, maxMs }) => {
  const list = document.querySelector('[data-testid="message-list"]')
  const frames = []
  const longTasks = []
  const observers = []
  for (const type of ['longtask', 'long-animation-frame']) {
    try {
      const po = new PerformanceObserver((entries) => {
        for (const e of entries.getEntries()) longTasks.push({ type, duration: e.duration })
      })
      po.observe({ type, buffered: false })
      observers.push(po)
    } catch (e) { /* not supported */ }
  }
  const started = performance.now()
  let last = started
  const done = () => direction === 'up'
    ? list.scrollTop <= 0 && document.querySelector('[data-testid="no-older"]')
    : list.scrollHeight - list.scrollTop - list.clientHeight < 1
  await new Promise((resolve) => {
    const frame = (now) => {
      frames.push(now - last)
      last = now
      if (done() || now - started > maxMs) { resolve(); return }
      list.scrollTop += direction === 'up' ? -px : px
      requestAnimationFrame(frame)
    }
    requestAnimationFrame(frame)
  })
  // Let the observers deliver what the last frames produced.
  await new Promise((r) => setTimeout(r, 100))
  for (const po of observers) po.disconnect()
  return {
    ms: performance.now() - started,
    frames: frames.slice(1),
    longTasks,
    reached: Boolean(done()),
    rows: list.querySelectorAll('[data-testid="message"]').length,
  }
}
"""


def stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": round(statistics.median(values), 1),
        "min": round(min(values), 1),
        "max": round(max(values), 1),
    }


def frame_stats(frames: list[float]) -> dict[str, Any]:
    return {
        "frames": len(frames),
        "p50_ms": round(percentile(frames, 50) or 0, 1),
        "p95_ms": round(percentile(frames, 95) or 0, 1),
        "p99_ms": round(percentile(frames, 99) or 0, 1),
        "max_ms": round(max(frames, default=0), 1),
        # One missed vsync at 60 Hz or worse.
        "over_25ms": sum(1 for f in frames if f > 25),
        "over_50ms": sum(1 for f in frames if f > 50),
    }


def new_phone(browser: Any, base: str) -> Any:
    context = browser.new_context(
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=base,
    )
    # The REST login shares the context's cookie jar.
    context.request.get("/api/v1/auth/csrf")
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    reply = context.request.post(
        "/api/v1/auth/login",
        headers={"X-CSRFToken": token, "Referer": f"{base}/login"},
        data={"mobile": OWNER, "password": DEMO_PASSWORD},
    )
    if not reply.ok:
        raise RuntimeError(f"login failed: {reply.status} {reply.text()}")
    return context


def throttled_page(context: Any, rate: float, cold_seq: int | None) -> Any:
    page = context.new_page()
    if cold_seq is not None:
        page.add_init_script(f"window.__ztColdSeq = {cold_seq};")
    page.add_init_script(WATCH_JS)
    cdp = context.new_cdp_session(page)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
    return page


def count_rows(page: Any) -> int:
    return int(page.locator('[data-testid="message"]').count())


def measure(
    browser: Any, base: str, history: dict[str, Any], rate: float, args: argparse.Namespace
) -> dict[str, Any]:
    conversation = history["conversation_id"]
    last = history["last_seq"]
    timeout = 60_000 * max(1.0, rate)
    cold: list[float] = []
    in_app: list[float] = []
    in_app_again: list[float] = []
    rows_after_open: list[int] = []
    scroll: dict[str, Any] = {}
    for attempt in range(args.repeat):
        # Cold: a first visit straight to the conversation.
        context = new_phone(browser, base)
        page = throttled_page(context, rate, last)
        page.goto(f"/chats/{conversation}", wait_until="commit")
        cold.append(float(page.wait_for_function("window.__ztCold", timeout=timeout).json_value()))
        rows_after_open.append(count_rows(page))
        if attempt == 0:
            page.wait_for_timeout(500)  # let the read receipt and the socket settle
            up = page.evaluate(
                SCROLL_JS, {"direction": "up", "px": args.px_per_frame, "maxMs": 180_000}
            )
            down = page.evaluate(
                SCROLL_JS, {"direction": "down", "px": args.px_per_frame, "maxMs": 180_000}
            )
            page.wait_for_timeout(300)
            scroll = {
                "px_per_frame": args.px_per_frame,
                "up": {
                    "seconds": round(up["ms"] / 1000, 1),
                    "reached_top": up["reached"],
                    "rows_in_dom_at_top": up["rows"],
                    **frame_stats(up["frames"]),
                    "long_tasks": len([t for t in up["longTasks"] if t["type"] == "longtask"]),
                    "long_task_ms": round(
                        sum(t["duration"] for t in up["longTasks"] if t["type"] == "longtask")
                    ),
                },
                "down": {
                    "seconds": round(down["ms"] / 1000, 1),
                    "reached_bottom": down["reached"],
                    "rows_in_dom_at_bottom": count_rows(page),
                    **frame_stats(down["frames"]),
                    "long_tasks": len([t for t in down["longTasks"] if t["type"] == "longtask"]),
                    "long_task_ms": round(
                        sum(t["duration"] for t in down["longTasks"] if t["type"] == "longtask")
                    ),
                },
            }
        context.close()

        # In-app: the app is loaded on the chat list; tap the conversation.
        context = new_phone(browser, base)
        page = throttled_page(context, rate, None)
        page.goto("/chats")
        item = page.locator(
            f'[data-testid="conversation-item"][data-conversation-id="{conversation}"]'
        )
        item.wait_for(timeout=timeout)
        page.wait_for_timeout(300)
        for bucket in (in_app, in_app_again):
            page.evaluate(f"window.__ztWatch({last}, '__ztOpen')")
            item.click()
            shown = float(page.wait_for_function("window.__ztOpen", timeout=timeout).json_value())
            bucket.append(shown - float(page.evaluate("window.__ztTap")))
            page.go_back()
            item.wait_for(timeout=timeout)
            page.wait_for_timeout(300)
        context.close()
    return {
        "cpu_throttling": rate,
        "cold_open_ms": stats(cold),
        "in_app_open_ms": stats(in_app),
        "in_app_reopen_ms": stats(in_app_again),
        "rows_in_dom_after_open": rows_after_open[0] if rows_after_open else None,
        "scroll": scroll,
        "raw": {"cold": cold, "in_app": in_app, "in_app_again": in_app_again},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--throttle", default="1,4", help="CPU throttling rates, comma-separated")
    parser.add_argument(
        "--px-per-frame", type=int, default=40, help="scroll speed (40 ≈ 2,400 px/s at 60 Hz)"
    )
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    stack = Stack("embedded")
    results: dict[str, Any] = {"machine": machine(), "messages": args.messages, "runs": []}
    try:
        stack.setup({"ZT_PWA_DIST": str(frozen_pwa(stack.work))})
        run_manage(stack.env, "seed_demo", "--if-empty", "--password", DEMO_PASSWORD)
        history = seed(
            stack.env,
            {
                "owner": OWNER,
                "members": MEMBERS,
                "name": "千条消息测试群",
                "messages": args.messages,
            },
            module="tests.e2e.seed_history",
        )
        results["seed_seconds"] = history["seconds"]
        base = stack.start(1)[0].http
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=args.chromium,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--no-first-run"],
            )
            results["chromium"] = browser.version
            for rate in (float(r) for r in args.throttle.split(",")):
                run = measure(browser, base, history, rate, args)
                results["runs"].append(run)
                print_run(run)
            browser.close()
    finally:
        stack.teardown()
    results["chromium_binary"] = subprocess.run(
        [args.chromium, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    path = write_result("chat_open", results)
    print(f"Chromium {results['chromium']}; written to {path}")


def print_run(run: dict[str, Any]) -> None:
    print(f"CPU throttling {run['cpu_throttling']:g}×")
    for key in ("cold_open_ms", "in_app_open_ms", "in_app_reopen_ms"):
        s = run[key]
        print(
            f"  {key:18} median {s['median']:>7} ms  (min {s['min']}, max {s['max']}, n {s['n']})"
        )
    print(f"  rows in DOM after open: {run['rows_in_dom_after_open']}")
    for direction in ("up", "down"):
        s = run["scroll"][direction]
        print(
            f"  scroll {direction:4} {s['seconds']:>5} s, {s['frames']} frames: "
            f"p50 {s['p50_ms']} / p95 {s['p95_ms']} / p99 {s['p99_ms']} / max {s['max_ms']} ms, "
            f">25 ms {s['over_25ms']}, >50 ms {s['over_50ms']}, "
            f"long tasks {s['long_tasks']} ({s['long_task_ms']} ms)"
        )


if __name__ == "__main__":
    main()
