"""The session cart (``session["cart"] = {sku: quantity}``), priced from the catalogue."""
