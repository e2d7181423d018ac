"""Stripe's Search Query Language (https://docs.stripe.com/search): query text → clauses.

Pure: a query string and a resource's query fields in, `Clause`s and the combinator joining
them out, or the error Stripe answers (always naming the `query` parameter). Matching the
clauses against stored objects is the store's business (store/objects.py:search).

The language, as documented: a clause is `field`, an operator, a value (`email:"a@b.co"`,
`created>1620310503`, `metadata["key"]:"value"`); `-` before a clause negates it; clauses are
separated by whitespace (meaning AND) or by AND / OR (any case), never both AND and OR in one
query, no parentheses; string values are quoted ("…" or '…', backslash escapes the next
character), numbers may be bare; `null` (any case, unquoted) stands for "no value".
"""
import base64
import binascii
import dataclasses
import re

from . import errors
from .store.db import SQLITE_INTEGERS

# A field's type decides its operators: token (exact, case-insensitive), string (exact words
# or substring, case-insensitive), numeric (exact and comparisons).
NUMERIC, STRING, TOKEN = "numeric", "string", "token"
OPERATORS = {NUMERIC: (":", ">", "<", ">=", "<="), STRING: (":", "~"), TOKEN: (":",)}
CUSTOMER_FIELDS = {"created": NUMERIC, "email": STRING, "metadata": TOKEN, "name": STRING,
                   "phone": STRING}
# docs.stripe.com/search#query-fields-for-charges; the booleans (disputed, refunded) take
# "true" / "false" as tokens.
_CARD = "payment_method_details.card."
CHARGE_FIELDS = {"amount": NUMERIC, "billing_details.address.postal_code": STRING,
                 "created": NUMERIC, "currency": STRING, "customer": STRING,
                 "disputed": TOKEN, "metadata": TOKEN, _CARD + "brand": STRING,
                 _CARD + "exp_month": NUMERIC, _CARD + "exp_year": NUMERIC,
                 _CARD + "fingerprint": STRING, _CARD + "last4": STRING, "refunded": TOKEN,
                 "status": STRING}
# UNCERTAIN: the 10-clause cap is from Stripe's current docs ("You can combine up to 10 query
# clauses"); the docs of the spec's era do not state it.
MAX_CLAUSES = 10
SUBSTRING_MIN_LENGTH = 3

