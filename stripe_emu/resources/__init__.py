"""One module per Stripe resource: the handlers of its operations, named after Stripe's
operations, and the builder of its JSON shape. Handlers validate everything first, then write
through the store inside the request's transaction (req.db)."""
