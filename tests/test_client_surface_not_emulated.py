"""The stripe-python 16.1 methods of the emulated resources that call a route stripe_emu does
not emulate (a customer's cash balance, increment_authorization, …) get the "not emulated"
404, never Stripe's "Unrecognized request URL" that would point at the user's code."""
import pytest

stripe = pytest.importorskip("stripe")

import client_surface_kit as kit  # noqa: E402

NOT_EMULATED = "stripe_emu does not emulate "


@pytest.fixture
def answered(app):
    """Every method called once with placeholder ids, its request answered by `app`."""
    with pytest.MonkeyPatch.context() as patch:
        return {**kit.service_requests(app), **kit.legacy_requests(patch, app)}


def _owner(name):
    return name.replace("().", ".").rpartition(".")[0].replace("v1.test_helpers.", "v1.")


def test_methods_of_emulated_resources_that_are_not_emulated_say_so(answered):
    emulated = {name for name, call in answered.items()
                if isinstance(kit.route_of(call.method, call.path), str)}
    # A resource is emulated when one of its methods is, or the emulator returns its objects
    # (a customer's tax ID is a stripe.TaxId whose delete() calls /v1/tax_ids/{id}).
    owners = {_owner(name) for name in emulated} | {"TaxId"}
    others = {name: call for name, call in answered.items()
              if name not in emulated and any(_owner(name) == owner or
                                              _owner(name).startswith(owner + ".")
                                              for owner in owners)}
    assert {"v1.customers.cash_balance.retrieve", "PaymentIntent.increment_authorization",
            "v1.test_helpers.refunds.expire", "TaxId().delete"} <= set(others)
    wrong = {}
    for name, call in others.items():
        error = call.outcome
        if not (isinstance(error, stripe.InvalidRequestError) and error.http_status == 404
                and error.user_message.startswith(NOT_EMULATED)):
            wrong[name] = (call.method, call.path, repr(error)[:160])
    # Card.delete("card_…") on the class asks /v1/cards/{id}, a path Stripe does not have:
    # Stripe's own "Unrecognized request URL" is the right answer there.
    unknown = {name for name, (method, path, _) in wrong.items()
               if path.startswith(("/v1/cards/", "/v1/bank_accounts/"))}
    assert unknown == {"Card.delete", "BankAccount.delete"}, wrong
    assert all("Unrecognized request URL" in wrong[name][2] for name in unknown)
    wrong = {name: why for name, why in wrong.items() if name not in unknown}
    assert not wrong, "\n".join(f"{name}: {why}" for name, why in sorted(wrong.items()))
