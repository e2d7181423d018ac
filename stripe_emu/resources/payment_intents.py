"""PaymentIntents: /v1/payment_intents[/{intent}[/confirm|/capture|/cancel]] and search.

A PaymentIntent's payment is a Charge made by payments/charging.py (`latest_charge`, with its
balance transaction). Confirming moves it from requires_payment_method / requires_confirmation
to requires_action (the test card asks for 3D Secure, until the customer approves or fails
it: `finish_authentication`), requires_capture (capture_method=manual), succeeded, or — after
a decline — back to requires_payment_method with `last_payment_error`, a 402 that still
commits the failed Charge. Off session, a card that needs authentication declines as
Stripe's do. The shared rules (moves, client secret, return_url) are
payments/intents.py's (3D Secure: payments/authentication.py); paying with a PaymentMethod
is payments/methods.py's.
"""
from .. import errors, events, ids, search
from ..expand import present
from ..payments import (amounts, authentication, charge_moves, charging, intents, methods,
                        refunding)
from ..store import objects
from . import cards, common
from .payment_intent_versions import versioned

KIND = "payment_intent"
_CONNECT = ("application_fee_amount", "on_behalf_of", "transfer_data", "transfer_group")
_UNSUPPORTED = ("mandate", "mandate_data")
# Fields update may change (besides metadata, payment_method and the ones checked).
_UPDATABLE = ("description", "receipt_email", "statement_descriptor",
              "statement_descriptor_suffix")
# "PaymentIntents now has automatic_async as the default capture method when capture method
# isn't specified during PaymentIntents creation" (Stripe's changelog). UNCERTAIN: such a
# payment is captured at once here, its balance transaction set in the confirm's answer
# (Stripe's "might be null" until a charge.updated).
ASYNC_CAPTURE_BY_DEFAULT = "2024-04-10"
# docs.stripe.com/search#query-fields-for-payment-intents
SEARCH_FIELDS = {"amount": search.NUMERIC, "created": search.NUMERIC,
                 "currency": search.STRING, "customer": search.STRING,
                 "metadata": search.TOKEN, "status": search.STRING}


@versioned
def create_payment_intent(req):
    params = req.params
    for param in (*_CONNECT, *_UNSUPPORTED):
        if params.get(param):
            raise errors.invalid(f"{param} is not supported by stripe_emu.", param)
    for param in ("amount", "currency"):
        if params.get(param) is None:
            raise errors.missing_param(param)
    currency = amounts.currency(params["currency"])
    amounts.charge_amount(params["amount"], currency)
    apm, types = intents.automatic_payment_methods(params.get("automatic_payment_methods"),
                                                   params.get("payment_method_types"),
                                                   req.api_version)
    # UNCERTAIN: the default automatic_payment_methods refuses only a manual confirmation
    # (Laravel Cashier's confirmation_method=automatic meets the return_url error instead).
    if apm and (params.get("confirmation_method") == "manual" or params.get(
            "confirmation_method") and params.get("automatic_payment_methods")):
        raise errors.invalid("You may only specify one of these parameters: "
                             "automatic_payment_methods, confirmation_method.",
                             "confirmation_method")
    if not params.get("confirm"):
        for param in ("return_url", "off_session", "error_on_requires_action"):
            if params.get(param):
                raise errors.invalid(f"You can only specify `{param}` when `confirm` is true.",
                                     param)
    customer = intents.customer(req, params.get("customer"))
    intent_id, secret = intents.new(ids.PAYMENT_INTENT)
    intent = {
        "id": intent_id,
        "object": "payment_intent",
        "amount": params["amount"],
        "amount_capturable": 0,
        "amount_details": {"tip": {}},
        "amount_received": 0,
        "application": None,
        "application_fee_amount": None,
        "automatic_payment_methods": apm,
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": params.get("capture_method") or _default_capture(req),
        "client_secret": secret,
        "confirmation_method": params.get("confirmation_method") or "automatic",
        "created": req.now,
        "currency": currency,
        "customer": customer,
        "description": params.get("description"),
        "invoice": None,
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": common.merged_metadata({}, params),
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_options": intents.options(params.get("payment_method_options"), KIND),
        "payment_method_types": types,
        "processing": None,
        "receipt_email": common.email(params.get("receipt_email"), "receipt_email"),
        "review": None,
        "setup_future_usage": params.get("setup_future_usage") or None,
        "shipping": common.shipping(params.get("shipping")),
        "statement_descriptor": params.get("statement_descriptor"),
        "statement_descriptor_suffix": params.get("statement_descriptor_suffix"),
        "status": "requires_payment_method",
        "transfer_data": None,
        "transfer_group": None,
    }
    charging.check_descriptors(params)
    intent = intents.create(req, intent)
    return _confirm(req, intent, params) if params.get("confirm") else intent


