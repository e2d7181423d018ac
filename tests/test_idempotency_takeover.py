"""A key whose first request died with its process is free at once (issue 12, item 5): the
client's retry executes, rather than answering 409 until the key goes stale."""
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import Api

from stripe_emu import make_app

ROOT = Path(__file__).resolve().parent.parent
KEY = {"Idempotency-Key": "order-42"}

# A process serving the file whose POST /v1/customers stops inside its handler, after the
# key was taken and the write lock held, and says so on stdout.
_HOLDER = textwrap.dedent("""
    import io, sys, time
    sys.path.insert(0, {root!r})
    from stripe_emu import make_app, routes
    from stripe_emu.resources import customers
    from stripe_emu.routing import Route, Router

    def create(req):
        customers.create_customer(req)
        print("entered", flush=True)
        time.sleep(60)

    app = make_app(db={db!r})
    app.router = Router([*routes.ROUTES, Route("POST", "/v1/customers", create)])
    body = b"email=a%40example.com"
    app({{"REQUEST_METHOD": "POST", "PATH_INFO": "/v1/customers", "QUERY_STRING": "",
         "CONTENT_TYPE": "application/x-www-form-urlencoded",
         "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body),
         "HTTP_AUTHORIZATION": "Bearer sk_test_emu4242", "HTTP_IDEMPOTENCY_KEY": "order-42",
         "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "0", "wsgi.url_scheme": "http",
         "wsgi.errors": sys.stderr}}, lambda *a: None)
""")


def test_a_key_held_by_a_killed_process_is_taken_over_at_once(tmp_path):
    database = str(tmp_path / "emu.db")
    make_app(db=database).close()
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER.format(root=str(ROOT),
                                                                     db=database)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "entered"
    finally:
        holder.kill()  # SIGKILL: nothing of the request's own clean-up runs
        holder.wait(10)
        holder.stdout.close()
    app = make_app(db=database)
    try:
        api = Api(app)
        created = api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)
        assert "Idempotent-Replayed" not in api.last.headers
        assert api.post("/v1/customers", {"email": "a@example.com"}, headers=KEY)["id"] \
            == created["id"]
        assert api.last.headers["Idempotent-Replayed"] == "true"
        assert [c["id"] for c in api.get("/v1/customers")["data"]] == [created["id"]]
        assert [e["data"]["object"]["id"] for e in api.get("/v1/events")["data"]] \
            == [created["id"]]
    finally:
        app.close()
