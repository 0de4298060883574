# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures for the module tests: a fake virtwire behind AnsibleModule.run_command.

The fake keeps a domain's interfaces between calls and answers like the CLI does
(same JSON shapes, exit codes and error lines), so the tests can run a module twice,
in check mode, and against failures, and assert the exact command lines it ran.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os
import sys

import pytest

# Make ansible_collections.virtwire.vmnet importable when pytest runs from anywhere.
_COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *(['..'] * 5)))
if _COLLECTIONS_ROOT not in sys.path:
    sys.path.insert(0, _COLLECTIONS_ROOT)

from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.common.text.converters import to_bytes  # noqa: E402

CLI = '/usr/bin/virtwire'
GLOBAL_WITH_VALUE = ('-c', '--host-root', '--output', '--state-dir', '--forwarder')
FLAGS = ('--config', '--live', '--current', '--inactive', '--print-xml', '--in-place', '--fix-memory', '--dry-run', '--offloads',
         '--no-reconcile', '--ensure')
GENERATED_MAC = '52:54:00:12:34:56'


class ModuleExit(Exception):
    def __init__(self, result):
        super(ModuleExit, self).__init__(result)
        self.result = result


class ModuleFail(Exception):
    def __init__(self, result):
        super(ModuleFail, self).__init__(result)
        self.result = result


def parse(argv):
    """Splits a CLI command line into globals, subcommand words, options and flags."""
    assert argv[0] == CLI
    rest = list(argv[1:])
    globals_ = {}
    while rest and rest[0] in GLOBAL_WITH_VALUE:
        globals_[rest[0]] = rest[1]
        rest = rest[2:]
    words, options, flags = [], {}, set()
    i = 0
    while i < len(rest):
        token = rest[i]
        if token in FLAGS:
            flags.add(token)
            i += 1
        elif token.startswith('-'):
            options[token] = rest[i + 1]
            i += 2
        else:
            words.append(token)
            i += 1
    return globals_, words, options, flags


def device_xml(iface):
    vlan = '  <vlan>%s</vlan>\n' % iface['vlan'] if iface.get('vlan') else ''
    return '<interface type="%s">\n  <mac address="%s"/>\n  <source>%s</source>\n%s</interface>\n' % (
        iface['type'], iface['mac'], iface['source'], vlan)


