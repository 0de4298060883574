# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible_collections.virtwire.vmnet.plugins.modules import vmnet_info

from ansible.module_utils import basic

from conftest import CLI, FakeVirtwire

NIC = dict(type='vdpa', source='/dev/vhost-vdpa-0', mode=None, mac='52:54:00:00:00:21', model='virtio', queues=2,
           target=None)
DOCTOR = dict(host=dict(root='/', kernelRelease='6.1.0'), purpose='vhostuser',
              findings=[dict(id='hugepages-insufficient', status='fail', subject='node0', message='no hugepages',
                             evidence=[dict(path='/proc/meminfo', value='HugePages_Total: 0')],
                             fix='echo 512 > /proc/sys/vm/nr_hugepages')],
              summary=dict(ok=3, warn=0, fail=1))


def test_lists_each_domain_with_domiflist(run_module):
    fake = FakeVirtwire(interfaces=[NIC], active=True)

    result, failed = run_module(vmnet_info, dict(domains=['vm1']), fake)

    assert not failed
    assert fake.calls == [[CLI, '--output', 'json', '-c', 'qemu:///system', 'domiflist', 'vm1']]
    assert result['changed'] is False
    assert result['domains'] == [dict(domain='vm1', active=True, source='live', interfaces=[NIC])]
    assert 'host' not in result and 'doctor' not in result


def test_inactive_lists_the_persistent_definition(run_module):
    fake = FakeVirtwire(interfaces=[NIC], active=True)

    result, dummy = run_module(vmnet_info, dict(domain='vm1', inactive=True), fake)

    assert fake.calls[0][-1] == '--inactive'
    assert result['domains'][0]['source'] == 'config'


def test_domain_xml_files_are_listed_without_a_connection(run_module):
    fake = FakeVirtwire(interfaces=[NIC])

    result, failed = run_module(vmnet_info, dict(domain_xml=['/srv/a.xml']), fake)

    assert not failed
    assert fake.calls == [[CLI, '--output', 'json', 'domiflist', '--domain-xml', '/srv/a.xml']]
    assert result['domains'][0]['domain'] == 'vm-file'


def test_host_show_and_a_failing_doctor_are_information_not_errors(run_module):
    fake = FakeVirtwire()
    fake.on('host show', 0, json.dumps(dict(kernelRelease='6.1.0', physicalFunctions=[])))
    fake.on('host doctor', 1, json.dumps(DOCTOR))

    result, failed = run_module(vmnet_info, dict(host=True, doctor_for='vhostuser', host_root='/srv/fixture'), fake)

    assert not failed, result
    assert fake.calls == [
        [CLI, '--output', 'json', '--host-root', '/srv/fixture', 'host', 'show'],
        [CLI, '--output', 'json', '--host-root', '/srv/fixture', 'host', 'doctor', '--for', 'vhostuser'],
    ]
    assert result['host'] == dict(kernelRelease='6.1.0', physicalFunctions=[])
    assert result['doctor']['summary']['fail'] == 1
    assert result['doctor']['findings'][0]['fix'] == 'echo 512 > /proc/sys/vm/nr_hugepages'


def test_a_cli_without_host_commands_fails_with_its_own_words(run_module):
    fake = FakeVirtwire()
    fake.on('host show', 2, '', "virtwire: Unmatched argument at index 2: 'host'\n")

    result, failed = run_module(vmnet_info, dict(host=True), fake)

    assert failed
    assert result['msg'] == "virtwire: Unmatched argument at index 2: 'host'"
    assert result['error_kind'] == 'INVALID_INPUT'


def test_an_unknown_domain_fails_not_found(run_module):
    result, failed = run_module(vmnet_info, dict(domains=['vm1', 'nope']), FakeVirtwire())

    assert failed
    assert result['error_kind'] == 'NOT_FOUND'
    assert "no domain named 'nope'" in result['msg']


def test_check_mode_runs_the_same_reads(run_module):
    fake = FakeVirtwire(interfaces=[NIC])

    result, failed = run_module(vmnet_info, dict(domains=['vm1']), fake, check_mode=True)

    assert not failed
    assert result['domains'][0]['interfaces'] == [NIC]


