from __future__ import annotations

import logging

from aiohttp import web

import metrics
from models import Cart, Order, User
from services.inventory import validate_inventory
from services.order import create_order

logger = logging.getLogger(__name__)

routes = web.RouteTableDef()


class OutOfStockError(Exception):
    def __init__(self, sku: str) -> None:
        super().__init__(f"sku {sku} is out of stock")
        self.sku = sku


async def process_checkout(cart: Cart, user: User) -> Order:
    # Validate inventory before we create the order / take payment.
    with metrics.Timer("checkout.inventory_validation", {"items": str(len(cart.items))}):
        for item in cart.items:
            if not await validate_inventory(item):
                raise OutOfStockError(item.sku)

    order = await create_order(cart, user)
    metrics.increment("checkout.completed")
    return order


@routes.post("/api/checkout")
async def checkout(request: web.Request) -> web.Response:
    body = await request.json()
    cart = Cart.from_dict(body["cart"])
    user = User.from_dict(body["user"])
    logger.info("checkout started cart=%s user=%s items=%d", cart.id, user.id, len(cart.items))

    try:
        order = await process_checkout(cart, user)
    except OutOfStockError as exc:
        metrics.increment("checkout.out_of_stock")
        return web.json_response({"error": "out_of_stock", "sku": exc.sku}, status=409)

    return web.json_response(order.to_dict(), status=201)