class FakeVirtwire:
    """Answers virtwire command lines for one domain (and one domain XML file) like the CLI does."""

    def __init__(self, domain='vm1', interfaces=None, active=False, file_domain='vm-file'):
        self.domain = domain
        self.file_domain = file_domain
        self.interfaces = [dict(i) for i in (interfaces or [])]
        self.active = active
        self.calls = []
        self.stdin = []
        self.canned = {}
        # the host's PFs and their VFs, for 'vf list' and the allocation forms of attach-interface
        self.pfs = {'enp1s0f0': ['0000:02:10.0', '0000:02:10.4']}
        self.vdpa_devices = ['/dev/vhost-vdpa-0', '/dev/vhost-vdpa-1']
        # what reconciling the allocation record would change (a reconciling 'vf list' applies it: the lines go),
        # and the CLI's 'warnings' of vf list (a read-only state directory)
        self.stale = []
        self.vf_warnings = []

    def on(self, subcommand, rc, stdout='', stderr=''):
        """Answer a subcommand ('host show', 'domiflist', ...) with a fixed result."""
        self.canned[subcommand] = (rc, stdout, stderr)

    def error(self, rc, kind, message):
        return rc, json.dumps({'error': {'kind': kind, 'message': message}}), 'virtwire: error: %s\n' % message

    def __call__(self, argv, data=None):
        self.calls.append(list(argv))
        self.stdin.append(data)
        globals_, words, options, flags = parse(argv)
        assert globals_.get('--output') == 'json', 'modules must always ask for JSON'
        for key in (' '.join(words[:2]), words[0]):
            if key in self.canned:
                return self.canned[key]
        if words[:2] == ['vf', 'list']:
            return self.vf_list(options.get('--pf'), reconcile='--no-reconcile' not in flags)
        file_mode = '--domain-xml' in options
        name = self.file_domain if file_mode else (words[1] if len(words) > 1 else None)
        if name != (self.file_domain if file_mode else self.domain):
            return self.error(3, 'NOT_FOUND', "no domain named '%s' on %s" % (name, globals_.get('-c')))
        scope = 'file' if file_mode else ('config' if '--config' in flags else ('live' if '--live' in flags else 'current'))
        applies = not file_mode or '--in-place' in flags
        if words[0] == 'domiflist':
            return 0, json.dumps(dict(domain=name, active=self.active and '--inactive' not in flags,
                                      source='file' if file_mode else ('live' if self.active and '--inactive' not in flags else 'config'),
                                      interfaces=self.interfaces)), ''
        if words[0] == 'attach-interface':
            if '--live' in flags and not self.active:
                return self.error(4, 'CONFLICT', "domain '%s' is not running: --live needs a running domain (use --config "
                                                 "to change its persistent definition)" % name)
            return self.attach(name, options, flags, scope, applies)
        if words[0] == 'detach-interface':
            if '--ensure' in flags:
                return self.detach_ensure(name, options, flags, scope, applies)
            return self.detach(name, options, scope, applies)
        return self.error(2, 'INVALID_INPUT', "Unmatched argument at index 3: '%s'" % words[0])

    def vf_list(self, pf, reconcile=True):
        if pf is not None and pf not in self.pfs:
            return self.error(3, 'NOT_FOUND', "unknown PF '%s': this host's PFs are %s" % (pf, ', '.join(self.pfs)))
        held = dict((i['source'], self.domain) for i in self.interfaces if i['type'] == 'hostdev')
        rows = [dict(pf='0000:01:00.0', pfNetdev=name, index=index, address=address, domain=held.get(address),
                     state='held' if address in held else 'free', mac='00:00:00:00:00:00', vlan=0)
                for name, addresses in sorted(self.pfs.items()) if pf in (None, name)
                for index, address in enumerate(addresses)]
        if reconcile:
            done, self.stale = self.stale, []
            reconciliation = dict(reconciled=done, reconcile=dict(applied=True, wouldChange=[]))
        else:
            reconciliation = dict(reconciled=[], reconcile=dict(applied=False, wouldChange=list(self.stale)))
        return 0, json.dumps(dict(vfs=rows, warnings=self.vf_warnings, **reconciliation)), ''

    def allocate(self, nic_type, options):
        """The device the CLI would pick for an allocation form, or an error triple."""
        mac = options.get('--mac', '').lower()
        if mac and any(i['mac'] == mac for i in self.interfaces):
            message = 'MAC %s is already used by a NIC on this connection or in the allocation record' % mac
            return None, self.error(4, 'CONFLICT', message)
        used = set(i['source'] for i in self.interfaces)
        if nic_type == 'hostdev':
            pf = options.get('--pf')
            if '--pool' in options:
                pf = 'enp1s0f0'
            if pf not in self.pfs:
                return None, self.error(3, 'NOT_FOUND', "unknown PF '%s'" % pf)
            free = [a for a in self.pfs[pf] if a not in used]
            if not free:
                return None, self.error(4, 'CONFLICT', 'no free VF on %s' % pf)
            return dict(kind='hostdev', device=free[0], pfNetdev=pf, vfIndex=self.pfs[pf].index(free[0]),
                        settings=dict(trust=options.get('--trust') == 'on')), None
        if nic_type == 'vdpa':
            free = [d for d in self.vdpa_devices if d not in used]
            if not free:
                return None, self.error(4, 'CONFLICT', 'no free vhost-vdpa device')
            return dict(kind='vdpa', device=free[0]), None
        n = 0
        while '/run/virtwire/%s-%d.sock' % (self.domain, n) in used:
            n += 1
        return dict(kind='vhostuser', device='/run/virtwire/%s-%d.sock' % (self.domain, n)), None

    def attach(self, name, options, flags, scope, applies):
        nic_type = options['--type']
        source = options.get({'hostdev': '--vf', 'vdpa': '--dev', 'vhostuser': '--source'}[nic_type])
        allocation = None
        if source is None and (nic_type != 'hostdev' or '--pf' in options or '--pool' in options):
            if '--ensure' in flags:
                found, error = self.find_allocated(name, nic_type, options)
                if error:
                    return error
                if found:
                    source = found['source']
                    options = dict(options, **{'--mac': found['mac']})
            if source is None:
                allocation, error = self.allocate(nic_type, options)
                if error:
                    return error
                source = allocation['device']
                allocation.update(domain=name, state='pending' if '--print-xml' in flags else 'held',
                                  mac=options.get('--mac', GENERATED_MAC).lower())
        if source is None:
            return self.error(2, 'INVALID_INPUT', '--type %s needs its source' % nic_type)
        if nic_type == 'hostdev' and len(source) == 7:
            source = '0000:' + source  # the CLI normalizes short PCI addresses
        for tag in options.get('--vlan', '').split(',') if '--vlan' in options else []:
            if not 0 <= int(tag) <= 4094:
                return self.error(2, 'INVALID_INPUT', 'invalid VLAN tag %s: expected 0..4094' % tag)
        iface = dict(type=nic_type, source=source,
                     mode=options.get('--mode', 'client') if nic_type == 'vhostuser' else None,
                     mac=options.get('--mac', GENERATED_MAC).lower(),
                     model=None if nic_type == 'hostdev' else 'virtio',
                     queues=int(options['--queues']) if '--queues' in options else None, target=None)
        if '--ensure' in flags:
            return self.ensure(name, iface, options, flags, scope, applies, allocation)
        out = dict(action='attach', domain=name, changed=False, scope=scope, iface=iface,
                   deviceXml=device_xml(iface), notes=[], diff=None)
        if allocation:
            out['allocation'] = allocation
        if '--print-xml' in flags:
            return 0, json.dumps(out), ''
        for existing in self.interfaces:
            if existing['mac'] == iface['mac']:
                if existing['type'] == nic_type and existing['source'] == source:
                    out['notes'] = ['an identical interface with MAC %s is already attached: nothing to do' % iface['mac']]
                    return 0, json.dumps(out), ''
                return self.error(4, 'CONFLICT', 'MAC %s is already used by a %s interface' % (iface['mac'], existing['type']))
        if applies:
            self.interfaces.append(iface)
        out.update(changed=True, diff=dict(before='<domain/>', after='<domain>%s</domain>' % out['deviceXml']))
        return 0, json.dumps(out), ''

    def find_allocated(self, name, nic_type, options):
        """--ensure of an allocation form: the NIC by MAC, or with --pf the one on a VF of the PF; (nic, error)."""
        if '--mac' in options:
            found = [i for i in self.interfaces if i['mac'] == options['--mac'].lower()]
        elif '--pf' in options:
            if options['--pf'] not in self.pfs:
                return None, self.error(3, 'NOT_FOUND', "unknown PF '%s'" % options['--pf'])
            found = [i for i in self.interfaces if i['type'] == 'hostdev' and i['source'] in self.pfs[options['--pf']]]
        else:
            return None, self.error(2, 'INVALID_INPUT', '--ensure where virtwire picks the device needs --mac')
        if not found:
            return None, None
        nic = found[0]
        if nic['type'] != nic_type:
            return None, self.error(4, 'CONFLICT', "MAC %s is already used by a %s interface (%s) in '%s': pick another "
                                                   "--mac, or detach that interface first" % (nic['mac'], nic['type'],
                                                                                              nic['source'], name))
        if '--pf' in options and nic['source'] not in self.pfs.get(options['--pf'], []):
            return None, self.error(4, 'CONFLICT', "MAC %s is on %s, which is not a VF of PF %s, in '%s': pick another "
                                                   "--mac, or detach that interface first" % (
                                                       nic['mac'], nic['source'], options['--pf'], name))
        return nic, None

    def ensure(self, name, iface, options, flags, scope, applies, allocation=None):
        """attach-interface --ensure: the CLI's matching rules and drift convergence, on the fake's one list."""
        if '--mac' in options:
            found = [i for i in self.interfaces if i['mac'] == iface['mac']]
        else:
            found = [i for i in self.interfaces if i['type'] == iface['type'] and i['source'] == iface['source']]
            if len(found) > 1:
                return self.error(4, 'CONFLICT', "'%s' has %d %s interfaces on %s: give --mac to say which one you mean" % (
                    name, len(found), iface['type'], iface['source']))
            if found:
                iface['mac'] = found[0]['mac']
        if '--vlan' in options:
            iface['vlan'] = options['--vlan']
        out = dict(action='ensure', domain=name, changed=False, scope=scope, iface=iface, deviceXml=device_xml(iface),
                   notes=[], diff=None)
        if found:
            existing = found[0]
            if existing['type'] != iface['type'] or existing['source'] != iface['source']:
                return self.error(4, 'CONFLICT', "MAC %s is already used by a %s interface (%s) in the persistent definition "
                                                 "of '%s': pick another --mac, or detach that interface first" % (
                                                     iface['mac'], existing['type'], existing['source'], name))
            drift = [k for k in ('vlan', 'queues', 'mode') if existing.get(k) != iface.get(k)]
            if not drift:
                out['notes'] = ['an identical interface with MAC %s is already attached: nothing to do' % iface['mac']]
                return 0, json.dumps(out), ''
            out['notes'] = ['drift in the persistent definition: %s; converge' % ', '.join(
                '%s: %s -> %s' % (k, existing.get(k), iface.get(k)) for k in drift)]
            out['methods'] = ['update-device']
            out['method'] = 'update-device'
        else:
            out['notes'] = ['missing from the persistent definition: attach']
            out['methods'] = ['attach']
            out['method'] = 'attach'
            if allocation:
                out['allocation'] = allocation
        after = [i for i in self.interfaces if not found or i is not found[0]] + [iface]
        out.update(changed=True, diff=dict(before='<domain>%s</domain>' % ''.join(device_xml(i) for i in self.interfaces),
                                           after='<domain>%s</domain>' % ''.join(device_xml(i) for i in after)))
        if applies and '--print-xml' not in flags:
            self.interfaces[:] = after
        return 0, json.dumps(out), ''

    def detach(self, name, options, scope, applies):
        mac = options['--mac'].lower()
        for existing in self.interfaces:
            if existing['mac'] == mac:
                if applies:
                    self.interfaces.remove(existing)
                return 0, json.dumps(dict(action='detach', domain=name, changed=True, scope=scope, iface=existing,
                                          deviceXml=device_xml(existing), notes=[],
                                          diff=dict(before='<domain/>', after='<domain/>'))), ''
        return self.error(3, 'NOT_FOUND', "domain '%s' has no interface with MAC %s" % (name, mac))

    def detach_ensure(self, name, options, flags, scope, applies):
        """detach-interface --ensure: the NIC by MAC, by type and device, or on a VF of --pf; absent is no change."""
        nic_type = options.get('--type')
        source = options.get('--vf') or options.get('--dev') or options.get('--source')
        if '--mac' in options:
            found = [i for i in self.interfaces if i['mac'] == options['--mac'].lower()]
            for nic in found:
                if nic_type and nic['type'] != nic_type or source and nic['source'] != source:
                    return self.error(4, 'CONFLICT', "MAC %s is already used by a %s interface (%s) in the persistent "
                                                     "definition of '%s': pick another --mac, or detach that interface "
                                                     "first" % (nic['mac'], nic['type'], nic['source'], name))
        elif source:
            found = [i for i in self.interfaces if i['type'] == nic_type and i['source'] == source]
        elif '--pf' in options:
            if options['--pf'] not in self.pfs:
                return self.error(3, 'NOT_FOUND', "unknown PF '%s'" % options['--pf'])
            found = [i for i in self.interfaces if i['type'] == 'hostdev' and i['source'] in self.pfs[options['--pf']]]
        else:
            return self.error(2, 'INVALID_INPUT', 'detach-interface --ensure needs --mac MAC, or TYPE with the device')
        if len(found) > 1:
            return self.error(4, 'CONFLICT', "'%s' has %d %s interfaces on %s: give --mac to say which one you mean" % (
                name, len(found), nic_type, source or options.get('--pf')))
        if not found:
            return 0, json.dumps(dict(action='detach', domain=name, changed=False, scope=scope, iface=None, deviceXml=None,
                                      notes=["no interface in '%s' (%s): nothing to do" % (name, scope)], diff=None,
                                      method=None, methods=[])), ''
        nic = found[0]
        after = [i for i in self.interfaces if i is not nic]
        out = dict(action='detach', domain=name, changed=True, scope=scope, iface=nic, deviceXml=device_xml(nic), notes=[],
                   diff=dict(before='<domain>%s</domain>' % ''.join(device_xml(i) for i in self.interfaces),
                             after='<domain>%s</domain>' % ''.join(device_xml(i) for i in after)),
                   method='detach', methods=['detach'])
        if applies and '--print-xml' not in flags:
            self.interfaces[:] = after
        return 0, json.dumps(out), ''

    def subcommands(self):
        """The subcommand (and the domain, if any) of every call, for asserting the sequence."""
        return [' '.join(parse(c)[1][:1]) for c in self.calls]


