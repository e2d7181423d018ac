"""Every stripe-python 16 method that calls an emulated route, called once against the emulator:
StripeClient services and legacy resource classes, sync over a socket, sync and async in
process. The methods are found by client_surface_kit (so a route added to routes.py, or a
method added to stripe-python, fails here until it has a case). Each answer must fit the
spec (the `conforming` middleware), be of the class Stripe's docs name, and a list must walk
all its pages with auto_paging_iter."""
import asyncio
import contextlib
import inspect
import types

import pytest

stripe = pytest.importorskip("stripe")

import client_surface_kit as kit  # noqa: E402
from conftest import conforming, serving  # noqa: E402
from stripe_emu import testing  # noqa: E402

KEY = "sk_test_surface"
LIST, SEARCH = "list", "search"


def case(ids, expect, params=None, obj=None):
    return types.SimpleNamespace(ids=ids, expect=expect, params=params if callable(params) else lambda c: dict(params or {}), obj=obj)


def _card(c, token="tok_visa"):
    return c.v1.customers.payment_sources.create(c.cus.id, params={"source": token})


def _charge(c, **extra):
    return c.v1.charges.create(params={"amount": 2000, "currency": "usd", "source": "tok_visa",
                                       **extra})


def _intent(c, **extra):
    return c.v1.payment_intents.create(params={"amount": 1500, "currency": "usd",
                                               "payment_method_types": ["card"], **extra})


def _setup(c):
    return c.v1.setup_intents.create(params={"payment_method_types": ["card"]})


def _bank(c):
    """A new customer's bank account: one customer can hold a given account once."""
    customer = c.v1.customers.create()
    return customer.id, c.v1.customers.payment_sources.create(
        customer.id, params={"source": "btok_us"}).id


def _ach(c):
    return c.v1.sources.create(params={"type": "ach_debit", "token": "btok_us"})


def _pm(c):
    return c.v1.payment_methods.create(params={"type": "card", "card": {"token": "tok_visa"}})


