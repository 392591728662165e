"""Machines set aside on disk: a whole file checked before any of it is imported."""

# pyright: strict

from __future__ import annotations

import copyreg
import gzip
import pickle
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from types import MappingProxyType, TracebackType
from typing import IO, Any, Final

from ..machine import Machine

__all__ = ['Spool']


def _proxy(mapping: Mapping[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(dict(mapping))


def _reduce_proxy(proxy: MappingProxyType[str, Any]) -> tuple[Callable[..., Any], tuple[Any]]:
    return _proxy, (dict(proxy),)


_TABLE: Final = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}


class Spool:
    """Machines written to an unnamed temporary file as they come, read back once.

    An import must refuse a bad file before it changes anything, and a file's problem may be
    in its last entry; holding 100,000 machines until then is what made an import take a
    gigabyte. They wait here instead: pickled one by one (each alone, so nothing is held
    between them) and compressed (a generated machine takes about 110 bytes), in a file the
    system deletes when it is closed. Used as a context manager.

    Attributes:
        count: the machines written.
    """

    def __init__(self, machines: Iterable[Machine]) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.count = 0
        try:
            with gzip.GzipFile(fileobj=self._file, mode='wb', compresslevel=1) as packed:
                pickler = pickle.Pickler(packed, protocol=pickle.HIGHEST_PROTOCOL)
                pickler.dispatch_table = _TABLE
                for machine in machines:
                    pickler.dump(machine)
                    pickler.clear_memo()
                    self.count += 1
        except BaseException:
            self.close()
            raise

    def __iter__(self) -> Iterator[Machine]:
        """The machines, in the order written."""
        self._file.seek(0)
        with gzip.GzipFile(fileobj=self._file, mode='rb') as packed:
            for _ in range(self.count):
                # Our own data: the file has no name and is open to this process only.
                yield pickle.Unpickler(packed).load()  # noqa: S301

    def close(self) -> None:
        """Delete the file."""
        self._file.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
