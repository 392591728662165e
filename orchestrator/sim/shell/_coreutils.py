"""The GNU coreutils-like commands: cat, ls, hostname, grep, head, wc, sleep, mkdir, touch, rm.

Their texts are GNU coreutils 9.4's (coreutils/coreutils tag ``v9.4``, ``src/<program>.c``) in
the UTF-8 locale the machine's programs run in (``LANG=C.UTF-8``, which Juju also sets for a
hook and for ``juju exec``): gnulib's ``quote`` then puts a name in curly quotes (U+2018 and
U+2019), its ``quoteaf`` (shell escaping) in ASCII apostrophes.
"""

# pyright: strict

from __future__ import annotations

import posixpath
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


_OPEN_QUOTE = '\u2018'
_CLOSE_QUOTE = '\u2019'


def _quote(text: str) -> str:
    """A name as gnulib's ``quote`` writes it in a UTF-8 locale (plain names only)."""
    return f'{_OPEN_QUOTE}{text}{_CLOSE_QUOTE}'


def _try_help(call: Call, message: str) -> CommandResult:
    """A usage error: the message, then gnulib's ``emit_try_help`` line; exit 1."""
    name = call.name
    return CommandResult('', f"{name}: {message}\nTry '{name} --help' for more information.\n", 1)


def _gnu_options(
    call: Call, allowed: str, *, stop_at_operand: bool = False
) -> tuple[set[str], list[str]] | CommandResult:
    """getopt_long's short options, or its error for an unknown one.

    ``--help`` and ``--version`` are not emulated (refused as such); any other long option is
    ``unrecognized option '--x'``, an unknown short one ``invalid option -- 'x'``. With
    ``stop_at_operand`` the first operand ends the options (``parse_gnu_standard_options_only``
    scans with ``+``, as ``sleep`` does).
    """
    flags: set[str] = set()
    operands: list[str] = []
    only_operands = False
    for arg in call.args:
        if only_operands or arg == '-' or not arg.startswith('-'):
            operands.append(arg)
            only_operands = only_operands or stop_at_operand
        elif arg == '--':
            only_operands = True
        elif arg.startswith('--'):
            if arg in ('--help', '--version'):
                raise call.unsupported(f"option '{arg}' of {call.name}")
            return _try_help(call, f"unrecognized option '{arg}'")
        else:
            for flag in arg[1:]:
                if flag not in allowed:
                    return _try_help(call, f"invalid option -- '{flag}'")
                flags.add(flag)
    return flags, operands


_SLEEP_NUMBER = re.compile(r'\s*\+?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?')
_SLEEP_SUFFIX = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400}


def _sleep(call: Call) -> CommandResult:
    """GNU sleep: the sum of its intervals (``s``, ``m``, ``h``, ``d``) on the World's clock.

    ``src/sleep.c``: each operand is a non-negative number with at most one suffix letter,
    else ``invalid time interval`` and the operand (every bad one is named), the try-help line,
    exit 1; none: ``missing operand``. Time passes through the World's ``sleep`` (a real wait
    under ``olm exec``, a virtual clock's in tests). ``inf``, hexadecimal and other spellings
    ``strtod`` takes are refused as not emulated.
    """
    parsed = _gnu_options(call, '', stop_at_operand=True)
    if isinstance(parsed, CommandResult):
        return parsed
    _, operands = parsed
    if not operands:
        return _try_help(call, 'missing operand')
    total = 0.0
    errors: list[str] = []
    for arg in operands:
        if re.fullmatch(
            r'\s*[-+]?(?:inf(?:inity)?|nan|0[xX][0-9a-fA-F.]+(?:[pP][-+]?[0-9]+)?)[smhd]?',
            arg,
            re.IGNORECASE,
        ):
            raise call.unsupported(f"interval '{arg}' of {call.name}")
        number = _SLEEP_NUMBER.match(arg)
        suffix = arg[number.end() :] if number else None
        if number is None or suffix not in _SLEEP_SUFFIX:
            errors.append(f'{call.name}: invalid time interval {_quote(arg)}\n')
            continue
        total += float(number.group()) * _SLEEP_SUFFIX[suffix]
    if errors:
        name = call.name
        return CommandResult(
            '', ''.join(errors) + f"Try '{name} --help' for more information.\n", 1
        )
    call.host.world.sleep(total)
    return CommandResult()


