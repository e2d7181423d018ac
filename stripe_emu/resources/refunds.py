"""Refunds: /v1/refunds, /v1/refunds/{refund}, /v1/refunds/{refund}/cancel, and the legacy
/v1/charges/{charge}/refunds paths, which answer the same objects.

Thin handlers over payments/refunding.py. Updating a refund (metadata only) records
charge.refund.updated and refund.updated, as Stripe CLI's triggers for both events make them
(refund a payment, then POST /v1/refunds/{id} with metadata); asynchronous status changes
record them too (the refund test cards', refunding.settle).
"""
from .. import errors, events
from ..payments import charging, refunding
from ..store import objects
from . import charges, common

# Parameters for refunds of customer-balance funds and Connect transfers, not emulated.
_UNSUPPORTED = ("origin", "customer", "currency")


def create_refund(req):
    params = req.params
    for param in _UNSUPPORTED:
        if params.get(param) is not None:
            raise errors.invalid(f"{param} is for refunds of customer balance funds, which "
                                 "stripe_emu does not emulate.", param)
    charge_id, intent_id = params.get("charge"), params.get("payment_intent")
    if charge_id and intent_id:
        # UNCERTAIN wording: Stripe's mutually-exclusive template.
        raise errors.invalid("You may only specify one of these parameters: charge, "
                             "payment_intent.", "charge")
    if not charge_id and not intent_id:
        # The sentence Stripe-copying emulators agree on, with no code and no param.
        raise errors.invalid("One of the following params should be provided for this "
                             "request: payment_intent or charge.")
    if intent_id:
        return _refund(req, _successful_charge(req, intent_id))
    return _refund(req, charges.fetch_charge(req, charge_id, "charge", 400))


def _successful_charge(req, intent_id):
    """The PaymentIntent's charge to refund, or Stripe's refusal (as integrations match it)
    when it has none or its latest one failed."""
    intent = common.fetch(req, intent_id, "payment_intent", "payment_intent",
                          "payment_intent", 400)
    charge = intent["latest_charge"] and objects.get(req.db, req.account,
                                                     intent["latest_charge"])
    if not charge or charge["status"] != "succeeded":
        raise errors.invalid(f"This PaymentIntent ({intent_id}) does not have a successful "
                             "charge to refund.", "payment_intent")
    return charge


def _refund(req, charge):
    # refund_application_fee and reverse_transfer are taken and have nothing to act on: no
    # charge here has an application fee or a transfer (Connect is not emulated). UNCERTAIN:
    # that Stripe, too, lets them pass on such a charge (its reference names no refusal).
    params = req.params
    metadata = common.merged_metadata({}, params)
    charging.refuse_intents_authorization(charge, "refund")
    refund, _ = refunding.refund_charge(req, charge, params.get("amount"),
                                        reason=params.get("reason"), metadata=metadata)
    return refund


def fetch_refund(req, refund_id, charge_id=None):
    refund = common.fetch(req, refund_id, "refund", "refund")
    if charge_id is not None and refund["charge"] != charge_id:
        raise errors.no_such("refund", refund_id)
    return refund


def retrieve_refund(req, refund):
    return fetch_refund(req, refund)


def update_refund(req, refund, charge=None):
    before = fetch_refund(req, refund, charge)
    after = dict(before, metadata=common.merged_metadata(before["metadata"], req.params))
    if after != before:
        objects.update(req.db, req.account, after, unchanged=before)
        events.record(req, "charge.refund.updated", after, previous=before)
        events.record(req, "refund.updated", after, previous=before)
    return after


def list_refunds(req):
    """Refunds newest first, of the charge or PaymentIntent named. "If you provide a
    non-existent charge ID, this call raises an error" (the reference): the 400 'No such
    charge' of an id given as a parameter. UNCERTAIN: the reference says it of the charge
    only; a PaymentIntent id that names nothing lists nothing."""
    params = req.params
    if params.get("charge"):
        charges.fetch_charge(req, params["charge"], "charge", 400)
    fields = {name: params[name] for name in ("charge", "payment_intent") if params.get(name)}
    return _list(req, "/v1/refunds", fields)


def _list(req, url, fields):
    return common.list_page(req, url, ("refund",), lambda bad: f"No such refund: '{bad}'",
                            created=req.params.get("created"), fields=fields)


def cancel_refund(req, refund):
    found = fetch_refund(req, refund)
    # Only refunds waiting for the customer (requires_action) can be canceled; card refunds
    # never wait. UNCERTAIN wording.
    raise errors.invalid(f"Refund {found['id']} cannot be canceled because it has a status "
                         f"of {found['status']}. Only refunds with a status of "
                         "requires_action can be canceled.")


# -- the legacy paths under a charge -----------------------------------------------------

def create_charge_refund(req, charge):
    return _refund(req, charges.fetch_charge(req, charge))


def list_charge_refunds(req, charge):
    charge_id = charges.fetch_charge(req, charge)["id"]
    return _list(req, f"/v1/charges/{charge_id}/refunds", {"charge": charge_id})


def retrieve_charge_refund(req, charge, refund):
    return fetch_refund(req, refund, charges.fetch_charge(req, charge)["id"])


def update_charge_refund(req, charge, refund):
    return update_refund(req, refund, charges.fetch_charge(req, charge)["id"])