@versioned
def retrieve_payment_intent(req, intent):
    return intents.for_caller(req, intents.fetch(req, intent, KIND))


@versioned
def update_payment_intent(req, intent):
    before = intents.fetch_to_update(req, intent, KIND)
    params = req.params
    for param in _CONNECT:
        if params.get(param):
            raise errors.invalid(f"{param} is not supported by stripe_emu.", param)
    # last_payment_error "will be cleared if the PaymentIntent is later updated for any
    # reason" (the object's reference).
    after = dict(before, last_payment_error=None,
                 **{field: params[field] for field in _UPDATABLE if field in params})
    common.email(after["receipt_email"], "receipt_email")
    charging.check_descriptors(params)
    if "currency" in params:
        after["currency"] = amounts.currency(params["currency"])
    if "amount" in params or "currency" in params:
        amounts.charge_amount(params.get("amount", before["amount"]), after["currency"])
        after["amount"] = params.get("amount", before["amount"])
    _set_unset(req, after, params, ("capture_method", "setup_future_usage"))
    if "shipping" in params:
        after["shipping"] = common.shipping(params["shipping"])
    after = intents.update(req, before, after)
    if after["receipt_email"] and after["receipt_email"] != before["receipt_email"]:
        _send_receipt(req, after)
    return after


def _send_receipt(req, intent):
    """"To trigger an automatic receipt after the payment is complete, update the
    PaymentIntent's receipt_email" (Stripe's receipts guide): the paid charge takes the
    address, as a charge update would. UNCERTAIN: a held (uncaptured) charge counts as paid,
    and the charge.updated event."""
    charge = intent["latest_charge"] and objects.get(req.db, req.account,
                                                     intent["latest_charge"])
    if charge and charge["paid"] and charge["receipt_email"] != intent["receipt_email"]:
        after = charge_moves.save(req, dict(charge, receipt_email=intent["receipt_email"]),
                                  charge)
        events.record(req, "charge.updated", after, previous=charge)


@versioned
def confirm_payment_intent(req, intent):
    return intents.confirm_as_caller(req, intent, KIND, _confirm)


@versioned
def capture_payment_intent(req, intent):
    before = intents.fetch(req, intent, KIND)
    params = req.params
    for param in ("application_fee_amount", "transfer_data"):
        if params.get(param):
            raise errors.invalid(f"{param} is not supported by stripe_emu.", param)
    intents.check(before, "capture")
    charging.check_descriptors(params)
    amount = params.get("amount_to_capture")
    if amount is not None:
        amounts.positive(amount, "amount_to_capture")
        if amount > before["amount_capturable"]:
            # Stripe's sentence, as WooCommerce Payments quotes it from PaymentIntent captures.
            raise errors.invalid(
                "The payment could not be captured because the requested capture amount is "
                "greater than the amount you can capture for this charge.", "amount_to_capture",
                "amount_too_large")
        amounts.charge_amount(amount, before["currency"], "amount_to_capture")
    charge = objects.get(req.db, req.account, before["latest_charge"])
    charging.capture_charge(
        req, charge, amount, statement_descriptor=params.get("statement_descriptor"),
        statement_descriptor_suffix=params.get("statement_descriptor_suffix"))
    after = dict(before, status="succeeded", amount_capturable=0,
                 amount_received=amount if amount is not None else before["amount_capturable"],
                 metadata=common.merged_metadata(before["metadata"], params))
    intents.move(req, before, after, "capture")
    events.record(req, "payment_intent.succeeded", after)
    return after


@versioned
def cancel_payment_intent(req, intent):
    before = intents.fetch(req, intent, KIND)
    intents.check(before, "cancel")
    if before["status"] == "requires_capture":
        # "the remaining amount_capturable will automatically be refunded"
        charge = objects.get(req.db, req.account, before["latest_charge"])
        refunding.refund_charge(req, charge)
    after = dict(before, status="canceled", canceled_at=req.now, amount_capturable=0,
                 next_action=None, cancellation_reason=req.params.get("cancellation_reason"))
    intents.move(req, before, after, "cancel")
    events.record(req, "payment_intent.canceled", after)
    return after


