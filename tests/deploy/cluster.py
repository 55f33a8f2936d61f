"""The production arrangement of README "Running in production" on one machine: nginx (TLS,
self-signed certificate) in front of two gunicorn instances ("hosts" A and B, on their own
ports) over one PostgreSQL database and one Redis database.

Everything is built from the shipped files: the settings from deploy/accord.env.example, the
README's commands (its fenced ``sh`` blocks, run in order, with the machine's paths replaced by
the test's), gunicorn from the unit's ``ExecStart`` and nginx from the site template. Only
steps that change the machine (``systemctl``, copying into /etc, ``make install``, the symlink
into sites-enabled) are done by the harness instead: it starts the unit's command itself and
includes the site in its own nginx.conf.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
README = REPO / "README.md"
VENV_BIN = REPO / ".venv" / "bin"
# Debian puts nginx in /usr/sbin, which a non-root PATH may lack.
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")

# The machine's paths in the README and the units, and where each is in the test.
ENV_FILE = "/etc/accord/accord.env"
SITE_FILE = "/etc/nginx/sites-available/accord.conf"
APP_ROOT = "/srv/accord"
# README commands the harness performs its own way (they change the machine).
MACHINE_STEPS = ("make install", "cp ", "systemctl ", "ln -sf ", "install ")


def production_commands() -> list[str]:
    """The commands of the README's "Running in production" section, in order."""
    text = README.read_text()
    section = text[text.index("## Running in production") :]
    section = section[: section.index("\n## ", 3)]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        commands += [line for line in block.splitlines() if line and not line.startswith("#")]
    return commands


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=value lines as systemd's EnvironmentFile= and a shell both read them."""
    values = {}
    for line in path.read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, _, value = line.partition("=")
        parts = shlex.split(value) if value else [""]
        values[key.strip()] = parts[0] if parts else ""
    return values


def write_env_file(path: Path, values: dict[str, str]) -> None:
    path.write_text("".join(f"{key}={shlex.quote(value)}\n" for key, value in values.items()))


def unit_exec_start(unit: str) -> str:
    match = re.search(r"^ExecStart=(.+)$", (DEPLOY / "systemd" / unit).read_text(), re.M)
    assert match, unit
    return match.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}:\n{log.read_text()[-3000:]}")


