"""Every stripe-python 16 method that calls an emulated route, called once against the emulator:
StripeClient services and legacy resource classes, sync over a socket, sync and async in
process. The methods are found by client_surface_kit (so a route added to routes.py, or a
method added to stripe-python, fails here until it has a case). Each answer must fit the
spec (the `conforming` middleware), be of the class Stripe's docs name, and a list must walk
all its pages with auto_paging_iter."""
import asyncio
import contextlib
import inspect

import pytest

stripe = pytest.importorskip("stripe")

import client_surface_kit as kit  # noqa: E402
from conftest import conforming, serving  # noqa: E402
from client_surface_cases import CASES, KEY, SEARCH, objects  # noqa: E402
from stripe_emu import testing  # noqa: E402


# -- calling one method as its style wants ---------------------------------------------------

PREFIXES = {"Customer": "cus_", "Card": "card_", "BankAccount": "ba_", "Source": "src_",
            "Charge": "ch_", "Refund": "re_", "PaymentIntent": "pi_", "SetupIntent": "seti_",
            "PaymentMethod": "pm_", "Token": ("tok_", "btok_"), "Event": "evt_", "TaxId": "txi_",
            "WebhookEndpoint": "we_", "BalanceTransaction": "txn_",
            "CustomerBalanceTransaction": "cbtxn_", "Balance": None}
NO_PARAMS = {"Charge().mark_as_fraudulent", "Charge().mark_as_safe"}


def fetch(cls_name, ids):
    """The object an instance method is called on, as the legacy style retrieves it, and the
    ids left for the method's own arguments."""
    if PREFIXES[cls_name] is None:
        return getattr(stripe, cls_name).retrieve(), ids
    at = next(i for i, value in enumerate(ids) if value.startswith(PREFIXES[cls_name]))
    if cls_name in ("Card", "BankAccount"):
        found = stripe.Customer.retrieve_source(ids[0], ids[at])
    elif cls_name == "CustomerBalanceTransaction":
        found = stripe.Customer.retrieve_balance_transaction(ids[0], ids[at])
    else:
        found = getattr(stripe, cls_name).retrieve(ids[at])
    return found, ids[at + 1:]


def call(name, c, client, use_async):
    """Call method `name` once as the case of its route says; returns (result, expected)."""
    spec = CASES[ROUTE_OF[name]]
    params = {} if name in NO_PARAMS else spec.params(c)
    if isinstance(spec.expect, tuple):
        params["limit"] = 1
    cls_name, _, attr = name.replace("().", ".").rpartition(".")
    expect, ids = spec.expect, None
    if "()." in name and spec.obj and cls_name in spec.obj:
        ids, expect = spec.obj[cls_name](c), getattr(stripe, cls_name)
    ids = spec.ids(c) if ids is None else ids
    if name.startswith("v1."):
        owner = client
        for part in cls_name.split("."):
            owner = getattr(owner, part)
        args, kwargs = ids, ({"params": params} if params else {})
    elif "()." in name:
        owner, args = fetch(cls_name, ids)
        kwargs = params
        if attr == "save":
            for key, value in params.items():  # as the docs show: obj.metadata["n"] = "1"
                if isinstance(value, dict):
                    for inner, item in value.items():
                        owner[key][inner] = item
                else:
                    setattr(owner, key, value)
            kwargs = {}
    else:
        owner, args, kwargs = getattr(stripe, cls_name), ids, params
    method = getattr(owner, attr + "_async" if use_async else attr)
    if isinstance(expect, type) and issubclass(expect, Exception):
        with pytest.raises(expect):
            run(method(*args, **kwargs))
        return None, expect, ids
    return run(method(*args, **kwargs)), expect, ids


def has_async_twin(name):
    """Every service method has one; legacy auto_paging_iter has none."""
    cls_name, _, attr = name.replace("().", ".").rpartition(".")
    return name.startswith("v1.") or hasattr(getattr(stripe, cls_name), attr + "_async")


def run(result):
    return asyncio.run(result) if inspect.isawaitable(result) else result


async def _gather(iterator):
    return [item async for item in iterator]


