#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: vmnet_interface
short_description: Fast NICs (SR-IOV VF, vDPA, vhost-user) on libvirt domains
version_added: 0.1.0
description:
  - Makes sure a domain has, or does not have, one fast network interface, using the C(virtwire) CLI
    (C(attach-interface --ensure) and C(detach-interface --ensure)).
  - An interface is identified by its MAC address when I(mac) is given, otherwise by I(type) and its
    source (I(vf), I(vdpa_device) or I(socket)), or, with I(pf), by being on any VF of that PF.
  - Without a named device (I(pf), I(pool), I(type=vdpa) without I(vdpa_device), I(type=vhostuser) without
    I(socket)) virtwire allocates one (a free VF, a free C(/dev/vhost-vdpa-N), a new socket under
    C($VIRTWIRE_RUN_DIR)), configures it and records it in its allocation record (I(state_dir)).
    The second run finds the NIC by I(mac), which these forms therefore require, except I(pf); without
    I(mac) a NIC on any VF of the PF (as C(virtwire vf list --pf) lists them) counts as present.
  - I(state=present) takes one CLI call, C(virtwire attach-interface --ensure) (with C(--print-xml) in check mode),
    for a device you name and for the allocation forms alike; the CLI owns the matching rules, allocates and
    attaches a missing NIC, and converges drift (see I(state)).
  - I(state=absent) takes one CLI call as well, C(virtwire detach-interface --ensure) (with C(--print-xml) in check
    mode), which finds the NIC with the same rules and detaches it (a VF virtwire allocated is freed and gets its
    previous settings back).
  - Works on a libvirt domain (I(domain)) or on a domain XML file (I(domain_xml)), which it rewrites in place.
