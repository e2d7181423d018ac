"""Sources: POST /v1/sources, GET/POST /v1/sources/{source}, POST /v1/sources/{source}/verify,
and the guarded transitions the customer-sources endpoints use (`attach`, `detach`,
`update_source`).

Lifecycle (Stripe's Sources guides): card and sepa_debit Sources are born `chargeable`;
receiver (ach_credit_transfer), code_verification (ach_debit) and redirect (three_d_secure)
Sources start `pending`. Attaching sets `customer`; detaching makes the Source `consumed` for
good. A consumed (or canceled, failed) Source keeps `customer` in its JSON, as Stripe's detach
response shows, but store/objects.py writes NULL in its row's customer column: customer
source lists (`objects.page(..., customer=...)`) and guarded updates expecting a customer no
longer see it.

Other types of Stripe's enum are refused (payment_method_not_available) rather than half-built.

What Stripe does to a Source on its own — a customer finishing the redirect page, a Source
expiring — is `transition`, which the control plane (control.py) calls; the redirect page
(control_redirect.py) calls `redirect_source` and `complete_redirect`.
"""
import hmac
import urllib.parse

from .. import errors, events, ids, spec, testcards, webhooks
from ..payments import defaults
from ..store import objects
from . import cards, common, source_transactions
from .source_types import MANDATE_TYPES, SOURCE_TYPES, check_mandate, no_amount

_LIVE = ("chargeable", "pending")  # the states a Source can be attached (and detached) in


def create_source(req):
    params = req.params
    type_name = _type_name(params)
    source_type = SOURCE_TYPES[type_name]
    flow = params.get("flow") or source_type.flow
    if flow != source_type.flow:
        # Invented wording: Stripe only says an incompatible value is refused.
        raise errors.invalid(f"Invalid flow: sources of type {type_name} use the "
                             f"{source_type.flow} flow.", "flow")
    usage = params.get("usage") or source_type.usages[0]
    if usage not in source_type.usages:
        raise errors.invalid(f"Invalid usage: sources of type {type_name} can only be "
                             f"{' or '.join(source_type.usages)}.", "usage")
    _refuse_unsupported(params, type_name)
    _check_return_url((params.get("redirect") or {}).get("return_url"))
    source_id = ids.new_id(ids.SOURCE)
    secret = ids.SOURCE_CLIENT_SECRET + ids.random_suffix(24)
    currency = params.get("currency")
    source = {
        "id": source_id,
        "object": "source",
        # Newer API versions show it; "unspecified" until a checkout flow says otherwise.
        "allow_redisplay": "unspecified",
        "amount": params.get("amount"),
        "client_secret": secret,
        "created": req.now,
        "currency": currency.lower() if currency else None,
        "flow": flow,
        "livemode": False,
        "metadata": common.merged_metadata({}, params),
        "owner": _owner(params.get("owner") or {}),
        # Stripe's own responses for this API version carry it (see the seed examples).
        "redaction": None,
        "statement_descriptor": params.get("statement_descriptor"),
        "status": "chargeable",
        "type": type_name,
        "usage": usage,
    }
    if usage == "single_use" and source["amount"] is None:
        raise errors.missing_param("amount")
    # The builder validates the rest and redeems a token last, once nothing else can fail.
    arrived = source_type.build(req, source, params)
    source = _ordered(source)
    objects.insert(req.db, req.account, source)
    if source.get("receiver") and source["receiver"]["amount_received"]:
        source_transactions.record(req, source, source["receiver"]["amount_received"])
    if arrived:
        events.record(req, "source.chargeable", source)
    return source


def _refuse_unsupported(params, type_name):
    """source_order (Klarna) is not emulated; `mandate` is taken by the bank debit types
    only, as Stripe's reference says it is "generally for bank debits". UNCERTAIN: whether
    Stripe refuses it on other types; here it is refused rather than silently dropped."""
    if params.get("source_order") is not None:
        raise errors.invalid("source_order is not supported by stripe_emu.", "source_order")
    if params.get("mandate") is not None and type_name not in MANDATE_TYPES:
        raise errors.invalid(f"mandate is not supported by stripe_emu for sources of type "
                             f"{type_name}: only {' and '.join(MANDATE_TYPES)} take one.",
                             "mandate")


