"""Looking into a model: show-unit, and exec or ssh on a unit's simulated machine."""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..engine import Engine, EngineError, TaskNotScheduledError
from ._common import UsageError, add_format, emit
from ._tasks import EXEC_WAIT, TaskReport, add_wait, not_scheduled, print_tasks, timed_out

__all__ = ['add_inspection_commands']


def add_inspection_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """show-unit, exec and ssh."""
    p = commands.add_parser('show-unit', help='a unit and what it sees of its relations',
                            parents=[common])  # fmt: skip
    p.add_argument('units', nargs='+', metavar='UNIT')
    add_format(p, default='yaml', choices=('yaml', 'json'))
    p.set_defaults(run=_show_unit)

    p = commands.add_parser(
        'exec',
        help="run a command line on a unit's or a machine's simulated machine",
        description='Run a command line on a simulated machine: its emulated programs (snap, '
        'k8s, microceph, haproxy, systemctl ...) and files, with a small shell (; && || |, '
        'echo, cat, ls, grep, head, wc, test, sleep, mkdir, touch, rm). Nothing runs on this '
        'computer.',
        parents=[common],
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument('-u', '--unit', help='the unit (APP/leader for the leader)')
    target.add_argument('--machine', help='the machine number')
    add_wait(p, EXEC_WAIT)
    p.add_argument('--utc', action='store_true', help='show times in UTC')
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    p.add_argument('command', nargs=argparse.REMAINDER, metavar='-- COMMAND')
    p.set_defaults(run=_exec)

    p = commands.add_parser(
        'ssh',
        help="run a command on a unit's or a machine's simulated machine, as juju ssh does",
        description='Like exec, without the task: the output and exit status are the '
        "command's. There is no interactive shell on a simulated machine.",
        parents=[common],
    )
    _add_ssh_flags(p)
    p.add_argument('target', metavar='[USER@]UNIT|MACHINE')
    p.add_argument('command', nargs=argparse.REMAINDER, metavar='[OPENSSH-OPTIONS] COMMAND')
    p.set_defaults(run=_ssh)

    p = commands.add_parser(
        'scp',
        help='copy files to, from or between simulated machines, as juju scp does',
        description='SOURCE... DESTINATION, each [[USER@]UNIT|MACHINE:]PATH; a remote path '
        "that is not absolute is under /home/ubuntu. The simulated machine's files are olm's, "
        "never this computer's; they hold UTF-8 text only. scp options (-r for directories) "
        'go after --; the others (-i KEY, -C, -o ...) are accepted and ignored.',
        parents=[common],
    )
    _add_ssh_flags(p)
    p.add_argument('paths', nargs=argparse.REMAINDER, metavar='-- [SCP-OPTIONS] SOURCE... DEST')
    p.set_defaults(run=_scp)


def _add_ssh_flags(p: argparse.ArgumentParser) -> None:
    """The flags of juju ssh and scp: meaningless for a simulated machine, so ignored."""
    p.add_argument('--no-host-key-checks', action='store_true',
                   help='accepted: there is no ssh to a simulated machine')  # fmt: skip
    p.add_argument('--container', help='Kubernetes models only: accepted and ignored')
    p.add_argument('--proxy', action='store_true', help='accepted and ignored')
    p.add_argument('--pty', default=None, help='accepted and ignored')


def _show_unit(engine: Engine, args: argparse.Namespace) -> None:
    shown: dict[str, object] = {}
    for name in args.units:
        shown.update(engine.show_unit(name))
    emit(shown, args.format)


def _exec(engine: Engine, args: argparse.Namespace) -> int:
    words = list(args.command)
    if words[:1] == ['--']:
        words = words[1:]
    if not words:
        raise UsageError('missing command')
    # juju exec hands one argument to the shell as it is, several quoted as one line
    # (cmd/juju/action/exec.go Init: utils.CommandString).
    line = words[0] if len(words) == 1 else ' '.join(_command_string(w) for w in words)
    try:
        result = engine.exec(line, unit=args.unit, machine=args.machine)
    except TaskNotScheduledError as error:
        return not_scheduled(error)
    report = TaskReport(
        task=result.id, operation=result.operation, kind=result.kind, receiver=result.target,
        status='completed', message='', results={}, returncode=result.returncode,
        stdout=result.stdout, stderr=result.stderr, log=(), enqueued=result.enqueued,
        completed=result.completed,
    )  # fmt: skip
    if timed_out(report, args.wait):
        return 1
    return print_tasks(report, args.format, plain='exec', utc=args.utc)


def _command_string(word: str) -> str:
    """One argument as juju/utils ``CommandString`` writes it (``trivial.go`` @ v4.0.5).

    ``"``, ``$`` and backslash are escaped with a backslash; a word with one of them or with
    white space goes in double quotes; any other word stays as it is (an empty one included).
    """
    escaped = ''.join('\\' + c if c in '"$\\' else c for c in word)
    if escaped != word or any(c.isspace() for c in word):
        return f'"{escaped}"'
    return word


# OpenSSH's options that take a value (ssh(1), scp(1)); the others are single letters.
_SSH_VALUED = frozenset('BbcDEeFIiJLlmOoPpQRSWw')
_SCP_VALUED = frozenset('cDFiJlmoPSX')


def _strip_options(words: list[str], valued: frozenset[str]) -> tuple[set[str], list[str]]:
    """Leading OpenSSH options (``-i KEY``, ``-oX=Y``, ``-rC``) and the words after them.

    Returns the flag letters given (the valued options' letters left out) and the rest.
    """
    flags: set[str] = set()
    rest = list(words)
    while rest and rest[0].startswith('-') and rest[0] != '-':
        word = rest.pop(0)
        if word == '--':
            break
        letters = word[1:]
        for i, letter in enumerate(letters):
            if letter in valued:
                if i == len(letters) - 1 and rest:
                    rest.pop(0)  # the option's value
                break
            flags.add(letter)
    return flags, rest


def _ssh(engine: Engine, args: argparse.Namespace) -> int:
    target = args.target.rpartition('@')[2]
    # juju ssh passes what follows the target to OpenSSH: its options (-i KEY, -o ...) first.
    # A simulated machine is reached without ssh, so they are accepted and ignored.
    _options, command = _strip_options(list(args.command), _SSH_VALUED)
    if not command:
        raise UsageError('no interactive shell on a simulated machine: give a command to run')
    on = {'unit': target} if '/' in target else {'machine': target}
    try:
        result = engine.exec(' '.join(command), **on)
    except TaskNotScheduledError:
        # juju ssh looks the target up itself, and says so as state does (NotFoundf).
        missing = f'unit "{target}"' if '/' in target else f'machine {target}'
        raise EngineError(f'{missing} not found') from None
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


def _scp(engine: Engine, args: argparse.Namespace) -> int:
    words = list(args.paths)
    if words[:1] == ['--']:
        words = words[1:]
    flags, paths = _strip_options(words, _SCP_VALUED)
    if len(paths) < 2:
        raise UsageError('at least two arguments required')
    *sources, destination = paths
    engine.copy_files(sources, destination, recursive='r' in flags)
    return 0