def test_vfs_lists_every_vf_with_its_holder_and_the_reconciliation(run_module):
    fake = FakeVirtwire(interfaces=[dict(NIC, type='hostdev', source='0000:02:10.4')])

    result, failed = run_module(vmnet_info, dict(vfs=True, state_dir='/srv/state'), fake)

    assert not failed, result
    assert fake.calls == [[CLI, '--output', 'json', '-c', 'qemu:///system', '--state-dir', '/srv/state', 'vf', 'list',
                           '--no-reconcile']]
    assert [(v['address'], v['state'], v['domain']) for v in result['vfs']] == [
        ('0000:02:10.0', 'free', None), ('0000:02:10.4', 'held', 'vm1')]
    assert result['vfs_reconciled'] == []
    assert result['changed'] is False


def test_vfs_pf_limits_the_list_and_an_unknown_pf_fails_with_the_cli_text(run_module):
    fake = FakeVirtwire()

    result, failed = run_module(vmnet_info, dict(vfs_pf='enp1s0f0'), fake)
    assert not failed
    assert fake.calls[-1][-4:] == ['list', '--no-reconcile', '--pf', 'enp1s0f0']
    assert len(result['vfs']) == 2

    result, failed = run_module(vmnet_info, dict(vfs_pf='enp9s0'), fake)
    assert failed
    assert result['error_kind'] == 'NOT_FOUND'
    assert result['msg'].startswith("unknown PF 'enp9s0'")


def test_probe_returns_what_the_backend_offers_and_needs_no_connection(run_module):
    fake = FakeVirtwire()
    offer = dict(socket='/run/vm1.sock', queuePairs=2, mtu=1500, features=['VIRTIO_F_VERSION_1'])
    fake.on('vhost-user probe', 0, json.dumps(offer))

    result, failed = run_module(vmnet_info, dict(probe='/run/vm1.sock'), fake, check_mode=True)

    assert not failed
    assert fake.calls == [[CLI, '--output', 'json', 'vhost-user', 'probe', '/run/vm1.sock']]
    assert result['probe'] == offer


def test_probe_of_a_socket_nobody_listens_on_fails_not_found(run_module):
    fake = FakeVirtwire()
    fake.on('vhost-user probe', *fake.error(3, 'NOT_FOUND', 'no vhost-user socket at /run/x.sock: is the backend '
                                                            'running, and listening (server mode)?'))

    result, failed = run_module(vmnet_info, dict(probe='/run/x.sock'), fake)

    assert failed
    assert result['error_kind'] == 'NOT_FOUND'
    assert result['msg'].startswith('no vhost-user socket at /run/x.sock')


STALE = ["hostdev 0000:02:10.0: released from 'vm1' (no domain holds it any more); not applied: the VF would be "
         "restored to mac 52:54:00:99:99:99, vlan 7",
         "vhostuser /run/virtwire/vm1-0.sock: released from 'vm1' (no domain holds it any more); not applied: the "
         "forwarder port would be removed"]


@pytest.mark.parametrize('check_mode', [False, True])
@pytest.mark.parametrize('args', [dict(vfs=True), dict(vfs_pf='enp1s0f0')])
def test_vfs_only_report_what_reconciliation_would_do(run_module, args, check_mode):
    """issue 19: a reconciling 'vf list' restored VF settings and removed forwarder ports from an info task."""
    fake = FakeVirtwire()
    fake.stale = list(STALE)

    result, failed = run_module(vmnet_info, args, fake, check_mode=check_mode)

    assert not failed, result
    assert all('--no-reconcile' in call for call in fake.calls), fake.calls
    assert fake.stale == STALE, 'the fake CLI reconciled: the module changed something'
    assert result['vfs_would_reconcile'] == STALE
    assert result['vfs_reconciled'] == []
    assert result['changed'] is False


def test_the_cli_warnings_become_the_task_warnings(run_module, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, message: warned.append(message))
    fake = FakeVirtwire()
    fake.vf_warnings = ['the state directory /var/lib/virtwire is read-only (a read-only file system): the '
                        'allocation record was read, not reconciled']

    result, failed = run_module(vmnet_info, dict(vfs=True), fake)

    assert not failed, result
    assert warned == ['virtwire: ' + fake.vf_warnings[0]]
