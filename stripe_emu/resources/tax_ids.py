"""Customer tax IDs: /v1/customers/{customer}/tax_ids[/{id}], and the `tax_id_data` of a
customer's creation (customers.py calls `add`).

A tax ID belongs to one customer for good: it is created, listed, retrieved and deleted
(its row goes: a deleted tax ID is "No such tax ID" after), recording customer.tax_id.created
and customer.tax_id.deleted. Deleting the customer deletes its tax IDs with it.
"""
import re

from .. import errors, events, ids
from ..store import objects
from . import common

# Value formats Stripe documents for the common types (docs.stripe.com/billing/customer/
# tax-ids); other types take any value. UNCERTAIN: Stripe checks every type, more loosely
# or strictly than this.
_FORMATS = {
    "gb_vat": r"(GB|XI)([0-9]{9}|[0-9]{12})",
    "us_ein": r"[0-9]{2}-?[0-9]{7}",
    "au_abn": r"[0-9]{11}",
    "ca_bn": r"[0-9]{9}",
    "ch_vat": r"CHE-?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3} ?(MWST|TVA|IVA)",
    "in_gst": r"[0-9]{2}[A-Z0-9]{10}[0-9A-Z]{3}",
    "nz_gst": r"[0-9]{8,9}",
}
# Types Stripe verifies with a government service; the others are "unavailable". In test
# mode (UNCERTAIN, after Stripe's tax ID testing values) a value whose digits are 000000000
# is verified at once and 111111111 unverified; any other value stays pending.
_VERIFIED_TYPES = ("eu_vat", "gb_vat", "au_abn", "au_arn")
_TEST_OUTCOMES = {"000000000": "verified", "111111111": "unverified"}
# An eu_vat value is a Union member state's prefix (its country code, but EL for Greece; XI
# for Northern Ireland) and that country's VAT number: the formats of the EU's VIES, each
# taking Stripe's documented example (ATU12345678, FRAB123456789, NL123456789B12…).
# UNCERTAIN: Stripe's own rules are not published; Hungary takes its 8 digits and the 11 of
# Stripe's example (HU12345678912); GR (Greece's ISO code, not its VAT prefix) is refused.
_EU_VAT_FORMATS = {
    "AT": r"U[0-9]{8}", "BE": r"[0-9]{10}", "BG": r"[0-9]{9,10}", "CY": r"[0-9]{8}[A-Z]",
    "CZ": r"[0-9]{8,10}", "DE": r"[0-9]{9}", "DK": r"[0-9]{8}", "EE": r"[0-9]{9}",
    "EL": r"[0-9]{9}", "ES": r"[A-Z][0-9]{7}[0-9A-Z]|[0-9]{8}[A-Z]", "FI": r"[0-9]{8}",
    "FR": r"[0-9A-Z]{2}[0-9]{9}", "HR": r"[0-9]{11}", "HU": r"[0-9]{8}|[0-9]{11}",
    "IE": r"[0-9]{7}[A-Z]{1,2}|[0-9][A-Z+*][0-9]{5}[A-Z]", "IT": r"[0-9]{11}",
    "LT": r"[0-9]{9}|[0-9]{12}", "LU": r"[0-9]{8}", "LV": r"[0-9]{11}", "MT": r"[0-9]{8}",
    "NL": r"[0-9]{9}B[0-9]{2}", "PL": r"[0-9]{10}", "PT": r"[0-9]{9}", "RO": r"[0-9]{2,10}",
    "SE": r"[0-9]{12}", "SI": r"[0-9]{8}", "SK": r"[0-9]{10}",
    "XI": r"[0-9]{9}|[0-9]{12}|(GD|HA)[0-9]{3}",
}
_EU_PREFIXES = {"EL": "GR", "XI": "GB"}  # the country of a prefix that is not its code


def create_customer_tax_id(req, customer):
    customer = common.live_customer(req, customer)
    return add(req, customer["id"], req.params["type"], req.params["value"])


def add(req, customer_id, tax_type, value, param_prefix=""):
    """Create and return a tax ID of `customer_id`, recording customer.tax_id.created;
    `param_prefix` names the hash the parameters came in (tax_id_data[0])."""
    value = value.strip()
    if not _well_formed(tax_type, value.upper()):
        raise errors.invalid(f"Invalid value for {tax_type}.",
                             f"{param_prefix}[value]" if param_prefix else "value",
                             "tax_id_invalid")
    tax_id = {
        "id": ids.new_id(ids.TAX_ID),
        "object": "tax_id",
        "country": _country(tax_type, value),
        "created": req.now,
        "customer": customer_id,
        "livemode": False,
        "type": tax_type,
        "value": value,
        "verification": _verification(tax_type, value),
    }
    objects.insert(req.db, req.account, tax_id)
    events.record(req, "customer.tax_id.created", tax_id)
    return tax_id


def _well_formed(tax_type, value):
    if tax_type == "eu_vat":
        pattern = _EU_VAT_FORMATS.get(value[:2])
        return pattern is not None and re.fullmatch(pattern, value[2:]) is not None
    pattern = _FORMATS.get(tax_type)
    return bool(value) and (pattern is None or re.fullmatch(pattern, value) is not None)


def _country(tax_type, value):
    if tax_type == "eu_vat":
        prefix = value[:2].upper()
        return _EU_PREFIXES.get(prefix, prefix)
    if tax_type in ("eu_oss_vat", "unknown"):
        return None  # UNCERTAIN: a non-Union scheme names no one country
    return tax_type.partition("_")[0].upper()


def _verification(tax_type, value):
    if tax_type not in _VERIFIED_TYPES:
        return {"status": "unavailable", "verified_address": None, "verified_name": None}
    status = _TEST_OUTCOMES.get(re.sub(r"[^0-9]", "", value)[-9:], "pending")
    return {"status": status, "verified_address": None,
            "verified_name": "Test Business" if status == "verified" else None}


def retrieve_customer_tax_id(req, customer, id):
    return common.owned_by(req, customer, id, "tax_id", "tax ID")


def delete_customer_tax_id(req, customer, id):
    tax_id = common.owned_by(req, customer, id, "tax_id", "tax ID")
    objects.delete(req.db, req.account, tax_id["id"])
    events.record(req, "customer.tax_id.deleted", tax_id)
    return {"id": tax_id["id"], "object": "tax_id", "deleted": True}


def list_customer_tax_ids(req, customer):
    customer_id = common.live_customer(req, customer)["id"]
    return common.list_page(req, f"/v1/customers/{customer_id}/tax_ids", ("tax_id",),
                            lambda bad: f"No such tax ID: '{bad}'", customer=customer_id)


def customer_tax_ids_list(req, customer):
    """`customer.tax_ids` when expanded (or embedded by an old API version): the first page."""
    data, more = objects.page(req.db, req.account, ("tax_id",), customer=customer["id"],
                              limit=10)
    return {"object": "list", "data": data, "has_more": more,
            "url": f"/v1/customers/{customer['id']}/tax_ids"}


def remove_all(req, customer_id):
    """Delete a deleted customer's tax IDs (UNCERTAIN: Stripe records no event for them)."""
    while True:
        data, _ = objects.page(req.db, req.account, ("tax_id",), customer=customer_id,
                               limit=100)
        if not data:
            return
        for tax_id in data:
            objects.delete(req.db, req.account, tax_id["id"])
