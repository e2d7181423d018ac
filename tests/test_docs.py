"""The README keeps up with the code: every route and every CLI flag is documented."""
import re
from pathlib import Path

from stripe_emu import __main__ as cli
from stripe_emu import routes

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_every_route_is_in_the_readme():
    for route in routes.ROUTES:
        assert route.template in README, f"{route.method} {route.template} is not documented"


def test_every_documented_endpoint_is_a_route():
    templates = {route.template for route in routes.ROUTES}
    # Endpoint templates, not example URLs such as /v1/customers/cus_XXXX.
    documented = {path for path in re.findall(r"`(?:GET|POST|DELETE)?\s*(/v1/[a-z_/{}]+)`",
                                              README)}
    assert documented and documented <= templates, documented - templates


def test_every_cli_flag_is_in_the_readme():
    flags = set(re.findall(r'add_argument\("(--[a-z-]+)"', Path(cli.__file__).read_text()))
    assert {"--db", "--port", "--host"} <= flags
    for flag in flags:
        assert flag in README, f"{flag} is not documented"


def test_every_module_the_readme_map_names_exists():
    """The "Where things live" map of the README names real files, so a renamed or split
    module cannot leave newcomers looking for what is gone."""
    section = README.split("## Where things live", 1)[1].split("\n## ", 1)[0]
    package = Path(cli.__file__).resolve().parent
    named = set(re.findall(r"\b([a-z0-9_][a-z0-9_./<>]*\.(?:py|sql|json))", section))
    assert {"app.py", "routes.py", "store/objects.py", "control_redirect.py"} <= named
    for name in {name for name in named if "<" not in name}:
        where = package.parent if name == "schema.sql" or name.startswith("tests/") else package
        assert (where / name.removeprefix("stripe_emu/")).exists(), f"{name} is not a file"
    for folder in re.findall(r"^([a-z_]+)/ ", section, re.M):
        assert (package / folder).is_dir(), f"{folder}/ is not a package"
