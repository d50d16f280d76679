"""Which push endpoints the server may post to, and an HTTP session that posts only there.

A push subscription's endpoint is a URL the browser hands us; the server later POSTs to it. If
it could name this machine or the internal network (``https://127.0.0.1/``, but also
``https://2130706433/``, ``https://0x7f000001/``, ``https://127.1/``,
``https://[::ffff:127.0.0.1]/``, or any name whose DNS answer is such an address), any
signed-in user could make the server send requests inside the network (SSRF). So:

* the host is **resolved** (``getaddrinfo``, which also reads the odd numeric spellings the way
  the connection would) and refused when **any** of its addresses is not public unicast
  (``is_forbidden``), when subscribing and again before every send;
* the sender **connects to the address that was checked** (``PinnedAdapter``), with the name
  kept for TLS (SNI and certificate check) and the Host header, so a DNS answer that changes
  between the check and the connection (DNS rebinding) cannot redirect it;
* **redirects are never followed** and no proxy from the environment is used.

Real push services (FCM, Mozilla autopush, Apple, Microsoft) are public HTTPS hosts. Tests with
a local push service set ``FIELDCERT_PUSH_ALLOW_INSECURE_ENDPOINTS`` (http, loopback allowed).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: ``(host, port)`` to the addresses a connection could reach, as text; raises ``OSError``
#: (``socket.gaierror``) when the name does not resolve.
Resolver = Callable[[str, int], Sequence[str]]

#: IPv4 blocks that are not public unicast (IANA special-purpose registry, RFC 6890 and later).
_IPV4_BLOCKED: Final = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8",  # "this network", 0.0.0.0 included (RFC 791, 1122)
        "10.0.0.0/8",  # private (RFC 1918)
        "100.64.0.0/10",  # shared address space, carrier-grade NAT (RFC 6598)
        "127.0.0.0/8",  # loopback (RFC 1122)
        "169.254.0.0/16",  # link-local, cloud metadata services among them (RFC 3927)
        "172.16.0.0/12",  # private (RFC 1918)
        "192.0.0.0/24",  # IETF protocol assignments (RFC 6890)
        "192.0.2.0/24",  # documentation TEST-NET-1 (RFC 5737)
        "192.88.99.0/24",  # 6to4 relay anycast, deprecated (RFC 7526)
        "192.168.0.0/16",  # private (RFC 1918)
        "198.18.0.0/15",  # benchmarking (RFC 2544)
        "198.51.100.0/24",  # documentation TEST-NET-2 (RFC 5737)
        "203.0.113.0/24",  # documentation TEST-NET-3 (RFC 5737)
        "224.0.0.0/4",  # multicast (RFC 5771)
        "240.0.0.0/4",  # reserved, 255.255.255.255 broadcast included (RFC 1112, 919)
    )
)
#: IPv6 unicast that is public lies in 2000::/3 (RFC 4291 §2.4); inside it, these are not.
_IPV6_GLOBAL: Final = ipaddress.IPv6Network("2000::/3")
_IPV6_BLOCKED: Final = tuple(
    ipaddress.IPv6Network(block)
    for block in (
        "2001::/23",  # IETF protocol assignments, Teredo (2001::/32) included (RFC 2928, 4380)
        "2001:db8::/32",  # documentation (RFC 3849)
        "3fff::/20",  # documentation (RFC 9637)
    )
)
#: Forms that carry an IPv4 address inside an IPv6 one: judged by the IPv4 address they reach.
_NAT64_WELL_KNOWN: Final = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052


def is_forbidden(address: IPAddress) -> bool:
    """True unless ``address`` is public unicast (for IPv6: also through what it embeds).

    Refused: loopback, private, link-local, shared (100.64/10), documentation, benchmarking,
    reserved, multicast, unspecified, in IPv4 and IPv6, and the IPv6 forms of any of those
    (IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::a.b.c.d``, 6to4 ``2002:aabb:ccdd::``).
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64_WELL_KNOWN:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_forbidden(embedded)
        if address not in _IPV6_GLOBAL or any(address in block for block in _IPV6_BLOCKED):
            return True
    elif any(address in block for block in _IPV4_BLOCKED):
        return True
    # Belt and braces: whatever else Python knows to be special (its tables grow over time).
    return (
        not address.is_global
        or address.is_multicast
        or address.is_private
        or address.is_reserved
        or address.is_loopback
        or address.is_link_local
        or address.is_unspecified
    )


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the operating system would connect to for ``host`` (DNS, hosts file, and
    numeric spellings such as ``2130706433`` or ``0x7f000001`` that ``inet_aton`` accepts)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