CUS = lambda c: (c.cus.id,)  # noqa: E731
CASES = {  # (method, template): how to call it
    ("POST", "/v1/customers"): case(lambda c: (), stripe.Customer, {"email": "a@example.com"}),
    ("GET", "/v1/customers"): case(lambda c: (), (LIST, stripe.Customer)),
    ("GET", "/v1/customers/search"): case(lambda c: (), (SEARCH, stripe.Customer),
                                          {"query": "email:'jenny@example.com'"}),
    ("GET", "/v1/customers/{customer}"): case(CUS, stripe.Customer),
    ("POST", "/v1/customers/{customer}"): case(CUS, stripe.Customer, {"name": "Jenny"}),
    ("DELETE", "/v1/customers/{customer}"): case(
        lambda c: (c.v1.customers.create().id,), stripe.Customer),
    ("GET", "/v1/customers/{customer}/sources"): case(CUS, (LIST, (stripe.Card, stripe.BankAccount))),
    ("POST", "/v1/customers/{customer}/sources"): case(CUS, stripe.Card, {"source": "tok_visa"}),
    ("GET", "/v1/customers/{customer}/sources/{id}"): case(
        lambda c: (c.cus.id, c.card.id), stripe.Card, obj={"BankAccount": _bank}),
    ("POST", "/v1/customers/{customer}/sources/{id}"): case(
        lambda c: (c.cus.id, c.card.id), stripe.Card, {"metadata": {"n": "1"}},
        obj={"BankAccount": _bank}),
    ("DELETE", "/v1/customers/{customer}/sources/{id}"): case(
        lambda c: (c.cus.id, _card(c).id), stripe.Card,
        obj={"Source": lambda c: (c.cus.id, _card(c, _ach(c).id).id),
             "BankAccount": _bank}),
    ("POST", "/v1/customers/{customer}/sources/{id}/verify"): case(
        _bank, stripe.BankAccount, {"amounts": [32, 45]}),
    ("GET", "/v1/customers/{customer}/tax_ids"): case(CUS, (LIST, stripe.TaxId)),
    ("POST", "/v1/customers/{customer}/tax_ids"): case(
        CUS, stripe.TaxId, {"type": "eu_vat", "value": "DE123456789"}),
    ("GET", "/v1/customers/{customer}/tax_ids/{id}"): case(
        lambda c: (c.cus.id, c.tax_id.id), stripe.TaxId),
    ("DELETE", "/v1/customers/{customer}/tax_ids/{id}"): case(
        lambda c: (c.cus.id, c.v1.customers.tax_ids.create(
            c.cus.id, params={"type": "eu_vat", "value": "DE123456789"}).id), stripe.TaxId),
    ("GET", "/v1/customers/{customer}/balance_transactions"): case(
        CUS, (LIST, stripe.CustomerBalanceTransaction)),
    ("POST", "/v1/customers/{customer}/balance_transactions"): case(
        CUS, stripe.CustomerBalanceTransaction, {"amount": -500, "currency": "usd"}),
    ("GET", "/v1/customers/{customer}/balance_transactions/{transaction}"): case(
        lambda c: (c.cus.id, c.cbt.id), stripe.CustomerBalanceTransaction),
    ("POST", "/v1/customers/{customer}/balance_transactions/{transaction}"): case(
        lambda c: (c.cus.id, c.cbt.id), stripe.CustomerBalanceTransaction,
        {"description": "credit"}),
    ("GET", "/v1/customers/{customer}/payment_methods"): case(CUS, (LIST, stripe.PaymentMethod)),
    ("GET", "/v1/customers/{customer}/payment_methods/{payment_method}"): case(
        lambda c: (c.cus.id, c.pm.id), stripe.PaymentMethod),
    ("POST", "/v1/tokens"): case(lambda c: (), stripe.Token, {"card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123"}}),
    ("GET", "/v1/tokens/{token}"): case(
        lambda c: (c.v1.tokens.create(params={"bank_account": {
            "country": "US", "currency": "usd", "routing_number": "110000000",
            "account_number": "000123456789"}}).id,), stripe.Token),
    ("POST", "/v1/sources"): case(lambda c: (), stripe.Source,
                                  {"type": "ach_debit", "token": "btok_us"}),
    ("GET", "/v1/sources/{source}"): case(lambda c: (c.src.id,), stripe.Source),
    ("POST", "/v1/sources/{source}"): case(lambda c: (c.src.id,), stripe.Source,
                                           {"metadata": {"n": "1"}}),
    ("POST", "/v1/sources/{source}/verify"): case(lambda c: (_ach(c).id,), stripe.Source,
                                                  {"values": ["32", "45"]}),
    ("GET", "/v1/sources/{source}/source_transactions"): case(
        lambda c: (c.funded.id,), (LIST, stripe.SourceTransaction)),
    ("GET", "/v1/events"): case(lambda c: (), (LIST, stripe.Event)),
    ("GET", "/v1/events/{id}"): case(
        lambda c: (c.v1.events.list(params={"limit": 1}).data[0].id,), stripe.Event),
    ("POST", "/v1/webhook_endpoints"): case(lambda c: (), stripe.WebhookEndpoint, {
        "url": "https://example.com/hook", "enabled_events": ["charge.succeeded"]}),
    ("GET", "/v1/webhook_endpoints"): case(lambda c: (), (LIST, stripe.WebhookEndpoint)),
    ("GET", "/v1/webhook_endpoints/{webhook_endpoint}"): case(
        lambda c: (c.hook.id,), stripe.WebhookEndpoint),
    ("POST", "/v1/webhook_endpoints/{webhook_endpoint}"): case(
        lambda c: (c.hook.id,), stripe.WebhookEndpoint, {"description": "mine"}),
    ("DELETE", "/v1/webhook_endpoints/{webhook_endpoint}"): case(
        lambda c: (c.v1.webhook_endpoints.create(params={
            "url": "https://example.com/x", "enabled_events": ["*"]}).id,), stripe.WebhookEndpoint),
    ("POST", "/v1/charges"): case(lambda c: (), stripe.Charge,
                                  {"amount": 500, "currency": "usd", "source": "tok_visa"}),
    ("GET", "/v1/charges"): case(lambda c: (), (LIST, stripe.Charge)),
    ("GET", "/v1/charges/search"): case(lambda c: (), (SEARCH, stripe.Charge),
                                        {"query": "amount>0"}),
    ("GET", "/v1/charges/{charge}"): case(lambda c: (c.charge.id,), stripe.Charge),
    ("POST", "/v1/charges/{charge}"): case(lambda c: (c.charge.id,), stripe.Charge,
                                           {"description": "paid"}),
    ("POST", "/v1/charges/{charge}/capture"): case(
        lambda c: (_charge(c, capture=False).id,), stripe.Charge),
    ("GET", "/v1/charges/{charge}/refunds"): case(lambda c: (c.charge.id,), (LIST, stripe.Refund)),
    ("GET", "/v1/charges/{charge}/refunds/{refund}"): case(
        lambda c: (c.charge.id, c.refund.id), stripe.Refund),
    ("POST", "/v1/refunds"): case(lambda c: (), stripe.Refund, lambda c: {"charge": c.charge.id, "amount": 10}),
    ("GET", "/v1/refunds"): case(lambda c: (), (LIST, stripe.Refund)),
    ("GET", "/v1/refunds/{refund}"): case(lambda c: (c.refund.id,), stripe.Refund),
    ("POST", "/v1/refunds/{refund}"): case(lambda c: (c.refund.id,), stripe.Refund,
                                           {"metadata": {"n": "1"}}),
    # A card refund never waits for the customer: Stripe refuses to cancel it.
    ("POST", "/v1/refunds/{refund}/cancel"): case(lambda c: (c.refund.id,),
                                                  stripe.InvalidRequestError),
    ("GET", "/v1/balance"): case(lambda c: (), stripe.Balance),
    ("GET", "/v1/balance_transactions"): case(lambda c: (), (LIST, stripe.BalanceTransaction)),
    ("GET", "/v1/balance_transactions/{id}"): case(
        lambda c: (c.charge.balance_transaction,), stripe.BalanceTransaction),
    ("POST", "/v1/payment_methods"): case(lambda c: (), stripe.PaymentMethod,
                                          {"type": "card", "card": {"token": "tok_visa"}}),
    ("GET", "/v1/payment_methods"): case(lambda c: (), (LIST, stripe.PaymentMethod),
                                         lambda c: {"customer": c.cus.id}),
    ("GET", "/v1/payment_methods/{payment_method}"): case(lambda c: (c.pm.id,),
                                                          stripe.PaymentMethod),
    ("POST", "/v1/payment_methods/{payment_method}"): case(
        lambda c: (c.pm.id,), stripe.PaymentMethod, {"metadata": {"n": "1"}}),
    ("POST", "/v1/payment_methods/{payment_method}/attach"): case(
        lambda c: (_pm(c).id,), stripe.PaymentMethod, lambda c: {"customer": c.cus.id}),
    ("POST", "/v1/payment_methods/{payment_method}/detach"): case(
        lambda c: (c.v1.payment_methods.attach(_pm(c).id, params={"customer": c.cus.id}).id,),
        stripe.PaymentMethod),
    ("POST", "/v1/setup_intents"): case(lambda c: (), stripe.SetupIntent),
    ("GET", "/v1/setup_intents"): case(lambda c: (), (LIST, stripe.SetupIntent)),
    ("GET", "/v1/setup_intents/{intent}"): case(lambda c: (c.seti.id,), stripe.SetupIntent),
    ("POST", "/v1/setup_intents/{intent}"): case(lambda c: (c.seti.id,), stripe.SetupIntent,
                                                 {"metadata": {"n": "1"}}),
    ("POST", "/v1/setup_intents/{intent}/confirm"): case(
        lambda c: (_setup(c).id,), stripe.SetupIntent,
        {"payment_method": "pm_card_visa"}),
    ("POST", "/v1/setup_intents/{intent}/cancel"): case(
        lambda c: (_setup(c).id,), stripe.SetupIntent),
    ("POST", "/v1/payment_intents"): case(lambda c: (), stripe.PaymentIntent,
                                          {"amount": 700, "currency": "usd"}),
    ("GET", "/v1/payment_intents"): case(lambda c: (), (LIST, stripe.PaymentIntent)),
    ("GET", "/v1/payment_intents/search"): case(lambda c: (), (SEARCH, stripe.PaymentIntent),
                                                {"query": "currency:'usd'"}),
    ("GET", "/v1/payment_intents/{intent}"): case(lambda c: (c.pi.id,), stripe.PaymentIntent),
    ("POST", "/v1/payment_intents/{intent}"): case(lambda c: (c.pi.id,), stripe.PaymentIntent,
                                                   {"description": "order 1"}),
    ("POST", "/v1/payment_intents/{intent}/confirm"): case(
        lambda c: (_intent(c).id,), stripe.PaymentIntent, {"payment_method": "pm_card_visa"}),
    ("POST", "/v1/payment_intents/{intent}/capture"): case(
        lambda c: (_intent(c, capture_method="manual", confirm=True,
                           payment_method="pm_card_visa").id,), stripe.PaymentIntent),
    ("POST", "/v1/payment_intents/{intent}/cancel"): case(
        lambda c: (_intent(c).id,), stripe.PaymentIntent),
}


