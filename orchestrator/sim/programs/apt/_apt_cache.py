"""``apt-cache show``: what the archive says of a package, as apt 2.7 prints its record."""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING

from metal_host import Completed

from ...catalog import PackageSpec
from ...host import SIMULATED
from ._apt_get import APT_VERSION

if TYPE_CHECKING:
    from ...host import Invocation

__all__ = ['handle_apt_cache']


def _record(spec: PackageSpec) -> str:
    """The package's record as the archive's Packages index holds it.

    The fields and their order are those ``apt-cache show`` prints for a package from the
    archive (Debian 12's apt 2.6.1 here prints ``Package``, ``Version``, ``Installed-Size``,
    ``Maintainer``, ``Architecture``, ``Depends``, ``Description``, ..., ``Section``,
    ``Priority``, ``Filename``, ``Size``, ``MD5sum``, ``SHA256``). Assumption: the simulated
    archive has no .deb files, so ``Size`` and the checksums are left out.
    """
    upstream = spec.version.split(':', 1)[-1]
    pool = spec.name[:4] if spec.name.startswith('lib') else spec.name[0]
    lines = [
        f'Package: {spec.name}',
        f'Version: {spec.version}',
        f'Installed-Size: {spec.installed_size}',
        f'Maintainer: {spec.maintainer}',
        f'Architecture: {spec.architecture}',
    ]
    if spec.depends:
        lines.append(f'Depends: {", ".join(spec.depends)}')
    lines += [
        f'Description: {spec.summary}',
        f'Section: {spec.section}',
        'Priority: optional',
        f'Filename: pool/main/{pool}/{spec.name}/{spec.name}_{upstream}_{spec.architecture}.deb',
    ]
    return ''.join(f'{line}\n' for line in lines) + '\n'


def handle_apt_cache(invocation: Invocation) -> Completed:
    """Run ``apt-cache`` (``show`` and ``--version``).

    Texts and exit statuses as apt 2.7.14's ``cmdline/apt-cache.cc`` (Debian/apt tag
    ``2.7.14``) and as Debian 12's apt-cache 2.6.1 prints them with its output not a
    terminal: a name the archive lacks adds nothing, and when nothing was found
    ``E: No packages found`` on stderr, exit 100; an unknown operation
    ``E: Invalid operation X``, exit 100.
    """
    args = [a for a in invocation.args if not a.startswith('-')]
    if '--version' in invocation.args or '-v' in invocation.args:
        return invocation.result(f'{APT_VERSION} ({SIMULATED})\n')
    if not args:
        return invocation.result(
            f'{APT_VERSION} ({SIMULATED})\nUsage: apt-cache [options] command\n', '', 1
        )
    command, names = args[0], args[1:]
    if command != 'show':
        return invocation.result('', f'E: Invalid operation {command}\n', 100)
    catalog = invocation.world.catalog.packages
    records = [_record(catalog[name]) for name in names if name in catalog]
    if not records:
        return invocation.result('', 'E: No packages found\n', 100)
    return invocation.result(''.join(records))
