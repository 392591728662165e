"""The tracer's "workload": a file on its machine, written through the Host seam."""

import metal_host

NAME = 'tracer-workload'


def install() -> None:
    host = metal_host.current()
    host.write_text('/etc/tracer/installed', f'{NAME}\n')


def installed() -> bool:
    return metal_host.current().exists('/etc/tracer/installed')
