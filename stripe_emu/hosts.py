"""Which `Host` a request may name: the defence against DNS rebinding.

A web page the developer visits can make its own name (rebind.example) resolve to 127.0.0.1
and then read the emulator's answers as same-origin ones: every account's objects and keys
through /_emu/snapshot. Such a request still names the page's host in its `Host` header, so
the emulator answers only hosts that cannot be rebound: loopback names (localhost and
*.localhost, which browsers resolve to loopback themselves), IP literals (a rebinding needs
a name), and the names the operator allows (`serve --allow-host NAME`, the name `serve
--host` binds, `make_app(allow_hosts=[...])`; `*` allows any). A request without a Host
header (HTTP/1.0, the in-process client) names nothing to rebind and is answered.
"""
import functools
import ipaddress
import urllib.parse

from . import errors

ANY = "*"


def allowed_hosts(names):
    """The operator's allowed names, normalised (lower case, no port, no trailing dot)."""
    return frozenset(_name(name) if name != ANY else ANY for name in names or ())


def check(host, allowed):
    """Raise the 400 that refuses `host` (the Host header, or None) unless it is allowed."""
    if host is None or ANY in allowed or _answered(host, allowed):
        return
    name = _name(host)
    raise errors.StripeError(
        f"stripe_emu does not answer requests for the host {host!r}: a web page could use such "
        "a name to read the emulator (DNS rebinding). Use 127.0.0.1 or localhost, or start "
        f"the emulator with --allow-host {name or 'NAME'} (make_app(allow_hosts=[...])) to "
        "allow that name.", status=400)


@functools.lru_cache(maxsize=256)
def _answered(host, allowed):
    """Whether `host` names a loopback name, an IP address or an allowed name. Remembered:
    a server sees the same few Host values again and again, and parsing one (urlsplit,
    ipaddress) cost 3 µs, a twentieth of a retrieve."""
    name = _name(host)
    if name == "localhost" or name.endswith(".localhost") or name in allowed:
        return True
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return False


def _name(host):
    """The host name of a Host header value ('[::1]:12111' → '::1'); '' if malformed."""
    try:
        name = urllib.parse.urlsplit("//" + host.strip()).hostname or ""
    except ValueError:
        return ""
    return name.rstrip(".")
