"""``apt-get``: update, install, remove, purge and the rest, as apt 2.7 prints off a terminal."""

# pyright: strict

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from metal_host import Completed

from ...catalog import PackageSpec
from ...host import SIMULATED
from ..systemctl import Output, Systemd
from ._packages import configure, deconfigure, dpkg_database, is_installed, unpack

if TYPE_CHECKING:
    from ...host import Invocation, SimHost

__all__ = ['APT_VERSION', 'handle_apt_get']


APT_VERSION = 'apt 2.7.14build2 (amd64)'


_HEADER = (
    'Reading package lists...',
    'Building dependency tree...',
    'Reading state information...',
)
_DEBCONF_FALLBACK = (
    'debconf: unable to initialize frontend: Dialog\n'
    'debconf: (TERM is not set, so the dialog frontend is not usable.)\n'
    'debconf: falling back to frontend: Readline\n'
    'debconf: unable to initialize frontend: Readline\n'
    'debconf: (This frontend requires a controlling tty.)\n'
    'debconf: falling back to frontend: Teletype'
)
_FLAGS = frozenset(
    {
        '--yes',
        '--assume-yes',
        '--quiet',
        '--no-install-recommends',
        '--install-recommends',
        '--no-install-suggests',
        '--fix-broken',
        '--purge',
        '--allow-downgrades',
        '--allow-change-held-packages',
        '--allow-unauthenticated',
        '--no-upgrade',
        '--only-upgrade',
        '--fix-missing',
        '--simulate',
        '--dry-run',
        '--just-print',
        '--no-act',
        '--reinstall',
        '--version',
    }
)
_SHORT = frozenset('yqfsmv')


@dataclass
class _Options:
    yes: bool = False
    quiet: int = 0
    simulate: bool = False
    purge: bool = False
    version: bool = False
    positional: list[str] = field(default_factory=list[str])


def _parse(args: Sequence[str]) -> _Options | str:
    """apt-get's options, or the error apt prints for one it does not understand."""
    options = _Options()
    skip = ''
    for arg in args:
        if skip:
            if skip in ('-o', '--option') and '=' not in arg:
                # apt-pkg/contrib/cmndline.cc HandleOpt (ConfigurationItem) @ 2.7.14
                return f'E: Option {arg}: Configuration item specification must have an =<val>.'
            skip = ''
            continue
        if arg in ('-o', '-c', '-t', '--option', '--config-file', '--target-release'):
            skip = arg
        elif arg.startswith(('-o', '--option=', '-t', '--target-release=', '--default-release')):
            continue
        elif arg.startswith('--error-on='):
            # apt-private/private-cmndline.cc (update: --error-on=any, APT::Update::Error-Mode)
            # @ 2.7.14: with the simulated archive, update never has an error to raise.
            continue
        elif arg.startswith('--'):
            if arg not in _FLAGS:
                return (
                    f'E: Command line option {arg} is not understood in combination with the '
                    'other options'
                )
            options.yes = options.yes or arg in ('--yes', '--assume-yes')
            options.quiet += arg == '--quiet'
            options.simulate = options.simulate or arg in (
                '--simulate',
                '--dry-run',
                '--just-print',
                '--no-act',
            )
            options.purge = options.purge or arg == '--purge'
            options.version = options.version or arg == '--version'
        elif arg.startswith('-') and len(arg) > 1:
            for letter in arg[1:]:
                if letter not in _SHORT:
                    return (
                        f"E: Command line option '{letter}' [from {arg}] is not understood in "
                        'combination with the other options.'
                    )
                options.yes = options.yes or letter == 'y'
                options.quiet += letter == 'q'
                options.simulate = options.simulate or letter == 's'
                options.version = options.version or letter == 'v'
        else:
            options.positional.append(arg)
    if skip:
        return f'E: Option {skip} requires an argument.'  # cmndline.cc @ 2.7.14
    return options