def _check_return_url(url):
    """Where the redirect page sends the customer back must be a URL a browser can follow:
    the rule of webhook URLs (absolute, http or https)."""
    if url is None:
        return
    try:
        webhooks.check_url(url)
    except ValueError:
        # Stripe's answer for a URL parameter it cannot use, as on webhook endpoints.
        raise errors.invalid("Not a valid URL", "redirect[return_url]", "url_invalid")


def _type_name(params):
    if params.get("original_source") is not None or params.get("customer") is not None:
        raise errors.invalid("Cloning Sources (original_source, customer) is a Connect feature "
                             "that stripe_emu does not emulate.",
                             "original_source" if params.get("original_source") else "customer")
    name = params.get("type")
    if name is None:
        raise errors.missing_param("type")
    if name in SOURCE_TYPES:
        return name
    known = spec.spec()["components"]["schemas"]["source"]["properties"]["type"]["enum"]
    if name in known:
        raise errors.invalid(
            f"The payment method `{name}` is not available in stripe_emu, which emulates "
            f"Sources of type {', '.join(SOURCE_TYPES)}.", "type",
            "payment_method_not_available")
    raise errors.invalid(f"Invalid type: must be one of {', '.join(known)}", "type")


def _owner(given, current=None):
    """The owner hash: `given` fields replace the current ones; verified_* only Stripe sets."""
    owner = dict(current or dict.fromkeys(
        ("address", "email", "name", "phone", "verified_address", "verified_email",
         "verified_name", "verified_phone")))
    for field in ("email", "name", "phone"):
        if field in given:
            owner[field] = given[field]
    if "address" in given:
        owner["address"] = common.address(given["address"])
    return owner


def _ordered(source):
    """Stripe's key order: id and object, then the public fields alphabetically."""
    head = {"id": source["id"], "object": "source"}
    rest = sorted(key for key in source if key not in head)
    return {**head, **{key: source[key] for key in rest}}


# -- endpoints on one Source -------------------------------------------------------------

def retrieve_source(req, source):
    found = common.fetch(req, source, "source", "source")
    given = req.params.get("client_secret")
    # UNCERTAIN: with a publishable key the client_secret is required; a missing or wrong
    # one answers as if the Source did not exist, so ids cannot be probed from a browser.
    if (req.key_kind == "pk" or given is not None) and given != found["client_secret"]:
        raise errors.no_such("source", source)
    return found


def modify_source(req, source):
    """POST /v1/sources/{source}: owner, metadata, (not for receiver flows) amount and (for
    bank debits) mandate."""
    params = req.params
    before = common.fetch(req, source, "source", "source")
    _refuse_unsupported(params, before["type"])
    check_mandate(params.get("mandate"), before["currency"])
    amount = before["amount"]
    if "amount" in params:
        if before["flow"] == "receiver":
            no_amount(before["type"], params["amount"])
        amount = params["amount"]
    after = update_source(req, dict(before, amount=amount), params)
    if before.get("customer") and before["status"] in _LIVE and after != before:
        events.record(req, "customer.source.updated", after, previous=before)
    return after


def update_source(req, source, params):
    """Apply `owner` (address, email, name, phone) and `metadata` from `params` to `source`,
    save it and return it. Records no event: the callers do."""
    updated = dict(source)
    if "owner" in params:
        updated["owner"] = _owner(params["owner"] or {}, source["owner"])
    updated["metadata"] = common.merged_metadata(source["metadata"], params)
    objects.update(req.db, req.account, updated)
    return updated


