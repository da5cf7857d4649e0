"""Job functions for the tests (importable by a real worker)."""

from storefront.jobs import report_progress


def add(a: int, b: int, *, times: int = 1) -> int:
    """Add, reporting progress halfway."""
    report_progress(1, 2)
    return (a + b) * times


def fail() -> None:
    raise RuntimeError("boom")


def count_products() -> int:
    """Needs the database: proves the job runs in an app context."""
    from sqlalchemy import func, select

    from storefront.catalog.models import Product
    from storefront.extensions import db

    return db.session.scalar(select(func.count()).select_from(Product))
