"""What SetupIntents and PaymentIntents share: their state machine, their client secret,
the rules of confirming (which PaymentMethod, `return_url`), what an update may change in
each status, what a publishable key sees, and the errors they carry (`last_setup_error` /
`last_payment_error`). 3D Secure is authentication.py's.

Every status change is one guarded update from the status the request read (`move`): of two
requests racing to confirm, capture or cancel one intent, exactly one wins and the other gets
Stripe's `…_unexpected_state` error.
"""
import hmac

from .. import errors, events, ids
from ..expand import present
from ..store import objects
from ..resources import common
from . import methods

# The moves of each kind of intent: action → the statuses it may start from. Where each
# leads is the resource's business (a confirm ends in requires_action, processing,
# requires_capture, succeeded, or back in requires_payment_method after a decline).
MOVES = {
    "payment_intent": {
        "update": ("requires_payment_method", "requires_confirmation", "requires_action"),
        "annotate": ("requires_payment_method", "requires_confirmation", "requires_action",
                     "processing", "requires_capture", "succeeded", "canceled"),
        "confirm": ("requires_payment_method", "requires_confirmation", "requires_action"),
        "authenticate": ("requires_action",),
        "capture": ("requires_capture",),
        "cancel": ("requires_payment_method", "requires_capture", "requires_confirmation",
                   "requires_action", "processing"),
    },
    "setup_intent": {
        "update": ("requires_payment_method", "requires_confirmation", "requires_action"),
        "annotate": ("requires_payment_method", "requires_confirmation", "requires_action",
                     "processing", "succeeded", "canceled"),
        "confirm": ("requires_payment_method", "requires_confirmation", "requires_action"),
        "authenticate": ("requires_action",),
        "cancel": ("requires_payment_method", "requires_confirmation", "requires_action"),
    },
}
# What an update may change in any status ("annotate"): a finished payment still takes
# notes; any other parameter only in the statuses of "update". UNCERTAIN: Stripe's list (its
# refusals name the field: amount, payment_method…; metadata is changed after success).
ANNOTATIONS = {"payment_intent": ("description", "metadata", "receipt_email", "expand"),
               "setup_intent": ("description", "metadata", "expand")}
# The API version from which an intent accepts the Dashboard's payment methods by default.
AUTOMATIC_BY_DEFAULT = "2023-08-16"
# The fields a publishable key sees: Stripe.js's types of the intents, and the reference's
# "retrievable with publishable key" marks. UNCERTAIN: amount_details and processing.
_PUBLISHABLE = {
    "payment_intent": ("id", "object", "amount", "amount_details", "automatic_payment_methods",
                       "canceled_at", "cancellation_reason", "capture_method", "client_secret",
                       "confirmation_method", "created", "currency", "description",
                       "last_payment_error", "livemode", "next_action", "payment_method",
                       "payment_method_types", "processing", "receipt_email",
                       "setup_future_usage", "shipping", "status"),
    "setup_intent": ("id", "object", "automatic_payment_methods", "cancellation_reason",
                     "client_secret", "created", "description", "last_setup_error",
                     "livemode", "next_action", "payment_method", "payment_method_types",
                     "status", "usage"),
}
NOUNS = {"payment_intent": "PaymentIntent", "setup_intent": "SetupIntent"}
# The end of Stripe's refusal to confirm an intent without a PaymentMethod (a request log
# quoted in public code).
MISSING_PAYMENT_METHOD = {
    kind: f"You can either update the {noun} with a payment method and then confirm it "
          "again, or confirm it again directly with a payment method."
    for kind, noun in NOUNS.items()}
# How "No such …" names each kind (the API's and the control plane's).
ERROR_NOUNS = {"payment_intent": "payment_intent", "setup_intent": "setupintent"}


def new(prefix):
    """(id, client_secret) of a new intent, shaped as Stripe's: `pi_…_secret_` and 25
    characters, `seti_…_secret_` and 31."""
    intent_id = ids.new_id(prefix)
    length = 25 if prefix == ids.PAYMENT_INTENT else 31
    return intent_id, f"{intent_id}_secret_{ids.random_suffix(length)}"


