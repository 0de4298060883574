#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: vmnet_info
short_description: What fast NICs domains have, and what the host offers (virtwire domiflist, host show, host doctor)
version_added: 0.1.0
description:
  - Lists the interfaces of libvirt domains or domain XML files with C(virtwire domiflist).
  - Optionally reads the host inventory (C(virtwire host show)), the host checks (C(virtwire host doctor)),
    every VF with its settings and holder (C(virtwire vf list)), and what a vhost-user backend offers
    (C(virtwire vhost-user probe)).
  - Changes nothing on the host, in libvirt or in virtwire's allocation record. The VFs are listed with
    C(vf list --no-reconcile), so reconciling the record with libvirt (restoring a freed VF's settings, removing a
    forwarder port) is only reported, in C(vfs_would_reconcile); the next virtwire command that changes something
    (or a plain C(virtwire vf list)) applies it.
  - The CLI's warnings (for example a read-only state directory) become the task's warnings.
options:
  domains:
    description:
      - Names of libvirt domains whose interfaces to list.
    type: list
    elements: str
    default: []
    aliases: [ domain ]
  domain_xml:
    description:
      - Domain XML files on the managed host whose interfaces to list.
    type: list
    elements: path
    default: []
  inactive:
    description:
      - List the persistent definition even if a domain runs (the CLI's C(--inactive)).
    type: bool
    default: false
  host:
    description:
      - Also return the host inventory from C(virtwire host show) (PFs, VFs, IOMMU, drivers, vDPA devices,
        hugepages).
    type: bool
    default: false
  doctor:
    description:
      - Also return the findings of C(virtwire host doctor). A failing check does not fail the module;
        look at C(doctor.summary.fail) in the result.
    type: bool
    default: false
  doctor_for:
    description:
      - What the host is for (the CLI's C(--for)), C(vm) (the CLI's default, every VM NIC kind), one NIC kind, or
        C(dpdk) (NICs owned by DPDK/VPP, where a PF on vfio-pci is right). Implies I(doctor=true).
    type: str
    choices: [ vm, hostdev, vdpa, vhostuser, dpdk ]
  vfs:
    description:
      - Also return every SR-IOV VF of the host (C(virtwire vf list)) with its admin settings (MAC, VLAN, trust,
        spoofchk), driver, IOMMU group, the domain that holds it and whether virtwire's allocation record has it.
    type: bool
    default: false
  vfs_pf:
    description:
      - Only the VFs of this PF (netdev or PCI address; the CLI's C(vf list --pf)). Implies I(vfs=true).
    type: str
  probe:
    description:
      - Also connect to the vhost-user backend listening on this socket the way QEMU does and return what it
        offers (C(virtwire vhost-user probe)). Shares no memory and starts no ring, so it is safe against a
        production backend.
      - Fails (C(NOT_FOUND)) when nothing listens on the socket.
    type: path
extends_documentation_fragment:
  - virtwire.vmnet.vmnet
attributes:
  check_mode:
    support: full
    description: Reads only, so it runs the same in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
notes:
  - I(host) and I(doctor) need a virtwire with the C(host) commands; an older CLI fails with its own message.
author:
  - virtwire contributors (@virtwire)
'''

EXAMPLES = r'''
- name: Interfaces of two domains
  virtwire.vmnet.vmnet_info:
    domains: [vm1, vm2]
  register: nics

- name: Show the MACs of vm1
  ansible.builtin.debug:
    msg: "{{ nics.domains[0].interfaces | map(attribute='mac') | list }}"

- name: What the host offers and what blocks vhost-user
  virtwire.vmnet.vmnet_info:
    host: true
    doctor: true
    doctor_for: vhostuser
  register: hv

- name: Stop when the host is not ready
  ansible.builtin.assert:
    that: hv.doctor.summary.fail == 0
    fail_msg: "{{ hv.doctor.findings | selectattr('status', 'equalto', 'fail') | map(attribute='fix') | list }}"

- name: Which VFs of ens2f0 are free, and who holds the others
  virtwire.vmnet.vmnet_info:
    vfs_pf: ens2f0
    state_dir: /var/lib/virtwire
  register: pf

- name: Free VFs
  ansible.builtin.debug:
    msg: "{{ pf.vfs | selectattr('state', 'equalto', 'free') | map(attribute='address') | list }}"

- name: What the forwarder's socket for vm3 offers (features, queue pairs, MTU)
  virtwire.vmnet.vmnet_info:
    probe: /run/virtwire/vm3-net0.sock
  register: backend

- name: Interfaces in a domain XML file
  virtwire.vmnet.vmnet_info:
    domain_xml: [/srv/vms/vm4.xml]
'''

RETURN = r'''
domains:
  description: One entry per domain or file, in the order asked.
  returned: always
  type: list
  elements: dict
  contains:
    domain:
      description: Domain name.
      type: str
      sample: vm1
    active:
      description: Whether the listing is of the running domain.
      type: bool
      sample: false
    source:
      description: Where the list comes from, C(live), C(config) or C(file).
      type: str
      sample: config
    interfaces:
      description: The domain's interfaces.
      type: list
      elements: dict
      sample:
        - type: vhostuser
          source: /run/virtwire/vm1-net0.sock
          mode: client
          mac: "52:54:00:00:00:13"
          model: virtio
          queues: 2
          target: null
host:
  description: The JSON of C(virtwire host show) (PFs, VFs, IOMMU, drivers, vDPA devices, hugepages, AER counters).
  returned: when I(host=true)
  type: dict
  sample: {}
doctor:
  description: The JSON of C(virtwire host doctor) with C(findings) (C(id), C(status), C(evidence), C(fix)) and C(summary).
  returned: when I(doctor=true) or I(doctor_for) is set
  type: dict
  sample:
    purpose: vhostuser
    findings:
      - id: hugepages-insufficient
        status: warn
        subject: node0
        message: no 1GiB hugepages reserved
        evidence: [{path: /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages, value: "0"}]
        fix: echo 4 > /sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages
    summary: {ok: 10, warn: 1, fail: 0}
vfs:
  description: The VFs from C(virtwire vf list), one entry per VF.
  returned: when I(vfs=true) or I(vfs_pf) is set
  type: list
  elements: dict
  sample:
    - pf: "0000:01:00.0"
      pfNetdev: enp1s0f0
      index: 0
      address: "0000:02:10.0"
      driver: vfio-pci
      mac: "52:54:00:0c:ce:be"
      vlan: 42
      qos: 0
      trust: true
      spoofchk: true
      linkState: auto
      iommuGroup: "16"
      domain: vm1
      state: held
      recorded: true
      note: null
vfs_reconciled:
  description:
    - What C(vf list) changed in the allocation record before listing. Always empty since this module stopped
      reconciling (it changes nothing); kept for playbooks that read it. See I(vfs_would_reconcile).
  returned: when I(vfs=true) or I(vfs_pf) is set
  type: list
  elements: str
  sample: []
vfs_would_reconcile:
  description:
    - What reconciling the allocation record with libvirt would change (entries released with the VF settings they
      would restore or the forwarder port they would remove, pending attaches completed, devices adopted), one line
      each, from C(vf list --no-reconcile). Nothing of it was done.
  returned: when I(vfs=true) or I(vfs_pf) is set
  type: list
  elements: str
  sample:
    - "hostdev 0000:02:10.0: released from 'vm1' (no domain holds it any more); not applied: the VF would be restored
      to mac 00:00:00:00:00:00, vlan 0"
probe:
  description: The JSON of C(virtwire vhost-user probe) (virtio features, protocol features, queue pairs, memory slots, MTU).
  returned: when I(probe) is set
  type: dict
  sample: {}
error_kind:
  description: On failure, the CLI's error kind.
  returned: failure
  type: str
  sample: NOT_FOUND
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtwire.vmnet.plugins.module_utils.vmnet_cli import (
    VmnetCli,
    VmnetCliError,
    fail_with,
    vmnet_argument_spec,
)

# host doctor exits 1 when a check fails and still prints every finding: that is information, not an error.
DOCTOR_OK_RCS = (0, 1)


def warn_from(module, answer):
    """The CLI's own warnings (its JSON 'warnings', also on its stderr) become the task's."""
    if isinstance(answer, dict):
        for warning in answer.get('warnings') or []:
            module.warn('virtwire: %s' % warning)
    return answer


def gather(module, cli):
    p = module.params
    inactive = ['--inactive'] if p['inactive'] else []
    result = dict(changed=False, domains=[])
    for name in p['domains']:
        result['domains'].append(warn_from(module, cli.run(['domiflist', name] + inactive)))
    for path in p['domain_xml']:
        result['domains'].append(warn_from(module, cli.run(['domiflist', '--domain-xml', path], connect=False)))
    if p['host']:
        result['host'] = warn_from(module, cli.run(['host', 'show'], connect=False))
    if p['doctor'] or p['doctor_for']:
        args = ['host', 'doctor']
        if p['doctor_for']:
            args += ['--for', p['doctor_for']]
        result['doctor'] = warn_from(module, cli.run(args, connect=False, ok_rcs=DOCTOR_OK_RCS))
    if p['vfs'] or p['vfs_pf']:
        # --no-reconcile: an info module changes nothing, not even what reconciliation would restore or remove
        args = ['vf', 'list', '--no-reconcile']
        if p['vfs_pf']:
            args += ['--pf', p['vfs_pf']]
        listing = warn_from(module, cli.run(args))  # with a connection: who holds a VF is libvirt's answer
        result['vfs'] = listing.get('vfs') or []
        result['vfs_reconciled'] = listing.get('reconciled') or []
        result['vfs_would_reconcile'] = (listing.get('reconcile') or {}).get('wouldChange') or []
    if p['probe']:
        result['probe'] = warn_from(module, cli.run(['vhost-user', 'probe', p['probe']], connect=False))
    return result


def main():
    argument_spec = vmnet_argument_spec()
    argument_spec.update(
        domains=dict(type='list', elements='str', default=[], aliases=['domain']),
        domain_xml=dict(type='list', elements='path', default=[]),
        inactive=dict(type='bool', default=False),
        host=dict(type='bool', default=False),
        doctor=dict(type='bool', default=False),
        doctor_for=dict(type='str', choices=['vm', 'hostdev', 'vdpa', 'vhostuser', 'dpdk']),
        vfs=dict(type='bool', default=False),
        vfs_pf=dict(type='str'),
        probe=dict(type='path'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        result = gather(module, VmnetCli(module))
    except VmnetCliError as error:
        fail_with(module, error)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