@versioned
def list_payment_intents(req):
    return common.list_page(req, "/v1/payment_intents", (KIND,),
                            lambda bad: f"No such payment_intent: '{bad}'",
                            customer=common.customer_filter(req),
                            created=req.params.get("created"))


@versioned
def search_payment_intents(req):
    return common.search_page(req, KIND, SEARCH_FIELDS, "payment_intents")


def _set_unset(req, intent, params, fields):
    """Set on `intent` those of `fields` given in `params`; an empty one goes back to its
    default (capture_method's of the request's version, the others null)."""
    for field in fields:
        if field in params:
            intent[field] = params[field] or (
                _default_capture(req) if field == "capture_method" else None)


def _default_capture(req):
    return "automatic_async" if req.api_version >= ASYNC_CAPTURE_BY_DEFAULT else "automatic"


# -- confirming ------------------------------------------------------------------------------

def _confirm(req, before, params):
    if req.key_kind == "pk" and before["confirmation_method"] == "manual":
        # "If the confirmation_method is manual, all payment attempts must be initiated using
        # a secret key." Stripe's message as integrations quote it; UNCERTAIN: its backticks
        # and its second sentence.
        raise errors.invalid(
            "This PaymentIntent cannot be confirmed using your publishable key because its "
            "`confirmation_method` is set to `manual`. Please use your secret key instead, or "
            "create a PaymentIntent with `confirmation_method` set to `automatic`.")
    if req.key_kind == "pk" and before["setup_future_usage"] and "setup_future_usage" in params \
            and params["setup_future_usage"] not in (before["setup_future_usage"], "off_session"):
        # "If setup_future_usage is already set and you are performing a request using a
        # publishable key, you may only update the value from on_session to off_session."
        # UNCERTAIN: the sentence.
        raise errors.invalid("With a publishable key, `setup_future_usage` may only be "
                             "updated from `on_session` to `off_session`.",
                             "setup_future_usage")
    intents.check_confirm(before, params)
    off_session = bool(params.get("off_session"))
    pm = intents.payment_method_to_confirm(req, before, params)
    if pm is None and before["customer"]:
        # "If this parameter is omitted with confirm=true, customer.default_source will be
        # attached as this PaymentIntent's payment instrument."
        default = objects.get(req.db, req.account, before["customer"])["default_source"]
        pm = methods.resolve(req, default) if default else None
    if pm is None:
        tail = (f"To confirm the PaymentIntent with {before['customer']}, specify a payment "
                "method attached to this customer along with the customer ID."
                if before["customer"] else intents.MISSING_PAYMENT_METHOD["payment_intent"])
        raise errors.StripeError("You cannot confirm this PaymentIntent because it's missing a "
                                 f"payment method. {tail}",
                                 code="payment_intent_unexpected_state",
                                 payment_intent=present(before))
    intent = dict(before, payment_method=pm["id"], last_payment_error=None, next_action=None)
    if params.get("payment_method_types"):  # as an update sets them
        intent["automatic_payment_methods"], intent["payment_method_types"] = \
            intents.automatic_payment_methods(None, params["payment_method_types"],
                                              req.api_version)
    return_url = params.get("return_url")
    authentication.needs_return_url(intent, return_url, off_session)
    authentication.check_error_on_requires_action(intent, params)
    _set_unset(req, intent, params, ("capture_method", "receipt_email", "setup_future_usage"))
    common.email(intent["receipt_email"], "receipt_email")
    if "shipping" in params:
        intent["shipping"] = common.shipping(params["shipping"])
    if "payment_method_options" in params:
        intent["payment_method_options"] = intents.options(
            params["payment_method_options"], KIND, intent["payment_method_options"])
    rule = cards.three_d_secure(pm)
    must = authentication.must_authenticate(intent, pm, setting_up=False) or (
        bool(intents.card_option(intent, "setup_future_usage")) and
        authentication.must_authenticate(intent, pm, setting_up=True))
    # Authenticated already (confirmation_method=manual confirms again after the action).
    must = must and before.get("_authenticated") != pm["id"]
    if must and off_session:
        # Nobody is there to authenticate: the card's off-session answer (a decline), or
        # the payment goes through for a card set up for it.
        return _pay(req, before, intent, pm, "confirm", decline=rule.off_session)
    if must and params.get("error_on_requires_action"):
        _fail(req, before, intent, pm, authentication.action_not_handled(), "confirm")
    if must:
        intent.update(status="requires_action", _redirect={"return_url": return_url},
                      next_action=authentication.next_action(req, intent, return_url))
        intents.move(req, before, intent, "confirm")
        events.record(req, "payment_intent.requires_action", intent)
        return intent
    return _pay(req, before, intent, pm, "confirm",
                authenticated=before.get("_authenticated") == pm["id"])


