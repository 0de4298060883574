#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
module: vmnet_host
short_description: Converge a hypervisor to a host profile (SR-IOV VFs, eswitch mode, VF settings, vDPA, hugepages)
version_added: 0.1.0
description:
  - Applies a virtwire host profile with C(virtwire host apply) and reports what changed.
  - The profile declares per PF C(numVfs), C(eswitchMode) and per VF C(mac), C(vlan), C(qos), C(trust),
    C(spoofchk), C(driver); vDPA devices; hugepages per size and NUMA node. What it leaves out stays as it is.
    See docs/host-profile.md in virtwire for the schema.
  - The CLI checks the whole profile before the first write, orders the steps the way real hosts need them,
    and rolls back the steps already done in a run when one fails.
  - Check mode runs C(virtwire host plan) and reports the steps without running them.
options:
  profile:
    description:
      - Path of the profile (C(host.yaml)) on the managed host.
      - Exactly one of I(profile) and I(profile_content) is required.
    type: path
  profile_content:
    description:
      - The profile itself, as a dictionary with the keys of C(host.yaml) (C(pfs), C(vdpa), C(hugepages)).
      - It is handed to the CLI on stdin, so nothing is written on the managed host.
    type: dict
extends_documentation_fragment:
  - virtwire.vmnet.vmnet
attributes:
  check_mode:
    support: full
    description: Runs C(virtwire host plan); nothing is changed.
  diff_mode:
    support: full
    description: The diff is the list of steps (planned in check mode, applied otherwise), as commands.
notes:
  - I(connect_uri) is not used; host commands do not talk to libvirt.
  - A failed step fails the task with the CLI's message; C(rolled_back) in the result lists what was undone.
author:
  - virtwire contributors (@virtwire)
'''

EXAMPLES = r'''
- name: Four VFs on the first I350 port, for guests, with fixed MACs and a VLAN
  virtwire.vmnet.vmnet_host:
    profile_content:
      pfs:
        - pf: enp1s0f0
          numVfs: 4
          vfs:
            - {index: 0, mac: "52:54:00:10:00:00", vlan: 100, driver: vfio-pci}
            - {index: 1, mac: "52:54:00:10:00:01", vlan: 100, driver: vfio-pci}

- name: ConnectX in switchdev with a vDPA device and 1G hugepages on node 0
  virtwire.vmnet.vmnet_host:
    profile_content:
      pfs:
        - pf: "0000:07:00.0"
          numVfs: 2
          eswitchMode: switchdev
      vdpa:
        - {name: vdpa0, mgmtdev: "pci/0000:07:00.2", mac: "00:11:22:33:44:00", maxVqPairs: 1}
      hugepages:
        - {size: 1G, node: 0, count: 16}

- name: A profile file kept on the hypervisor
  virtwire.vmnet.vmnet_host:
    profile: /etc/virtwire/host.yaml
  register: host_profile

- name: Show the steps that ran
  ansible.builtin.debug:
    var: host_profile.applied
'''

RETURN = r'''
changed:
  description: Whether the host differs from before the run (in check mode, whether the plan has steps).
  returned: always
  type: bool
  sample: true
plan:
  description: The steps C(virtwire host plan) found, as the commands an operator would type.
  returned: in check mode
  type: list
  elements: str
  sample: ["echo 0 > /sys/class/net/enp1s0f0/device/sriov_numvfs", "echo 4 > /sys/class/net/enp1s0f0/device/sriov_numvfs"]
applied:
  description: The steps that ran and stayed applied.
  returned: when not in check mode
  type: list
  elements: str
  sample: ["echo 4 > /sys/class/net/enp1s0f0/device/sriov_numvfs", "ip link set enp1s0f0 vf 0 mac 52:54:00:10:00:00"]
failed_step:
  description: The step that failed.
  returned: when a step failed
  type: str
  sample: echo 8 > /sys/class/net/enp1s0f0/device/sriov_numvfs
rolled_back:
  description: The commands that undid the steps done before the failure, in order.
  returned: when a step failed
  type: list
  elements: str
  sample: []
rollback_errors:
  description: Undo commands that failed too; the host may need a hand then.
  returned: when a step failed
  type: list
  elements: str
  sample: []
profile:
  description: The profile as the CLI names it (C(-) when I(profile_content) was given).
  returned: always
  type: str
  sample: /etc/virtwire/host.yaml
error_kind:
  description: On failure, the CLI's error kind (C(HOST_ERROR) for a failed step, C(INVALID_INPUT) for a bad profile).
  returned: failure
  type: str
  sample: HOST_ERROR
'''

import json

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.virtwire.vmnet.plugins.module_utils.vmnet_cli import (
    VmnetCli,
    VmnetCliError,
    fail_with,
    vmnet_argument_spec,
)

# host apply exits 6 after a failed (and rolled back) step and still prints its full report.
HOST_ERROR = 6


def profile_source(params):
    """The -f argument and what goes to stdin: a path, or the profile as JSON (which YAML reads as it is)."""
    if params['profile']:
        return params['profile'], None
    # Indented, so the line numbers in the CLI's errors point somewhere useful.
    return '-', json.dumps(params['profile_content'], indent=2, sort_keys=True)


def numbered(steps):
    return ''.join('%3d. %s\n' % (i + 1, step) for i, step in enumerate(steps))


def plan(module, cli):
    path, data = profile_source(module.params)
    result = cli.run(['host', 'plan', '-f', path], connect=False, data=data)
    steps = list(result.get('steps') or [])
    changed = bool(result.get('changed'))
    return dict(changed=changed, profile=result.get('profile', path), plan=steps,
                diff=dict(prepared=numbered(steps) if changed else ''))


def apply(module, cli):
    path, data = profile_source(module.params)
    report = cli.run(['host', 'apply', '-f', path], connect=False, data=data, ok_rcs=(0, HOST_ERROR))
    applied = list(report.get('applied') or [])
    # changed comes from the CLI: after a clean rollback the host is as before, so it is false.
    result = dict(changed=bool(report.get('changed')), profile=path, applied=applied,
                  diff=dict(prepared=numbered(applied)))
    if report.get('failedStep'):
        rollback_errors = [rollback_error(e) for e in report.get('rollbackErrors') or []]
        outcome = ('the steps done before it were rolled back' if not rollback_errors
                   else 'rollback was incomplete: see rollback_errors')
        result.update(failed_step=report['failedStep'], rolled_back=list(report.get('rolledBack') or []),
                      rollback_errors=rollback_errors, error_kind='HOST_ERROR', rc=HOST_ERROR,
                      msg='step failed: %s: %s; %s' % (report['failedStep'], error_message(report.get('error')), outcome))
    return result


def error_message(error):
    """The failed step's error: {"kind": "HOST", "message": ...} (docs/json-output.md)."""
    return error.get('message') if isinstance(error, dict) else error


def rollback_error(entry):
    """'COMMAND: MESSAGE' from the CLI's {"step": COMMAND, "error": {"kind", "message"}}."""
    if isinstance(entry, dict):
        return '%s: %s' % (entry.get('step'), error_message(entry.get('error')))
    return entry


def main():
    argument_spec = vmnet_argument_spec()
    argument_spec.update(
        profile=dict(type='path'),
        profile_content=dict(type='dict'),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           required_one_of=[('profile', 'profile_content')],
                           mutually_exclusive=[('profile', 'profile_content')])
    try:
        cli = VmnetCli(module)
        result = plan(module, cli) if module.check_mode else apply(module, cli)
    except VmnetCliError as error:
        fail_with(module, error)
    if result.get('failed_step'):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