# -- the objects the cases use, made once per client -----------------------------------------

def objects(app, client):
    c = types.SimpleNamespace(v1=client.v1)
    c.cus = client.v1.customers.create(params={"email": "jenny@example.com"})
    client.v1.customers.create(params={"email": "jenny@example.com"})
    c.card, _ = _card(c), _card(c)
    c.tax_id = client.v1.customers.tax_ids.create(c.cus.id, params={"type": "eu_vat",
                                                                   "value": "DE123456789"})
    c.cbt = client.v1.customers.balance_transactions.create(
        c.cus.id, params={"amount": -100, "currency": "usd"})
    client.v1.customers.balance_transactions.create(c.cus.id, params={"amount": 50,
                                                                      "currency": "usd"})
    for _ in range(2):
        client.v1.customers.tax_ids.create(c.cus.id, params={"type": "eu_vat",
                                                            "value": "DE123456789"})
        client.v1.payment_methods.attach(_pm(c).id, params={"customer": c.cus.id})
        client.v1.webhook_endpoints.create(params={"url": "https://example.com/hook",
                                                   "enabled_events": ["*"]})
        client.v1.setup_intents.create()
    c.pm = client.v1.payment_methods.list(params={"customer": c.cus.id}).data[0]
    c.src = _ach(c)
    c.funded = client.v1.sources.create(params={"type": "ach_credit_transfer",
                                                "currency": "usd"})
    testing.fund_source(app, c.funded.id, 1500, account=KEY)
    testing.fund_source(app, c.funded.id, 700, account=KEY)
    c.hook = client.v1.webhook_endpoints.create(params={"url": "https://example.com/hook",
                                                        "enabled_events": ["*"]})
    c.charge = _charge(c)
    c.refund = client.v1.refunds.create(params={"charge": c.charge.id, "amount": 100})
    client.v1.refunds.create(params={"charge": c.charge.id, "amount": 100})
    c.seti = client.v1.setup_intents.create()
    c.pi, _ = _intent(c), _intent(c)
    return c


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
        return None, expect
    return run(method(*args, **kwargs)), expect


