"""Balance transactions and the balance: a transaction for every captured charge and every
refund, with the fees test mode computes, and the account's balance summed from them.

Pending → available is derived at read time from `available_on` and the app's clock
(`as_of`), never written: a test that moves the clock sees funds become available on its
next read, and no request pays for a sweep. A stored transaction keeps `status` as it was
at creation; everything that shows one (the balance_transactions endpoints, expansion,
`GET /v1/balance`) passes it through `as_of`.
"""
import datetime

from .. import ids
from ..store import objects
from ..store import payments as store

TXN = "txn_"
DAY = 24 * 60 * 60
# UNCERTAIN: test mode shows US card funds available at a UTC midnight some days after the
# charge (observed 2 to 7); two days, rounded up to the next midnight, as a new US account.
PENDING_DAYS = 2
# Stripe's balance transaction types for what moves money here, and their reporting category.
_CATEGORIES = {"charge": "charge", "payment": "charge", "refund": "refund",
               "payment_refund": "refund", "refund_failure": "refund_failure"}
_PAYMENTS = ("charge", "payment")
# Test-mode fees, as US pricing: cards 2.9% + 30¢ (observed in test-mode balance
# transactions: 2000 → 88), ACH and SEPA debits 0.8% capped at $5 (UNCERTAIN in test mode).
_CARD_RATE, _CARD_FIXED = 0.029, 30
_BANK_RATE, _BANK_CAP = 0.008, 500


def fee(amount, source_type):
    """Stripe's processing fee on a payment of `amount` (minor units), rounded half up."""
    if source_type == "card":
        return int(amount * _CARD_RATE + 0.5) + _CARD_FIXED
    return min(int(amount * _BANK_RATE + 0.5), _BANK_CAP)


def available_on(created):
    """When a payment made at `created` becomes available: midnight UTC after PENDING_DAYS."""
    day = datetime.datetime.fromtimestamp(created + PENDING_DAYS * DAY, datetime.timezone.utc)
    midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
    stamp = int(midnight.timestamp())
    return stamp if stamp == created + PENDING_DAYS * DAY else stamp + DAY


def record(req, *, source, amount, currency, kind, source_type, description=None,
           at_once=False, fee_on=None, category=None, available=None):
    """Store the balance transaction of `source` (a charge or refund id) and return it.
    `kind` is Stripe's type (a key of _CATEGORIES), `category` its reporting_category when
    not the type's own; `source_type` the balance's bucket (card, bank_account). Payments
    pay the fee (on `fee_on` when given, else on `amount`) and wait for available_on unless
    `at_once` (4000000000000077); refunds (negative amounts) and a failed refund's return
    are available at once (or at `available`, a timestamp) and pay no fee (UNCERTAIN: what
    Stripe does with fees on refunds)."""
    paid = kind in _PAYMENTS
    charged = fee(amount if fee_on is None else fee_on, source_type) if paid else 0
    when = available_on(req.now) if paid and not at_once else (available or req.now)
    txn = {
        "id": ids.new_id(TXN),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": when,
        "created": req.now,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": charged,
        "fee_details": [{"amount": charged, "application": None, "currency": currency,
                         "description": "Stripe processing fees", "type": "stripe_fee"}]
        if charged else [],
        "net": amount - charged,
        "reporting_category": category or _CATEGORIES[kind],
        "source": source,
        "status": "available" if when <= req.now else "pending",
        "type": kind,
        "_source_type": source_type,
    }
    objects.insert(req.db, req.account, txn)
    return txn


def as_of(txn, now):
    """`txn` as shown at `now`: available once its available_on has come."""
    if txn.get("status") == "pending" and txn["available_on"] <= now:
        return dict(txn, status="available")
    return txn


def balance(req):
    """The account's balance object at the request's time, summed per currency and source
    type: available (available_on reached) and pending. An account that never moved money
    shows zero dollars, as a new US account does."""
    sums = {"available": {}, "pending": {}}
    for row in store.balance_sums(req.db, req.account, req.now):
        bucket = sums["available" if row["available"] else "pending"]
        types = bucket.setdefault(row["currency"], {})
        types[row["source_type"]] = types.get(row["source_type"], 0) + row["net"]
    # Both lists name every currency that moved (zero where none is), usd on a new account.
    currencies = (sums["available"].keys() | sums["pending"].keys()) or {"usd"}
    for bucket in sums.values():
        for currency in currencies:
            bucket.setdefault(currency, {"card": 0})

    def amounts(bucket):
        return [{"amount": sum(types.values()), "currency": currency,
                 "source_types": dict(sorted(types.items()))}
                for currency, types in sorted(bucket.items())]
    return {"object": "balance", "available": amounts(sums["available"]),
            "connect_reserved": [{"amount": 0, "currency": currency}
                                 for currency in sorted(sums["available"])],
            "livemode": False, "pending": amounts(sums["pending"])}
