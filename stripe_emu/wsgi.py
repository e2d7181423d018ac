"""The emulator as a module-level WSGI callable, for WSGI servers:

    STRIPE_EMU_DB=stripe_emu.db gunicorn --workers 3 stripe_emu.wsgi:app
    STRIPE_EMU_DB=stripe_emu.db waitress-serve --threads 8 stripe_emu.wsgi:app

STRIPE_EMU_DB names the SQLite file every worker shares (default stripe_emu.db);
STRIPE_EMU_CONTROL_PLANE=open lets non-loopback clients use /_emu/;
STRIPE_EMU_ALLOW_HOSTS (comma-separated names, or *) the Host names answered besides
localhost and IP addresses (hosts.py). Failed webhook attempts are logged on stderr, the
server's error log, one line each as `serve` logs them.

Each process opens its own database connections on its first request: SQLite connections
must not cross a fork, and gunicorn --preload imports this module before forking workers.
"""
import os
import threading

from . import make_app, webhooks

_lock = threading.Lock()
_apps = {}  # pid → App: only the entry for this process is ever used


def _app():
    pid = os.getpid()
    app = _apps.get(pid)
    if app is None:
        with _lock:
            app = _apps.get(pid)
            if app is None:
                _apps.clear()  # a forked child drops its parent's app without closing it
                app = _apps[pid] = make_app(
                    db=os.environ.get("STRIPE_EMU_DB", "stripe_emu.db"),
                    control_plane=os.environ.get("STRIPE_EMU_CONTROL_PLANE", "loopback"),
                    allow_hosts=[name for name in os.environ.get(
                        "STRIPE_EMU_ALLOW_HOSTS", "").split(",") if name.strip()])
                # Failed webhook attempts go to the worker's stderr: the server's error log.
                app.webhooks.log = webhooks.log_to_stderr
    return app


def app(environ, start_response):
    return _app()(environ, start_response)
