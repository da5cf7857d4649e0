"""``storefront mail drain``."""

import click
from flask import current_app
from flask.cli import AppGroup

from storefront.extensions import db
from storefront.mail.outbox import drain

mail_cli = AppGroup("mail", help="Transactional email outbox.")


@mail_cli.command("drain")
@click.option("--limit", default=500, show_default=True)
def drain_command(limit: int) -> None:
    """Send pending outbox emails over SMTP (MAIL_SERVER)."""
    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("MAIL_SERVER is not set; nothing can be sent")
    result = drain(db.session, current_app.config, limit=limit)
    click.echo(f"{result['sent']} sent, {result['failed']} failed")
