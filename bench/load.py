"""Load generator (runs as its own process): keep-alive HTTP clients in threads on loopback.

Argument: a JSON spec with ``scenario``, ``base``, ``seconds``, ``concurrency`` and the
scenario's own fields. Prints a JSON summary: requests, errors, p50/p95/p99 ms, throughput.
"""

from __future__ import annotations

import http.client
import itertools
import json
import random
import re
import statistics
import sys
import threading
import time
import urllib.parse
from typing import Any

COUNTIES = ["Alameda", "Los Angeles", "San Diego", "Fresno", "Sacramento", "San Francisco"]
LANGS = ["en", "es", "zh-yue", "vi"]
AREAS = ["CDL", "HSN", "RIG", "LEC", "FCE", "DLD"]
WORDS = ["workshop", "HSN", "CDL", "safety", "learning"]


class Client:
    def __init__(self, base: str) -> None:
        parsed = urllib.parse.urlparse(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";")[0]
        return response.status, data


def calendar_path(rng: random.Random) -> str:
    params: dict[str, str] = {}
    for key, values in (("county", COUNTIES), ("language", LANGS), ("competency_area", AREAS),
                        ("q", WORDS)):
        if rng.random() < 0.5:
            params[key] = rng.choice(values)
    return "/api/v1/calendar?" + urllib.parse.urlencode(params)


def login(client: Client, email: str, password: str) -> None:
    status, page = client.request("GET", "/login")
    token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    body = urllib.parse.urlencode({"email": email, "password": password,
                                   "csrf_token": token.group(1).decode() if token else ""})
    status, _ = client.request("POST", "/login", body.encode(),
                               {"Content-Type": "application/x-www-form-urlencoded"})
    if status not in (302, 303):
        raise RuntimeError(f"log-in failed with {status}")


def run(spec: dict[str, Any]) -> dict[str, Any]:
    scenario, base = spec["scenario"], spec["base"]
    warmup = spec.get("warmup", 2.0 if scenario != "enroll_contention"
                      or spec.get("warmup_event_id") else 0.0)
    warmup_until = time.perf_counter() + warmup
    deadline = warmup_until + spec["seconds"]
    latencies: list[float] = []
    errors: list[str] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    people = itertools.count()
    warm_people = itertools.count()
    warm = [0]

    def worker(index: int) -> None:
        rng = random.Random(index)
        client = Client(base)
        if scenario == "home":
            emails = spec["emails"]
            login(client, emails[index % len(emails)], spec["password"])
        while time.perf_counter() < deadline:
            headers: dict[str, str] = {}
            method, body = "GET", None
            if scenario == "get":
                path = spec["path"]
            elif scenario == "calendar":
                path = calendar_path(rng)
            elif scenario == "home":
                path = "/"
            elif scenario == "report_pdf":
                path = spec["path"]
                headers["Authorization"] = "Bearer " + spec["tokens"][index % len(spec["tokens"])]
            else:  # enroll_contention (warm-up: other people into an event with room)
                warming = time.perf_counter() < warmup_until
                n = next(warm_people) if warming else next(people)
                queue = spec.get("warmup_people", []) if warming else spec["people"]
                if n >= len(queue):
                    if warming:
                        time.sleep(0.01)
                        continue
                    return
                event_id = spec["warmup_event_id"] if warming else spec["event_id"]
                method, path = "POST", f"/api/v1/events/{event_id}/enrollments"
                body = json.dumps({"registry_id": queue[n]}).encode()
                headers = {"Authorization": "Bearer " + spec["token"],
                           "Content-Type": "application/json"}
            started = time.perf_counter()
            try:
                status, _ = client.request(method, path, body, headers)
            except Exception as exc:  # counted, never hidden
                with lock:
                    errors.append(type(exc).__name__)
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if started < warmup_until:
                with lock:
                    warm[0] += 1
                continue  # warm-up requests are not measured (but the server did them)
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if status >= 500:
                    errors.append(str(status))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(spec["concurrency"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = max(1e-9, time.perf_counter() - warmup_until)
    ordered = sorted(latencies) or [0.0]

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)

    return {"requests": len(latencies), "errors": len(errors), "statuses": statuses,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(ordered), 1), "warmup_requests": warm[0],
            "throughput_rps": round(len(latencies) / wall, 1) if wall else 0.0}


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.argv[1]))))
