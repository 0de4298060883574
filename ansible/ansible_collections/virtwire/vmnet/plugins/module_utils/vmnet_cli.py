# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Runs the virtwire CLI with --output json and turns its exit codes into errors.

The CLI owns every rule (valid PCI addresses, VLAN ranges, MAC conflicts, libvirt
quirks); the modules only plan with its answers and then pass a flag. That keeps
one source of truth for what is valid, and the user sees the CLI's own words.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os

from ansible.module_utils.basic import env_fallback

DEFAULT_URI = 'qemu:///system'

# The CLI's documented exit codes (provisioner ExitCode): what each means for a playbook.
EXIT_KINDS = {
    2: 'INVALID_INPUT',
    3: 'NOT_FOUND',
    4: 'CONFLICT',
    5: 'LIBVIRT_ERROR',
    6: 'HOST_ERROR',
    69: 'UNAVAILABLE',
    70: 'INTERNAL',
}

# The kind names in the CLI's JSON error ({"error": {"kind": ...}}) that differ from the documented error_kind.
CLI_KINDS = {
    'LIBVIRT': 'LIBVIRT_ERROR',
    'HOST': 'HOST_ERROR',
}

ERROR_PREFIX = 'virtwire: error: '


def vmnet_argument_spec():
    """The options every vmnet module shares (documented in the virtwire.vmnet.vmnet doc fragment)."""
    return dict(
        connect_uri=dict(type='str', default=DEFAULT_URI, aliases=['uri']),
        host_root=dict(type='path'),
        cli_path=dict(type='path', fallback=(env_fallback, ['VIRTWIRE_CLI'])),
        state_dir=dict(type='path'),
        forwarder_socket=dict(type='path'),
    )


class VmnetCliError(Exception):
    """The CLI refused or failed: carries its own message and error kind."""

    def __init__(self, message, kind, rc=None, cmd=None, stdout='', stderr=''):
        super(VmnetCliError, self).__init__(message)
        self.message = message
        self.kind = kind
        self.rc = rc
        self.cmd = cmd
        self.stdout = stdout
        self.stderr = stderr

    def fail_json_kwargs(self):
        """Arguments for module.fail_json: the CLI's text as msg, the rest for debugging."""
        kwargs = dict(msg=self.message, error_kind=self.kind)
        if self.rc is not None:
            kwargs['rc'] = self.rc
        if self.cmd is not None:
            kwargs['cmd'] = self.cmd
        if self.stderr:
            kwargs['stderr'] = self.stderr
        return kwargs


def fail_with(module, error):
    """The single place where a CLI error ends a module run."""
    module.fail_json(**error.fail_json_kwargs())


class VmnetCli:
    """A handle on the virtwire binary for one module run."""

    def __init__(self, module):
        self.module = module
        self.binary = self._find_binary()

    def _find_binary(self):
        path = self.module.params.get('cli_path')
        if path:
            if not (os.path.isfile(path) and os.access(path, os.X_OK)):
                raise VmnetCliError(
                    'cli_path %s is not an executable file: point it at the virtwire launcher '
                    '(bin/virtwire in a virtwire checkout) or leave it unset to use virtwire on PATH' % path,
                    'UNAVAILABLE')
            return path
        found = self.module.get_bin_path('virtwire', required=False)
        if not found:
            raise VmnetCliError(
                'virtwire was not found on PATH: install it (scripts/setup in a virtwire checkout) '
                'or set cli_path (or VIRTWIRE_CLI) to the launcher', 'UNAVAILABLE')
        return found

    def argv(self, args, connect=True):
        """The full command line: global options first, then the subcommand and its arguments."""
        argv = [self.binary, '--output', 'json']
        if connect:
            argv += ['-c', self.module.params.get('connect_uri') or DEFAULT_URI]
        host_root = self.module.params.get('host_root')
        if host_root:
            argv += ['--host-root', host_root]
        # Left to the CLI's own defaults (VIRTWIRE_STATE_DIR, VIRTWIRE_FORWARDER_SOCK, then /var/lib/virtwire and
        # /run/virtwire/forwarder.sock) when unset, so an older CLI without these options keeps working.
        state_dir = self.module.params.get('state_dir')
        if state_dir:
            argv += ['--state-dir', state_dir]
        forwarder_socket = self.module.params.get('forwarder_socket')
        if forwarder_socket:
            argv += ['--forwarder', forwarder_socket]
        return argv + list(args)

    def run(self, args, connect=True, ok_rcs=(0,), data=None):
        """Runs one subcommand and returns its JSON; raises VmnetCliError on any other exit code.

        ok_rcs lets a caller accept exit codes that still carry a full report (host doctor exits 1
        when a check fails, host apply 6 when a step failed and was rolled back, its report then
        holding the step's {"error": {...}} among its other keys); a bare error object (only
        {"error": {...}}) is never a report, whatever the exit code. data goes to the CLI's stdin.
        """
        argv = self.argv(args, connect=connect)
        if data is None:
            rc, stdout, stderr = self.module.run_command(argv)
        else:
            rc, stdout, stderr = self.module.run_command(argv, data=data)
        if rc not in ok_rcs:
            raise cli_error(rc, stdout, stderr, argv)
        try:
            result = json.loads(stdout)
        except ValueError:
            raise VmnetCliError(
                'virtwire exited %d but did not print JSON on stdout (is %s an older virtwire without '
                '--output json?): %s' % (rc, self.binary, (stdout or stderr or '').strip()[:500]),
                'INTERNAL', rc=rc, cmd=argv, stdout=stdout, stderr=stderr)
        if rc != 0 and isinstance(result, dict) and isinstance(result.get('error'), dict) and len(result) == 1:
            raise cli_error(rc, stdout, stderr, argv)
        return result


def cli_error(rc, stdout, stderr, argv):
    """Builds the error from what the CLI said: its JSON error first, then its stderr line."""
    kind = EXIT_KINDS.get(rc, 'UNKNOWN')
    message = None
    try:
        parsed = json.loads(stdout)
        # only a bare {"error": {...}}: host apply's report holds its failed step's error among other keys,
        # and its stderr line says more (which step)
        error = parsed.get('error') if len(parsed) == 1 else None
    except (ValueError, AttributeError, TypeError):
        error = None
    if isinstance(error, dict):
        message = error.get('message')
        if rc not in EXIT_KINDS and error.get('kind'):
            kind = CLI_KINDS.get(error['kind'], error['kind'])
    if not message:
        message = first_error_line(stderr)
    if not message:
        message = 'virtwire exited with code %d (%s) and printed no error message' % (rc, kind)
    return VmnetCliError(message, kind, rc=rc, cmd=argv, stdout=stdout, stderr=stderr)


def first_error_line(stderr):
    for line in (stderr or '').splitlines():
        line = line.strip()
        if line.startswith(ERROR_PREFIX):
            return line[len(ERROR_PREFIX):]
    for line in (stderr or '').splitlines():
        if line.strip():
            return line.strip()
    return None


def normalize_mac(mac):
    """MACs as the CLI prints them (lower case), so matching ignores the user's spelling."""
    return mac.strip().lower() if mac else mac
