"""3D Secure of SetupIntents and PaymentIntents: whether confirming with a card asks the
customer to authenticate (the test card's rule, or 3D Secure requested), the `next_action`
that sends the customer to the emulator's authentication page, where that page sends the
customer back, and what an approval or a failure leaves on the intent.

The page itself is control_redirect.py's (with control_intents.py); moving the intent on after
it is the resource's `finish_authentication`.
"""
import re
import urllib.parse

from .. import errors, webhooks
from ..resources import cards
from .intents import NOUNS, last_error

# What 3D Secure says on a Charge or SetupAttempt once the customer authenticated.
# UNCERTAIN: the flow and version of Stripe's test authentication.
AUTHENTICATED = {"authentication_flow": "challenge", "result": "authenticated",
                 "result_reason": None, "version": "2.2.0"}
_AUTHENTICATION_FAILED = {
    "payment_intent": ("payment_intent_authentication_failure",
                       "The provided PaymentMethod has failed authentication. You can provide "
                       "payment_method_data or a new PaymentMethod to attempt to fulfill this "
                       "PaymentIntent again."),
    "setup_intent": ("setup_intent_authentication_failure",
                     "The latest attempt to set up the payment method has failed because "
                     "authentication failed."),
}


def three_d_secure_requested(intent):
    """The intent's payment_method_options[card][request_three_d_secure]."""
    card = (intent.get("payment_method_options") or {}).get("card") or {}
    return card.get("request_three_d_secure") or "automatic"


def must_authenticate(intent, pm, *, setting_up):
    """Whether confirming `intent` with `pm` asks the customer to authenticate: the test
    card's rule (on setup, or on session), or 3D Secure requested with `any` on a card that
    supports it and is enrolled. A card set up before (authenticated on a setup) is exempt
    where its rule says so."""
    rule = cards.three_d_secure(pm)
    if (three_d_secure_requested(intent) == "any" and rule.support != "not_supported"
            and rule.enrolled):
        return True
    if rule.set_up_exempts and pm.get("_set_up"):
        return False
    return rule.on_setup if setting_up else rule.on_session


def check_error_on_requires_action(intent, params):
    """Refuse `error_on_requires_action` on a PaymentIntent under automatic payment methods:
    "When confirming a PaymentIntent, you can't use error_on_requires_action. Use
    payment_method_types with error_on_requires_action" (Stripe's changelog, 2023-08-16).
    UNCERTAIN: the wording of Stripe's refusal."""
    if params.get("error_on_requires_action") and intent["automatic_payment_methods"]:
        raise errors.invalid(
            "You cannot use `error_on_requires_action` with a PaymentIntent that accepts the "
            "payment methods enabled in your Dashboard (`automatic_payment_methods`). Create "
            "the PaymentIntent with `payment_method_types` to use `error_on_requires_action`.",
            "error_on_requires_action")


def action_not_handled():
    """The 402 of a payment that needed authentication with `error_on_requires_action`."""
    return errors.StripeError(
        "This payment required an authentication action to complete, but "
        "`error_on_requires_action` was set. When you're ready, you can upgrade your "
        "integration to handle actions at "
        "https://stripe.com/docs/payments/payment-intents/upgrade-to-handle-actions.",
        status=402, type="card_error", code="requires_action_not_handled")


# Schemes a browser runs or reads itself rather than handing to an application.
_NOT_APPLICATIONS = ("http", "https", "javascript", "data", "vbscript", "file", "blob", "about")


def followable(url):
    """Whether a customer's browser can be sent back to `url` after authenticating: an
    absolute http(s) URL (as webhook URLs), or — "if you'd prefer to redirect to a mobile
    application, you can alternatively supply an application URI scheme" (Stripe's
    reference) — `scheme://…` of an application. UNCERTAIN: how much more Stripe checks."""
    try:
        webhooks.check_url(url)
        return True
    except ValueError:
        return application_url(url) and not any(ord(char) <= 0x20 or ord(char) == 0x7f
                                                 for char in url)


def application_url(url):
    """Whether `url` is `scheme://…` of an application, not of a browser."""
    scheme = url.partition("://")[0]
    return (re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme) is not None
            and scheme.lower() not in _NOT_APPLICATIONS and len(url) > len(scheme) + 3)


def needs_return_url(intent, return_url, off_session=False):
    """Refuse to confirm without `return_url` an intent that may redirect (2023-08-16), and
    a return_url a browser cannot follow (`followable`)."""
    if return_url:
        if not followable(return_url):
            raise errors.invalid("Not a valid URL", "return_url", "url_invalid")
        return
    apm = intent["automatic_payment_methods"]
    if off_session or not apm or apm.get("allow_redirects") == "never":
        return
    raise errors.invalid(
        f"This {NOUNS[intent['object']]} is configured to accept payment methods enabled in "
        "your Dashboard. Because some of these payment methods might redirect your customer "
        "off of your page, you must provide a `return_url`. If you don't want to accept "
        "redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` "
        "and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup "
        "Intents and Payment Intents.")


def next_action(req, intent, return_url):
    """Where the customer authenticates: the emulator's own authentication page (the page
    of redirect Sources, control_redirect.py), as `redirect_to_url` when a return_url was
    given, else — or when the request says `use_stripe_sdk` (Stripe.js and the mobile SDKs
    handle the action themselves) — as `use_stripe_sdk`."""
    url = (f"{req.base_url}/_emu/redirect/{intent['id']}?"
           + urllib.parse.urlencode({"client_secret": intent["client_secret"]}))
    if return_url and not req.params.get("use_stripe_sdk"):
        return {"redirect_to_url": {"return_url": return_url, "url": url},
                "type": "redirect_to_url"}
    return {"type": "use_stripe_sdk",
            "use_stripe_sdk": {"stripe_js": url, "type": "three_d_secure_redirect"}}


def failure(intent, pm):
    """The last error of an intent whose customer failed authentication."""
    code, message = _AUTHENTICATION_FAILED[intent["object"]]
    return last_error(errors.StripeError(message, code=code), pm)


# What Stripe.js's redirect_status says of an intent's status (else "succeeded").
_REDIRECT_STATUS = {"requires_payment_method": "failed", "canceled": "failed",
                    "processing": "processing"}


def return_url(intent):
    """Where the authentication page sends the customer back: next_action's return_url with
    the query parameters Stripe.js adds (payment_intent / setup_intent, its client_secret,
    redirect_status), or None when the intent was confirmed without one."""
    action = intent.get("_redirect") or {}
    if not action.get("return_url"):
        return None
    kind = intent["object"]
    url = urllib.parse.urlsplit(action["return_url"])
    ours = {kind: intent["id"], f"{kind}_client_secret": intent["client_secret"],
            "redirect_status": _REDIRECT_STATUS.get(intent["status"], "succeeded")}
    kept = [(k, v) for k, v in urllib.parse.parse_qsl(url.query, keep_blank_values=True)
            if k not in ours]
    return urllib.parse.urlunsplit(url._replace(query=urllib.parse.urlencode(
        kept + list(ours.items()))))
