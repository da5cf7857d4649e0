from tests.staff.conftest import admin, admin_client, client  # noqa: F401
