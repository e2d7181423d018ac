"""Rules several resources share: metadata, addresses, emails, pagination and search pages,
fetching by id, and the live customer a sub-resource belongs to."""
import re

from .. import errors, search
from ..expand import present
from ..store import objects

METADATA_MAX_KEYS = 50
METADATA_KEY_LENGTH = 40
METADATA_VALUE_LENGTH = 500


def merged_metadata(current, params):
    """The metadata after applying `params["metadata"]`: absent keeps it, None (`metadata=`)
    clears it, a None value unsets one key."""
    if "metadata" not in params:
        return current
    given = params["metadata"]
    if given is None:
        return {}
    result = dict(current or {})
    for key, value in given.items():
        if len(key) > METADATA_KEY_LENGTH:
            raise errors.invalid(
                f"Metadata keys can have up to {METADATA_KEY_LENGTH} characters, but you passed "
                f"in a key that is {len(key)} characters. Invalid key: {key}", "metadata")
        if value is None:
            result.pop(key, None)
            continue
        if len(value) > METADATA_VALUE_LENGTH:
            raise errors.invalid(
                f"Metadata values can have up to {METADATA_VALUE_LENGTH} characters, but you "
                f"passed in a value that is {len(value)} characters. Invalid value: {value}",
                "metadata")
        result[key] = value
    if len(result) > METADATA_MAX_KEYS:
        raise errors.invalid(
            f"Metadata can have up to {METADATA_MAX_KEYS} keys, but you've set {len(result)}. "
            "Email us at support+metadata@stripe.com for more information.", "metadata")
    return result


def page_limit(req):
    """The request's `limit`: 10 by default, 1 to 100."""
    limit = req.params.get("limit", 10)
    if limit is None or limit < 1:
        raise errors.invalid("This value must be greater than or equal to 1.", "limit")
    if limit > 100:
        raise errors.invalid("This value must be less than or equal to 100.", "limit")
    return limit


def list_page(req, url, kinds, missing_cursor, customer=None, shape=None, **filters):
    """A Stripe list object for the request's limit and cursors.

    `missing_cursor(bad_id)` is Stripe's message for a cursor that is not in this list;
    `shape(obj)`, when given, is how the list shows each stored object.
    """
    limit = page_limit(req)
    cursors = {}
    for param in ("starting_after", "ending_before"):
        cursor_id = req.params.get(param)
        if cursor_id is None:
            continue
        row = objects.position(req.db, req.account, cursor_id)
        if row is None or row["object"] not in kinds or (
                customer is not None and row["customer"] != customer):
            raise errors.StripeError(missing_cursor(cursor_id), code="resource_missing",
                                     param=param)
        cursors[param] = row["seq"]
    if len(cursors) == 2:
        raise errors.invalid("Received both starting_after and ending_before parameters. "
                             "Please pass in only one.", "starting_after")
    data, has_more = objects.page(
        req.db, req.account, kinds, customer=customer, limit=limit,
        older_than=cursors.get("starting_after"), newer_than=cursors.get("ending_before"),
        **filters)
    return {"object": "list", "data": [present(shape(item) if shape else item) for item in data],
            "has_more": has_more, "url": url}


def fetch(req, object_id, kind, noun, param="id", status=404):
    """The object `object_id` of object type `kind` in the request's account, or Stripe's
    'No such <noun>' error (`noun`: "customer", "webhook endpoint"...; 404 for an id in the
    URL, 400 for one in a parameter)."""
    obj = objects.get(req.db, req.account, object_id)
    if obj is None or obj["object"] != kind:
        raise errors.no_such(noun, object_id, param=param, status=status)
    return obj


def locate(db, object_id, kinds, noun, account=None):
    """(account, object) for `object_id` of one of `kinds` in whichever account holds it —
    in `account` only, when one is given — or Stripe's 'No such <noun>' (404). For the
    control plane and the pages, which are not in an account's request."""
    holding = objects.account_of(db, object_id)
    found = objects.get(db, holding, object_id) if account in (None, holding) else None
    if found is None or found["object"] not in kinds:
        raise errors.no_such(noun, object_id)
    return holding, found


