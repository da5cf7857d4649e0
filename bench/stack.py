"""Processes a benchmark starts: gunicorn instances, nginx in front of them, and wrk.

Everything binds 127.0.0.1 on free ports and is stopped by ``Stack.close`` (also on errors).
nginx is Debian's package (``ensure_tool`` installs it, and wrk, with apt-get when missing and
this user may; otherwise the benchmark goes straight to gunicorn / uses a Python load).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- PostgreSQL

def pg_server_url() -> str:
    """The PostgreSQL server benchmarks create their databases on (psycopg driver)."""
    url = (os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
           or "postgresql://postgres@127.0.0.1/postgres")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def create_pg_database(name: str) -> str:
    """Create database ``name`` on the server; returns its URL."""
    import sqlalchemy as sa

    base = sa.make_url(pg_server_url())
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    import sqlalchemy as sa

    u = sa.make_url(url)
    admin = sa.create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
    admin.dispose()


# --------------------------------------------------------------------------- URL plans

def filter_state(rng) -> str:
    """One catalogue filter state (kind, wavelength, price range, sort, page) drawn from rng."""
    kinds = ["belt", "panel", "handheld", "laser"]
    waves = [630, 660, 810, 850, 980]
    parts = [f"kind={rng.choice(kinds)}"] if rng.random() < 0.6 else []
    if rng.random() < 0.4:
        parts.append(f"wavelength={rng.choice(waves)}")
    if rng.random() < 0.3:
        lo = rng.choice([0, 10000, 25000, 50000])
        parts.append(f"min_price={lo}&max_price={lo + rng.choice([15000, 50000, 100000])}")
    parts.append(f"sort={rng.choice(['name', 'price_asc', 'price_desc', 'newest'])}")
    parts.append(f"page={rng.randint(1, 5)}")
    return "&".join(parts)


def ensure_tool(command: str, package: str) -> str | None:
    """The path of ``command``, installing Debian's ``package`` when missing (root or sudo)."""
    for candidate in (shutil.which(command), f"/usr/sbin/{command}", f"/usr/bin/{command}"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    if os.environ.get("BENCH_NO_APT") == "1" or not shutil.which("apt-get"):
        return None
    prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if prefix is None:
        return None
    print(f"installing {package} from Debian's packages", file=sys.stderr, flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    ok = subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", package], env=env,
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if not ok:
        subprocess.run([*prefix, "apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        subprocess.run([*prefix, "apt-get", "install", "-y", "-qq", package], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return shutil.which(command) or (f"/usr/sbin/{command}" if Path(f"/usr/sbin/{command}").exists() else None)


def http_status(port: int, path: str = "/healthz") -> int:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = s.recv(64)
    return int(head[9:12]) if head.startswith(b"HTTP/") else 0


def wait_http(port: int, path: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process on port {port} exited with {proc.returncode}")
        try:
            if http_status(port, path) in (200, 404):
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nothing answered on 127.0.0.1:{port}{path}")


@dataclass
class Stack:
    """Processes started for one benchmark section; ``close`` stops them in reverse order."""

    procs: list[subprocess.Popen] = field(default_factory=list)
    tmp: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sf-bench-")))

    def spawn(self, cmd: list[str], env: dict | None = None, log: str | None = None) -> subprocess.Popen:
        out = open(self.tmp / log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env or os.environ.copy(), stdout=out,
                                stderr=subprocess.STDOUT)
        self.procs.append(proc)
        return proc

    def gunicorn(self, app_spec: str, env: dict[str, str], *, workers: int = 2,
                 worker_class: str = "sync", threads: int = 1) -> int:
        """gunicorn on a free loopback port; returns the port once it answers."""
        port = free_port()
        cmd = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers),
               "--worker-class", worker_class, "--threads", str(threads), "--keep-alive", "75",
               "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
               "--pythonpath", f"{ROOT},{BENCH}", app_spec]
        proc = self.spawn(cmd, {**os.environ, **env}, log=f"gunicorn-{port}.log")
        wait_http(port, "/healthz" if "bare" not in app_spec else "/", proc)
        return port

    def nginx(self, upstream_ports: list[int], nginx_bin: str) -> int:
        """nginx on a free loopback port balancing over ``upstream_ports`` (prod-local's shape)."""
        port = free_port()
        run = self.tmp / f"nginx-{port}"
        run.mkdir()
        servers = " ".join(f"server 127.0.0.1:{p};" for p in upstream_ports)
        user = ""
        if os.geteuid() == 0:
            import grp
            import pwd

            user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
        (run / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {run}/nginx.pid;
error_log {run}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {run}/body; proxy_temp_path {run}/proxy;
  fastcgi_temp_path {run}/fcgi; uwsgi_temp_path {run}/uwsgi; scgi_temp_path {run}/scgi;
  # nginx closes idle upstream connections before gunicorn does (75 s): no 502 on reuse.
  upstream app {{ {servers} keepalive 32; keepalive_timeout 60s; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://app;
      proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header Host $host;
    }}
  }}
}}
""")
        proc = self.spawn([nginx_bin, "-c", str(run / "nginx.conf"), "-p", str(run), "-g", "daemon off;"],
                          log=f"nginx-{port}.log")
        wait_http(port, "/", proc)
        return port

    def close(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()
        shutil.rmtree(self.tmp, ignore_errors=True)


_LUA = """
local paths = {%s}
local n = #paths
counter = 0
local k = 0
function setup(thread)
  k = k + 1
  thread:set("offset", k * %d)
end
function init(args)
  counter = offset or 0
end
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% n) + 1], {["Accept"] = "text/html"})
end
"""


def wrk(wrk_bin: str, port: int, paths: list[str], seconds: float, connections: int,
        workdir: Path) -> dict:
    """Run wrk over ``paths`` (in turn, each thread from its own offset); returns its figures."""
    script = workdir / f"paths-{abs(hash(tuple(paths)))}.lua"
    if not script.exists():
        quoted = ",".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
        script.write_text(_LUA % (quoted, max(1, len(paths) // 2)))
    threads = min(2, connections)
    proc = subprocess.run([wrk_bin, "-t", str(threads), "-c", str(connections),
                           "-d", f"{max(1, round(seconds))}s", "--timeout", "30s", "-s", str(script),
                           f"http://127.0.0.1:{port}"], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {proc.stderr or proc.stdout}")
    out = proc.stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    lat = re.search(r"Latency\s+([\d.]+\w+)", out)
    return {"rps": rps, "requests": total, "non2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": sum(map(int, errors.groups())) if errors else 0,
            "latency_avg": lat.group(1) if lat else "?"}


def python_load(port: int, paths: list[str], seconds: float, connections: int, workdir: Path) -> dict:
    """The fallback without wrk: bench_pages' load process, sized to about ``seconds``."""
    import bench_pages

    probe = bench_pages.load_process(port, paths, 50, connections)
    n = max(100, int(probe["rps"] * seconds))
    result = bench_pages.load_process(port, paths, n, connections)
    bad = sum(v for k, v in result["statuses"].items() if k not in (200, "200"))
    return {"rps": result["rps"], "requests": n, "non2xx": bad, "socket_errors": 0,
            "latency_avg": "?"}
