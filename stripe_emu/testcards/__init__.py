"""Stripe's test cards, magic tokens and test bank accounts (docs.stripe.com/testing): what
every question about a test instrument is answered from. Pure data and functions: nothing here
touches the database, builds JSON or sees a request; errors come from `errors.py`, ready to
raise.

    cards.py                 card numbers and magic tokens (tok_visa, pm_card_visa): brand,
                             funding, country, declines, CVC/AVS checks, Radar risk, validation
    international_cards.py   the cards "by country" (data)
    three_d_secure.py        what a card does about 3D Secure / SCA (its data:
                             three_d_secure_cards.py)
    banks.py                 US test bank accounts, bank tokens (btok_us), micro-deposits
    fingerprints.py          per-account fingerprints of cards and bank accounts

Callers use the names below (`testcards.card_profile(...)`), not the modules.
"""
from .banks import (BANK_ACCOUNTS, BANK_NAMES, VERIFY_AMOUNTS, VERIFY_MISMATCH_MESSAGE,
                    BankProfile, bank_profile, bank_token, verify_amounts_ok)
from .cards import (MAGIC_TOKENS, CardProfile, Decline, NewCard, brand_for, card_from_params,
                    card_profile, charge_behaviour, default_expiry, luhn_ok, magic_token,
                    minted_card, payment_method_card, validate_card_number, validate_cvc, validate_expiry)
from .fingerprints import bank as bank_fingerprint, card as fingerprint
from .three_d_secure import THREE_D_SECURE, ThreeDSecure, three_d_secure_of

__all__ = [
    "BANK_ACCOUNTS", "BANK_NAMES", "VERIFY_AMOUNTS", "VERIFY_MISMATCH_MESSAGE", "BankProfile",
    "bank_profile", "bank_token", "verify_amounts_ok",
    "MAGIC_TOKENS", "CardProfile", "Decline", "NewCard", "brand_for", "card_from_params",
    "card_profile", "charge_behaviour", "default_expiry", "luhn_ok", "magic_token",
    "minted_card", "payment_method_card", "validate_card_number", "validate_cvc", "validate_expiry",
    "bank_fingerprint", "fingerprint", "THREE_D_SECURE", "ThreeDSecure", "three_d_secure_of"]
