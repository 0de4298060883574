#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: vmnet_forwarder_port
short_description: Ports of the virtwire forwarder (vhost-user sockets, TAP and AF_PACKET interfaces)
version_added: 0.1.0
description:
  - Makes sure the running virtwire forwarder (C(bin/virtwire-forwarder)) has, or does not have, one port,
    using the C(virtwire forwarder port add|del|list) commands over the forwarder's control socket
    (I(forwarder_socket)).
  - A port is identified by I(name). An existing port is compared with the options that are given; options
    left out are not compared.
  - The forwarder cannot change a port in place. A port that differs fails the task unless I(replace=true),
    which removes the port and adds it again.
  - Ports added through the control socket live as long as the forwarder process; put ports that must survive
    a restart of the forwarder in its config file.
options:
  state:
    description:
      - C(present) adds the port unless a port of that name with the given settings exists.
      - C(absent) removes the port of that name (its guest's session is closed, its socket file removed).
    type: str
    choices: [ present, absent ]
    default: present
  name:
    description:
      - The port's name, 1-64 letters, digits, C(_), C(.), C(:) or C(-), unique in the forwarder.
    type: str
    required: true
  type:
    description:
      - C(vhostuser) is a vhost-user socket for a guest, C(tap) a TAP interface on the host (created if missing),
        C(afpacket) an existing host interface reached through AF_PACKET sockets.
    type: str
    choices: [ vhostuser, tap, afpacket ]
    default: vhostuser
  socket:
    description:
      - For I(type=vhostuser) the absolute path of the UNIX socket. Required with I(state=present).
    type: path
  ifname:
    description:
      - For I(type=tap) the TAP interface (created if missing, removed with the port); for I(type=afpacket) an
        existing host interface. Required with I(state=present) for both.
    type: str
  mode:
    description:
      - For I(type=vhostuser) the forwarder's role on the socket. C(server) (the CLI's default) means the
        forwarder listens and QEMU connects (libvirt C(<source mode='client'>)); C(client) means QEMU listens
        (libvirt C(<source mode='server'>)).
    type: str
    choices: [ server, client ]
  queues:
    description:
      - For I(type=vhostuser) the number of queue pairs, for I(type=afpacket) the number of sockets in one
        fanout group, 1-128 (the CLI's default is 1).
    type: int
  vlan:
    description:
      - Make the port an access port on this VLAN, 1-4094 (the CLI's default is access VLAN 1).
    type: int
  trunk:
    description:
      - Make the port a trunk carrying these VLANs, each 1-4094.
    type: list
    elements: int
  native:
    description:
      - With I(trunk), the VLAN untagged frames belong to. Without it untagged frames are dropped.
    type: int
  mtu:
    description:
      - Largest frame payload, 68-9000 (the CLI's default is 1500).
    type: int
  offloads:
    description:
      - Carry checksum and TSO offloads through this port (the guest's virtio-net header, validated by the
        forwarder; IFF_VNET_HDR on TAP; PACKET_VNET_HDR on AF_PACKET). Frames leaving through a port without
        offloads are checksummed or segmented in software. Left out, an existing port's setting is not compared
        and a new port gets the forwarder's default (off).
    type: bool
  replace:
    description:
      - When a port of that name exists with other settings, remove it and add it again. Its guest's session is
        closed; a QEMU that connects as client (with reconnect) comes back on its own.
      - When false, such a port fails the task with the differences.
    type: bool
    default: false
extends_documentation_fragment:
  - virtwire.vmnet.vmnet
attributes:
  check_mode:
    support: full
    description:
      - Lists the ports and reports what would change. The CLI has no dry run for C(port add); the ranges and
        combinations are checked by the module, a socket or interface another port uses is reported from the
        port list, but refusals only the daemon can make (a foreign process listening on the socket, a path
        that is not a socket) show only in a real run.
  diff_mode:
    support: full
    description: Shows the port's settings before and after.
notes:
  - I(connect_uri) and I(host_root) are not used; I(forwarder_socket) points at the daemon.
author:
  - virtwire contributors (@virtwire)
'''

EXAMPLES = r'''
- name: A vhost-user port for vm1 on VLAN 10 (the forwarder listens; libvirt's NIC uses mode client)
  virtwire.vmnet.vmnet_forwarder_port:
    name: vm1
    socket: /run/virtwire/vm1.sock
    queues: 2
    vlan: 10
    forwarder_socket: /run/virtwire/forwarder.sock

- name: A TAP uplink trunking VLANs 10 and 20, untagged frames on VLAN 1
  virtwire.vmnet.vmnet_forwarder_port:
    name: uplink
    type: tap
    ifname: vwtap0
    trunk: [10, 20]
    native: 1

- name: Move vm1 to VLAN 20 (removes and re-adds the port; the guest reconnects)
  virtwire.vmnet.vmnet_forwarder_port:
    name: vm1
    socket: /run/virtwire/vm1.sock
    vlan: 20
    replace: true

- name: Remove the port
  virtwire.vmnet.vmnet_forwarder_port:
    name: vm1
    state: absent
'''

RETURN = r'''
port:
  description:
    - The port as the forwarder reports it (C(port list)) after the task, or, with I(state=absent), the port
      removed. In check mode, what would be added.
  returned: when there is one
  type: dict
  sample:
    name: vm1
    type: vhost-user
    slot: 0
    up: false
    broken: null
    mtu: 1500
    vlan: {mode: access, id: 10}
    socket: /run/virtwire/vm1.sock
    mode: server
    queues: 2
    connected: false
    sessions: 0
    guestTxRefused: 0
differences:
  description: What differs between the existing port and the options (empty when nothing does).
  returned: when a port of that name exists and I(state=present)
  type: list
  elements: str
  sample: ["vlan access 10, not access 20"]
error_kind:
  description: On failure, the CLI's error kind (C(INVALID_INPUT), C(NOT_FOUND), C(CONFLICT), C(UNAVAILABLE) when the forwarder does not run, ...).
  returned: failure
  type: str
  sample: UNAVAILABLE
'''

import re

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtwire.vmnet.plugins.module_utils.vmnet_cli import (
    VmnetCli,
    VmnetCliError,
    fail_with,
    vmnet_argument_spec,
)

NAME = re.compile(r'^[A-Za-z0-9_.:-]{1,64}$')
# the forwarder's type names in port.list, by the CLI's --type names
LISTED_TYPE = dict(vhostuser='vhost-user', tap='tap', afpacket='af-packet')


def argument_problem(p):
    """The forwarder's input rules, checked here so that check mode refuses what a real run would."""
    if not NAME.match(p['name']):
        return "name '%s' must be 1..64 letters, digits, '_', '.', ':' or '-'" % p['name']
    if p['state'] == 'absent':
        return None
    if p['type'] == 'vhostuser':
        if not p['socket']:
            return 'type vhostuser needs socket (the UNIX socket path the guest connects to)'
        if not p['socket'].startswith('/'):
            return "socket '%s' must be an absolute path: the forwarder and QEMU resolve it in their own " \
                   "working directories" % p['socket']
        if p['ifname']:
            return 'ifname is for type tap, not vhostuser'
    else:
        if not p['ifname']:
            return 'type %s needs ifname (the host interface name)' % p['type']
        for option in ('socket', 'mode') + (('queues',) if p['type'] == 'tap' else ()):
            if p[option] is not None:
                return '%s is not for type %s' % (option, p['type'])
    ranges = [('queues', p['queues'], 1, 128), ('mtu', p['mtu'], 68, 9000), ('vlan', p['vlan'], 1, 4094),
              ('native', p['native'], 1, 4094)] + [('trunk', tag, 1, 4094) for tag in p['trunk'] or []]
    for option, value, low, high in ranges:
        if value is not None and not low <= value <= high:
            return '%s %d is outside %d..%d' % (option, value, low, high)
    if p['trunk'] is not None and not p['trunk']:
        return 'trunk needs at least one VLAN'
    return None


def wanted_vlan(p):
    if p['vlan'] is not None:
        return dict(mode='access', id=p['vlan'])
    if p['trunk'] is not None:
        vlan = dict(mode='trunk', allowed=sorted(set(p['trunk'])))
        if p['native'] is not None:
            vlan['native'] = p['native']
        return vlan
    return None


def describe_vlan(vlan):
    if not vlan:
        return 'none'
    if vlan.get('mode') == 'access':
        return 'access %s' % vlan.get('id')
    text = 'trunk %s' % ','.join(str(tag) for tag in vlan.get('allowed') or [])
    if vlan.get('native') is not None:
        text += ' native %s' % vlan['native']
    return text


def differences(port, p):
    """What the given options say that the existing port does not (options left out are not compared)."""
    found = []
    if port.get('type') != LISTED_TYPE[p['type']]:
        found.append('type %s, not %s' % (port.get('type'), LISTED_TYPE[p['type']]))
        return found
    for option, key in (('socket', 'socket'), ('ifname', 'iface'), ('mode', 'mode'), ('queues', 'queues'),
                        ('mtu', 'mtu')):
        if p[option] is not None and port.get(key) != p[option]:
            found.append('%s %s, not %s' % (option, port.get(key), p[option]))
    if p['offloads'] is not None and bool(port.get('offloads')) != p['offloads']:
        found.append('offloads %s, not %s' % (bool(port.get('offloads')), p['offloads']))
    vlan = wanted_vlan(p)
    if vlan is not None:
        have = dict((k, v) for k, v in (port.get('vlan') or {}).items() if v is not None)
        if have.get('mode') == 'trunk':
            have['allowed'] = sorted(have.get('allowed') or [])
        if have != vlan:
            found.append('vlan %s, not %s' % (describe_vlan(have), describe_vlan(vlan)))
    return found


def settings(port):
    """The settings of a listed port, for the diff (counters and link state left out)."""
    if not port:
        return {}
    keys = ('name', 'type', 'socket', 'iface', 'mode', 'queues', 'mtu', 'vlan', 'offloads')
    return dict((k, port[k]) for k in keys if port.get(k) is not None)


def wanted_settings(p, base=None):
    """The settings the port will have: the existing ones overridden by the given options."""
    result = dict(base or {})
    result.update(name=p['name'], type=LISTED_TYPE[p['type']])
    for option, key in (('socket', 'socket'), ('ifname', 'iface'), ('mode', 'mode'), ('queues', 'queues'),
                        ('mtu', 'mtu')):
        if p[option] is not None:
            result[key] = p[option]
    if wanted_vlan(p) is not None:
        result['vlan'] = wanted_vlan(p)
    if p['offloads'] is not None:
        result['offloads'] = p['offloads']
    return result


def add_args(p):
    args = ['forwarder', 'port', 'add', p['name'], '--type', p['type']]
    for option, flag in (('socket', '--socket'), ('ifname', '--ifname'), ('mode', '--mode'), ('queues', '--queues'),
                         ('vlan', '--vlan'), ('native', '--native'), ('mtu', '--mtu')):
        if p[option] is not None:
            args += [flag, str(p[option])]
    if p['trunk'] is not None:
        args += ['--trunk', ','.join(str(tag) for tag in p['trunk'])]
    if p['offloads']:
        args.append('--offloads')
    return args


class PortPlanner:

    def __init__(self, module, cli):
        self.module = module
        self.cli = cli
        self.params = module.params

    def run(self, args):
        # the forwarder commands talk to the daemon, not libvirt
        return self.cli.run(args, connect=False)

    def ports(self):
        return self.run(['forwarder', 'port', 'list']).get('ports') or []

    def in_use(self, ports):
        """Check mode's stand-in for the daemon's SOCKET_IN_USE / INTERFACE_IN_USE on another port."""
        p = self.params
        for port in ports:
            if port.get('name') == p['name']:
                continue
            if p['socket'] and port.get('socket') == p['socket']:
                return "socket %s is already used by port '%s'" % (p['socket'], port.get('name'))
            if p['ifname'] and port.get('iface') == p['ifname']:
                return "interface %s is already used by port '%s'" % (p['ifname'], port.get('name'))
        return None

    def diff(self, before, after):
        where = 'forwarder port %s' % self.params['name']
        return dict(before=before, after=after, before_header=where + ' (before)', after_header=where + ' (after)')

    def present(self):
        p = self.params
        ports = self.ports()
        existing = next((port for port in ports if port.get('name') == p['name']), None)
        result = dict(changed=False)
        if existing is not None:
            result['differences'] = differences(existing, p)
            if not result['differences']:
                result['port'] = existing
                return result
            if not p['replace']:
                raise VmnetCliError(
                    "forwarder port '%s' has %s: the forwarder does not change a port in place; set replace: true "
                    "to remove and add it again (its guest's session is closed), or remove it first (state: absent)"
                    % (p['name'], ' and '.join(result['differences'])), 'CONFLICT')
        if self.module.check_mode:
            conflict = self.in_use(ports)
            if conflict:
                raise VmnetCliError(conflict, 'CONFLICT')
            result['port'] = wanted_settings(p)
        else:
            if existing is not None:
                self.run(['forwarder', 'port', 'del', p['name']])
            result['port'] = self.run(add_args(p)).get('port')
        result['changed'] = True
        result['diff'] = self.diff(settings(existing), settings(result['port']))
        return result

    def absent(self):
        p = self.params
        existing = next((port for port in self.ports() if port.get('name') == p['name']), None)
        if existing is None:
            return dict(changed=False)
        if not self.module.check_mode:
            self.run(['forwarder', 'port', 'del', p['name']])
        return dict(changed=True, port=existing, diff=self.diff(settings(existing), {}))


def main():
    argument_spec = vmnet_argument_spec()
    argument_spec.update(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        name=dict(type='str', required=True),
        type=dict(type='str', default='vhostuser', choices=['vhostuser', 'tap', 'afpacket']),
        socket=dict(type='path'),
        ifname=dict(type='str'),
        mode=dict(type='str', choices=['server', 'client']),
        queues=dict(type='int'),
        vlan=dict(type='int'),
        trunk=dict(type='list', elements='int'),
        native=dict(type='int'),
        mtu=dict(type='int'),
        offloads=dict(type='bool'),
        replace=dict(type='bool', default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[('vlan', 'trunk'), ('socket', 'ifname')],
        required_by=dict(native='trunk'),
    )
    problem = argument_problem(module.params)
    if problem:
        module.fail_json(msg=problem, error_kind='INVALID_INPUT')
    try:
        planner = PortPlanner(module, VmnetCli(module))
        result = planner.present() if module.params['state'] == 'present' else planner.absent()
    except VmnetCliError as error:
        fail_with(module, error)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
