"""Customer payment sources (placeholder until the payment-sources work lands)."""
from .. import errors
from ..store import objects


def replace_default_source(req, customer, source):
    raise errors.invalid("Payment sources are not available yet.", "source")


def attached_source_id(req, customer, source_id, param):
    raise errors.no_such("source", source_id, param=param, status=400)


def remove_all(req, customer):
    pass


def customer_sources_list(req, customer):
    return {"object": "list", "data": [], "has_more": False,
            "url": f"/v1/customers/{customer['id']}/sources"}
