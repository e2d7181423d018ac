"""SetupIntents: /v1/setup_intents[/{intent}[/confirm|/cancel]].

A SetupIntent saves a card for later payments: created (`requires_payment_method`, or
`requires_confirmation` with a PaymentMethod), confirmed — `succeeded` and the PaymentMethod
attached to the customer when there is one; `requires_action` when the test card asks for 3D
Secure, until the customer approves or fails it on the authentication page
(`finish_authentication`); a card declining at setup sends it back to
`requires_payment_method` with `last_setup_error`, a 402 that still commits — and canceled.
The shared rules (moves, client secret, return_url) are payments/intents.py's, 3D Secure
payments/authentication.py's.
"""
from .. import errors, events, ids
from ..expand import present
from ..payments import authentication, intents, methods
from ..store import objects
from . import cards, common

KIND = "setup_intent"


def create_setup_intent(req):
    params = req.params
    customer = intents.customer(req, params.get("customer"))
    apm, types = intents.automatic_payment_methods(params.get("automatic_payment_methods"),
                                                   params.get("payment_method_types"),
                                                   req.api_version)
    _refuse_not_emulated(params)
    if params.get("return_url") and not params.get("confirm"):
        raise errors.invalid("You can only specify `return_url` when `confirm` is true.",
                             "return_url")
    intent_id, secret = intents.new(ids.SETUP_INTENT)
    intent = {
        "id": intent_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": apm,
        "cancellation_reason": None,
        "client_secret": secret,
        "created": req.now,
        "customer": customer,
        "description": params.get("description"),
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": common.merged_metadata({}, params),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_options": intents.options(params.get("payment_method_options"), KIND),
        "payment_method_types": types,
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": params.get("usage") or "off_session",
    }
    intent = intents.create(req, intent)
    return _confirm(req, intent, params) if params.get("confirm") else intent


def retrieve_setup_intent(req, intent):
    return intents.for_caller(req, intents.fetch(req, intent, KIND))


def update_setup_intent(req, intent):
    _refuse_not_emulated(req.params)
    before = intents.fetch_to_update(req, intent, KIND)
    after = dict(before)
    if "description" in req.params:
        after["description"] = req.params["description"]
    return intents.update(req, before, after)


def confirm_setup_intent(req, intent):
    return intents.confirm_as_caller(req, intent, KIND, _confirm)


def cancel_setup_intent(req, intent):
    before = intents.fetch(req, intent, KIND)
    after = dict(before, status="canceled", next_action=None,
                 cancellation_reason=req.params.get("cancellation_reason"))
    intents.move(req, before, after, "cancel")
    events.record(req, "setup_intent.canceled", after)
    return after


def list_setup_intents(req):
    params = req.params
    if params.get("attach_to_self") is not None:
        raise errors.invalid("attach_to_self is not supported by stripe_emu.", "attach_to_self")
    wanted = {"payment_method": params["payment_method"]} if params.get("payment_method") \
        else None
    return common.list_page(req, "/v1/setup_intents", (KIND,), _missing,
                            customer=common.customer_filter(req), created=params.get("created"),
                            fields=wanted)


def _refuse_not_emulated(params):
    """Refuse what only mandates and Connect use (create takes them all, update the last
    two): silently dropped, they would not show on the SetupIntent."""
    for param in ("mandate_data", "single_use", "on_behalf_of", "attach_to_self",
                  "flow_directions"):
        if params.get(param):
            raise errors.invalid(f"{param} is not supported by stripe_emu.", param)


def _missing(bad):
    return f"No such setupintent: '{bad}'"


# -- confirming ------------------------------------------------------------------------------

def _confirm(req, before, params):
    intents.check_confirm(before, params)
    pm = intents.payment_method_to_confirm(req, before, params)
    if pm is None:
        raise errors.StripeError(
            "You cannot confirm this SetupIntent because it's missing a payment method. "
            + intents.MISSING_PAYMENT_METHOD[KIND],
            code="setup_intent_unexpected_state", setup_intent=present(before))
    return_url = params.get("return_url")
    authentication.needs_return_url(before, return_url)
    if "payment_method_options" in params:
        before = dict(before, payment_method_options=intents.options(
            params["payment_method_options"], KIND, before["payment_method_options"]))
    attempt = _attempt(req, before, pm)
    intent = dict(before, payment_method=pm["id"], last_setup_error=None,
                  latest_attempt=attempt["id"], next_action=None)
    if authentication.must_authenticate(intent, pm, setting_up=True):
        intent.update(status="requires_action",
                      next_action=authentication.next_action(req, intent, return_url),
                      _redirect={"return_url": return_url})
        intents.move(req, before, intent, "confirm")
        events.record(req, "setup_intent.requires_action", intent)
        return intent
    return _set_up(req, before, intent, pm, "confirm")