def has_async_twin(name):
    """Every service method has one; legacy auto_paging_iter has none."""
    cls_name, _, attr = name.replace("().", ".").rpartition(".")
    return name.startswith("v1.") or hasattr(getattr(stripe, cls_name), attr + "_async")


def run(result):
    return asyncio.run(result) if inspect.isawaitable(result) else result


async def _gather(iterator):
    return [item async for item in iterator]


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


@pytest.mark.parametrize("transport", ["socket", "in_process", "in_process_async"])
def test_every_method_works_as_the_docs_say(transport, enumerated, app, monkeypatch):
    ROUTE_OF.update(emulated(enumerated))
    violations = []
    checked = conforming(app, violations)
    use_async = transport.endswith("async")
    monkeypatch.setattr(stripe, "api_key", KEY)
    monkeypatch.setattr(stripe, "max_network_retries", 0)
    with contextlib.ExitStack() as stack:
        if transport == "socket":
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
                result, expect = call(name, c, client, use_async)
                check(name, result, expect, use_async)
            except Exception as failure:  # collect them all: one report for the lot
                failures[name] = repr(failure)[:300]
    assert not failures, "\n".join(f"{name}: {why}" for name, why in failures.items())
    assert not violations, "answers that do not fit Stripe's spec:\n" + "\n".join(violations)
