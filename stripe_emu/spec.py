"""Stripe's published OpenAPI description, read once per process.

The emulator takes from it what Stripe itself publishes rather than retyping it: which
parameters each operation accepts and their types (params.py checks requests against
`request_schema`), and which fields of each object can be expanded (expand.py). Where Stripe
takes more than the bundled 2023-08-16 spec says, the tables below complete the spec, each
entry typed like the spec's own. The file is immutable data, so a process-wide cache is not
shared state.
"""
import copy
import functools
import json
import re
from pathlib import Path

from . import api_versions

SPEC_PATH = Path(__file__).resolve().parent / "spec3.subset.json"
API_VERSION = "2023-08-16"
# A well-formed API version (api_versions.py has the released ones). `pattern`s here are
# matched against the whole value (params.py uses re.fullmatch).
API_VERSION_PATTERN = api_versions.PATTERN
# Every event type Stripe has, and `*` for all of them (see the file's header).
EVENT_TYPES_PATH = Path(__file__).resolve().parent / "event_types.txt"
# Marks the hash of a payment method's details (`card` on POST /v1/sources): params.py
# reports its unknown fields in Stripe's words for payment methods.
PAYMENT_METHOD = "x-stripeEmuPaymentMethod"
# Marks a string that must name an API version Stripe takes (api_versions.accepted).
API_VERSION_VALUE = "x-stripeEmuApiVersion"
# The last segment of the paths whose POST creates an object (POST /v1/customers,
# /v1/customers/{customer}/sources...), rather than updating one or acting on it.
CREATED = frozenset({"customers", "sources", "cards", "bank_accounts", "tax_ids",
                     "balance_transactions", "tokens", "webhook_endpoints", "charges",
                     "refunds", "payment_methods", "setup_intents", "payment_intents"})
_EXPAND = {"type": "array", "items": {"type": "string", "maxLength": 5000}}
_STRING = {"type": "string", "maxLength": 5000}
_BOOLEAN = {"type": "boolean"}


@functools.lru_cache(maxsize=1)
def spec():
    return json.loads(SPEC_PATH.read_text())


def resolve(schema):
    while "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _hash_of(method, template, param):
    """The hash form of an operation's parameter (the object branch of its anyOf)."""
    schema = _spec_parameters(method, template)[0][param]
    return next(option for option in schema["anyOf"] if option.get("type") == "object")


def _source_hash(spec_schema):
    # `source` is typed a string (x-stripeBypassValidation), yet Stripe takes a card's or a
    # bank account's details in it, as in the legacy `card` and `bank_account` hashes.
    path = "/v1/customers/{customer}/sources"
    return {"anyOf": [spec_schema, _hash_of("post", path, "card"),
                      _hash_of("post", path, "bank_account")]}


def _strings(*fields):
    return {"type": "object", "properties": {field: _STRING for field in fields}}


def _optional_name(length):
    return {"anyOf": [{"type": "string", "maxLength": length}, {"type": "string", "enum": [""]}]}


def _payment_method(name, schema):
    """`schema` (or what the callable makes of the spec's) as the hash of payment method
    `name`'s details."""
    return lambda spec_schema: {**(schema(spec_schema) if callable(schema) else schema),
                                PAYMENT_METHOD: name}


_CUSTOMER_SOURCE_PATHS = [f"/v1/customers/{{customer}}/{kind}"
                          for kind in ("sources", "cards", "bank_accounts")]

# Hashes Stripe takes but the spec leaves untyped: `source` as details (above), and on
# POST /v1/sources the hash named after the Source's type, with the fields Stripe's Sources
# guides list (the card fields are those of a card token). A callable is evaluated lazily.
_UNTYPED = {
    **{("post", path): {"source": _source_hash}
       for path in ["/v1/customers", "/v1/customers/{customer}", *_CUSTOMER_SOURCE_PATHS]},
    ("post", "/v1/sources"): {
        name: _payment_method(name, schema) for name, schema in (
            ("card", lambda _: _hash_of("post", "/v1/tokens", "card")),
            ("sepa_debit", _strings("iban")),
            ("three_d_secure", _strings("card", "customer")),
            ("ach_debit", _strings("account_number", "routing_number", "account_holder_type",
                                   "country")))},
}

