"""The ``storefront`` console script (same as ``flask --app wsgi``)."""

from flask.cli import FlaskGroup


def _create_app():
    from storefront import create_app

    return create_app()


def main() -> None:
    """Run the storefront command line."""
    cli = FlaskGroup(create_app=_create_app, help="Storefront management commands.")
    cli.main(prog_name="storefront")
