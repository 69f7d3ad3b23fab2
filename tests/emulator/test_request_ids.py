"""Request ids (`X-Request-Id`, the journal's and error bodies' `request_id`): random version-4
UUIDs, written without a UUID object (emulator.request_state.new_request_id)."""

from __future__ import annotations

import os
import random
import uuid

from emulator.request_state import new_request_id


def test_a_request_id_is_a_version_4_uuid_as_uuid_writes_it():
    for _ in range(1000):
        text = new_request_id()
        parsed = uuid.UUID(text)
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        assert str(parsed) == text


def test_request_ids_do_not_repeat_when_the_global_generator_is_seeded_again():
    random.seed(7)  # as hypothesis does before each example
    first = [new_request_id() for _ in range(5)]
    random.seed(7)
    again = [new_request_id() for _ in range(5)]
    assert len({*first, *again, *(new_request_id() for _ in range(10_000))}) == 10_010


def test_a_forked_process_draws_other_ids_than_its_parent():
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report its first id, then leave without running anything else
        os.write(write_end, new_request_id().encode())
        os._exit(0)
    os.close(write_end)
    child = os.read(read_end, 100).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    assert uuid.UUID(child).version == 4
    assert child != new_request_id()
