"""The operator console with 10,000 incidents in the history: API latency, first render, page weight.

Setup: a SQLite history filled through the real ``IncidentStore.upsert`` with 10,000 incidents
(13 categories, 40 components, 3 evidence lines each, a third resolved, some with feedback),
served by the real app on uvicorn (loopback, bearer token), measured over HTTP with httpx.

Figures (each request repeated ``--n`` times, after a warm-up):
- API p50/p95 of ``GET /api/v1/incidents`` (first page of 50), with a category filter, a deep
  page (offset 9,000), and ``GET /api/v1/incidents/{id}`` (with the similar-incident search);
- the console's incident list: server time for ``GET /`` and the page weight (HTML + the CSS
  and JS it loads; no other asset exists);
- with Debian's chromium (if installed): navigation start -> DOMContentLoaded and -> the first
  incident row painted, cold then warm.
Baselines measured in the same run: ``GET /static/console.css`` (the HTTP stack, auth and
middleware with no query) and the same list query straight on SQLite (no HTTP, no JSON).

Targets: API p95 <= 100 ms, page usable <= 1 s.
Usage: .venv/bin/python bench/api.py [--incidents 10000] [--n 200]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx

CATS = ["oom_kill", "crash_loop", "poison_input", "disk_full", "export_failure", "pipeline_stall", "orphan_outputs",
        "resource_saturation", "performance_degradation", "integrity_mismatch", "deployment_regression",
        "model_failure", "dependency_failure"]
TOKEN = "bench-token-" + "z" * 30


def fill(store, n: int) -> None:
    from vvai.monitor.incident import Action, Evidence, Incident, Severity

    rng = random.Random(1)
    t0 = time.time() - 90 * 86400
    for k in range(n):
        cat, comp = rng.choice(CATS), f"component_{rng.randrange(40)}"
        f = f"cam{rng.randrange(99)}_{k:05d}.mp4"
        ev = [Evidence(source=f"logs/{comp}.log", ts="2026-03-01T12:00:00Z",
                       text=f"{comp}: error {rng.randrange(1000)} while processing {f} ({w})")
              for w in ("MemoryError", "exit code 137", "Invalid data found when processing input")]
        inc = Incident(category=cat, component=comp, file=f, severity=Severity(rng.choice(list(Severity))),
                       confidence=0.8, root_cause=f"{comp} {cat.replace('_', ' ')} on {f}", evidence=ev,
                       actions=[Action(type="alert")])
        iid = store.upsert(inc, now=t0 + k * 700).incident_id
        if k % 3 == 0:
            store.resolve_missing(set(), now=t0 + k * 700 + 1, after_s=0)
        if k % 17 == 0:
            store.add_feedback(iid, rng.choice(["correct", "wrong", "partial", "noise"]), "", "bench")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def timed(client: httpx.Client, path: str, n: int) -> tuple[float, float, int]:
    for _ in range(5):
        client.get(path)
    out, size = [], 0
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:200])
        size = len(r.content)
    return statistics.median(out), pct(out, 0.95), size


def browser_render(base: str) -> list[tuple[float, float]] | None:
    import shutil

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=opts)
    try:
        d.get(base + "/login")
        d.find_element(By.NAME, "token").send_keys(TOKEN)
        d.find_element(By.NAME, "token").submit()
        out = []
        for _ in range(3):
            d.get(base + "/")
            nav = d.execute_script(
                "const n = performance.getEntriesByType('navigation')[0];"
                "const row = document.querySelector('#incidents tbody tr');"
                "return [n.domContentLoadedEventEnd, n.loadEventEnd, row ? 1 : 0];")
            assert nav[2] == 1
            out.append((nav[0], nav[1]))
        return out
    finally:
        d.quit()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--incidents", type=int, default=10_000)
    ap.add_argument("--n", type=int, default=200)
    args = ap.parse_args()
    from vvai.api.server import ApiThread
    from vvai.monitor.config import load_config
    from vvai.monitor.history import IncidentStore

    with tempfile.TemporaryDirectory() as tmp:
        cfg_path = Path(tmp) / "vvai.toml"
        cfg_path.write_text(f'[store]\npath = "{tmp}/monitor.db"\n[pipeline]\nroot = "{tmp}/vv"\n[api]\nport = 0\n')
        store = IncidentStore(f"{tmp}/monitor.db")
        t = time.perf_counter()
        fill(store, args.incidents)
        print(f"history: {args.incidents} incidents written in {time.perf_counter() - t:.1f} s "
              f"({os.path.getsize(f'{tmp}/monitor.db') / 1e6:.1f} MB)")
        t = time.perf_counter()
        from vvai.api import db

        raw = []
        for _ in range(args.n):
            t = time.perf_counter()
            db.list_incidents(store, limit=50)
            raw.append((time.perf_counter() - t) * 1000)
        store.close()
        os.environ["VVAI_API_TOKEN"] = TOKEN
        api = ApiThread(load_config(cfg_path)).start()
        base = f"http://127.0.0.1:{api.port}"
        try:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30) as c:
                mid = c.get("/api/v1/incidents", params={"offset": 5000, "limit": 1}).json()["items"][0]["id"]
                rows = [
                    ("baseline: GET /static/console.css", "/static/console.css"),
                    ("API list, first page (50)", "/api/v1/incidents"),
                    ("API list, category filter", "/api/v1/incidents?category=disk_full"),
                    ("API list, offset 9000", "/api/v1/incidents?offset=9000"),
                    ("API one incident + similar", f"/api/v1/incidents/{mid}"),
                    ("API summary (365 d)", "/api/v1/summary?since=365d"),
                    ("console list page GET /", "/"),
                ]
                base_p95 = None
                print(f"{'request':36} {'p50 ms':>8} {'p95 ms':>8} {'bytes':>8} {'p95/baseline':>13}")
                print(f"{'baseline: the same query on SQLite':36} {statistics.median(raw):8.2f} "
                      f"{pct(raw, 0.95):8.2f} {'':>8}")
                weight = 0
                for label, path in rows:
                    p50, p95, size = timed(c, path, args.n)
                    base_p95 = base_p95 or p95
                    if path in ("/", "/static/console.css"):
                        weight += size
                    print(f"{label:36} {p50:8.2f} {p95:8.2f} {size:8d} {p95 / base_p95:12.1f}x")
                js = len(c.get("/static/console.js").content)
                weight += js
                print(f"page weight of the incident list: {weight} bytes ({weight / 1024:.1f} KiB: HTML + "
                      f"console.css + console.js {js} B; no image, font or third-party asset)")
            nav = browser_render(base)
            if nav is None:
                print("browser: chromium not installed, first-render figure skipped")
            else:
                cold, *warm = nav
                print(f"browser (chromium, headless): DOMContentLoaded {cold[0]:.0f} ms, load {cold[1]:.0f} ms "
                      f"(first visit); warm {', '.join(f'{w[0]:.0f}/{w[1]:.0f}' for w in warm)} ms; "
                      f"target <= 1000 ms")
        finally:
            api.stop()


if __name__ == "__main__":
    main()
