"""Command line: `python -m stripe_emu serve|reset`."""
import argparse
import signal
import sys

from . import make_app
from .server import make_server

DEFAULT_DB = "stripe_emu.db"


def _stop(signum, frame):
    # Ignore repeats (a supervisor and its child both signalling) while shutting down.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def serve(args):
    app = make_app(db=args.db)
    server = make_server(app, args.host, args.port)
    host, port = server.server_address[:2]
    print(f"stripe_emu listening on http://{host}:{port} (database: {args.db})", file=sys.stderr,
          flush=True)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.close()
        print("stripe_emu stopped", file=sys.stderr, flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m stripe_emu",
                                     description="A local, stateful emulator of the Stripe API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the API over HTTP")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=12111)
    serve_parser.add_argument("--db", default=DEFAULT_DB,
                              help=f"SQLite file (default {DEFAULT_DB}); :memory: keeps nothing")
    serve_parser.set_defaults(run=serve)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()
