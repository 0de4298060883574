# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.virtwire.vmnet.plugins.module_utils import vmnet_cli
from ansible_collections.virtwire.vmnet.plugins.module_utils.vmnet_cli import VmnetCli, VmnetCliError


class StubModule:
    """Just what VmnetCli touches: params, get_bin_path and run_command (scripted)."""

    def __init__(self, params=None, answer=(0, '{}', ''), bin_path='/usr/bin/virtwire'):
        self.params = dict(connect_uri='qemu:///system', host_root=None, cli_path=None)
        self.params.update(params or {})
        self.answer = answer
        self.bin_path = bin_path
        self.argv = None

    def get_bin_path(self, name, required=False):
        assert not required, 'VmnetCli must not let get_bin_path fail the module from a helper'
        return self.bin_path if name == 'virtwire' else None

    def run_command(self, argv, data=None):
        self.argv = argv
        self.data = data
        return self.answer


def test_global_options_come_before_the_subcommand():
    module = StubModule(params=dict(connect_uri='qemu+ssh://hv1/system', host_root='/srv/fixture'))

    VmnetCli(module).run(['domiflist', 'vm1'])

    assert module.argv == ['/usr/bin/virtwire', '--output', 'json', '-c', 'qemu+ssh://hv1/system',
                           '--host-root', '/srv/fixture', 'domiflist', 'vm1']


def test_file_and_host_commands_run_without_a_connection_uri():
    module = StubModule()

    VmnetCli(module).run(['domiflist', '--domain-xml', '/x.xml'], connect=False)

    assert module.argv == ['/usr/bin/virtwire', '--output', 'json', 'domiflist', '--domain-xml', '/x.xml']


def test_success_returns_the_parsed_json():
    module = StubModule(answer=(0, json.dumps(dict(domain='vm1', interfaces=[])), ''))

    assert VmnetCli(module).run(['domiflist', 'vm1']) == dict(domain='vm1', interfaces=[])


# the CLI's JSON kinds are its exception kinds (LIBVIRT, HOST); error_kind is the documented name (issue 19)
@pytest.mark.parametrize('rc, cli_kind, kind', [(2, 'INVALID_INPUT', 'INVALID_INPUT'), (3, 'NOT_FOUND', 'NOT_FOUND'),
                                                (4, 'CONFLICT', 'CONFLICT'), (5, 'LIBVIRT', 'LIBVIRT_ERROR'),
                                                (6, 'HOST', 'HOST_ERROR'), (69, 'UNAVAILABLE', 'UNAVAILABLE'),
                                                (70, 'INTERNAL', 'INTERNAL'), (1, 'CHECK_FAILED', 'CHECK_FAILED')])
def test_every_documented_exit_code_is_an_error_with_the_cli_message(rc, cli_kind, kind):
    stdout = json.dumps({'error': {'kind': cli_kind, 'message': 'the reason, and the fix'}})
    module = StubModule(answer=(rc, stdout, 'virtwire: error: the reason, and the fix\n'))

    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(module).run(['domiflist', 'vm1'])

    assert raised.value.message == 'the reason, and the fix'
    assert raised.value.kind == kind
    assert raised.value.rc == rc
    assert raised.value.cmd == module.argv


def test_without_json_the_stderr_error_line_is_the_message_and_the_exit_code_the_kind():
    module = StubModule(answer=(5, '', 'warning: slow\nvirtwire: error: libvirt: Domain not found\n'))

    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(module).run(['domiflist', 'vm1'])

    assert raised.value.message == 'libvirt: Domain not found'
    assert raised.value.kind == 'LIBVIRT_ERROR'


def test_a_usage_error_without_the_error_prefix_still_shows_its_first_line():
    module = StubModule(answer=(2, '', "Unmatched argument at index 3: 'host'\nDid you mean: virtwire xml?\n"))

    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(module).run(['host', 'show'])

    assert raised.value.message == "Unmatched argument at index 3: 'host'"


