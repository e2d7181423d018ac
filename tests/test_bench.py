"""scripts/bench.py's scenarios still run against the emulator: each one's requests succeed,
in process and through `serve` (the bench itself stops on any answer but a 200)."""
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from stripe_emu import make_app, testing

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from benchkit import InProcess, OverHttp, expect  # noqa: E402
from scenarios import SCENARIOS  # noqa: E402


@pytest.fixture
def app():
    app = make_app(db=":memory:")
    yield app
    app.close()


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_scenario_runs_in_process_and_through_serve(app, name):
    with testing.serve_in_thread(app) as url:
        over_http = OverHttp(urlsplit(url).port)
        try:
            for send in (InProcess(app), over_http):
                operation = SCENARIOS[name](send)
                for _ in range(2):
                    assert 0 < operation() < 5
        finally:
            over_http.close()


def test_the_payment_scenarios_leave_what_they_did(app):
    send = InProcess(app)
    for name in ("create charge", "refund a charge", "PaymentIntent, confirmed",
                 "authorize + capture (2 requests)"):
        SCENARIOS[name](send)()
    charges = expect(send, "GET", "/v1/charges", {"limit": "100"})["data"]
    # A charge, a refunded one, and the charges of two intents.
    assert len(charges) == 4
    assert sorted(charge["refunded"] for charge in charges) == [False, False, False, True]
    assert all(charge["captured"] and charge["status"] == "succeeded" for charge in charges)
    intents = expect(send, "GET", "/v1/payment_intents")["data"]
    assert sorted(intent["status"] for intent in intents) == ["succeeded", "succeeded"]