@dataclass
class Host:
    """One application host: gunicorn started with the unit's ExecStart."""

    name: str
    port: int
    directory: Path
    environment: dict[str, str]
    process: subprocess.Popen | None = None

    @property
    def runtime_directory(self) -> Path:
        return self.directory / "run"

    @property
    def log(self) -> Path:
        return self.directory / "gunicorn.log"

    def command(self) -> list[str]:
        line = unit_exec_start("accord@.service").replace("%i", str(self.port))
        line = line.replace(APP_ROOT, str(REPO))
        line = re.sub(r"\$\{(\w+)\}", lambda m: self.environment[m.group(1)], line)
        return shlex.split(line)

    def start(self) -> None:
        self.runtime_directory.mkdir(parents=True, exist_ok=True)
        environment = {**self.environment, "RUNTIME_DIRECTORY": str(self.runtime_directory)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.command(), cwd=REPO, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
        wait_for_port(self.port, self.process, self.log)

    def stop(self) -> None:
        """systemctl stop: SIGTERM, requests in flight finish."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=45)
        self.process = None

    def reload(self) -> None:
        """systemctl reload (ExecReload): SIGHUP."""
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)


@dataclass
class Cluster:
    directory: Path
    database_url: str
    redis_url: str
    environment: dict[str, str] = field(default_factory=dict)
    hosts: list[Host] = field(default_factory=list)
    nginx: subprocess.Popen | None = None
    https_port: int = 0
    http_port: int = 0
    certificate: Path | None = None

    @property
    def env_file(self) -> Path:
        return self.directory / "accord.env"

    @property
    def site_file(self) -> Path:
        return self.directory / "accord.conf"

    @property
    def nginx_conf(self) -> Path:
        return self.directory / "nginx.conf"

    def settings(self) -> dict[str, str]:
        """deploy/accord.env.example, filled in as an operator would for this machine."""
        values = read_env_file(DEPLOY / "accord.env.example")
        self.certificate = self.directory / "fullchain.pem"
        key = self.directory / "privkey.pem"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
                *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
                *("-keyout", str(key), "-out", str(self.certificate)),
            ],
            check=True,
            capture_output=True,
        )
        ports = [free_port(), free_port()]
        values.update(
            SECRET_KEY=secrets.token_urlsafe(48),
            AUDIT_KEY=secrets.token_urlsafe(48),
            TWO_FACTOR_KEY=Fernet.generate_key().decode(),
            DATABASE_URL=self.database_url,
            RATELIMIT_STORAGE_URI=self.redis_url,
            CACHE_REDIS_URL=self.redis_url,
            PUBLIC_URL=f"https://localhost:{self.https_port}",
            # Lower than the default so the test reaches it in a few requests.
            SIGN_IN_LIMIT_PER_ADDRESS="8 per 15 minutes",
            MAIL_BACKEND="outbox",
            MAIL_OUTBOX_DIR=str(self.directory / "outbox"),
            ACCORD_BIND_ADDRESS="127.0.0.1",
            WEB_CONCURRENCY="2",
            ACCORD_SERVER_NAME="localhost",
            ACCORD_HTTP_PORT=str(self.http_port),
            ACCORD_HTTPS_PORT=str(self.https_port),
            ACCORD_TLS_CERTIFICATE=str(self.certificate),
            ACCORD_TLS_CERTIFICATE_KEY=str(key),
            ACCORD_APP_SERVERS=" ".join(f"server 127.0.0.1:{port};" for port in ports),
            ACCORD_STATIC_ROOT=str(REPO / "static"),
        )
        self.hosts = [
            Host(name, port, self.directory / f"host-{name}", {})
            for name, port in zip("AB", ports, strict=True)
        ]
        return values

    def run_readme_commands(self, admin_password: str) -> None:
        """The README's commands as one shell script, with the test's paths."""
        lines = ["set -euo pipefail"]
        for command in production_commands():
            if command.startswith(MACHINE_STEPS):
                continue
            if command.startswith("nginx "):
                command += f" -c {self.nginx_conf}"
            command = (
                command.replace(ENV_FILE, str(self.env_file))
                .replace(SITE_FILE, str(self.site_file))
                .replace(".venv/bin/", f"{VENV_BIN}/")
            )
            if " users create " in command:
                command = f"printf '%s\\n' {shlex.quote(admin_password)} | {command}"
            lines.append(command)
        script = "\n".join(lines)
        clean = {k: v for k, v in os.environ.items() if k in ("HOME", "LANG", "CI")}
        clean["PATH"] = f"{os.environ.get('PATH', '/usr/bin:/bin')}:/usr/sbin:/sbin"
        result = subprocess.run(
            ["bash", "-c", script], cwd=REPO, env=clean, capture_output=True, text=True
        )
        assert result.returncode == 0, f"{script}\n{result.stdout}\n{result.stderr}"

    def write_nginx_conf(self) -> None:
        """nginx's main file for the test (its own pid, logs and temporary files), including
        the site exactly as envsubst wrote it."""
        temp = self.directory / "nginx"
        temp.mkdir(exist_ok=True)
        user = "user root root;" if os.geteuid() == 0 else ""
        self.nginx_conf.write_text(
            f"""{user}
worker_processes 1;
daemon off;
pid {temp}/nginx.pid;
error_log {temp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {temp}/access.log;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.site_file};
}}
"""
        )

    def start(self, admin_password: str) -> None:
        self.https_port, self.http_port = free_port(), free_port()
        self.environment = self.settings()
        write_env_file(self.env_file, self.environment)
        self.write_nginx_conf()
        self.run_readme_commands(admin_password)  # migrates, creates the admin, nginx -t
        process_env = {
            k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG")
        } | self.environment
        for host in self.hosts:
            host.environment = process_env
            host.directory.mkdir(parents=True, exist_ok=True)
            host.start()
        log = self.directory / "nginx" / "error.log"
        with (self.directory / "nginx" / "stderr.log").open("ab") as stderr:
            self.nginx = subprocess.Popen(
                [NGINX or "nginx", "-c", str(self.nginx_conf)],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        wait_for_port(self.https_port, self.nginx, log)

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
        for host in self.hosts:
            host.stop()
