"""PostgreSQL binary COPY of float8 columns, in and out, in chunks: a million rows without a Python tuple each.

Every field is float8 (integers up to 2**53 travel exactly); callers cast in SQL. No NULLs: use NaN (or a
sentinel) and NULLIF in SQL.
"""

from __future__ import annotations

import numpy as np

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
HEADER = SIGNATURE + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
TRAILER = (-1).to_bytes(2, "big", signed=True)


def _record_dtype(fields: int) -> np.dtype:
    layout = [("count", ">i2")]
    for i in range(fields):
        layout += [(f"size{i}", ">i4"), (f"value{i}", ">f8")]
    return np.dtype(layout)


class _BinaryRows:
    """A file-like object that COPY FROM reads: the header, the rows a chunk at a time, the trailer."""

    def __init__(self, columns: list[np.ndarray], *, chunk: int = 50_000):
        self._columns = [np.asarray(column, dtype=np.float64) for column in columns]
        self._dtype = _record_dtype(len(columns))
        self._chunk = chunk
        self._next = 0
        self._total = len(self._columns[0]) if columns else 0
        self._current = memoryview(HEADER)
        self._offset = 0
        self._done = False

    def _refill(self) -> None:
        if self._next < self._total:
            stop = min(self._next + self._chunk, self._total)
            records = np.empty(stop - self._next, dtype=self._dtype)
            records["count"] = len(self._columns)
            for i, column in enumerate(self._columns):
                records[f"size{i}"] = 8
                records[f"value{i}"] = column[self._next : stop]
            self._current, self._next = memoryview(records.tobytes()), stop
        elif not self._done:
            self._current, self._done = memoryview(TRAILER), True
        else:
            self._current = memoryview(b"")
        self._offset = 0

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (never copying more than what is returned); b"" at the end."""
        if self._offset >= len(self._current):
            self._refill()
        size = len(self._current) - self._offset if size < 0 else size
        data = self._current[self._offset : self._offset + size]
        self._offset += len(data)
        return bytes(data)

    readline = read


def copy_in(cursor, table: str, names: list[str], columns: list[np.ndarray]) -> None:
    """COPY the float8 ``columns`` into ``table`` (``names``: its float8 columns, in order)."""
    cursor.cursor.copy_expert(
        f"COPY {table} ({', '.join(names)}) FROM STDIN WITH (FORMAT binary)", _BinaryRows(columns), size=1 << 20
    )


class _BinarySink:
    """A file-like object COPY TO writes into: parses whole records as they come, keeps only the columns."""

    PARSE_BYTES = 4 << 20

    def __init__(self, fields: int):
        self._dtype = _record_dtype(fields)
        self._fields = fields
        self._buffer = b""
        self._chunks: list[bytes] = []
        self._size = 0
        self._header_seen = False
        self.parts: list[np.ndarray] = []

    def write(self, data) -> int:
        # COPY TO hands over one row per call: collect, and parse a few megabytes at a time.
        self._chunks.append(bytes(data))
        self._size += len(data)
        if self._size >= self.PARSE_BYTES:
            self._parse()
        return len(data)

    def _parse(self) -> None:
        self._buffer += b"".join(self._chunks)
        self._chunks, self._size = [], 0
        if not self._header_seen:
            if len(self._buffer) < len(HEADER):
                return
            if not self._buffer.startswith(SIGNATURE):
                raise ValueError("not a PostgreSQL binary COPY stream")
            self._buffer = self._buffer[len(HEADER) :]
            self._header_seen = True
        whole = len(self._buffer) // self._dtype.itemsize  # the 2-byte trailer is never a whole record
        if whole:
            records = np.frombuffer(self._buffer, dtype=self._dtype, count=whole)
            if (records["count"] != self._fields).any():
                raise ValueError("unexpected field count in COPY stream (a NULL or a non-float8 column?)")
            if any((records[f"size{i}"] != 8).any() for i in range(self._fields)):
                raise ValueError("a NULL or a non-float8 field in the COPY stream")
            self.parts.append(np.column_stack([records[f"value{i}"].astype(np.float64) for i in range(self._fields)]))
            self._buffer = self._buffer[whole * self._dtype.itemsize :]

    def table(self) -> np.ndarray:
        self._parse()
        if self._buffer not in (b"", TRAILER):
            raise ValueError("COPY stream ended inside a record")
        return np.vstack(self.parts) if self.parts else np.empty((0, self._fields))


def copy_out(cursor, query: str, params, *, fields: int) -> np.ndarray:
    """Run ``query`` (every column float8, no NULLs) through COPY … TO STDOUT (FORMAT binary); an (n, fields) array."""
    sql = cursor.cursor.mogrify(query, params).decode()
    sink = _BinarySink(fields)
    cursor.cursor.copy_expert(f"COPY ({sql}) TO STDOUT WITH (FORMAT binary)", sink)
    return sink.table()