def handle_apt_get(invocation: Invocation) -> Completed:
    """Run ``apt-get`` on the invocation's machine."""
    parsed = _parse(invocation.args)
    if isinstance(parsed, str):
        return invocation.result('', parsed + '\n', 100)
    if parsed.version:
        return invocation.result(f'{APT_VERSION} ({SIMULATED})\n')
    if not parsed.positional:
        return invocation.result(
            f'{APT_VERSION} ({SIMULATED})\nUsage: apt-get [options] command\n'
            '       apt-get [options] install|remove pkg1 [pkg2 ...]\n',
            '',
            1,
        )
    command, names = parsed.positional[0], parsed.positional[1:]
    run = _AptRun(invocation, parsed)
    if command == 'update':
        run.out('Reading package lists...')
    elif command == 'install':
        run.install(names)
    elif command in ('remove', 'purge'):
        run.remove(names, purge=parsed.purge or command == 'purge')
    elif command in ('upgrade', 'dist-upgrade', 'full-upgrade', 'autoremove', 'autopurge'):
        run.header()
        if command != 'autoremove':
            run.out('Calculating upgrade...')
        run.out('0 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.')
    elif command in ('clean', 'autoclean', 'check'):
        if command == 'check':
            run.header()
    else:
        run.fail(100, f'E: Invalid operation {command}')
    return run.completed()


