"""The command line refuses what it cannot honour, before opening anything."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("flags, complaint", [
    # 99999 was bound as 99999 % 65536 = 34463: a server on a port nobody asked for.
    (["--port", "99999"], "--port: 99999 is not a port number (0 to 65535)"),
    (["--port", "-1"], "--port: -1 is not a port number (0 to 65535)"),
    (["--max-connections", "0"], "--max-connections: 0 is not a positive number"),
])
def test_serve_refuses_a_flag_out_of_range(flags, complaint, tmp_path):
    done = subprocess.run([sys.executable, "-m", "stripe_emu", "serve", "--db", ":memory:",
                           *flags], cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert done.returncode == 2
    assert complaint in done.stderr
    assert "listening" not in done.stdout


def test_serve_names_the_flag_of_a_word_where_a_number_belongs():
    done = subprocess.run([sys.executable, "-m", "stripe_emu", "serve", "--port", "abc"],
                          cwd=ROOT, capture_output=True, text=True, timeout=20)
    assert done.returncode == 2
    assert "argument --port: abc is not a port number (0 to 65535)" in done.stderr
