"""3D Secure of SetupIntents and PaymentIntents, outside the API: what the customer does on
the authentication page, or a test does in one call.

    POST /_emu/intents/{intent}/authenticate   `outcome` approve | fail, `account`
    GET  /_emu/redirect/{intent}[/authorize|/fail]   the authentication page (control_redirect.py's
                                                    page of redirect Sources, for intents too)

Both end in the resource's `finish_authentication`, which moves the intent on (succeeded,
requires_capture, or back to requires_payment_method) and records its events with a null
request, as Stripe records a customer's doing.
"""
import hmac

from . import auth, errors, events
from .expand import present
from .payments import intents
from .payments.authentication import return_url  # where the page sends the customer back
from .resources import common, payment_intents, setup_intents

_FINISH = {"setup_intent": setup_intents.finish_authentication,
           "payment_intent": payment_intents.finish_authentication}
OUTCOMES = ("approve", "fail")


def is_intent(object_id):
    return object_id.startswith(("pi_", "seti_"))


def locate(db, intent_id, account=None):
    """(account, intent) for `intent_id`, looked for in `account` when one is given."""
    kind = "setup_intent" if intent_id.startswith("seti_") else "payment_intent"
    return common.locate(db, intent_id, tuple(_FINISH), intents.ERROR_NOUNS[kind], account)


def complete(app, db, account, intent, approved):
    """Finish the intent's 3D Secure; an intent no longer waiting for it (a reload, the back
    button) is returned as it is."""
    if intent["status"] != "requires_action":
        return intent
    return _FINISH[intent["object"]](events.by_stripe(app, db, account), intent, approved)


def authenticate(app, intent_id, outcome, account=None):
    """Approve or fail the 3D Secure an intent waits for, as its customer would; returns the
    intent. Raises errors.StripeError (an intent not waiting: its unexpected-state error)."""
    if outcome not in OUTCOMES:
        raise errors.invalid(f"Invalid outcome: must be one of {', '.join(OUTCOMES)}.",
                             "outcome")
    with app.store.transaction(after_commit=app.after_commit) as db:
        owner, found = locate(db, intent_id, account)
        if found["status"] != "requires_action":
            raise intents.unexpected_state(found, "authenticate")
        moved = complete(app, db, owner, found, outcome == "approve")
    return present(moved)


def authenticate_endpoint(app, given, intent):
    """POST /_emu/intents/{intent}/authenticate."""
    if given.get("outcome") is None:
        raise errors.missing_param("outcome")
    return authenticate(app, intent, given["outcome"],
                        auth.account_named(given.get("account"), app.keys))


# -- the authentication page (control_redirect.py renders it) ---------------------------------

def find(db, intent_id, client_secret):
    """(account, intent) a page URL names; a wrong client_secret answers as an unknown id."""
    account, found = locate(db, intent_id)
    if not isinstance(client_secret, str) or not hmac.compare_digest(
            client_secret.encode(), found["client_secret"].encode()):
        raise errors.no_such(intents.ERROR_NOUNS[found["object"]], intent_id)
    return account, found


def describe(intent):
    """What the page says of the intent (plain text; control_redirect.py escapes it)."""
    amount = (f"{intent['amount']} {intent['currency']}, " if "amount" in intent else "")
    return f"3D Secure for {intent['object']} {intent['id']}: {amount}status {intent['status']}"
