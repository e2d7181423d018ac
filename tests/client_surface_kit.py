"""Which stripe-python methods call which emulated route, found by calling every one of them.

Each method of the StripeClient services (walked from `client.v1` through their subservices)
and of the legacy resource classes (class methods, and instance methods on an object built
from {"id": ...}) is called once with placeholder arguments through an HTTP client that
records the request and answers nothing (or, given an app, hands it to the app and keeps what
the client made of the answer). The route table then says whether the request is emulated.
Async variants (`*_async`) request the same path as their sync twin, so only the sync names
are listed.
"""
import collections
import importlib
import inspect
import sys

import stripe
from stripe._util import class_method_variant

from stripe_emu import errors, routes, routing, testing

Request = collections.namedtuple("Request", "method path outcome")


class _Recorded(Exception):
    pass


class _Recorder(stripe.HTTPClient):
    name = "recorder"

    def __init__(self, app=None):
        super().__init__()
        self.app, self.seen = app, []

    def request(self, method, url, headers, post_data=None):
        self.seen.append((method.upper(), url.split("?")[0].split("stripe.com", 1)[-1]))
        if self.app is None:
            raise _Recorded()
        body = post_data.encode() if isinstance(post_data, str) else post_data or b""
        return testing.call(self.app, method.upper(), url, dict(headers), body)

    def close(self):
        pass


def _placeholders(function, skip):
    """A distinct string for each required positional parameter; {} for a required `params`."""
    parameters = list(inspect.signature(function).parameters.values())[skip:]
    return [{} if p.name == "params" else f"x{i}" for i, p in enumerate(parameters)
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]


def _request_of(recorder, call):
    """The first request `call()` made, with its result or the error it raised; None if it
    made none (e.g. refused by the client: a Card without its customer)."""
    recorder.seen.clear()
    try:
        outcome = call()
    except _Recorded:
        outcome = None
    except (stripe.StripeError, NotImplementedError, ValueError, AttributeError) as error:
        outcome = error
    return Request(*recorder.seen[0], outcome) if recorder.seen else None


def _services(service, name):
    module = sys.modules[type(service).__module__]
    for sub in getattr(module, "_subservices", {}):
        yield from _services(getattr(service, sub), f"{name}.{sub}")
    for method, function in inspect.getmembers(type(service), inspect.isfunction):
        if not method.startswith("_") and not method.endswith("_async"):
            yield f"{name}.{method}", getattr(service, method), function


def service_requests(app=None):
    """{"v1.customers.payment_sources.list": Request("GET", "/v1/customers/x0/sources", …)}"""
    recorder = _Recorder(app)
    client = stripe.StripeClient("sk_test_x", http_client=recorder, max_network_retries=0)
    found = {}
    for name, bound, function in _services(client.v1, "v1"):
        request = _request_of(recorder, lambda: bound(*_placeholders(function, 1)))
        if request:
            found[name] = request
    return found


def _resource_classes():
    for name in sorted(stripe._import_map):
        value = getattr(stripe, name, None)
        if inspect.isclass(value) and issubclass(value, stripe.APIResource) \
                and hasattr(value, "OBJECT_NAME"):
            yield value


def legacy_requests(monkeypatch, app=None):
    """{"Customer.list_sources": …, "Customer().delete": …}: `Class.m` called on the class,
    `Class().m` on an instance (a fresh one with an id, a customer, and for save() a change)."""
    recorder = _Recorder(app)
    monkeypatch.setattr(stripe, "default_http_client", recorder)
    monkeypatch.setattr(stripe, "api_key", "sk_test_x")
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    common = set(dir(stripe.StripeObject))
    found = {}
    for cls in _resource_classes():
        for method in dir(cls):
            if method.startswith("_") or method.endswith(("_async", "_url", "_request")) \
                    or method in common:
                continue
            raw = inspect.getattr_static(cls, method)
            if isinstance(raw, classmethod):
                calls = {f"{cls.__name__}.{method}": (raw.__func__, None)}
            elif isinstance(raw, class_method_variant):
                on_class = inspect.getattr_static(cls, raw.class_method_name).__func__
                calls = {f"{cls.__name__}.{method}": (on_class, None),
                         f"{cls.__name__}().{method}": (raw.method, True)}
            elif inspect.isfunction(raw):
                calls = {f"{cls.__name__}().{method}": (raw, True)}
            else:
                continue
            for name, (function, on_instance) in calls.items():
                target = _instance(cls) if on_instance else cls
                request = _request_of(recorder, lambda: getattr(target, method)(
                    *_placeholders(function, 1)))
                if request:
                    found[name] = request
    return found


def _instance(cls):
    instance = cls.construct_from({"id": "x_id", "object": cls.OBJECT_NAME,
                                   "customer": "x_cus"}, "sk_test_x")
    instance.metadata = {"changed": "1"}  # something for save() to send
    return instance


def route_of(method, path):
    """The emulated route's template, or the StripeError the emulator answers instead."""
    try:
        route, _ = _ROUTER.match(method, path)
    except errors.StripeError as refused:
        return refused
    return route.template


_ROUTER = routing.Router(routes.ROUTES)
importlib.import_module("stripe._customer")  # the legacy classes load lazily
