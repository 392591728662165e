"""The GNU coreutils-like commands: ``cat``, ``ls``, ``hostname``, ``grep``, ``head``, ``wc``."""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from metal_host._protocol import machine_path

from ._call import (
    DIR,
    FILE,
    IS_DIR,
    MISSING,
    NOT_DIR,
    Call,
    CommandResult,
    read_operand,
    short_options,
    split_lines,
    stat_kind,
)
from ._regex import python_regex

__all__ = ['COREUTILS']


def _cat(call: Call) -> CommandResult:
    """GNU cat without options: the files (``-`` or none: standard input) in turn."""
    _, operands = short_options(call, '')
    out: list[str] = []
    err: list[str] = []
    for arg in operands or ['-']:
        text, why = read_operand(call, arg)
        out.append(text)
        if why is not None:
            err.append(f'{call.name}: {arg}: {why}\n')
    return CommandResult(''.join(out), ''.join(err), 1 if err else 0)


def _ls(call: Call) -> CommandResult:
    """GNU ls to a pipe: one name per line, files first, then each directory."""
    _, operands = short_options(call, '1')
    if not operands:
        raise call.unsupported(f'{call.name} without a path (there is no working directory)')
    files: list[str] = []
    directories: list[str] = []
    err: list[str] = []
    for arg in operands:
        kind = stat_kind(call, arg)
        if kind == DIR:
            directories.append(arg)
        elif kind == FILE:
            files.append(arg)
        else:
            err.append(f"{call.name}: cannot access '{arg}': {kind}\n")
    out = [f'{name}\n' for name in sorted(files)]
    for directory in sorted(directories):
        if out:
            out.append('\n')
        if len(operands) > 1:
            out.append(f'{directory}:\n')
        names = call.host.listdir(machine_path(directory))
        out.extend(f'{name}\n' for name in names if not name.startswith('.'))
    return CommandResult(''.join(out), ''.join(err), 2 if err else 0)


def _hostname(call: Call) -> CommandResult:
    """The host name, or with ``-I`` every address, each followed by a space."""
    flags, operands = short_options(call, 'I')
    if operands:
        raise call.unsupported(f'setting the host name with {call.name}')
    if 'I' in flags:
        return CommandResult(''.join(f'{a} ' for a in call.host.addresses()) + '\n')
    return CommandResult(call.host.hostname() + '\n')


def _grep(call: Call) -> CommandResult:
    """GNU grep over one file or standard input: ``-q``, ``-c``, ``-v``, ``-i``, ``-F``, ``-E``."""
    flags, operands = short_options(call, 'qcviFE')
    if not operands:
        usage = f'Usage: {call.name} [OPTION]... PATTERNS [FILE]...\n'
        return CommandResult('', usage + f"Try '{call.name} --help' for more information.\n", 2)
    pattern, files = operands[0], operands[1:]
    if len(files) > 1:
        raise call.unsupported(f'{call.name} with more than one file')
    try:
        if '\n' in pattern:
            raise ValueError('several patterns')
        source = (
            re.escape(pattern) if 'F' in flags else python_regex(pattern, basic='E' not in flags)
        )
        regex = re.compile(source, re.IGNORECASE if 'i' in flags else 0)
    except (ValueError, re.error):
        raise call.unsupported(f"{call.name} pattern '{pattern}'") from None
    text, why = read_operand(call, files[0] if files else '-')
    if why is not None:
        return CommandResult('', f'{call.name}: {files[0]}: {why}\n', 2)
    lines = [line.removesuffix('\n') for line in split_lines(text)]
    chosen = [line for line in lines if (regex.search(line) is None) == ('v' in flags)]
    status = 0 if chosen else 1
    if 'q' in flags:
        return CommandResult(status=status)
    if 'c' in flags:
        return CommandResult(f'{len(chosen)}\n', status=status)
    return CommandResult(''.join(f'{line}\n' for line in chosen), status=status)


def _head(call: Call) -> CommandResult:
    """GNU head of one file or standard input: the first ten lines, or ``-n N`` (``-N``)."""
    count = '10'
    operands: list[str] = []
    args = list(call.args)
    while args:
        arg = args.pop(0)
        if arg == '--':
            operands.extend(args)
            break
        if arg == '-n' and args:
            count = args.pop(0)
        elif arg.startswith('-n'):
            count = arg[2:]
        elif arg[1:].isdigit() and arg.startswith('-'):
            count = arg[1:]
        elif arg.startswith('-') and arg != '-':
            raise call.unsupported(f"option '{arg}' of {call.name}")
        else:
            operands.append(arg)
    if not count.isdigit():
        raise call.unsupported(f"line count '{count}' of {call.name}")
    if len(operands) > 1:
        raise call.unsupported(f'{call.name} with more than one file')
    arg = operands[0] if operands else '-'
    text, why = read_operand(call, arg)
    if why == IS_DIR:
        return CommandResult('', f"{call.name}: error reading '{arg}': {why}\n", 1)
    if why is not None:
        return CommandResult('', f"{call.name}: cannot open '{arg}' for reading: {why}\n", 1)
    return CommandResult(''.join(split_lines(text)[: int(count)]))


def _wc(call: Call) -> CommandResult:
    """GNU ``wc -l`` of one file or standard input: the number of newlines."""
    flags, operands = short_options(call, 'l')
    if flags != {'l'}:
        raise call.unsupported(f'{call.name} without -l')
    if len(operands) > 1:
        raise call.unsupported(f'{call.name} with more than one file')
    arg = operands[0] if operands else '-'
    text, why = read_operand(call, arg)
    if why in (MISSING, NOT_DIR):
        return CommandResult('', f'{call.name}: {arg}: {why}\n', 1)
    lines = text.count('\n')
    if arg == '-':
        return CommandResult(f'{lines}\n')
    err = f'{call.name}: {arg}: {why}\n' if why is not None else ''  # a directory reads as empty
    return CommandResult(f'{lines} {arg}\n', err, 1 if err else 0)


COREUTILS: Mapping[str, Callable[[Call], CommandResult]] = {
    'cat': _cat,
    'ls': _ls,
    'hostname': _hostname,
    'grep': _grep,
    'head': _head,
    'wc': _wc,
}
"""Programs of a real Ubuntu machine emulated here, over the simulated machine's files."""
