"""The command line as go-flags reads it: each command's flags, values and booleans."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ._errors import EXIT_USAGE, SnapError


@dataclass
class Options:
    positional: list[str] = field(default_factory=list[str])
    channel: str | None = None
    classic: bool = False
    devmode: bool = False
    hold: str | None = None
    unhold: bool = False
    enable: bool = False
    disable: bool = False
    reload: bool = False
    document: bool = False
    typed: bool = False
    string: bool = False
    command: str | None = None
    given: dict[str, str | None] = field(default_factory=dict[str, str | None])
    """Every option given, by name, with its value (None for a bool)."""


# Each command's options, as go-flags knows them from the command's struct and its mixins
# (canonical/snapd cmd/snap @ 2.67.1: cmd_snap_op.go cmdInstall/cmdRefresh/cmdRemove, cmd_list.go,
# cmd_services.go svcStatus/svcStart/svcStop/svcRestart, cmd_info.go, cmd_get.go, cmd_set.go,
# cmd_unset.go, cmd_run.go, cmd_wait.go, cmd_version.go, cmd_alias.go, cmd_unalias.go,
# cmd_aliases.go; colorMixin and unicodeMixin in color.go,
# waitMixin in wait.go, timeMixin in times.go, channelMixin and modeMixin in cmd_snap_op.go,
# clientutil.ServiceScopeOptions in client/clientutil/service_scope.go). Any other option is
# refused, before anything runs, with go-flags' ``unknown flag `x'`` (exit 64).
_COLOR = frozenset({'color', 'unicode'})

_WAIT = frozenset({'no-wait'})

_CHANNEL = frozenset({'channel', 'stable', 'candidate', 'beta', 'edge'})

_MODE = frozenset({'devmode', 'jailmode', 'classic'})

_SCOPE = frozenset({'system', 'user', 'users'})

COMMAND_FLAGS: Mapping[str, frozenset[str]] = {
    'install': _COLOR
    | _WAIT
    | _CHANNEL
    | _MODE
    | {
        'revision',
        'dangerous',
        'force-dangerous',
        'unaliased',
        'prefer',
        'name',
        'cohort',
        'ignore-validation',
        'ignore-running',
        'transaction',
        'quota-group',
    },
    'refresh': _COLOR
    | _WAIT
    | _CHANNEL
    | _MODE
    | {
        'abs-time',
        'amend',
        'revision',
        'cohort',
        'leave-cohort',
        'list',
        'time',
        'ignore-validation',
        'ignore-running',
        'transaction',
        'hold',
        'unhold',
    },
    'remove': _WAIT | {'revision', 'purge', 'terminate'},
    'list': _COLOR | {'all'},
    'services': frozenset({'global', 'g', 'user', 'u'}),
    'start': _WAIT | _SCOPE | {'enable'},
    'stop': _WAIT | _SCOPE | {'disable'},
    'restart': _WAIT | _SCOPE | {'reload'},
    'set': _WAIT | {'t', 's'},
    'unset': _WAIT,
    'get': frozenset({'t', 'd', 'l'}),
    'info': _COLOR | {'abs-time', 'verbose'},
    'run': frozenset(
        {
            'command',
            'hook',
            'r',
            'shell',
            'debug-log',
            'strace',
            'gdb',
            'gdbserver',
            'experimental-gdbserver',
            'trace-exec',
            'parser-ran',
            'timer',
        }
    ),
    'wait': frozenset(),
    'version': frozenset(),
    'alias': _WAIT,
    'unalias': _WAIT,
    'aliases': frozenset(),
}

NOT_WITH_HOLD = frozenset(
    {
        'amend',
        'revision',
        'cohort',
        'leave-cohort',
        'list',
        'time',
        'ignore-validation',
        'ignore-running',
    }
)
"""cmdRefresh's "other flags" that --hold and --unhold refuse (--transaction all-snaps too)."""

_VALUE_FLAGS = frozenset(
    {
        'channel',
        'revision',
        'name',
        'cohort',
        'transaction',
        'quota-group',
        'color',
        'unicode',
        'users',
        'command',
        'hook',
        'r',
        'parser-ran',
        'timer',
    }
)
"""Options that take a value, as ``--x=v`` or as the next argument (go-flags)."""

