"""Issue 12, item 2: what the request log and the control plane give away. Card numbers
keep their last four digits, CVCs and bank account numbers are dropped, the account (the
key without its prefix) is masked; snapshots keep what a restore needs, never a card number
or a CVC."""
import webtest

from stripe_emu import control

KEY = "sk_test_secretacct9876"
AUTH = {"Authorization": f"Bearer {KEY}"}
NUMBER, CVC, BANK_NUMBER = "4000056655665556", "315", "000123456789"
CARD = {"number": NUMBER, "exp_month": "12", "exp_year": "2040", "cvc": CVC}


def _post_everything(web):
    web.post("/v1/tokens", {f"card[{k}]": v for k, v in CARD.items()}, headers=AUTH)
    web.post("/v1/customers", {"source[object]": "card",
                               **{f"source[{k}]": v for k, v in CARD.items()}},
             headers={**AUTH, "Idempotency-Key": "signup-1"})
    web.post("/v1/sources", {"type": "card", **{f"card[{k}]": v for k, v in CARD.items()}},
             headers=AUTH)
    web.post("/v1/tokens", {"bank_account[country]": "US",
                            "bank_account[routing_number]": "110000000",
                            "bank_account[account_number]": BANK_NUMBER}, headers=AUTH)
    web.post("/v1/sources", {"type": "sepa_debit", "currency": "eur", "owner[name]": "J R",
                             "sepa_debit[iban]": "DE89370400440532013000"}, headers=AUTH)


def test_the_request_log_redacts_cards_banks_and_keys(app):
    web = webtest.TestApp(app)
    _post_everything(web)
    answer = web.get("/_emu/requests")
    for secret in (NUMBER, '"cvc"', BANK_NUMBER, "DE89370400440532013000", "secretacct"):
        assert secret not in answer.text
    token, customer, source, bank, sepa = reversed(answer.json["data"])
    assert token["params"]["card"] == {"number": "************5556", "exp_month": "12",
                                       "exp_year": "2040"}
    assert customer["params"]["source"]["number"] == "************5556"
    assert "cvc" not in customer["params"]["source"]
    assert source["params"]["card"]["number"] == "************5556"
    assert bank["params"]["bank_account"] == {"country": "US", "routing_number": "110000000"}
    assert sepa["params"]["sepa_debit"] == {}
    assert {entry["account"] for entry in answer.json["data"]} == {"…9876"}
    # Filtering by account still takes the key.
    assert len(web.get("/_emu/requests", {"account": KEY}).json["data"]) == 5
    assert control.recent_requests(app, 1)[0]["account"] == "…9876"


def test_snapshots_never_hold_card_numbers_or_cvcs(app):
    web = webtest.TestApp(app)
    _post_everything(web)
    snapshot = web.get("/_emu/snapshot").text
    for secret in (NUMBER, f'"{CVC}"', '"cvc"', BANK_NUMBER):
        assert secret not in snapshot
    # ...and it still restores.
    web.post("/_emu/reset")
    web.post("/_emu/snapshot", snapshot, headers={"Content-Type": "application/json"})
    assert len(web.get("/v1/customers", headers=AUTH).json["data"]) == 1


def test_faults_show_their_account_masked(app):
    web = webtest.TestApp(app)
    injected = web.post("/_emu/faults", {"kind": "api_error", "account": KEY}).json
    assert injected["account"] == "…9876"
    assert [fault["account"] for fault in web.get("/_emu/faults").json["data"]] == ["…9876"]
    assert "secretacct" not in web.get("/_emu/faults").text
    # ...and still hits only that account.
    web.get("/v1/customers", headers={"Authorization": "Bearer sk_test_other"}, status=200)
    web.get("/v1/customers", headers=AUTH, status=500)


def test_webhook_deliveries_show_their_account_masked(app):
    web = webtest.TestApp(app)
    web.post("/v1/webhook_endpoints", {"url": "http://127.0.0.1:1/dead",
                                       "enabled_events[]": "*"}, headers=AUTH)
    web.post("/v1/customers", headers=AUTH)
    answer = web.get("/_emu/webhooks/deliveries")
    assert [delivery["account"] for delivery in answer.json["data"]] == ["…9876"]
    assert "secretacct" not in answer.text
    # Filtering by account still takes the key.
    assert len(web.get("/_emu/webhooks/deliveries", {"account": KEY}).json["data"]) == 1


def test_the_request_log_drops_personal_id_numbers(app):
    # A PII token is refused (not emulated), but its request is logged: never the number.
    web = webtest.TestApp(app)
    web.post("/v1/tokens", {"pii[id_number]": "078051120"}, headers=AUTH, status=400)
    answer = web.get("/_emu/requests")
    assert answer.json["data"][0]["params"] == {"pii": {}}
    assert "078051120" not in answer.text
