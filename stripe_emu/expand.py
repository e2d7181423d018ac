"""Rendering a handler's result: internal keys dropped, `expand[]` paths applied.

What can be expanded comes from Stripe's spec. A path is checked before anything is loaded,
against the schema of the operation's response: each of its fields must be in the
`x-expandableFields` of a schema the previous field can hold (a list's items are reached
through `data`, which counts as a level). Then the result is walked: an id in an expandable
field is replaced by the object it names (a deleted customer as its stub), an embedded object
(token.card, event.data) is walked into, and a field Stripe includes only on request
(customer.sources) is computed by the resource that owns it.
"""
import functools
import importlib

from . import errors, spec
from .store import objects

MAX_DEPTH = 4


def _no_objects(kind):
    """A customer sub-list of objects the emulator does not keep: always empty."""
    return lambda req, customer: {"object": "list", "data": [], "has_more": False,
                                  "url": f"/v1/customers/{customer['id']}/{kind}"}


# (object, field) → what computes a field Stripe includes only on request: a function, or
# "module:function" for one in a module that imports this one.
_INCLUDED = {("customer", "sources"): "resources.payment_sources:customer_sources_list",
             ("customer", "subscriptions"): _no_objects("subscriptions"),
             ("customer", "tax_ids"): "resources.tax_ids:customer_tax_ids_list",
             ("charge", "refunds"): "resources.charges:charge_refunds_list",
             ("customer", "tax"): "resources.customers:customer_tax",
             ("customer", "cash_balance"): "resources.customers:customer_cash_balance"}
# object → "module:function" (obj, now) showing a loaded object as it is at the request's
# time: a balance transaction's pending funds become available on the app's clock.
_AS_OF = {"balance_transaction": "payments.balance:as_of"}


def present(obj):
    """A stored object as the API shows it."""
    if obj.get("deleted") and obj.get("object") == "customer":
        return {"id": obj["id"], "object": "customer", "deleted": True}
    # Most objects keep nothing of their own ("_" fields): a copy, without testing each key.
    for key in obj:
        if key[:1] == "_":
            return {key: value for key, value in obj.items() if key[:1] != "_"}
    return obj.copy()


# Before API version 2020-08-27 Stripe embedded these in every customer unasked.
_EMBEDDED_BEFORE = ("2020-08-27", ("sources", "subscriptions", "tax_ids"))


def _implied(req, result):
    """What older API versions expand without being asked."""
    version, fields = _EMBEDDED_BEFORE
    if req.api_version >= version:
        return []
    if result.get("object") == "customer" and not result.get("deleted"):
        return list(fields)
    if result.get("object") == "list" and req.template == "/v1/customers":
        return [f"data.{field}" for field in fields]
    return []


def apply(req, result, paths):
    result = present(result)
    paths = [*paths, *_implied(req, result)]
    # A search result counts its matches only when asked (expand[]=total_count), a field the
    # spec lists nowhere as expandable: the search handler answers it.
    paths = [path for path in paths if path is not None
             and not (path == "total_count" and result.get("object") == "search_result")]
    if not paths:
        return result
    for path in paths:
        _check(req.method, req.template, path)
    schemas = _response_schemas(req.method, req.template)
    for path in paths:
        result = _walk(req, result, schemas, path.split("."))
    return result


def _check(method, template, path):
    parts = path.split(".")
    if len(parts) > MAX_DEPTH:
        raise errors.invalid(f"You cannot expand more than {MAX_DEPTH} levels of a property.",
                             code="property_expansion_max_depth")
    if _valid(method, template, path):
        return
    hint = ""
    if parts[0] != "data" and any(schema.get("properties", {}).get("object", {}).get("enum")
                                  == ["list"] for schema in _response_schemas(method, template)):
        hint = f" You may want to try expanding 'data.{path}' instead."
    raise errors.invalid(f"This property cannot be expanded ({path}).{hint}")


@functools.lru_cache(maxsize=None)
def _response_schemas(method, template):
    operation = spec.spec()["paths"][template][method.lower()]
    return tuple(_object_schemas(
        operation["responses"]["200"]["content"]["application/json"]["schema"]))


@functools.lru_cache(maxsize=4096)
def _valid(method, template, path):
    return _valid_in(_response_schemas(method, template), path.split("."))


def _valid_in(schemas, parts):
    """Whether `parts` can be expanded on an object of at least one of `schemas` (a path
    valid for one member of a polymorphic field is accepted; the others ignore it)."""
    field, rest = parts[0], parts[1:]
    return any(field in schema.get("x-expandableFields", ())
               and (not rest or _valid_in(_targets(schema, field), rest))
               for schema in schemas)


def _object_schemas(schema):
    """The object schemas a value of `schema` can be: through $ref, anyOf/oneOf/allOf and an
    array's items, leaving out plain ids (strings)."""
    schema = spec.resolve(schema)
    found = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, ()):
            found += _object_schemas(option)
    if schema.get("type") == "array":
        found += _object_schemas(schema.get("items", {}))
    elif "properties" in schema:
        found.append(schema)
    return found


def _targets(schema, field):
    return _object_schemas(schema.get("properties", {}).get(field, {}))


def _schema_of(value, schemas):
    """Which of `schemas` describes `value` (by its `object`; embedded hashes have none)."""
    kind = value.get("object") if isinstance(value.get("object"), str) else None
    for schema in schemas:
        properties = schema.get("properties", {})
        enum = properties.get("object", {}).get("enum")
        if "deleted" in properties or (kind is not None and enum and kind not in enum):
            continue
        return schema
    return None


def _walk(req, value, schemas, parts):
    # A deleted object's stub has nothing to expand (deleted_customer lists no fields).
    if not isinstance(value, dict) or value.get("deleted"):
        return value
    schema = _schema_of(value, schemas)
    field, rest = parts[0], parts[1:]
    if schema is None or field not in schema.get("x-expandableFields", ()):
        return value  # e.g. `customer` on the Source member of a default_source
    included = _INCLUDED.get((value.get("object"), field))
    if field not in value and included is None:
        return value  # expanding never adds a field the object does not show
    found = value.get(field)
    if included is not None and not isinstance(found, dict):
        if isinstance(included, str):
            included = _function(included)
        found = included(req, value)
    elif isinstance(found, str):
        loaded = objects.get(req.db, req.account, found)
        if loaded is not None and loaded["object"] in _AS_OF:
            loaded = _function(_AS_OF[loaded["object"]])(loaded, req.now)
        found = present(loaded) if loaded is not None else found
    if rest:
        targets = _targets(schema, field)
        if isinstance(found, list):
            found = [_walk(req, item, targets, rest) for item in found]
        else:
            found = _walk(req, found, targets, rest)
    return dict(value, **{field: found})


def _function(name):
    """The function "module:function" names in stripe_emu (a module importing this one)."""
    module, _, function = name.partition(":")
    return getattr(importlib.import_module("stripe_emu." + module), function)