def fetch(req, intent_id, kind):
    """The intent, or Stripe's 'No such payment_intent' / 'No such setupintent'. With a
    publishable key the request must carry the intent's client_secret (Stripe.js does)."""
    intent = objects.get(req.db, req.account, intent_id)
    if intent is None or intent["object"] != kind:
        raise errors.no_such(ERROR_NOUNS[kind], intent_id, param="intent")
    given = req.params.get("client_secret")
    if req.key_kind == "pk" or given is not None:
        if not isinstance(given, str) or not hmac.compare_digest(
                given.encode(), intent["client_secret"].encode()):
            raise errors.invalid(f"The client_secret provided does not match the client_secret "
                                 f"associated with the {NOUNS[kind]}.", "client_secret")
    return intent


def for_caller(req, intent):
    """The intent as the caller may see it: with a publishable key, only the fields Stripe's
    reference marks "retrievable with publishable key" (not customer, metadata…)."""
    if req.key_kind != "pk":
        return intent
    return {field: intent[field] for field in _PUBLISHABLE[intent["object"]]}


def confirm_as_caller(req, intent_id, kind, confirm):
    """POST /v1/{setup,payment}_intents/{intent}/confirm: `confirm(req, intent, params)`'s
    intent as the caller may see it, and so the intent a failure carries."""
    try:
        return for_caller(req, confirm(req, fetch(req, intent_id, kind), req.params))
    except errors.StripeError as error:
        if getattr(error, kind) is not None:
            setattr(error, kind, for_caller(req, getattr(error, kind)))
        raise


def unexpected_state(intent, action, param=None):
    """Stripe's 400 for an action the intent's status does not allow, carrying the intent;
    for an update, `param` names the field the status no longer lets change."""
    kind, status = intent["object"], intent["status"]
    noun, allowed = NOUNS[kind], MOVES[kind][action]
    if param is not None:
        message = (f"This {noun}'s {param} could not be updated because it has a status of "
                   f"{status}. You may only update the {param} of a {noun} with one of the "
                   f"following statuses: {', '.join(allowed)}.")
    elif action == "capture" and status == "succeeded":
        message = ("This PaymentIntent could not be captured because it has already been "
                   "captured.")
    elif action == "capture":
        message = (f"This PaymentIntent could not be captured because it has a status of "
                   f"{status}. Only a PaymentIntent with one of the following statuses may be "
                   f"captured: {', '.join(allowed)}.")
    elif action == "cancel":
        message = (f"You cannot cancel this {noun} because it has a status of {status}. Only a "
                   f"{noun} with one of the following statuses may be canceled: "
                   f"{', '.join(allowed)}.")
    elif action == "confirm" and status == "succeeded":
        message = (f"You cannot confirm this {noun} because it has already succeeded"
                   + (" after being previously confirmed." if kind == "payment_intent" else "."))
    else:
        # UNCERTAIN: the wording for updating (or authenticating) in a final status.
        verb = "update" if action == "annotate" else action
        message = f"You cannot {verb} this {noun} because it has a status of {status}."
    return errors.StripeError(message, code=f"{kind}_unexpected_state", param=param,
                              **{kind: present(intent)})


def check(intent, action):
    if intent["status"] not in MOVES[intent["object"]][action]:
        raise unexpected_state(intent, action)


def check_confirm(intent, params):
    """Refuse to confirm an intent its status does not let confirm. Confirming a canceled
    intent with a PaymentMethod is refused as setting that PaymentMethod (Stripe's answer,
    seen in integrations that confirm after a cancel); UNCERTAIN for other statuses, which
    get the confirm wording."""
    if intent["status"] == "canceled" and params.get("payment_method"):
        raise unexpected_state(intent, "update", "payment_method")
    check(intent, "confirm")


def fetch_to_update(req, intent_id, kind):
    """The intent POST /v1/{setup,payment}_intents/{intent} changes, once its status lets
    every parameter given change (a finished intent only takes ANNOTATIONS)."""
    intent = fetch(req, intent_id, kind)
    if intent["status"] not in MOVES[kind]["update"]:
        for param in req.params:
            if param not in ANNOTATIONS[kind]:
                raise unexpected_state(intent, "update", param)
    return intent


def move(req, before, after, action):
    """Save `after` if `before` still has the status it was read with (and that status allows
    `action`); otherwise Stripe's unexpected-state error for the intent as it is now."""
    check(before, action)
    if not objects.update(req.db, req.account, after, expect={"status": before["status"]}):
        raise unexpected_state(objects.get(req.db, req.account, before["id"]), action)
    return after


# The field each kind of intent keeps its last failure in.
_LAST_ERROR = {"payment_intent": "last_payment_error", "setup_intent": "last_setup_error"}


