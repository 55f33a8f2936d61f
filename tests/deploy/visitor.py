"""A person's browser for the multi-host test, on the standard library's http.client: it
keeps its cookie, reads the CSRF token from the page and sends the Referer a browser would.

Through nginx it speaks TLS from a loopback address of its choosing (``source``: 127.0.0.2,
127.0.0.3, ... so the proxy sees different clients). Straight to one application host it
speaks plain HTTP and adds the headers nginx would add (``as_proxy_for``), so a test can say
which host answers.
"""

from __future__ import annotations

import http.client
import re
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: str


@dataclass
class Visitor:
    public_host: str  # "localhost:PORT": what the browser's address bar says
    cookie: str | None = None
    csrf: str | None = None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def _connection(self) -> http.client.HTTPConnection:
        raise NotImplementedError

    def with_cookie_of(self, other: Visitor) -> Visitor:
        self.cookie, self.csrf = other.cookie, other.csrf
        return self

    def request(self, method: str, path: str, body: str | None = None, headers=None) -> Response:
        sent = {
            "Host": self.public_host,
            "Referer": f"https://{self.public_host}/",
            **self.extra_headers,
            **(headers or {}),
        }
        if self.cookie:
            sent["Cookie"] = self.cookie
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        connection = self._connection()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            text = response.read().decode()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name_value = header.split(";", 1)[0]
            name, _, value = name_value.partition("=")
            # Production names it "__Host-accord_session" (ASVS 3.3.1).
            if name in ("accord_session", "__Host-accord_session"):
                self.cookie = name_value if value else None
        if match := CSRF_META.search(text):
            self.csrf = match.group(1)
        return Response(response.status, response.headers, text)

    def get(self, path: str, headers=None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: dict[str, str], headers=None) -> Response:
        if self.csrf is None:
            self.get("/sign-in")
        form = urlencode({"csrf_token": self.csrf or "", **data})
        return self.request("POST", path, body=form, headers=headers)

    def sign_in(self, email: str, password: str, headers=None) -> Response:
        """Sign in; when it works, open the page it leads to, as a browser would (the session,
        and so the CSRF token, is new after signing in)."""
        self.get("/sign-in")
        response = self.post("/sign-in", {"email": email, "password": password}, headers=headers)
        if response.status == 303:
            self.get(urlsplit(response.headers["Location"]).path)
        return response


@dataclass
class ThroughProxy(Visitor):
    """A browser reaching nginx over TLS from the loopback address ``source``."""

    port: int = 443
    source: str = "127.0.0.1"
    certificate: str = ""

    def _connection(self) -> http.client.HTTPConnection:
        context = ssl.create_default_context(cafile=self.certificate)
        return http.client.HTTPSConnection(
            "localhost", self.port, context=context, timeout=20, source_address=(self.source, 0)
        )


@dataclass
class StraightToHost(Visitor):
    """A request to one application host, with the headers nginx would send for a browser at
    ``client_address``."""

    port: int = 8000
    client_address: str = "127.0.0.9"

    def __post_init__(self) -> None:
        self.extra_headers = {
            "X-Forwarded-For": self.client_address,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": self.public_host,
            **self.extra_headers,
        }

    def _connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