def verify_source(req, source):
    """Code verification (ach_debit): the two test micro-deposit amounts, 32 and 45 cents.

    UNCERTAIN: a wrong attempt is not an error but a 200 with `attempts_remaining` one lower
    (so the count survives: a failed request would change nothing); the last wrong attempt
    fails the Source (source.failed). The right values make it chargeable (source.chargeable).
    """
    found = common.fetch(req, source, "source", "source")
    check = found.get("code_verification")
    # Invented wordings: Stripe's are not documented.
    if found["flow"] != "code_verification":
        raise errors.StripeError(f"The source {source} does not use the code_verification "
                                 "flow, so there is nothing to verify.")
    if check["status"] != "pending":
        raise errors.StripeError(f"The source {source} cannot be verified: its verification "
                                 f"has already {check['status']}.")
    if found["status"] != "pending":
        raise errors.StripeError(f"The source {source} cannot be verified: it is "
                                 f"{found['status']}.")
    if testcards.verify_amounts_ok(req.params["values"]):
        check = dict(check, status="succeeded")
        after = dict(found, code_verification=check, status="chargeable")
        event = "source.chargeable"
    else:
        left = check["attempts_remaining"] - 1
        check = dict(check, attempts_remaining=left, status="pending" if left else "failed")
        after = dict(found, code_verification=check, status="pending" if left else "failed")
        event = None if left else "source.failed"
    if not objects.update(req.db, req.account, after, expect={"status": "pending"}):
        raise errors.StripeError(f"The source {source} cannot be verified any more.")
    if event:
        events.record(req, event, after)
    return after


# -- transitions for the customer-sources endpoints ------------------------------------

def _refuse_attach(source):
    if source["status"] not in _LIVE:
        # Invented wording: Stripe documents the rule ("The source must be in a chargeable or
        # pending state"), not its message.
        raise errors.StripeError("The source you provided is not in a chargeable or pending "
                                 "state.", param="source")
    if source.get("customer"):
        raise errors.StripeError("The source you provided has already been attached to a "
                                 "customer.", param="source")


def attach(req, source_id, customer_id):
    """Attach Source `source_id` to `customer_id` and return it; one guarded update, so of
    concurrent attaches exactly one wins. A decline card Source fails with its 402."""
    source = objects.get(req.db, req.account, source_id)
    if source is None or source["object"] != "source":
        raise errors.no_such("source", source_id, param="source", status=400)
    _refuse_attach(source)
    declined = cards.attach_error(source)
    if declined is not None:
        raise declined
    attached = _ordered(dict(source, customer=customer_id))
    if not objects.update(req.db, req.account, attached,
                          expect={"status": _LIVE, "customer": None}):
        # Changed since it was read: what it is now says why (its guard failed, so it is no
        # longer live or has a customer).
        _refuse_attach(objects.get(req.db, req.account, source_id))
    return attached


def detach(req, source):
    """Detach an attached Source: status `consumed` for good, `customer` kept in the JSON.
    If another request detached it first: Stripe's 404 for a source the customer lacks."""
    detached = dict(source, status="consumed")
    if not objects.update(req.db, req.account, detached,
                          expect={"status": _LIVE, "customer": source.get("customer")}):
        raise common.not_linked(source.get("customer"), source["id"])
    return detached


# -- what Stripe does without an API request: the control plane and the redirect page ------

# To each status Stripe moves a Source to by itself, the statuses it moves it from. Its guides
# for single-use Sources (giropay, iDEAL, Bancontact): "A source must be used within six hours
# of becoming chargeable. If it is not, its status is automatically transitioned to canceled
# [...] Additionally, pending sources are canceled after one hour".
_MOVES = {"chargeable": ("pending",), "failed": ("pending",),
          "canceled": ("pending", "chargeable")}
# The redirect hash once the customer is done with the redirect page. UNCERTAIN: the test
# page's "Fail" is taken as a failed authentication (`declined`), and a pending Source
# canceled (never authorized in time) as the customer dropping out (`user_abort`).
_REDIRECT_OUTCOMES = {"chargeable": {"status": "succeeded"},
                      "failed": {"status": "failed", "failure_reason": "declined"},
                      "canceled": {"status": "failed", "failure_reason": "user_abort"}}


