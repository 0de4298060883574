# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

import pytest

from ansible.module_utils import basic

from ansible_collections.virtwire.vmnet.plugins.modules import vmnet_interface

from conftest import CLI, GENERATED_MAC, FakeVirtwire, parse

VF = '0000:07:10.1'
MAC = '52:54:00:ab:cd:11'
HOSTDEV = dict(domain='vm1', type='hostdev', vf=VF, mac=MAC)
EXISTING_HOSTDEV = dict(type='hostdev', source=VF, mode=None, mac=MAC, model=None, queues=None, target=None)
EXISTING_VHOSTUSER = dict(type='vhostuser', source='/run/vm1.sock', mode='client', mac='52:54:00:00:00:13',
                          model='virtio', queues=2, target=None)


def test_present_is_one_ensure_call_and_reports_the_cli_answer(run_module, fake_virtwire):
    """issue 19: the CLI owns the matching rules; the module runs one process per task."""
    result, failed = run_module(vmnet_interface, dict(HOSTDEV, vlan=[100, 200]), fake_virtwire, diff=True)

    assert not failed, result
    assert fake_virtwire.calls == [
        [CLI, '--output', 'json', '-c', 'qemu:///system', 'attach-interface', 'vm1', '--type', 'hostdev',
         '--vf', VF, '--mac', MAC, '--vlan', '100,200', '--ensure'],
    ]
    assert result['changed'] is True
    assert result['domain'] == 'vm1'
    assert result['scope'] == 'current'
    assert result['interface']['mac'] == MAC
    assert result['diff']['before'] == '<domain></domain>'
    assert result['device_xml'] in result['diff']['after'], 'the whole domain XML after'
    assert result['diff']['after_header'] == 'domain vm1 (domain XML after)'
    assert 'address="%s"' % MAC in result['device_xml']


def test_present_a_second_time_changes_nothing(run_module, fake_virtwire):
    run_module(vmnet_interface, HOSTDEV, fake_virtwire)
    fake_virtwire.calls = []

    result, failed = run_module(vmnet_interface, HOSTDEV, fake_virtwire)

    assert not failed
    assert result['changed'] is False
    assert result['interface']['mac'] == MAC
    assert fake_virtwire.subcommands() == ['attach-interface']
    assert '--ensure' in fake_virtwire.calls[0]
    assert len(fake_virtwire.interfaces) == 1


def test_mac_is_matched_whatever_its_case(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(HOSTDEV, mac=MAC.upper()), fake)

    assert not failed
    assert result['changed'] is False


def test_check_mode_reports_the_attach_without_doing_it(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, HOSTDEV, fake_virtwire, check_mode=True, diff=True)

    assert not failed
    assert result['changed'] is True
    assert fake_virtwire.interfaces == []
    assert fake_virtwire.calls[-1][-2:] == ['--ensure', '--print-xml']
    assert '<interface type="hostdev">' in result['diff']['after']
    assert result['interface']['source'] == VF


def test_check_mode_after_the_attach_reports_no_change(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, HOSTDEV, fake, check_mode=True, diff=True)

    assert not failed
    assert result['changed'] is False
    assert 'diff' not in result


def test_without_mac_the_interface_is_found_by_type_and_normalized_source(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='hostdev', vf='07:10.1'), fake)

    assert not failed, result
    assert result['changed'] is False
    assert result['interface']['mac'] == MAC
    assert '--mac' not in fake.calls[0]


def test_without_mac_a_new_source_is_attached_with_the_mac_the_cli_picks(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='vdpa', vdpa_device='/dev/vhost-vdpa-0',
                                                      queues=2), fake_virtwire)

    assert not failed
    assert result['changed'] is True
    assert fake_virtwire.calls[-1][5:] == ['attach-interface', 'vm1', '--type', 'vdpa', '--dev', '/dev/vhost-vdpa-0',
                                           '--queues', '2', '--ensure']
    assert result['interface']['mac'] == GENERATED_MAC


