"""A customer's default payment instruments: `default_source` and
`invoice_settings.default_payment_method`.

`default_source` is what Charges use: the first payment source a customer gets becomes it,
and when it leaves (deleted, detached, a Source that failed), the most recently added
remaining source takes its place. `invoice_settings.default_payment_method` is what invoices
use: it names a PaymentMethod (or legacy card) the customer has, and is cleared when that
PaymentMethod is detached. Both changes record customer.updated.

Called by the customer, payment source, Source and PaymentMethod resources; it calls only the
store and events, so none of them needs another for these rules.
"""
from .. import errors, events
from ..store import objects

# The objects a customer's payment sources can be.
SOURCE_OBJECTS = ("card", "bank_account", "source")
# What invoice_settings.default_payment_method may name.
_PAYMENT_METHOD_OBJECTS = ("payment_method", "card")


def newest_sources(req, customer_id, limit):
    """The customer's payment sources, most recently added first: one indexed, limited
    query; (objects, has_more)."""
    return objects.page(req.db, req.account, SOURCE_OBJECTS, customer=customer_id,
                        limit=limit)


def owned(req, customer_id, object_id, kinds=SOURCE_OBJECTS):
    """The object `object_id` if it is one of `kinds` and belongs to the customer, else
    None."""
    obj = object_id and objects.get(req.db, req.account, object_id)
    if not obj or obj["object"] not in kinds:
        return None
    holder = objects.position(req.db, req.account, object_id)["customer"]
    return obj if holder == customer_id else None


def attached_source_id(req, customer, source_id, param):
    """`source_id` if it names a payment source of `customer`, else Stripe's 400."""
    if owned(req, customer["id"], source_id) is None:
        # UNCERTAIN: Stripe's wording for a default_source the customer does not have.
        raise errors.no_such("source", source_id, param=param, status=400)
    return source_id


def set_default_source(req, customer, source_id):
    """Make `source_id` (or None) the stored customer's default_source, with
    customer.updated; returns the customer."""
    after = dict(customer, default_source=source_id)
    objects.update(req.db, req.account, after)
    events.record(req, "customer.updated", after, previous=customer)
    return after


def promote_next_default(req, customer, removed_id):
    """Stripe's rule once payment source `removed_id` has left `customer` (deleted, detached,
    or a Source that failed or was canceled): if it was the default, the most recently added
    remaining source becomes the default (null when none remain), with customer.updated.
    `req` is what events.record takes: an API request, or a stand-in for Stripe itself."""
    if customer["default_source"] == removed_id:
        newest, _ = newest_sources(req, customer["id"], limit=1)
        set_default_source(req, customer, newest[0]["id"] if newest else None)


def default_payment_method(req, customer, payment_method_id):
    """`payment_method_id` as invoice_settings.default_payment_method of `customer` (None or
    "" unsets it), or Stripe's 400 when the customer does not have it."""
    if not payment_method_id:
        return None
    if owned(req, customer["id"], payment_method_id, _PAYMENT_METHOD_OBJECTS) is None:
        raise errors.invalid(
            f"The customer does not have a payment method with the ID {payment_method_id}. "
            "The payment method must be attached to the customer.",
            # UNCERTAIN: the param Stripe names (not in the observed answers).
            "invoice_settings[default_payment_method]")
    return payment_method_id


def forget_payment_method(req, customer_id, payment_method_id):
    """A PaymentMethod (or card) has left the customer: it is no longer its invoices'
    default. UNCERTAIN: Stripe documents the field as "ID of a payment method that's attached
    to the customer"; clearing it, with customer.updated, is what that implies."""
    customer = objects.get(req.db, req.account, customer_id)
    if customer is None or customer.get("deleted"):
        return
    settings = customer["invoice_settings"]
    if settings.get("default_payment_method") == payment_method_id:
        after = dict(customer, invoice_settings=dict(settings, default_payment_method=None))
        objects.update(req.db, req.account, after)
        events.record(req, "customer.updated", after, previous=customer)
