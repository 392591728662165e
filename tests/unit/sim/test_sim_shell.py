"""Command lines on a simulated machine (``olm exec``): dash's and coreutils' answers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from metal_host import Completed

from orchestrator.sim import SimHost, World, run_command_line

UNSUPPORTED = 'sh: 1: unsupported on a simulated machine: '
NO_SNAPS = "No snaps are installed yet. Try 'snap install hello-world'.\n"
SNAP_BUSY = 'error: snap "k8s" has "install-snap" change in progress\n'


def sh(host: SimHost, command: str) -> tuple[int, str, str]:
    result = run_command_line(host, command)
    assert result.argv == ('sh', '-c', command)
    return result.returncode, result.stdout, result.stderr


def test_returns_a_completed_for_sh_dash_c(host: SimHost) -> None:
    assert run_command_line(host, 'echo hi') == Completed(('sh', '-c', 'echo hi'), 0, 'hi\n', '')


@pytest.mark.parametrize('command', ['', '   ', '\n\n', '# only a comment'])
def test_empty_command_line(host: SimHost, command: str) -> None:
    assert sh(host, command) == (0, '', '')


# -- words and quoting ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('command', 'stdout'),
    [
        ('echo hello   world', 'hello world\n'),
        ('echo -n a; echo b', 'ab\n'),
        ('echo \'a  b\' "c  d" e\\ f', 'a  b c  d e f\n'),
        ('echo \'*\' "$" \'$HOME\' a~ "~"', '* $ $HOME a~ ~\n'),
        ('echo "a\\"b\\$c\\d"', 'a"b$c\\d\n'),
        ("echo '' x", ' x\n'),
        ("echo ';' '&&' '|' 'a > b'", '; && | a > b\n'),
        ("echo 'a\\tb'", 'a\tb\n'),  # dash's echo interprets escapes
        ("echo 'a\\cb' c", 'a'),  # \c ends all output, newline included
        ("echo '\\0101\\102'", 'AB\n'),
        ('echo -e x', '-e x\n'),  # dash's echo knows only -n
        ('echo a # not printed', 'a\n'),
        ('echo a#b', 'a#b\n'),
        ('echo a \\\n  b', 'a b\n'),
    ],
)
def test_echo_and_quoting(host: SimHost, command: str, stdout: str) -> None:
    assert sh(host, command) == (0, stdout, '')


def test_absolute_paths_of_commands(host: SimHost) -> None:
    assert sh(host, '/bin/echo hi; /usr/bin/cat /etc/hostname') == (0, 'hi\nnode-0\n', '')
    assert sh(host, '/opt/x/cat /etc/hostname') == (127, '', 'sh: 1: /opt/x/cat: not found\n')


# -- files and identity --------------------------------------------------------------------------


def test_cat(host: SimHost) -> None:
    assert sh(host, 'cat /etc/hostname /etc/hostname') == (0, 'node-0\nnode-0\n', '')
    assert sh(host, 'cat /x /etc/hostname /etc /etc/hostname/y') == (
        1,
        'node-0\n',
        'cat: /x: No such file or directory\n'
        'cat: /etc: Is a directory\n'
        'cat: /etc/hostname/y: Not a directory\n',
    )


def test_sleep_passes_the_worlds_time(host: SimHost) -> None:
    slept: list[float] = []
    host.world.sleep = slept.append
    assert sh(host, 'sleep 1.5; sleep 2m 1; sleep 0.25s') == (0, '', '')
    assert slept == [1.5, 121.0, 0.25]


@pytest.mark.parametrize(
    ('command', 'stderr'),
    [
        ('sleep x', 'sleep: invalid time interval \u2018x\u2019\n'),
        (
            'sleep 1 y 2z',
            'sleep: invalid time interval \u2018y\u2019\n'
            'sleep: invalid time interval \u20182z\u2019\n',
        ),
        ('sleep 1 -5', 'sleep: invalid time interval \u2018-5\u2019\n'),  # an operand by then
        ('sleep', 'sleep: missing operand\n'),
        ('sleep -5', "sleep: invalid option -- '5'\n"),
        ('sleep --bogus', "sleep: unrecognized option '--bogus'\n"),
    ],
)
def test_sleep_refuses_as_coreutils_does(host: SimHost, command: str, stderr: str) -> None:
    slept: list[float] = []
    host.world.sleep = slept.append
    try_help = "Try 'sleep --help' for more information.\n"
    assert sh(host, command) == (1, '', stderr + try_help)
    assert slept == []


def test_mkdir_touch_and_rm_change_the_machine(host: SimHost) -> None:
    assert sh(host, 'mkdir /srv/data && touch /srv/data/a /srv/data/b') == (0, '', '')
    assert host.read_text('/srv/data/a') == ''
    assert sh(host, 'mkdir -p /srv/x/y/z && ls /srv/x/y') == (0, 'z\n', '')
    assert sh(host, 'rm /srv/data/a; ls /srv/data') == (0, 'b\n', '')
    assert sh(host, 'rm -r /srv/x; rm -f /srv/none; ls /srv') == (0, 'data\n', '')
    host.write_text('/srv/data/b', 'kept')
    assert sh(host, 'touch /srv/data/b') == (0, '', '')  # an existing file is left as it is
    assert host.read_text('/srv/data/b') == 'kept'


def test_mkdir_touch_and_rm_errors_are_coreutils(host: SimHost) -> None:
    q = '\u2018{}\u2019'.format
    assert sh(host, 'mkdir /srv/a/b') == (
        1, '', f'mkdir: cannot create directory {q("/srv/a/b")}: No such file or directory\n'
    )  # fmt: skip
    assert sh(host, 'mkdir /etc; mkdir /etc/hostname') == (
        1,
        '',
        f'mkdir: cannot create directory {q("/etc")}: File exists\n'
        f'mkdir: cannot create directory {q("/etc/hostname")}: File exists\n',
    )
    assert sh(host, 'mkdir -p /etc/hostname/x/y') == (
        1, '', f'mkdir: cannot create directory {q("/etc/hostname")}: Not a directory\n'
    )  # fmt: skip
    assert sh(host, 'touch /srv/a/b') == (
        1, '', "touch: cannot touch '/srv/a/b': No such file or directory\n"
    )  # fmt: skip
    assert sh(host, 'rm /srv/none; rm /etc') == (
        1,
        '',
        "rm: cannot remove '/srv/none': No such file or directory\n"
        "rm: cannot remove '/etc': Is a directory\n",
    )
    assert sh(host, 'rm') == (
        1,
        '',
        "rm: missing operand\nTry 'rm --help' for more information.\n",
    )
    assert sh(host, 'touch') == (
        1, '', "touch: missing file operand\nTry 'touch --help' for more information.\n"
    )  # fmt: skip
    assert sh(host, 'rm -z /x') == (
        1, '', "rm: invalid option -- 'z'\nTry 'rm --help' for more information.\n"
    )  # fmt: skip


def test_ls(host: SimHost) -> None:
    host.write_text('/srv/app/b.conf', 'b')
    host.write_text('/srv/app/a.conf', 'a')
    host.write_text('/srv/app/.hidden', '')
    host.mkdir('/srv/app/data')
    assert sh(host, 'ls /srv/app') == (0, 'a.conf\nb.conf\ndata\n', '')
    assert sh(host, 'ls -1 /srv/app/a.conf') == (0, '/srv/app/a.conf\n', '')
    # Several operands: files first, then each directory under a header, as GNU ls does.
    assert sh(host, 'ls /srv/app /x /tmp /etc/hostname') == (
        2,
        '/etc/hostname\n\n/srv/app:\na.conf\nb.conf\ndata\n\n/tmp:\n',
        "ls: cannot access '/x': No such file or directory\n",
    )
    assert sh(host, 'ls /etc/hostname/') == (
        2,
        '',
        "ls: cannot access '/etc/hostname/': Not a directory\n",
    )


def test_hostname(host: SimHost) -> None:
    assert sh(host, 'hostname') == (0, 'node-0\n', '')
    assert sh(host, 'hostname -I') == (0, '10.0.0.10 2001:db8::10 \n', '')


@pytest.mark.parametrize(
    ('condition', 'status'),
    [
        ('test -e /etc/hosts', 0),
        ('test -f /etc/hosts', 0),
        ('test -d /etc/hosts', 1),
        ('test -d /etc', 0),
        ('test -f /etc', 1),
        ('test -e /nope', 1),
        ('[ -e /etc/hosts ]', 0),
        ('[ -e /nope ]', 1),
        ('[ ! -e /nope ]', 0),
        ('[ -s /etc/hostname ]', 0),
        ('[ a = a ]', 0),
        ('[ a != a ]', 1),
        ('[ -n "" ]', 1),
        ('[ -z "" ]', 0),
        ('[ x ]', 0),
        ('[ "" ]', 1),
        ('[ ]', 1),
        ('test', 1),
    ],
)
def test_test_and_brackets(host: SimHost, condition: str, status: int) -> None:
    assert sh(host, condition) == (status, '', '')


def test_test_errors_are_dashs(host: SimHost) -> None:
    assert sh(host, '[ -e /etc/hosts') == (2, '', 'sh: 1: [: missing ]\n')
    assert sh(host, 'test -q /x') == (2, '', 'sh: 1: test: -q: unexpected operator\n')
    assert sh(host, '[ 1 -eq 1 ]') == (2, '', f"{UNSUPPORTED}operator '-eq' of [\n")


# -- lists ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('command', 'expected'),
    [
        ('echo a; false; echo b', (0, 'a\nb\n', '')),
        ('echo a; false', (1, 'a\n', '')),
        ('true && echo yes', (0, 'yes\n', '')),
        ('false && echo yes', (1, '', '')),
        ('false || echo no', (0, 'no\n', '')),
        ('true || echo no', (0, '', '')),
        ('false && echo a || echo b', (0, 'b\n', '')),
        ('true || echo a && echo b', (0, 'b\n', '')),
        ('test -e /nope && echo yes || echo no', (0, 'no\n', '')),
        ('echo a\necho b\n', (0, 'a\nb\n', '')),
        ('true &&\n  echo continued', (0, 'continued\n', '')),
        ('cat /nope; echo after', (0, 'after\n', 'cat: /nope: No such file or directory\n')),
    ],
)
def test_sequences_and_short_circuits(
    host: SimHost, command: str, expected: tuple[int, str, str]
) -> None:
    assert sh(host, command) == expected


def test_short_circuit_does_not_run_the_program(world: World, host: SimHost) -> None:
    assert sh(host, 'false && snap install microceph')[0] == 1
    assert sh(host, 'true || snap install microceph')[0] == 0
    assert sh(host, 'snap list') == (0, '', NO_SNAPS)


# -- pipes ---------------------------------------------------------------------------------------


def test_pipes_through_grep_head_and_wc(host: SimHost) -> None:
    assert sh(host, 'cat /etc/passwd | grep ^ubuntu:') == (
        0,
        'ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash\n',
        '',
    )
    assert sh(host, 'cat /etc/passwd | head -n 2') == (
        0,
        'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n',
        '',
    )
    assert sh(host, 'cat /etc/passwd | head -1 | wc -l') == (0, '1\n', '')
    assert sh(host, 'grep -v nologin /etc/passwd | wc -l') == (0, '3\n', '')
    assert sh(host, 'echo a | cat - /etc/hostname') == (0, 'a\nnode-0\n', '')


def test_pipeline_status_is_the_last_commands(host: SimHost) -> None:
    assert sh(host, 'true | false') == (1, '', '')
    assert sh(host, 'false | true') == (0, '', '')
    assert sh(host, 'cat /nope | wc -l') == (0, '0\n', 'cat: /nope: No such file or directory\n')


def test_grep(host: SimHost) -> None:
    hosts = '/etc/hosts'
    assert sh(host, f'grep -c ip6- {hosts}') == (0, '5\n', '')
    assert sh(host, f'grep -q node-0 {hosts}') == (0, '', '')
    assert sh(host, f'grep -q nothing-like-it {hosts}') == (1, '', '')
    assert sh(host, f'grep nothing-like-it {hosts}') == (1, '', '')
    assert sh(host, f'grep -i NODE-0 {hosts}') == (0, '127.0.1.1 node-0\n', '')
    assert sh(host, f'grep -c -v ip6- {hosts}') == (0, '4\n', '')
    assert sh(host, f'grep -F 127.0. {hosts}') == (
        0,
        '127.0.0.1 localhost\n127.0.1.1 node-0\n',
        '',
    )
    # A basic regex, as GNU grep reads it: ( and | are plain characters unless escaped.
    assert sh(host, f"grep 'localhost|x' {hosts}") == (1, '', '')
    assert sh(host, f"grep 'ip6-\\(localnet\\|allnodes\\)$' {hosts}") == (
        0,
        'fe00::0 ip6-localnet\nff02::1 ip6-allnodes\n',
        '',
    )
    assert sh(host, f"grep -E 'ip6-(localnet|allnodes)$' {hosts}") == (
        0,
        'fe00::0 ip6-localnet\nff02::1 ip6-allnodes\n',
        '',
    )
    assert sh(host, f"grep -c '^[[:digit:]]' {hosts}") == (0, '2\n', '')
    assert sh(host, 'grep x /nope') == (2, '', 'grep: /nope: No such file or directory\n')


def test_head_and_wc_of_files(host: SimHost) -> None:
    host.write_text('/srv/lines', 'one\ntwo\nthree')
    assert sh(host, 'head -n 2 /srv/lines') == (0, 'one\ntwo\n', '')
    assert sh(host, 'head /srv/lines') == (0, 'one\ntwo\nthree', '')
    assert sh(host, 'wc -l /srv/lines') == (0, '2 /srv/lines\n', '')
    assert sh(host, 'head /nope') == (
        1,
        '',
        "head: cannot open '/nope' for reading: No such file or directory\n",
    )
    assert sh(host, 'wc -l /nope') == (1, '', 'wc: /nope: No such file or directory\n')


# -- programs of the simulated machine -----------------------------------------------------------


def test_emulated_programs_run_through_the_host(host: SimHost) -> None:
    status, stdout, _ = sh(host, 'snap install k8s --classic && snap list | grep k8s')
    assert status == 0
    assert stdout == (
        'k8s (1.32-classic/stable) v1.32.3 from Canonical** installed\n'
        'k8s     v1.32.3   3640   1.32-classic/stable  canonical**  classic\n'
    )
    assert sh(host, 'snap list k8s | wc -l') == (0, '2\n', '')
    assert sh(host, 'systemctl is-active snapd') == (0, 'active\n', '')
    assert host.history == []  # exec is not the charm's doing


def test_a_program_that_is_not_there(host: SimHost) -> None:
    assert sh(host, 'nosuch --flag') == (127, '', 'sh: 1: nosuch: not found\n')
    # The k8s CLI only exists once its snap is installed, as on a real machine.
    assert sh(host, '/snap/bin/k8s status') == (127, '', 'sh: 1: /snap/bin/k8s: not found\n')
    assert sh(host, 'echo a\nnosuch; echo b') == (0, 'a\nb\n', 'sh: 2: nosuch: not found\n')
    assert sh(host, 'nosuch || echo fallback') == (0, 'fallback\n', 'sh: 1: nosuch: not found\n')


def test_a_fault_applies_through_exec(world: World, host: SimHost) -> None:
    world.faults.inject('snap', 'fail-once', match=['install', 'k8s'], stderr=SNAP_BUSY)
    assert sh(host, 'snap install k8s --classic && echo installed') == (1, '', SNAP_BUSY)
    assert len(world.faults) == 0
    status, stdout, _ = sh(host, 'snap install k8s --classic && echo installed')
    assert (status, stdout.splitlines()[-1]) == (0, 'installed')


def test_a_registered_program_takes_over_an_emulated_one(world: World, host: SimHost) -> None:
    world.programs.register('hostname', lambda inv: inv.result('from the program\n'))
    assert sh(host, 'hostname') == (0, 'from the program\n', '')
    world.programs.register('echo', lambda inv: inv.result('shadowed\n'))
    assert sh(host, 'echo builtin') == (0, 'builtin\n', '')  # dash's builtin comes first


# -- what the simulation cannot do ---------------------------------------------------------------


@pytest.mark.parametrize(
    ('command', 'construct'),
    [
        ('echo $HOME', "parameter expansion '$HOME'"),
        ('echo "${HOME}"', "parameter expansion '${...}'"),
        ('false; echo $?', "parameter expansion '$?'"),
        ('echo $(hostname)', "command substitution '$(...)'"),
        ('echo `hostname`', "command substitution '`...`'"),
        ('echo $((1 + 1))', "arithmetic expansion '$((...))'"),
        ('echo a > /tmp/x', "redirection '>'"),
        ('cat < /etc/hosts', "redirection '<'"),
        ('snap list 2>&1', "redirection '>&'"),
        ('cat <<EOF', "here-document '<<'"),
        ('(echo a)', "subshell '('"),
        ('sleep 1 &', "background job '&'"),
        ('FOO=1 snap list', "variable assignment 'FOO=1'"),
        ('ls /etc/*.conf', "pathname expansion '/etc/*.conf'"),
        ('cat /etc/host?', "pathname expansion '/etc/host?'"),
        ('ls ~', "tilde expansion '~'"),
        ('if true; then echo a; fi', "reserved word 'if'"),
        ('cd /tmp', "shell builtin 'cd'"),
        ('export A=1', "shell builtin 'export'"),
        ('./run.sh', "relative path './run.sh' (a simulated machine has no working directory)"),
        (
            'cat etc/hosts',
            "relative path 'etc/hosts' (a simulated machine has no working directory)",
        ),
        ('ls -l /etc', "option '-l' of ls"),
        ('ls', 'ls without a path (there is no working directory)'),
        ('wc /etc/hosts', 'wc without -l'),
        ("grep 'a[' /etc/hosts", "grep pattern 'a['"),
    ],
)
def test_unsupported_constructs(host: SimHost, command: str, construct: str) -> None:
    assert sh(host, command) == (2, '', f'{UNSUPPORTED}{construct}\n')


def test_nothing_runs_when_the_line_cannot_be_read(host: SimHost) -> None:
    assert sh(host, 'snap install microceph; echo $HOME')[0] == 2
    assert sh(host, 'snap list') == (0, '', NO_SNAPS)


@pytest.mark.parametrize(
    ('command', 'error'),
    [
        ('echo "abc', 'Syntax error: Unterminated quoted string'),
        ("echo 'abc", 'Syntax error: Unterminated quoted string'),
        ('echo a &&', 'Syntax error: end of file unexpected'),
        ('echo a |', 'Syntax error: end of file unexpected'),
        ('&& echo a', 'Syntax error: "&&" unexpected'),
        ('echo a; ; echo b', 'Syntax error: ";" unexpected'),
        ('echo a | | cat', 'Syntax error: "|" unexpected'),
    ],
)
def test_syntax_errors_are_dashs(host: SimHost, command: str, error: str) -> None:
    assert sh(host, command) == (2, '', f'sh: 1: {error}\n')


_MISSING = '/nonexistent-olm-path'
_DIFFERENTIAL = [
    f'cat {_MISSING}',
    f'ls {_MISSING}',
    f'head {_MISSING}',
    f'head -n 3 {_MISSING}/x',
    f'wc -l {_MISSING}',
    f'grep x {_MISSING}',
    'grep',
    f'test -d {_MISSING}',
    f'[ -e {_MISSING} ] || echo gone',
    '[ a',
    '[ a b ]',
    'no-such-program-olm',
    'echo a; false || echo b && echo c',
    'echo \'a\\tb\' "c\\\\d"',
    'echo -n x; echo -e y',
    'echo x | grep -c x',
    'echo x | grep -q y',
    'echo one two | wc -l',
]


_DIFFERENTIAL_UTF8 = [
    'sleep x',
    'sleep 1 y 2z',
    'sleep',
    'sleep -5',
    'sleep --bogus',
    'sleep 0',
    f'mkdir {_MISSING}/x',
    'mkdir /etc',
    'mkdir',
    'mkdir -z /x',
    'mkdir -p /etc/passwd/x/y',  # a file every Linux machine has: nothing is made
    f'touch {_MISSING}/x',
    'touch',
    f'rm {_MISSING}',
    f'rm -f {_MISSING}',
    'rm /etc',
    'rm',
    'rm --bogus',
]
"""Coreutils commands whose texts depend on the locale: compared in the machines' C.UTF-8."""


