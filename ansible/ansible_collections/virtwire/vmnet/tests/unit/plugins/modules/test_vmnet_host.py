# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

from ansible_collections.virtwire.vmnet.plugins.modules import vmnet_host

from conftest import CLI, FakeVirtwire

STEPS = ['echo 0 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs',
         'echo 2 > /sys/bus/pci/devices/0000:01:00.0/sriov_numvfs',
         'ip link set enp1s0f0 vf 0 mac 52:54:00:10:00:00']
PROFILE = dict(pfs=[dict(pf='enp1s0f0', numVfs=2, vfs=[dict(index=0, mac='52:54:00:10:00:00')])])


def report(changed=True, applied=None, failed_step=None, error=None, rolled_back=None, rollback_errors=None):
    return json.dumps(dict(changed=changed, applied=STEPS if applied is None else applied, failedStep=failed_step,
                           error=error, rolledBack=rolled_back or [], rollbackErrors=rollback_errors or []))


def test_apply_runs_the_profile_file_and_reports_the_applied_steps(run_module):
    fake = FakeVirtwire()
    fake.on('host apply', 0, report())

    result, failed = run_module(vmnet_host, dict(profile='/etc/virtwire/host.yaml', host_root='/srv/h'), fake,
                                diff=True)

    assert not failed, result
    assert fake.calls == [[CLI, '--output', 'json', '--host-root', '/srv/h', 'host', 'apply', '-f',
                           '/etc/virtwire/host.yaml']]
    assert fake.stdin == [None]
    assert result['changed'] is True
    assert result['applied'] == STEPS
    assert result['diff']['prepared'].splitlines()[1] == '  2. ' + STEPS[1]


def test_a_second_apply_that_finds_nothing_to_do_is_unchanged(run_module):
    fake = FakeVirtwire()
    fake.on('host apply', 0, report(changed=False, applied=[]))

    result, failed = run_module(vmnet_host, dict(profile='/etc/virtwire/host.yaml'), fake)

    assert not failed
    assert result['changed'] is False
    assert result['applied'] == []


def test_profile_content_goes_to_stdin_as_json(run_module):
    fake = FakeVirtwire()
    fake.on('host apply', 0, report())

    result, failed = run_module(vmnet_host, dict(profile_content=PROFILE), fake)

    assert not failed
    assert fake.calls[0][-2:] == ['-f', '-']
    assert json.loads(fake.stdin[0]) == PROFILE
    assert '\n' in fake.stdin[0], 'indented, so CLI errors name a useful line'
    assert result['profile'] == '-'


def test_check_mode_runs_the_plan_and_shows_it_as_the_diff(run_module):
    fake = FakeVirtwire()
    fake.on('host plan', 0, json.dumps(dict(profile='-', changed=True, steps=STEPS)))

    result, failed = run_module(vmnet_host, dict(profile_content=PROFILE), fake, check_mode=True, diff=True)

    assert not failed
    assert [c[3:5] for c in fake.calls] == [['host', 'plan']]
    assert result['changed'] is True
    assert result['plan'] == STEPS
    assert result['diff']['prepared'] == ''.join('%3d. %s\n' % (i + 1, s) for i, s in enumerate(STEPS))


def test_check_mode_on_a_converged_host_is_unchanged(run_module):
    fake = FakeVirtwire()
    fake.on('host plan', 0, json.dumps(dict(profile='/h.yaml', changed=False, steps=[])))

    result, failed = run_module(vmnet_host, dict(profile='/h.yaml'), fake, check_mode=True)

    assert not failed
    assert result['changed'] is False
    assert result['diff']['prepared'] == ''


def test_a_failed_step_fails_with_the_kernel_answer_and_the_rollback(run_module):
    fake = FakeVirtwire()
    fake.on('host apply', 6, report(changed=False, applied=[], failed_step=STEPS[1],
                                    error=dict(kind='HOST', message='Cannot allocate memory (ENOMEM)'), rolled_back=['echo 4 > x']),
            'virtwire: error: step failed: ...\n')

    result, failed = run_module(vmnet_host, dict(profile='/h.yaml'), fake)

    assert failed
    assert result['msg'] == ('step failed: %s: Cannot allocate memory (ENOMEM); the steps done before it were '
                             'rolled back' % STEPS[1])
    assert result['failed_step'] == STEPS[1]
    assert result['rolled_back'] == ['echo 4 > x']
    assert result['error_kind'] == 'HOST_ERROR'
    assert result['changed'] is False


def test_an_incomplete_rollback_says_so(run_module):
    fake = FakeVirtwire()
    fake.on('host apply', 6, report(changed=True, applied=STEPS[:1], failed_step=STEPS[1], error=dict(kind='HOST', message='EBUSY'),
                                    rollback_errors=[dict(step='echo 4 > x', error=dict(kind='HOST', message='EBUSY'))]))

    result, failed = run_module(vmnet_host, dict(profile='/h.yaml'), fake)

    assert failed
    assert result['msg'].endswith('rollback was incomplete: see rollback_errors')
    assert result['rollback_errors'] == ['echo 4 > x: EBUSY']
    assert result['changed'] is True


def test_a_host_error_that_is_not_a_report_is_a_plain_failure(run_module):
    fake = FakeVirtwire()
    message = 'cannot read /sys/bus/pci/devices: Permission denied'
    fake.on('host apply', 6, json.dumps({'error': {'kind': 'HOST', 'message': message}}),
            'virtwire: error: %s\n' % message)

    result, failed = run_module(vmnet_host, dict(profile='/h.yaml'), fake)

    assert failed
    assert result['msg'] == message
    assert 'failed_step' not in result


def test_a_bad_profile_fails_with_the_cli_text(run_module):
    fake = FakeVirtwire()
    message = "- line 5: unknown key 'numVf' in pfs[0]; known keys here: eswitchMode, numVfs, pf, vfs"
    fake.on('host plan', 2, json.dumps({'error': {'kind': 'INVALID_INPUT', 'message': message}}))

    result, failed = run_module(vmnet_host, dict(profile_content=dict(pfs=[dict(pf='enp1s0f0', numVf=2)])), fake,
                                check_mode=True)

    assert failed
    assert result['msg'] == message
    assert result['error_kind'] == 'INVALID_INPUT'


def test_profile_or_content_is_required_and_not_both(run_module):
    result, failed = run_module(vmnet_host, dict(), FakeVirtwire())
    assert failed
    assert 'one of the following is required: profile, profile_content' in result['msg']

    result, failed = run_module(vmnet_host, dict(profile='/h.yaml', profile_content=PROFILE), FakeVirtwire())
    assert failed
    assert 'mutually exclusive: profile|profile_content' in result['msg']
