"""Saving a card and paying with an intent cost the same with 5 or 300 intents and
PaymentMethods stored: a fixed number of statements, each using an index."""
from conftest import Api
from intents_kit import CARD_ONLY
from stripe_emu import make_app, testing
from test_query_plans import statements_per_step


def steps(api, app):
    customer = api.post("/v1/customers")["id"]
    held = {}

    def authorize():
        held["pi"] = api.post("/v1/payment_intents", {
            "amount": 2000, "currency": "usd", "payment_method": "pm_card_visa",
            "confirm": "true", "capture_method": "manual", **CARD_ONLY})["id"]

    def ask_for_3d_secure():
        held["3ds"] = api.post("/v1/payment_intents", {
            "amount": 2000, "currency": "usd", "confirm": "true", **CARD_ONLY,
            "payment_method": "pm_card_threeDSecure2Required"})["id"]
    return {
        "attach a PaymentMethod": lambda: api.post(
            "/v1/payment_methods/pm_card_visa/attach", {"customer": customer}),
        "list a customer's PaymentMethods": lambda: api.get(
            f"/v1/customers/{customer}/payment_methods"),
        "SetupIntent confirmed": lambda: api.post("/v1/setup_intents", {
            "customer": customer, "payment_method": "pm_card_visa", "confirm": "true",
            **CARD_ONLY}),
        "PaymentIntent confirmed": lambda: api.post("/v1/payment_intents", {
            "amount": 2000, "currency": "usd", "customer": customer, "confirm": "true",
            "payment_method": "pm_card_visa", **CARD_ONLY}),
        "decline": lambda: api.post("/v1/payment_intents", {
            "amount": 2000, "currency": "usd", "payment_method": "pm_card_chargeDeclined",
            "confirm": "true", **CARD_ONLY}, status=402),
        "authorize": authorize,
        "capture": lambda: api.post(f"/v1/payment_intents/{held['pi']}/capture"),
        "3D Secure asked": ask_for_3d_secure,
        "3D Secure approved": lambda: testing.authenticate(app, held["3ds"]),
        "retrieve": lambda: api.get(f"/v1/payment_intents/{held['pi']}"),
    }


def test_statements_per_operation_do_not_grow_with_stored_intents():
    counts = []
    for stored in (5, 300):
        app = make_app()
        api = Api(app)
        customer = api.post("/v1/customers")["id"]
        for _ in range(stored):
            api.post("/v1/payment_intents", {"amount": 900, "currency": "usd",
                                             "customer": customer})
            api.post("/v1/payment_methods/pm_card_visa/attach", {"customer": customer})
        counts.append(statements_per_step(app, steps(api, app)))
        app.close()
    assert counts[0] == counts[1]
    assert all(count <= 40 for count in counts[0].values()), counts[0]
