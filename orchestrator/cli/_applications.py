"""An application's settings: config, charm, trust and constraints.

``config``, ``refresh``, ``trust``, ``set-constraints`` and ``constraints``, as juju/juju
``cmd/juju/application`` has them, with Juju's messages for a mixed get and set.
"""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any, cast

from ..engine import Engine, EngineError
from ..juju import constraints as juju_constraints
from ._common import UsageError, add_format, add_seed, emit, print_constraints, split_kv

__all__ = ['add_application_commands']


def add_application_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """The commands that read or change an application's settings."""
    p = commands.add_parser('config', help="show or set an application's config",
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('settings', nargs='*', metavar='KEY[=VALUE]')
    p.add_argument('--reset', action='append', default=[], metavar='KEY[,KEY...]',
                   help="back to the charm's defaults")  # fmt: skip
    add_format(p, default='yaml', choices=('yaml', 'json'))
    add_seed(p)
    p.set_defaults(run=_config)

    p = commands.add_parser('refresh', help='upgrade an application to its charm directory',
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('--path', help='the charm directory or .charm file to refresh to')
    p.add_argument('--resource', action='append', default=[], metavar='NAME=PATH',
                   help='a new file for one of the charm\'s resources')  # fmt: skip
    add_seed(p)
    p.set_defaults(run=_refresh)

    p = commands.add_parser('trust', help='trust an application (or --remove it)',
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('--remove', action='store_true', help='take the trust back')
    p.add_argument('--scope', default='',
                   help="k8s models only - needs to be set to 'cluster' (ignored on a "
                   'machine model, as Juju ignores it)')  # fmt: skip
    add_seed(p)
    p.set_defaults(run=_trust)

    p = commands.add_parser('set-constraints', help="replace an application's constraints",
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('constraints', nargs='*', help='key=value ...')
    p.set_defaults(run=_set_constraints)

    p = commands.add_parser('constraints', help="show an application's constraints",
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    p.set_defaults(run=_constraints)


def _config(engine: Engine, args: argparse.Namespace) -> None:
    reset = [key for keys in args.reset for key in keys.split(',') if key]
    if reset or any('=' in s for s in args.settings):
        if not all('=' in s for s in args.settings):
            raise UsageError('cannot mix getting and setting config values')
        values = split_kv(args.settings, 'config')
        both = sorted(set(values) & set(reset))
        if both:
            raise UsageError(f'cannot set and reset key "{both[0]}" simultaneously')
        engine.set_config(args.application, values, reset=reset)
        return
    settings = engine.config(args.application)
    if len(args.settings) == 1:
        key = args.settings[0]
        if key not in settings:
            # juju/juju cmd/juju/application/config.go getConfig: the charm's settings, then
            # the application config (trust); the message ends with Juju's full stop.
            trust = engine.status_view().model.applications[args.application].trust
            found = _application_config(trust).get(key)
            if not isinstance(found, dict):
                raise EngineError(
                    f'key "{key}" not found in "{args.application}" application config or '
                    'charm settings.'
                )
            print(str(cast('dict[str, object]', found)['value']).lower())
            return
        print(settings[key].get('value', ''))
        return
    if args.settings:
        raise UsageError('can only retrieve a single value, or all values')
    app = engine.status_view().model.applications[args.application]
    emit({'application': args.application, 'application-config': _application_config(app.trust),
          'charm': app.charm_name, 'settings': settings}, args.format)  # fmt: skip


def _application_config(trust: bool) -> dict[str, object]:
    """Juju's application config: only ``trust``, a bool, default false.

    juju/juju ``apiserver/facades/client/application`` ``trustFields``/``trustDefaults``. olm
    keeps only the value, so a false one shows as the default.
    """
    return {
        'trust': {
            'default': False,
            'description': 'Does this application have access to trusted credentials',
            'source': 'user' if trust else 'default',
            'type': 'bool',
            'value': trust,
        }
    }


def _refresh(engine: Engine, args: argparse.Namespace) -> None:
    engine.refresh(args.application, path=args.path,
                   resources=split_kv(args.resource, '--resource'))  # fmt: skip


def _trust(engine: Engine, args: argparse.Namespace) -> None:
    # juju/juju cmd/juju/application/trust.go: --scope is checked on a CAAS model only; an
    # olm model is a machine model, where Juju takes any --scope and ignores it.
    engine.set_trust(args.application, not args.remove)


def _set_constraints(engine: Engine, args: argparse.Namespace) -> None:
    engine.set_constraints(args.application, ' '.join(args.constraints))


def _constraints(engine: Engine, args: argparse.Namespace) -> None:
    print_constraints(juju_constraints.parse(engine.constraints(args.application)), args.format)
