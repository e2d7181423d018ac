"""stripe_emu: a local, stateful emulator of the Stripe API, as one WSGI application.

    from stripe_emu import make_app
    app = make_app(db=":memory:")   # or a file path shared by several processes
"""
from .app import App

__version__ = "0.1.0"


def make_app(db=":memory:", **options):
    """A new emulator with its own database: a WSGI callable."""
    return App(db, **options)


__all__ = ["make_app", "App", "__version__"]