def _mkdir(call: Call) -> CommandResult:
    """GNU mkdir [-p]: ``cannot create directory`` and the name, then why.

    ``src/mkdir.c`` with gnulib ``mkdir-p.c`` (``quote``): an existing file, or an existing
    directory without ``-p``: ``File exists``; a missing parent without ``-p``: ``No such file
    or directory``; a file on the way: ``Not a directory``, naming that file under ``-p``.
    """
    parsed = _gnu_options(call, 'p')
    if isinstance(parsed, CommandResult):
        return parsed
    flags, operands = parsed
    if not operands:
        return _try_help(call, 'missing operand')
    host = call.host
    err: list[str] = []
    for arg in operands:
        stat_kind(call, arg)  # refuses a relative path
        name = machine_path(arg)
        named, why = arg, None
        blocking = next((a for a in _ancestors(name) if host.exists(a) and not host.is_dir(a)), '')
        if host.is_dir(name):
            why = None if 'p' in flags else 'File exists'
        elif host.exists(name):
            why = 'File exists'
        elif blocking:
            named, why = (blocking if 'p' in flags else arg), NOT_DIR
        elif 'p' in flags or host.is_dir(posixpath.dirname(name)):
            host.mkdir(name)
        else:
            why = MISSING
        if why is not None:
            err.append(f'{call.name}: cannot create directory {_quote(named)}: {why}\n')
    return CommandResult('', ''.join(err), 1 if err else 0)


def _ancestors(name: str) -> list[str]:
    """The directories above ``name``, outermost first (``/`` left out)."""
    parts = name.strip('/').split('/')[:-1]
    return ['/' + '/'.join(parts[: i + 1]) for i in range(len(parts))]


def _touch(call: Call) -> CommandResult:
    """GNU touch: a missing file is made empty; ``cannot touch 'F': No such file or directory``.

    ``src/touch.c`` (``quoteaf``); olm keeps no file times, so touching an existing file
    changes nothing.
    """
    parsed = _gnu_options(call, '')
    if isinstance(parsed, CommandResult):
        return parsed
    _, operands = parsed
    if not operands:
        return _try_help(call, 'missing file operand')
    err: list[str] = []
    for arg in operands:
        kind = stat_kind(call, arg)
        name = machine_path(arg)
        if kind in (FILE, DIR):
            continue
        parent = posixpath.dirname(name)
        if kind == MISSING and stat_kind(call, parent) == DIR:
            call.host.write_text(name, '')
        else:
            err.append(f"{call.name}: cannot touch '{arg}': {kind}\n")
    return CommandResult('', ''.join(err), 1 if err else 0)


def _rm(call: Call) -> CommandResult:
    """GNU rm [-f] [-r|-R]: ``cannot remove 'F': No such file or directory`` / ``Is a directory``.

    ``src/rm.c`` and ``src/remove.c`` (``quoteaf``); ``-f`` is quiet about missing files and
    makes a missing operand list no error.
    """
    parsed = _gnu_options(call, 'frR')
    if isinstance(parsed, CommandResult):
        return parsed
    flags, operands = parsed
    if not operands:
        if 'f' in flags:
            return CommandResult()
        return _try_help(call, 'missing operand')
    err: list[str] = []
    for arg in operands:
        kind = stat_kind(call, arg)
        name = machine_path(arg)
        if name == '/' and flags & {'r', 'R'}:
            raise call.unsupported(f'{call.name} -r of /')
        if kind == FILE:
            call.host.remove(name)
        elif kind == DIR and flags & {'r', 'R'}:
            call.host.remove_tree(name)
        elif kind == DIR:
            err.append(f"{call.name}: cannot remove '{arg}': {IS_DIR}\n")
        elif not (kind == MISSING and 'f' in flags):
            err.append(f"{call.name}: cannot remove '{arg}': {kind}\n")
    return CommandResult('', ''.join(err), 1 if err else 0)


COREUTILS: Mapping[str, Callable[[Call], CommandResult]] = {
    'cat': _cat,
    'ls': _ls,
    'hostname': _hostname,
    'grep': _grep,
    'head': _head,
    'wc': _wc,
    'sleep': _sleep,
    'mkdir': _mkdir,
    'touch': _touch,
    'rm': _rm,
}
"""Programs of a real Ubuntu machine emulated here, over the simulated machine's files."""
