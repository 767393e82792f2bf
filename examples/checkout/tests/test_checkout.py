from __future__ import annotations

import pytest

import services.inventory
from clients.inventory import InventoryResult
from handlers.checkout import process_checkout
from models import Cart, CartItem, User


class FakeInventoryClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    async def check(self, sku: str, quantity: int) -> InventoryResult:
        self.calls.append((sku, quantity))
        return InventoryResult(sku=sku, available=True, requested=quantity, in_stock=100)


@pytest.fixture
def inventory(monkeypatch: pytest.MonkeyPatch) -> FakeInventoryClient:
    fake = FakeInventoryClient()
    monkeypatch.setattr(services.inventory, "inventory_client", fake)
    return fake


async def test_process_checkout_checks_inventory_per_item_then_creates_order(
    inventory: FakeInventoryClient,
) -> None:
    items = [CartItem(sku=f"SKU-{n}", quantity=1, unit_price_cents=1000) for n in range(6)]
    cart = Cart(id="cart_1", items=items)
    user = User(id="u_1", email="dana@example.com")

    order = await process_checkout(cart, user)

    # Current behaviour: one inventory round trip per cart item.
    assert inventory.calls == [(item.sku, item.quantity) for item in items]
    assert order.user_id == "u_1"
    assert order.total_cents == 6000
    assert len(order.items) == 6
