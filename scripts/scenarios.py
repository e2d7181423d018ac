"""The requests scripts/bench.py measures, each in process and through `serve`.

A scenario is a function `name(send)`: it prepares what it needs with `send` (untimed) and
returns an operation, which makes its requests and returns the seconds of the part it
measures (`timed` times one request). Register it in SCENARIOS, in the order of the table.
"""
import json
import uuid

from benchkit import expect, new_customer, timed, timed_answer

# -- customers and their sources (issue 10) ------------------------------------------------

def retrieve_customer(send):
    path = f"/v1/customers/{new_customer(send)}"
    return lambda: timed(send, "GET", path)


def list_customers(send):
    for _ in range(10):
        new_customer(send)
    return lambda: timed(send, "GET", "/v1/customers", {"limit": "10"})


def create_customer(send):
    return lambda: timed(send, "POST", "/v1/customers", {"email": "new@example.com"})


def create_customer_with_key(send):
    return lambda: timed(send, "POST", "/v1/customers", {"email": "new@example.com"},
                         {"Idempotency-Key": str(uuid.uuid4())})


def attach_card(send):
    path = f"/v1/customers/{new_customer(send)}/sources"
    return lambda: timed(send, "POST", path, {"source": "tok_visa"})


def attach_and_detach_source(send):
    path = f"/v1/customers/{new_customer(send)}/sources"

    def operation():
        source = expect(send, "POST", "/v1/sources", {"type": "ach_credit_transfer",
                                                       "currency": "usd"})["id"]
        return (timed(send, "POST", path, {"source": source})
                + timed(send, "DELETE", f"{path}/{source}"))
    return operation


def delete_card(send):
    path = f"/v1/customers/{new_customer(send)}/sources"

    def operation():
        card = expect(send, "POST", path, {"source": "tok_visa"})["id"]
        return timed(send, "DELETE", f"{path}/{card}")
    return operation


# -- charges and refunds (issue 8) ---------------------------------------------------------

def _paying_customer(send):
    """A customer whose default source is a Visa card."""
    return expect(send, "POST", "/v1/customers", {"source": "tok_visa"})["id"]


def create_charge(send):
    charge = {"customer": _paying_customer(send), "amount": "2000", "currency": "usd"}
    return lambda: timed(send, "POST", "/v1/charges", charge)


def refund_charge(send):
    """A full refund of a charge made for it (untimed), so that every refund costs the same."""
    charge = {"customer": _paying_customer(send), "amount": "2000", "currency": "usd"}

    def operation():
        made = expect(send, "POST", "/v1/charges", charge)["id"]
        return timed(send, "POST", "/v1/refunds", {"charge": made})
    return operation


# -- PaymentMethods, SetupIntents and PaymentIntents (issue 9) ----------------------------

# Cards only: with the spec's API version, an intent without payment_method_types would
# allow redirect methods and want a return_url.
_CONFIRMED = {"payment_method_types[]": "card", "confirm": "true",
              "payment_method": "pm_card_visa"}
_PAY = {"amount": "2000", "currency": "usd", **_CONFIRMED}


def attach_payment_method(send):
    customer = {"customer": new_customer(send)}
    return lambda: timed(send, "POST", "/v1/payment_methods/pm_card_visa/attach", customer)


def confirmed_setup_intent(send):
    setup = {"customer": new_customer(send), **_CONFIRMED}
    return lambda: timed(send, "POST", "/v1/setup_intents", setup)


def confirmed_payment_intent(send):
    return lambda: timed(send, "POST", "/v1/payment_intents", _PAY)


def authorize_then_capture(send):
    authorize = {**_PAY, "capture_method": "manual"}

    def operation():
        seconds, body = timed_answer(send, "POST", "/v1/payment_intents", authorize)
        capture = f"/v1/payment_intents/{json.loads(body)['id']}/capture"
        return seconds + timed(send, "POST", capture)
    return operation


SCENARIOS = {
    "retrieve customer": retrieve_customer,
    "list customers (limit 10)": list_customers,
    "create customer": create_customer,
    "create customer, Idempotency-Key": create_customer_with_key,
    "attach tok_visa": attach_card,
    "attach + detach a Source": attach_and_detach_source,
    "delete a card": delete_card,
    "create charge": create_charge,
    "refund a charge": refund_charge,
    "attach a PaymentMethod": attach_payment_method,
    "SetupIntent, confirmed": confirmed_setup_intent,
    "PaymentIntent, confirmed": confirmed_payment_intent,
    "authorize + capture (2 requests)": authorize_then_capture,
}
