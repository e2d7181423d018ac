"""PaymentIntents as older API versions show them: before CHARGES_REMOVED an intent lists
its charges. payment_intents.py's operations answer through `versioned`."""
import functools

from .. import errors
from ..expand import present
from ..store import objects

KIND = "payment_intent"
# "The charges property on PaymentIntent has been removed" at this version (Stripe's
# changelog); before it, a PaymentIntent lists its charges.
CHARGES_REMOVED = "2022-11-15"


def versioned(operation):
    """`operation` answering in the request's API version: before CHARGES_REMOVED, each
    PaymentIntent it returns — or its error carries — lists its `charges` (newest first)."""
    @functools.wraps(operation)
    def answer(req, *args, **kwargs):
        if req.api_version >= CHARGES_REMOVED:
            return operation(req, *args, **kwargs)
        try:
            result = operation(req, *args, **kwargs)
        except errors.StripeError as error:
            if error.payment_intent is not None:
                error.payment_intent = _with_charges(req, error.payment_intent)
            raise
        if result["object"] != KIND:
            return dict(result, data=[_with_charges(req, item) for item in result["data"]])
        return _with_charges(req, result)
    return answer


def _with_charges(req, intent):
    data, has_more = objects.page(req.db, req.account, ("charge",), limit=100,
                                  fields={"payment_intent": intent["id"]})
    return dict(intent, charges={
        "object": "list", "data": [present(charge) for charge in data], "has_more": has_more,
        "total_count": len(data), "url": f"/v1/charges?payment_intent={intent['id']}"})