# Charges: `source` takes a raw card hash too (the legacy `card` hash's fields), and the
# strings the spec leaves unbounded are held to the 5000 characters the charge shows.
_TEXT_5000 = {"type": "string", "maxLength": 5000}
_UNTYPED.update({
    ("post", "/v1/charges"): {
        "source": lambda given: {"anyOf": [given, _hash_of("post", "/v1/charges", "card")]},
        "receipt_email": _TEXT_5000, "transfer_group": _TEXT_5000},
    ("post", "/v1/charges/{charge}"): {"transfer_group": _TEXT_5000},
})

# Parameters that current clients send and the bundled spec does not list yet, typed as in
# Stripe's current API reference.
_NEWER = {
    ("post", "/v1/customers"): {
        "business_name": _optional_name(150), "individual_name": _optional_name(150),
        "validate": _BOOLEAN,
        "tax[validate_location]": {"type": "string", "enum": ["deferred", "immediately"]},
        "invoice_settings[rendering_options][template]": _STRING},
    ("post", "/v1/customers/{customer}"): {
        "business_name": _optional_name(150), "individual_name": _optional_name(150),
        "validate": _BOOLEAN,
        "tax[validate_location]": {"type": "string",
                                   "enum": ["auto", "deferred", "immediately"]},
        "invoice_settings[rendering_options][template]": _STRING},
    **{("post", path): {"validate": _BOOLEAN} for path in _CUSTOMER_SOURCE_PATHS},
    ("post", "/v1/tokens"): {
        "card[networks][preferred]": {"type": "string",
                                      "enum": ["cartes_bancaires", "mastercard", "visa"]}},
}

# The spec enumerates the API versions and event types that existed in 2023; Stripe takes
# the ones it knows today: the event types it has added since (event_types.txt), and the API
# versions the Stripe-Version header takes (released, or newer than the package knows).
_EVENT_TYPES = {"type": "array", "items": {"type": "string", "maxLength": 5000, "enum": [
    line for line in EVENT_TYPES_PATH.read_text().splitlines()
    if line and not line.startswith("#")]}}
_RELAXED = {
    ("post", "/v1/webhook_endpoints"): {
        "api_version": {"type": "string", "maxLength": 5000, "pattern": API_VERSION_PATTERN,
                        API_VERSION_VALUE: True},
        "enabled_events": _EVENT_TYPES},
    ("post", "/v1/webhook_endpoints/{webhook_endpoint}"): {"enabled_events": _EVENT_TYPES},
}


@functools.lru_cache(maxsize=None)
def _spec_parameters(method, template):
    """({name: schema}, [required names]) of one operation as the spec lists them."""
    operation = spec()["paths"][template][method.lower()]
    body = operation.get("requestBody", {}).get("content", {})
    form = body.get("application/x-www-form-urlencoded", {}).get("schema", {})
    properties, required = dict(form.get("properties", {})), list(form.get("required", []))
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            properties[parameter["name"]] = parameter["schema"]
            if parameter.get("required"):
                required.append(parameter["name"])
    return properties, required


@functools.lru_cache(maxsize=None)
def request_schema(method, template):
    """The parameters of one operation as one object schema: the form body of a POST, or the
    query parameters of a GET (and of a DELETE, whose parameters clients send in the query)."""
    properties, required = _spec_parameters(method, template)
    properties = dict(properties)
    for table in (_UNTYPED, _NEWER, _RELAXED):
        for path, schema in table.get((method.lower(), template), {}).items():
            _put(properties, re.findall(r"[^\[\]]+", path), schema)
    # "This parameter is available on all API requests" (Stripe's expand docs), even where
    # the spec leaves it out, as on DELETE /v1/customers/{customer}.
    properties.setdefault("expand", _EXPAND)
    return {"type": "object", "properties": properties, "required": list(required)}


def _put(properties, names, schema):
    """Set the schema of the parameter named by `names` (a[b][c] → [a, b, c]) in
    `properties`, copying the spec's schemas on the way rather than changing them; a callable
    `schema` is given the spec's schema it replaces."""
    name, rest = names[0], names[1:]
    if not rest:
        properties[name] = schema(properties.get(name)) if callable(schema) else schema
        return
    child = properties[name] = copy.deepcopy(resolve(properties.get(name, {"type": "object"})))
    for option in child.get("anyOf", [child]):
        if option.get("type") == "object":
            _put(option.setdefault("properties", {}), rest, schema)