def test_two_interfaces_on_one_source_without_mac_is_ambiguous(run_module):
    other = dict(EXISTING_HOSTDEV, mac='52:54:00:00:00:99')
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV, other])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='hostdev', vf=VF), fake)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert result['msg'] == "'vm1' has 2 hostdev interfaces on %s: give --mac to say which one you mean" % VF


def test_a_mac_used_by_another_interface_is_a_conflict_even_in_check_mode(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(HOSTDEV, vf='0000:07:10.2'), fake, check_mode=True)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert result['msg'].startswith("MAC %s is already used by a hostdev interface (%s)" % (MAC, VF))
    assert fake.interfaces == [EXISTING_HOSTDEV]


def test_a_different_queue_count_is_converged_not_silently_ignored(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_VHOSTUSER])
    args = dict(domain='vm1', type='vhostuser', socket='/run/vm1.sock', mac=EXISTING_VHOSTUSER['mac'], queues=4)

    result, failed = run_module(vmnet_interface, args, fake, diff=True)

    assert not failed, result
    assert result['changed'] is True
    assert 'queues: 2 -> 4' in result['notes'][0]
    assert [i['queues'] for i in fake.interfaces] == [4]
    assert run_module(vmnet_interface, args, fake)[0]['changed'] is False


def test_a_different_vhostuser_mode_is_converged(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_VHOSTUSER])
    args = dict(domain='vm1', type='vhostuser', socket='/run/vm1.sock', mode='server')

    result, failed = run_module(vmnet_interface, args, fake)

    assert not failed, result
    assert result['changed'] is True
    assert 'mode: client -> server' in result['notes'][0]
    assert result['interface']['mac'] == EXISTING_VHOSTUSER['mac'], 'found by socket, its MAC kept'


def test_a_vlan_change_from_7_to_8_is_converged_then_unchanged(run_module):
    """issue 19: a VLAN change on an existing NIC reported ok/unchanged."""
    fake = FakeVirtwire(interfaces=[dict(EXISTING_HOSTDEV, vlan='7')])

    check, failed = run_module(vmnet_interface, dict(HOSTDEV, vlan=[8], config=True), fake, check_mode=True, diff=True)
    assert not failed, check
    assert check['changed'] is True
    assert fake.interfaces[0]['vlan'] == '7', 'check mode changed nothing'

    result, failed = run_module(vmnet_interface, dict(HOSTDEV, vlan=[8], config=True), fake, diff=True)
    assert not failed, result
    assert result['changed'] is True
    assert 'vlan: 7 -> 8' in result['notes'][0]
    assert '<vlan>7</vlan>' in result['diff']['before'] and '<vlan>8</vlan>' in result['diff']['after']
    assert fake.interfaces[0]['vlan'] == '8'

    again, failed = run_module(vmnet_interface, dict(HOSTDEV, vlan=[8], config=True), fake)
    assert not failed
    assert again['changed'] is False


def test_invalid_input_fails_with_the_cli_text_and_kind(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(HOSTDEV, vlan=[5000]), fake_virtwire)

    assert failed
    assert result['msg'] == 'invalid VLAN tag 5000: expected 0..4094'
    assert result['error_kind'] == 'INVALID_INPUT'
    assert result['rc'] == 2
    assert result['cmd'][-3:] == ['--vlan', '5000', '--ensure']
    assert fake_virtwire.interfaces == []


def test_unknown_domain_fails_not_found(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(HOSTDEV, domain='nope'), fake_virtwire)

    assert failed
    assert result['error_kind'] == 'NOT_FOUND'
    assert result['msg'] == "no domain named 'nope' on qemu:///system"


def test_config_scope_is_passed_to_the_cli(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(HOSTDEV, config=True, connect_uri='qemu+ssh://hv1/system'),
                                fake_virtwire)

    assert not failed
    assert fake_virtwire.calls[0][:5] == [CLI, '--output', 'json', '-c', 'qemu+ssh://hv1/system']
    assert fake_virtwire.calls[0][5:8] == ['attach-interface', 'vm1', '--config']
    assert result['scope'] == 'config'


def test_live_on_a_domain_that_does_not_run_fails_before_changing_anything(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(HOSTDEV, live=True), fake_virtwire, check_mode=True)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert result['msg'].startswith("domain 'vm1' is not running: --live needs a running domain")


