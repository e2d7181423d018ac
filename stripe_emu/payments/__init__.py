"""Money movement: the rules that Charges, Refunds, the balance and PaymentIntents share.

A layer below `resources/`: resource modules call down into it, never sideways into each other.
It owns amounts and currencies, the charge and refund state transitions, the customer's default
payment instrument, balance transactions and fees, PaymentMethods, the rules both kinds of
intent share, and asks `testcards/` what a card does.
It builds and stores objects through `store/`, records events through `events.py`, and knows
nothing of HTTP.

    amounts.py      currencies, minimum and maximum amounts, money in Stripe's messages
    instruments.py  what a charge is made on: customer/source resolution, chargeability,
                    payment_method_details, Source consumption and funding
    outcomes.py     a charge's outcome and decline from the test-card table
    charging.py     create_charge / capture_charge / decline_error (PaymentIntents call these),
                    expiry and bank-debit settlement
    refunding.py    refund_charge, and releasing what was never captured
    charge_moves.py a charge's status moves and its one guarded write (`save`)
    balance.py      balance transactions, fees, available_on, the balance
    timers.py       the timed moves (expiry, settlement), run in write transactions
    defaults.py     a customer's default_source and invoice default PaymentMethod
    methods.py      PaymentMethods: built from cards, found from any id, attached, used up
    intents.py      what SetupIntents and PaymentIntents share: moves, client secret, updates
    authentication.py  3D Secure of intents: when it is asked, next_action, its outcome

Cards are built and tokens redeemed through resources/cards.py and resources/tokens.py,
which import nothing of this package.
"""
