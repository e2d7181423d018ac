"""Stripe's published OpenAPI description, read once per process.

The emulator takes from it what Stripe itself publishes rather than retyping it: which
parameters each operation accepts and their types (params.py), and which fields of each
object can be expanded (expand.py). The file is immutable data, so a process-wide cache is
not shared state.
"""
import functools
import json
from pathlib import Path

SPEC_PATH = Path(__file__).resolve().parent / "spec3.subset.json"
API_VERSION = "2023-08-16"
_EXPAND = {"type": "array", "items": {"type": "string", "maxLength": 5000}}


@functools.lru_cache(maxsize=1)
def spec():
    return json.loads(SPEC_PATH.read_text())


def resolve(schema):
    while "$ref" in schema:
        schema = spec()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


# Parameters Stripe accepts but its spec leaves out: POST /v1/sources takes a hash named after
# the Source's type (card[number], sepa_debit[iban], three_d_secure[card], ...). They pass
# here as free-form hashes; resources/sources.py checks their fields.
_UNLISTED = {("post", "/v1/sources"): ("ach_debit", "card", "sepa_debit", "three_d_secure")}


@functools.lru_cache(maxsize=None)
def request_schema(method, template):
    """The parameters of one operation as one object schema: the form body of a POST, or the
    query parameters of a GET (and of a DELETE, whose parameters clients send in the query)."""
    operation = spec()["paths"][template][method.lower()]
    properties, required = {}, []
    body = operation.get("requestBody", {}).get("content", {})
    form = body.get("application/x-www-form-urlencoded", {}).get("schema", {})
    properties.update(form.get("properties", {}))
    required += form.get("required", [])
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "query":
            properties[parameter["name"]] = parameter["schema"]
            if parameter.get("required"):
                required.append(parameter["name"])
    for name in _UNLISTED.get((method.lower(), template), ()):
        properties.setdefault(name, {"type": "object"})
    # "This parameter is available on all API requests" (Stripe's expand docs), even where
    # the spec leaves it out, as on DELETE /v1/customers/{customer}.
    properties.setdefault("expand", _EXPAND)
    return {"type": "object", "properties": properties, "required": required}


@functools.lru_cache(maxsize=None)
def expandable_fields(object_name):
    schema = spec()["components"]["schemas"].get(object_name, {})
    return frozenset(schema.get("x-expandableFields", ()))
