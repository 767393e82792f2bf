from __future__ import annotations

import logging
import os

from clients.inventory import InventoryClient
from models import CartItem

logger = logging.getLogger(__name__)

INVENTORY_SERVICE_URL = os.environ.get("INVENTORY_SERVICE_URL", "http://127.0.0.1:8081")

inventory_client = InventoryClient(
    INVENTORY_SERVICE_URL,
    api_key=os.environ.get("INVENTORY_API_KEY"),
)


async def validate_inventory(item: CartItem) -> bool:
    result = await inventory_client.check(item.sku, item.quantity)
    if not result.available:
        logger.info(
            "sku %s unavailable: requested %d, in stock %d",
            item.sku,
            item.quantity,
            result.in_stock,
        )
    return result.available
