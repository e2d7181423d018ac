"""Cost does not grow with the data: every statement a request runs uses an index, and each
operation runs the same number of statements whether 10 or 300 objects are stored."""
import re

import pytest

from conftest import Api

_FULL_SCAN = re.compile(r"^SCAN (?!CONSTANT ROW)(\w+)(?! USING)")


class Recorder:
    def __init__(self, app):
        self.statements = []
        with app.store.connection() as conn:  # one connection serves a :memory: app
            conn.set_trace_callback(self.statements.append)
        self.conn = conn

    def take(self):
        taken, self.statements[:] = list(self.statements), []
        return [s for s in taken if s.split(None, 1)[0].upper() in ("SELECT", "UPDATE",
                                                                    "DELETE", "INSERT")]


def statements_per_step(app, operations):
    """{name: how many statements it ran} for each step of `operations` ({name: callable}),
    asserting that every statement uses an index."""
    recorder = Recorder(app)
    per_step = {}
    for name, step in operations.items():
        step()
        statements = recorder.take()
        per_step[name] = len(statements)
        for statement in statements:
            for row in recorder.conn.execute(f"EXPLAIN QUERY PLAN {statement}"):
                assert not _FULL_SCAN.match(row[-1]), f"{row[-1]!r} in {statement}"
    return per_step


def scenario(api):
    """One call of each operation; returns {operation: statements it ran}."""
    customer = api.post("/v1/customers", {"email": "plan@example.com"})["id"]
    base = f"/v1/customers/{customer}"
    steps = {
        "retrieve customer": lambda: api.get(base),
        "update customer": lambda: api.post(base, {"metadata[k]": "v"}),
        "list customers": lambda: api.get("/v1/customers", {"limit": "3"}),
        "list by email": lambda: api.get("/v1/customers", {"email": "plan@example.com"}),
        "attach card": lambda: api.post(f"{base}/sources", {"source": "tok_visa"}),
        # Looks for the same bank account among the customer's sources first.
        "attach bank account": lambda: api.post(f"{base}/sources", {"source": "btok_us"}),
        "list sources": lambda: api.get(f"{base}/sources"),
        "create Source": lambda: api.post("/v1/sources", {"type": "ach_credit_transfer",
                                                          "currency": "usd"}),
    }
    return steps, base


@pytest.mark.parametrize("stored", [10, 300])
def test_no_full_table_scans(app, stored):
    api = Api(app)
    for _ in range(stored):
        api.post("/v1/customers")
    recorder = Recorder(app)
    steps, base = scenario(api)
    for step in steps.values():
        step()
    card = api.get(f"{base}/sources")["data"][0]["id"]
    api.delete(f"{base}/sources/{card}")
    api.delete(base)
    for statement in recorder.take():
        for row in recorder.conn.execute(f"EXPLAIN QUERY PLAN {statement}"):
            assert not _FULL_SCAN.match(row[-1]), f"{row[-1]!r} in {statement}"


def test_statement_count_does_not_grow_with_stored_objects():
    from stripe_emu import make_app
    counts = []
    for stored in (5, 200):
        app = make_app()
        api = Api(app)
        for _ in range(stored):
            customer = api.post("/v1/customers")["id"]
            api.post(f"/v1/customers/{customer}/sources", {"source": "tok_visa"})
        recorder = Recorder(app)
        steps, _ = scenario(api)
        recorder.take()
        per_step = {}
        for name, step in steps.items():
            step()
            per_step[name] = len(recorder.take())
        counts.append(per_step)
        app.close()
    assert counts[0] == counts[1]
