from tests.checkout.fixtures import gateway, localstripe, shop, webhook_secret  # noqa: E402, F401
from tests.staff.conftest import admin, admin_client, client  # noqa: F401
