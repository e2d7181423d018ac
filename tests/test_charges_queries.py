"""A charge, a capture and a refund cost the same with 5 or 500 charges stored: a fixed
number of statements, each using an index."""
from conftest import Api
from stripe_emu import make_app
from test_query_plans import _FULL_SCAN, Recorder


def steps(api):
    customer = api.post("/v1/customers", {"source": "tok_visa"})["id"]
    held = {}

    def authorize():
        held["id"] = api.post("/v1/charges", {"customer": customer, "amount": 2000,
                                              "currency": "usd", "capture": "false"})["id"]
    return {
        "charge a customer": lambda: api.post("/v1/charges", {
            "customer": customer, "amount": 2000, "currency": "usd"}),
        "charge a token": lambda: api.post("/v1/charges", {
            "source": "tok_visa", "amount": 2000, "currency": "usd"}),
        "decline": lambda: api.post("/v1/charges", {
            "source": "tok_chargeDeclined", "amount": 2000, "currency": "usd"}, status=402),
        "authorize": authorize,
        "capture part": lambda: api.post(f"/v1/charges/{held['id']}/capture",
                                         {"amount": 1500}),
        "refund": lambda: api.post("/v1/refunds", {"charge": held["id"], "amount": 500}),
        "retrieve": lambda: api.get(f"/v1/charges/{held['id']}"),
    }


def test_statements_per_operation_do_not_grow_with_stored_charges():
    counts = []
    for stored in (5, 500):
        app = make_app()
        api = Api(app)
        customer = api.post("/v1/customers", {"source": "tok_visa"})["id"]
        for _ in range(stored):
            charge = api.post("/v1/charges", {"customer": customer, "amount": 900,
                                              "currency": "usd", "capture": "false"})["id"]
            api.post("/v1/refunds", {"charge": charge})
        operations = steps(api)
        recorder = Recorder(app)
        per_step = {}
        for name, step in operations.items():
            step()
            statements = recorder.take()
            per_step[name] = len(statements)
            for statement in statements:
                for row in recorder.conn.execute(f"EXPLAIN QUERY PLAN {statement}"):
                    assert not _FULL_SCAN.match(row[-1]), f"{row[-1]!r} in {statement}"
        counts.append(per_step)
        app.close()
    assert counts[0] == counts[1]
    assert all(count <= 25 for count in counts[0].values()), counts[0]
