from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import aiohttp

logger = logging.getLogger(__name__)

# The inventory service rejects batch requests with more than 50 items.
BATCH_LIMIT = 50


@dataclass(frozen=True)
class InventoryResult:
    sku: str
    available: bool
    requested: int
    in_stock: int


class InventoryClient:
    def __init__(self, base_url: str, *, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._session: aiohttp.ClientSession | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        # Created lazily: ClientSession must be built inside a running event loop.
        if self._session is None or self._session.closed:
            headers = {"X-Api-Key": self.api_key} if self.api_key else None
            self._session = aiohttp.ClientSession(headers=headers)
        return self._session

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def check(self, sku: str, quantity: int) -> InventoryResult:
        url = f"{self.base_url}/v1/inventory/check"
        payload = {"sku": sku, "quantity": quantity}
        response = await self.session.post(url, json=payload, timeout=5)
        async with response:
            response.raise_for_status()
            data = await response.json()
        return InventoryResult(
            sku=sku,
            available=bool(data["available"]),
            requested=quantity,
            in_stock=int(data["in_stock"]),
        )

    async def check_batch(self, item_ids: Sequence[tuple[str, int]]) -> list[InventoryResult]:
        """Check several (sku, quantity) pairs in one request.

        The batch endpoint accepts at most BATCH_LIMIT (50) items; callers must
        split larger carts themselves.
        """
        if len(item_ids) > BATCH_LIMIT:
            raise ValueError(f"check_batch accepts at most {BATCH_LIMIT} items, got {len(item_ids)}")
        url = f"{self.base_url}/v1/inventory/check-batch"
        payload = {"items": [{"sku": sku, "quantity": quantity} for sku, quantity in item_ids]}
        response = await self.session.post(url, json=payload, timeout=5)
        async with response:
            response.raise_for_status()
            data = await response.json()
        return [
            InventoryResult(
                sku=row["sku"],
                available=bool(row["available"]),
                requested=int(row["quantity"]),
                in_stock=int(row["in_stock"]),
            )
            for row in data["results"]
        ]
