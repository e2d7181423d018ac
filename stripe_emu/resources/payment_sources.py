"""Customer payment sources: /v1/customers/{customer}/sources and the legacy /cards and
/bank_accounts paths, which share these handlers.

A customer's payment sources are cards and bank accounts (created here from tokens or raw
hashes, and deleted for good) and Source objects (made by /v1/sources, attached here, and
detached to `consumed` by sources.py). This module owns the customer's `default_source`: the
first source becomes it, and removing it promotes the most recently added remaining source.
Building card, bank account and Source JSON belongs to cards.py, tokens.py and sources.py.

Which sources a customer has is what the store's customer column says (a dead Source keeps
`customer` in its JSON but not in that column). Every handler that changes something runs in
its request's write transaction (BEGIN IMMEDIATE; GETs read in a plain one) and the status
changes are guarded updates, so of several requests racing for one object exactly one wins
and the others answer Stripe's error.
"""
from .. import api_versions, errors, events, ids, testcards
from ..expand import present
from ..store import objects
from . import cards, common, customers, sources, tokens

# The objects a customer's payment sources can be.
SOURCE_OBJECTS = ("card", "bank_account", "source")
# What each collection lists and retrieves (the spec types GET .../cards/{id} as a card).
# Updating and deleting take any payment source on every collection: Stripe documents those
# as "customer source" operations (its "Delete a customer source" example is DELETE
# .../cards/{id}) and types their answers as any payment source. UNCERTAIN: whether a legacy
# GET shows other kinds too; the spec says it does not.
_SHOWN = {"sources": SOURCE_OBJECTS, "cards": ("card",), "bank_accounts": ("bank_account",)}
_NOUNS = {"card": "card", "bank_account": "bank account", "source": "source"}
# What each kind of object accepts on update, besides metadata and expand.
_UPDATABLE = {"card": ("address_city", "address_country", "address_line1", "address_line2",
                       "address_state", "address_zip", "exp_month", "exp_year", "name"),
              "bank_account": ("account_holder_name", "account_holder_type"),
              "source": ("owner",)}
# The parameters that can name the payment source to add.
_SOURCE_PARAMS = ("source", "card", "bank_account")
_ALREADY_VERIFIED = "This bank account has already been verified."
# Stripe's answer to adding a bank account the customer already has.
_BANK_ACCOUNT_EXISTS = ("A bank account with that routing number and account number already "
                        "exists for this customer.")


# -- what customers.py, sources.py and expand.py call ----------------------------------

def replace_default_source(req, customer, param, source):
    """Add `source` (given as `param`: source, or the legacy card / bank_account) to the stored
    `customer`, make it the default and remove the old default, as Stripe documents `source`
    on customer create and update. Saves the customer and returns it; the caller records
    customer.created / customer.updated."""
    added = _add(req, customer["id"], param, source)
    old = _linked(req, customer["id"], customer["default_source"])
    if old is not None:
        _remove(req, old)
    customer = dict(customer, default_source=added["id"])
    objects.update(req.db, req.account, customer)
    return customer


def given_source(req):
    """(param, value) of the payment source a request names — `source`, or the legacy `card`
    / `bank_account` — or None; naming two is Stripe's mutually-exclusive error."""
    given = [param for param in _SOURCE_PARAMS if req.params.get(param)]
    if len(given) > 1:
        raise errors.invalid("You may only specify one of these parameters: "
                             f"{', '.join(given)}.", given[0])
    return (given[0], req.params[given[0]]) if given else None


def attached_source_id(req, customer, source_id, param):
    """`source_id` if it names a payment source of `customer`, else Stripe's 400."""
    if _linked(req, customer["id"], source_id) is None:
        # UNCERTAIN: Stripe's wording for a default_source the customer does not have.
        raise errors.no_such("source", source_id, param=param, status=400)
    return source_id


def remove_all(req, customer):
    """A deleted customer keeps no cards or bank accounts, and its Sources are detached.
    UNCERTAIN: whether Stripe sends customer.source.deleted for each; we send none."""
    more = True
    while more:
        batch, more = _newest(req, customer["id"], limit=100)
        for obj in batch:
            _discard(req, obj)


