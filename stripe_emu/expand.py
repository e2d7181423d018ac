"""Rendering a handler's result: internal keys dropped, `expand[]` paths applied.

Which fields can be expanded comes from the spec's `x-expandableFields`. A field holding an
id is replaced by the object it names (a deleted customer as its stub); a few fields that
Stripe leaves out unless asked (customer.sources) are computed by the resource that owns them.
"""
import importlib

from . import errors, spec
from .store import objects

MAX_DEPTH = 4
# (object, field) → "module:function" computing a field Stripe includes only on request.
_INCLUDED = {("customer", "sources"): "resources.payment_sources:customer_sources_list"}


def present(obj):
    """A stored object as the API shows it."""
    if obj.get("deleted") and obj.get("object") == "customer":
        return {"id": obj["id"], "object": "customer", "deleted": True}
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def apply(req, result, paths):
    result = present(result)
    for path in paths:
        parts = path.split(".")
        if result.get("object") == "list":
            if parts[0] != "data":
                raise _cannot(path, f" You may want to try expanding 'data.{path}' instead.")
            if len(parts) == 1:
                continue  # the list's items are already objects
            parts = parts[1:]
            if len(parts) > MAX_DEPTH:
                raise _too_deep(path)
            result["data"] = [_expand(req, item, parts, path) for item in result["data"]]
        else:
            if len(parts) > MAX_DEPTH:
                raise _too_deep(path)
            result = _expand(req, result, parts, path)
    return result


def _expand(req, obj, parts, path):
    if not isinstance(obj, dict):
        return obj
    field, rest = parts[0], parts[1:]
    kind = obj.get("object")
    included = _INCLUDED.get((kind, field))
    if field not in spec.expandable_fields(kind) and included is None:
        raise _cannot(path)
    if obj.get("deleted"):
        raise _cannot(path)
    obj = dict(obj)
    value = obj.get(field)
    if included is not None and not isinstance(value, dict):
        module, _, function = included.partition(":")
        value = getattr(importlib.import_module("stripe_emu." + module), function)(req, obj)
    elif isinstance(value, str):
        loaded = objects.get(req.db, req.account, value)
        value = present(loaded) if loaded is not None else value
    if rest and isinstance(value, dict):
        if value.get("object") == "list":
            value = dict(value, data=[_expand(req, item, rest, path) for item in value["data"]])
        else:
            value = _expand(req, value, rest, path)
    obj[field] = value
    return obj


def _cannot(path, hint=""):
    return errors.invalid(f"This property cannot be expanded ({path}).{hint}")


def _too_deep(path):
    return errors.invalid(f"You cannot expand more than {MAX_DEPTH} levels of a property. "
                          f"Property: {path}")