options:
  state:
    description:
      - C(present) attaches the interface unless an identical one (same MAC, type and source) is there.
      - An interface with the same MAC, type and source but another VLAN, queue count, socket mode or model is
        converged, and the task reports the change with the whole domain XML as diff and how in I(method)
        (the persistent definition through libvirt's C(update-device) (or redefined, on a driver without it), the
        running domain by a detach and an attach of the same device (libvirt changes none of these on a plugged
        NIC)). A MAC on another type or source fails with C(CONFLICT).
      - With I(pf) or I(pool) the NIC keeps its VF; a VF whose MAC, VLAN, I(trust) or I(spoofchk) differ from the
        task is set through the PF first (I(method) C(pf)), and virtwire's record follows.
      - C(absent) detaches the interface with I(mac) (of I(type) and on the given source, if those are given too,
        else C(CONFLICT)), or without I(mac) the one interface of I(type) on the given source (with I(pf), on a VF
        of that PF). Two interfaces that match fail with C(CONFLICT) and nothing is detached (give I(mac)).
      - With I(state=absent), I(config) and I(live) as for C(present); the interface is detached from each of those
        definitions that has it; when it is already absent, nothing changes.
    type: str
    choices: [ present, absent ]
    default: present
  domain:
    description:
      - Name of the libvirt domain.
      - Exactly one of I(domain) and I(domain_xml) is required.
    type: str
    aliases: [ name ]
  domain_xml:
    description:
      - A libvirt domain XML file on the managed host to edit instead of a libvirt domain (the CLI's
        C(--domain-xml FILE --in-place)).
      - The domain name is read from the file; I(config), I(live) and I(connect_uri) do not apply.
    type: path
  type:
    description:
      - The kind of NIC. Required with I(state=present), and with I(state=absent) when I(mac) is not given.
    type: str
    choices: [ hostdev, vdpa, vhostuser ]
  vf:
    description:
      - For I(type=hostdev) the PCI address of the SR-IOV virtual function, for example C(0000:07:10.1).
      - Exactly one of I(vf), I(pf) and I(pool) is required for I(type=hostdev) with I(state=present).
    type: str
  pf:
    description:
      - For I(type=hostdev) let virtwire allocate a free VF of this PF (netdev such as C(ens2f0), or PCI
        address), set its MAC, VLAN, I(trust) and I(spoofchk) through the PF, record it, and attach it
        (the CLI's C(--pf)).
      - A VF is free when no domain refers to it, the allocation record does not reserve it, and it is alone
        in its IOMMU group.
      - With I(state=absent) and no I(mac), the NIC of the domain on a VF of this PF is removed (two such NICs fail with
        C(CONFLICT), give I(mac)); virtwire gives the VF its previous settings back.
      - Not with I(domain_xml).
    type: str
  pool:
    description:
      - For I(type=hostdev) allocate a free VF from this libvirt hostdev network (its C(<pf dev>) or
        C(<address>) list) and attach it as a C(type=hostdev) NIC (the CLI's C(--pool)).
      - Requires I(mac). Membership of an existing NIC's VF in the pool is not checked (the CLI has no
        command that lists a pool's VFs); the MAC and the type are.
      - Not with I(domain_xml).
    type: str
  parent:
    description:
      - For I(type=vdpa) without I(vdpa_device), allocate only a vhost-vdpa device on this PF or its VFs
        (the CLI's C(--parent)).
    type: str
  trust:
    description:
      - With I(pf) or I(pool), the VF's trust setting (C(ip link set PF vf N trust on|off)).
      - Applied when the VF is allocated; on an existing NIC a different value is set through the PF (drift is
        converged). Unset leaves the VF's current setting.
    type: bool
  spoofchk:
    description:
      - With I(pf) or I(pool), the VF's MAC spoof checking (C(ip link set PF vf N spoofchk on|off)).
      - Applied when the VF is allocated and converged on an existing NIC, like I(trust).
    type: bool
  vdpa_device:
    description:
      - For I(type=vdpa) the vhost-vdpa character device, for example C(/dev/vhost-vdpa-0).
      - When not given, virtwire allocates a free one (on I(parent) if given); then I(mac) is required.
    type: str
    aliases: [ dev ]
  socket:
    description:
      - For I(type=vhostuser) the absolute path of the UNIX socket.
      - When not given, virtwire creates C($VIRTWIRE_RUN_DIR/DOMAIN-N.sock) (default directory C(/run/virtwire);
        set it with the task's C(environment)) and registers it with the forwarder (I(forwarder_socket));
        then I(mac) is required.
    type: str
    aliases: [ source ]
  mode:
    description:
      - For I(type=vhostuser) QEMU's role on the socket. C(client) (the CLI's default) means the backend
        listens and QEMU reconnects.
      - When given, an existing interface with another mode is reported as a conflict.
    type: str
    choices: [ client, server ]
  mac:
    description:
      - MAC address of the interface. When not given, the CLI picks a free C(52:54:00:xx:xx:xx) address
        on attach, and the interface is found by I(type) and source (or, with I(pf), by the PF's VFs).
      - Required with I(pool), and with I(type=vdpa) or I(type=vhostuser) when virtwire allocates the device.
    type: str
  vlan:
    description:
      - For I(type=hostdev) one VLAN tag (access) or several (trunk), each 0-4094. With I(pf) or I(pool) one tag.
      - A changed VLAN on an existing interface is converged (VLAN 7 to 8 is a change, and the next run reports
        none); with I(pf) or I(pool) on the VF through the PF and in the interface XML.
      - Left out, the interface is untagged; an existing interface with a VLAN is converged to none.
    type: list
    elements: int
  queues:
    description:
      - For I(type=vdpa) and I(type=vhostuser) the number of queue pairs, 1-256.
      - For I(type=vhostuser) without I(socket) the virtwire forwarder port is registered with the same count
        (at most 128, a forwarder port's limit); with I(socket) naming a socket the forwarder already serves, a
        port with another queue count is refused before libvirt is asked (omitted means 1).
      - When given, an existing interface with another queue count is converged; a socket virtwire's forwarder
        serves with another queue count is a conflict (its port keeps its count).
    type: int
  config:
    description:
      - Change the persistent definition (the CLI's C(--config)).
      - When neither I(config) nor I(live) is set, the running domain is changed if it runs, else the
        persistent definition (the CLI's C(--current)).
    type: bool
  live:
    description:
      - Change the running domain (the CLI's C(--live)). Fails when the domain is not running.
    type: bool
  fix_memory:
    description:
      - For I(type=vhostuser) add memfd shared memory to the persistent definition if it lacks shared
        memory (vhost-user needs the guest RAM shared with the backend).
    type: bool
    default: false
extends_documentation_fragment:
  - virtwire.vmnet.vmnet
attributes:
  check_mode:
    support: full
    description:
      - Runs the same C(--ensure) with C(--print-xml) (C(attach-interface) or C(detach-interface)); nothing is
        changed.
      - Where virtwire would allocate, C(--print-xml) also picks the device (a C(pending) I(allocation) in the
        result, nothing written to the record or the host); the real attach may pick another one if the host
        changed meanwhile. Reconciling virtwire's allocation record with libvirt happens in memory only (the notes
        say what it would do, for I(state=absent) which VF or socket would be released). The state files, the VF
        settings and the forwarder's ports are left exactly as they were.
  diff_mode:
    support: full
    description:
      - Both states show the whole domain XML before and after (the persistent definition, or the live XML for a
        live-only change; the file with I(domain_xml)).
author:
  - virtwire contributors (@virtwire)
'''

EXAMPLES = r'''
- name: Give vm1 an SR-IOV VF on VLAN 100 (persistent definition)
  virtwire.vmnet.vmnet_interface:
    domain: vm1
    type: hostdev
    vf: "0000:07:10.1"
    mac: "52:54:00:00:00:11"
    vlan: [100]
    config: true

- name: Trunk two VLANs on a VF
  virtwire.vmnet.vmnet_interface:
    domain: vm1
    type: hostdev
    vf: "0000:07:10.2"
    mac: "52:54:00:00:00:12"
    vlan: [100, 200]
    config: true

- name: A vDPA device with two queue pairs, live and persistent
  virtwire.vmnet.vmnet_interface:
    domain: vm2
    type: vdpa
    vdpa_device: /dev/vhost-vdpa-0
    mac: "52:54:00:00:00:21"
    queues: 2
    config: true
    live: true

- name: A vhost-user socket served by the virtwire forwarder; add shared memory if the domain lacks it
  virtwire.vmnet.vmnet_interface:
    domain: vm3
    type: vhostuser
    socket: /run/virtwire/vm3-net0.sock
    mode: client
    queues: 2
    fix_memory: true
    config: true

- name: Edit a domain XML file before it is defined (no libvirt needed)
  virtwire.vmnet.vmnet_interface:
    domain_xml: /srv/vms/vm4.xml
    type: vhostuser
    socket: /run/virtwire/vm4-net0.sock
    mac: "52:54:00:00:00:41"

- name: Remove an interface by MAC
  virtwire.vmnet.vmnet_interface:
    domain: vm1
    mac: "52:54:00:00:00:11"
    state: absent
    config: true

- name: A free VF of ens2f0 on VLAN 42, trusted; virtwire picks, configures and records the VF
  virtwire.vmnet.vmnet_interface:
    domain: vm5
    type: hostdev
    pf: ens2f0
    mac: "52:54:00:00:00:51"
    vlan: [42]
    trust: true
    spoofchk: false
    config: true
    state_dir: /var/lib/virtwire

- name: A VF from a libvirt hostdev network (mac required)
  virtwire.vmnet.vmnet_interface:
    domain: vm5
    type: hostdev
    pool: sriov-pool
    mac: "52:54:00:00:00:52"
    config: true

- name: Any free vDPA device on PF 0000:07:00.0
  virtwire.vmnet.vmnet_interface:
    domain: vm6
    type: vdpa
    parent: "0000:07:00.0"
    mac: "52:54:00:00:00:61"
    config: true

- name: A vhost-user NIC on a socket virtwire creates and registers with the forwarder
  virtwire.vmnet.vmnet_interface:
    domain: vm7
    type: vhostuser
    mac: "52:54:00:00:00:71"
    forwarder_socket: /run/virtwire/forwarder.sock
    config: true

- name: Remove the NIC of vm5 on a VF of ens2f0 (the VF gets its previous settings back)
  virtwire.vmnet.vmnet_interface:
    domain: vm5
    type: hostdev
    pf: ens2f0
    state: absent
    config: true

- name: Remove the interface that uses this VF
  virtwire.vmnet.vmnet_interface:
    domain: vm1
    type: hostdev
    vf: "0000:07:10.2"
    state: absent
    config: true
'''

RETURN = r'''
domain:
  description: Name of the domain (read from the file with I(domain_xml)).
  returned: always
  type: str
  sample: vm1
scope:
  description: What the CLI changed or would change, C(config), C(live), C(config+live), C(current) or C(file).
  returned: always
  type: str
  sample: config
interface:
  description:
    - The interface as the CLI reports it (with I(state=present) the one attached or found, with
      I(state=absent) the one removed).
    - In check mode without I(mac), C(mac) is the one C(--print-xml) made up; the real one is picked on attach.
  returned: when there is one
  type: dict
  sample:
    type: hostdev
    source: "0000:07:10.1"
    mode: null
    mac: "52:54:00:00:00:11"
    model: null
    queues: null
    target: null
allocation:
  description:
    - What virtwire allocated for the NIC (C(state=held)), or in check mode what it would allocate (C(pending)); for
      a VF it already held, its record entry (with the settings as converged).
    - Fields that do not apply are left out (C(pf), C(pfNetdev), C(vfIndex), C(settings), C(previous) are for VFs).
  returned: when virtwire allocated (or would allocate) the device, or holds the VF
  type: dict
  sample:
    kind: hostdev
    device: "0000:02:10.0"
    domain: vm5
    state: held
    pf: "0000:01:00.0"
    pfNetdev: ens2f0
    vfIndex: 0
    settings: {mac: "52:54:00:00:00:51", vlan: 42, trust: true, spoofchk: false}
    previous: {mac: "00:00:00:00:00:00", vlan: 0, trust: false, spoofchk: true}
    mac: "52:54:00:00:00:51"
removed:
  description: The interface removed (or that check mode would remove) with I(state=absent); empty when it was absent.
  returned: when state is absent
  type: list
  elements: dict
  sample: []
device_xml:
  description: The interface XML attached or removed (or that would be).
  returned: when changed
  type: str
  sample: |
    <interface type="hostdev" managed="yes">
        <mac address="52:54:00:00:00:11"/>
        ...
    </interface>
notes:
  description: Remarks from the CLI, for example that the driver has no live attach and the definition was redefined.
  returned: always
  type: list
  elements: str
  sample: ["an identical interface with MAC 52:54:00:00:00:11 is already attached: nothing to do"]
method:
  description:
    - How the change was (or in check mode would be) made, the most disruptive step in I(methods).
    - C(detach) (with I(state=absent), the NIC was there and was detached), C(attach) (the NIC was missing),
      C(file) (the domain XML file edited), C(pf) (a VF's settings set through its PF, the guest keeps its NIC),
      C(update-device) (libvirt changed the NIC in place), C(redefine) (the definition edited and redefined, on a
      driver without update-device or device detach, or for I(fix_memory)), C(reattach) (the running domain, the
      same device detached and attached).
  returned: when changed
  type: str
  sample: update-device
methods:
  description: Every step of I(method), in order.
  returned: when changed
  type: list
  elements: str
  sample: [pf, update-device]
error_kind:
  description: On failure, the CLI's error kind (C(INVALID_INPUT), C(NOT_FOUND), C(CONFLICT), ...).
  returned: failure
  type: str
  sample: INVALID_INPUT
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtwire.vmnet.plugins.module_utils.vmnet_cli import (
    VmnetCli,
    VmnetCliError,
    fail_with,
    vmnet_argument_spec,
)

WARNING_NOTE = 'warning: '
SOURCE_OPTIONS = (('vf', '--vf'), ('vdpa_device', '--dev'), ('socket', '--source'),
                  ('pf', '--pf'), ('pool', '--pool'), ('parent', '--parent'))
SWITCH_OPTIONS = (('trust', '--trust'), ('spoofchk', '--spoofchk'))


def allocates(params):
    """Whether virtwire picks the device (the CLI's allocation forms) rather than being told which one."""
    nic_type = params['type']
    if nic_type == 'hostdev':
        return bool(params['pf'] or params['pool'])
    if nic_type == 'vdpa':
        return not params['vdpa_device']
    if nic_type == 'vhostuser':
        return not params['socket']
    return False


def argument_problem(params):
    """Combinations argument_spec cannot express; None when the arguments are consistent."""
    nic_type, present = params['type'], params['state'] == 'present'
    if (params['pf'] or params['pool']) and nic_type != 'hostdev':
        return 'pf and pool are for type hostdev (they pick a VF), not %s' % nic_type
    if params['parent'] and nic_type != 'vdpa':
        return 'parent is for type vdpa (it limits which vhost-vdpa device is picked), not %s' % nic_type
    if (params['trust'] is not None or params['spoofchk'] is not None) and not (params['pf'] or params['pool']):
        return ('trust and spoofchk are set on a VF that virtwire allocates: give pf or pool (for a VF named with '
                'vf, set them in the host profile, virtwire.vmnet.vmnet_host)')
    if nic_type == 'hostdev' and not (params['vf'] or params['pf'] or params['pool'] or
                                      (params['mac'] and not present)):
        return 'type hostdev needs one of vf (a VF you name), pf or pool (a VF virtwire allocates)'
    if nic_type and allocates(params):
        if params['domain_xml']:
            return ('virtwire allocates devices only for libvirt domains (a domain XML file may be meant for '
                    'another host): name the device with vf, vdpa_device or socket, or use domain')
        if not params['mac'] and not params['pf'] and not present:
            return 'state absent with type %s needs mac or the device (%s)' % (
                nic_type, dict(hostdev='vf or pf', vdpa='vdpa_device', vhostuser='socket')[nic_type])
        if not params['mac'] and not params['pf']:
            what = dict(hostdev='a VF from pool %s' % params['pool'], vdpa='a vhost-vdpa device',
                        vhostuser='a vhost-user socket')[nic_type]
            return ('mac is required when virtwire allocates %s: the MAC is how the next run finds the NIC it '
                    'attached (or name the device: %s)' % (what, dict(hostdev='vf or pf', vdpa='vdpa_device',
                                                                      vhostuser='socket')[nic_type]))
    return None


class InterfaceTask:
    """One CLI call per task: 'attach-interface --ensure' or 'detach-interface --ensure'; the CLI owns the matching."""

    def __init__(self, module, cli):
        self.module = module
        self.cli = cli
        self.params = module.params
        self.file_mode = bool(self.params['domain_xml'])

    def target_args(self):
        if self.file_mode:
            return ['--domain-xml', self.params['domain_xml']]
        args = [self.params['domain']]
        if self.params['config']:
            args.append('--config')
        if self.params['live']:
            args.append('--live')
        return args

    def nic_args(self, absent=False):
        """The NIC options; for absent only what finds the NIC (type, device, mac), as detach-interface takes them."""
        p = self.params
        args = ['--type', p['type']] if p['type'] else []
        for option, flag in SOURCE_OPTIONS:
            if p[option] is not None and not (absent and option == 'parent'):
                args += [flag, p[option]]
        if absent:
            return args + (['--mac', p['mac']] if p['mac'] else [])
        if p['mode']:
            args += ['--mode', p['mode']]
        if p['queues'] is not None:
            args += ['--queues', str(p['queues'])]
        for option, flag in SWITCH_OPTIONS:
            if p[option] is not None:
                args += [flag, 'on' if p[option] else 'off']
        if p['mac']:
            args += ['--mac', p['mac']]
        if p['vlan']:
            args += ['--vlan', ','.join(str(tag) for tag in p['vlan'])]
        if p['fix_memory']:
            args.append('--fix-memory')
        return args

    def ensure(self, command, absent):
        """The one call: with --print-xml in check mode (the CLI's dry run), --in-place on a file."""
        args = [command] + self.target_args() + self.nic_args(absent) + ['--ensure']
        if self.module.check_mode:
            args.append('--print-xml')  # with --ensure: the same answer, nothing applied (no record, VF or forwarder change)
        elif self.file_mode:
            args.append('--in-place')
        applied = self.cli.run(args, connect=not self.file_mode)
        result = dict(changed=bool(applied.get('changed')), domain=applied.get('domain') or self.params['domain'],
                      scope=applied.get('scope'), notes=list(applied.get('notes') or []))
        if applied.get('iface'):
            result['interface'] = applied['iface']
        for key in ('allocation', 'method', 'methods'):
            if applied.get(key):
                result[key] = applied[key]
        if absent:
            result['removed'] = [applied['iface']] if result['changed'] and applied.get('iface') else []
        if result['changed']:
            result['device_xml'] = applied.get('deviceXml')
            diff = applied.get('diff') or {}
            result['diff'] = self.diff(result['domain'], diff.get('before'), diff.get('after'))
        return result

    def diff(self, domain, before, after):
        where = self.params['domain_xml'] or 'domain %s' % domain
        return dict(before=before or '', after=after or '',
                    before_header='%s (domain XML before)' % where,
                    after_header='%s (domain XML after)' % where)


def main():
    argument_spec = vmnet_argument_spec()
    argument_spec.update(
        state=dict(type='str', default='present', choices=['present', 'absent']),
        domain=dict(type='str', aliases=['name']),
        domain_xml=dict(type='path'),
        type=dict(type='str', choices=['hostdev', 'vdpa', 'vhostuser']),
        vf=dict(type='str'),
        pf=dict(type='str'),
        pool=dict(type='str'),
        parent=dict(type='str'),
        trust=dict(type='bool'),
        spoofchk=dict(type='bool'),
        vdpa_device=dict(type='str', aliases=['dev']),
        socket=dict(type='str', aliases=['source']),
        mode=dict(type='str', choices=['client', 'server']),
        mac=dict(type='str'),
        vlan=dict(type='list', elements='int'),
        queues=dict(type='int'),
        config=dict(type='bool'),
        live=dict(type='bool'),
        fix_memory=dict(type='bool', default=False),
    )
    module = AnsibleModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_one_of=[('domain', 'domain_xml')],
        mutually_exclusive=[('domain', 'domain_xml'), ('domain_xml', 'config'), ('domain_xml', 'live'),
                            ('vf', 'pf', 'pool', 'vdpa_device', 'socket'), ('vdpa_device', 'parent')],
        required_if=[
            ('state', 'present', ('type',)),
            ('state', 'absent', ('mac', 'type'), True),
        ],
    )
    problem = argument_problem(module.params)
    if problem:
        module.fail_json(msg=problem, error_kind='INVALID_INPUT')
    try:
        task = InterfaceTask(module, VmnetCli(module))
        if module.params['state'] == 'present':
            result = task.ensure('attach-interface', absent=False)
        else:
            result = task.ensure('detach-interface', absent=True)
    except VmnetCliError as error:
        fail_with(module, error)
    # the CLI's warnings (it also prints them on stderr), e.g. an attach whose record could not be saved
    for note in result.get('notes') or []:
        if note.startswith(WARNING_NOTE):
            module.warn('virtwire: %s' % note)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
