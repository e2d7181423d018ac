"""Tokens: POST /v1/tokens, GET /v1/tokens/{token}, and redeeming a token where a card or
bank account is accepted (`tokens.redeem`).

A stored token keeps the object it stands for twice: as the token shows it (`card` or
`bank_account`: no customer, checks "unchecked") and, under the internal `_object`, as it
becomes once used (same id, checks performed). Its `used` flag is mirrored in the row's
status column ("unused"/"used") so redeeming is one guarded update: of two concurrent
redeems exactly one succeeds.

Magic test tokens (tok_visa, btok_us, ... see testcards) are not stored: each use mints a
fresh card or bank account, so they can be used any number of times.
"""
from .. import errors, ids, testcards
from ..store import objects
from . import cards

# Parameters of POST /v1/tokens for objects stripe_emu does not emulate (Connect, PII).
_UNSUPPORTED = {
    "account": "Account tokens are for Connect, which stripe_emu does not emulate.",
    "person": "Person tokens are for Connect, which stripe_emu does not emulate.",
    "pii": "PII tokens are not supported by stripe_emu.",
    "cvc_update": "CVC update tokens are not supported by stripe_emu.",
    "customer": "Tokens for a customer's card (Connect card sharing) are not supported by "
                "stripe_emu.",
}


def create_token(req):
    params = req.params
    for param, message in _UNSUPPORTED.items():
        if params.get(param) is not None:
            raise errors.invalid(message, param)
    card, bank = params.get("card"), params.get("bank_account")
    if card is not None and bank is not None:
        # Invented wording: a token stands for one object.
        raise errors.invalid("You cannot create a token for both a card and a bank account: "
                             "pass only one of card and bank_account.", "card")
    if isinstance(card, dict):
        obj = _card(req, card)
    elif card is not None:
        raise errors.invalid("Creating a token from an existing card id is not supported by "
                             "stripe_emu: pass the card's details as card[number], "
                             "card[exp_month], card[exp_year] and card[cvc].", "card")
    elif bank is not None:
        obj = _bank_account(req, bank)
    else:
        raise errors.invalid("You must supply either a card, customer, PII data, bank account, "
                             "or account legal entity to create a token.")
    token = _token(req, obj)
    objects.insert(req.db, req.account, token)
    return token


def _card(req, given):
    new_card = cards.card_from_hash(req, given, "card")
    if given.get("currency") is not None:
        raise errors.invalid("card[currency] applies to Connect payout cards, which stripe_emu "
                             "does not emulate.", "card[currency]")
    return cards.card_object(req, new_card, given)


def _bank_account(req, given):
    country = (given.get("country") or "").upper()
    currency = given.get("currency") or ("usd" if country == "US" else None)
    if currency is None:
        raise errors.missing_param("bank_account[currency]")
    profile = testcards.bank_profile(given.get("routing_number"), given.get("account_number"),
                                     country, currency)
    return cards.bank_account_object(req, profile, given)


def _token(req, obj, token_id=None):
    """The token standing for `obj` (a card or bank_account dict), with a new id unless
    `token_id` is given (a magic token shows its own)."""
    kind = obj["object"]
    return {
        "id": token_id or ids.new_id(ids.CARD_TOKEN if kind == "card" else ids.BANK_TOKEN),
        "object": "token",
        kind: _as_tokenized(obj),
        # "IP address of the client that generates the token."
        "client_ip": req.client_ip,
        "created": req.now,
        "livemode": False,
        "type": kind,
        "used": False,
        "_object": obj,
    }


def _as_tokenized(obj):
    """The object as a token shows it: no customer, no internal keys, and a check that will
    run when the card is saved shows "unchecked" (Stripe's token samples)."""
    return cards.unchecked({key: value for key, value in obj.items()
                            if key != "customer" and not key.startswith("_")})


def retrieve_token(req, token):
    magic = _magic(req, token)
    if magic is not None:
        # UNCERTAIN: Stripe's magic test tokens can be retrieved; each retrieval here shows
        # the fresh card the token would mint, unused.
        return _token(req, magic, token_id=token)
    found = objects.get(req.db, req.account, token)
    if found is None or found["object"] != "token":
        raise errors.no_such("token", token)
    return found


def _magic(req, token_id):
    """A fresh card or bank account for a magic test token, or None."""
    new_card = testcards.magic_token(token_id, cards.today(req))
    if new_card is not None:
        return cards.card_object(req, new_card)
    profile = testcards.bank_token(token_id)
    if profile is not None:
        return cards.bank_account_object(req, profile)
    return None


def redeem(req, token_id, param="source"):
    """The card or bank_account dict `token_id` stands for, ready to be stored by the caller.

    A magic test token mints a fresh object (a new id each time). A token created through
    POST /v1/tokens is marked used by a guarded update and yields its object with the id the
    token showed. Errors: 400 "No such token: '...'" (param `param`) for an id this account
    does not have, 400 token_already_used for a used token.
    """
    magic = _magic(req, token_id)
    if magic is not None:
        return magic
    token = objects.get(req.db, req.account, token_id)
    if token is None or token["object"] != "token":
        raise errors.no_such("token", token_id, param=param, status=400)
    used = dict(token, used=True)
    if token["used"] or not objects.update(req.db, req.account, used,
                                           expect={"status": "unused"}):
        raise errors.StripeError(f"You cannot use a Stripe token more than once: {token_id}.",
                                 code="token_already_used", param=param)
    return dict(token["_object"])
