"""A small regex dispatcher: (method, path) → handler and the path's named segments.

Templates are written as Stripe's spec writes them (`/v1/customers/{customer}`), so the same
string also finds the operation's parameters in the spec. Literal templates are looked up in
a dict before any regex runs (bottle's rule: static routes first), and literal segments win
over placeholders (`/v1/customers/search` before `/v1/customers/{customer}`).
"""
import re

from . import errors

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


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
        self._dynamic = [(re.compile("^" + _PLACEHOLDER.sub(r"(?P<\1>[^/]+)", template) + "$"),
                          methods) for template, methods in ordered]

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
            raise unrecognized(method, path)
        return route, args


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
