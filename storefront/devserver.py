"""`make run`: migrate, load the demo catalogue and serve the storefront locally."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", 5000))


def _storefront(*args: str, env: dict[str, str]) -> None:
    cmd = [sys.executable, "-m", "flask", "--app", "wsgi", *args]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)


def main() -> None:
    """Prepare the database and run the development server."""
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "dev-only-" + "not-secret")
    _storefront("db", "upgrade", env=env)
    _storefront("seed", "load", str(ROOT / "seed" / "products.json"), env=env)
    print(f"Storefront on http://{HOST}:{PORT}", flush=True)
    os.execve(sys.executable, [sys.executable, "-m", "flask", "--app", "wsgi", "run",
                               "--host", HOST, "--port", str(PORT)], env)


if __name__ == "__main__":
    main()