_SPACE = re.compile(r"\s+")
_CONNECTOR = re.compile(r"(and|or)(?=\s)", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_OPERATOR = re.compile(r">=|<=|[:~<>]")
_QUOTED = {'"': re.compile(r'"((?:[^"\\]|\\.)*)"', re.DOTALL),
           "'": re.compile(r"'((?:[^'\\]|\\.)*)'", re.DOTALL)}
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_BARE = re.compile(r"\S+")
# ASCII digits only: \d would take other scripts' digits, which Stripe does not.
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_SEQ = re.compile(r"[0-9]{1,19}")
_PAGE_PREFIX = "seq:"
# What SQLite's 64-bit integers hold (`created` is one): numbers beyond it match nothing.


@dataclasses.dataclass(frozen=True)
class Clause:
    field: str
    kind: str       # NUMERIC, STRING or TOKEN
    operator: str   # ":", "~", ">", "<", ">=" or "<="
    value: object   # str; int or float for numeric fields; None for the `null` token
    key: str | None = None  # the key of metadata["key"]
    negated: bool = False


def parse(query, fields, resource):
    """(clauses, "AND" | "OR") for `query`, checked against `fields` ({name: type}) of
    `resource` (Stripe's plural name, e.g. "customers"). Syntax is checked before fields."""
    text = query.strip()
    raw, joins, pos = [], set(), 0
    while True:
        clause, pos = _clause(text, pos)
        raw.append(clause)
        if pos == len(text):
            break
        gap = _SPACE.match(text, pos)
        if gap is None:
            raise _unparsable()
        connector = _CONNECTOR.match(text, gap.end())
        joins.add(connector.group(1).upper() if connector else "AND")
        pos = _SPACE.match(text, connector.end()).end() if connector else gap.end()
    if len(joins) > 1:
        # UNCERTAIN wording: the docs' rule ("AND and OR operators are mutually exclusive").
        raise _unparsable("You can't combine AND and OR in the same query.")
    if len(raw) > MAX_CLAUSES:
        raise _unparsable(f"You can combine up to {MAX_CLAUSES} query clauses in a search.")
    combinator = joins.pop() if joins else "AND"
    return [_checked(clause, fields, resource) for clause in raw], combinator


def _clause(text, pos):
    """One clause at `pos`, unchecked: (field, key, operator, value, negated)."""
    negated = text.startswith("-", pos)
    pos += 1 if negated else 0
    key = None
    if text.startswith("metadata[", pos):
        key, pos = _quoted(text, pos + len("metadata["))
        if not text.startswith("]", pos):
            raise _unparsable()
        field, pos = "metadata", pos + 1
    else:
        name = _NAME.match(text, pos)
        if name is None:
            raise _unparsable()
        field, pos = name.group(), name.end()
    operator = _OPERATOR.match(text, pos)
    if operator is None:
        raise _unparsable()
    pos = operator.end()
    if text[pos:pos + 1] in _QUOTED:
        value, pos = _quoted(text, pos)
        return (field, key, operator.group(), value, negated), pos
    bare = _BARE.match(text, pos)
    if bare is None:
        raise _unparsable()
    value = None if bare.group().lower() == "null" else bare.group()
    if value is not None and not _NUMBER.fullmatch(value):
        raise _unparsable()  # "You must use quotation marks around string values."
    return (field, key, operator.group(), value, negated), bare.end()


def _quoted(text, pos):
    """The unescaped string quoted at `pos`, and the position after its closing quote."""
    found = _QUOTED.get(text[pos:pos + 1])
    found = found and found.match(text, pos)
    if not found:
        raise _unparsable()
    return _ESCAPE.sub(r"\1", found.group(1)), found.end()


def _checked(raw, fields, resource):
    field, key, operator, value, negated = raw
    if field == "metadata" and key is None:
        raise _unparsable()  # metadata is searched by key: metadata["key"]
    kind = fields.get(field)
    if kind is None:
        # Stripe's wording as stripe-ruby-mock reproduces it (not confirmed against Stripe).
        raise errors.invalid(
            f"Field `{field}` is an unsupported search field for resource `{resource}`. See "
            f"http://stripe.com/docs/search#query-fields-for-{resource.replace('_', '-')} "
            "for a list of supported fields.", "query")
    # UNCERTAIN wording below: the docs only say such queries return an error.
    if operator not in OPERATORS[kind] or (value is None and operator != ":"):
        raise errors.invalid(f"Field `{field}` does not support the `{operator}` operator"
                             + (" with `null`." if operator in OPERATORS[kind] else "."),
                             "query")
    if kind == NUMERIC and value is not None:
        if not _NUMBER.fullmatch(value.strip()):
            raise errors.invalid(f"Field `{field}` takes numeric values, but the query gave "
                                 f"`{value}`.", "query")
        number = _number(value.strip())
        if number is None:
            # UNCERTAIN wording: Stripe's answer to a number beyond 64 bits was not found.
            raise errors.invalid(f"Field `{field}` takes numbers from {SQLITE_INTEGERS.start} to "
                                 f"{SQLITE_INTEGERS.stop - 1}, but the query gave `{value}`.",
                                 "query")
        value = number
    if operator == "~" and len(value.strip()) < SUBSTRING_MIN_LENGTH:
        raise errors.invalid(f"Substring matching (`~`) on `{field}` needs a value of at least "
                             f"{SUBSTRING_MIN_LENGTH} characters, but the query gave "
                             f"`{value}`.", "query")
    return Clause(field, kind, operator, value, key, negated)


def _number(text):
    """`text` (a _NUMBER) as an int or a float, or None beyond SQLite's 64-bit integers. More
    than 19 significant digits are out of range uncounted (int() refuses thousands)."""
    if "." in text:
        number = float(text)
    elif len(text.lstrip("-").lstrip("0")) <= 19:
        number = int(text)
    else:
        return None
    return number if SQLITE_INTEGERS.start <= number < SQLITE_INTEGERS.stop else None


def _unparsable(detail=None):
    # The first sentence is Stripe's (as stripe-ruby-mock reproduces it); UNCERTAIN whether
    # Stripe adds a reason, so one is given only where the docs state the broken rule.
    hint = detail or ('Try using the format `metadata["key"]:"value"` to query for metadata '
                      'or key:"value" to query for other fields.')
    return errors.invalid(f"We were unable to parse your search query. {hint}", "query")


def page_token(seq):
    """The opaque `next_page` naming the position after the object stored at `seq`."""
    return base64.urlsafe_b64encode(f"{_PAGE_PREFIX}{seq}".encode()).decode().rstrip("=")


def page_seq(token):
    """The position a `page` token names, or Stripe's error for a token it never gave."""
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    seq = text[len(_PAGE_PREFIX):]
    if not text.startswith(_PAGE_PREFIX) or not _SEQ.fullmatch(seq) \
            or int(seq) not in SQLITE_INTEGERS:
        # UNCERTAIN wording: Stripe's answer to a forged page token was not found.
        raise errors.invalid(f"Invalid page: {token}. Pass the next_page value of a previous "
                             "search result, unchanged.", "page")
    return int(seq)
