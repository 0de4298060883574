# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import pytest

from ansible_collections.virtwire.vmnet.plugins.modules import vmnet_forwarder_port

from conftest import CLI, FakeForwarder

FW = '/run/test/fw.sock'
PORT = dict(name='vm1', socket='/run/virtwire/vm1.sock', queues=2, vlan=10, forwarder_socket=FW)
GLOBALS = [CLI, '--output', 'json', '--forwarder', FW]


def test_present_lists_then_adds_with_the_given_options(run_module):
    fake = FakeForwarder()

    result, failed = run_module(vmnet_forwarder_port, dict(PORT, mtu=9000), fake, diff=True)

    assert not failed, result
    assert fake.calls == [
        GLOBALS + ['forwarder', 'port', 'list'],
        GLOBALS + ['forwarder', 'port', 'add', 'vm1', '--type', 'vhostuser', '--socket', '/run/virtwire/vm1.sock',
                   '--queues', '2', '--vlan', '10', '--mtu', '9000'],
    ]
    assert result['changed'] is True
    assert result['port']['vlan'] == dict(mode='access', id=10)
    assert result['diff']['before'] == {}
    assert result['diff']['after'] == dict(name='vm1', type='vhost-user', socket='/run/virtwire/vm1.sock',
                                           mode='server', queues=2, mtu=9000, vlan=dict(mode='access', id=10),
                                           offloads=False)


def test_present_a_second_time_changes_nothing(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)
    fake.calls = []

    result, failed = run_module(vmnet_forwarder_port, PORT, fake)

    assert not failed
    assert result['changed'] is False
    assert result['differences'] == []
    assert fake.verbs() == ['list']


def test_options_left_out_are_not_compared(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, dict(PORT, mtu=9000, mode='client'), fake)

    result, failed = run_module(vmnet_forwarder_port, dict(name='vm1', socket='/run/virtwire/vm1.sock',
                                                           forwarder_socket=FW), fake)

    assert not failed
    assert result['changed'] is False


def test_a_different_port_fails_with_its_differences_unless_replace(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)

    result, failed = run_module(vmnet_forwarder_port, dict(PORT, vlan=20, queues=4), fake)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert result['msg'].startswith("forwarder port 'vm1' has queues 2, not 4 and vlan access 10, not access 20: "
                                    "the forwarder does not change a port in place; set replace: true")
    assert fake.ports[0]['vlan'] == dict(mode='access', id=10)


def test_replace_removes_and_adds_the_port_again(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)
    fake.calls = []

    args = dict(PORT, trunk=[20, 10], native=5, replace=True)
    del args['vlan']
    result, failed = run_module(vmnet_forwarder_port, args, fake, diff=True)

    assert not failed, result
    assert fake.verbs() == ['list', 'del', 'add']
    assert fake.calls[-1][-4:] == ['--native', '5', '--trunk', '20,10']
    assert result['differences'] == ['vlan access 10, not trunk 10,20 native 5']
    assert result['diff']['before']['vlan'] == dict(mode='access', id=10)
    assert result['diff']['after']['vlan'] == dict(mode='trunk', allowed=[20, 10], native=5)


def test_a_trunk_matches_whatever_the_order_of_its_vlans(run_module):
    fake = FakeForwarder()
    args = dict(name='up', type='tap', ifname='vwtap0', trunk=[20, 10], forwarder_socket=FW)
    run_module(vmnet_forwarder_port, args, fake)

    result, failed = run_module(vmnet_forwarder_port, dict(args, trunk=[10, 20]), fake)

    assert not failed, result
    assert result['changed'] is False
    assert fake.calls[1][-6:] == ['--type', 'tap', '--ifname', 'vwtap0', '--trunk', '20,10']


def test_check_mode_reports_the_add_without_doing_it(run_module):
    fake = FakeForwarder()

    result, failed = run_module(vmnet_forwarder_port, PORT, fake, check_mode=True, diff=True)

    assert not failed
    assert result['changed'] is True
    assert fake.verbs() == ['list']
    assert fake.ports == []
    assert result['port'] == dict(name='vm1', type='vhost-user', socket='/run/virtwire/vm1.sock', queues=2,
                                  vlan=dict(mode='access', id=10))


def test_check_mode_replace_changes_nothing(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)

    result, failed = run_module(vmnet_forwarder_port, dict(PORT, mtu=9000, replace=True), fake, check_mode=True)

    assert not failed
    assert result['changed'] is True
    assert fake.ports[0]['mtu'] == 1500


def test_check_mode_reports_a_socket_another_port_uses(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)

    result, failed = run_module(vmnet_forwarder_port, dict(PORT, name='vm2'), fake, check_mode=True)

    assert failed
    assert result['msg'] == "socket /run/virtwire/vm1.sock is already used by port 'vm1'"