def back_to_start(req, before, intent, last_error, action):
    """A failed payment or setup: the intent back in requires_payment_method, its
    PaymentMethod let go and `last_error` kept; saved (guarded by `before`'s status) and
    returned. The caller records the kind's own events."""
    failed = dict(intent, status="requires_payment_method", payment_method=None,
                  next_action=None, **{_LAST_ERROR[intent["object"]]: last_error})
    return move(req, before, failed, action)


def as_stored_if_declined(ctx, intent_id, finish):
    """`finish()`, the intent moving on after its customer authenticated; a decline that
    came after authentication is no error on the authentication page: its 402 committed the
    failed intent, which is returned as stored."""
    try:
        return finish()
    except errors.StripeError as error:
        if not error.commit:
            raise
        return objects.get(ctx.db, ctx.account, intent_id)


def expire_authorization(ctx, intent_id):
    """Stripe's own move once a PaymentIntent's authorization expires uncaptured:
    "Uncaptured PaymentIntents are cancelled a set number of days (7 by default) after their
    creation" — canceled, with payment_intent.canceled. `ctx`: a request or events.by_stripe.
    UNCERTAIN: cancellation_reason `automatic` (the enum's reason for Stripe's own cancels)."""
    intent = objects.get(ctx.db, ctx.account, intent_id)
    if intent is None or intent["status"] != "requires_capture":
        return
    after = dict(intent, status="canceled", canceled_at=ctx.now, amount_capturable=0,
                 cancellation_reason="automatic")
    move(ctx, intent, after, "cancel")
    events.record(ctx, "payment_intent.canceled", after)


def create(req, intent):
    """Store a new intent — with the PaymentMethod given, in requires_confirmation, unless it
    is confirmed at once (the caller then confirms it) — and record <kind>.created."""
    if not req.params.get("confirm"):
        pm = payment_method_to_confirm(req, intent, req.params)
        if pm is not None:
            intent.update(payment_method=pm["id"], status="requires_confirmation")
    objects.insert(req.db, req.account, intent)
    events.record(req, f"{intent['object']}.created", intent)
    return intent


def customer(req, customer_id):
    """The `customer` parameter of an intent: a live customer's id, or None when not given;
    "No such customer" otherwise."""
    if not customer_id:
        return None
    return common.live_customer(req, customer_id, param="customer", status=400)["id"]


def update(req, before, after):
    """POST /v1/{setup,payment}_intents/{intent}: apply to `after` (`before` with the fields
    only one kind has already changed) what both kinds take — customer (set once),
    payment_method_types, payment_method_options, metadata, and a PaymentMethod, which must be
    confirmed again — then save it, guarded. `before` comes from fetch_to_update."""
    params, kind = req.params, before["object"]
    if "customer" in params:
        if before["customer"] and params["customer"] != before["customer"]:
            # Stripe's refusal as integrations quote it for PaymentIntents; UNCERTAIN for
            # SetupIntents, which get the same sentence with their noun.
            noun = NOUNS[kind]
            raise errors.invalid(
                f"You cannot modify `customer` on a {noun} once it already has been set. To "
                f"fulfill a payment with a different Customer, cancel this {noun} and create "
                "a new one.", "customer")
        after["customer"] = customer(req, params["customer"])
    if params.get("payment_method_types"):
        after["automatic_payment_methods"], after["payment_method_types"] = \
            automatic_payment_methods(None, params["payment_method_types"],
                                      req.api_version)
    if "payment_method_options" in params:
        after["payment_method_options"] = options(params["payment_method_options"], kind,
                                                  before["payment_method_options"])
    after["metadata"] = common.merged_metadata(before["metadata"], params)
    if params.get("payment_method") or params.get("payment_method_data"):
        pm = payment_method_to_confirm(req, after, params)
        after.update(payment_method=pm["id"], status="requires_confirmation",
                     next_action=None)
    if after != before:
        move(req, before, after,
             "update" if before["status"] in MOVES[kind]["update"] else "annotate")
    return after


