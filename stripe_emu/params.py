"""Request parameters: Stripe's bracket form encoding in, typed Python values out.

`decode` turns `a[b][c]=v`, `a[]=v` and `a[0]=v` pairs into nested dicts and lists;
`coerce` checks them against the operation's schema (spec.request_schema) and converts
types, raising the error Stripe gives, always naming the parameter. An empty value means
"unset" and comes out as None, except where an integer or a boolean is expected: there it is
as invalid as any other non-number (`Invalid integer: `). A handler receives only what the
schema describes: every hash has typed fields, never a raw dict.
"""
import json
import math
import re
from urllib.parse import parse_qsl

from . import api_versions, errors, spec
from .store.db import SQLITE_INTEGERS

_KEY = re.compile(r"([^\[\]]+)|\[([^\[\]]*)\]")
# ASCII digits only: `\d` and str.isdigit() also take digits int() refuses ('²') or other
# scripts' digits ('١٠'), which Stripe does not read as numbers.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?([0-9]+\.?[0-9]*|\.[0-9]+)")
# Brackets one parameter may nest (Stripe's deepest, e.g. mandate[acceptance][online][ip],
# use 3); deeper keys would only exhaust the recursion of checking and hashing them.
MAX_NESTING = 10


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
        if len(parts) > MAX_NESTING + 1:
            # UNCERTAIN: Stripe's limit and wording for over-nested keys were not found.
            shown = key if len(key) <= 100 else key[:100] + "..."
            raise errors.invalid(f"Invalid parameter name: {shown}: parameters can be nested "
                                 f"at most {MAX_NESTING} levels deep.", parts[0])
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


def _is_index(key):
    return key.isascii() and key.isdigit()


def _is_array(value):
    return isinstance(value, dict) and value and all(_is_index(k) for k in value)


def _indexes(value):
    # Ordered by number without int(): an index may have more digits than int() takes.
    return sorted(value, key=lambda k: (len(k.lstrip("0")), k.lstrip("0")))


def _as_list(value):
    return [value[k] for k in _indexes(value)]


# What a request log keeps of card and bank details (issue 12): a card number's last four
# digits, no CVC, no bank account number, no personal id number (a PII token's SSN).
_DROPPED = frozenset({"cvc", "account_number", "iban", "id_number"})


def redacted(params):
    """`params` (decoded) as a request log may keep them."""
    if isinstance(params, list):
        return [redacted(item) for item in params]
    if not isinstance(params, dict):
        return params
    kept = {}
    for key, value in params.items():
        if key in _DROPPED:
            continue
        if key == "number" and isinstance(value, str):
            value = "*" * max(len(value) - 4, 0) + value[-4:]
        kept[key] = redacted(value)
    return kept


def coerce(params, method, template):
    """The decoded `params` of an operation of Stripe's spec, checked and typed."""
    schema = spec.request_schema(method, template)
    if method == "POST" and template.rsplit("/", 1)[1] in spec.CREATED:
        _refuse_empty(params, schema)
    return _coerce(params, schema, "")


def _refuse_empty(params, schema):
    """An empty value asks to unset a parameter, and a new object has nothing to unset:
    Stripe refuses it ("You passed an empty string for 'description'..." on create) unless
    the spec lets the parameter be emptied (an `enum` with "") or an empty value has a message
    of its own there (`Invalid integer: `, `Invalid hash`). A required one sent empty stays
    missing (issue 12). UNCERTAIN: the answers quoted are all for creates; on updates an empty
    string unsets (description, email, a card's name). Only top-level parameters are judged:
    Stripe refuses some nested ones too (owner[name]), but Stripe.js has long sent empty
    optional card fields, and which nested fields Stripe takes empty is not known.
    """
    required = schema["required"]
    for key, value in params.items():
        if value != "" or key in required or key not in schema["properties"]:
            continue
        options = _options(schema["properties"][key])
        kinds = {option.get("type") for option in options}
        if not (_takes_empty(options)
                or kinds & {"integer", "number", "boolean"} or kinds <= {"object", "array"}):
            raise errors.invalid_empty(key)


def coerce_object(params, schema):
    """The decoded `params` checked and typed against an object `schema` written as the
    spec's are (the control plane's parameters)."""
    return _coerce_object(params, schema, "")


