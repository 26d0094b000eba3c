"""The metadata journal: group commit, torn tails, corruption, checkpoints and their crashes."""

from __future__ import annotations

import random

import pytest
from wasmux.fs.journal import Journal
from wasmux.fs.storage import MemoryStorage, SimulatedCrash


def reload(storage: MemoryStorage) -> tuple[object, list[object]]:
    """What a fresh mount would load (the journal is closed again)."""
    journal = Journal(storage)
    loaded = journal.load()
    journal.close()
    return loaded


def test_fresh_storage_loads_empty() -> None:
    assert reload(MemoryStorage()) == (None, [])


def test_group_commit_flushes_once_for_many_records() -> None:
    storage = MemoryStorage()
    journal = Journal(storage)
    journal.load()
    flushes = storage.flushes
    for number in range(100):
        journal.append(["op", number])
    journal.commit()
    journal.commit()
    assert storage.flushes == flushes + 1
    journal.close()
    assert reload(storage) == (None, [["op", number] for number in range(100)])


def test_uncommitted_records_are_not_required_to_survive() -> None:
    storage = MemoryStorage()
    journal = Journal(storage)
    journal.load()
    journal.append("kept")
    journal.commit()
    journal.append("buffered only")
    storage.crash(random.Random(0))
    assert reload(storage) == (None, ["kept"])


def test_torn_journal_tail_is_discarded_and_cut_off() -> None:
    seen = set()
    for seed in range(60):
        storage = MemoryStorage()
        journal = Journal(storage)
        journal.load()
        journal.append(["durable", 0])
        journal.commit()
        for number in range(1, 6):
            journal.append(["late", number, "x" * 50])
        journal._write_out()  # written but not flushed: the crash may tear it anywhere
        storage.crash(random.Random(seed))
        journal = Journal(storage)
        _, records = journal.load()
        assert records[0] == ["durable", 0]
        assert records[1:] == [["late", number, "x" * 50] for number in range(1, len(records))]
        seen.add(len(records))
        # appending after a torn tail continues the sequence cleanly
        journal.append("after")
        journal.commit()
        journal.close()
        assert reload(storage)[1] == records + ["after"]
    assert len(seen) > 3


def test_corrupt_record_stops_replay_there() -> None:
    storage = MemoryStorage()
    journal = Journal(storage)
    journal.load()
    for number in range(5):
        journal.append(number)
    journal.commit()
    journal.close()
    log = storage.blobs["journal.0"]
    log.data[40] ^= 0xFF
    _, records = reload(storage)
    assert records == list(range(len(records))) and len(records) < 5


def test_checkpoint_replaces_log_and_survives_reload() -> None:
    storage = MemoryStorage()
    journal = Journal(storage)
    journal.load()
    journal.append("before")
    journal.checkpoint({"tree": 1})
    journal.append("after")
    journal.commit()
    journal.checkpoint({"tree": 2})
    journal.append("last")
    journal.commit()
    journal.close()
    assert reload(storage) == ({"tree": 2}, ["last"])
    assert sorted(name for name in storage.names()) == ["checkpoint.0", "checkpoint.1",
                                                        "journal.2"]


@pytest.mark.parametrize("crash_after", range(8))
def test_crash_during_compaction_leaves_old_or_new_state(crash_after: int) -> None:
    for seed in range(10):
        storage = MemoryStorage()
        journal = Journal(storage)
        journal.load()
        journal.checkpoint({"tree": "old"})
        journal.append("old record")
        journal.commit()
        storage.arm_crash(crash_after)
        try:
            journal.checkpoint({"tree": "new"})
            journal.append("new record")
            journal.commit()
        except SimulatedCrash:
            pass
        storage.crash(random.Random(seed))
        state, records = reload(storage)
        assert (state, records) in (({"tree": "old"}, ["old record"]), ({"tree": "new"}, []),
                                    ({"tree": "new"}, ["new record"]))


def test_checkpoint_header_torn_between_generations_is_invalid() -> None:
    storage = MemoryStorage()
    journal = Journal(storage)
    journal.load()
    journal.checkpoint({"tree": "generation 1"})
    journal.checkpoint({"tree": "generation 2"})
    journal.close()
    # a new generation 3 header whose write tore after its generation field
    storage.blobs["checkpoint.1"].data[4:12] = (3).to_bytes(8, "little")
    assert reload(storage) == ({"tree": "generation 2"}, [])
