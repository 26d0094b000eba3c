"""The metadata journal: an append-only log of checksummed records over a checkpoint.

Layer: below fs/persistent.py; imports fs/storage.py and the standard library. It
knows nothing of inodes: records and checkpoints are JSON values the filesystem
defines.

On storage, generation G of the metadata is the object `checkpoint.{G % 2}` (a
header with magic, G, length and a CRC of G, length and the JSON body) plus the log
`journal.{G}`.
A log record is `length u32 | crc32 u32 | sequence u64 | payload`, the CRC covering
generation, sequence and payload; sequences start at 0 in each log and rise by one.

Loading picks the valid checkpoint with the highest generation (none: generation 0,
empty state) and replays its log up to the first record that is short, fails its
CRC or breaks the sequence; that tail was torn by a crash and is cut off (durably)
before anything new is appended, so a half-written record is never replayed.

Group commit: `append` only buffers; `commit` writes the buffer and flushes once, so
many metadata changes share one flush. A large buffer is written out early (without
a flush), which is safe because every prefix of the log is a consistent state; if
that write fails the records stay buffered and `commit` reports the error.

Compaction (`checkpoint`) writes the whole state into the other checkpoint slot with
generation G+1, flushes it, then starts `journal.{G+1}` and deletes `journal.{G}`.
A crash before the flush finishes leaves slot G+1 invalid, so G and its log win; a
crash after it leaves G+1 with an empty or missing log, which is the same state.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

from .storage import Storage, StorageError, StorageObject

CHECKPOINT_MAGIC = b"WMXC"
_CHECKPOINT_HEADER = struct.Struct("<4sQQI")  # magic, generation, body length, crc32
_CHECKPOINT_STAMP = struct.Struct("<QQ")  # generation, body length: folded into the crc
_RECORD_HEADER = struct.Struct("<IIQ")  # payload length, crc32, sequence
_STAMP = struct.Struct("<QQ")  # generation, sequence: folded into each record's crc
WRITE_OUT_BYTES = 256 * 1024  # buffered bytes written out before a commit asks


class JournalCorrupt(Exception):
    """A record passed its checksum but is not a valid value (a kernel bug)."""


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _checkpoint_crc(generation: int, body: bytes) -> int:
    """Covers the header fields too, so a header torn between two generations fails."""
    return zlib.crc32(body, zlib.crc32(_CHECKPOINT_STAMP.pack(generation, len(body))))


def _record_crc(generation: int, sequence: int, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(_STAMP.pack(generation, sequence)))


class Journal:
    """Checkpoint plus log on `storage`. Call `load()` once before anything else."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.generation = 0
        self.sequence = 0  # sequence of the next record
        self.log: StorageObject | None = None
        self.log_end = 0  # bytes of the log written to storage
        self.flushed_end = 0  # bytes of the log known durable
        self.buffer: list[bytes] = []
        self.buffered_bytes = 0
        self.checkpoint_bytes = 0
        self.commits = 0

    @property
    def pending(self) -> bool:
        """True while appended records are not yet durable."""
        return bool(self.buffer) or self.log_end > self.flushed_end

    @property
    def log_bytes(self) -> int:
        return self.log_end + self.buffered_bytes

    def load(self) -> tuple[Any, list[Any]]:
        """(checkpoint state or None on fresh storage, records logged after it)."""
        state: Any = None
        for slot in (0, 1):
            found = self._read_checkpoint(f"checkpoint.{slot}")
            if found is not None and (state is None or found[0] > self.generation):
                self.generation, state, self.checkpoint_bytes = found
        log_name = f"journal.{self.generation}"
        self.log = self.storage.open(log_name, create=True)
        records = self._replay(self.log)
        for name in self.storage.names():
            if name.startswith("journal.") and name != log_name:
                self.storage.delete(name)
        return state, records

    def _read_checkpoint(self, name: str) -> tuple[int, Any, int] | None:
        try:
            handle = self.storage.open(name)
        except FileNotFoundError:
            return None
        try:
            header = handle.read(0, _CHECKPOINT_HEADER.size)
            if len(header) < _CHECKPOINT_HEADER.size:
                return None
            magic, generation, length, crc = _CHECKPOINT_HEADER.unpack(header)
            body = handle.read(_CHECKPOINT_HEADER.size, length)
        finally:
            handle.close()
        if (magic != CHECKPOINT_MAGIC or len(body) != length
                or _checkpoint_crc(generation, body) != crc):
            return None
        return generation, json.loads(body), len(body)

    def _replay(self, log: StorageObject) -> list[Any]:
        data = log.read(0, log.size())
        records: list[Any] = []
        position = 0
        while position + _RECORD_HEADER.size <= len(data):
            length, crc, sequence = _RECORD_HEADER.unpack_from(data, position)
            start = position + _RECORD_HEADER.size
            payload = data[start:start + length]
            if (sequence != len(records) or len(payload) != length
                    or _record_crc(self.generation, sequence, payload) != crc):
                break
            try:
                records.append(json.loads(payload))
            except ValueError as error:
                raise JournalCorrupt(f"record {sequence}: {error}") from error
            position = start + length
        if position < len(data):
            log.truncate(position)
            log.flush()
        self.sequence = len(records)
        self.log_end = self.flushed_end = position
        return records

    def append(self, record: Any) -> None:
        """Buffer one record; it is durable after the next commit()."""
        payload = _encode(record)
        header = _RECORD_HEADER.pack(len(payload),
                                     _record_crc(self.generation, self.sequence, payload),
                                     self.sequence)
        self.sequence += 1
        self.buffer.append(header + payload)
        self.buffered_bytes += len(header) + len(payload)
        if self.buffered_bytes >= WRITE_OUT_BYTES:
            try:
                self._write_out()
            except StorageError:
                pass  # still buffered: the next commit retries and reports the error

    def _write_out(self) -> None:
        assert self.log is not None
        data = b"".join(self.buffer)
        self.log.write(self.log_end, data)
        self.log_end += len(data)
        self.buffer.clear()
        self.buffered_bytes = 0

    def commit(self) -> None:
        """Write and flush every buffered record (one flush; nothing to do when clean).
        On StorageFull the records stay buffered and the log is unchanged."""
        if not self.pending:
            return
        assert self.log is not None
        if self.buffer:
            self._write_out()
        self.log.flush()
        self.flushed_end = self.log_end
        self.commits += 1

    def checkpoint(self, state: Any) -> None:
        """Replace checkpoint and log by `state`, which must include every record
        appended so far (those records are dropped)."""
        assert self.log is not None
        body = _encode(state)
        generation = self.generation + 1
        handle = self.storage.open(f"checkpoint.{generation % 2}", create=True)
        try:
            header = _CHECKPOINT_HEADER.pack(CHECKPOINT_MAGIC, generation, len(body),
                                             _checkpoint_crc(generation, body))
            handle.write(0, header + body)
            handle.truncate(len(header) + len(body))
            handle.flush()
        finally:
            handle.close()
        self.log.close()
        self.storage.delete(f"journal.{self.generation}")
        self.generation = generation
        self.checkpoint_bytes = len(body)
        self.log = self.storage.open(f"journal.{generation}", create=True)
        self.log.truncate(0)
        self.log.flush()
        self.buffer.clear()
        self.buffered_bytes = 0
        self.sequence = self.log_end = self.flushed_end = 0

    def close(self) -> None:
        """Release the log handle (commit first to keep buffered records)."""
        if self.log is not None:
            self.log.close()
            self.log = None