def test_host_root_is_passed_as_a_global_option(run_module, fake_virtwire):
    run_module(vmnet_interface, dict(HOSTDEV, host_root='/srv/fixture'), fake_virtwire)

    assert fake_virtwire.calls[0][:7] == [CLI, '--output', 'json', '-c', 'qemu:///system', '--host-root',
                                          '/srv/fixture']


def test_absent_is_one_ensure_call_and_shows_the_domain_diff(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV, EXISTING_VHOSTUSER])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', mac=MAC, state='absent', config=True), fake,
                                diff=True)

    assert not failed
    assert fake.calls == [
        [CLI, '--output', 'json', '-c', 'qemu:///system', 'detach-interface', 'vm1', '--config', '--mac', MAC, '--ensure'],
    ]
    assert result['changed'] is True
    assert result['removed'] == [EXISTING_HOSTDEV]
    assert result['interface'] == EXISTING_HOSTDEV
    assert result['method'] == 'detach' and result['methods'] == ['detach']
    # the whole domain XML, as for present: the other NIC is in both sides
    assert 'address="%s"' % MAC in result['diff']['before']
    assert 'address="%s"' % MAC not in result['diff']['after']
    assert EXISTING_VHOSTUSER['mac'] in result['diff']['after']
    assert result['diff']['before_header'] == 'domain vm1 (domain XML before)'
    assert fake.interfaces == [EXISTING_VHOSTUSER]


def test_absent_a_second_time_changes_nothing(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(domain='vm1', mac=MAC, state='absent'), fake_virtwire)

    assert not failed
    assert result['changed'] is False
    assert result['removed'] == []
    assert 'method' not in result and 'diff' not in result
    assert fake_virtwire.subcommands() == ['detach-interface']


def test_absent_in_check_mode_is_the_cli_dry_run(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_VHOSTUSER])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', mac=EXISTING_VHOSTUSER['mac'], state='absent'),
                                fake, check_mode=True, diff=True)

    assert not failed
    assert result['changed'] is True
    assert fake.interfaces == [EXISTING_VHOSTUSER]
    assert fake.calls == [[CLI, '--output', 'json', '-c', 'qemu:///system', 'detach-interface', 'vm1',
                           '--mac', EXISTING_VHOSTUSER['mac'], '--ensure', '--print-xml']]
    assert 'address="%s"' % EXISTING_VHOSTUSER['mac'] in result['diff']['before']
    assert result['removed'] == [EXISTING_VHOSTUSER]


def test_absent_by_source_removes_the_interface_on_it(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV, EXISTING_VHOSTUSER])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='hostdev', vf=VF, state='absent'), fake)

    assert not failed
    assert fake.calls[0][5:] == ['detach-interface', 'vm1', '--type', 'hostdev', '--vf', VF, '--ensure']
    assert [i['mac'] for i in result['removed']] == [MAC]
    assert fake.interfaces == [EXISTING_VHOSTUSER]


def test_absent_with_two_interfaces_on_one_source_is_a_conflict_and_changes_nothing(run_module):
    other = dict(EXISTING_HOSTDEV, mac='52:54:00:00:00:99')
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV, other])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='hostdev', vf=VF, state='absent'), fake)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert 'give --mac' in result['msg']
    assert fake.interfaces == [EXISTING_HOSTDEV, other]


def test_domain_xml_edits_the_file_in_place_without_a_connection(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(domain_xml='/srv/vm.xml', type='vhostuser',
                                                      socket='/run/vm.sock', mac=MAC), fake_virtwire)

    assert not failed
    assert fake_virtwire.calls[-1] == [CLI, '--output', 'json', 'attach-interface', '--domain-xml', '/srv/vm.xml',
                                       '--type', 'vhostuser', '--source', '/run/vm.sock', '--mac', MAC, '--ensure',
                                       '--in-place']
    assert all('-c' not in call for call in fake_virtwire.calls)
    assert result['domain'] == 'vm-file'
    assert result['scope'] == 'file'


