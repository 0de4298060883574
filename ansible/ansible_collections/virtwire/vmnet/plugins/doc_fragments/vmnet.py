# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    # The options every vmnet module shares: where libvirt is, where the host's /sys lives, which CLI.
    DOCUMENTATION = r'''
options:
  connect_uri:
    description:
      - The libvirt connection URI the CLI uses (its C(-c) option).
      - Not used when the module works on a domain XML file.
    type: str
    default: qemu:///system
    aliases: [ uri ]
  host_root:
    description:
      - Read C(/sys), C(/proc), C(/dev) and C(/etc) under this directory instead of C(/) (the CLI's C(--host-root)).
      - For fixture hosts and tests; leave unset on real hypervisors.
    type: path
  cli_path:
    description:
      - Path of the C(virtwire) launcher on the managed host.
      - When unset, the environment variable C(VIRTWIRE_CLI) is used, then C(virtwire) found on C(PATH).
    type: path
  state_dir:
    description:
      - Directory of virtwire's allocation record (C(allocations.json)) and its lock (the CLI's C(--state-dir)).
      - Used when virtwire allocates a device (I(pf), I(pool), vDPA or vhost-user without a named device),
        frees one on detach, and by C(vf list).
      - When unset, the CLI uses C(VIRTWIRE_STATE_DIR) from the managed host's environment, then C(/var/lib/virtwire).
    type: path
  forwarder_socket:
    description:
      - The virtwire forwarder's control socket (the CLI's C(--forwarder)).
      - Used by M(virtwire.vmnet.vmnet_forwarder_port), and by vhost-user NICs whose socket virtwire allocates
        (it registers the port with the forwarder).
      - When unset, the CLI uses C(VIRTWIRE_FORWARDER_SOCK) from the managed host's environment, then
        C(/run/virtwire/forwarder.sock).
    type: path
requirements:
  - the virtwire CLI on the managed host (C(scripts/setup) in a virtwire checkout builds C(bin/virtwire))
notes:
  - The modules run the CLI with C(--output json); a failure shows the CLI's own error text as C(msg)
    and its error kind (C(INVALID_INPUT), C(NOT_FOUND), C(CONFLICT), C(LIBVIRT_ERROR), C(HOST_ERROR),
    C(UNAVAILABLE), C(INTERNAL); C(CHECK_FAILED) and C(UNKNOWN) for any other exit code) as C(error_kind).
'''
