"""Reproduce the checkout 500s locally.

Starts a fake inventory service whose latency grows with the number of requests
it is already handling (like the real one under load), starts the checkout app
against it, and fires a burst of concurrent checkouts with 5-7 item carts.
Failed checkouts log their traceback through the app's error middleware.

    python3 reproduce.py

Loopback only, ephemeral ports, finishes in well under 30 s.
"""
from __future__ import annotations

import asyncio
import logging
import random
import statistics
import sys
import time

import aiohttp
from aiohttp import web

from app import create_app
from services.inventory import inventory_client

CONCURRENT_CHECKOUTS = 20
CART_SIZES = (5, 7)
SEED = 20240312

# Fake inventory latency: (base + per_in_flight * in_flight) * jitter, capped.
BASE_LATENCY_S = 0.3
PER_IN_FLIGHT_S = 0.1
JITTER_SIGMA = 0.6
MAX_LATENCY_S = 8.0

RUN_DEADLINE_S = 25.0


class FakeInventoryService:
    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)
        self.in_flight = 0
        self.latencies: list[float] = []

    def _latency(self) -> float:
        load = BASE_LATENCY_S + PER_IN_FLIGHT_S * self.in_flight
        return min(load * self._rng.lognormvariate(0, JITTER_SIGMA), MAX_LATENCY_S)

    async def _simulate_work(self) -> None:
        delay = self._latency()
        self.latencies.append(delay)
        self.in_flight += 1
        try:
            await asyncio.sleep(delay)
        finally:
            self.in_flight -= 1

    async def check(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._simulate_work()
        return web.json_response(
            {"sku": body["sku"], "available": True, "in_stock": 100, "quantity": body["quantity"]}
        )

    async def check_batch(self, request: web.Request) -> web.Response:
        body = await request.json()
        await self._simulate_work()
        results = [
            {"sku": row["sku"], "available": True, "in_stock": 100, "quantity": row["quantity"]}
            for row in body["items"]
        ]
        return web.json_response({"results": results})

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/inventory/check", self.check)
        app.router.add_post("/v1/inventory/check-batch", self.check_batch)
        return app


async def start(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


def make_cart(rng: random.Random, n: int) -> dict:
    size = rng.randint(*CART_SIZES)
    items = [
        {"sku": f"SKU-{rng.randint(1000, 9999)}", "quantity": rng.randint(1, 3), "unit_price_cents": rng.randint(199, 4999)}
        for _ in range(size)
    ]
    return {"cart": {"id": f"cart_{n:03d}", "items": items}, "user": {"id": f"u_{n:03d}", "email": f"user{n}@example.com"}}


async def run_checkout(session: aiohttp.ClientSession, url: str, payload: dict, delay: float) -> tuple[int, int, float]:
    await asyncio.sleep(delay)
    started = time.perf_counter()
    async with session.post(f"{url}/api/checkout", json=payload) as resp:
        await resp.read()
        return resp.status, len(payload["cart"]["items"]), time.perf_counter() - started


async def main() -> int:
    logging.basicConfig(level=logging.ERROR, stream=sys.stdout, format="%(levelname)s %(name)s: %(message)s")
    rng = random.Random(SEED)

    inventory = FakeInventoryService(SEED)
    inventory_runner, inventory_url = await start(inventory.app())
    inventory_client.base_url = inventory_url
    checkout_runner, checkout_url = await start(create_app())
    print(f"fake inventory at {inventory_url}, checkout app at {checkout_url}")
    print(f"running {CONCURRENT_CHECKOUTS} concurrent checkouts ({CART_SIZES[0]}-{CART_SIZES[1]} items each)\n")

    started = time.perf_counter()
    try:
        timeout = aiohttp.ClientTimeout(total=RUN_DEADLINE_S)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            jobs = [
                run_checkout(session, checkout_url, make_cart(rng, n), delay=n * 0.02)
                for n in range(CONCURRENT_CHECKOUTS)
            ]
            results = await asyncio.wait_for(asyncio.gather(*jobs), RUN_DEADLINE_S)
    finally:
        await checkout_runner.cleanup()
        await inventory_runner.cleanup()
    elapsed = time.perf_counter() - started

    ok = [r for r in results if r[0] == 201]
    failed = [r for r in results if r[0] != 201]
    lat = sorted(inventory.latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    print()
    print(
        f"inventory service: {len(lat)} calls, p50 {statistics.median(lat):.2f}s, "
        f"p99 {p99:.2f}s, max {lat[-1]:.2f}s (client timeout 5s)"
    )
    print(f"failed checkouts by cart size: {sorted(r[1] for r in failed)}")
    print(f"summary: {len(ok)} ok / {len(failed)} failed (HTTP {sorted({r[0] for r in failed}) or '-'}) in {elapsed:.1f}s")
    return 0 if failed else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
