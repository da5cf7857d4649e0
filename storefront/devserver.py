"""`make run`: migrate, load the demo catalogue into an empty database and serve locally.

The demo catalogue (and its generated illustrations) is loaded only when the database has
no products, so staff edits survive a restart. To reload it over your changes, run
``.venv/bin/storefront seed load seed/products.json`` (or delete ``instance/storefront.db``).
``PORT`` (default 5000) picks the port; when it is taken, this exits non-zero.

With no STRIPE_SECRET_KEY in the environment it also starts localstripe on
127.0.0.1:8420, registers the shop's webhook with it and points the app at it, so a whole
purchase works offline with card 4242 4242 4242 4242.

With REDIS_URL set and answering, it also starts ``storefront worker`` (background jobs and
the periodic schedule: mail, expiring reservations, reconciling payments) and stops it on exit;
without Redis, jobs run inline in the server as before.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

from storefront.ports import port_free

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", 5000))
LOCALSTRIPE_PORT = int(os.environ.get("LOCALSTRIPE_PORT", 8420))


def _storefront(*args: str, env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def _port_free(port: int) -> bool:
    return port_free(HOST, port)


def _catalogue_empty(env: dict[str, str]) -> bool:
    code = ("from storefront import create_app\n"
            "from storefront.extensions import db\n"
            "from storefront.catalog.models import Product\n"
            "import sqlalchemy as sa, sys\n"
            "app = create_app()\n"
            "with app.app_context():\n"
            "    sys.exit(0 if db.session.scalar(sa.select(sa.func.count(Product.id))) == 0 else 3)\n")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env).returncode == 0


def _start_localstripe(env: dict[str, str]) -> subprocess.Popen:
    """Start localstripe on loopback, register the webhook and add its STRIPE_* settings to env."""
    from storefront.payments import localstripe

    if not _port_free(LOCALSTRIPE_PORT):
        sys.exit(f"Port {LOCALSTRIPE_PORT} is in use (another localstripe?). Stop it, or set "
                 "STRIPE_SECRET_KEY and friends to use another Stripe.")
    (ROOT / "instance").mkdir(exist_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "storefront.payments.localstripe", "--host", HOST,
         "--port", str(LOCALSTRIPE_PORT), "--persist", str(ROOT / "instance" / "localstripe.pickle")],
        cwd=ROOT, env=env)
    base = f"http://{HOST}:{LOCALSTRIPE_PORT}"
    try:
        localstripe.wait_until_up(base)
        secret = "whsec_" + secrets.token_hex(24)
        localstripe.register_webhook(base, f"http://{HOST}:{PORT}/stripe/webhook", secret)
    except BaseException:
        proc.terminate()
        raise
    handle = localstripe.LocalStripe(HOST, LOCALSTRIPE_PORT)
    env.update(handle.env(secret))
    print(f"Stripe: localstripe on {base} (test cards: 4242 4242 4242 4242 pays, "
          "4000 0000 0000 0002 is declined, 4000 0027 6000 3184 asks for 3-D Secure)", flush=True)
    return proc


def _redis_answers(url: str) -> bool:
    try:
        from redis import Redis

        client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001 - a bad URL or no server: no Redis
        return False


def _start_worker(env: dict[str, str]) -> subprocess.Popen | None:
    """Start `storefront worker` when Redis answers at REDIS_URL; otherwise jobs run inline.

    A REDIS_URL that does not answer is dropped from ``env`` (the server then limits rates in
    memory and runs jobs inline, rather than failing to queue them).
    """
    url = env.get("REDIS_URL", "")
    if env.get("JOBS_INLINE", "").strip().lower() in {"1", "true", "yes", "on"}:
        print("Jobs: inline (JOBS_INLINE is set).", flush=True)
        return None
    if not url:
        print("Jobs: inline (no REDIS_URL; e.g. REDIS_URL=redis://127.0.0.1:6379/0 make run "
              "starts a background worker).", flush=True)
        return None
    if not _redis_answers(url):
        print(f"Jobs: inline (Redis at {url} does not answer).", flush=True)
        env.pop("REDIS_URL")
        return None
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                            cwd=ROOT, env=env)
    print(f"Worker: storefront worker on {url} (jobs; mail, reservation expiry and payment "
          "reconciliation on a schedule).", flush=True)
    return proc


def _stop(proc: subprocess.Popen | None, timeout: float = 15) -> None:
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def main() -> None:
    """Prepare the database, start localstripe when no Stripe keys are set, and serve."""
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "dev-only-" + "not-secret")
    if not _port_free(PORT):
        sys.exit(f"Port {PORT} on {HOST} is in use (another `make run`?). Stop it, or choose "
                 "another port: make run PORT=5001")
    _storefront("db", "upgrade", "heads", env=env)
    if _catalogue_empty(env):
        _storefront("seed", "load", str(ROOT / "seed" / "products.json"), env=env)
        _storefront("media", "illustrate", env=env)
        _storefront("seed", "articles", str(ROOT / "seed" / "articles"), env=env)  # demo guides
    else:
        print("Catalogue already loaded: keeping it (reload with "
              "`.venv/bin/storefront seed load seed/products.json` and "
              "`.venv/bin/storefront seed articles seed/articles`).", flush=True)
    stripe_proc = None if env.get("STRIPE_SECRET_KEY") else _start_localstripe(env)
    worker = None
    try:
        worker = _start_worker(env)  # after localstripe: it reconciles payments there
        print(f"Storefront on http://{HOST}:{PORT}", flush=True)
        subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", HOST,
                        "--port", str(PORT)], cwd=ROOT, env=env)
    except KeyboardInterrupt:
        pass
    finally:
        _stop(worker)
        _stop(stripe_proc, timeout=10)


if __name__ == "__main__":
    main()