def _pay(req, before, intent, pm, action, decline=None, authenticated=False):
    """Charge the PaymentMethod (payments/charging.py) and move the intent on: succeeded,
    requires_capture, or — declined — requires_payment_method, answering the 402 while
    keeping the failed Charge. `decline` forces one (an off-session or post-authentication
    decline of a 3D Secure test card)."""
    card = methods.chargeable(req, pm)
    if decline is not None:
        card = dict(card, _decline=list(decline))
    manual = intents.card_option(intent, "capture_method") == "manual"
    charge = charging.create_charge(
        req, amount=intent["amount"], currency=intent["currency"], source=card,
        customer=intent["customer"], capture=not manual,
        description=intent["description"], metadata=intent["metadata"],
        statement_descriptor=intent["statement_descriptor"],
        statement_descriptor_suffix=intent["statement_descriptor_suffix"],
        receipt_email=intent["receipt_email"], shipping=intent["shipping"],
        payment_intent=intent["id"], payment_method=pm["id"])
    if authenticated:
        details = charge["payment_method_details"]
        card = dict(details["card"], three_d_secure=authentication.AUTHENTICATED)
        charge = charge_moves.save(req, dict(charge, payment_method_details=dict(
            details, card=card)), charge)
    intent = dict(intent, latest_charge=charge["id"], next_action=None)
    if charge["status"] == "failed":
        _fail(req, before, intent, pm, charging.decline_error(charge), action)
    _keep_payment_method(req, intent, pm)
    if charge["captured"]:
        done = dict(intent, status="succeeded", amount_received=charge["amount_captured"])
        event = "payment_intent.succeeded"
    else:
        done = dict(intent, status="requires_capture", amount_capturable=charge["amount"])
        event = "payment_intent.amount_capturable_updated"
    intents.move(req, before, done, action)
    events.record(req, event, done)
    return done


def _fail(req, before, intent, pm, error, action):
    """Back to requires_payment_method with last_payment_error (the PaymentMethod, if it has
    no customer, used up, with the checks its charge ran); raise `error`, carrying the intent,
    while keeping all this."""
    pm = methods.consume(req, pm)
    failed = _back_to_start(req, before, intent, intents.last_error(error, pm), action)
    error.commit = True
    error.payment_intent, error.payment_method = present(failed), present(pm)
    raise error


def _keep_payment_method(req, intent, pm):
    """After a payment: with setup_future_usage the PaymentMethod counts as set up and is
    saved to the intent's customer — or, without one, "can still be attached to a Customer
    after the transaction completes" (Stripe); without it, one with no customer is used up."""
    if methods.is_legacy(pm):
        return
    future_usage = intents.card_option(intent, "setup_future_usage")
    if future_usage and intent["customer"] and pm["customer"] is None:
        methods.attach(req, dict(pm, _set_up=True), intent["customer"])
    elif future_usage:
        objects.update(req.db, req.account, methods.checked(
            dict(pm, _set_up=True, _used=pm["customer"] is None)))
    else:
        methods.consume(req, pm)


def finish_authentication(ctx, intent, approved):
    """The customer approved or failed 3D Secure on the authentication page (or a test did,
    through the control plane). Approved: the payment is made (it may still decline, for a
    card that declines after authentication). Failed: back to requires_payment_method with
    payment_intent_authentication_failure. `ctx` is events.by_stripe's stand-in."""
    pm = methods.resolve(ctx, intent["payment_method"])
    if approved and intent["confirmation_method"] == "manual":
        # The server confirms it again (and then it needs no authentication).
        waiting = dict(intent, status="requires_confirmation", next_action=None,
                       _authenticated=pm["id"])
        return intents.move(ctx, intent, waiting, "authenticate")
    if approved:
        return intents.as_stored_if_declined(ctx, intent["id"], lambda: _pay(
            ctx, intent, dict(intent), pm, "authenticate",
            decline=cards.three_d_secure(pm).after_authentication, authenticated=True))
    return _back_to_start(ctx, intent, intent, authentication.failure(intent, pm),
                          "authenticate")


def _back_to_start(req, before, intent, last_error, action):
    """A failed payment: the intent back in requires_payment_method with `last_error`,
    payment_intent.payment_failed."""
    failed = intents.back_to_start(req, before, intent, last_error, action)
    events.record(req, "payment_intent.payment_failed", failed)
    return failed
