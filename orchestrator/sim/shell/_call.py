"""What an emulated command is given and gives back, and how it reads files and options."""

# pyright: strict

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import NamedTuple

from metal_host._protocol import machine_path

from ..host import SimHost
from ._syntax import ShellError, relative_path, unsupported_error

__all__ = [
    'DIR',
    'FILE',
    'IS_DIR',
    'MISSING',
    'NOT_DIR',
    'Call',
    'CommandResult',
    'read_operand',
    'short_options',
    'split_lines',
    'stat_kind',
]


class CommandResult(NamedTuple):
    stdout: str = ''
    stderr: str = ''
    status: int = 0


@dataclass(frozen=True)
class Call:
    """One run of an emulated command.

    Attributes:
        name: argv[0] as written; GNU tools name themselves by it in their messages.
    """

    host: SimHost
    name: str
    args: tuple[str, ...]
    stdin: str | None
    line: int

    def unsupported(self, what: str) -> ShellError:
        return unsupported_error(self.line, what)


DIR = 'directory'
FILE = 'file'
MISSING = 'No such file or directory'
NOT_DIR = 'Not a directory'
IS_DIR = 'Is a directory'


def stat_kind(call: Call, arg: str) -> str:
    """``_DIR``, ``_FILE``, or why the path cannot be reached, in the C library's words."""
    if not arg.startswith('/'):
        raise call.unsupported(relative_path(arg))
    host = call.host
    name = machine_path(arg)
    if host.is_dir(name):
        return DIR
    if host.exists(name):
        return NOT_DIR if arg.endswith('/') else FILE
    parent = posixpath.dirname(name)
    while parent != '/':
        if host.exists(parent) and not host.is_dir(parent):
            return NOT_DIR
        parent = posixpath.dirname(parent)
    return MISSING


def read_operand(call: Call, arg: str) -> tuple[str, str | None]:
    """A file's text (``-``: standard input), or ``('', why it cannot be read)``."""
    if arg == '-':
        return call.stdin or '', None
    kind = stat_kind(call, arg)
    if kind == FILE:
        return call.host.read_text(machine_path(arg)), None
    return '', IS_DIR if kind == DIR else kind


def short_options(call: Call, allowed: str) -> tuple[set[str], list[str]]:
    """GNU-style short options (anywhere before ``--``) and the operands."""
    flags: set[str] = set()
    operands: list[str] = []
    only_operands = False
    for arg in call.args:
        if only_operands or arg == '-' or not arg.startswith('-'):
            operands.append(arg)
        elif arg == '--':
            only_operands = True
        elif set(arg[1:]) <= set(allowed):
            flags.update(arg[1:])
        else:
            raise call.unsupported(f"option '{arg}' of {call.name}")
    return flags, operands


def split_lines(text: str) -> list[str]:
    """The lines with their newlines; the last may lack one."""
    return re.findall(r'[^\n]*\n|[^\n]+\Z', text)