def test_domain_xml_absent_in_check_mode_uses_the_cli_dry_run(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(domain_xml='/srv/vm.xml', mac=MAC, state='absent'), fake,
                                check_mode=True, diff=True)

    assert not failed
    assert result['changed'] is True
    assert fake.calls == [[CLI, '--output', 'json', 'detach-interface', '--domain-xml', '/srv/vm.xml',
                           '--mac', MAC, '--ensure', '--print-xml']]
    assert fake.interfaces == [EXISTING_HOSTDEV]


def test_domain_xml_absent_edits_the_file_in_place(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(domain_xml='/srv/vm.xml', mac=MAC, state='absent'), fake)

    assert not failed
    assert fake.calls[-1][-2:] == ['--ensure', '--in-place']
    assert fake.interfaces == []


@pytest.mark.parametrize('args, message', [
    (dict(domain='vm1', type='hostdev'), 'type hostdev needs one of vf (a VF you name), pf or pool'),
    (dict(domain='vm1', state='absent'), 'state is absent but any of the following are missing: mac, type'),
    (dict(domain='vm1', mac=MAC), 'state is present but all of the following are missing: type'),
    (dict(type='hostdev', vf=VF), 'one of the following is required: domain, domain_xml'),
    (dict(domain_xml='/x.xml', type='hostdev', vf=VF, config=True), 'parameters are mutually exclusive: domain_xml|config'),
    (dict(domain='vm1', type='bridge'), 'value of type must be one of: hostdev, vdpa, vhostuser, got: bridge'),
    (dict(domain='vm1', type='hostdev', vf=VF, vlan=['x']), "vlan"),
])
def test_bad_arguments_fail_before_the_cli_runs(run_module, fake_virtwire, args, message):
    result, failed = run_module(vmnet_interface, args, fake_virtwire)

    assert failed
    assert message in result['msg']
    assert fake_virtwire.calls == []


def test_missing_cli_names_the_fix(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, HOSTDEV, fake_virtwire, bin_path=None)

    assert failed
    assert result['msg'].startswith('virtwire was not found on PATH')
    assert result['error_kind'] == 'UNAVAILABLE'