class _AptRun:
    """One apt-get run: its output and exit status."""

    def __init__(self, invocation: Invocation, options: _Options) -> None:
        self.invocation = invocation
        self.host = invocation.host
        self.options = options
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.returncode = 0
        self.catalog = invocation.world.catalog.packages
        self.systemd = Systemd(self.host, Output())

    def out(self, line: str) -> None:
        if self.options.quiet < 2:
            self.stdout.append(line)

    def fail(self, code: int, message: str) -> None:
        self.stderr.append(message)
        self.returncode = code

    def header(self) -> None:
        for line in _HEADER:
            self.out(line)

    def completed(self) -> Completed:
        return self.invocation.result(
            ''.join(f'{line}\n' for line in self.stdout),
            ''.join(f'{line}\n' for line in self.stderr),
            self.returncode,
        )

    def _lookup(self, names: Sequence[str]) -> list[PackageSpec] | None:
        specs: list[PackageSpec] = []
        for raw in names:
            name, _, version = raw.partition('=')
            name = name.removesuffix(':amd64').removesuffix(':all')
            spec = self.catalog.get(name)
            if spec is None:
                self.fail(100, f'E: Unable to locate package {name}')
                return None
            if version and version != spec.version:
                self.fail(100, f"E: Version '{version}' for '{name}' was not found")
                return None
            specs.append(spec)
        return specs

    def _confirm(self) -> bool:
        if self.options.yes:
            return True
        # Nobody answers the question on a machine without a terminal: apt reads EOF.
        self.out('Do you want to continue? [Y/n] Abort.')
        self.returncode = 1
        return False

    # -- install ----------------------------------------------------------------------------------

    def install(self, names: Sequence[str]) -> None:
        self.header()
        requested = self._lookup(names)
        if requested is None:
            return
        db = dpkg_database(self.host)
        wanted = [s.name for s in requested]
        for spec in requested:
            if is_installed(self.host, spec.name):
                self.out(f'{spec.name} is already the newest version ({spec.version}).')
                if db[spec.name].get('auto'):
                    db[spec.name]['auto'] = False
                    self.out(f'{spec.name} set to manually installed.')
        new = self._closure(requested)
        if new is None:
            return
        extra = [s.name for s in new if s.name not in wanted]
        if extra:
            self.out('The following additional packages will be installed:')
            self._list(sorted(extra))
        if new:
            self.out('The following NEW packages will be installed:')
            self._list(sorted(s.name for s in new))
        self.out(f'0 upgraded, {len(new)} newly installed, 0 to remove and 0 not upgraded.')
        if not new:
            return
        if self.options.simulate:  # apt -s neither sizes nor asks
            for spec in new:
                self.out(
                    f'Inst {spec.name} ({spec.version} Ubuntu:24.04/noble [{spec.architecture}])'
                )
            for spec in new:
                self.out(
                    f'Conf {spec.name} ({spec.version} Ubuntu:24.04/noble [{spec.architecture}])'
                )
            return
        size = sum(s.installed_size for s in new)
        self.out(f'After this operation, {_kb(size)} of additional disk space will be used.')
        if extra and not self._confirm():
            return
        self._debconf(new)
        self.out(_reading_database(self.host))
        for spec in new:
            self.out(f'Selecting previously unselected package {spec.name}.')
            self.out(f'Preparing to unpack .../{_deb(spec)} ...')
            self.out(f'Unpacking {spec.name} ({spec.version}) ...')
            unpack(self.host, spec)
            db[spec.name] = {
                'version': spec.version,
                'status': 'unpacked',
                'auto': spec.name not in wanted,
            }
        for spec in new:
            self.out(f'Setting up {spec.name} ({spec.version}) ...')
            configure(self.host, spec, self.systemd)
            db[spec.name]['status'] = 'installed'
            # Maintainer scripts write to apt's own output: deb-systemd-helper's symlink
            # notices read as progress, a service failing to start as an error.
            for line in self.systemd.output.stderr:
                (self.stdout if line.startswith('Created symlink') else self.stderr).append(line)
            self.systemd.output.stderr.clear()

    def _closure(self, requested: Iterable[PackageSpec]) -> list[PackageSpec] | None:
        """Packages to install, dependencies before their dependents."""
        order: list[PackageSpec] = []
        seen: set[str] = set()

        def visit(spec: PackageSpec) -> bool:
            if spec.name in seen or is_installed(self.host, spec.name):
                return True
            seen.add(spec.name)
            for dependency in spec.depends:
                dep = self.catalog.get(dependency)
                if dep is None:
                    self.out('Some packages could not be installed. This may mean that you have')
                    self.out('requested an impossible situation.')
                    self.fail(100, 'E: Unable to correct problems, you have held broken packages.')
                    return False
                if not visit(dep):
                    return False
            order.append(spec)
            return True

        for spec in requested:
            if not visit(spec):
                return None
        return order

    def _debconf(self, specs: Sequence[PackageSpec]) -> None:
        interactive = self.invocation.env.get('DEBIAN_FRONTEND', '') != 'noninteractive'
        if interactive and any(s.debconf for s in specs):
            self.stderr.append(_DEBCONF_FALLBACK)

    def _list(self, names: Sequence[str]) -> None:
        for line in textwrap.wrap(' '.join(names), width=78):
            self.out(f'  {line}')

    # -- remove -----------------------------------------------------------------------------------

    def remove(self, names: Sequence[str], *, purge: bool) -> None:
        self.header()
        specs = self._lookup(names)
        if specs is None:
            return
        db = dpkg_database(self.host)
        going: list[PackageSpec] = []
        for spec in specs:
            record = db.get(spec.name)
            if record is None or (record['status'] != 'installed' and not purge):
                self.out(f"Package '{spec.name}' is not installed, so not removed")
            else:
                going.append(spec)
        if going:
            self.out('The following packages will be REMOVED:')
            self._list([f'{s.name}*' if purge else s.name for s in going])
        self.out(f'0 upgraded, 0 newly installed, {len(going)} to remove and 0 not upgraded.')
        if not going:
            return
        if self.options.simulate:
            for spec in going:
                self.out(f'{"Purg" if purge else "Remv"} {spec.name} [{spec.version}]')
            return
        freed = sum(s.installed_size for s in going if db[s.name]['status'] == 'installed')
        if freed:
            self.out(f'After this operation, {_kb(freed)} disk space will be freed.')
        if not self._confirm():
            return
        self.out(_reading_database(self.host))
        for spec in going:
            if db[spec.name]['status'] == 'installed':
                self.out(f'Removing {spec.name} ({spec.version}) ...')
                deconfigure(self.host, spec, self.systemd)
                db[spec.name]['status'] = 'config-files'
        for spec in going if purge else ():
            self.out(f'Purging configuration files for {spec.name} ({spec.version}) ...')
            for path in spec.conffiles:
                self.host.remove(path)
            del db[spec.name]


def _reading_database(host: SimHost) -> str:
    # A plausible count that moves as packages come and go; dpkg prints one like it.
    files = 68_000 + 40 * len(dpkg_database(host))
    return f'(Reading database ... {files} files and directories currently installed.)'


def _deb(spec: PackageSpec) -> str:
    version = spec.version.split(':', 1)[-1]  # the epoch is not part of the file name
    return f'{spec.name}_{version}_{spec.architecture}.deb'


def _kb(size: int) -> str:
    return f'{size:,} kB' if size < 1000 else f'{size / 1000:.1f} MB'