class FakeForwarder:
    """Answers 'virtwire forwarder port add|del|list' like the CLI in front of a running daemon."""

    def __init__(self, ports=None, running=True):
        self.ports = [dict(p) for p in (ports or [])]
        self.running = running
        self.calls = []

    def error(self, rc, kind, message):
        return rc, json.dumps({'error': {'kind': kind, 'message': message}}), 'virtwire: error: %s\n' % message

    def __call__(self, argv, data=None):
        self.calls.append(list(argv))
        globals_, words, options, flags = parse(argv)
        assert globals_.get('--output') == 'json', 'modules must always ask for JSON'
        assert '-c' not in globals_, 'the forwarder commands need no libvirt connection'
        if not self.running:
            sock = globals_.get('--forwarder', '/run/virtwire/forwarder.sock')
            return self.error(69, 'UNAVAILABLE', 'the virtwire forwarder is not running: there is no control socket '
                                                 'at %s' % sock)
        verb = words[2] if len(words) > 2 else None
        if words[:2] != ['forwarder', 'port']:
            return self.error(2, 'INVALID_INPUT', 'unexpected command %s' % words)
        if verb == 'list':
            return 0, json.dumps(dict(ports=self.ports)), ''
        name = words[3]
        if verb == 'del':
            for port in self.ports:
                if port['name'] == name:
                    self.ports.remove(port)
                    return 0, json.dumps(dict(removed=name)), ''
            return self.error(3, 'NOT_FOUND', "forwarder refused port.del (UNKNOWN_PORT): no port named '%s'" % name)
        if verb == 'add':
            return self.add(name, options, flags)
        return self.error(2, 'INVALID_INPUT', 'unexpected command %s' % words)

    def add(self, name, options, flags=frozenset()):
        if any(p['name'] == name for p in self.ports):
            return self.error(4, 'CONFLICT', "forwarder refused port.add (DUPLICATE_NAME): a port named '%s' exists "
                                             "already" % name)
        if options.get('--type', 'vhostuser') == 'tap':
            port = dict(name=name, type='tap', iface=options['--ifname'])
        elif options.get('--type') == 'afpacket':
            port = dict(name=name, type='af-packet', iface=options['--ifname'], queues=int(options.get('--queues', 1)))
        else:
            for other in self.ports:
                if other.get('socket') == options['--socket']:
                    return self.error(4, 'CONFLICT', "forwarder refused port.add (SOCKET_IN_USE): socket %s is "
                                                     "already used by port '%s'" % (other['socket'], other['name']))
            port = dict(name=name, type='vhost-user', socket=options['--socket'], mode=options.get('--mode', 'server'),
                        queues=int(options.get('--queues', 1)), connected=False, sessions=0)
        port.update(slot=len(self.ports), up=False, broken=None, mtu=int(options.get('--mtu', 1500)),
                    offloads='--offloads' in flags)
        if '--trunk' in options:
            port['vlan'] = dict(mode='trunk', allowed=[int(t) for t in options['--trunk'].split(',')])
            if '--native' in options:
                port['vlan']['native'] = int(options['--native'])
        else:
            port['vlan'] = dict(mode='access', id=int(options.get('--vlan', 1)))
        self.ports.append(port)
        return 0, json.dumps(dict(port=port)), ''

    def verbs(self):
        return [parse(c)[1][2] for c in self.calls]