def automatic_payment_methods(given_apm, given_types, api_version):
    """(automatic_payment_methods, payment_method_types) of a new intent. From 2023-08-16 an
    intent without `payment_method_types` accepts the payment methods enabled in the
    Dashboard (here: card), and may redirect unless told `allow_redirects=never`; before,
    it takes cards ("automatic_payment_methods is enabled by default", Stripe's changelog)."""
    if not given_types and given_apm is None and api_version < AUTOMATIC_BY_DEFAULT:
        return None, ["card"]
    if given_types:
        if None in given_types:  # `payment_method_types[]=`
            raise errors.invalid_empty(f"payment_method_types[{given_types.index(None)}]")
        unknown = [kind for kind in given_types if kind != "card"]
        if unknown:
            raise errors.invalid(f"The payment method type {unknown[0]!r} is not available in "
                                 "stripe_emu, which emulates card payments.",
                                 "payment_method_types", "payment_method_not_available")
        if given_apm and given_apm.get("enabled"):
            raise errors.invalid("You may only specify one of these parameters: "
                                 "automatic_payment_methods, payment_method_types.",
                                 "automatic_payment_methods")
        return None, list(dict.fromkeys(given_types))
    if given_apm is not None and not given_apm.get("enabled"):
        raise errors.missing_param("payment_method_types")
    return {"allow_redirects": (given_apm or {}).get("allow_redirects") or "always",
            "enabled": True}, ["card"]


def payment_method_to_confirm(req, intent, params):
    """The PaymentMethod a confirmation uses: `payment_method`, or the one the intent has;
    checked against the intent's customer. None when there is none."""
    if params.get("payment_method_data"):
        # Stripe's types for it are all but card (cards come from Stripe.js as PaymentMethods).
        raise errors.invalid(
            f"payment_method_data[type] {params['payment_method_data'].get('type')} is not "
            "available in stripe_emu, which emulates card PaymentMethods: create one with "
            "POST /v1/payment_methods and pass its id as payment_method.",
            "payment_method_data[type]", "payment_method_not_available")
    pm_id = params.get("payment_method") or intent["payment_method"]
    if not pm_id:
        return None
    pm = methods.resolve(req, pm_id)
    check_customer(intent, pm)
    return pm


def check_customer(intent, pm):
    """A PaymentMethod saved to a customer is used only on that customer's intents; one used
    up (used without a customer, or detached) never again; one paid with for future usage
    but no customer only once attached."""
    if pm["customer"] is not None and pm["customer"] != intent["customer"]:
        if intent["customer"] is None:
            raise errors.invalid(
                f"The `payment_method` parameter supplied {pm['id']} belongs to the Customer "
                f"{pm['customer']}. Please include the Customer in the `customer` parameter "
                f"on the {NOUNS[intent['object']]}.", "payment_method")
        # Stripe's wording, as integrations quote it ("does not belong to the Customer you
        # supplied").
        raise errors.invalid(
            f"The PaymentMethod {pm['id']} does not belong to the Customer you supplied "
            f"{intent['customer']}. Please use this PaymentMethod with the Customer that it "
            "belongs to instead.", "payment_method")
    if pm.get("_consumed") or (pm.get("_used") and pm["customer"] is None):
        raise errors.invalid(
            f"The provided PaymentMethod was previously used with a {NOUNS[intent['object']]} "
            "without Customer attachment, shared with a connected account without Customer "
            "attachment, or was detached from a Customer. It may not be used again. To use a "
            "PaymentMethod multiple times, you must attach it to a Customer first.",
            "payment_method")


def last_error(error, pm):
    """An error as an intent keeps it (last_setup_error / last_payment_error): Stripe's error
    object with the PaymentMethod it is about, without a request's log URL."""
    body = error.body()["error"]
    body.pop("request_log_url", None)
    if pm is not None:
        body["payment_method"] = present(pm)
    return dict(sorted(body.items()))


def card_option(intent, field):
    """The PaymentIntent's `field` (capture_method, setup_future_usage) as a card payment
    uses it: payment_method_options[card][field] "will override the top-level" one (Stripe's
    reference); a card-level setup_future_usage of `none` means none."""
    card = intent["payment_method_options"]["card"]
    if card.get(field) is not None:
        return None if card[field] == "none" else card[field]
    return intent[field]


def options(given, kind, current=None):
    """payment_method_options as an intent shows it (card only): the card options given over
    the `current` ones (an update's or a confirmation's), an empty one unset. UNCERTAIN:
    Stripe keeps the options not given (its "providing an empty value … will unset the
    stored value")."""
    card = {**((current or {}).get("card") or {}), **((given or {}).get("card") or {})}
    shown = {"mandate_options": None, "network": card.get("network"),
             "request_three_d_secure": card.get("request_three_d_secure") or "automatic"}
    if kind == "payment_intent":
        shown["installments"] = None
        if card.get("capture_method"):
            shown["capture_method"] = card["capture_method"]
        if card.get("setup_future_usage") not in (None, ""):
            shown["setup_future_usage"] = card["setup_future_usage"]
    return {"card": dict(sorted(shown.items()))}
