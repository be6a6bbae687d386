"""Loaded by every Python process the tests start (via PYTHONPATH): no network beyond loopback.

A test that leaks to the internet must fail loudly here, not hang or pass by luck.
"""

import os
import socket

if os.environ.get("NEWSMON_NETGUARD") == "1":
    _LOCAL = ("localhost", "::1", "0.0.0.0")
    _connect, _connect_ex, _getaddrinfo = (socket.socket.connect, socket.socket.connect_ex,
                                           socket.getaddrinfo)

    def _local(host: object) -> bool:
        return isinstance(host, str) and (host in _LOCAL or host.startswith("127."))

    def _check(address: object) -> None:
        if isinstance(address, tuple) and not _local(address[0]):
            raise ConnectionRefusedError(f"newsmon tests: network access to {address[0]} blocked")

    def connect(self, address):
        _check(address)
        return _connect(self, address)

    def connect_ex(self, address):
        _check(address)
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _local(host if isinstance(host, str) else host.decode()):
            raise socket.gaierror(f"newsmon tests: name lookup of {host} blocked")
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
