"""Promotion codes: percentage or fixed discounts with limits, applied on the server only.

A code is *held* by a pending order (so the last use cannot be promised twice), *redeemed*
when that order's payment succeeds, and *released* when the order fails, expires or is
cancelled. ``held + redeemed <= usage_limit`` is a database constraint as well as a rule.
"""
