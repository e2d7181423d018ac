"""Money movement: the rules that Charges, Refunds, the balance and PaymentIntents share.

A layer below `resources/`: resource modules call down into it, never sideways into each other.
It owns amounts and currencies, the charge and refund state transitions, the customer's default
payment instrument, balance transactions and fees, and asks `testcards.py` what a card does.
It builds and stores objects through `store/`, records events through `events.py`, and knows
nothing of HTTP.
"""