@pytest.fixture
def fake_virtwire():
    return FakeVirtwire()


@pytest.fixture
def run_module(monkeypatch):
    """run_module(module, args, fake, check_mode=False, diff=False) -> (result, failed)."""

    def exit_json(self, **kwargs):
        kwargs.setdefault('changed', False)
        raise ModuleExit(kwargs)

    def fail_json(self, **kwargs):
        kwargs['failed'] = True
        raise ModuleFail(kwargs)

    def run(module, args, fake, check_mode=False, diff=False, bin_path=CLI):
        module_args = dict(args)
        module_args['_ansible_check_mode'] = check_mode
        module_args['_ansible_diff'] = diff
        monkeypatch.setattr(basic, '_ANSIBLE_ARGS', to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': module_args})))
        monkeypatch.setattr(basic.AnsibleModule, 'exit_json', exit_json)
        monkeypatch.setattr(basic.AnsibleModule, 'fail_json', fail_json)
        monkeypatch.setattr(basic.AnsibleModule, 'get_bin_path',
                            lambda self, name, required=False, opt_dirs=None: bin_path if name == 'virtwire' else None)
        monkeypatch.setattr(basic.AnsibleModule, 'run_command', lambda self, argv, **kwargs: fake(argv, **kwargs))
        try:
            module.main()
        except ModuleExit as done:
            return done.result, False
        except ModuleFail as failed:
            return failed.result, True
        raise AssertionError('the module returned without exit_json or fail_json')

    return run
