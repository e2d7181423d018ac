"""What test_client_surface calls for each emulated route: the ids and parameters of a valid
call, the class Stripe's docs say it returns (or (LIST|SEARCH, item class) for a page, or the
error Stripe answers), and the objects those calls need, made once per client."""
import types

import stripe

from stripe_emu import testing

KEY = "sk_test_surface"
LIST, SEARCH = "list", "search"


def case(ids, expect, params=None, obj=None):
    """ids(c) and params (or params(c)) of a valid call; obj: {class name: ids(c)} for the
    instance methods of another class on the same route."""
    fixed = params if callable(params) else lambda c: dict(params or {})
    return types.SimpleNamespace(ids=ids, expect=expect, params=fixed, obj=obj)


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
    ("GET", "/v1/customers/{customer}/sources"): case(
        CUS, (LIST, (stripe.Card, stripe.BankAccount))),
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
    ("POST", "/v1/refunds"): case(lambda c: (), stripe.Refund,
                                  lambda c: {"charge": c.charge.id, "amount": 10}),
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