def check_object(name, result, ids):
    """The answer carries its Request-Id; the object a path names is the one answered; a
    deleted one says so (a detached Source is not deleted: it is consumed)."""
    method, template = ROUTE_OF[name]
    if isinstance(result, stripe.StripeObject):  # what a user logs when asking Stripe
        assert result.last_response.request_id.startswith("req_"), name
    if not isinstance(result, stripe.APIResource) or not template.endswith("}"):
        return
    assert result.id == ids[-1], (name, result.id, ids)
    if method == "DELETE" and not isinstance(result, stripe.Source):
        assert result.deleted is True, (name, result)


def check(name, result, expect, use_async):
    if isinstance(expect, type) and issubclass(expect, Exception):
        return
    if isinstance(expect, type):
        assert type(result) is expect, (name, type(result))
        return
    kind, item_class = expect
    if name.endswith("auto_paging_iter"):  # a generator over every page
        items = run(_gather(result)) if use_async else list(result)
    else:
        page_class = stripe.SearchResultObject if kind == SEARCH else stripe.ListObject
        assert type(result) is page_class and len(result.data) == 1 and result.has_more, name
        pages = result.auto_paging_iter()
        items = run(_gather(pages)) if use_async else list(pages)
    assert len(items) >= 2 and len({item.id for item in items}) == len(items), name
    assert all(isinstance(item, item_class) for item in items), (name, items)


# -- the enumeration and the runs ------------------------------------------------------------

@pytest.fixture(scope="module")
def enumerated():
    """{method name: (method, path)} for every stripe-python method, found by calling it."""
    with pytest.MonkeyPatch.context() as patch:
        return {**kit.service_requests(), **kit.legacy_requests(patch)}


def emulated(enumerated):
    routes = {name: kit.route_of(call.method, call.path) for name, call in enumerated.items()}
    return {name: (enumerated[name].method, route) for name, route in routes.items()
            if isinstance(route, str)}


ROUTE_OF = {}


def test_every_method_calling_an_emulated_route_has_a_case(enumerated):
    found = emulated(enumerated)
    ROUTE_OF.update(found)
    assert len(found) >= 190, len(found)
    missing = {name: route for name, route in found.items() if route not in CASES}
    assert not missing, f"no case for the route these methods call: {missing}"
    unused = set(CASES) - set(found.values())
    assert not unused, f"cases for routes no stripe-python method calls: {unused}"


@pytest.mark.parametrize("transport", ["socket", "socket_async", "in_process",
                                       "in_process_async"])
def test_every_method_works_as_the_docs_say(transport, enumerated, app, monkeypatch):
    if transport == "socket_async":
        pytest.importorskip("httpx")  # stripe-python's async client over a socket
    ROUTE_OF.update(emulated(enumerated))
    violations = []
    checked = conforming(app, violations)
    use_async = transport.endswith("async")
    monkeypatch.setattr(stripe, "api_key", KEY)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    with contextlib.ExitStack() as stack:
        if transport.startswith("socket"):
            url = stack.enter_context(serving(checked))
            client = stripe.StripeClient(KEY, base_addresses={"api": url},
                                         max_network_retries=0)
            monkeypatch.setattr(stripe, "api_base", url)
            monkeypatch.setattr(stripe, "default_http_client", None)
        else:
            http = testing.InProcessHTTPClient(checked)
            client = stripe.StripeClient(KEY, http_client=http, max_network_retries=0)
            monkeypatch.setattr(stripe, "default_http_client", http)
        c = objects(app, client)
        failures = {}
        for name in sorted(ROUTE_OF):
            if use_async and not has_async_twin(name):
                continue
            try:
                result, expect, ids = call(name, c, client, use_async)
                check(name, result, expect, use_async)
                check_object(name, result, ids)
            except Exception as failure:  # collect them all: one report for the lot
                failures[name] = repr(failure)[:300]
    assert not failures, "\n".join(f"{name}: {why}" for name, why in failures.items())
    assert not violations, "answers that do not fit Stripe's spec:\n" + "\n".join(violations)
