"""Command line: `python -m stripe_emu serve|reset`, installed as `stripe-emu serve|reset`."""
import argparse
import os
import signal
import sys

from . import auth, control, make_app, server as http_server, testing, webhooks
from .store.db import StoreError

DEFAULT_DB = "stripe_emu.db"


def _stop(signum, frame):
    # Ignore repeats (a supervisor and its child both signalling) while shutting down.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def serve(args):
    app = make_app(db=args.db, control_plane="open" if args.control_plane_open else "loopback",
                   webhooks=args.webhook, allow_hosts=[*args.allow_host, args.host],
                   accounts=args.account, restricted_keys=args.restricted_keys)
    if args.seed:
        try:
            created = testing.seed(app, args.seed)
        except (testing.SeedError, ValueError, OSError) as error:
            app.close()
            sys.exit(f"stripe_emu: cannot seed from {args.seed}: {error}")
        print(f"stripe_emu seeded from {args.seed}: {len(created)} "
              f"{'tables' if isinstance(created, dict) else 'objects'}", file=sys.stderr)
        # An endpoint's secret is in its create answer only: a seeded one's would be lost.
        for endpoint in created if isinstance(created, list) else ():
            if endpoint.get("object") == "webhook_endpoint":
                print(f"stripe_emu seeded webhook endpoint {endpoint['id']} ({endpoint['url']}), "
                      f"signed with {endpoint['secret']}", file=sys.stderr)
    app.webhooks.log = webhooks.log_to_stderr
    if args.wsgiref:
        from .wsgiref_server import make_server
    else:
        make_server = http_server.make_server
    server = make_server(app, args.host, args.port, max_connections=args.max_connections)
    host, port = server.server_address[:2]
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    print(f"stripe_emu listening on {url} (database: {args.db})", file=sys.stderr, flush=True)
    for url, secret in app.webhooks.endpoints:
        print(f"stripe_emu sends every event to {url}, signed with {secret}", file=sys.stderr,
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


def _webhook(text):
    try:
        return webhooks.command_line_endpoint(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def _account(text):
    try:
        return auth.account_entry(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error))


def _port(text):
    # socket's getaddrinfo takes 99999 and binds 99999 % 65536: refuse it here.
    return _integer(text, 0, 65535, "a port number (0 to 65535)")


def _positive(text):
    return _integer(text, 1, None, "a positive number")


def _integer(text, low, high, what):
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or number < low or (high is not None and number > high):
        raise argparse.ArgumentTypeError(f"{text} is not {what}")
    return number


def reset(args):
    if args.db != ":memory:" and not os.path.exists(args.db):
        sys.exit(f"stripe_emu: no database at {args.db}")
    app = make_app(db=args.db)
    try:
        deleted = control.reset(app, args.account)
    finally:
        app.close()
    rows = ", ".join(f"{count} from {table}" for table, count in sorted(deleted.items()))
    print(f"stripe_emu reset {args.db}" + (f" (account {args.account})" if args.account else "")
          + f": deleted {rows or 'nothing'}")


def main(argv=None):
    installed = os.path.basename(sys.argv[0]).startswith("stripe-emu")  # the console script
    parser = argparse.ArgumentParser(prog="stripe-emu" if installed else "python -m stripe_emu",
                                     description="A local, stateful emulator of the Stripe API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_parser = commands.add_parser("serve", help="serve the API over HTTP")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=_port, default=12111)
    serve_parser.add_argument("--db", default=DEFAULT_DB,
                              help=f"SQLite file (default {DEFAULT_DB}); :memory: keeps nothing")
    serve_parser.add_argument("--seed", metavar="FILE",
                              help="JSON snapshot (replaces all state) or fixture (objects "
                                   "created through the API) to load at start")
    serve_parser.add_argument("--control-plane-open", action="store_true",
                              help="let non-loopback clients use /_emu/ (it needs no API key)")
    serve_parser.add_argument("--webhook", metavar="URL[,SECRET]", action="append", default=[],
                              type=_webhook,
                              help="send every event of every account to URL, signed with "
                                   "SECRET (whsec_...; generated and printed if omitted); "
                                   "repeatable")
    serve_parser.add_argument("--allow-host", metavar="NAME", action="append", default=[],
                              help="answer requests whose Host is NAME (besides localhost, "
                                   "IP addresses and --host); * for any; repeatable")
    serve_parser.add_argument("--account", metavar="NAME=PK,SK", action="append", default=[],
                              type=_account,
                              help="pair these test keys into one account, NAME (the keys "
                                   "Stripe's dashboard gives one account); repeatable")
    serve_parser.add_argument("--restricted-keys", choices=auth.RESTRICTED_MODES,
                              default="full", help="what rk_test_ keys may do: full (as a "
                                                   "secret key, the default) or read_only")
    serve_parser.add_argument("--max-connections", type=_positive,
                              default=http_server.DEFAULT_MAX_CONNECTIONS,
                              help="connections served at once (default %(default)s, lowered "
                                   "to fit the file-descriptor limit); at the cap the longest "
                                   "idle one is closed, or the newcomer gets a 503")
    serve_parser.add_argument("--wsgiref", action="store_true",
                              help="serve with the standard library's http.server and wsgiref "
                                   "(slower) instead of stripe_emu's own HTTP/1.1 server")
    serve_parser.set_defaults(run=serve)
    reset_parser = commands.add_parser("reset", help="delete all state of a database file")
    reset_parser.add_argument("--db", required=True, help="the SQLite file to reset")
    reset_parser.add_argument("--account", help="only this account's state (a test key such "
                                                "as sk_test_abc, or the account name: for "
                                                "keys paired with serve --account, the name)")
    reset_parser.set_defaults(run=reset)
    args = parser.parse_args(argv)
    try:
        args.run(args)
    except (StoreError, OSError) as error:  # a database it cannot open, a port in use
        sys.exit(f"stripe_emu: {error}")


if __name__ == "__main__":
    main()
