"""Name resolution for tests: a fixed table of names, never the network.

Every app built for tests resolves push endpoint hosts with ``OfflineResolver`` (set in
``tests.database.app_config``): names from the table, and numeric hosts parsed by the operating
system itself (``AI_NUMERICHOST``: ``2130706433``, ``0x7f000001``, ``127.1`` read as the real
resolver reads them, without a DNS query). Any other name does not resolve, like NXDOMAIN.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping, Sequence

#: Names the tests use, with addresses in public ranges (never connected to) or internal ones.
NAMES: Mapping[str, Sequence[str]] = {
    "fcm.googleapis.com": ["142.250.72.10", "2607:f8b0:4005:80c::200a"],
    "push.example.test": ["93.184.215.14"],
    "updates.push.services.mozilla.com": ["34.117.40.10"],
    "localhost": ["127.0.0.1", "::1"],
    "internal.example.test": ["10.0.0.5"],
    "metadata.example.test": ["169.254.169.254"],
    "loopback.example.test": ["127.0.0.1"],
    "mixed.example.test": ["93.184.215.14", "192.168.1.20"],
}


class OfflineResolver:
    """``(host, port)`` to addresses from ``names``, or the OS's reading of a numeric host."""

    def __init__(self, names: Mapping[str, Sequence[str]] = NAMES) -> None:
        self.names = {name: list(addresses) for name, addresses in names.items()}
        #: Every host looked up, in order (tests check that sends look up again).
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        key = host.lower().rstrip(".")
        if key in self.names:
            return list(self.names[key])
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        return [str(info[4][0]) for info in infos]


#: The resolver of test apps that name none of their own.
default_resolver = OfflineResolver()
