"""A small regex dispatcher: (method, path) → handler and the path's named segments.

Templates are written as Stripe's spec writes them (`/v1/customers/{customer}`), so the same
string also finds the operation's parameters in the spec. Literal templates are looked up in
a dict before any regex runs (bottle's rule: static routes first), and literal segments win
over placeholders (`/v1/customers/search` before `/v1/customers/{customer}`).

A request no emulated route takes is checked against every operation of Stripe's API
(`stripe_operations.txt`, shipped with the package): a real Stripe endpoint gets an error
saying stripe_emu does not emulate it, anything else Stripe's "Unrecognized request URL".
What is emulated is the route table itself, so the two never disagree.
"""
import functools
import re
from pathlib import Path

from . import errors

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
STRIPE_OPERATIONS_PATH = Path(__file__).resolve().parent / "stripe_operations.txt"


class Route:
    def __init__(self, method, template, handler, publishable=False):
        self.method = method
        self.template = template
        self.handler = handler
        self.publishable = publishable  # Stripe accepts a publishable key here too


class Router:
    def __init__(self, routes):
        self._static = {}
        dynamic = {}
        for route in routes:
            if "{" in route.template:
                dynamic.setdefault(route.template, {})[route.method] = route
            else:
                self._static.setdefault(route.template, {})[route.method] = route
        # Fewer placeholders first, so a literal segment beats a placeholder.
        ordered = sorted(dynamic.items(), key=lambda item: item[0].count("{"))
        self._dynamic = [(_pattern(template), methods) for template, methods in ordered]

    def match(self, method, path):
        methods, args = self._static.get(path), {}
        if methods is None:
            for pattern, candidates in self._dynamic:
                found = pattern.match(path)
                if found:
                    methods, args = candidates, found.groupdict()
                    break
        route = methods.get(method) if methods else None
        if route is None:
            operation = stripe_operation(method, path)
            raise unrecognized(method, path) if operation is None else \
                not_emulated(method, path, operation)
        return route, args


def _pattern(template):
    return re.compile("^" + _PLACEHOLDER.sub(r"(?P<\1>[^/]+)", template) + "$")


@functools.cache
def stripe_operations():
    """[(compiled template, template, {methods})] of every path of Stripe's API, read once."""
    methods = {}
    for line in STRIPE_OPERATIONS_PATH.read_text().splitlines():
        if line and not line.startswith("#"):
            method, template = line.split()
            methods.setdefault(template, set()).add(method)
    # A literal segment beats a placeholder (/v1/invoices/create_preview is not an invoice id).
    ordered = sorted(methods.items(), key=lambda item: item[0].count("{"))
    return [(_pattern(template), template, found) for template, found in ordered]


def stripe_operation(method, path):
    """The template of Stripe's operation `method` `path` (e.g. "/v1/subscriptions/{id}"), or
    None if Stripe has no such endpoint."""
    for pattern, template, methods in stripe_operations():
        if method in methods and pattern.match(path):
            return template
    return None


def not_emulated(method, path, template):
    """A real Stripe endpoint that is not in the route table. Stripe's shape and status (the
    404 of an unknown URL), so clients fail as they would on a typo, with words that say
    the code is right and the emulator is what lacks the endpoint."""
    return errors.StripeError(
        f"stripe_emu does not emulate {method} {template}: this is a real Stripe endpoint, "
        f"but not one of those this emulator answers (request: {method} {path}). The "
        "emulated endpoints are listed in stripe_emu's README.", status=404, validation=True)


def unrecognized(method, path):
    hint = ""
    if path.endswith("/") or "//" in path:
        hint = (" If you are trying to list objects, remove the trailing slash. If you are trying"
                " to retrieve an object, make sure you passed a valid (non-empty) identifier in"
                " your code.")
    # Stripe answers a known path with an unsupported method the same way as an unknown path.
    return errors.StripeError(
        f"Unrecognized request URL ({method}: {path}).{hint} Please see https://stripe.com/docs"
        " or we can help at https://support.stripe.com/.", status=404, validation=True)
