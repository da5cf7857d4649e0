"""Who may do what: role permissions plus per-object rules, as plain functions."""

from __future__ import annotations

from typing import Any

from storefront.staff.models import Role, StaffUser

A, E, S = Role.ADMIN, Role.CATALOG_EDITOR, Role.SALES

# Route-level permissions. Every staff route names one (or "staff" = any active account).
PERMISSIONS: dict[str, frozenset[Role]] = {
    "staff": frozenset({A, E, S}),
    "products.view": frozenset({A, E, S}),
    "products.edit": frozenset({A, E}),
    "products.publish": frozenset({A, E}),
    "catalog.import": frozenset({A, E}),
    "guides.view": frozenset({A, E}),
    "guides.edit": frozenset({A, E}),
    "guides.publish": frozenset({A, E}),
    "orders.view": frozenset({A, S}),
    "orders.refund": frozenset({A, S}),
    "orders.fulfil": frozenset({A, S}),
    "quotes.view": frozenset({A, S}),
    "quotes.manage": frozenset({A, S}),
    "promotions.view": frozenset({A, S}),
    "promotions.manage": frozenset({A, S}),
    "audit.view": frozenset({A}),
    "staff.manage": frozenset({A}),
}

# Finer role names the CLI accepts; "staff" is the least-privileged general account.
ROLE_ALIASES = {"staff": Role.SALES}


def resolve_role(name: str) -> Role:
    """Map a role name or alias (``staff``) to a Role; ValueError if unknown."""
    key = name.strip().lower()
    if key in ROLE_ALIASES:
        return ROLE_ALIASES[key]
    return Role(key)


def _is_prescription_product(obj: Any) -> bool:
    regulatory = str(getattr(obj, "regulatory", "") or "")
    kind = str(getattr(obj, "kind", "") or "")
    return regulatory == "rx_only" or kind == "laser"


def _object_allowed(user: StaffUser, permission: str, obj: Any) -> bool:
    # Anything a shopper or practitioner sees about a prescription device (class 3B/4
    # lasers, rx_only LED systems) goes live only by an admin's hand.
    if permission == "products.publish" and _is_prescription_product(obj):
        return user.role == A
    if permission == "products.edit" and _is_prescription_product(obj):
        return user.role == A or str(getattr(obj, "status", "")) != "published"
    return True


def can(user: Any, permission: str, obj: Any = None) -> bool:
    """Whether ``user`` holds ``permission`` (on ``obj`` when given)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    roles = PERMISSIONS.get(permission)
    if roles is None:
        raise KeyError(f"unknown permission {permission!r}")
    if user.role not in roles:
        return False
    return obj is None or _object_allowed(user, permission, obj)