def _set_up(req, before, intent, pm, action):
    """The card is saved (attached to the customer when there is one), or declines."""
    declined = cards.attach_error(pm)
    if declined is not None:
        return _fail(req, before, intent, pm, declined, action)
    pm = methods.checked(dict(pm, _set_up=True))
    if intent["customer"] and pm["customer"] is None and not methods.is_legacy(pm):
        pm = methods.attach(req, dict(pm, customer=None), intent["customer"])
    elif not methods.is_legacy(pm):
        objects.update(req.db, req.account, pm)
    done = dict(intent, status="succeeded", next_action=None)
    intents.move(req, before, done, action)
    _finish_attempt(req, done, "succeeded", authenticated=action == "authenticate")
    events.record(req, "setup_intent.succeeded", done)
    return done


def _fail(req, before, intent, pm, error, action):
    """Back to requires_payment_method with last_setup_error; the 402 still commits."""
    failed = _back_to_start(req, before, intent, intents.last_error(error, pm), action)
    error.commit = True
    error.setup_intent = present(failed)
    error.payment_method = present(pm)
    raise error


def finish_authentication(ctx, intent, approved):
    """The customer approved or failed 3D Secure on the authentication page (or a test did,
    through the control plane): succeeded (or declined, for a card that declines at setup),
    or back to requires_payment_method with setup_intent_authentication_failure. `ctx` is
    events.by_stripe's stand-in for a request."""
    pm = methods.resolve(ctx, intent["payment_method"])
    if approved:
        return intents.as_stored_if_declined(
            ctx, intent["id"], lambda: _set_up(ctx, intent, dict(intent), pm, "authenticate"))
    return _back_to_start(ctx, intent, intent, authentication.failure(intent, pm),
                          "authenticate")


def _back_to_start(req, before, intent, last_error, action):
    """A failed setup: the intent back in requires_payment_method with `last_error`, its
    attempt failed, setup_intent.setup_failed."""
    failed = intents.back_to_start(req, before, intent, last_error, action)
    _finish_attempt(req, failed, "failed", last_error)
    events.record(req, "setup_intent.setup_failed", failed)
    return failed


def _attempt(req, intent, pm):
    """The SetupAttempt of this confirmation (`latest_attempt`)."""
    attempt = {
        "id": ids.new_id(ids.SETUP_ATTEMPT),
        "object": "setup_attempt",
        "application": None,
        "created": req.now,
        "customer": intent["customer"],
        "flow_directions": None,
        "livemode": False,
        "on_behalf_of": None,
        "payment_method": pm["id"],
        "payment_method_details": {"card": _card_details(pm), "type": "card"},
        "setup_error": None,
        "setup_intent": intent["id"],
        "status": "processing",
        "usage": intent["usage"],
    }
    objects.insert(req.db, req.account, attempt)
    return attempt


def _card_details(pm):
    """What a SetupAttempt shows of the card set up (its checks as Stripe ran them)."""
    card = methods.checked(pm)["card"]
    return {**{key: card[key] for key in ("brand", "checks", "country", "exp_month",
                                          "exp_year", "fingerprint", "funding", "last4",
                                          "wallet")},
            "network": card["brand"], "three_d_secure": None}


def _finish_attempt(req, intent, status, error=None, authenticated=False):
    attempt = objects.get(req.db, req.account, intent["latest_attempt"])
    if attempt is not None:
        details = attempt["payment_method_details"]
        if authenticated:
            details = dict(details, card=dict(details["card"],
                                              three_d_secure=authentication.AUTHENTICATED))
        objects.update(req.db, req.account, dict(attempt, status=status, setup_error=error,
                                                 payment_method_details=details))
