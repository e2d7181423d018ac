"""Request parameters: Stripe's bracket form encoding in, typed Python values out.

`decode` turns `a[b][c]=v`, `a[]=v` and `a[0]=v` pairs into nested dicts and lists;
`coerce` checks them against the operation's schema from Stripe's spec and converts types,
raising the error Stripe gives, always naming the parameter. An empty value means "unset"
and comes out as None.
"""
import json
import re
from urllib.parse import parse_qsl

from . import errors, spec

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")
_INTEGER = re.compile(r"-?\d+")
_NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)")


def decode(query):
    """Form-encoded text → nested dict. Raises for invalid encodings and conflicting keys."""
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False,
                          encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise errors.invalid("Invalid request: the body and query string must be UTF-8 "
                             "encoded form data.")
    params = {}
    for key, value in pairs:
        parts = [name or index for name, index in _KEY.findall(key)]
        if not parts or _name(parts).replace("[]", "") != key.replace("[]", ""):
            if key.startswith("metadata["):
                raise errors.invalid("Metadata keys cannot contain square brackets ([ or ]). "
                                     f"Invalid key: {key[9:-1]}", "metadata")
            raise errors.invalid(f"Invalid parameter name: {key}")
        node = params
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part) if isinstance(node, dict) else None
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                raise errors.invalid(f"Invalid hash: {_name(parts[:depth + 1])}",
                                     _name(parts[:depth + 1]))
            node = child
        last = parts[-1]
        if last == "":  # a[]=v appends
            last = str(len(node))
        if isinstance(node.get(last), dict):
            raise errors.invalid(f"Invalid string: {_name(parts)}", _name(parts))
        node[last] = value
    return params


def _name(parts):
    return parts[0] + "".join(f"[{part}]" for part in parts[1:])


def _is_array(value):
    return isinstance(value, dict) and value and all(k.isdigit() for k in value)


def _as_list(value):
    return [value[k] for k in sorted(value, key=int)]


def coerce(params, method, template):
    return _coerce(params, spec.request_schema(method, template), "")


def _coerce(value, schema, name):
    schema = spec.resolve(schema)
    if "anyOf" in schema:
        return _coerce_any(value, schema["anyOf"], name)
    kind = schema.get("type")
    if value == "" and kind != "integer" and kind != "boolean":
        if kind in ("object", "array") and "" not in schema.get("enum", ()):
            raise errors.invalid(f"Invalid {'hash' if kind == 'object' else 'array'}", name)
        return None
    if kind == "object":
        return _coerce_object(value, schema, name)
    if kind == "array":
        if not _is_array(value) and value != {}:
            raise errors.invalid("Invalid array", name)
        return [_coerce(item, schema.get("items", {}), f"{name}[{i}]")
                for i, item in enumerate(_as_list(value) if value else [])]
    if isinstance(value, dict):
        if schema.get("x-stripeBypassValidation"):
            return value  # Stripe takes more than its spec says (`source` as a raw card hash)
        raise errors.invalid(f"Invalid {kind or 'string'}: {json.dumps(value)}", name)
    if kind == "integer":
        if not _INTEGER.fullmatch(value):
            raise errors.invalid(f"Invalid integer: {value}", name, "parameter_invalid_integer")
        return int(value)
    if kind == "number":
        if not _NUMBER.fullmatch(value):
            raise errors.invalid(f"Invalid number: {value}", name)
        return float(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise errors.invalid(f"Invalid boolean: {value}", name)
        return value == "true"
    enum = [option for option in schema.get("enum", ()) if option != ""]
    if enum and value not in enum:
        listed = ", ".join(enum[:-1]) + (", or " if len(enum) > 2 else " or ") + enum[-1] \
            if len(enum) > 1 else enum[0]
        raise errors.invalid(f"Invalid {name}: must be one of {listed}", name)
    limit = schema.get("maxLength")
    if limit is not None and len(value) > limit:
        raise errors.invalid(f"Invalid string: {value[:40]}...; must be at most {limit} "
                             "characters", name)
    return value


def _coerce_any(value, options, name):
    options = [spec.resolve(option) for option in options]
    if value == "" and any("" in option.get("enum", ()) for option in options):
        return None
    wanted = "object" if isinstance(value, dict) and not _is_array(value) else \
        "array" if _is_array(value) else None
    ordered = sorted(options, key=lambda option: option.get("type") != wanted)
    first_error = None
    for option in ordered:
        try:
            return _coerce(value, option, name)
        except errors.StripeError as error:
            first_error = first_error or error
    raise first_error


def _coerce_object(value, schema, name):
    if not isinstance(value, dict):
        raise errors.invalid("Invalid hash", name)
    properties = schema.get("properties")
    extra = schema.get("additionalProperties")
    result = {}
    for key, item in value.items():
        child = f"{name}[{key}]" if name else key
        if properties is not None and key in properties:
            result[key] = _coerce(item, properties[key], child)
        elif isinstance(extra, dict):
            result[key] = _coerce(item, extra, child)
        elif properties is None and extra is None:
            result[key] = item  # a free-form hash: the handler checks it
        else:
            raise errors.unknown_param(child)
    for key in schema.get("required", ()):
        if key not in value:
            raise errors.missing_param(f"{name}[{key}]" if name else key)
    return result