class EndpointRefused(Exception):
    """An endpoint the server will not post to; ``reason`` is zh-CN / English for ``details``."""

    def __init__(self, reason: str, *, internal: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        #: True when the host resolved to a forbidden address (as opposed to a malformed URL
        #: or a name that does not resolve).
        self.internal = internal


_NOT_HTTPS = "推送地址必须是 https / the endpoint must be an https URL"
_MALFORMED = "推送地址无效 / not a valid push endpoint"
_UNRESOLVED = "推送地址的主机名无法解析 / the endpoint's host name does not resolve"
_INTERNAL = "推送地址不能指向内部网络 / the endpoint must be a public address"


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked endpoint: where to connect (``address``) and the name it was checked for."""

    scheme: str
    host: str
    port: int
    address: str


@dataclass
class EndpointPolicy:
    """Checks endpoints; ``allow_internal`` only for tests with a local push service."""

    allow_internal: bool = False
    resolver: Resolver = field(default=system_resolver)

    def check(self, endpoint: str) -> Destination:
        """Refuse (``EndpointRefused``) or give the address to connect to for ``endpoint``."""
        try:
            url = urlsplit(endpoint)
            port = url.port
        except ValueError:
            raise EndpointRefused(_MALFORMED) from None
        host = url.hostname or ""
        if url.scheme != "https" and not (self.allow_internal and url.scheme == "http"):
            raise EndpointRefused(_NOT_HTTPS)
        if not host or url.username is not None or url.password is not None:
            raise EndpointRefused(_MALFORMED)
        port = port or (443 if url.scheme == "https" else 80)
        try:
            found = self.resolver(host, port)
            addresses = [ipaddress.ip_address(text.split("%", 1)[0]) for text in found]
        except (OSError, UnicodeError, ValueError):
            raise EndpointRefused(_UNRESOLVED) from None
        if not addresses:
            raise EndpointRefused(_UNRESOLVED)
        if not self.allow_internal and any(is_forbidden(address) for address in addresses):
            # Any, not all: a name with one public and one internal address could be made to
            # connect to the internal one.
            raise EndpointRefused(_INTERNAL, internal=True)
        return Destination(url.scheme, host, port, str(addresses[0]))


class PinnedAdapter(HTTPAdapter):
    """Connects to the address the policy checked, never to what a second lookup would say.

    requests lets a subclass choose the connection pool (``build_connection_pool_key_attributes``,
    requests >= 2.32.2): the pool's host is the checked IP address, while ``server_hostname``
    and ``assert_hostname`` keep the name for TLS (SNI, certificate check) and the Host header
    carries it for the push service.
    """

    def __init__(self, policy: EndpointPolicy) -> None:
        super().__init__(max_retries=0)
        self.policy = policy

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        try:
            destination = self.policy.check(str(request.url))
        except EndpointRefused as refused:
            raise RefusedRequest(refused, request=request) from refused
        host_params["host"] = destination.address
        if destination.scheme == "https":
            pool_kwargs["server_hostname"] = destination.host
            pool_kwargs["assert_hostname"] = destination.host
        return host_params, pool_kwargs

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        # http.client would name the IP address it connects to; the service expects its name.
        request.headers["Host"] = urlsplit(str(request.url)).netloc


class RefusedRequest(requests.exceptions.RequestException):
    """A request the policy refused at send time (the DNS answer changed since subscribing)."""

    def __init__(self, refused: EndpointRefused, **kwargs: Any) -> None:
        super().__init__(refused.reason, **kwargs)
        self.refused = refused


class PinnedSession(requests.Session):
    """A requests session for push: checked and pinned addresses, no redirects, no env proxy."""

    def __init__(self, policy: EndpointPolicy) -> None:
        super().__init__()
        # HTTP(S)_PROXY from the environment would make the proxy resolve the name instead.
        self.trust_env = False
        adapter = PinnedAdapter(policy)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        # A push service answers 201; a redirect is an answer to report, never to follow
        # (it could point anywhere, this machine included).
        kwargs["allow_redirects"] = False
        return super().send(request, **kwargs)