def test_a_real_run_reports_the_daemons_refusal(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)

    result, failed = run_module(vmnet_forwarder_port, dict(PORT, name='vm2'), fake)

    assert failed
    assert result['error_kind'] == 'CONFLICT'
    assert result['msg'].startswith('forwarder refused port.add (SOCKET_IN_USE)')


def test_absent_removes_the_port_and_a_second_time_changes_nothing(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)

    result, failed = run_module(vmnet_forwarder_port, dict(name='vm1', state='absent', forwarder_socket=FW), fake,
                                diff=True)
    assert not failed
    assert result['changed'] is True
    assert result['port']['name'] == 'vm1'
    assert result['diff']['after'] == {}
    assert fake.ports == []

    result, failed = run_module(vmnet_forwarder_port, dict(name='vm1', state='absent', forwarder_socket=FW), fake)
    assert not failed
    assert result['changed'] is False


def test_absent_in_check_mode_keeps_the_port(run_module):
    fake = FakeForwarder()
    run_module(vmnet_forwarder_port, PORT, fake)

    result, failed = run_module(vmnet_forwarder_port, dict(name='vm1', state='absent', forwarder_socket=FW), fake,
                                check_mode=True)

    assert not failed
    assert result['changed'] is True
    assert len(fake.ports) == 1


def test_a_forwarder_that_does_not_run_fails_with_the_cli_text(run_module):
    fake = FakeForwarder(running=False)

    result, failed = run_module(vmnet_forwarder_port, PORT, fake, check_mode=True)

    assert failed
    assert result['error_kind'] == 'UNAVAILABLE'
    assert result['msg'] == 'the virtwire forwarder is not running: there is no control socket at %s' % FW


@pytest.mark.parametrize('args, message', [
    (dict(name='vm 1', socket='/s'), "name 'vm 1' must be 1..64 letters"),
    (dict(name='vm1'), 'type vhostuser needs socket'),
    (dict(name='vm1', socket='rel.sock'), "socket 'rel.sock' must be an absolute path"),
    (dict(name='vm1', type='tap'), 'type tap needs ifname'),
    (dict(name='vm1', type='tap', ifname='t0', queues=2), 'queues is not for type tap'),
    (dict(name='vm1', type='afpacket'), 'type afpacket needs ifname'),
    (dict(name='vm1', type='afpacket', ifname='eth1', mode='server'), 'mode is not for type afpacket'),
    (dict(name='vm1', socket='/s', vlan=5000), 'vlan 5000 is outside 1..4094'),
    (dict(name='vm1', socket='/s', trunk=[10, 0]), 'trunk 0 is outside 1..4094'),
    (dict(name='vm1', socket='/s', mtu=67), 'mtu 67 is outside 68..9000'),
    (dict(name='vm1', socket='/s', queues=129), 'queues 129 is outside 1..128'),
    (dict(name='vm1', socket='/s', vlan=10, trunk=[10]), 'mutually exclusive: vlan|trunk'),
    (dict(name='vm1', socket='/s', native=10), "missing parameter(s) required by 'native': trunk"),
])
def test_bad_arguments_fail_before_the_cli_runs_even_in_check_mode(run_module, args, message):
    fake = FakeForwarder()

    result, failed = run_module(vmnet_forwarder_port, args, fake, check_mode=True)

    assert failed
    assert message in result['msg']
    assert fake.calls == []


def test_an_afpacket_port_with_fanout_queues_is_added_once(run_module):
    fake = FakeForwarder()
    args = dict(name='uplink', type='afpacket', ifname='eth1', queues=2, forwarder_socket=FW)

    first, failed = run_module(vmnet_forwarder_port, args, fake)
    assert not failed, first
    assert fake.calls[-1][7:] == ['add', 'uplink', '--type', 'afpacket', '--ifname', 'eth1', '--queues', '2']

    second, failed = run_module(vmnet_forwarder_port, args, fake)
    assert not failed
    assert second['changed'] is False


def test_offloads_are_asked_for_compared_and_replaced(run_module):
    fake = FakeForwarder()

    result, failed = run_module(vmnet_forwarder_port, dict(PORT, offloads=True), fake)

    assert not failed, result
    assert fake.calls[-1][-1] == '--offloads'
    assert fake.ports[0]['offloads'] is True

    again, failed = run_module(vmnet_forwarder_port, dict(PORT, offloads=True), fake)
    assert not failed and again['changed'] is False

    refused, failed = run_module(vmnet_forwarder_port, dict(PORT, offloads=False), fake)
    assert failed
    assert 'has offloads True, not False' in refused['msg'], refused

    replaced, failed = run_module(vmnet_forwarder_port, dict(PORT, offloads=False, replace=True), fake)
    assert not failed and replaced['changed'] is True
    assert '--offloads' not in fake.calls[-1]
    assert fake.ports[0]['offloads'] is False
