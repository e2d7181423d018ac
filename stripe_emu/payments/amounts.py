"""Amounts and currencies: which currencies Stripe takes, their minor units, the minimum and
maximum charge amounts, and money written as Stripe's messages write it ("$0.50").

Pure data and functions; errors come from `errors.py`, ready to raise.
"""
from .. import errors

# Stripe's presentment currencies (docs.stripe.com/currencies), in the order of its
# "Invalid currency" message: usd first, then alphabetical.
CURRENCIES = (
    "usd aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bif bmd bnd bob brl bsd bwp "
    "byn bzd cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel "
    "gip gmd gnf gtq gyd hkd hnl htg huf idr ils inr isk jmd jpy kes kgs khr kmf krw kyd kzt "
    "lak lbp lkr lrd lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok "
    "npr nzd pab pen pgk php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos "
    "srd std szl thb tjs top try ttd twd tzs uah ugx uyu uzs vnd vuv wst xaf xcd xof xpf yer "
    "zar zmw").split()
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
# Minimum charge amounts in minor units (docs.stripe.com/currencies#minimum-and-maximum-charge-
# amounts). UNCERTAIN: other currencies must "convert to at least $0.50", which needs
# exchange rates the emulator does not have: they only need a positive amount here.
MINIMUMS = {"usd": 50, "aud": 50, "brl": 50, "cad": 50, "chf": 50, "dkk": 250, "eur": 50,
            "gbp": 30, "hkd": 400, "inr": 50, "jpy": 50, "mxn": 1000, "myr": 200, "nok": 300,
            "nzd": 50, "pln": 200, "sek": 300, "sgd": 50}
# "Amount must be no more than $999,999.99": eight digits of minor units.
MAXIMUM = 99_999_999
_SYMBOLS = {"usd": "$", "aud": "$", "cad": "$", "hkd": "$", "mxn": "$", "nzd": "$",
            "sgd": "$", "brl": "R$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹"}


def currency(value, param="currency"):
    """The currency, lower-cased, or Stripe's 400 for one it does not support. UNCERTAIN:
    Stripe takes upper-case codes too (its clients send lower case)."""
    code = (value or "").lower()
    if code not in CURRENCIES:
        raise errors.invalid(f"Invalid currency: {code}. Stripe currently supports these "
                             f"currencies: {', '.join(CURRENCIES)}", param)
    return code


def money(amount, currency_code):
    """`amount` minor units as Stripe's messages write it: "$1.50", "€0.50", "¥50", and
    "1.50 dkk"-style digits with no symbol for currencies without a known one."""
    symbol = _SYMBOLS.get(currency_code, "")
    if currency_code in ZERO_DECIMAL:
        return f"{symbol}{amount:,}"
    return f"{symbol}{amount / 100:,.2f}"


def positive(amount, param="amount"):
    """`amount` if it is a positive integer, else Stripe's "Invalid positive integer"."""
    if amount is None or amount <= 0:
        # UNCERTAIN: the code; the message and param are observed.
        raise errors.invalid("Invalid positive integer", param, "parameter_invalid_integer")
    return amount


def charge_amount(amount, currency_code, param="amount"):
    """Check a charge's amount in `currency_code` (already checked): positive, at least the
    currency's minimum, at most eight digits."""
    positive(amount, param)
    minimum = MINIMUMS.get(currency_code)
    if minimum is not None and amount < minimum:
        raise errors.invalid(f"Amount must be at least {money(minimum, currency_code)} "
                             f"{currency_code}", param, "amount_too_small")
    if amount > MAXIMUM:
        # UNCERTAIN: the sentence integrations quote and match exactly (unlike the minimum's,
        # with no currency code after it), as Stripe-copying mocks answer it too.
        raise errors.invalid(f"Amount must be no more than {money(MAXIMUM, currency_code)}",
                             param, "amount_too_large")
    return amount