def promote_next_default(req, customer, removed_id):
    """Stripe's rule once payment source `removed_id` has left `customer` (deleted, detached,
    or a Source that failed or was canceled): if it was the default, the most recently added
    remaining source becomes the default (null when none remain), with customer.updated.
    `req` is what events.record takes: an API request, or a stand-in for Stripe itself."""
    if customer["default_source"] == removed_id:
        newest, _ = _newest(req, customer["id"], limit=1)
        _set_default(req, customer, newest[0]["id"] if newest else None)


def customer_sources_list(req, customer):
    """`customer.sources` when expanded: the first page of the customer's sources."""
    data, more = _newest(req, customer["id"], limit=10)
    listed = {"object": "list", "data": [present(obj) for obj in data], "has_more": more,
              "url": f"/v1/customers/{customer['id']}/sources"}
    if req.api_version < api_versions.ACCOUNT_BALANCE_UNTIL:
        # Older API versions counted the embedded list (UNCERTAIN: its place in the list).
        listed["total_count"] = objects.customer_count(req.db, req.account, customer["id"],
                                                       SOURCE_OBJECTS)
    return listed


# -- handlers ----------------------------------------------------------------------------

def create_customer_source(req, customer):
    customer = customers.live_customer(req, customer)
    given = given_source(req)
    if given is None:
        raise errors.missing_param("source")
    added = _add(req, customer["id"], *given, req.params)
    if customer["default_source"] is None:
        _set_default(req, customer, added["id"])
    return added


def list_customer_sources(req, customer):
    customer_id = customers.live_customer(req, customer)["id"]
    kinds = _shown(req)
    wanted = req.params.get("object")
    if wanted is not None:
        if wanted not in kinds:
            # UNCERTAIN: Stripe's answer to an unknown `object` filter; refused as an enum.
            raise errors.invalid("Invalid object: must be one of bank_account, card, or source",
                                 "object")
        kinds = (wanted,)
    noun = _NOUNS[kinds[0]] if len(kinds) == 1 else "source"
    # Stripe's words for a cursor the list does not hold (observed on a cards list).
    return common.list_page(
        req, req.path, kinds, lambda bad: f"Customer {customer_id} does not have {noun} "
                                          f"with ID {bad}", customer=customer_id)


def retrieve_customer_source(req, customer, id):
    return _attached(req, customer, id, _shown(req))[1]


def update_customer_source(req, customer, id):
    obj = _attached(req, customer, id)[1]
    params = req.params
    allowed = _UPDATABLE[obj["object"]]
    for key in params:
        if key not in allowed and key not in ("metadata", "expand"):
            raise errors.unknown_param(key)
    if obj["object"] == "source":
        after = sources.update_source(req, obj, params)
    else:
        after = dict(obj, **{key: params[key] for key in allowed if key in params})
        if "exp_month" in params or "exp_year" in params:
            # Typed as strings on this endpoint ("12"); stored as integers, as on the card.
            after["exp_month"], after["exp_year"] = testcards.validate_expiry(
                after["exp_month"], after["exp_year"], cards.today(req))
        after["metadata"] = common.merged_metadata(obj["metadata"], params)
        objects.update(req.db, req.account, after)
    if after != obj:
        events.record(req, "customer.source.updated", after, previous=obj)
    return after


def delete_customer_source(req, customer, id):
    customer, obj = _attached(req, customer, id)
    result = _remove(req, obj)
    promote_next_default(req, customer, obj["id"])
    return result


def verify_customer_source(req, customer, id):
    """Micro-deposit verification of a bank account: the test amounts are 32 and 45 cents."""
    obj = _attached(req, customer, id)[1]
    if obj["object"] != "bank_account":
        # UNCERTAIN (invented wording): verifying a card or a Source here.
        raise errors.invalid(f"{id} is not a bank account: only bank accounts can be verified "
                             "with amounts.", "id")
    if obj["status"] == "verified":
        raise errors.StripeError(_ALREADY_VERIFIED)
    amounts = req.params.get("amounts")
    if not amounts:
        raise errors.missing_param("amounts")
    if not testcards.verify_amounts_ok(amounts):
        raise errors.StripeError(testcards.VERIFY_MISMATCH_MESSAGE,
                                 code="bank_account_verification_failed", param="amounts")
    after = dict(obj, status="verified")
    if not objects.update(req.db, req.account, after, expect={"status": obj["status"]}):
        raise errors.StripeError(_ALREADY_VERIFIED)
    events.record(req, "customer.source.updated", after, previous=obj)
    return after


