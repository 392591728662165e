"""``dpkg`` and ``dpkg-query``: what the status database says, in dpkg 1.22's formats."""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from metal_host import Completed

from ...catalog import PackageSpec
from ...host import SIMULATED
from ._packages import dpkg_database

if TYPE_CHECKING:
    from ...host import Invocation

__all__ = ['DPKG_VERSION', 'handle_dpkg', 'handle_dpkg_query']


DPKG_VERSION = "Debian 'dpkg' package management program version 1.22.6ubuntu6.1 (amd64)."


_STATUS = {
    'installed': 'install ok installed',
    'unpacked': 'install ok unpacked',
    'config-files': 'deinstall ok config-files',
}
_ABBREV = {'installed': 'ii ', 'unpacked': 'iU ', 'config-files': 'rc '}


def _fields(spec: PackageSpec, record: Mapping[str, Any]) -> dict[str, str]:
    status = str(record['status'])
    return {
        'Package': spec.name,
        'binary:Package': spec.name,
        'Version': str(record['version']),
        'Status': _STATUS[status],
        'db:Status-Abbrev': _ABBREV[status],
        'db:Status-Status': status,
        'Architecture': spec.architecture,
        'Installed-Size': str(spec.installed_size),
        'Maintainer': spec.maintainer,
        'Section': spec.section,
        'Priority': 'optional',
        'Depends': ', '.join(spec.depends),
        'Description': spec.summary,
        'binary:Summary': spec.summary,
    }


def _format(template: str, values: Mapping[str, str]) -> str:
    """dpkg-query's ``--showformat``: ``${Field}`` (``${Field;width}``) and backslash escapes."""

    def field_value(match: re.Match[str]) -> str:
        name, _, width = match.group(1).partition(';')
        value = values.get(name, '')
        if width.lstrip('-').isdigit():
            size = int(width)
            return value.ljust(-size) if size < 0 else value.rjust(size)
        return value

    text = re.sub(r'\$\{([^}]+)\}', field_value, template)
    return text.replace('\\n', '\n').replace('\\t', '\t').replace('\\\\', '\\')


def handle_dpkg_query(invocation: Invocation) -> Completed:
    """Run ``dpkg-query`` (``-W``/``--show`` with ``-f``/``--showformat``, ``-s``/``--status``)."""
    template = '${binary:Package}\t${Version}\n'
    action = ''
    names: list[str] = []
    args = list(invocation.args)
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in ('-W', '--show', '-s', '--status', '-l', '--list'):
            action = {'-W': '--show', '-s': '--status', '-l': '--list'}.get(arg, arg)
        elif arg.startswith(('-f', '--showformat=')):
            if arg in ('-f', '--showformat'):
                index += 1
                template = args[index] if index < len(args) else ''
            else:
                template = arg.split('=', 1)[1] if arg.startswith('--') else arg[2:].lstrip('=')
        elif arg == '--version':
            version = DPKG_VERSION.replace(
                "'dpkg' package management", "'dpkg-query' package management"
            )
            return invocation.result(f'{version} ({SIMULATED})\n')
        else:
            names.append(arg)
        index += 1
    if action == '--status':
        return _status(invocation, names)
    if action == '--list':
        return _list_packages(invocation, names)
    if action != '--show':
        return invocation.result(
            '',
            'dpkg-query: error: need an action option\n\n'
            'Use --help for help about querying packages.\n',
            2,
        )
    db = dpkg_database(invocation.host)
    catalog = invocation.world.catalog.packages
    out: list[str] = []
    err: list[str] = []
    for name in names:
        record = db.get(name)
        spec = catalog.get(name)
        if record is None or spec is None:
            err.append(f'dpkg-query: no packages found matching {name}\n')
            continue
        out.append(_format(template, _fields(spec, record)))
    return invocation.result(''.join(out), ''.join(err), 1 if err else 0)


def _status(invocation: Invocation, names: Sequence[str]) -> Completed:
    db = dpkg_database(invocation.host)
    catalog = invocation.world.catalog.packages
    blocks: list[str] = []
    err: list[str] = []
    for name in names:
        record = db.get(name)
        spec = catalog.get(name)
        if record is None or spec is None:
            err.append(
                f"dpkg-query: package '{name}' is not installed and no information is available\n"
            )
            continue
        values = _fields(spec, record)
        keys = [
            'Package',
            'Status',
            'Priority',
            'Section',
            'Installed-Size',
            'Maintainer',
            'Architecture',
            'Version',
        ]
        lines = [f'{key}: {values[key]}' for key in keys]
        if spec.depends:
            lines.append(f'Depends: {values["Depends"]}')
        if spec.conffiles:
            lines.append('Conffiles:')
            lines.extend(f' {path} {"0" * 32}' for path in spec.conffiles)
        lines.append(f'Description: {spec.summary}')
        blocks.append('\n'.join(lines) + '\n')
    if err:
        err.append('Use dpkg --info (= dpkg-deb --info) to examine archive files.\n')
    return invocation.result('\n'.join(blocks), ''.join(err), 1 if err else 0)


def _list_packages(invocation: Invocation, names: Sequence[str]) -> Completed:
    db = dpkg_database(invocation.host)
    catalog = invocation.world.catalog.packages
    rows: list[tuple[str, str, str, str, str]] = []
    err: list[str] = []
    for name in names or sorted(db):
        record = db.get(name)
        spec = catalog.get(name)
        if record is None or spec is None:
            err.append(f'dpkg-query: no packages found matching {name}\n')
            continue
        values = _fields(spec, record)
        rows.append(
            (
                values['db:Status-Abbrev'].strip(),
                name,
                values['Version'],
                spec.architecture,
                spec.summary,
            )
        )
    if not rows:
        return invocation.result('', ''.join(err), 1)
    name_w = max(14, *(len(r[1]) for r in rows))
    version_w = max(12, *(len(r[2]) for r in rows))
    header = [
        'Desired=Unknown/Install/Remove/Purge/Hold',
        '| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend',
        '|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)',
        f'||/ {"Name":<{name_w}} {"Version":<{version_w}} Architecture Description',
        f'+++-{"=" * name_w}-{"=" * version_w}-============-{"=" * 40}',
    ]
    lines = header + [
        f'{s:<3} {n:<{name_w}} {v:<{version_w}} {a:<12} {d}' for s, n, v, a, d in rows
    ]
    return invocation.result(''.join(f'{line}\n' for line in lines), ''.join(err), 1 if err else 0)


def handle_dpkg(invocation: Invocation) -> Completed:
    """Run ``dpkg``: the query options (``-s``, ``-l``, ``-W``) and ``--version``."""
    args = invocation.args
    if '--version' in args:
        return invocation.result(f'{DPKG_VERSION} ({SIMULATED})\n')
    if args[:1] == ('--print-architecture',):
        # guillemj/dpkg src/main/main.c (printarch: the native architecture) @ 1.22.6.
        return invocation.result('amd64\n')
    if args and args[0] in ('-s', '--status', '-W', '--show', '-l', '--list'):
        return handle_dpkg_query(invocation)
    return invocation.result(
        '',
        'dpkg: error: need an action option\n\n'
        'Type dpkg --help for help about installing and deinstalling packages [*];\n'
        "Use 'apt' or 'aptitude' for user-friendly package management;\n"
        'Type dpkg -Dhelp for a list of dpkg debug flag values;\n'
        'Type dpkg --force-help for a list of forcing options;\n'
        'Type dpkg-deb --help for help about manipulating *.deb files;\n\n'
        "Options marked [*] produce a lot of output - pipe it through 'less' or 'more' !\n",
        2,
    )
