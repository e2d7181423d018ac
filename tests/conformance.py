"""Check emulator JSON bodies against the schema Stripe's OpenAPI spec names for them.

    assert_conforms("POST", "/v1/customers/cus_1/sources", 200, body)
    validate_against("card", body)

The reference is stripe_emu/spec3.subset.json (Stripe spec3, API 2023-08-16; see
../shared/stripe-openapi/README.md). Everything is built once per process and cached:
the spec is immutable data, and the suite calls this thousands of times.

Fields the spec does not list pass unchecked (its schemas do not forbid other properties):
that is how a charge's legacy `source` field, which Stripe still returns but the spec
omits, passes — the one such field the emulator sends on purpose.
"""
import json
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from jsonschema.exceptions import ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS30Validator

SPEC_PATH = Path(__file__).resolve().parent.parent / "stripe_emu" / "spec3.subset.json"
_REF_PREFIX = "#/components/schemas/"
_NULL = {"enum": [None]}
_HTTP_METHODS = {"get", "post", "put", "patch", "delete", "head", "options", "trace"}
_MAX_REPORTED = 8


def _allow_null(node):
    """Return a deep copy of `node` in which every `nullable: true` really admits null.

    OAS30Validator already lets null through `type` when `nullable: true`, but not through
    the other keywords of the same schema, and Stripe relies on two such cases.
    """
    if isinstance(node, list):
        return [_allow_null(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _allow_null(value) for key, value in node.items()}
    if out.get("nullable") is not True:
        return out
    # Stripe writes nullable enums (95 of them, e.g. customer.tax_exempt) without null among
    # the values; `enum` would reject the null that `nullable` promises.
    if "enum" in out and None not in out["enum"]:
        out["enum"] = out["enum"] + [None]
    # Stripe writes "X or null" as {anyOf: [{$ref: X}], nullable: true} with no `type`
    # (328 times in the subset); give null a branch of its own. Only null gets in: every
    # non-null value must still match one of the original branches.
    composed = [key for key in ("anyOf", "oneOf", "allOf") if key in out]
    if composed == ["anyOf"]:
        out["anyOf"] = out["anyOf"] + [_NULL]
    elif composed:  # oneOf/allOf cannot take an extra branch without changing meaning
        inner = {key: value for key, value in out.items() if key != "nullable"}
        out = {"anyOf": [inner, _NULL]}
    return out


@lru_cache(maxsize=None)
def _spec():
    spec = _allow_null(json.loads(SPEC_PATH.read_text(encoding="utf-8")))
    schemas = spec["components"]["schemas"]

    # Every $ref in the subset points into components/schemas (the subset's README checks
    # that they all resolve), so a dict lookup replaces a URI-resolver walk per $ref.
    def ref(validator, ref, instance, schema):
        name = ref[len(_REF_PREFIX):] if ref.startswith(_REF_PREFIX) else None
        if name not in schemas:
            yield ValidationError(f"unresolvable $ref {ref!r}")
            return
        # jsonschema leaves $ref out of schema paths; naming the target keeps them readable.
        yield from validator.descend(instance, schemas[name], schema_path=f"$ref:{name}")

    validator_cls = extend(OAS30Validator, {"$ref": ref})
    routes = [(tuple(t.strip("/").split("/")), t) for t in spec["paths"]]
    return spec, validator_cls, routes


def _route(path):
    """Spec path template for a concrete request path (query string ignored)."""
    parts = tuple(urlsplit(path).path.strip("/").split("/"))
    best_key, best = None, None
    for segments, template in _spec()[2]:
        if len(segments) != len(parts):
            continue
        if not all(s.startswith("{") or s == p for s, p in zip(segments, parts)):
            continue
        # Prefer literals, earliest first: /v1/customers/search must not be read as
        # /v1/customers/{customer} with customer="search".
        key = tuple(not s.startswith("{") for s in segments)
        if best_key is None or key > best_key:
            best_key, best = key, template
    if best is None:
        raise AssertionError(f"no path in the Stripe spec matches {path!r}")
    return best


def _operation(method, path, status):
    """(operation id, response key, schema) for a request; AssertionError if undocumented."""
    template = _route(path)
    op = _spec()[0]["paths"][template].get(method.lower())
    if method.lower() not in _HTTP_METHODS or not isinstance(op, dict):
        raise AssertionError(f"the Stripe spec has no {method.upper()} {template}")
    op_id = op.get("operationId", f"{method.upper()} {template}")
    responses = op.get("responses", {})
    key = str(status) if str(status) in responses else "default"
    try:  # Stripe documents errors only under "default", not per status
        schema = responses[key]["content"]["application/json"]["schema"]
    except KeyError:
        raise AssertionError(f"{op_id}: no JSON response schema for status {status}") from None
    return op_id, key, schema


def schema_for(method: str, path: str, status: int) -> dict:
    """The (null-fixed) response schema the spec names for this request and status."""
    return _operation(method, path, status)[2]


@lru_cache(maxsize=None)
def _op_validator(method, template, status):
    op_id, key, schema = _operation(method, template, status)
    return f"{op_id} (response {key!r})", _spec()[1](schema)


@lru_cache(maxsize=None)
def _named_validator(name):
    schemas = _spec()[0]["components"]["schemas"]
    if name not in schemas:
        raise AssertionError(f"the Stripe spec has no component schema {name!r}")
    return f"components/schemas/{name}", _spec()[1](schemas[name])


def assert_conforms(method: str, path: str, status: int, body) -> None:
    """Raise AssertionError unless `body` matches the spec's schema for this response."""
    # Cache per template, not per concrete path, so fresh ids do not defeat the cache.
    label, validator = _op_validator(method.lower(), _route(path), int(status))
    _check(f"{method.upper()} {path} -> {status}: {label}", validator, body)


def validate_against(schema_name: str, body) -> None:
    """Raise AssertionError unless `body` matches components/schemas/<schema_name>."""
    label, validator = _named_validator(schema_name)
    _check(label, validator, body)


def _check(label, validator, body):
    errors = list(validator.iter_errors(body))
    if not errors:
        return
    leaves = [leaf for error in errors for leaf in _leaves(error)]
    # For a null where null is not allowed, openapi-schema-validator's `type` reports
    # "None for not nullable" and then "None is not of type X"; keep one line.
    leaves = [e for e in leaves if not (e.instance is None and e.validator == "type"
                                        and e.message != "None for not nullable")]
    lines = [_describe(leaf) for leaf in leaves[:_MAX_REPORTED]]
    if len(leaves) > _MAX_REPORTED:
        lines.append(f"... and {len(leaves) - _MAX_REPORTED} more")
    raise AssertionError(f"{label} does not conform:\n  " + "\n  ".join(lines))


def _misfit(error):
    """True if an anyOf branch failed only because it describes another kind of value."""
    path = list(error.relative_path)
    return (not path and error.validator in ("type", "enum")) or (
        path == ["object"] and error.validator == "enum"
    )


def _leaves(error):
    # Stripe's polymorphic fields are anyOf over object kinds (plus null and id-string
    # branches). "Not valid under any of the given schemas" hides the fault, so when
    # exactly one branch has the right kind, report that branch's own errors instead.
    if not error.context:
        return [error]
    branches = {}
    for sub in error.context:
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    fitting = [errs for errs in branches.values() if not any(map(_misfit, errs))]
    leaves = [[leaf for sub in errs for leaf in _leaves(sub)] for errs in fitting]
    if len(leaves) == 1:
        return leaves[0]
    # Still ambiguous (e.g. customer vs deleted_customer): show the first faults of each.
    return [error] + [leaf for branch in leaves for leaf in branch[:3]]


def _describe(error):
    message = error.message
    if message == "None for not nullable":  # openapi-schema-validator's wording
        message = f"null is not allowed (type {error.validator_value!r}, not nullable)"
    if len(message) > 300:
        message = message[:300] + "..."
    schema_path = "/".join(map(str, error.absolute_schema_path))
    return f"at {error.json_path}: {message}  [schema: {schema_path}]"
