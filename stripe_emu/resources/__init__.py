"""One module per Stripe resource: the handlers of its operations, named after Stripe's
operations, and the builder of its JSON shape. Handlers validate everything first, then write
through the store inside the request's transaction (req.db).

Three modules serve no endpoint of their own: common.py (rules several resources share),
cards.py (card and bank_account JSON, for tokens, Sources, customer sources and
PaymentMethods) and source_types.py (each Source type's parameters and hashes). Resource
modules import each other one way, never in a circle: customers → payment_sources → sources,
tokens → cards → common (and refunds → charges, for the refunds under a charge). What moves
money, or is shared by charges and intents, is a layer below, in payments/.
"""
