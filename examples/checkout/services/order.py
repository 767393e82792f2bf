from __future__ import annotations

import logging
import uuid

import metrics
from models import Cart, Order, User

logger = logging.getLogger(__name__)

# Stand-in for the orders table; the real service writes through the ORM.
_orders: dict[str, Order] = {}


class EmptyCartError(ValueError):
    pass


async def create_order(cart: Cart, user: User) -> Order:
    if not cart.items:
        raise EmptyCartError(f"cart {cart.id} has no items")

    order = Order(
        id=f"ord_{uuid.uuid4().hex[:12]}",
        user_id=user.id,
        cart_id=cart.id,
        items=list(cart.items),
        total_cents=cart.total_cents,
    )
    _orders[order.id] = order
    metrics.increment("orders.created")
    logger.info("created order %s for user %s (%d items)", order.id, user.id, len(order.items))
    return order


def get_order(order_id: str) -> Order | None:
    return _orders.get(order_id)
