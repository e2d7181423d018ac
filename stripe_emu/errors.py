"""Stripe's error object: raised anywhere below the app, rendered once by `app.py`.

Errors are data (status, type, code, param, message), never hand-built JSON, so every
failure path produces the one shape the official spec names `error`.
"""
import time

DOC_URL = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    """A request that Stripe would refuse.

    `validation` marks failures found before the endpoint starts executing (bad or unknown
    parameters): Stripe does not store those under an idempotency key, so a client may retry.
    `commit` marks a failure that still changed state (a declined charge is stored as failed):
    app.py commits what the handler wrote, stores the error under the idempotency key, and
    answers it. `charge` / `payment_intent` name the object the error is about.
    `setup_intent` and `payment_method` too (the objects, as Stripe embeds them).
    `logged` False: no account's request log holds the request (no key, or one naming no
    account), so the error has no `request_log_url`, as Stripe's 401s have none.
    """

    def __init__(self, message, *, status=400, type="invalid_request_error", code=None,
                 param=None, decline_code=None, headers=None, validation=False, commit=False,
                 charge=None, payment_intent=None, setup_intent=None, payment_method=None,
                 logged=True):
        super().__init__(message)
        self.message = message
        self.status = status
        self.type = type
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.headers = headers or {}
        self.validation = validation
        self.commit = commit
        self.charge = charge
        self.payment_intent = payment_intent
        self.setup_intent = setup_intent
        self.payment_method = payment_method
        self.logged = logged

    def body(self, request_id=None, now=None):
        """The error object; `now` (unix time, default the wall clock) dates the request log
        link, as Stripe's `?t=` does."""
        now = int(time.time() if now is None else now)
        error = {
            "charge": self.charge,
            "code": self.code,
            "decline_code": self.decline_code,
            "doc_url": DOC_URL + self.code.replace("_", "-") if self.code else None,
            "message": self.message,
            "param": self.param,
            "payment_intent": self.payment_intent,
            "payment_method": self.payment_method,
            "request_log_url": (
                f"https://dashboard.stripe.com/test/logs/{request_id}?t={now}"
                if request_id and self.logged else None),
            "setup_intent": self.setup_intent,
            "type": self.type,
        }
        # Stripe leaves absent keys out rather than sending nulls; keys are alphabetical.
        return {"error": {k: v for k, v in error.items() if v is not None}}


def invalid(message, param=None, code=None, status=400):
    """A parameter Stripe rejects before executing the request."""
    return StripeError(message, status=status, code=code, param=param, validation=True)


def missing_param(param):
    return invalid(f"Missing required param: {param}.", param, "parameter_missing")


def invalid_empty(param):
    """An empty value, which asks to unset, for a parameter that cannot be unset."""
    return invalid(f"You passed an empty string for '{param}'. We assume empty values are an "
                   f"attempt to unset a parameter; however '{param}' cannot be unset. You "
                   f"should remove '{param}' from your request or supply a non-empty value.",
                   param, "parameter_invalid_empty")


def unknown_param(param):
    return invalid(f"Received unknown parameter: {param}", param, "parameter_unknown")


def unknown_params(params, payment_method=None):
    """Every unknown parameter of one hash in one error, `param` naming the first; in the
    hash of a payment method's details, Stripe names the payment method."""
    if payment_method is not None:
        # The wording of issue 12's comparison with Stripe's answers.
        what = "unknown parameters" if len(params) > 1 else "an unknown parameter"
        return invalid(f"Received {what} for payment method `{payment_method}`: "
                       f"{', '.join(params)}.", params[0], "parameter_unknown")
    if len(params) == 1:
        return unknown_param(params[0])
    return invalid(f"Received unknown parameters: {', '.join(params)}", params[0],
                   "parameter_unknown")


def no_such(kind, object_id, param="id", status=404):
    """An id that names nothing: 404 when it was in the URL, 400 when it came as a parameter."""
    return StripeError(f"No such {kind}: '{object_id}'", status=status,
                       code="resource_missing", param=param)


def card_error(code, message, param=None, decline_code=None):
    return StripeError(message, status=402, type="card_error", code=code, param=param,
                       decline_code=decline_code)
