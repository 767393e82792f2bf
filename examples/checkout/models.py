from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


@dataclass(frozen=True)
class CartItem:
    sku: str
    quantity: int
    unit_price_cents: int = 0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CartItem:
        return cls(
            sku=str(data["sku"]),
            quantity=int(data.get("quantity", 1)),
            unit_price_cents=int(data.get("unit_price_cents", 0)),
        )


@dataclass
class Cart:
    id: str
    items: list[CartItem] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(item.unit_price_cents * item.quantity for item in self.items)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Cart:
        return cls(
            id=str(data["id"]),
            items=[CartItem.from_dict(raw) for raw in data.get("items", [])],
        )


@dataclass(frozen=True)
class User:
    id: str
    email: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> User:
        return cls(id=str(data["id"]), email=str(data.get("email", "")))


@dataclass
class Order:
    id: str
    user_id: str
    cart_id: str
    items: list[CartItem]
    total_cents: int
    status: str = "pending_payment"
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "cart_id": self.cart_id,
            "items": [{"sku": i.sku, "quantity": i.quantity} for i in self.items],
            "total_cents": self.total_cents,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
        }