_OPTIONAL_VALUE_FLAGS = frozenset({'hold', 'strace', 'gdbserver', 'experimental-gdbserver'})
"""Options whose value is optional (``optional:"yes"``): only ``--hold=24h`` gives one."""

_BOOL_FLAGS = {
    'classic': 'classic',
    'devmode': 'devmode',
    'unhold': 'unhold',
    'enable': 'enable',
    'disable': 'disable',
    'reload': 'reload',
    'd': 'document',
    't': 'typed',
    's': 'string',
}


def parse(command: str, args: Sequence[str]) -> Options:
    """``args`` (after the command) as go-flags parses them for ``command``.

    Raises:
        _SnapError: an option the command does not have, or one missing its value (exit 64).
    """
    allowed = COMMAND_FLAGS[command]
    options = Options()
    items = list(args)
    index = 0
    while index < len(items):
        arg = items[index]
        index += 1
        if arg == '--':
            options.positional.extend(items[index:])
            break
        if not arg.startswith('-') or arg == '-':
            options.positional.append(arg)
            if command == 'run':
                options.positional.extend(items[index:])  # the rest belongs to the app
                break
            continue
        if arg.startswith('--'):
            name, has_value, value = arg[2:].partition('=')
            names = [name]
        else:
            # Short options: '-dt' is -d -t; a value option takes the rest ('-rx1').
            name, has_value, value = arg[1], len(arg) > 2, arg[2:]
            names = [name] if name in _VALUE_FLAGS else list(arg[1:])
            has_value = has_value and name in _VALUE_FLAGS
        for flag in names:
            if flag not in allowed:
                raise SnapError(f"unknown flag `{flag}'", EXIT_USAGE)
        if name in _VALUE_FLAGS and not has_value:
            if index >= len(items):
                prefix = '--' if arg.startswith('--') else '-'
                raise SnapError(f"expected argument for flag `{prefix}{name}'", EXIT_USAGE)
            value, has_value = items[index], True
            index += 1
        elif has_value and name not in _VALUE_FLAGS and name not in _OPTIONAL_VALUE_FLAGS:
            raise SnapError(f"bool flag `--{name}' cannot have an argument", EXIT_USAGE)
        if has_value:
            value = _unquoted(name, value)
        for flag in names:
            options.given[flag] = value if has_value else None
            _apply(options, flag, value if has_value else None)
    return options


def _unquoted(name: str, value: str) -> str:
    """A value as go-flags hands it over: a double-quoted one unquoted (strconv.Unquote).

    jessevdk/go-flags ``parser.go`` parseOption (``unquote`` tag unset: unquoteIfPossible) and
    ``convert.go`` unquoteIfPossible @ 3927b71 (the version snapd 2.67.1's go.mod pins), so
    ``--channel="latest/stable"`` given as one word (what charms.operator_libs_linux.v2.snap
    passes) is the channel ``latest/stable``; one that does not unquote is refused as
    marshalError words it. Assumption: Go's escapes are read as JSON's (they agree on the
    common ones).
    """
    if not value.startswith('"'):
        return value
    try:
        unquoted = json.loads(value)
    except ValueError:
        unquoted = None
    if not isinstance(unquoted, str):
        raise SnapError(
            f"invalid argument for flag `--{name}' (expected string): invalid syntax", EXIT_USAGE
        )
    return unquoted


def _apply(options: Options, flag: str, value: str | None) -> None:
    """Record the options the emulation acts on; the others change nothing it models."""
    if flag == 'channel':
        options.channel = value or None
    elif flag in ('stable', 'candidate', 'beta', 'edge'):
        if options.channel is not None:
            # channelMixin.setChannelFromCommandline (cmd_snap_op.go)
            raise SnapError('Please specify a single channel')
        options.channel = flag
    elif flag == 'hold':
        options.hold = value or 'forever'  # optional-value:"forever"
    elif flag == 'command':
        options.command = value
    elif flag in _BOOL_FLAGS:
        setattr(options, _BOOL_FLAGS[flag], True)