def test_absent_matches_the_mac_whatever_its_case(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', mac=MAC.upper(), state='absent'), fake)

    assert not failed
    assert result['changed'] is True
    assert fake.interfaces == []


def test_config_and_live_go_to_the_cli_together(run_module):
    fake = FakeVirtwire(active=True)

    result, failed = run_module(vmnet_interface, dict(HOSTDEV, config=True, live=True), fake)

    assert not failed, result
    assert [c[5:9] for c in fake.calls] == [['attach-interface', 'vm1', '--config', '--live']]
    assert result['changed'] is True


# --- allocation forms: pf, pool, vdpa without a device, vhostuser without a socket ---------------------------

PF_NIC = dict(domain='vm1', type='hostdev', pf='enp1s0f0', mac=MAC, vlan=[42], trust=True, config=True)


def test_pf_is_one_ensure_call_with_the_allocation_flags(run_module, fake_virtwire):
    """issue 19: the allocation forms are one CLI process too; the CLI finds, allocates and converges."""
    result, failed = run_module(vmnet_interface, dict(PF_NIC, state_dir='/srv/state'), fake_virtwire, diff=True)

    assert not failed, result
    globals_ = [CLI, '--output', 'json', '-c', 'qemu:///system', '--state-dir', '/srv/state']
    assert fake_virtwire.calls == [
        globals_ + ['attach-interface', 'vm1', '--config', '--type', 'hostdev', '--pf', 'enp1s0f0',
                    '--trust', 'on', '--mac', MAC, '--vlan', '42', '--ensure'],
    ]
    assert result['changed'] is True
    assert result['method'] == 'attach'
    assert result['interface']['source'] == '0000:02:10.0'
    assert result['allocation']['state'] == 'held'
    assert result['allocation']['device'] == '0000:02:10.0'
    assert result['device_xml'] in result['diff']['after'], 'the whole domain XML after'


def test_pf_a_second_time_is_one_ensure_call_that_changes_nothing(run_module, fake_virtwire):
    run_module(vmnet_interface, PF_NIC, fake_virtwire)
    fake_virtwire.calls = []

    result, failed = run_module(vmnet_interface, PF_NIC, fake_virtwire)

    assert not failed, result
    assert result['changed'] is False
    assert result['interface']['mac'] == MAC
    assert 'method' not in result
    assert fake_virtwire.subcommands() == ['attach-interface']


def test_pf_vlan_drift_is_converged_with_the_method_the_cli_reports(run_module, fake_virtwire):
    run_module(vmnet_interface, PF_NIC, fake_virtwire)

    result, failed = run_module(vmnet_interface, dict(PF_NIC, vlan=[43]), fake_virtwire, diff=True)

    assert not failed, result
    assert result['changed'] is True
    assert result['method'] == 'update-device'
    assert 'vlan: 42 -> 43' in result['notes'][0]
    assert [i['source'] for i in fake_virtwire.interfaces] == ['0000:02:10.0'], 'the same VF'
    assert run_module(vmnet_interface, dict(PF_NIC, vlan=[43]), fake_virtwire)[0]['changed'] is False


def test_pf_without_mac_is_present_when_the_domain_has_any_vf_of_that_pf(run_module, fake_virtwire):
    args = dict(domain='vm1', type='hostdev', pf='enp1s0f0', config=True)
    first, failed = run_module(vmnet_interface, args, fake_virtwire)
    assert not failed and first['changed'] is True
    fake_virtwire.pfs['enp1s0f0'] = ['0000:02:10.0']   # the PF is now full: a second attach would be refused

    second, failed = run_module(vmnet_interface, args, fake_virtwire)

    assert not failed, second
    assert second['changed'] is False
    assert second['interface']['source'] == '0000:02:10.0'
    assert len(fake_virtwire.interfaces) == 1


def test_pf_without_mac_ignores_a_vf_of_another_pf(run_module):
    fake = FakeVirtwire(interfaces=[dict(EXISTING_HOSTDEV, source='0000:07:10.1')])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='hostdev', pf='enp1s0f0'), fake)

    assert not failed
    assert result['changed'] is True
    assert [i['source'] for i in fake.interfaces] == ['0000:07:10.1', '0000:02:10.0']


def test_pf_check_mode_reports_the_vf_it_would_pick_and_changes_nothing(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, PF_NIC, fake_virtwire, check_mode=True, diff=True)

    assert not failed, result
    assert result['changed'] is True
    assert result['allocation']['state'] == 'pending'
    assert result['allocation']['device'] == '0000:02:10.0'
    assert fake_virtwire.calls[-1][-2:] == ['--ensure', '--print-xml']
    assert fake_virtwire.interfaces == []
    assert '<interface type="hostdev">' in result['diff']['after']


def test_pf_check_mode_after_the_attach_reports_no_change(run_module, fake_virtwire):
    run_module(vmnet_interface, PF_NIC, fake_virtwire)

    result, failed = run_module(vmnet_interface, PF_NIC, fake_virtwire, check_mode=True)

    assert not failed
    assert result['changed'] is False


def test_pf_with_a_mac_on_a_vf_of_another_pf_is_a_conflict(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, PF_NIC, fake)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert result['msg'].startswith("MAC %s is on %s, which is not a VF of PF enp1s0f0" % (MAC, VF))


def test_unknown_pf_fails_with_the_cli_text(run_module, fake_virtwire):
    result, failed = run_module(vmnet_interface, dict(PF_NIC, pf='enp9s0'), fake_virtwire, check_mode=True)

    assert failed
    assert result['error_kind'] == 'NOT_FOUND'
    assert result['msg'].startswith("unknown PF 'enp9s0'")


def test_no_free_vf_fails_with_the_cli_text(run_module):
    fake = FakeVirtwire()
    fake.pfs['enp1s0f0'] = []

    result, failed = run_module(vmnet_interface, PF_NIC, fake)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert result['msg'] == 'no free VF on enp1s0f0'


