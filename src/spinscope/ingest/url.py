"""Fetching an article by URL with a timeout, a size cap and a redirect cap."""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3

from spinscope.errors import InputError

USER_AGENT = "spinscope/0.1 (+https://example.invalid/spinscope; research tool)"
_HEADERS = {"User-Agent": USER_AGENT, "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5"}


@dataclass
class FetchResult:
    url: str  # final URL after redirects
    data: bytes
    content_type: str | None
    charset: str | None


def is_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value.strip()


class BlockedAddressError(InputError):
    """The URL's host is, or resolves to, an address a public fetcher must never reach."""


#: NAT64 well-known prefix: the last 32 bits are an IPv4 address the gateway connects to.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable, and so is any IPv4 address embedded in an IPv6 one.

    Refuses private, loopback, link-local (cloud metadata at 169.254.169.254), shared
    (100.64/10), reserved, multicast and unspecified addresses; IPv4-mapped, NAT64 and 6to4
    forms of those; and Teredo tunnels (their endpoint cannot be checked).
    """
    if isinstance(address, ipaddress.IPv6Address):
        if address.teredo:
            return False
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and not is_public_address(embedded):
            return False
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_multicast
        or address.is_unspecified
    )


def resolve_public(host: str, port: int) -> str:
    """Resolve ``host`` once and return an address to connect to; every address it resolves
    to must be public. The caller connects to that address (never resolves again), so a DNS
    answer that changes between check and connect (rebinding) cannot reach a private host."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(f"cannot resolve host {host!r}") from exc
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise InputError(f"cannot resolve host {host!r}")
    for address in addresses:
        if not is_public_address(address):
            raise BlockedAddressError(
                f"refusing to fetch {host!r}: it resolves to a non-public address ({address})"
            )
    return str(addresses[0])


def _request(http: urllib3.PoolManager, parts, url: str, timeout: float, public_only: bool):
    """One GET without following redirects; pinned to a checked address if ``public_only``."""
    options = dict(
        redirect=False,
        preload_content=False,
        timeout=urllib3.Timeout(connect=timeout, read=timeout),
        retries=False,
    )
    if not public_only:
        return http.request("GET", url, **options)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve_public(parts.hostname, port)
    tls = {"server_hostname": parts.hostname, "assert_hostname": parts.hostname}
    pool = http.connection_from_host(
        address, port, parts.scheme, pool_kwargs=tls if parts.scheme == "https" else None
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host = parts.netloc.rpartition("@")[2]
    return pool.urlopen(
        "GET", target, headers={**_HEADERS, "Host": host}, assert_same_host=False, **options
    )


def _check_deadline(deadline: float | None, url: str, total: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise InputError(f"cannot fetch {url}: it took longer than {total:g} s")


def fetch(
    url: str,
    *,
    timeout: float = 15.0,
    max_bytes: int = 20 * 1024 * 1024,
    max_redirects: int = 5,
    public_only: bool = False,
    total_timeout: float | None = None,
) -> FetchResult:
    """GET ``url``; follow redirects ourselves so each hop is checked (``public_only``).

    With ``public_only`` every hop's host is resolved once, checked, and connected to by that
    address (SNI and certificate still use the host name). ``total_timeout`` bounds the whole
    fetch, so a server that drips bytes cannot hold a worker for ever.
    """
    http = urllib3.PoolManager(headers=_HEADERS)
    deadline = time.monotonic() + total_timeout if total_timeout else None
    current = url
    for _ in range(max_redirects + 1):
        parts = urlsplit(current)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InputError(f"not an http(s) URL: {current}")
        _check_deadline(deadline, current, total_timeout)
        try:
            response = _request(http, parts, current, timeout, public_only)
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            raise InputError(f"cannot fetch {current}: {exc.__class__.__name__}") from exc
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise InputError(f"redirect without a location from {current}")
                current = urljoin(current, location)
                continue
            if response.status >= 400:
                raise InputError(f"cannot fetch {current}: HTTP {response.status}")
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(f"{current} is larger than the {max_bytes} byte limit")
            chunks, size = [], 0
            # read1: at most one read from the socket per call, so the deadline is checked
            # while a slow server drips bytes (stream() waits until 64 KiB have arrived).
            while chunk := response.read1(65536):
                _check_deadline(deadline, current, total_timeout)
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"{current} is larger than the {max_bytes} byte limit")
                chunks.append(chunk)
        except urllib3.exceptions.HTTPError as exc:
            raise InputError(f"cannot fetch {current}: {exc.__class__.__name__}") from exc
        finally:
            response.release_conn()
        content_type = response.headers.get("Content-Type")
        charset = None
        if content_type and "charset=" in content_type:
            charset = content_type.split("charset=")[-1].split(";")[0].strip().strip('"') or None
        return FetchResult(current, b"".join(chunks), content_type, charset)
    raise InputError(f"too many redirects (more than {max_redirects}) from {url}")
