"""Simulation: faults armed on the emulated programs (``inject-fault``, ``faults``).

Juju has no such commands: they stand in for what goes wrong on real machines (a snap that fails
to install, a slow ``k8s``), so that charms' error paths can be exercised.
"""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any

from ..engine import HOOK_FAULT, Engine
from ._common import SIMULATED, positive_int, print_table

__all__ = ['add_fault_commands']


def add_fault_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``inject-fault`` and ``faults``."""
    p = commands.add_parser('inject-fault', help='simulation: make a program on the simulated '
                            'machines fail or be slow', parents=[common])  # fmt: skip
    p.add_argument('program', help='program name, e.g. snap, k8s, apt-get, microceph; '
                   f'or {HOOK_FAULT} with --match HOOK to fail that hook as a lost controller '
                   'connection would')  # fmt: skip
    p.add_argument('kind', choices=('fail-once', 'fail-always', 'slow'))
    p.add_argument('--machine', default=None, help='model machine number (default: every one)')
    p.add_argument('--match', default='',
                   help='the arguments a call starts with, e.g. "install k8s"')  # fmt: skip
    p.add_argument('--returncode', type=positive_int('--returncode'), default=1)
    p.add_argument('--stderr', default='', help='what a failing call writes to standard error')
    p.add_argument('--delay', type=float, default=0.0, help='seconds, for slow')
    p.set_defaults(run=_inject_fault)

    p = commands.add_parser('faults', help='simulation: list or clear the armed faults',
                            parents=[common])  # fmt: skip
    p.add_argument('--clear', action='store_true', help='disarm every fault')
    p.set_defaults(run=_faults)


def _inject_fault(engine: Engine, args: argparse.Namespace) -> None:
    engine.inject_fault(
        args.program, args.kind, machine=args.machine, match=args.match.split(),
        returncode=args.returncode, stderr=args.stderr, delay=args.delay,
    )  # fmt: skip
    where = f'machine {args.machine}' if args.machine else 'every machine'
    call = ' '.join([args.program, *args.match.split()])
    print(f'armed {args.kind} on "{call}" on {where} ({SIMULATED})')


def _faults(engine: Engine, args: argparse.Namespace) -> None:
    if args.clear:
        engine.clear_faults()
        print('no fault armed')
        return
    faults = engine.faults()
    if not faults:
        print('no fault armed')
        return
    print_table(
        ['Program', 'Kind', 'Machine', 'Match', 'Message'],
        ([f.program, f.kind, f.machine or '*', ' '.join(f.match), f.stderr] for f in faults),
    )