def test_absent_with_pf_removes_the_nic_on_its_vfs(run_module):
    on_pf = dict(EXISTING_HOSTDEV, source='0000:02:10.4', mac='52:54:00:00:00:02')
    fake = FakeVirtwire(interfaces=[on_pf, EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='hostdev', pf='enp1s0f0', state='absent'),
                                fake)

    assert not failed, result
    assert [i['mac'] for i in result['removed']] == ['52:54:00:00:00:02']
    assert fake.interfaces == [EXISTING_HOSTDEV]
    assert fake.subcommands() == ['detach-interface'], 'one CLI call, no vf list'


def test_absent_with_pf_and_two_nics_on_its_vfs_is_a_conflict(run_module):
    on_pf = [dict(EXISTING_HOSTDEV, source='0000:02:10.0', mac='52:54:00:00:00:01'),
             dict(EXISTING_HOSTDEV, source='0000:02:10.4', mac='52:54:00:00:00:02')]
    fake = FakeVirtwire(interfaces=list(on_pf))

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='hostdev', pf='enp1s0f0', state='absent'),
                                fake)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert fake.interfaces == on_pf


def test_pool_attaches_with_pool_and_finds_the_nic_by_mac_next_time(run_module, fake_virtwire):
    args = dict(domain='vm1', type='hostdev', pool='sriov-pool', mac=MAC, spoofchk=False)
    first, failed = run_module(vmnet_interface, args, fake_virtwire)
    assert not failed, first
    assert fake_virtwire.calls[-1][5:] == ['attach-interface', 'vm1', '--type', 'hostdev', '--pool', 'sriov-pool',
                                           '--spoofchk', 'off', '--mac', MAC, '--ensure']
    assert 'vf' not in fake_virtwire.subcommands()
    fake_virtwire.calls = []

    second, failed = run_module(vmnet_interface, args, fake_virtwire)

    assert not failed
    assert second['changed'] is False
    assert fake_virtwire.subcommands() == ['attach-interface']


def test_vdpa_without_a_device_is_allocated_on_the_parent(run_module, fake_virtwire):
    args = dict(domain='vm1', type='vdpa', parent='0000:07:00.0', mac=MAC, queues=2)
    first, failed = run_module(vmnet_interface, args, fake_virtwire)
    assert not failed, first
    assert fake_virtwire.calls[-1][5:] == ['attach-interface', 'vm1', '--type', 'vdpa', '--parent', '0000:07:00.0',
                                           '--queues', '2', '--mac', MAC, '--ensure']
    assert first['allocation']['device'] == '/dev/vhost-vdpa-0'

    second, failed = run_module(vmnet_interface, args, fake_virtwire)

    assert not failed
    assert second['changed'] is False


def test_vdpa_allocated_nic_with_other_queues_is_converged_on_its_device(run_module, fake_virtwire):
    """issue 19: it used to fail ('has queues 2, not 4: remove it and add it again')."""
    run_module(vmnet_interface, dict(domain='vm1', type='vdpa', mac=MAC, queues=2), fake_virtwire)

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='vdpa', mac=MAC, queues=4), fake_virtwire)

    assert not failed, result
    assert result['changed'] is True
    assert 'queues: 2 -> 4' in result['notes'][0]
    assert [(i['source'], i['queues']) for i in fake_virtwire.interfaces] == [('/dev/vhost-vdpa-0', 4)]


def test_vhostuser_without_a_socket_is_allocated_and_registered_through_the_forwarder(run_module, fake_virtwire):
    args = dict(domain='vm1', type='vhostuser', mac=MAC, forwarder_socket='/run/fw.sock')
    first, failed = run_module(vmnet_interface, args, fake_virtwire)
    assert not failed, first
    assert fake_virtwire.calls[-1][5:9] == ['--forwarder', '/run/fw.sock', 'attach-interface', 'vm1']
    assert first['interface']['source'] == '/run/virtwire/vm1-0.sock'

    second, failed = run_module(vmnet_interface, args, fake_virtwire)

    assert not failed
    assert second['changed'] is False