@pytest.mark.skipif(not Path('/bin/dash').exists(), reason='no real dash to compare with')
@pytest.mark.parametrize('command', _DIFFERENTIAL_UTF8)
def test_coreutils_answer_as_the_real_ones_in_utf8(host: SimHost, command: str) -> None:
    """Differential, in the simulated machines' locale (``LANG=C.UTF-8``): the real sleep,
    mkdir, touch and rm (coreutils 9.1 here; 9.4's texts for these are the same: src/sleep.c,
    src/mkdir.c, src/touch.c, src/rm.c, src/remove.c @ v9.4) on paths that cannot change this
    computer (missing, or refused)."""
    host.write_text('/etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n')
    env = {'PATH': '/usr/bin:/bin', 'LC_ALL': 'C.UTF-8'}
    real = subprocess.run(['sh', '-c', command], executable='/bin/dash', capture_output=True,
                          text=True, check=False, env=env)  # fmt: skip
    assert sh(host, command) == (real.returncode, real.stdout, real.stderr)


@pytest.mark.skipif(not Path('/bin/dash').exists(), reason='no real dash to compare with')
@pytest.mark.parametrize('command', _DIFFERENTIAL)
def test_answers_as_the_real_dash_and_coreutils(host: SimHost, command: str) -> None:
    """Differential: the real dash (invoked as sh, as juju exec does) with the real coreutils
    and grep give the same status, output and errors, on paths neither machine has.
    Texts: dash 0.5.12 src/exec.c ': not found', src/bltin/test.c 'missing ]', 'unexpected
    operator'; coreutils v9.4 src/ls.c, src/head.c, src/wc.c, src/cat.c."""
    real = subprocess.run(
        ['sh', '-c', command], executable='/bin/dash', capture_output=True, text=True, check=False
    )
    assert sh(host, command) == (real.returncode, real.stdout, real.stderr)
