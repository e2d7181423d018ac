"""Ids come from a generator seeded per process, reseeded in a forked child (workers forked
from one parent must not draw the same ids); secrets come from the kernel's random source."""
import os
import re

from stripe_emu import ids


def test_a_forked_child_draws_other_ids_than_its_parent():
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next ids, then out without running the parent's cleanups
        os.write(write, " ".join(ids.new_id(ids.CUSTOMER) for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    parent = [ids.new_id(ids.CUSTOMER) for _ in range(3)]
    with os.fdopen(read) as pipe:
        child = pipe.read().split()
    os.waitpid(pid, 0)
    assert len(child) == 3 and not set(child) & set(parent)
    assert all(re.fullmatch(r"cus_[A-Za-z0-9]{14}", one) for one in child + parent)


def test_secrets_do_not_come_from_the_id_generator():
    state = ids._ids.getstate()
    first_id, first_secret = ids.random_suffix(24), ids.secret_suffix(24)
    ids._ids.setstate(state)
    again_id, again_secret = ids.random_suffix(24), ids.secret_suffix(24)
    assert first_id == again_id  # the generator's next draw, replayed
    assert first_secret != again_secret
    assert re.fullmatch(r"[A-Za-z0-9]{24}", first_secret)