def test_an_allocated_mac_used_by_another_type_is_a_conflict(run_module):
    fake = FakeVirtwire(interfaces=[EXISTING_HOSTDEV])

    result, failed = run_module(vmnet_interface, dict(domain='vm1', type='vhostuser', mac=MAC), fake)

    assert failed
    assert result['msg'].startswith("MAC %s is already used by a hostdev interface" % MAC)


@pytest.mark.parametrize('args, message', [
    (dict(domain='vm1', type='hostdev', pool='p'), 'mac is required when virtwire allocates a VF from pool p'),
    (dict(domain='vm1', type='vdpa'), 'mac is required when virtwire allocates a vhost-vdpa device'),
    (dict(domain='vm1', type='vhostuser'), 'mac is required when virtwire allocates a vhost-user socket'),
    (dict(domain='vm1', type='vdpa', state='absent'), 'state absent with type vdpa needs mac or the device'),
    (dict(domain='vm1', type='vdpa', pf='enp1s0f0', mac=MAC), 'pf and pool are for type hostdev'),
    (dict(domain='vm1', type='hostdev', vf=VF, parent='x'), 'parent is for type vdpa'),
    (dict(domain='vm1', type='hostdev', vf=VF, trust=True), 'trust and spoofchk are set on a VF that virtwire'),
    (dict(domain_xml='/x.xml', type='hostdev', pf='enp1s0f0'), 'virtwire allocates devices only for libvirt domains'),
    (dict(domain='vm1', type='hostdev', vf=VF, pf='enp1s0f0'), 'mutually exclusive'),
    (dict(domain='vm1', type='vdpa', vdpa_device='/dev/vhost-vdpa-0', parent='x'), 'mutually exclusive'),
])
def test_bad_allocation_arguments_fail_before_the_cli_runs(run_module, fake_virtwire, args, message):
    result, failed = run_module(vmnet_interface, args, fake_virtwire)

    assert failed
    assert message in result['msg']
    assert fake_virtwire.calls == []


@pytest.mark.parametrize('args', [PF_NIC, dict(PF_NIC, mac='52:54:00:ab:cd:99'), dict(PF_NIC, state='absent', mac=None)])
def test_pf_check_mode_never_reconciles(run_module, args):
    """issue 19: check mode's 'vf list --pf' reconciled the allocation record (VF settings restored, ports removed)."""
    fake = FakeVirtwire(interfaces=[dict(type='hostdev', source='0000:02:10.4', mac=MAC, mode=None, queues=None)])
    stale = ["hostdev 0000:02:10.0: released from 'vm1' (no domain holds it any more); not applied: ..."]
    fake.stale = list(stale)

    result, failed = run_module(vmnet_interface, args, fake, check_mode=True)

    assert not failed, result
    assert not [call for call in fake.calls if parse(call)[1][:2] == ['vf', 'list']], 'the CLI matches: %s' % fake.calls
    ensures = [call for call in fake.calls if parse(call)[1][:1] in (['attach-interface'], ['detach-interface'])]
    assert len(ensures) == 1 and len(fake.calls) == 1, 'one CLI call per task: %s' % fake.calls
    assert '--print-xml' in ensures[0] and '--ensure' in ensures[0], 'check mode runs the CLI dry run: %s' % fake.calls
    assert fake.stale == stale


def test_the_cli_warning_notes_become_task_warnings(run_module, monkeypatch):
    warned = []
    monkeypatch.setattr(basic.AnsibleModule, 'warn', lambda self, message: warned.append(message))
    note = ('warning: the NIC is attached (libvirt has 0000:02:10.0 in \'vm1\'), but the allocation record could not '
            'be updated (No space left on device)')

    class FullDisk(FakeVirtwire):
        def __call__(self, argv, data=None):
            rc, out, err = FakeVirtwire.__call__(self, argv, data)
            if 'attach-interface' in argv and '--print-xml' not in argv:
                answer = json.loads(out)
                answer['notes'] = list(answer.get('notes') or []) + [note]
                out = json.dumps(answer)
            return rc, out, err

    result, failed = run_module(vmnet_interface, PF_NIC, FullDisk())

    assert not failed, result
    assert warned == ['virtwire: ' + note]