def locate(db, source_id, account=None):
    """(account, Source) for `source_id`, looked for in `account` when one is given; Stripe's
    'No such source' (404) otherwise."""
    return common.locate(db, source_id, ("source",), "source", account)


def _refuse_move(source, status):
    if status not in _MOVES:
        raise errors.invalid(f"Invalid status: must be one of {', '.join(_MOVES)}.", "status")
    current = source["status"]
    if current in _MOVES[status] and (current == "pending" or source["usage"] == "single_use"):
        return
    # Invented wording: Stripe has no such endpoint.
    which = ("a pending source, or an unused chargeable single-use one, can be canceled"
             if status == "canceled" else f"a pending source can become {status}")
    raise errors.StripeError(f"The source {source['id']} is {current}: only {which}.",
                             param="status")


def transition(app, db, account, source, status):
    """Move `source` (read from `account` in the write transaction `db`) to `status` as Stripe
    does by itself, and record source.<status> with a null request. The moves are Stripe's:
    a pending Source becomes chargeable, failed or canceled; an unused chargeable single-use
    one is canceled (it expired). One guarded update: of concurrent moves, one wins. A Source
    that fails or is canceled leaves its customer, whose default then moves on as when a
    source is deleted."""
    _refuse_move(source, status)
    moved = dict(source, status=status)
    redirect = source.get("redirect")
    if redirect and redirect["status"] == "pending":
        moved["redirect"] = dict(sorted({**redirect, **_REDIRECT_OUTCOMES[status]}.items()))
    check = source.get("code_verification")
    if check and check["status"] == "pending" and status != "canceled":
        moved["code_verification"] = dict(
            check, status="succeeded" if status == "chargeable" else "failed")
    if status == "chargeable" and source["type"] == "three_d_secure":
        moved["three_d_secure"] = dict(source["three_d_secure"], authenticated=True)
    if not objects.update(db, account, moved, expect={"status": source["status"]}):
        now = objects.get(db, account, source["id"])
        _refuse_move(now, status)
        raise errors.StripeError(f"The source {source['id']} became {now['status']} meanwhile: "
                                 "retrieve it and try again.", param="status")
    change = events.by_stripe(app, db, account)
    events.record(change, f"source.{status}", moved)
    if source.get("customer") and status != "chargeable":
        defaults.promote_next_default(change, objects.get(db, account, source["customer"]),
                             source["id"])
    return moved


def redirect_source(db, source_id, client_secret):
    """(account, Source) named by a redirect page's URL. An unknown id, a Source without a
    redirect and a wrong client_secret all answer 'No such source': ids are not secret."""
    account, found = locate(db, source_id)
    if found.get("redirect") is None or not isinstance(client_secret, str) or \
            not hmac.compare_digest(client_secret.encode(), found["client_secret"].encode()):
        raise errors.no_such("source", source_id)
    return account, found


def complete_redirect(app, db, account, source, authorized):
    """The customer's choice on the redirect page. UNCERTAIN: a redirect already completed (a
    reload, the back button, an expired Source) changes nothing and just returns."""
    if source["status"] != "pending" or source["redirect"]["status"] != "pending":
        return source
    return transition(app, db, account, source, "chargeable" if authorized else "failed")


def return_url(source):
    """Where the redirect page sends the customer back: redirect[return_url] with the GET
    parameters Stripe's Sources guides list (source, livemode, client_secret), which replace
    any of the same name. (redirect_status is a PaymentIntents parameter, not a Sources one.)"""
    url = urllib.parse.urlsplit(source["redirect"]["return_url"])
    ours = {"client_secret": source["client_secret"], "livemode": "false",
            "source": source["id"]}
    kept = [(name, value) for name, value in urllib.parse.parse_qsl(
        url.query, keep_blank_values=True) if name not in ours]
    return urllib.parse.urlunsplit(url._replace(
        query=urllib.parse.urlencode(kept + list(ours.items()))))