# -- the rules ---------------------------------------------------------------------------

def _add(req, customer_id, param, value, params=None):
    """Create (card, bank account) or attach (Source) the payment source `value` names, with
    `params["metadata"]`; record customer.source.created and return it. A declining card
    raises before anything of it is stored."""
    if isinstance(value, str) and value.startswith(ids.SOURCE):
        obj = sources.attach(req, value, customer_id)
        if params and "metadata" in params:
            obj = sources.update_source(req, obj, {"metadata": params["metadata"]})
    else:
        obj = _new_card_or_bank_account(req, customer_id, param, value)
        obj["metadata"] = common.merged_metadata(obj["metadata"], params or {})
        _refuse_to_save(req, customer_id, param, obj)
        objects.insert(req.db, req.account, obj)
    events.record(req, "customer.source.created", obj)
    return obj


def _refuse_to_save(req, customer_id, param, obj):
    """A card that declines raises its 402; a bank account the customer already has, 400."""
    if obj["object"] == "card":
        declined = cards.attach_error(obj)
        if declined is not None:
            raise declined
    elif objects.with_fingerprint(req.db, req.account, customer_id, "bank_account",
                                  obj["fingerprint"]):
        # UNCERTAIN: which parameter Stripe names; the one that carried the bank account.
        raise errors.StripeError(_BANK_ACCOUNT_EXISTS, code="bank_account_exists", param=param)


def _new_card_or_bank_account(req, customer_id, param, value):
    if isinstance(value, dict):
        default_kind = "bank_account" if param == "bank_account" else "card"
        if value.get("object", default_kind) == "bank_account":
            if value.get("country") is None:
                raise errors.missing_param(f"{param}[country]")
            profile = testcards.bank_profile(
                value.get("routing_number"), value.get("account_number"), value["country"],
                value.get("currency") or "usd", param_prefix=param)
            return cards.bank_account_object(req, profile, value, customer_id)
        return cards.card_object(req, cards.card_from_hash(req, value, param), value,
                                 customer_id)
    if value.startswith("pm_"):
        raise errors.invalid(
            "You cannot use a PaymentMethod as a source for Customers. Instead, use the "
            "PaymentMethods API to Attach a Customer to a PaymentMethod. See "
            "https://stripe.com/docs/api/payment_methods/attach", param)
    # Anything else is taken for a token, as Stripe does ("No such token: '...'").
    return dict(tokens.redeem(req, value, param), customer=customer_id)


def _remove(req, obj):
    """Delete a card or bank account, or detach a Source; record customer.source.deleted
    and return what the API answers."""
    result = _discard(req, obj)
    # A deleted card's event carries the card whole, as it was; a detached Source as it is
    # now (UNCERTAIN: Stripe's samples show only card deletions).
    events.record(req, "customer.source.deleted", result if obj["object"] == "source" else obj)
    return result


def _discard(req, obj):
    if obj["object"] == "source":
        return sources.detach(req, obj)
    # No guard needed: the write transaction began before `obj` was read.
    objects.delete(req.db, req.account, obj["id"])
    return {"id": obj["id"], "object": obj["object"], "deleted": True}


def _set_default(req, customer, source_id):
    after = dict(customer, default_source=source_id)
    objects.update(req.db, req.account, after)
    events.record(req, "customer.updated", after, previous=customer)


def _newest(req, customer_id, limit):
    """The customer's sources, most recently added first: one indexed, limited query."""
    return objects.page(req.db, req.account, SOURCE_OBJECTS, customer=customer_id,
                        limit=limit)


def _linked(req, customer_id, source_id, kinds=SOURCE_OBJECTS):
    """The payment source `source_id` if it is one of `kinds` and belongs to the customer,
    else None."""
    obj = source_id and objects.get(req.db, req.account, source_id)
    if not obj or obj["object"] not in kinds:
        return None
    holder = objects.position(req.db, req.account, source_id)["customer"]
    return obj if holder == customer_id else None


def _attached(req, customer_id, source_id, kinds=SOURCE_OBJECTS):
    """(customer, payment source) for a live customer's source of one of `kinds`."""
    customer = customers.live_customer(req, customer_id)
    obj = _linked(req, customer_id, source_id, kinds)
    if obj is None:
        raise common.not_linked(customer_id, source_id)
    return customer, obj


def _shown(req):
    return _SHOWN[req.path.split("/")[4]]
