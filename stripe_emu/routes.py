"""The route table: every endpoint of the emulated API, one line each.

Templates are the spec's own path templates (they also select the operation's parameters).
`publishable=True` marks the calls Stripe accepts with a publishable key.
"""
from .resources import customers
from .routing import Route

ROUTES = [
    Route("POST", "/v1/customers", customers.create_customer),
    Route("GET", "/v1/customers", customers.list_customers),
    Route("GET", "/v1/customers/{customer}", customers.retrieve_customer),
    Route("POST", "/v1/customers/{customer}", customers.update_customer),
    Route("DELETE", "/v1/customers/{customer}", customers.delete_customer),
]