def test_a_silent_failure_names_the_exit_code():
    module = StubModule(answer=(137, '', ''))

    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(module).run(['domiflist', 'vm1'])

    assert raised.value.message == 'virtwire exited with code 137 (UNKNOWN) and printed no error message'


def test_success_without_json_is_an_internal_error():
    module = StubModule(answer=(0, 'Interface attached successfully', ''))

    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(module).run(['attach-interface', 'vm1'])

    assert raised.value.kind == 'INTERNAL'
    assert 'did not print JSON' in raised.value.message
    assert 'Interface attached successfully' in raised.value.message


def test_ok_rcs_accept_a_report_that_exits_non_zero():
    module = StubModule(answer=(1, json.dumps(dict(summary=dict(fail=1))), ''))

    assert VmnetCli(module).run(['host', 'doctor'], ok_rcs=(0, 1)) == dict(summary=dict(fail=1))
    with pytest.raises(VmnetCliError):
        VmnetCli(module).run(['host', 'doctor'])


def test_cli_path_must_be_executable(tmp_path):
    launcher = tmp_path / 'virtwire'
    launcher.write_text(u'#!/bin/sh\n')

    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(StubModule(params=dict(cli_path=str(launcher))))
    assert raised.value.message.startswith('cli_path %s is not an executable file' % launcher)

    os.chmod(str(launcher), stat.S_IRWXU)
    module = StubModule(params=dict(cli_path=str(launcher)), bin_path=None)
    VmnetCli(module).run(['domiflist', 'vm1'])
    assert module.argv[0] == str(launcher)


def test_no_cli_on_path_is_unavailable():
    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(StubModule(bin_path=None))

    assert raised.value.kind == 'UNAVAILABLE'
    assert 'set cli_path' in raised.value.message


def test_fail_json_gets_the_cli_text_as_msg():
    error = VmnetCliError('invalid VLAN tag 5000: expected 0..4094', 'INVALID_INPUT', rc=2,
                          cmd=['virtwire'], stderr='virtwire: error: invalid VLAN tag 5000: expected 0..4094\n')

    assert error.fail_json_kwargs() == dict(msg='invalid VLAN tag 5000: expected 0..4094', error_kind='INVALID_INPUT',
                                            rc=2, cmd=['virtwire'],
                                            stderr='virtwire: error: invalid VLAN tag 5000: expected 0..4094\n')


def test_shared_options_default_to_the_system_uri():
    spec = vmnet_cli.vmnet_argument_spec()

    assert spec['connect_uri']['default'] == 'qemu:///system'
    assert spec['host_root']['type'] == 'path'
    assert spec['cli_path']['fallback'][1] == ['VIRTWIRE_CLI']


def test_an_error_object_is_never_a_report_even_with_an_accepted_exit_code():
    stdout = json.dumps({'error': {'kind': 'HOST', 'message': 'cannot read /sys'}})
    module = StubModule(answer=(6, stdout, 'virtwire: error: cannot read /sys\n'))

    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(module).run(['host', 'apply', '-f', '/h.yaml'], ok_rcs=(0, 6))

    assert raised.value.message == 'cannot read /sys'
    assert raised.value.kind == 'HOST_ERROR'


def test_a_report_that_holds_an_error_object_is_returned_for_an_accepted_exit_code():
    stdout = json.dumps(dict(changed=False, failedStep='echo 2 > x', error=dict(kind='HOST', message='EBUSY')))
    module = StubModule(answer=(6, stdout, 'virtwire: error: step failed: echo 2 > x: EBUSY\n'))

    assert VmnetCli(module).run(['host', 'apply'], ok_rcs=(0, 6))['failedStep'] == 'echo 2 > x'
    with pytest.raises(VmnetCliError) as raised:
        VmnetCli(module).run(['host', 'apply'])
    assert raised.value.message == 'step failed: echo 2 > x: EBUSY'


def test_data_goes_to_stdin():
    module = StubModule()

    VmnetCli(module).run(['host', 'plan', '-f', '-'], data='{"pfs": []}')

    assert module.data == '{"pfs": []}'