def customer_filter(req):
    """The request's `customer` list filter, which must name a customer of the account, or
    Stripe's 400 'No such customer' ("If you provide a non-existent customer ID, this call
    throws an error", the charges list's reference). A deleted customer's history stays
    listed. UNCERTAIN beyond charges: the intents' lists are held to the same rule."""
    customer = req.params.get("customer")
    if customer:
        fetch(req, customer, "customer", "customer", param="customer", status=400)
    return customer


def live_customer(req, customer_id, param="id", status=404):
    """The customer, or "No such customer" when it never existed or was deleted: what every
    customer sub-resource starts from."""
    customer = fetch(req, customer_id, "customer", "customer", param, status)
    if customer.get("deleted"):
        raise errors.no_such("customer", customer_id, param=param, status=status)
    return customer


def owned_by(req, customer_id, object_id, kind, noun):
    """The object `object_id` of type `kind` belonging to customer `customer_id` (which must
    be live), or Stripe's 404 "No such <noun>"."""
    live_customer(req, customer_id)
    obj = objects.get(req.db, req.account, object_id)
    if obj is None or obj["object"] != kind or obj.get("customer") != customer_id:
        raise errors.no_such(noun, object_id)
    return obj


def not_linked(customer_id, source_id):
    """Stripe's 404 for a payment source id that is not (or no longer) the customer's."""
    return errors.StripeError(
        f"Customer {customer_id} does not have a linked source with ID {source_id}.",
        status=404, code="resource_missing", param="id")


ADDRESS_FIELDS = ("city", "country", "line1", "line2", "postal_code", "state")


def address(given):
    """Stripe's `address` hash from an address parameter (None, `address=`, unsets it)."""
    return None if given is None else {field: given.get(field) for field in ADDRESS_FIELDS}



def shipping(given):
    """Stripe's `shipping` hash of a customer, charge or PaymentIntent from its parameter
    (None, or `shipping=` where the operation allows it, unsets it; a customer's has no
    carrier nor tracking_number to give, so they stay null)."""
    if not given:
        return None
    return {"address": address(given.get("address") or {}),
            "carrier": given.get("carrier"), "name": given.get("name"),
            "phone": given.get("phone"), "tracking_number": given.get("tracking_number")}


# "The minimum supported API Version to use search is 2020-08-27" (docs search).
SEARCH_SINCE = "2020-08-27"


def search_page(req, kind, fields, resource):
    """GET /v1/<resource>/search: a search_result page of the live objects of `kind` that
    match the request's `query` on `fields` (search.CUSTOMER_FIELDS…), with `page` and
    `expand[]=total_count`."""
    if req.api_version < SEARCH_SINCE:
        raise errors.invalid(f"Search is not supported on api version {req.api_version}. Update "
                             "your API version, or set the API Version of this request to "
                             f"{SEARCH_SINCE} or greater.")
    if req.params.get("query") is None:  # `query=` is as good as absent
        raise errors.missing_param("query")
    limit = page_limit(req)
    older_than = search.page_seq(req.params["page"]) if req.params.get("page") else None
    clauses, combinator = search.parse(req.params["query"], fields, resource)
    found, has_more, last = objects.search(req.db, req.account, kind, clauses, combinator,
                                           limit=limit, older_than=older_than)
    result = {"object": "search_result", "data": [present(item) for item in found],
              "has_more": has_more, "next_page": search.page_token(last) if has_more else None,
              "url": f"/v1/{resource}/search"}
    if "total_count" in (req.params.get("expand") or ()):
        result["total_count"] = objects.search_count(req.db, req.account, kind, clauses,
                                                     combinator)
    return result


# UNCERTAIN: Stripe's exact rule is unpublished; it refuses `x`, `a@b`, `@b.com` and
# surrounding spaces, so: a local part, @, and a domain of at least two dot-separated labels,
# no whitespace anywhere (and at most the 5000 characters of Stripe's string fields).
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def email(given, param="email"):
    """`given` if it is an email address Stripe takes (None passes), else its 400."""
    if given is not None and (len(given) > 5000 or not _EMAIL.fullmatch(given)):
        raise errors.invalid(f"Invalid email address: {given}", param, "email_invalid")
    return given
