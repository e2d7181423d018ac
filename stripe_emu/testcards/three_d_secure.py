"""What a test card does about 3D Secure and the regulatory (SCA) rules: the behaviours of
three_d_secure_cards.py as typed records, asked by card Sources, PaymentMethods and intents.
"""
from typing import NamedTuple

from . import three_d_secure_cards as _3DS
from .cards import Decline

class ThreeDSecure(NamedTuple):
    """What a card does about 3D Secure."""
    support: str              # a card Source's card.three_d_secure
    on_setup: bool            # a SetupIntent (or a payment saving the card) must authenticate
    on_session: bool          # an on-session payment must authenticate
    off_session: Decline | None   # an off-session payment declines (None: succeeds)
    after_authentication: Decline | None  # declines once authenticated
    set_up_exempts: bool      # once set up, later payments need nothing
    enrolled: bool            # 3D Secure requested (request_three_d_secure=any) asks


def _three_d_secure(support, on_setup, on_session, off_session, after, set_up_exempts,
                    enrolled=True):
    return ThreeDSecure(support, on_setup, on_session, off_session and Decline(*off_session),
                        after and Decline(*after), set_up_exempts, enrolled)


THREE_D_SECURE = {name: _three_d_secure(*flags) for name, flags in _3DS.BEHAVIOURS.items()}


def three_d_secure_of(number) -> str:
    """The name (a key of THREE_D_SECURE) of what card `number` does about 3D Secure: cards
    keep the name, never the number."""
    return _3DS.CARDS.get(str(number), "optional")