def _coerce(value, schema, name):
    schema = spec.resolve(schema)
    if "anyOf" in schema:
        return _coerce_any(value, schema["anyOf"], name)
    kind = schema.get("type")
    if value == "" and kind != "integer" and kind != "boolean":
        if kind in ("object", "array"):
            raise errors.invalid(f"Invalid {'hash' if kind == 'object' else 'array'}", name)
        return None
    if kind == "object":
        return _coerce_object(value, schema, name)
    if kind == "array":
        if not _is_array(value) and value != {}:
            raise errors.invalid("Invalid array", name)
        _check_sequential(value, name)
        return [_coerce(item, schema.get("items", {}), f"{name}[{i}]")
                for i, item in enumerate(_as_list(value) if value else [])]
    if isinstance(value, dict):
        # Echoed as compact JSON, as Stripe does: `Invalid string: {"0":"a","1":"b"}`.
        shown = json.dumps(value, separators=(",", ":"))
        raise errors.invalid(f"Invalid {kind or 'string'}: {shown}", name)
    if kind == "integer":
        return _integer(value, name)
    if kind == "number":
        if not _NUMBER.fullmatch(value) or not math.isfinite(float(value)):
            raise errors.invalid(f"Invalid number: {value}", name)
        return float(value)
    if kind == "boolean":
        if value not in ("true", "false"):
            raise errors.invalid(f"Invalid boolean: {value}", name)
        return value == "true"
    if "enum" in schema and value not in schema["enum"]:
        enum = [option for option in schema["enum"] if option != ""]
        listed = ", ".join(enum[:-1]) + (", or " if len(enum) > 2 else " or ") + enum[-1] \
            if len(enum) > 1 else "".join(enum)
        raise errors.invalid(f"Invalid {name}: must be one of {listed}", name)
    if ("pattern" in schema and not re.fullmatch(schema["pattern"], value)) or (
            schema.get(spec.API_VERSION_VALUE) and not api_versions.accepted(value)):
        # UNCERTAIN wording: for the values spec.py relaxes from an enum to a pattern.
        raise errors.invalid(f"Invalid {name}: {value}", name)
    limit = schema.get("maxLength")
    if limit is not None and len(value) > limit:
        if name in _DESCRIPTORS:
            raise errors.invalid(f"The statement descriptor must be at most {limit} characters. "
                                 f"{value} is {len(value)} characters long.", name)
        raise errors.invalid(f"Invalid string: {value[:40]}...; must be at most {limit} "
                             "characters", name)
    return value


# Parameters whose excess length Stripe answers in words of its own, as integrations recorded
# them (sagemathinc/cocalc#5712, woocommerce-android#7586: "The statement descriptor must be
# at most 22 characters. COCALC LICENSE 1096DAYS is 23 characters long."). UNCERTAIN: the
# suffix's answer is taken to be the same sentence.
_DESCRIPTORS = ("statement_descriptor", "statement_descriptor_suffix")


def _check_sequential(value, name):
    """Explicit indexes must be 0, 1, 2...: `expand[1]=x` alone names no array Stripe takes
    (`a[]=` appends, so it always is). UNCERTAIN: Stripe's exact wording."""
    indexes = _indexes(value)
    if any(index != str(position) for position, index in enumerate(indexes)):
        raise errors.invalid(
            f"Invalid array: the indexes of {name} must be sequential integers starting at 0 "
            f"({name}[0], {name}[1], ...), but {name}[{indexes[-1]}] was sent.", name)


def _integer(value, name):
    """Stripe answers "Invalid integer" for a number out of its 64-bit range too (SQLite's
    range: every integer it accepts can be stored)."""
    digits = value.lstrip("-").lstrip("0")
    if (not _INTEGER.fullmatch(value) or len(digits) > 19
            or int(value) not in SQLITE_INTEGERS):
        raise errors.invalid(f"Invalid integer: {value}", name, "parameter_invalid_integer")
    return int(value)


def _options(schema):
    """The resolved schemas a parameter may match: its anyOf options, or itself."""
    schema = spec.resolve(schema)
    return [spec.resolve(option) for option in schema.get("anyOf", [schema])]


def _takes_empty(options):
    """Whether the spec lets a parameter be sent empty: an enum with "" among its options."""
    return any("" in option.get("enum", ()) for option in options)


def _coerce_any(value, options, name):
    options = [spec.resolve(option) for option in options]
    if value == "" and _takes_empty(options):
        return None
    # An `enum: [""]` option only says that an empty value unsets the field: any other value
    # is for the other options to judge (`metadata=x` is an invalid hash, not a string).
    options = [option for option in options if option.get("enum") != [""]]
    first_error = None
    for option in sorted(options, key=lambda option: _fit(value, option)):
        try:
            return _coerce(value, option, name)
        except errors.StripeError as error:
            first_error = first_error or error
    raise first_error


def _fit(value, option):
    """Sort key: the options a value's shape suits come first, so that their error is the
    one reported (`created=abc` is an invalid integer, not an invalid hash); among hashes,
    the one whose `object` the value names (source[object]=bank_account)."""
    shape = "array" if _is_array(value) else "object" if isinstance(value, dict) else None
    kind = option.get("type")
    if kind not in ("object", "array"):
        kind = None
    named = value.get("object") if shape == "object" else None
    enum = option.get("properties", {}).get("object", {}).get("enum", ())
    return kind != shape, named is not None and named not in enum


def _coerce_object(value, schema, name):
    if not isinstance(value, dict):
        raise errors.invalid("Invalid hash", name)
    properties = schema.get("properties", {})
    extra = schema.get("additionalProperties")
    unknown = [f"{name}[{key}]" if name else key for key in value
               if key not in properties and not isinstance(extra, dict)]
    if unknown:
        raise errors.unknown_params(unknown, schema.get(spec.PAYMENT_METHOD))
    result = {}
    for key, item in value.items():
        child = f"{name}[{key}]" if name else key
        result[key] = _coerce(item, properties.get(key, extra), child)
    for key in schema.get("required", ()):
        # A required field sent empty is as missing as one left out (Stripe: "Missing
        # required param: shipping[name]."), unless the spec lets it be emptied (an enum
        # with "": fraud_details[user_report]= withdraws a report).
        if result.get(key) is None and not (key in value and _takes_empty(_options(properties[key]))):
            raise errors.missing_param(f"{name}[{key}]" if name else key)
    return result
