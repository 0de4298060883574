# -*- coding: utf-8 -*-
# Copyright (c) 2026 virtwire contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The documented options must be the argument_spec (what validate-modules checks, runnable offline)."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import os

import pytest
import yaml

from ansible.module_utils import basic

from ansible_collections.virtwire.vmnet.plugins.doc_fragments.vmnet import ModuleDocFragment
from ansible_collections.virtwire.vmnet.plugins.modules import vmnet_host, vmnet_info, vmnet_interface

MODULES = [vmnet_interface, vmnet_info, vmnet_host]
COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))


class Captured(Exception):
    pass


def argument_spec_of(module, monkeypatch):
    seen = {}

    def capture(self, argument_spec, **kwargs):
        seen.update(argument_spec)
        raise Captured()

    monkeypatch.setattr(basic.AnsibleModule, '__init__', capture)
    with pytest.raises(Captured):
        module.main()
    return seen


def documented_options(module):
    doc = yaml.safe_load(module.DOCUMENTATION)
    assert 'virtwire.vmnet.vmnet' in doc['extends_documentation_fragment']
    options = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)['options'])
    options.update(doc['options'])
    return options


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_documented_options_match_the_argument_spec(module, monkeypatch):
    spec = argument_spec_of(module, monkeypatch)
    docs = documented_options(module)

    assert sorted(docs) == sorted(spec)
    for name, option in spec.items():
        doc = docs[name]
        where = '%s.%s' % (module.__name__, name)
        assert doc.get('type', 'str') == option.get('type', 'str'), where
        assert doc.get('default') == option.get('default'), where
        assert doc.get('choices') == option.get('choices'), where
        assert doc.get('aliases') == option.get('aliases'), where
        assert doc.get('elements') == option.get('elements'), where
        assert bool(doc.get('required')) == bool(option.get('required')), where
        assert doc.get('description'), where


@pytest.mark.parametrize('module', MODULES, ids=lambda m: m.__name__.rsplit('.', 1)[-1])
def test_examples_and_return_are_yaml_and_examples_use_only_documented_options(module):
    docs = documented_options(module)
    names = set(docs) | set(a for o in docs.values() for a in o.get('aliases') or [])
    fqcn = 'virtwire.vmnet.' + module.__name__.rsplit('.', 1)[-1]

    examples = yaml.safe_load(module.EXAMPLES)
    returns = yaml.safe_load(module.RETURN)

    uses = [task[fqcn] for task in examples if fqcn in task]
    assert uses, 'EXAMPLES must show the module itself'
    for args in uses:
        assert set(args) <= names, set(args) - names
    for name, value in returns.items():
        assert {'description', 'returned', 'type'} <= set(value), name


def test_every_module_is_in_the_action_group():
    with open(os.path.join(COLLECTION, 'meta', 'runtime.yml')) as runtime:
        group = yaml.safe_load(runtime)['action_groups']['vmnet']
    modules = sorted(f[:-3] for f in os.listdir(os.path.join(COLLECTION, 'plugins', 'modules')) if f.endswith('.py'))

    assert sorted(group) == modules
